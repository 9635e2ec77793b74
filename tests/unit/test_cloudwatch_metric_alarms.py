"""cloudwatch_metric_alarms against in-process moto (with the localaws CloudWatch fill), the AWS state read back
through boto3, and the calls the module makes recorded."""

from __future__ import annotations

import copy
from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import cloudwatch_alarms as cw
from ansible_collections.streamflix.media_platform.plugins.modules import cloudwatch_metric_alarms
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

PREFIX = "streamflix-unit-"
TOPIC = "arn:aws:sns:us-east-1:123456789012:streamflix-alarms-unit"
TAGS = {"Project": "streamflix", "Environment": "unit", "ManagedBy": "ansible"}
REDIS_PATTERN = r"^streamflix-unit-redis-[0-9]{3}-(engine-cpu|memory)-high$"
OWNED_PATTERN = r"^streamflix-unit-(jobs-dlq-depth|api-5xx|redis-[0-9]{3}-(engine-cpu|memory)-high)$"
CHANGING = {"PutMetricAlarm", "TagResource", "UntagResource", "DeleteAlarms"}


def alarm(what, **extra):
    base = {
        "name": PREFIX + what,
        "description": "watch " + what,
        "namespace": "AWS/ElastiCache" if what.startswith("redis") else "AWS/SQS",
        "metric_name": "EngineCPUUtilization" if what.startswith("redis") else "ApproximateNumberOfMessagesVisible",
        "dimensions": {"CacheClusterId": "streamflix-redis-unit-" + what[6:9]} if what.startswith("redis") else {"QueueName": "q-unit"},
        "statistic": "Maximum",
        "period": 300,
        "evaluation_periods": 3,
        "comparison_operator": "GreaterThanThreshold",
        "threshold": 90,
        "treat_missing_data": "notBreaching",
        "alarm_actions": [TOPIC],
        "ok_actions": [TOPIC],
    }
    base.update(extra)
    return base


def declared(nodes=2):
    alarms = [alarm("jobs-dlq-depth", threshold=0, evaluation_periods=1), alarm("api-5xx", threshold=20)]
    for node in range(1, nodes + 1):
        alarms.append(alarm("redis-{0:03d}-engine-cpu-high".format(node)))
        alarms.append(alarm("redis-{0:03d}-memory-high".format(node), metric_name="DatabaseMemoryUsagePercentage"))
    return alarms


def args(alarms=None, **extra):
    base = {
        "alarms": declared() if alarms is None else alarms,
        "tags": dict(TAGS),
        "name_prefix": PREFIX,
        "purge_alarms": True,
        "purge_pattern": REDIS_PATTERN,
    }
    base.update(extra)
    return base


@pytest.fixture
def client(moto):
    from localaws.fills import cloudwatch as cloudwatch_fill

    cloudwatch_fill.apply()
    return boto3.client("cloudwatch", region_name=REGION)


@pytest.fixture
def calls():
    """The operations the module calls, in order, with their parameters."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation_name, api_params):
        recorded.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        yield recorded


def changing(calls):
    return [(name, params) for name, params in calls if name in CHANGING]


def aws_alarms(client, prefix=PREFIX):
    pages = client.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix)
    return {a["AlarmName"]: a for a in pages.build_full_result()["MetricAlarms"]}


def aws_tags(client, name):
    arn = aws_alarms(client, name)[name]["AlarmArn"]
    return {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceARN=arn)["Tags"]}


# ---------------------------------------------------------------- pure functions

GOOD = alarm("jobs-dlq-depth")


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"name": "x" * 255}, []),
        ({"name": "x" * 256}, ["alarm 'xxx"]),
        ({"name": "bad\nname"}, ["name must not contain control characters"]),
        ({"namespace": None}, ["namespace is required when state=present"]),
        ({"namespace": ":AWS"}, ["namespace must not start with ':'"]),
        ({"metric_name": ""}, ["metric_name must be 1 to 255"]),
        ({"description": "d" * 1025}, ["description must be 0 to 1024"]),
        ({"statistic": None}, ["statistic or extended_statistic is required"]),
        ({"extended_statistic": "p99"}, ["statistic and extended_statistic exclude each other"]),
        ({"statistic": "Median"}, ["statistic must be one of SampleCount"]),
        ({"statistic": None, "extended_statistic": "p99.9"}, []),
        ({"statistic": None, "extended_statistic": "tm90"}, []),
        ({"statistic": None, "extended_statistic": "IQM"}, []),
        ({"statistic": None, "extended_statistic": "TM(10%:90%)"}, []),
        ({"statistic": None, "extended_statistic": "PR(0:300)"}, []),
        ({"statistic": None, "extended_statistic": "p101"}, ["extended_statistic must be a percentile"]),
        ({"statistic": None, "extended_statistic": "TM(5%:95%)"}, ["extended_statistic must be a percentile"]),
        ({"period": 10, "evaluation_periods": 1}, []),
        ({"period": 45}, ["period must be 10, 20, 30 or a multiple of 60 seconds; got 45"]),
        ({"period": 0}, ["period must be 10, 20, 30"]),
        ({"period": 60, "evaluation_periods": 1441}, ["x evaluation_periods must not exceed 86400 seconds (1 day)"]),
        ({"period": 3600, "evaluation_periods": 168}, []),
        ({"period": 3600, "evaluation_periods": 169}, ["x evaluation_periods must not exceed 604800 seconds (7 days)"]),
        ({"evaluation_periods": 0}, ["evaluation_periods must be at least 1"]),
        ({"datapoints_to_alarm": 4}, ["datapoints_to_alarm must not exceed evaluation_periods (3); got 4"]),
        ({"datapoints_to_alarm": 2}, []),
        ({"comparison_operator": "GreaterThan"}, ["comparison_operator must be one of GreaterThanOrEqualToThreshold"]),
        ({"comparison_operator": "GreaterThanUpperThreshold"}, ["needs an anomaly detection band"]),
        ({"threshold": None}, ["threshold is required"]),
        ({"treat_missing_data": "zero"}, ["treat_missing_data must be one of breaching"]),
        ({"unit": "Percent"}, []),
        ({"unit": "percent"}, ["unit must be one of Seconds"]),
        ({"dimensions": {"D{0}".format(i): "v" for i in range(31)}}, ["dimensions can have at most 30 entries"]),
        ({"dimensions": {"QueueName": ""}}, ["dimensions QueueName: the value must be 1 to 1024"]),
        ({"alarm_actions": [TOPIC] * 6}, ["alarm_actions can have at most 5 actions"]),
        ({"ok_actions": ["my-topic"]}, ["ok_actions entries must be ARNs"]),
    ],
)
def test_alarm_problems(change, expected):
    problems = cw.alarm_problems(dict(GOOD, **change))
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected):
        assert fragment in problem
        assert problem.startswith("alarm '")  # every message names the alarm


def test_alarm_problems_absent_needs_only_a_name():
    assert cw.alarm_problems({"name": PREFIX + "x"}, "absent") == []
    assert cw.alarm_problems({"name": ""}, "absent") == ["every alarm needs a name (1 to 255 characters); got ''"]


def test_set_problems_finds_duplicates():
    problems = cw.set_problems([GOOD, dict(GOOD)])
    assert problems == ["alarm 'streamflix-unit-jobs-dlq-depth': name is declared more than once"]


@pytest.mark.parametrize(
    "tags, fragment",
    [
        ({}, None),
        ({"k": "v" * 256}, None),
        ({"k": "v" * 257}, "at most 256"),
        ({"k" * 129: "v"}, "1 to 128"),
        ({"aws:x": "v"}, "must not start with aws:"),
        ({"k{0}".format(i): "v" for i in range(51)}, "at most 50 tags"),
    ],
)
def test_tag_problems(tags, fragment):
    problems = cw.tag_problems(tags)
    assert (problems == []) if fragment is None else any(fragment in p for p in problems)


def test_pattern_problems():
    assert cw.pattern_problems(None) == []
    assert cw.pattern_problems("^a$") == []
    assert "not a valid regular expression" in cw.pattern_problems("(")[0]


CURRENT_ENTRY = {
    "AlarmName": PREFIX + "jobs-dlq-depth",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + PREFIX + "jobs-dlq-depth",
    "AlarmDescription": "watch jobs-dlq-depth",
    "ActionsEnabled": True,
    "AlarmActions": [TOPIC],
    "OKActions": [TOPIC],
    "InsufficientDataActions": [],
    "Namespace": "AWS/SQS",
    "MetricName": "ApproximateNumberOfMessagesVisible",
    "Dimensions": [{"Name": "QueueName", "Value": "q-unit"}],
    "Statistic": "Maximum",
    "Period": 300,
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 3,
    "Threshold": 90.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}


@pytest.mark.parametrize(
    "entry_change, spec_change, expected",
    [
        ({}, {}, []),
        ({"DatapointsToAlarm": None}, {}, []),  # omitted: CloudWatch uses evaluation_periods
        ({"TreatMissingData": None}, {"treat_missing_data": "missing"}, []),  # omitted means missing
        ({"AlarmDescription": None}, {"description": ""}, []),
        ({"Dimensions": [{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}]}, {"dimensions": {"A": "1", "B": "2"}}, []),
        ({"AlarmActions": [TOPIC, TOPIC + "2"]}, {"alarm_actions": [TOPIC + "2", TOPIC]}, []),  # order does not count
        ({}, {"threshold": 91}, ["threshold"]),
        ({}, {"threshold": "90"}, []),
        ({}, {"statistic": "Average"}, ["statistic"]),
        ({}, {"period": 60, "evaluation_periods": 5}, ["period", "evaluation_periods", "datapoints_to_alarm"]),
        ({}, {"ok_actions": []}, ["ok_actions"]),
        ({}, {"actions_enabled": False}, ["actions_enabled"]),
        ({}, {"unit": "Count"}, ["unit"]),
        ({}, {"description": "other"}, ["description"]),
    ],
)
def test_definition_changes(entry_change, spec_change, expected):
    entry = dict(CURRENT_ENTRY, **entry_change)
    entry = {k: v for k, v in entry.items() if v is not None}
    spec = dict(GOOD, **spec_change)
    assert cw.definition_changes(cw.current_alarm(entry), cw.desired_alarm(spec)) == expected


def test_definition_changes_of_a_new_alarm_is_everything():
    assert cw.definition_changes(None, cw.desired_alarm(GOOD)) == list(cw.DEFINITION_FIELDS)


@pytest.mark.parametrize(
    "current, desired, purge, expected",
    [
        ({}, None, True, ({}, [])),
        ({"a": "1"}, None, True, ({}, [])),
        ({}, {"a": "1"}, True, ({"a": "1"}, [])),
        ({"a": "1"}, {"a": "1"}, True, ({}, [])),
        ({"a": "1", "b": "2"}, {"a": "2"}, True, ({"a": "2"}, ["b"])),
        ({"a": "1", "b": "2"}, {"a": "2"}, False, ({"a": "2"}, [])),
        ({"b": "2", "c": "3"}, {}, True, ({}, ["b", "c"])),
    ],
)
def test_tag_changes(current, desired, purge, expected):
    assert cw.tag_changes(current, desired, purge) == expected


@pytest.mark.parametrize(
    "existing, declared_names, pattern, expected",
    [
        (["p-redis-001-x", "p-redis-003-x", "p-api"], ["p-redis-001-x"], r"^p-redis-\d{3}-x$", ["p-redis-003-x"]),
        (["p-redis-003-x-extra"], [], r"^p-redis-\d{3}-x$", []),
        (["p-redis-003-x-extra"], [], r"p-redis-\d{3}-x", []),  # the whole name must match
        (["p-2-redis-001-x", "p-redis-001-x"], [], r"p-redis-\d{3}-x", ["p-redis-001-x"]),  # another suffix stays
        (["a", "b"], [], None, []),
    ],
)
def test_purge_candidates(existing, declared_names, pattern, expected):
    assert cw.purge_candidates(existing, declared_names, pattern) == expected


def test_batches():
    assert cw.batches(range(5), 2) == [[0, 1], [2, 3], [4]]
    assert cw.batches([], 100) == []
    assert [len(b) for b in cw.batches(range(250), 100)] == [100, 100, 50]


def test_put_request_is_complete_and_tags_only_when_given():
    definition = cw.desired_alarm(dict(GOOD, dimensions={"B": "2", "A": "1"}))
    request = cw.put_request("n", definition)
    assert "Tags" not in request and "ExtendedStatistic" not in request and "Unit" not in request
    assert request["Dimensions"] == [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]
    assert request["DatapointsToAlarm"] == 3 and request["AlarmDescription"] == "watch jobs-dlq-depth"
    assert request["OKActions"] == [TOPIC] and request["InsufficientDataActions"] == [] and request["ActionsEnabled"] is True
    tagged = cw.put_request("n", cw.desired_alarm(dict(GOOD, statistic=None, extended_statistic="p99")), {"a": "1"})
    assert tagged["Tags"] == [{"Key": "a", "Value": "1"}]
    assert tagged["ExtendedStatistic"] == "p99" and "Statistic" not in tagged


# ---------------------------------------------------------------- module against moto


def test_create(client, calls):
    result = run_module(cloudwatch_metric_alarms, args())
    assert result["changed"] is True
    names = [a["name"] for a in declared()]
    assert result["created"] == names and result["updated"] == [] and result["deleted"] == []
    found = aws_alarms(client)
    assert sorted(found) == sorted(names)
    dlq = found[PREFIX + "jobs-dlq-depth"]
    assert (dlq["Namespace"], dlq["MetricName"], dlq["Statistic"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": "q-unit"}]
    assert (dlq["Period"], dlq["EvaluationPeriods"], dlq["DatapointsToAlarm"], dlq["Threshold"]) == (300, 1, 1, 0.0)
    assert (dlq["ComparisonOperator"], dlq["TreatMissingData"]) == ("GreaterThanThreshold", "notBreaching")
    assert dlq["AlarmActions"] == [TOPIC] and dlq["OKActions"] == [TOPIC] and dlq["ActionsEnabled"] is True
    for name in names:
        assert aws_tags(client, name) == TAGS
    # one PutMetricAlarm per alarm, each with its tags; no separate tagging
    assert [op for op, _ in changing(calls)] == ["PutMetricAlarm"] * len(names)
    assert all(params["Tags"] for _, params in changing(calls))
    assert [(a["name"], a["arn"], a["changed"]) for a in result["alarms"]] == [
        (name, found[name]["AlarmArn"], True) for name in names
    ]
    assert result["diff"]["before"] == {}
    assert sorted(result["diff"]["after"]) == sorted(names)
    assert result["diff"]["after"][PREFIX + "api-5xx"]["threshold"] == 20.0
    assert result["diff"]["after"][PREFIX + "api-5xx"]["tags"] == TAGS


def test_second_run_is_idempotent_and_reads_only(client, calls):
    first = run_module(cloudwatch_metric_alarms, args())
    del calls[:]
    second = run_module(cloudwatch_metric_alarms, args())
    assert second["changed"] is False
    assert (second["created"], second["updated"], second["deleted"]) == ([], [], [])
    assert changing(calls) == []
    assert second["diff"] == {"before": {}, "after": {}}
    assert [(a["name"], a["arn"]) for a in second["alarms"]] == [(a["name"], a["arn"]) for a in first["alarms"]]
    assert not any(a["changed"] for a in second["alarms"])


def test_one_threshold_change_puts_only_that_alarm(client, calls):
    run_module(cloudwatch_metric_alarms, args())
    before = aws_alarms(client)
    alarms = declared()
    alarms[1]["threshold"] = 7
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, args(alarms))
    assert result["changed"] is True
    assert result["updated"] == [PREFIX + "api-5xx"] and result["created"] == [] and result["deleted"] == []
    puts = changing(calls)
    assert [op for op, _ in puts] == ["PutMetricAlarm"]
    put = puts[0][1]
    # the complete definition, no tags (PutMetricAlarm ignores them on an update)
    assert put["AlarmName"] == PREFIX + "api-5xx" and put["Threshold"] == 7.0 and "Tags" not in put
    assert put["OKActions"] == [TOPIC] and put["TreatMissingData"] == "notBreaching" and put["Statistic"] == "Maximum"
    after = aws_alarms(client)
    assert after[PREFIX + "api-5xx"]["Threshold"] == 7.0
    for name in before:
        if name != PREFIX + "api-5xx":
            assert after[name]["AlarmConfigurationUpdatedTimestamp"] == before[name]["AlarmConfigurationUpdatedTimestamp"]
    assert list(result["diff"]["before"]) == [PREFIX + "api-5xx"] == list(result["diff"]["after"])
    assert result["diff"]["before"][PREFIX + "api-5xx"]["threshold"] == 20.0
    assert result["diff"]["after"][PREFIX + "api-5xx"]["threshold"] == 7.0
    changed = [a for a in result["alarms"] if a["changed"]]
    assert [(a["name"], a["changes"]) for a in changed] == [(PREFIX + "api-5xx", ["threshold"])]
    assert aws_tags(client, PREFIX + "api-5xx") == TAGS
    assert run_module(cloudwatch_metric_alarms, args(alarms))["changed"] is False


def test_tag_change_makes_only_tag_calls(client, calls):
    run_module(cloudwatch_metric_alarms, args())
    new_tags = {"Project": "streamflix", "Environment": "unit", "Owner": "media"}
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, args(tags=new_tags))
    names = [a["name"] for a in declared()]
    assert result["changed"] is True and result["updated"] == names
    ops = [op for op, _ in changing(calls)]
    assert "PutMetricAlarm" not in ops
    assert ops.count("TagResource") == len(names) and ops.count("UntagResource") == len(names)
    assert all(params["Tags"] == [{"Key": "Owner", "Value": "media"}] for op, params in changing(calls) if op == "TagResource")
    assert all(params["TagKeys"] == ["ManagedBy"] for op, params in changing(calls) if op == "UntagResource")
    for name in names:
        assert aws_tags(client, name) == new_tags
    assert result["diff"]["before"][names[0]]["tags"] == TAGS
    assert result["diff"]["after"][names[0]]["tags"] == new_tags
    assert result["alarms"][0]["changes"] == ["tags"]
    assert run_module(cloudwatch_metric_alarms, args(tags=new_tags))["changed"] is False


def test_tags_without_purge_keep_others(client):
    run_module(cloudwatch_metric_alarms, args())
    run_module(cloudwatch_metric_alarms, args(tags={"Owner": "media"}, purge_tags=False))
    assert aws_tags(client, PREFIX + "api-5xx") == dict(TAGS, Owner="media")


def test_tags_omitted_leave_tags_alone(client, calls):
    run_module(cloudwatch_metric_alarms, args())
    params = args()
    del params["tags"]
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, params)
    assert result["changed"] is False and changing(calls) == []
    assert not [op for op, _ in calls if op == "ListTagsForResource"]
    assert aws_tags(client, PREFIX + "api-5xx") == TAGS


def test_purge_by_pattern_leaves_others_alone(client, calls):
    run_module(cloudwatch_metric_alarms, args(declared(nodes=3)))
    # alarms of another environment whose suffix starts with this one's, and an alarm not ours under the prefix
    other = alarm("redis-003-memory-high", name="streamflix-unit-2-redis-003-memory-high")
    foreign = alarm("hand-made", name=PREFIX + "hand-made")
    run_module(cloudwatch_metric_alarms, {"alarms": [other, foreign], "name_prefix": "streamflix-unit-2-"})
    assert len(aws_alarms(client)) == 3 * 2 + 2 + 2
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, args(declared(nodes=2)))
    gone = [PREFIX + "redis-003-engine-cpu-high", PREFIX + "redis-003-memory-high"]
    assert result["changed"] is True and result["deleted"] == gone
    assert result["created"] == [] and result["updated"] == []
    deletes = [params for op, params in changing(calls) if op == "DeleteAlarms"]
    assert [op for op, _ in changing(calls)] == ["DeleteAlarms"] and deletes[0]["AlarmNames"] == gone
    found = aws_alarms(client)
    assert not set(gone) & set(found)
    assert {"streamflix-unit-2-redis-003-memory-high", PREFIX + "hand-made"} <= set(found)
    assert sorted(result["diff"]["before"]) == gone and result["diff"]["after"] == {}
    assert result["diff"]["before"][gone[0]]["metric_name"] == "EngineCPUUtilization"


def test_purge_deletes_in_batches_of_100(client, calls):
    many = [alarm("redis-{0:03d}-memory-high".format(n)) for n in range(1, 206)]
    run_module(cloudwatch_metric_alarms, args(many))
    assert len(aws_alarms(client)) == 205  # read back through more than one DescribeAlarms page
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, args([]))
    assert len(result["deleted"]) == 205
    assert [len(p["AlarmNames"]) for op, p in changing(calls) if op == "DeleteAlarms"] == [100, 100, 5]
    assert aws_alarms(client) == {}


def test_no_purge_without_purge_alarms(client):
    run_module(cloudwatch_metric_alarms, args(declared(nodes=3)))
    result = run_module(cloudwatch_metric_alarms, args(declared(nodes=2), purge_alarms=False))
    assert result["changed"] is False and result["deleted"] == []
    assert PREFIX + "redis-003-memory-high" in aws_alarms(client)


def test_declared_alarm_outside_the_prefix_is_read_by_name(client):
    outside = alarm("x", name="elsewhere-alarm")
    first = run_module(cloudwatch_metric_alarms, args([outside]))
    assert first["created"] == ["elsewhere-alarm"]
    second = run_module(cloudwatch_metric_alarms, args([outside]))
    assert second["changed"] is False
    assert second["alarms"][0]["arn"].endswith(":alarm:elsewhere-alarm")


def test_check_mode_create_changes_nothing(client, calls):
    result = run_module(cloudwatch_metric_alarms, args(), check_mode=True)
    assert result["changed"] is True
    assert result["created"] == [a["name"] for a in declared()]
    assert all(a["arn"] is None and a["changed"] for a in result["alarms"])
    assert result["diff"]["after"][PREFIX + "api-5xx"]["threshold"] == 20.0
    assert changing(calls) == []
    assert aws_alarms(client) == {}


def test_check_mode_update_and_purge_change_nothing(client, calls):
    run_module(cloudwatch_metric_alarms, args(declared(nodes=3)))
    before = aws_alarms(client)
    alarms = declared(nodes=2)
    alarms[0]["threshold"] = 5
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, args(alarms, tags={"Owner": "media"}), check_mode=True)
    assert result["changed"] is True
    assert result["updated"] == [a["name"] for a in alarms]
    assert result["deleted"] == [PREFIX + "redis-003-engine-cpu-high", PREFIX + "redis-003-memory-high"]
    assert result["diff"]["after"][PREFIX + "jobs-dlq-depth"]["threshold"] == 5.0
    assert result["diff"]["after"][PREFIX + "api-5xx"]["tags"] == {"Owner": "media"}
    assert changing(calls) == []
    assert aws_alarms(client) == before
    assert aws_tags(client, PREFIX + "api-5xx") == TAGS


def test_diff_can_be_turned_off_and_result_is_the_same(client):
    result = run_module(cloudwatch_metric_alarms, args(), diff=False)
    assert result["changed"] is True and len(result["created"]) == 6


def test_absent_deletes_declared_names(client, calls):
    run_module(cloudwatch_metric_alarms, args())
    keep = alarm("hand-made", name=PREFIX + "hand-made")
    run_module(cloudwatch_metric_alarms, {"alarms": [keep]})
    del calls[:]
    result = run_module(cloudwatch_metric_alarms, {"state": "absent", "alarms": [{"name": a["name"]} for a in declared()]})
    assert result["changed"] is True and result["deleted"] == sorted(a["name"] for a in declared())
    assert list(aws_alarms(client)) == [PREFIX + "hand-made"]
    assert [op for op, _ in changing(calls)] == ["DeleteAlarms"]
    assert sorted(result["diff"]["before"]) == result["deleted"] and result["diff"]["after"] == {}
    again = run_module(cloudwatch_metric_alarms, {"state": "absent", "alarms": [{"name": a["name"]} for a in declared()]})
    assert again["changed"] is False and again["deleted"] == []


def test_absent_with_pattern_deletes_what_it_claims_only(client):
    run_module(cloudwatch_metric_alarms, args())
    other = alarm("api-5xx", name="streamflix-unit-2-api-5xx")
    foreign = alarm("hand-made", name=PREFIX + "hand-made")
    run_module(cloudwatch_metric_alarms, {"alarms": [other, foreign]})
    params = {"state": "absent", "name_prefix": PREFIX, "purge_pattern": OWNED_PATTERN}
    result = run_module(cloudwatch_metric_alarms, params)
    assert result["changed"] is True and result["deleted"] == sorted(a["name"] for a in declared())
    assert sorted(aws_alarms(client)) == sorted([PREFIX + "hand-made", "streamflix-unit-2-api-5xx"])
    # a deleted alarm takes its tags along: made again, it has only the tags it is given
    run_module(cloudwatch_metric_alarms, args([alarm("api-5xx")], tags={"Owner": "media"}, purge_alarms=False))
    assert aws_tags(client, PREFIX + "api-5xx") == {"Owner": "media"}
    twice = run_module(cloudwatch_metric_alarms, dict(params, alarms=[]))
    assert twice["deleted"] == [PREFIX + "api-5xx"]
    assert run_module(cloudwatch_metric_alarms, params)["changed"] is False


def test_check_mode_absent_changes_nothing(client, calls):
    run_module(cloudwatch_metric_alarms, args())
    del calls[:]
    result = run_module(
        cloudwatch_metric_alarms, {"state": "absent", "name_prefix": PREFIX, "purge_pattern": OWNED_PATTERN}, check_mode=True
    )
    assert result["changed"] is True and len(result["deleted"]) == 6
    assert changing(calls) == []
    assert len(aws_alarms(client)) == 6


@pytest.mark.parametrize(
    "params, fragments",
    [
        (args([alarm("api-5xx", period=45)]), ["alarm 'streamflix-unit-api-5xx': period must be 10, 20, 30 or a multiple of 60"]),
        (args([alarm("api-5xx", comparison_operator="Above")]), ["alarm 'streamflix-unit-api-5xx': comparison_operator must be one of"]),
        (args([alarm("api-5xx", extended_statistic="p99")]), ["statistic and extended_statistic exclude each other"]),
        (args([alarm("api-5xx", name="x" * 256)]), ["name must be 1 to 255 characters long (got 256)"]),
        (args([alarm("api-5xx", datapoints_to_alarm=9)]), ["datapoints_to_alarm must not exceed evaluation_periods (3)"]),
        (args([alarm("api-5xx", namespace=None)]), ["namespace is required when state=present"]),
        (args([alarm("api-5xx"), alarm("api-5xx")]), ["name is declared more than once"]),
        (args(tags={"aws:owner": "x"}), ["tags: key 'aws:owner' must not start with aws:"]),
        (args(purge_pattern="(unclosed"), ["purge_pattern '(unclosed' is not a valid regular expression"]),
        (args(name_prefix=""), ["name_prefix must be 1 to 255 characters long"]),
    ],
)
def test_invalid_input_fails_before_any_call(client, calls, params, fragments):
    failure = fail_module(cloudwatch_metric_alarms, params)
    for fragment in fragments:
        assert fragment in failure["msg"]
    assert calls == []
    assert aws_alarms(client) == {}


def test_purge_alarms_needs_a_pattern(client, calls):
    params = args()
    del params["purge_pattern"]
    failure = fail_module(cloudwatch_metric_alarms, params)
    assert "purge_pattern" in failure["msg"]
    assert calls == []


def test_all_problems_are_reported_at_once(client):
    failure = fail_module(cloudwatch_metric_alarms, args([alarm("a", period=45), alarm("b", statistic="Median")]))
    assert len(failure["problems"]) == 2
    assert "alarm 'streamflix-unit-a': period" in failure["msg"] and "alarm 'streamflix-unit-b': statistic" in failure["msg"]


def test_declared_definition_is_not_mutated(client):
    alarms = declared()
    snapshot = copy.deepcopy(alarms)
    run_module(cloudwatch_metric_alarms, args(alarms))
    assert alarms == snapshot


# ------------------------------------------------------------------------------------------- metric math


def acu_metrics(instances=("db-1", "db-2"), expression=None):
    metrics = [
        {"id": "m{0}".format(n), "namespace": "AWS/RDS", "metric_name": "ACUUtilization", "dimensions": {"DBInstanceIdentifier": i},
         "stat": "Maximum", "period": 300, "return_data": False}
        for n, i in enumerate(instances, 1)
    ]
    ids = ", ".join(m["id"] for m in metrics)
    metrics.append({"id": "acu", "expression": expression or "MAX([{0}])".format(ids), "label": "busiest instance", "return_data": True})
    return metrics


def math_alarm(**extra):
    return alarm("aurora-acu-high", namespace=None, metric_name=None, dimensions={}, statistic=None, period=None,
                 metrics=acu_metrics(**extra))


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({}, None),
        ({"namespace": "AWS/RDS"}, "namespace must not be given with metrics"),
        ({"period": 300}, "period must not be given with metrics"),
        ({"metrics": acu_metrics()[:2]}, "exactly one of metrics must have return_data true"),
        ({"metrics": acu_metrics() + [{"id": "acu", "expression": "m1"}]}, "ids must be unique"),
        ({"metrics": [{"id": "M1", "expression": "1", "return_data": True}]}, "id must start with a lower-case letter"),
        ({"metrics": [{"id": "m1", "namespace": "AWS/RDS", "metric_name": "ACUUtilization", "return_data": True}]},
         "a metric needs namespace, metric_name, stat and period"),
        ({"metrics": [{"id": "m1", "expression": "1", "stat": "Maximum", "return_data": True}]}, "give either expression or"),
    ],
)
def test_metrics_problems(change, fragment):
    problems = cw.alarm_problems(dict(math_alarm(), **change))
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in p for p in problems), problems


def test_metric_math_alarm_is_created_compared_and_changed(client, calls):
    result = run_module(cloudwatch_metric_alarms, args([math_alarm()], purge_alarms=False, purge_pattern=None))
    assert result["created"] == [PREFIX + "aurora-acu-high"]
    found = aws_alarms(client)[PREFIX + "aurora-acu-high"]
    assert "MetricName" not in found or not found.get("MetricName")
    queries = {q["Id"]: q for q in found["Metrics"]}
    assert queries["acu"] == {"Id": "acu", "Expression": "MAX([m1, m2])", "Label": "busiest instance", "ReturnData": True}
    assert queries["m2"]["MetricStat"] == {
        "Metric": {"Namespace": "AWS/RDS", "MetricName": "ACUUtilization", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db-2"}]},
        "Period": 300,
        "Stat": "Maximum",
    }
    assert queries["m1"]["ReturnData"] is False
    del calls[:]
    again = run_module(cloudwatch_metric_alarms, args([math_alarm()], purge_alarms=False, purge_pattern=None))
    assert again["changed"] is False and changing(calls) == []
    third = run_module(cloudwatch_metric_alarms, args([math_alarm(instances=("db-1", "db-2", "db-3"))], purge_alarms=False, purge_pattern=None))
    assert third["updated"] == [PREFIX + "aurora-acu-high"]
    assert {q["Id"] for q in aws_alarms(client)[PREFIX + "aurora-acu-high"]["Metrics"]} == {"m1", "m2", "m3", "acu"}
