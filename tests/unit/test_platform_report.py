"""The platform_report filter (the page of verify.yml's report step) and what the audit hands it."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest

from ansible_collections.streamflix.media_platform.plugins.filter.platform_report import FilterModule
from ansible_collections.streamflix.media_platform.plugins.filter.platform_report import platform_report
from ansible_collections.streamflix.media_platform.plugins.filter.platform_report import timeline_svg
from ansible_collections.streamflix.media_platform.plugins.module_utils import audit

HOSTILE = '<script>alert("x")</script>&"\''

OUTPUTS = {
    "suffix": "unit", "region": "us-east-1",
    "network": {"vpc_id": "vpc-0abc", "vpc_cidr": "10.40.0.0/16", "availability_zones": ["us-east-1a", "us-east-1b"],
                "public_subnet_ids": ["subnet-pa", "subnet-pb"], "private_subnet_ids": ["subnet-qa", "subnet-qb"],
                "nat_gateway_ids": ["nat-0abc"]},
    "security": {"kms_key_id": "key-1", "kms_alias": "alias/streamflix-unit"},
    "database": {"cluster_identifier": "streamflix-aurora-unit", "writer_endpoint": "w.cluster.example", "reader_endpoint": "r.cluster.example",
                 "port": 5432, "database_name": "streamflix", "master_user_secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:rds!cluster-master"},
    "cache": {"replication_group_id": "streamflix-redis-unit", "primary_endpoint": "master.redis.example", "port": 6379,
              "auth_token_secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:streamflix-redis-auth-unit"},
    "storage": {"file_system_id": "fs-1", "access_point_id": "fsap-1"},
    "streaming": {"stream_name": "streamflix-ingest-unit", "queue_name": "streamflix-jobs-unit", "dlq_name": "streamflix-jobs-dlq-unit"},
    "compute": {"cluster_name": "streamflix-cluster-unit", "service_name": "streamflix-service-unit", "alb_dns_name": "alb.example",
                "min_tasks": 2, "max_tasks": 4},
    "api": {"api_name": "streamflix-api-unit", "rest_api_id": "api123", "stage_name": "v1", "invoke_url": "https://api123.example/v1"},
    "monitoring": {"topic_arn": "arn:aws:sns:us-east-1:1:streamflix-alarms-unit", "alarm_names": ["a"]},
}
STATE = dict(
    audit.empty_state(),
    vpc={"VpcId": "vpc-0abc", "CidrBlock": "10.40.0.0/16"},
    subnets=[
        {"SubnetId": "subnet-qb", "AvailabilityZone": "us-east-1b", "CidrBlock": "10.40.11.0/24", "Tags": [{"Key": "Tier", "Value": "private"}]},
        {"SubnetId": "subnet-pa", "AvailabilityZone": "us-east-1a", "CidrBlock": "10.40.0.0/24", "Tags": [{"Key": "Tier", "Value": "public"}]},
        {"SubnetId": "subnet-qa", "AvailabilityZone": "us-east-1a", "CidrBlock": "10.40.10.0/24", "Tags": [{"Key": "Tier", "Value": "private"}]},
        {"SubnetId": "subnet-pb", "AvailabilityZone": "us-east-1b", "CidrBlock": "10.40.1.0/24", "Tags": [{"Key": "Tier", "Value": "public"}]},
    ],
    aurora={"DBClusterMembers": [{"DBInstanceIdentifier": "aurora-2", "IsClusterWriter": False},
                                 {"DBInstanceIdentifier": "aurora-1", "IsClusterWriter": True}]},
    aurora_instances=[{"DBInstanceIdentifier": "aurora-2", "AvailabilityZone": "us-east-1b"},
                      {"DBInstanceIdentifier": "aurora-1", "AvailabilityZone": "us-east-1a"}],
    redis={"NodeGroups": [{"NodeGroupMembers": [
        {"CacheClusterId": "redis-002", "PreferredAvailabilityZone": "us-east-1b", "CurrentRole": "replica"},
        {"CacheClusterId": "redis-001", "PreferredAvailabilityZone": "us-east-1a", "CurrentRole": "primary"}]}]},
    efs_mount_targets=[{"MountTargetId": "fsmt-b", "AvailabilityZoneName": "us-east-1b", "SubnetId": "subnet-qb"},
                       {"MountTargetId": "fsmt-a", "AvailabilityZoneName": "us-east-1a", "SubnetId": "subnet-qa"}],
)
ALARMS = [
    {"AlarmName": "streamflix-unit-jobs-dlq-depth", "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
     "Dimensions": [{"Name": "QueueName", "Value": "streamflix-jobs-dlq-unit"}], "Statistic": "Maximum",
     "ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0, "Period": 300, "EvaluationPeriods": 1, "StateValue": "OK",
     "ActionsEnabled": True, "AlarmActions": ["arn:aws:sns:us-east-1:1:streamflix-alarms-unit"]},
    {"AlarmName": "streamflix-unit-ecs-cpu-high", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Dimensions": [],
     "Statistic": "Average", "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 80.5, "Period": 60,
     "EvaluationPeriods": 3, "StateValue": "ALARM", "ActionsEnabled": False, "AlarmActions": []},
]
FINDINGS = [
    {"resource": HOSTILE, "rule": "log-retention", "status": "fail", "detail": "keeps 1 day; expected 7 <b>"},
    {"resource": "streamflix-vpc-unit", "rule": "tags", "status": "pass", "detail": "all tags"},
]
TIMELINE = {
    "started_at": "2026-01-05T10:05:00Z", "finished_at": "2026-01-05T10:15:00Z", "waited": True, "waited_seconds": 600.0,
    "resources": [
        {"resource": "nat_gateway/nat-0abc", "created_at": "2026-01-05T10:01:00Z", "ready_at": "2026-01-05T10:05:00Z", "ready_at_first_look": True},
        {"resource": "db_instance/aurora-1", "created_at": "2026-01-05T10:02:00Z", "ready_at": "2026-01-05T10:14:00Z", "ready_at_first_look": False},
        {"resource": "mount_target/fsmt-a", "created_at": None, "ready_at": "2026-01-05T10:06:00Z", "ready_at_first_look": False},
    ],
}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def render(**changes):
    data = {"outputs": OUTPUTS, "verify": {"summary": {"pass": 1, "fail": 1, "total": 2}, "findings": FINDINGS,
                                           "placement": audit.placement(STATE), "alarms": audit.alarm_thresholds(ALARMS),
                                           "checked_at": "2026-01-05T11:00:00Z"},
            "timeline": TIMELINE, "suffix": "unit", "environment": "local", "region": "us-east-1", "account_id": "123456789012"}
    data.update(changes)
    page = platform_report(data)
    dom = Dom()
    dom.feed(page)
    return page, dom, "\n".join(dom.text)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"platform_report": platform_report}


def test_placement_sorts_by_zone_and_names_roles():
    placement = audit.placement(STATE)
    assert [(s["az"], s["tier"], s["id"]) for s in placement["subnets"]] == [
        ("us-east-1a", "private", "subnet-qa"), ("us-east-1a", "public", "subnet-pa"),
        ("us-east-1b", "private", "subnet-qb"), ("us-east-1b", "public", "subnet-pb")]
    assert placement["aurora_instances"] == [{"id": "aurora-1", "az": "us-east-1a", "role": "writer"},
                                             {"id": "aurora-2", "az": "us-east-1b", "role": "reader"}]
    assert [n["role"] for n in placement["redis_nodes"]] == ["primary", "replica"]
    assert [t["id"] for t in placement["efs_mount_targets"]] == ["fsmt-a", "fsmt-b"]
    assert (placement["vpc_id"], placement["vpc_cidr"]) == ("vpc-0abc", "10.40.0.0/16")


def test_placement_of_an_environment_that_is_not_there():
    assert audit.placement(audit.empty_state()) == {"vpc_id": None, "vpc_cidr": None, "subnets": [], "aurora_instances": [],
                                                    "redis_nodes": [], "efs_mount_targets": []}


def test_alarm_thresholds():
    alarms = audit.alarm_thresholds(ALARMS)
    assert [a["name"] for a in alarms] == ["streamflix-unit-ecs-cpu-high", "streamflix-unit-jobs-dlq-depth"]
    assert alarms[1] == {"name": "streamflix-unit-jobs-dlq-depth", "namespace": "AWS/SQS", "metric": "ApproximateNumberOfMessagesVisible",
                         "dimensions": {"QueueName": "streamflix-jobs-dlq-unit"}, "expression": None, "statistic": "Maximum",
                         "comparison": "GreaterThanThreshold", "threshold": 0.0, "period": 300, "evaluation_periods": 1,
                         "state": "OK", "actions_enabled": True, "alarm_actions": ["arn:aws:sns:us-east-1:1:streamflix-alarms-unit"]}


def test_a_metric_math_alarm_is_described_by_its_metrics_and_expression():
    stat = {"Metric": {"Namespace": "AWS/RDS", "MetricName": "ACUUtilization", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "a-1"}]},
            "Period": 300, "Stat": "Maximum"}
    alarm = {"AlarmName": "streamflix-unit-aurora-acu-high", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 90.0,
             "EvaluationPeriods": 3, "Metrics": [{"Id": "m1", "MetricStat": stat, "ReturnData": False},
                                                 {"Id": "m2", "MetricStat": dict(stat, Metric=dict(stat["Metric"], Dimensions=[])), "ReturnData": False},
                                                 {"Id": "e1", "Expression": "MAX([m1, m2])", "ReturnData": True}]}
    described = audit.alarm_thresholds([alarm])[0]
    assert (described["namespace"], described["metric"], described["expression"], described["statistic"], described["period"]) == (
        "AWS/RDS", "ACUUtilization", "MAX([m1, m2])", "Maximum", 300)
    assert described["dimensions"] == {"DBInstanceIdentifier": "a-1"}
    _page, _dom, text = render(verify={"summary": {}, "findings": [], "alarms": [described]})
    assert "AWS/RDS/ACUUtilization" in text and "MAX([m1, m2]) of DBInstanceIdentifier=a-1" in text and "300 s \u00d7 3" in text


def test_page_is_self_contained():
    page, dom, _text = render()
    assert page.startswith("<!DOCTYPE html>")
    assert not set(dom.tags) & {"script", "link", "img", "iframe", "object", "embed"}
    assert [a for a in dom.attrs if a[0] in ("src", "href") or a[0].startswith("on")] == []
    assert dom.tags.count("svg") == 2 and "style" in dom.tags


def test_every_value_is_escaped():
    page, _dom, text = render()
    assert "<script>" not in page and "<b>" not in page
    assert HOSTILE in text and "expected 7 <b>" in text


def test_architecture_names_the_parts_with_their_ids_and_endpoints():
    _page, _dom, text = render()
    for expected in ["VPC vpc-0abc  10.40.0.0/16", "subnet-pa  10.40.0.0/24", "subnet-qb  10.40.11.0/24",
                     "public subnet, us-east-1a", "private subnet, us-east-1b", "data tier, us-east-1b",
                     "Aurora writer aurora-1", "Aurora reader aurora-2", "Redis primary redis-001", "EFS mount target fsmt-b",
                     "writer w.cluster.example", "reader r.cluster.example", "primary master.redis.example", "dns alb.example",
                     "rest api api123 ", "https://api123.example/v1", "NAT gateways: nat-0abc", "streamflix-ingest-unit",
                     "DLQ streamflix-jobs-dlq-unit", "key-1", "ECS cluster streamflix-cluster-unit / service streamflix-service-unit"]:
        assert expected in text, expected


def test_no_secret_arn_is_shown():
    page, _dom, _text = render()
    assert "secretsmanager" not in page


def test_findings_and_alarms():
    page, _dom, text = render()
    # The failed checks right under the verdict; the full table (the longest part) last.
    assert page.index('id="failed"') < page.index('id="architecture"') < page.index('id="alarms"') < page.index('id="timeline"') \
        < page.index('id="findings"')
    assert "1 of 2 checks failed" in text and "FAIL" in text and "PASS" in text
    assert "streamflix-unit-jobs-dlq-depth" in text and "80.5" in text and "\u2265" in text and "60 s \u00d7 3" in text
    assert "(actions disabled)" in text


def test_without_outputs_or_timeline_the_page_says_so():
    page, dom, text = render(outputs=None, timeline=None)
    assert "No outputs file for unit" in text and "No readiness timeline recorded for unit" in text
    assert dom.tags.count("svg") == 0


def test_a_passing_environment_says_so():
    _page, _dom, text = render(verify={"summary": {"pass": 2, "fail": 0, "total": 2}, "findings": [], "alarms": []})
    assert "all 2 checks pass" in text and "No alarm found" in text


def test_timeline_bars_and_notes():
    svg = timeline_svg(TIMELINE)
    assert "nat_gateway/nat-0abc" in svg and "\u2264 4m00s (ready at the first look)" in svg
    assert "12m00s" in svg and "ready (no creation time from the API)" in svg and "wait started" in svg


@pytest.mark.parametrize("timeline", [{"resources": []}, {"resources": [{"resource": "x", "created_at": None, "ready_at": None}]}])
def test_a_timeline_without_times_is_not_drawn(timeline):
    assert timeline_svg(timeline) is None


def test_timeline_takes_offset_times():
    start = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    svg = timeline_svg({"resources": [{"resource": "load_balancer/alb", "created_at": start.isoformat(),
                                       "ready_at": (start + datetime.timedelta(seconds=150)).isoformat()}]})
    assert "2m30s" in svg
