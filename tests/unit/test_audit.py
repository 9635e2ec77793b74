"""The platform's rules (module_utils/audit.py) as pure functions: a compliant state passes every rule, and each
departure from the design fails exactly the rule it breaks, naming the resource."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jinja2
import pytest
import yaml

from ansible_collections.streamflix.media_platform.plugins.module_utils import audit
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import resource_names, standard_tags

REPO = Path(__file__).resolve().parents[2]
SUFFIX = "unit"
NAMES = resource_names(SUFFIX)
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = "arn:aws:kms:us-east-1:{0}:key/{1}".format(ACCOUNT, KEY_ID)
OTHER_KEY_ARN = "arn:aws:kms:us-east-1:{0}:key/ffffffff-0000-0000-0000-000000000000".format(ACCOUNT)
ALIAS_ARN = "arn:aws:kms:us-east-1:{0}:{1}".format(ACCOUNT, NAMES["kms_alias"])
TOPIC_ARN = "arn:aws:sns:us-east-1:{0}:{1}".format(ACCOUNT, NAMES["alarm_topic"])
CERT_ARN = "arn:aws:acm:us-east-1:{0}:certificate/abc".format(ACCOUNT)
TAGS = standard_tags(SUFFIX, {"CostCenter": "media-unit"})
ZONES = ["us-east-1a", "us-east-1b"]
SG_IDS = {key: "sg-{0:017x}".format(index + 1) for index, key in enumerate(audit.SECURITY_GROUP_KEYS)}
VPC_CIDR = "10.40.0.0/16"


def designed_groups():
    """roles/security/vars/main.yml's security_groups, rendered as Ansible would for this environment."""
    raw = yaml.safe_load((REPO / "roles/security/vars/main.yml").read_text())
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    context = {"streamflix_names": NAMES, "streamflix_app_port": 8080, "security_vpc_cidr": VPC_CIDR}

    def render(value):
        if isinstance(value, str):
            return env.from_string(value).render(**context)
        if isinstance(value, list):
            return [render(v) for v in value]
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        return value

    return render(raw["security_groups"])


def aws_tags(tags=None):
    return [{"Key": k, "Value": v} for k, v in (TAGS if tags is None else tags).items()]


def perm(proto, port, cidr=None, group=None):
    entry = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []}
    if proto != "-1":
        entry.update(FromPort=port, ToPort=port)
    if cidr:
        entry["IpRanges"].append({"CidrIp": cidr})
    if group:
        entry["UserIdGroupPairs"].append({"GroupId": SG_IDS[group]})
    return entry


def security_group(key, ingress, egress):
    return {"GroupId": SG_IDS[key], "GroupName": NAMES[key], "IpPermissions": ingress, "IpPermissionsEgress": egress,
            "Tags": aws_tags(dict(TAGS, Name=NAMES[key]))}


def good_state():
    state = audit.empty_state()
    state["kms_key"] = {"KeyId": KEY_ID, "Arn": KEY_ARN, "KeyState": "Enabled", "Aliases": [NAMES["kms_alias"]], "RotationEnabled": True}
    state["kms_tags"] = dict(TAGS)
    state["vpc"] = {"VpcId": "vpc-1", "Tags": aws_tags(dict(TAGS, Name=NAMES["vpc"]))}
    state["subnets"] = [
        {"SubnetId": "subnet-{0}{1}".format(tier, i), "AvailabilityZone": zone,
         "Tags": aws_tags(dict(TAGS, Name="{0}-{1}".format(NAMES[tier + "_subnet"], zone), Tier=tier))}
        for tier in ("public", "private") for i, zone in enumerate(ZONES)
    ]
    state["security_groups"] = {
        NAMES["alb_sg"]: security_group("alb_sg", [perm("tcp", 80, cidr="0.0.0.0/0"), perm("tcp", 443, cidr="0.0.0.0/0")],
                                        [perm("tcp", 8080, cidr=VPC_CIDR)]),
        NAMES["service_sg"]: security_group("service_sg", [perm("tcp", 8080, group="alb_sg")], [perm("-1", None, cidr="0.0.0.0/0")]),
        NAMES["database_sg"]: security_group("database_sg", [perm("tcp", 5432, group="service_sg")], []),
        NAMES["cache_sg"]: security_group("cache_sg", [perm("tcp", 6379, group="service_sg")], []),
        NAMES["efs_sg"]: security_group("efs_sg", [perm("tcp", 2049, group="service_sg")], []),
        "default": {"GroupId": "sg-default", "GroupName": "default", "IpPermissions": [], "IpPermissionsEgress": [], "Tags": []},
    }
    state["aurora"] = {
        "DBClusterIdentifier": NAMES["aurora"], "StorageEncrypted": True, "KmsKeyId": KEY_ARN, "BackupRetentionPeriod": 7,
        "DeletionProtection": False, "VpcSecurityGroups": [{"VpcSecurityGroupId": SG_IDS["database_sg"], "Status": "active"}],
        "TagList": aws_tags(),
    }
    state["aurora_instances"] = [
        {"DBInstanceIdentifier": NAMES["aurora"] + "-1", "AvailabilityZone": ZONES[0], "PubliclyAccessible": False},
        {"DBInstanceIdentifier": NAMES["aurora"] + "-2", "AvailabilityZone": ZONES[1], "PubliclyAccessible": False},
    ]
    state["redis"] = {
        "ReplicationGroupId": NAMES["redis"], "AtRestEncryptionEnabled": True, "KmsKeyId": KEY_ARN, "TransitEncryptionEnabled": True,
        "AutomaticFailover": "enabled", "MultiAZ": "enabled", "SnapshotRetentionLimit": 1,
        "SecurityGroups": [{"SecurityGroupId": SG_IDS["cache_sg"], "Status": "active"}],
    }
    state["redis_tags"] = dict(TAGS)
    state["efs"] = {"FileSystemId": "fs-1", "Encrypted": True, "KmsKeyId": KEY_ARN, "Tags": aws_tags(dict(TAGS, Name=NAMES["efs"]))}
    state["efs_backup"] = "ENABLED"
    state["efs_policy"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{0}:role/{1}".format(ACCOUNT, NAMES["task_role"])},
         "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]}
    state["aurora_parameters"] = {"rds.force_ssl": "1"}
    state["efs_mount_targets"] = [
        {"MountTargetId": "fsmt-{0}".format(i), "AvailabilityZoneName": zone, "SecurityGroups": [SG_IDS["efs_sg"]]}
        for i, zone in enumerate(ZONES)
    ]
    state["kinesis"] = {"StreamName": NAMES["ingest_stream"], "EncryptionType": "KMS", "KeyId": KEY_ARN, "RetentionPeriodHours": 24}
    state["kinesis_tags"] = dict(TAGS)
    state["queues"] = {
        NAMES["jobs_queue"]: {"attributes": {"KmsMasterKeyId": KEY_ARN, "MessageRetentionPeriod": "345600"}, "tags": dict(TAGS)},
        NAMES["jobs_dlq"]: {"attributes": {"KmsMasterKeyId": KEY_ARN, "MessageRetentionPeriod": "1209600"}, "tags": dict(TAGS)},
    }
    state["secrets"] = {
        NAMES["api_keys_secret"]: {"Name": NAMES["api_keys_secret"], "KmsKeyId": NAMES["kms_alias"], "Tags": aws_tags()},
        NAMES["redis_auth_secret"]: {"Name": NAMES["redis_auth_secret"], "KmsKeyId": ALIAS_ARN, "Tags": aws_tags()},
        NAMES["app_config_secret"]: {"Name": NAMES["app_config_secret"], "KmsKeyId": KEY_ARN, "Tags": aws_tags()},
        NAMES["db_app_secret"]: {"Name": NAMES["db_app_secret"], "KmsKeyId": KEY_ARN, "Tags": aws_tags()},
    }
    state["log_groups"] = {
        NAMES["flow_logs_log_group"]: {"retentionInDays": 7, "kmsKeyId": KEY_ARN, "tags": dict(TAGS)},
        NAMES["app_log_group"]: {"retentionInDays": 7, "kmsKeyId": KEY_ARN, "tags": dict(TAGS)},
        NAMES["api_access_log_group"]: {"retentionInDays": 7, "kmsKeyId": KEY_ARN, "tags": dict(TAGS)},
    }
    state["topic"] = {"arn": TOPIC_ARN, "attributes": {"KmsMasterKeyId": KEY_ARN}, "tags": dict(TAGS)}
    state["task_definition"] = {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:{0}:task-definition/{1}:1".format(ACCOUNT, NAMES["task_family"]),
        "family": NAMES["task_family"], "revision": 1,
        "volumes": [{"name": "media", "efsVolumeConfiguration": {
            "fileSystemId": "fs-1", "transitEncryption": "ENABLED", "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}],
    }
    state["alb"] = {
        "load_balancer": {"LoadBalancerName": NAMES["alb"]},
        "listeners": [{"Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward"}]}],
        "tags": dict(TAGS),
    }
    state["alarms"] = [
        {"AlarmName": name, "AlarmActions": [TOPIC_ARN], "OKActions": [TOPIC_ARN], "ActionsEnabled": True,
         "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
        for name in audit.expected_alarm_names(SUFFIX, 2)
    ]
    return state


def expected(**overrides):
    settings = {
        "names": NAMES, "kms_alias": NAMES["kms_alias"], "tags": dict(TAGS), "log_retention_days": 7,
        "db_backup_retention_days": 7, "db_reader_count": 1, "deletion_protection": False,
        "cache_snapshot_retention_days": 1, "az_count": 2, "certificate_arn": "", "kinesis_retention_hours": 24,
        "dlq_retention_seconds": 1209600, "security_groups": designed_groups(),
        "alarm_names": audit.expected_alarm_names(SUFFIX, 2),
    }
    settings.update(overrides)
    return settings


def failures(state, settings=None):
    return sorted((f["resource"], f["rule"]) for f in audit.audit(state, settings or expected()) if f["status"] == "fail")


def test_a_compliant_environment_passes_every_rule():
    findings = audit.audit(good_state(), expected())
    assert [f for f in findings if f["status"] == "fail"] == []
    assert set(f["rule"] for f in findings) == set(audit.RULES)
    assert all(f["detail"] for f in findings)
    assert audit.summary(findings) == {"pass": len(findings), "fail": 0, "total": len(findings)}


def _set(path, value):
    def apply(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return apply


def _delete(path):
    def apply(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return apply


def _append_ingress(sg_key, permission):
    return lambda state: state["security_groups"][NAMES[sg_key]]["IpPermissions"].append(permission)


def _untag(getter, key):
    def apply(state):
        holder = getter(state)
        if isinstance(holder, list):
            holder[:] = [t for t in holder if t["Key"] != key]
        else:
            holder.pop(key)
    return apply


def _alarm(index, **changes):
    return lambda state: state["alarms"][index].update(changes)


ALARMS = audit.expected_alarm_names(SUFFIX, 2)

# (what is wrong, the change, the (resource, rule) pairs that must fail - no more, no fewer)
TAMPERINGS = [
    ("key rotation off", _set(["kms_key", "RotationEnabled"], False), [(NAMES["kms_alias"], "encryption-at-rest")]),
    ("key disabled", _set(["kms_key", "KeyState"], "Disabled"), [(NAMES["kms_alias"], "encryption-at-rest")]),
    ("aurora unencrypted", _set(["aurora", "StorageEncrypted"], False), [(NAMES["aurora"], "encryption-at-rest")]),
    ("aurora other key", _set(["aurora", "KmsKeyId"], OTHER_KEY_ARN), [(NAMES["aurora"], "encryption-at-rest")]),
    ("redis at rest off", _set(["redis", "AtRestEncryptionEnabled"], False), [(NAMES["redis"], "encryption-at-rest")]),
    ("aurora without forced TLS", _set(["aurora_parameters"], {}), [(NAMES["aurora"], "in-transit")]),
    ("efs without a policy", _set(["efs_policy"], None), [(NAMES["efs"], "in-transit")]),
    ("efs policy open to all", lambda s: s["efs_policy"]["Statement"][0].update(Principal={"AWS": "*"}), [(NAMES["efs"], "in-transit")]),
    ("flow logs under the AWS key", _delete(["log_groups", NAMES["flow_logs_log_group"], "kmsKeyId"]),
     [(NAMES["flow_logs_log_group"], "encryption-at-rest")]),
    ("redis default key", _delete(["redis", "KmsKeyId"]), [(NAMES["redis"], "encryption-at-rest")]),
    ("efs other key", _set(["efs", "KmsKeyId"], OTHER_KEY_ARN), [(NAMES["efs"], "encryption-at-rest")]),
    ("kinesis unencrypted", _set(["kinesis", "EncryptionType"], "NONE"), [(NAMES["ingest_stream"], "encryption-at-rest")]),
    ("queue sse off", _delete(["queues", NAMES["jobs_queue"], "attributes", "KmsMasterKeyId"]), [(NAMES["jobs_queue"], "encryption-at-rest")]),
    ("dlq aws key", _set(["queues", NAMES["jobs_dlq"], "attributes", "KmsMasterKeyId"], "alias/aws/sqs"),
     [(NAMES["jobs_dlq"], "encryption-at-rest")]),
    ("secret other key", _set(["secrets", NAMES["redis_auth_secret"], "KmsKeyId"], OTHER_KEY_ARN),
     [(NAMES["redis_auth_secret"], "encryption-at-rest")]),
    ("secret aws key", _delete(["secrets", NAMES["api_keys_secret"], "KmsKeyId"]), [(NAMES["api_keys_secret"], "encryption-at-rest")]),
    ("app logs no key", _delete(["log_groups", NAMES["app_log_group"], "kmsKeyId"]), [(NAMES["app_log_group"], "encryption-at-rest")]),
    ("topic no key", _set(["topic", "attributes", "KmsMasterKeyId"], ""), [(NAMES["alarm_topic"], "encryption-at-rest")]),
    ("redis no tls", _set(["redis", "TransitEncryptionEnabled"], False), [(NAMES["redis"], "in-transit")]),
    ("efs volume no tls", lambda s: s["task_definition"]["volumes"][0]["efsVolumeConfiguration"].update(transitEncryption="DISABLED"),
     [(NAMES["task_family"] + ":1", "in-transit")]),
    ("efs volume no iam", lambda s: s["task_definition"]["volumes"][0]["efsVolumeConfiguration"]["authorizationConfig"].pop("iam"),
     [(NAMES["task_family"] + ":1", "in-transit")]),
    ("redis failover off", _set(["redis", "AutomaticFailover"], "disabled"), [(NAMES["redis"], "multi-az")]),
    ("redis single az", _set(["redis", "MultiAZ"], "disabled"), [(NAMES["redis"], "multi-az")]),
    ("aurora one zone", lambda s: s["aurora_instances"][1].update(AvailabilityZone=ZONES[0]), [(NAMES["aurora"], "multi-az")]),
    ("efs one mount target", lambda s: s["efs_mount_targets"].pop(), [(NAMES["efs"], "multi-az")]),
    ("private subnets in one zone", lambda s: s["subnets"][3].update(AvailabilityZone=ZONES[0]), [(NAMES["vpc"], "multi-az")]),
    ("aurora public", _set(["aurora_instances", 0, "PubliclyAccessible"], True), [(NAMES["aurora"] + "-1", "private")]),
    ("database open to the world", _append_ingress("database_sg", perm("tcp", 5432, cidr="0.0.0.0/0")),
     [(NAMES["database_sg"], "private"), (NAMES["database_sg"], "sg-rules")]),
    ("cache open to the alb", _append_ingress("cache_sg", perm("tcp", 6379, group="alb_sg")),
     [(NAMES["cache_sg"], "private"), (NAMES["cache_sg"], "sg-rules")]),
    ("service open to the world", _append_ingress("service_sg", perm("tcp", 22, cidr="0.0.0.0/0")),
     [(NAMES["service_sg"], "private"), (NAMES["service_sg"], "sg-rules")]),
    ("alb open on 22", _append_ingress("alb_sg", perm("tcp", 22, cidr="0.0.0.0/0")),
     [(NAMES["alb_sg"], "private"), (NAMES["alb_sg"], "sg-rules")]),
    ("default group egress", _set(["security_groups", "default", "IpPermissionsEgress"], [perm("-1", None, cidr="0.0.0.0/0")]),
     [(NAMES["vpc"] + " default security group", "sg-rules")]),
    ("efs ingress revoked", _set(["security_groups", NAMES["efs_sg"], "IpPermissions"], []), [(NAMES["efs_sg"], "sg-rules")]),
    ("database egress opened", _set(["security_groups", NAMES["database_sg"], "IpPermissionsEgress"], [perm("-1", None, cidr="0.0.0.0/0")]),
     [(NAMES["database_sg"], "sg-rules")]),
    ("aurora behind the service group", _set(["aurora", "VpcSecurityGroups"], [{"VpcSecurityGroupId": SG_IDS["service_sg"]}]),
     [(NAMES["aurora"], "private")]),
    ("redis behind two groups", _set(["redis", "SecurityGroups"], [{"SecurityGroupId": SG_IDS["cache_sg"]}, {"SecurityGroupId": SG_IDS["alb_sg"]}]),
     [(NAMES["redis"], "private")]),
    ("efs mount target in the default group", _set(["efs_mount_targets", 0, "SecurityGroups"], ["sg-default"]), [("fsmt-0", "private")]),
    ("aurora backups 1 day", _set(["aurora", "BackupRetentionPeriod"], 1), [(NAMES["aurora"], "backups")]),
    ("redis snapshots off", _set(["redis", "SnapshotRetentionLimit"], 0), [(NAMES["redis"], "backups")]),
    ("dlq 4 days", _set(["queues", NAMES["jobs_dlq"], "attributes", "MessageRetentionPeriod"], "345600"), [(NAMES["jobs_dlq"], "backups")]),
    ("efs backups off", _set(["efs_backup"], "DISABLED"), [(NAMES["efs"], "backups")]),
    ("app logs 1 day", _set(["log_groups", NAMES["app_log_group"], "retentionInDays"], 1), [(NAMES["app_log_group"], "log-retention")]),
    ("flow logs never expire", _delete(["log_groups", NAMES["flow_logs_log_group"], "retentionInDays"]),
     [(NAMES["flow_logs_log_group"], "log-retention")]),
    ("aurora protected in local", _set(["aurora", "DeletionProtection"], True), [(NAMES["aurora"], "deletion-protection")]),
    ("alarm without actions", _alarm(0, AlarmActions=[]), [(ALARMS[0], "alarm-actions")]),
    ("alarm actions disabled", _alarm(3, ActionsEnabled=False), [(ALARMS[3], "alarm-actions")]),
    ("alarm to another topic", _alarm(5, AlarmActions=[TOPIC_ARN + "-other"]), [(ALARMS[5], "alarm-actions")]),
    ("alarm deleted", lambda s: s["alarms"].pop(2), [(ALARMS[2], "alarm-actions")]),
    ("alarm untagged", _alarm(1, Tags=[]), [(ALARMS[1], "tags")]),
    ("queue untagged", lambda s: s["queues"][NAMES["jobs_queue"]]["tags"].pop("Environment"), [(NAMES["jobs_queue"], "tags")]),
    ("vpc wrong project", lambda s: s["vpc"]["Tags"].__setitem__(0, {"Key": "Project", "Value": "other"}), [(NAMES["vpc"], "tags")]),
    ("sg without ManagedBy", _untag(lambda s: s["security_groups"][NAMES["efs_sg"]]["Tags"], "ManagedBy"), [(NAMES["efs_sg"], "tags")]),
    ("stream without extra tag", _untag(lambda s: s["kinesis_tags"], "CostCenter"), [(NAMES["ingest_stream"], "tags")]),
    ("aurora missing", _set(["aurora"], None), [(NAMES["aurora"], "exists")]),
    ("dlq missing", _delete(["queues", NAMES["jobs_dlq"]]), [(NAMES["jobs_dlq"], "exists")]),
]


@pytest.mark.parametrize("what, change, expected_failures", TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_each_departure_fails_its_rule_and_resource(what, change, expected_failures):
    state = good_state()
    change(state)
    assert failures(state) == sorted(expected_failures)


@pytest.mark.parametrize(
    "overrides, state_change, expected_failures",
    [
        # prod: deletion protection must be on
        ({"deletion_protection": True}, None, [(NAMES["aurora"], "deletion-protection")]),
        ({"deletion_protection": True}, _set(["aurora", "DeletionProtection"], True), []),
        # a longer retention than required is fine for backups, not for logs (retention is a cost and compliance limit)
        ({"db_backup_retention_days": 3}, None, []),
        ({"log_retention_days": 30}, None, [(NAMES[k], "log-retention") for k in audit.LOG_GROUPS]),
        ({"cache_snapshot_retention_days": 5}, None, [(NAMES["redis"], "backups")]),
        ({"kinesis_retention_hours": 48}, None, [(NAMES["ingest_stream"], "backups")]),
        # three zones configured, two covered: the public and the private subnets are named (EFS follows the subnets)
        ({"az_count": 3}, None, [(NAMES["vpc"], "multi-az"), (NAMES["vpc"], "multi-az")]),
        # no readers: one zone is enough for Aurora
        ({"db_reader_count": 0}, lambda s: s["aurora_instances"].pop(), []),
        # a certificate configured but the ALB still serves plain HTTP
        ({"certificate_arn": CERT_ARN}, None, [(NAMES["alb"], "in-transit")]),
        ({"tags": dict(TAGS, Owner="media")}, None, None),  # every taggable resource then lacks Owner
        # a third Redis node has its alarms too
        ({"alarm_names": audit.expected_alarm_names(SUFFIX, 3)}, None,
         [("streamflix-unit-redis-003-engine-cpu-high", "alarm-actions"), ("streamflix-unit-redis-003-memory-high", "alarm-actions")]),
    ],
)
def test_settings_of_the_environment_decide(overrides, state_change, expected_failures):
    state = good_state()
    if state_change:
        state_change(state)
    found = failures(state, expected(**overrides))
    if expected_failures is None:
        assert found and all(rule == "tags" for _resource, rule in found)
        assert all(f["detail"].startswith("Tags: missing Owner") for f in audit.audit(state, expected(**overrides)) if f["status"] == "fail")
    else:
        assert found == sorted(expected_failures)


def test_https_listener_with_the_certificate_and_a_redirect_passes():
    state = good_state()
    state["alb"]["listeners"] = [
        {"Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443"}}]},
        {"Protocol": "HTTPS", "Port": 443, "Certificates": [{"CertificateArn": CERT_ARN}], "DefaultActions": [{"Type": "forward"}]},
    ]
    assert failures(state, expected(certificate_arn=CERT_ARN)) == []
    state["alb"]["listeners"][0]["DefaultActions"] = [{"Type": "forward"}]  # HTTP still serves the app in clear text
    assert failures(state, expected(certificate_arn=CERT_ARN)) == [(NAMES["alb"], "in-transit")]


def test_every_missing_resource_is_named_once_under_exists():
    state = audit.empty_state()
    found = audit.audit(state, expected())
    missing = [f["resource"] for f in found if f["rule"] == "exists"]
    assert len(missing) == len(set(missing)) == 9 + len(audit.SECURITY_GROUP_KEYS) + len(audit.QUEUES) + len(audit.SECRETS) + len(audit.LOG_GROUPS)
    assert all(f["status"] == "fail" and "site.yml" in f["detail"] for f in found if f["rule"] == "exists")
    # every expected alarm is named as missing too
    assert sorted(f["resource"] for f in found if f["rule"] == "alarm-actions") == sorted(audit.expected_alarm_names(SUFFIX, 2))


def test_detail_says_what_was_found_and_what_is_expected():
    state = good_state()
    state["aurora"]["BackupRetentionPeriod"] = 1
    state["security_groups"][NAMES["database_sg"]]["IpPermissions"].append(perm("tcp", 5432, cidr="0.0.0.0/0"))
    by_key = {(f["resource"], f["rule"]): f["detail"] for f in audit.audit(state, expected())}
    assert by_key[(NAMES["aurora"], "backups")] == (
        "BackupRetentionPeriod is 1 days; expected at least 7 (streamflix_db_backup_retention_days).")
    assert "tcp 5432 0.0.0.0/0" in by_key[(NAMES["database_sg"], "private")]
    assert "ingress not in the design: tcp 5432 0.0.0.0/0" in by_key[(NAMES["database_sg"], "sg-rules")]


def test_findings_put_failures_first():
    state = good_state()
    state["topic"]["attributes"]["KmsMasterKeyId"] = ""
    findings = audit.audit(state, expected())
    assert findings[0]["status"] == "fail" and all(f["status"] == "pass" for f in findings[1:])


def test_table_aligns_the_columns_and_counts():
    findings = [audit.finding("a-long-resource", "tags", False, "x"), audit.finding("b", "exists", True, "Found.")]
    lines = audit.table(findings)
    assert lines[0].split() == ["STATUS", "RULE", "RESOURCE", "DETAIL"]
    assert lines[1] == "FAIL    tags    a-long-resource  x"
    assert lines[2] == "PASS    exists  b                Found."
    assert lines[-1] == "2 checks: 1 passed, 1 failed"


@pytest.mark.parametrize(
    "value, ours",
    [(KEY_ID, True), (KEY_ARN, True), (NAMES["kms_alias"], True), (ALIAS_ARN, True), (OTHER_KEY_ARN, False),
     ("alias/aws/sqs", False), ("", False), (None, False)],
)
def test_key_identifiers(value, ours):
    key = {"KeyId": KEY_ID, "Arn": KEY_ARN, "Aliases": [NAMES["kms_alias"]]}
    assert audit.uses_key(value, audit.key_identifiers(key)) is ours


@pytest.mark.parametrize(
    "rule, expected_perms",
    [
        ({"proto": "tcp", "ports": [80], "cidr_ip": "0.0.0.0/0"}, {("tcp", 80, 80, "cidr:0.0.0.0/0")}),
        ({"proto": "tcp", "ports": ["8080", "1000-2000"], "group_name": "g"}, {("tcp", 8080, 8080, "sg:g"), ("tcp", 1000, 2000, "sg:g")}),
        ({"proto": "all", "cidr_ip": "0.0.0.0/0"}, {("-1", None, None, "cidr:0.0.0.0/0")}),
        ({"proto": "udp", "from_port": 53, "to_port": 53, "cidr_ipv6": "::/0"}, {("udp", 53, 53, "cidr:::/0")}),
        ({"proto": "tcp", "ports": [22], "group_id": SG_IDS["alb_sg"]}, {("tcp", 22, 22, "sg:" + NAMES["alb_sg"])}),
    ],
)
def test_designed_permissions(rule, expected_perms):
    assert audit.designed_permissions([rule], {SG_IDS["alb_sg"]: NAMES["alb_sg"]}) == expected_perms


def test_actual_permissions_name_our_groups():
    perms = [perm("tcp", 5432, group="service_sg"), perm("-1", None, cidr="0.0.0.0/0"),
             {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [{"PrefixListId": "pl-1"}]}]
    assert audit.actual_permissions(perms, {SG_IDS["service_sg"]: NAMES["service_sg"]}) == {
        ("tcp", 5432, 5432, "sg:" + NAMES["service_sg"]), ("-1", None, None, "cidr:0.0.0.0/0"),
        ("tcp", 1, 2, "cidr:::/0"), ("tcp", 1, 2, "prefix-list:pl-1"),
    }


def test_alarm_names_match_what_roles_monitoring_makes():
    """ALARM_KINDS mirrors monitoring_alarm_kinds: every name we expect matches its pattern, and every kind is expected."""
    kinds = yaml.safe_load((REPO / "roles/monitoring/vars/main.yml").read_text())["monitoring_alarm_kinds"]
    pattern = re.compile("^streamflix-{0}-({1})$".format(SUFFIX, "|".join(kinds)))
    names = audit.expected_alarm_names(SUFFIX, 3)
    assert all(pattern.match(name) for name in names)
    for kind in kinds:
        assert any(re.fullmatch(kind, name[len("streamflix-unit-"):]) for name in names), kind
    assert len(names) == len(audit.ALARM_KINDS) + 3 * 2


def test_the_rules_never_change_the_state_they_read():
    state = good_state()
    before = copy.deepcopy(state)
    audit.audit(state, expected())
    assert state == before
