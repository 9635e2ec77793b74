"""CloudWatch fill: PutDashboard validates the dashboard name and the body structure as AWS does."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def cw(client):
    return client("cloudwatch")


def test_valid_body_is_saved(cw, name):
    body = {"widgets": [{"type": "text", "width": 6, "height": 3, "properties": {"markdown": "hi"}}]}
    assert cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))["DashboardValidationMessages"] == []
    assert json.loads(cw.get_dashboard(DashboardName=name)["DashboardBody"]) == body
    cw.put_dashboard(DashboardName=name + "-empty", DashboardBody='{"widgets": []}')  # an empty array is fine


@pytest.mark.parametrize(
    "body, path, message",
    [
        ({}, "", "Should have required property 'widgets'"),
        ([], "", "Should be object"),
        ({"widgets": {}}, "/widgets", "Should be array"),
        ({"widgets": [{"properties": {}}]}, "/widgets/0", "Should have required property 'type'"),
        ({"widgets": [{"type": "metric"}]}, "/widgets/0", "Should have required property 'properties'"),
        ({"widgets": [{"type": "text", "properties": {}, "width": 25}]}, "/widgets/0/width", "Should be an integer from 1 to 24"),
        ({"widgets": [{"type": "text", "properties": {}, "height": 0}]}, "/widgets/0/height", "Should be an integer from 1 to 1000"),
    ],
)
def test_invalid_body_is_rejected_with_validation_messages(cw, name, body, path, message):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    error = info.value.response
    assert error["Error"]["Code"] == "InvalidParameterInput"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert {"DataPath": path, "Message": message} in error["dashboardValidationMessages"]
    with pytest.raises(ClientError):
        cw.get_dashboard(DashboardName=name)


def test_invalid_json_still_rejected(cw, name):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName=name, DashboardBody="{not json")
    assert info.value.response["Error"]["Code"] == "InvalidParameterInput"


def test_invalid_name_is_rejected(cw):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName="has space", DashboardBody='{"widgets": []}')
    assert info.value.response["Error"]["Code"] == "InvalidParameterInput"


def test_delete_of_unknown_dashboard_is_not_found(cw, name):
    with pytest.raises(ClientError) as info:
        cw.delete_dashboards(DashboardNames=[name])
    assert info.value.response["Error"]["Code"] == "ResourceNotFound"


# ---------------------------------------------------------------- metric alarms

ALARM = dict(
    Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible", Statistic="Maximum", Period=300,
    EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
)


def _arn(cw, alarm_name):
    return cw.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["AlarmArn"]


def _tags(cw, arn):
    return {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_put_metric_alarm_tags_only_on_create(cw, name):
    cw.put_metric_alarm(AlarmName=name, Tags=[{"Key": "a", "Value": "1"}], **ALARM)
    arn = _arn(cw, name)
    cw.put_metric_alarm(AlarmName=name, Tags=[{"Key": "b", "Value": "2"}], **dict(ALARM, Threshold=5))
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == 5.0  # the update itself applies
    assert _tags(cw, arn) == {"a": "1"}  # its Tags are ignored
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert _tags(cw, arn) == {"b": "2"}


def test_untag_of_an_alarm_without_tags_succeeds(cw, name):
    cw.put_metric_alarm(AlarmName=name, **ALARM)
    arn = _arn(cw, name)
    cw.untag_resource(ResourceARN=arn, TagKeys=["nothing"])
    assert _tags(cw, arn) == {}


def test_deleted_alarm_takes_its_tags_and_is_not_found(cw, name):
    cw.put_metric_alarm(AlarmName=name, Tags=[{"Key": "a", "Value": "1"}], **ALARM)
    arn = _arn(cw, name)
    cw.delete_alarms(AlarmNames=[name])
    for call in (
        lambda: cw.list_tags_for_resource(ResourceARN=arn),
        lambda: cw.untag_resource(ResourceARN=arn, TagKeys=["a"]),
        lambda: cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}]),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    cw.put_metric_alarm(AlarmName=name, **ALARM)  # made again: a new alarm, without the old tags
    assert _tags(cw, arn) == {}


def test_delete_alarms_takes_at_most_100_names(cw, name):
    cw.put_metric_alarm(AlarmName=name, **ALARM)
    with pytest.raises(ClientError) as info:
        cw.delete_alarms(AlarmNames=[name] + [f"{name}-{i}" for i in range(100)])
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]  # nothing deleted
    cw.delete_alarms(AlarmNames=[name] + [f"{name}-{i}" for i in range(99)])  # unknown names among them are fine
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []


def test_describe_alarms_pages_in_name_order(cw, name):
    names = [f"{name}-{i:03d}" for i in range(7)]
    for alarm_name in reversed(names):
        cw.put_metric_alarm(AlarmName=alarm_name, **ALARM)
    first = cw.describe_alarms(AlarmNamePrefix=name, MaxRecords=3)
    assert [a["AlarmName"] for a in first["MetricAlarms"]] == names[:3] and first["NextToken"]
    second = cw.describe_alarms(AlarmNamePrefix=name, MaxRecords=3, NextToken=first["NextToken"])
    assert [a["AlarmName"] for a in second["MetricAlarms"]] == names[3:6]
    pages = cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=name, PaginationConfig={"PageSize": 2})
    assert [a["AlarmName"] for a in pages.build_full_result()["MetricAlarms"]] == names
    last = cw.describe_alarms(AlarmNamePrefix=name, MaxRecords=100)
    assert len(last["MetricAlarms"]) == 7 and "NextToken" not in last


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"MaxRecords": 101}, "ValidationError"),
        ({"AlarmNames": [f"n{i}" for i in range(101)]}, "ValidationError"),
        ({"AlarmNames": ["a"], "AlarmNamePrefix": "a"}, "InvalidParameterCombination"),
        ({"NextToken": "bogus"}, "InvalidNextToken"),
    ],
)
def test_describe_alarms_rejects_what_aws_rejects(cw, kwargs, code):
    with pytest.raises(ClientError) as info:
        cw.describe_alarms(**kwargs)
    assert info.value.response["Error"]["Code"] == code

