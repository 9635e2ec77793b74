"""cloudwatch_dashboard against in-process moto (with the localaws CloudWatch fill), AWS state read back through boto3."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import cloudwatch
from ansible_collections.streamflix.media_platform.plugins.modules import cloudwatch_dashboard
from localaws.fills import cloudwatch as cloudwatch_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-unit"

BODY = {
    "start": "-PT6H",
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "DLQ depth",
                "region": REGION,
                "stat": "Maximum",
                "period": 60,
                "metrics": [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "jobs-dlq"]],
            },
        },
        {"type": "text", "x": 12, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "StreamFlix unit"}},
    ],
}


# ---------------------------------------------------------------- pure comparison


def test_canonical_body_sorts_keys_and_drops_whitespace():
    assert cloudwatch.canonical_body({"b": [1, {"d": 1, "c": 2}], "a": "x"}) == '{"a":"x","b":[1,{"c":2,"d":1}]}'


@pytest.mark.parametrize(
    "current, desired, differs",
    [
        (None, {"widgets": []}, True),
        ({"widgets": []}, {"widgets": []}, False),
        ({"a": 1, "widgets": []}, {"widgets": [], "a": 1}, False),  # key order
        ({"widgets": [{"x": 1}]}, {"widgets": ({"x": 1},)}, False),  # tuple from a template is still a list
        ({"widgets": [], "start": "-PT6H"}, {"widgets": [], "start": "-PT3H"}, True),
        ({"widgets": [{"type": "text"}, {"type": "metric"}]}, {"widgets": [{"type": "metric"}, {"type": "text"}]}, True),
        ({"widgets": [], "period": 60}, {"widgets": [], "period": "60"}, True),  # a string is not a number
        ({"widgets": []}, {"widgets": [], "end": "P0D"}, True),
    ],
)
def test_body_differs(current, desired, differs):
    assert cloudwatch.body_differs(current, desired) is differs


@pytest.mark.parametrize(
    "name, ok",
    [("streamflix-dev", True), ("a_b-C9", True), ("x" * 255, True), ("x" * 256, False), ("", False), ("has space", False), ("a/b", False)],
)
def test_name_problems(name, ok):
    assert (cloudwatch.name_problems(name) == []) is ok


@pytest.mark.parametrize(
    "source, expected",
    [
        ({}, []),
        ({"DashboardValidationMessages": []}, []),
        ({"DashboardValidationMessages": [{"DataPath": "/widgets/0", "Message": "Warn"}]}, ["/widgets/0: Warn"]),
        ({"dashboardValidationMessages": [{"DataPath": "", "Message": "Bad"}], "Error": {}}, ["Bad"]),
        ({"Error": {"dashboardValidationMessages": [{"dataPath": "/x", "message": "m"}]}}, ["/x: m"]),
    ],
)
def test_validation_messages(source, expected):
    assert cloudwatch.validation_messages(source) == expected


def test_dashboard_view():
    entry = {"DashboardName": "n", "DashboardArn": "arn:d", "DashboardBody": '{"widgets":[]}'}
    assert cloudwatch.dashboard_view(entry) == {"name": "n", "arn": "arn:d", "body": {"widgets": []}}
    assert cloudwatch.dashboard_view(None) == {}


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def cw(moto):
    cloudwatch_fill.apply()
    return boto3.client("cloudwatch", region_name=REGION)


def aws_body(cw, name=NAME):
    return json.loads(cw.get_dashboard(DashboardName=name)["DashboardBody"])


def aws_names(cw):
    return [entry["DashboardName"] for entry in cw.list_dashboards()["DashboardEntries"]]


def put_calls():
    """Count the module's PutDashboard calls."""
    return mock.patch.object(cloudwatch_dashboard, "put_dashboard", wraps=cloudwatch.put_dashboard)


def test_create(cw):
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert result["changed"] is True
    assert aws_body(cw) == BODY
    raw = cw.get_dashboard(DashboardName=NAME)
    assert raw["DashboardBody"] == cloudwatch.canonical_body(BODY)  # sent canonically
    assert result["dashboard"] == {"name": NAME, "arn": raw["DashboardArn"], "body": BODY}
    assert result["diff"] == {"before": {}, "after": result["dashboard"]}


def test_second_run_is_idempotent_and_sends_nothing(cw):
    first = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    with put_calls() as put:
        second = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert put.call_count == 0
    assert second["changed"] is False
    assert second["dashboard"] == first["dashboard"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_key_order_and_whitespace_are_no_change(cw):
    # The dashboard as saved by someone else: pretty-printed, keys in another order.
    cw.put_dashboard(DashboardName=NAME, DashboardBody=json.dumps(BODY, indent=4, sort_keys=False))
    reordered = {"widgets": [dict(reversed(list(w.items()))) for w in BODY["widgets"]], "start": BODY["start"]}
    with put_calls() as put:
        result = run_module(cloudwatch_dashboard, {"name": NAME, "body": reordered})
    assert result["changed"] is False
    assert put.call_count == 0


def test_modify(cw):
    run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    changed = json.loads(json.dumps(BODY))
    changed["widgets"][0]["properties"]["period"] = 300
    with put_calls() as put:
        result = run_module(cloudwatch_dashboard, {"name": NAME, "body": changed})
    assert put.call_count == 1
    assert result["changed"] is True
    assert aws_body(cw)["widgets"][0]["properties"]["period"] == 300
    assert result["diff"]["before"]["body"] == BODY
    assert result["diff"]["after"]["body"] == changed


def test_check_mode_create_changes_nothing(cw):
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY}, check_mode=True)
    assert result["changed"] is True
    assert result["dashboard"] == {"name": NAME, "arn": None, "body": BODY}
    assert result["diff"] == {"before": {}, "after": result["dashboard"]}
    assert aws_names(cw) == []


def test_check_mode_modify_changes_nothing(cw):
    first = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    changed = dict(BODY, start="-PT3H")
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": changed}, check_mode=True)
    assert result["changed"] is True
    assert result["dashboard"] == {"name": NAME, "arn": first["dashboard"]["arn"], "body": changed}
    assert result["diff"]["before"]["body"] == BODY
    assert aws_body(cw) == BODY


def test_check_mode_unchanged(cw):
    run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY}, check_mode=True)
    assert result["changed"] is False


def test_absent(cw):
    run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    run_module(cloudwatch_dashboard, {"name": "streamflix-other", "body": BODY})
    result = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert result["dashboard"] == {}
    assert result["diff"]["before"]["body"] == BODY
    assert result["diff"]["after"] == {}
    assert aws_names(cw) == ["streamflix-other"]
    again = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"})
    assert again["changed"] is False
    assert again["diff"] == {"before": {}, "after": {}}


def test_absent_check_mode_keeps_it(cw):
    run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    result = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert aws_names(cw) == [NAME]


def test_invalid_body_fails_with_the_validation_messages(cw):
    bad = {"widgets": [{"type": "metric", "width": 30}]}
    failure = fail_module(cloudwatch_dashboard, {"name": NAME, "body": bad})
    assert "rejected it" in failure["msg"]
    assert "/widgets/0: Should have required property 'properties'" in failure["validation_messages"]
    assert "/widgets/0/width: Should be an integer from 1 to 24" in failure["validation_messages"]
    assert NAME in failure["msg"]
    assert aws_names(cw) == []


def test_warnings_in_a_successful_put_fail_the_task(cw):
    warning = {"DashboardValidationMessages": [{"DataPath": "/widgets/0/properties/metrics", "Message": "Metric unknown"}]}
    with mock.patch.object(cloudwatch_dashboard, "put_dashboard", return_value=warning):
        failure = fail_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert "saved it, but parts of it may not render" in failure["msg"]
    assert failure["validation_messages"] == ["/widgets/0/properties/metrics: Metric unknown"]


def test_invalid_name_fails_before_any_call(cw):
    failure = fail_module(cloudwatch_dashboard, {"name": "bad name", "body": BODY})
    assert "letters, digits, dashes" in failure["msg"]


def test_body_required_when_present(cw):
    failure = fail_module(cloudwatch_dashboard, {"name": NAME})
    assert "body" in failure["msg"]
