"""vpc_flow_log against in-process moto, with the AWS state read back through boto3."""

from __future__ import annotations

import json

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import flow_logs
from ansible_collections.streamflix.media_platform.plugins.modules import vpc_flow_log
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

LOG_GROUP = "/streamflix/unit/vpc-flow-logs"


# ---------------------------------------------------------------- pure comparison


CURRENT = {
    "flow_log_id": "fl-1",
    "resource_id": "vpc-1",
    "log_group_name": LOG_GROUP,
    "traffic_type": "ALL",
    "deliver_logs_permission_arn": "arn:aws:iam::123456789012:role/a",
    "max_aggregation_interval": 600,
    "tags": {},
}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"tags": {"Name": "x"}}, []),
        ({"traffic_type": "REJECT"}, ["traffic_type"]),
        ({"deliver_logs_permission_arn": "arn:aws:iam::123456789012:role/b"}, ["deliver_logs_permission_arn"]),
        ({"max_aggregation_interval": 60}, ["max_aggregation_interval"]),
        (
            {"traffic_type": "ACCEPT", "max_aggregation_interval": 60},
            ["max_aggregation_interval", "traffic_type"],
        ),
    ],
)
def test_settings_to_replace(change, expected):
    desired = dict(CURRENT, **change)
    assert flow_logs.settings_to_replace(CURRENT, desired) == expected


def test_current_flow_log_maps_describe_entry():
    entry = {
        "FlowLogId": "fl-1",
        "ResourceId": "vpc-1",
        "LogGroupName": LOG_GROUP,
        "TrafficType": "REJECT",
        "DeliverLogsPermissionArn": "arn:r",
        "MaxAggregationInterval": 60,
        "Tags": [{"Key": "Name", "Value": "n"}],
    }
    assert flow_logs.current_flow_log(entry) == {
        "flow_log_id": "fl-1",
        "resource_id": "vpc-1",
        "log_group_name": LOG_GROUP,
        "traffic_type": "REJECT",
        "deliver_logs_permission_arn": "arn:r",
        "max_aggregation_interval": 60,
        "tags": {"Name": "n"},
    }
    assert flow_logs.current_flow_log(None) is None


def test_desired_flow_log_without_tags_is_empty_dict():
    params = dict(CURRENT, tags=None)
    assert flow_logs.desired_flow_log(params)["tags"] == {}


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    ec2 = boto3.client("ec2", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    logs.create_log_group(logGroupName=LOG_GROUP)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role_arn = iam.create_role(RoleName="streamflix-flowlogs-unit", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    other_role_arn = iam.create_role(RoleName="streamflix-flowlogs-other", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return {"ec2": ec2, "vpc_id": vpc_id, "role_arn": role_arn, "other_role_arn": other_role_arn}


def args(world, **extra):
    base = {
        "resource_id": world["vpc_id"],
        "log_group_name": LOG_GROUP,
        "deliver_logs_permission_arn": world["role_arn"],
        "tags": {"Name": "streamflix-flowlog-unit", "Project": "streamflix"},
    }
    base.update(extra)
    return base


def aws_flow_logs(world):
    return world["ec2"].describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [world["vpc_id"]]}])["FlowLogs"]


def aws_tags(world, flow_log_id):
    tags = world["ec2"].describe_tags(Filters=[{"Name": "resource-id", "Values": [flow_log_id]}])["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def test_create(world):
    result = run_module(vpc_flow_log, args(world))
    assert result["changed"] is True
    assert result["replaced"] == []
    [created] = aws_flow_logs(world)
    assert created["FlowLogId"] == result["flow_log"]["flow_log_id"]
    assert created["ResourceId"] == world["vpc_id"]
    assert created["LogGroupName"] == LOG_GROUP
    assert created["TrafficType"] == "ALL"
    assert created["DeliverLogsPermissionArn"] == world["role_arn"]
    assert created["MaxAggregationInterval"] == 600
    assert created["LogDestinationType"] == "cloud-watch-logs"
    assert aws_tags(world, created["FlowLogId"]) == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}
    assert result["diff"] == {"before": {}, "after": result["flow_log"]}


def test_create_with_options(world):
    result = run_module(vpc_flow_log, args(world, traffic_type="REJECT", max_aggregation_interval=60))
    [created] = aws_flow_logs(world)
    assert (created["TrafficType"], created["MaxAggregationInterval"]) == ("REJECT", 60)
    assert result["flow_log"]["traffic_type"] == "REJECT"
    assert result["flow_log"]["max_aggregation_interval"] == 60


def test_second_run_is_idempotent(world):
    first = run_module(vpc_flow_log, args(world))
    second = run_module(vpc_flow_log, args(world))
    assert second["changed"] is False
    assert second["replaced"] == []
    assert second["flow_log"] == first["flow_log"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert [fl["FlowLogId"] for fl in aws_flow_logs(world)] == [first["flow_log"]["flow_log_id"]]


def test_check_mode_create_changes_nothing(world):
    result = run_module(vpc_flow_log, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["flow_log"]["flow_log_id"] is None
    assert result["flow_log"]["traffic_type"] == "ALL"
    assert result["flow_log"]["tags"] == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == result["flow_log"]
    assert aws_flow_logs(world) == []


def test_tags_update(world):
    first = run_module(vpc_flow_log, args(world))
    flow_log_id = first["flow_log"]["flow_log_id"]
    result = run_module(vpc_flow_log, args(world, tags={"Name": "streamflix-flowlog-unit", "Owner": "media"}))
    assert result["changed"] is True
    assert result["replaced"] == []
    assert result["flow_log"]["flow_log_id"] == flow_log_id
    assert result["flow_log"]["tags"] == {"Name": "streamflix-flowlog-unit", "Owner": "media"}
    assert result["diff"]["before"]["tags"] == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}
    assert result["diff"]["after"]["tags"] == {"Name": "streamflix-flowlog-unit", "Owner": "media"}
    assert aws_tags(world, flow_log_id) == {"Name": "streamflix-flowlog-unit", "Owner": "media"}
    [flow_log] = aws_flow_logs(world)
    assert flow_log["FlowLogId"] == flow_log_id
    # and the update converged: a re-run changes nothing
    assert run_module(vpc_flow_log, args(world, tags={"Name": "streamflix-flowlog-unit", "Owner": "media"}))["changed"] is False


def test_tags_update_without_purge_keeps_others(world):
    first = run_module(vpc_flow_log, args(world))
    flow_log_id = first["flow_log"]["flow_log_id"]
    result = run_module(vpc_flow_log, args(world, tags={"Owner": "media"}, purge_tags=False))
    assert result["changed"] is True
    expected = {"Name": "streamflix-flowlog-unit", "Project": "streamflix", "Owner": "media"}
    assert result["flow_log"]["tags"] == expected
    assert aws_tags(world, flow_log_id) == expected


def test_tags_omitted_leaves_tags_alone(world):
    first = run_module(vpc_flow_log, args(world))
    params = args(world)
    del params["tags"]
    result = run_module(vpc_flow_log, params)
    assert result["changed"] is False
    assert aws_tags(world, first["flow_log"]["flow_log_id"]) == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}


def test_check_mode_tags_update_changes_nothing(world):
    first = run_module(vpc_flow_log, args(world))
    flow_log_id = first["flow_log"]["flow_log_id"]
    result = run_module(vpc_flow_log, args(world, tags={"Owner": "media"}), check_mode=True)
    assert result["changed"] is True
    assert result["flow_log"]["tags"] == {"Owner": "media"}
    assert aws_tags(world, flow_log_id) == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}


def test_traffic_type_change_replaces(world):
    first = run_module(vpc_flow_log, args(world))
    result = run_module(vpc_flow_log, args(world, traffic_type="REJECT"))
    assert result["changed"] is True
    assert result["replaced"] == ["traffic_type"]
    assert result["diff"]["before"]["traffic_type"] == "ALL"
    assert result["diff"]["after"]["traffic_type"] == "REJECT"
    [flow_log] = aws_flow_logs(world)
    assert flow_log["TrafficType"] == "REJECT"
    assert flow_log["FlowLogId"] != first["flow_log"]["flow_log_id"]
    assert flow_log["FlowLogId"] == result["flow_log"]["flow_log_id"]
    assert aws_tags(world, flow_log["FlowLogId"]) == {"Name": "streamflix-flowlog-unit", "Project": "streamflix"}
    assert run_module(vpc_flow_log, args(world, traffic_type="REJECT"))["changed"] is False


def test_role_change_replaces(world):
    run_module(vpc_flow_log, args(world))
    result = run_module(vpc_flow_log, args(world, deliver_logs_permission_arn=world["other_role_arn"]))
    assert result["replaced"] == ["deliver_logs_permission_arn"]
    [flow_log] = aws_flow_logs(world)
    assert flow_log["DeliverLogsPermissionArn"] == world["other_role_arn"]


def test_check_mode_replacement_changes_nothing(world):
    first = run_module(vpc_flow_log, args(world))
    result = run_module(vpc_flow_log, args(world, traffic_type="ACCEPT"), check_mode=True)
    assert result["changed"] is True
    assert result["replaced"] == ["traffic_type"]
    [flow_log] = aws_flow_logs(world)
    assert flow_log["FlowLogId"] == first["flow_log"]["flow_log_id"]
    assert flow_log["TrafficType"] == "ALL"


def test_duplicates_are_removed(world):
    from moto.ec2.models import ec2_backends

    first = run_module(vpc_flow_log, args(world))
    # A second flow log into the same log group, as an interrupted run elsewhere could leave. EC2 (and
    # moto) refuse to create it through the API, so it is made with another log group and then moved.
    other = world["ec2"].create_flow_logs(
        ResourceIds=[world["vpc_id"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/streamflix/elsewhere",
        DeliverLogsPermissionArn=world["role_arn"],
        MaxAggregationInterval=600,
    )["FlowLogIds"][0]
    ec2_backends["123456789012"][REGION].flow_logs[other].log_group_name = LOG_GROUP
    assert len(aws_flow_logs(world)) == 2
    result = run_module(vpc_flow_log, args(world))
    assert result["changed"] is True
    assert [fl["FlowLogId"] for fl in aws_flow_logs(world)] == [first["flow_log"]["flow_log_id"]]


def test_absent_deletes(world):
    first = run_module(vpc_flow_log, args(world))
    result = run_module(vpc_flow_log, {"state": "absent", "resource_id": world["vpc_id"], "log_group_name": LOG_GROUP})
    assert result["changed"] is True
    assert result["flow_log"] == {}
    assert result["diff"] == {"before": first["flow_log"], "after": {}}
    assert aws_flow_logs(world) == []


def test_absent_twice_is_unchanged(world):
    run_module(vpc_flow_log, args(world))
    absent = {"state": "absent", "resource_id": world["vpc_id"], "log_group_name": LOG_GROUP}
    run_module(vpc_flow_log, absent)
    result = run_module(vpc_flow_log, absent)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert aws_flow_logs(world) == []


def test_check_mode_absent_deletes_nothing(world):
    first = run_module(vpc_flow_log, args(world))
    result = run_module(
        vpc_flow_log, {"state": "absent", "resource_id": world["vpc_id"], "log_group_name": LOG_GROUP}, check_mode=True
    )
    assert result["changed"] is True
    assert result["flow_log"] == {}
    assert [fl["FlowLogId"] for fl in aws_flow_logs(world)] == [first["flow_log"]["flow_log_id"]]


def test_absent_leaves_other_log_groups_alone(world):
    other = run_module(vpc_flow_log, args(world, log_group_name="/streamflix/other/vpc-flow-logs"))
    run_module(vpc_flow_log, args(world))
    run_module(vpc_flow_log, {"state": "absent", "resource_id": world["vpc_id"], "log_group_name": LOG_GROUP})
    assert [fl["FlowLogId"] for fl in aws_flow_logs(world)] == [other["flow_log"]["flow_log_id"]]


def test_present_without_role_fails(world):
    params = args(world)
    del params["deliver_logs_permission_arn"]
    result = fail_module(vpc_flow_log, params)
    assert "deliver_logs_permission_arn" in result["msg"]
    assert aws_flow_logs(world) == []


def test_every_create_request_has_its_own_client_token(world, monkeypatch):
    """EC2 answers a reused token with the first request's result (or IdempotentParameterMismatch), so a
    token derived from the resource and log group would make a re-create after a delete, or a
    replacement, return the old flow log instead of making a new one."""
    tokens = []
    real = vpc_flow_log.create_flow_log

    def spy(client, desired, resource_type, client_token):
        tokens.append(client_token)
        return real(client, desired, resource_type, client_token)

    monkeypatch.setattr(vpc_flow_log, "create_flow_log", spy)
    absent = {"state": "absent", "resource_id": world["vpc_id"], "log_group_name": LOG_GROUP}
    run_module(vpc_flow_log, args(world))
    run_module(vpc_flow_log, absent)
    again = run_module(vpc_flow_log, args(world))
    run_module(vpc_flow_log, args(world, traffic_type="ACCEPT"))
    assert len(tokens) >= 3
    assert len(set(tokens)) == len(tokens)
    assert all(0 < len(token) <= 64 for token in tokens)
    [flow_log] = aws_flow_logs(world)
    assert flow_log["TrafficType"] == "ACCEPT"
    assert flow_log["FlowLogId"] != again["flow_log"]["flow_log_id"]


def test_replacement_when_ec2_accepts_the_new_flow_log_first(world, monkeypatch):
    """Moto refuses a second flow log into the same log group, so the module makes room first; where
    EC2 accepts it, the module creates the new one, deletes the old one and reports the new one."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends["123456789012"][REGION]
    real = vpc_flow_log.create_flow_log
    calls = []

    def accepting(client, desired, resource_type, client_token):
        hidden = [flow_log for flow_log in backend.flow_logs.values() if flow_log.log_group_name == LOG_GROUP]
        calls.append([flow_log.id for flow_log in hidden])
        for flow_log in hidden:
            flow_log.log_group_name = "/hidden"
        try:
            return real(client, desired, resource_type, client_token)
        finally:
            for flow_log in hidden:
                flow_log.log_group_name = LOG_GROUP

    first = run_module(vpc_flow_log, args(world))
    monkeypatch.setattr(vpc_flow_log, "create_flow_log", accepting)
    result = run_module(vpc_flow_log, args(world, max_aggregation_interval=60))
    assert calls == [[first["flow_log"]["flow_log_id"]]]  # created while the old one still existed
    assert result["replaced"] == ["max_aggregation_interval"]
    [flow_log] = aws_flow_logs(world)
    assert flow_log["MaxAggregationInterval"] == 60
    assert flow_log["FlowLogId"] != first["flow_log"]["flow_log_id"]
    assert result["flow_log"]["flow_log_id"] == flow_log["FlowLogId"]
    assert result["flow_log"]["max_aggregation_interval"] == 60
