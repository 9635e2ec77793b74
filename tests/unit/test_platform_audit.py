"""platform_audit against in-process moto (with the localaws fills): it reads, never writes, and reports what AWS holds."""

from __future__ import annotations

from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import audit
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import resource_names, standard_tags
from ansible_collections.streamflix.media_platform.plugins.modules import platform_audit
from localaws.fills import kinesis as kinesis_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401
from test_audit import VPC_CIDR, designed_groups

SUFFIX = "unit"
NAMES = resource_names(SUFFIX)
TAGS = standard_tags(SUFFIX, {"CostCenter": "media-unit"})
READ_PREFIXES = ("Describe", "List", "Get")


def args(**overrides):
    base = {
        "suffix": SUFFIX, "tags": TAGS, "log_retention_days": 7, "db_backup_retention_days": 7,
        "deletion_protection": False, "cache_snapshot_retention_days": 1, "az_count": 2,
        "security_groups": designed_groups(),
    }
    base.update(overrides)
    return base


def tag_list(extra=None):
    return [{"Key": k, "Value": v} for k, v in dict(TAGS, **(extra or {})).items()]


def client(service):
    return boto3.client(service, region_name=REGION)


def build_environment():
    """The parts of an environment moto holds without the platform's own modules: key, network, groups,
    streaming, secrets, logs, topic and alarms, each as the roles make them."""
    kms = client("kms")
    key = kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in TAGS.items()])["KeyMetadata"]
    kms.create_alias(AliasName=NAMES["kms_alias"], TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])

    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=[{"ResourceType": "vpc", "Tags": tag_list({"Name": NAMES["vpc"]})}])["Vpc"]
    for index, (tier, zone) in enumerate([(t, z) for t in ("public", "private") for z in ("us-east-1a", "us-east-1b")]):
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.40.{0}.0/24".format(index), AvailabilityZone=zone, TagSpecifications=[
            {"ResourceType": "subnet", "Tags": tag_list({"Name": "{0}-{1}".format(NAMES[tier + "_subnet"], zone), "Tier": tier})}])
    # roles/network strips the VPC's default group of its rules.
    [default] = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    for direction, field in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        if default[field]:
            revoke = ec2.revoke_security_group_ingress if direction == "ingress" else ec2.revoke_security_group_egress
            revoke(GroupId=default["GroupId"], IpPermissions=default[field])
    ids = {}
    for group in designed_groups():
        name = NAMES[group["key"] + "_sg"]
        ids[name] = ec2.create_security_group(GroupName=name, Description=group["description"], VpcId=vpc["VpcId"], TagSpecifications=[
            {"ResourceType": "security-group", "Tags": tag_list({"Name": name})}])["GroupId"]
        ec2.revoke_security_group_egress(GroupId=ids[name], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    for group in designed_groups():
        group_id = ids[NAMES[group["key"] + "_sg"]]
        for direction, rules in (("ingress", group["rules"]), ("egress", group["rules_egress"])):
            for rule in rules:
                permission = {"IpProtocol": "-1" if rule["proto"] == "all" else rule["proto"]}
                if rule["proto"] != "all":
                    permission.update(FromPort=int(rule["ports"][0]), ToPort=int(rule["ports"][0]))
                if "cidr_ip" in rule:
                    permission["IpRanges"] = [{"CidrIp": rule["cidr_ip"]}]
                else:
                    permission["UserIdGroupPairs"] = [{"GroupId": ids[rule["group_name"]]}]
                call = ec2.authorize_security_group_ingress if direction == "ingress" else ec2.authorize_security_group_egress
                call(GroupId=group_id, IpPermissions=[permission])

    sqs = client("sqs")
    for name, retention in ((NAMES["jobs_dlq"], "1209600"), (NAMES["jobs_queue"], "345600")):
        sqs.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": key["Arn"], "MessageRetentionPeriod": retention}, tags=TAGS)
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName=NAMES["ingest_stream"], ShardCount=1, Tags=TAGS)
    kinesis.start_stream_encryption(StreamName=NAMES["ingest_stream"], EncryptionType="KMS", KeyId=key["Arn"])

    secrets = client("secretsmanager")
    for name in (NAMES["api_keys_secret"], NAMES["redis_auth_secret"], NAMES["app_config_secret"], NAMES["db_app_secret"]):
        secrets.create_secret(Name=name, SecretString="{}", KmsKeyId=NAMES["kms_alias"], Tags=tag_list())
    logs = client("logs")
    for name in (NAMES["flow_logs_log_group"], NAMES["app_log_group"], NAMES["api_access_log_group"]):
        logs.create_log_group(logGroupName=name, kmsKeyId=key["Arn"], tags=TAGS)
    for name in (NAMES["flow_logs_log_group"], NAMES["app_log_group"], NAMES["api_access_log_group"]):
        logs.put_retention_policy(logGroupName=name, retentionInDays=7)

    sns = client("sns")
    topic = sns.create_topic(Name=NAMES["alarm_topic"], Attributes={"KmsMasterKeyId": key["Arn"]}, Tags=tag_list())["TopicArn"]
    cloudwatch = client("cloudwatch")
    for name in audit.expected_alarm_names(SUFFIX, 2) + ["streamflix-unit-2-jobs-dlq-depth"]:  # the last: another environment's
        cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
                                    Statistic="Maximum", Period=300, EvaluationPeriods=1, Threshold=0,
                                    ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], OKActions=[topic],
                                    Tags=tag_list())
    return {"key": key, "topic": topic, "vpc": vpc, "group_ids": ids}


@pytest.fixture
def environment(moto):
    kinesis_fill.apply()
    return build_environment()


# Resources this unit environment does not hold: verify reports them under exists (and their alarms' rules pass).
NOT_BUILT = {NAMES[k] for k in ("aurora", "redis", "efs", "task_family", "alb")}


def failures(result):
    return sorted((f["resource"], f["rule"]) for f in result["failed_findings"])


def test_an_empty_account_fails_every_resource_under_exists(moto):
    result = run_module(platform_audit, args())
    assert result["changed"] is False
    assert result["summary"]["fail"] == len(result["failed_findings"]) > 0
    rules = {f["rule"] for f in result["failed_findings"]}
    assert rules == {"exists", "alarm-actions"}
    assert {f["resource"] for f in result["failed_findings"] if f["rule"] == "exists"} >= {NAMES["aurora"], NAMES["jobs_queue"], NAMES["vpc"]}
    assert result["table"][-1] == "{0} checks: 0 passed, {0} failed".format(result["summary"]["total"])


def test_a_compliant_environment_passes_everything_it_holds(environment):
    result = run_module(platform_audit, args())
    assert result["changed"] is False
    assert failures(result) == sorted((name, "exists") for name in NOT_BUILT)
    passed = {(f["resource"], f["rule"]) for f in result["findings"] if f["status"] == "pass"}
    for pair in [(NAMES["jobs_queue"], "encryption-at-rest"), (NAMES["api_keys_secret"], "encryption-at-rest"),
                 (NAMES["ingest_stream"], "encryption-at-rest"), (NAMES["alarm_topic"], "encryption-at-rest"),
                 (NAMES["app_log_group"], "encryption-at-rest"), (NAMES["kms_alias"], "encryption-at-rest"),
                 (NAMES["database_sg"], "private"), (NAMES["alb_sg"], "sg-rules"), (NAMES["service_sg"], "sg-rules"),
                 (NAMES["jobs_dlq"], "backups"), (NAMES["ingest_stream"], "backups"), (NAMES["vpc"], "multi-az"),
                 (NAMES["flow_logs_log_group"], "log-retention"), (NAMES["vpc"], "tags"), (NAMES["kms_alias"], "tags"),
                 ("streamflix-unit-api-5xx", "alarm-actions"), (NAMES["vpc"] + " default security group", "sg-rules")]:
        assert pair in passed, pair
    # Another environment's alarm (suffix unit-2 shares the name prefix) is not this one's.
    assert "streamflix-unit-2-jobs-dlq-depth" not in {f["resource"] for f in result["findings"]}


def test_check_mode_reports_the_same(environment):
    assert run_module(platform_audit, args(), check_mode=True)["findings"] == run_module(platform_audit, args())["findings"]


def test_it_only_reads(environment):
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", recording):
        run_module(platform_audit, args())
    assert calls and [c for c in calls if not c.startswith(READ_PREFIXES)] == []


def test_what_changed_by_hand_fails_its_rule(environment):
    sqs, cloudwatch, ec2, logs = client("sqs"), client("cloudwatch"), client("ec2"), client("logs")
    url = sqs.get_queue_url(QueueName=NAMES["jobs_queue"])["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": ""})
    sqs.untag_queue(QueueUrl=url, TagKeys=["Environment"])
    cloudwatch.disable_alarm_actions(AlarmNames=["streamflix-unit-kinesis-iterator-age"])
    cloudwatch.delete_alarms(AlarmNames=["streamflix-unit-api-5xx"])
    ec2.authorize_security_group_ingress(GroupId=environment["group_ids"][NAMES["cache_sg"]], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    logs.put_retention_policy(logGroupName=NAMES["api_access_log_group"], retentionInDays=30)
    result = run_module(platform_audit, args())
    assert failures(result) == sorted([(name, "exists") for name in NOT_BUILT] + [
        (NAMES["jobs_queue"], "encryption-at-rest"), (NAMES["jobs_queue"], "tags"),
        ("streamflix-unit-kinesis-iterator-age", "alarm-actions"), ("streamflix-unit-api-5xx", "alarm-actions"),
        (NAMES["cache_sg"], "private"), (NAMES["cache_sg"], "sg-rules"), (NAMES["api_access_log_group"], "log-retention"),
    ])
    detail = {(f["resource"], f["rule"]): f["detail"] for f in result["failed_findings"]}
    assert detail[(NAMES["jobs_queue"], "tags")].startswith("Tags: missing Environment")
    assert "tcp 6379 ::/0" in detail[(NAMES["cache_sg"], "private")]
    assert result["failed_findings"] == result["findings"][: len(result["failed_findings"])]


def test_settings_come_from_the_options(environment):
    result = run_module(platform_audit, args(log_retention_days=30, tags=dict(TAGS, Owner="media")))
    failed = failures(result)
    assert (NAMES["app_log_group"], "log-retention") in failed and (NAMES["vpc"], "tags") in failed


def test_an_unknown_security_group_key_is_refused(moto):
    result = fail_module(platform_audit, args(security_groups=designed_groups() + [{"key": "bastion", "rules": []}]))
    assert "security_groups" in result["msg"] and "bastion" in result["msg"] and "alb, service, database, cache, efs" in result["msg"]
