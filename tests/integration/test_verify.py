"""playbooks/verify.yml on localaws: a fresh deploy passes every rule; each tampering made through boto3 is caught.

One environment (conftest's verified_environment, shared with test_report, which runs first and undoes its
one tampering): deployed once, verified (and verified in check mode), tampered with through boto3
(each tampering is read back through boto3 before verify runs, so only changes localaws really applied count),
verified once more, then torn down. The report verify writes is the one piece of the playbook's output these
tests read (DESIGN.md allows it): its findings must name each tampered resource under the right rule, and
nothing else may fail.
"""

from __future__ import annotations

import json

import pytest

from integration_support import REPO, assert_succeeded, is_empty, leftovers, lift_deletion_protection

RULES = {
    "exists", "encryption-at-rest", "in-transit", "multi-az", "private", "sg-rules", "backups", "log-retention",
    "deletion-protection", "alarm-actions", "tags",
}


def names(suffix):
    return {
        "aurora": "streamflix-aurora-" + suffix,
        "redis": "streamflix-redis-" + suffix,
        "efs": "streamflix-efs-" + suffix,
        "stream": "streamflix-ingest-" + suffix,
        "queue": "streamflix-jobs-" + suffix,
        "dlq": "streamflix-jobs-dlq-" + suffix,
        "topic": "streamflix-alarms-" + suffix,
        "vpc": "streamflix-vpc-" + suffix,
        "database_sg": "streamflix-database-sg-" + suffix,
        "cache_sg": "streamflix-cache-sg-" + suffix,
        "app_logs": "/streamflix/{0}/app".format(suffix),
        "api_logs": "/streamflix/{0}/api-access".format(suffix),
        "redis_auth": "streamflix-redis-auth-" + suffix,
        "alarm": lambda what: "streamflix-{0}-{1}".format(suffix, what),
    }


def read_report(reports_dir, suffix):
    return json.loads((reports_dir / "{0}-verify.json".format(suffix)).read_text())


def failed(report):
    return sorted((f["resource"], f["rule"]) for f in report["findings"] if f["status"] == "fail")


@pytest.fixture(scope="module")
def reports_dir(output_dir):
    """verify.yml's default: reports/ under the session's streamflix_output_dir (conftest's playbook passes it)."""
    return output_dir / "reports"


@pytest.fixture(scope="module")
def environment(verified_environment):
    """The session's verified_environment (conftest.py): test_report verified it first and left it as deployed."""
    return verified_environment


# ---------------------------------------------------------------------------------------------------------
# Tamperings: each makes one change through boto3, checks through boto3 that it took effect, and returns the
# (resource, rule) findings verify must fail on.


def open_database_to_the_world(aws, n):
    ec2 = aws("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [n["database_sg"]]}])["SecurityGroups"][0]
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    after = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]
    assert any(r.get("CidrIp") == "0.0.0.0/0" for p in after["IpPermissions"] for r in p.get("IpRanges", []))
    return [(n["database_sg"], "private"), (n["database_sg"], "sg-rules")]


def revoke_the_cache_ingress(aws, n):
    ec2 = aws("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [n["cache_sg"]]}])["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    assert ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]["IpPermissions"] == []
    return [(n["cache_sg"], "sg-rules")]


def shorten_the_app_log_retention(aws, n):
    logs = aws("logs")
    logs.put_retention_policy(logGroupName=n["app_logs"], retentionInDays=1)
    assert logs.describe_log_groups(logGroupNamePrefix=n["app_logs"])["logGroups"][0]["retentionInDays"] == 1
    return [(n["app_logs"], "log-retention")]


def let_the_api_logs_never_expire(aws, n):
    logs = aws("logs")
    logs.delete_retention_policy(logGroupName=n["api_logs"])
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=n["api_logs"])["logGroups"][0]
    return [(n["api_logs"], "log-retention")]


def take_the_key_off_the_app_logs(aws, n):
    logs = aws("logs")
    logs.disassociate_kms_key(logGroupName=n["app_logs"])
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix=n["app_logs"])["logGroups"][0]
    return [(n["app_logs"], "encryption-at-rest")]


def cut_the_aurora_backups(aws, n):
    rds = aws("rds")
    rds.modify_db_cluster(DBClusterIdentifier=n["aurora"], BackupRetentionPeriod=1, ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier=n["aurora"])["DBClusters"][0]["BackupRetentionPeriod"] == 1
    return [(n["aurora"], "backups")]


def protect_aurora_where_it_should_not_be(aws, n):
    rds = aws("rds")
    rds.modify_db_cluster(DBClusterIdentifier=n["aurora"], DeletionProtection=True, ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier=n["aurora"])["DBClusters"][0]["DeletionProtection"] is True
    return [(n["aurora"], "deletion-protection")]


def make_a_reader_public(aws, n):
    rds = aws("rds")
    members = rds.describe_db_clusters(DBClusterIdentifier=n["aurora"])["DBClusters"][0]["DBClusterMembers"]
    reader = next(m["DBInstanceIdentifier"] for m in members if not m["IsClusterWriter"])
    rds.modify_db_instance(DBInstanceIdentifier=reader, PubliclyAccessible=True, ApplyImmediately=True)
    assert rds.describe_db_instances(DBInstanceIdentifier=reader)["DBInstances"][0]["PubliclyAccessible"] is True
    return [(reader, "private")]


def stop_redis_snapshots(aws, n):
    cache = aws("elasticache")
    cache.modify_replication_group(ReplicationGroupId=n["redis"], SnapshotRetentionLimit=0, ApplyImmediately=True)
    assert cache.describe_replication_groups(ReplicationGroupId=n["redis"])["ReplicationGroups"][0]["SnapshotRetentionLimit"] == 0
    return [(n["redis"], "backups")]


def turn_redis_failover_off(aws, n):
    cache = aws("elasticache")
    cache.modify_replication_group(ReplicationGroupId=n["redis"], MultiAZEnabled=False, AutomaticFailoverEnabled=False,
                                   ApplyImmediately=True)
    group = cache.describe_replication_groups(ReplicationGroupId=n["redis"])["ReplicationGroups"][0]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("disabled", "disabled")
    return [(n["redis"], "multi-az")]


def _file_system_id(aws, n):
    return next(f["FileSystemId"] for f in aws("efs").describe_file_systems()["FileSystems"] if f.get("Name") == n["efs"])


def disable_the_efs_backups(aws, n):
    efs, fs_id = aws("efs"), _file_system_id(aws, n)
    efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "DISABLED"})
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "DISABLED"
    return [(n["efs"], "backups")]


def delete_an_efs_mount_target(aws, n):
    efs, fs_id = aws("efs"), _file_system_id(aws, n)
    mount_targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    efs.delete_mount_target(MountTargetId=mount_targets[-1]["MountTargetId"])
    assert len(efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]) == len(mount_targets) - 1
    return [(n["efs"], "multi-az")]


def stop_the_stream_encryption(aws, n):
    kinesis = aws("kinesis")
    summary = kinesis.describe_stream_summary(StreamName=n["stream"])["StreamDescriptionSummary"]
    kinesis.stop_stream_encryption(StreamName=n["stream"], EncryptionType="KMS", KeyId=summary["KeyId"])
    assert kinesis.describe_stream_summary(StreamName=n["stream"])["StreamDescriptionSummary"]["EncryptionType"] == "NONE"
    return [(n["stream"], "encryption-at-rest")]


def turn_the_queue_encryption_off(aws, n):
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName=n["queue"])["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": ""})
    assert not sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"].get("KmsMasterKeyId")
    return [(n["queue"], "encryption-at-rest")]


def untag_the_queue_environment(aws, n):
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName=n["queue"])["QueueUrl"]
    sqs.untag_queue(QueueUrl=url, TagKeys=["Environment"])
    assert "Environment" not in sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    return [(n["queue"], "tags")]


def untag_the_vpc_managed_by(aws, n):
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [n["vpc"]]}])["Vpcs"][0]
    ec2.delete_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "ManagedBy"}])
    after = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]
    assert "ManagedBy" not in {t["Key"] for t in after.get("Tags", [])}
    return [(n["vpc"], "tags")]


def turn_the_topic_encryption_off(aws, n):
    sns = aws("sns")
    arn = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":" + n["topic"]))
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="")
    assert not sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("KmsMasterKeyId")
    return [(n["topic"], "encryption-at-rest")]


def move_a_secret_to_the_aws_managed_key(aws, n):
    secrets = aws("secretsmanager")
    secrets.update_secret(SecretId=n["redis_auth"], KmsKeyId="alias/aws/secretsmanager")
    # DescribeSecret leaves KmsKeyId out for a secret under the AWS managed key aws/secretsmanager.
    assert "KmsKeyId" not in secrets.describe_secret(SecretId=n["redis_auth"])
    return [(n["redis_auth"], "encryption-at-rest")]


def remove_the_actions_of_an_alarm(aws, n):
    cloudwatch, name = aws("cloudwatch"), n["alarm"]("jobs-dlq-depth")
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    cloudwatch.put_metric_alarm(
        AlarmName=name, AlarmDescription=alarm.get("AlarmDescription", ""), Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"], Dimensions=alarm["Dimensions"], Statistic=alarm["Statistic"],
        Period=alarm["Period"], EvaluationPeriods=alarm["EvaluationPeriods"], Threshold=alarm["Threshold"],
        ComparisonOperator=alarm["ComparisonOperator"], TreatMissingData=alarm.get("TreatMissingData", "missing"),
        AlarmActions=[], OKActions=[],
    )
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmActions"] == []
    return [(name, "alarm-actions")]


def disable_the_actions_of_an_alarm(aws, n):
    cloudwatch, name = aws("cloudwatch"), n["alarm"]("ecs-cpu-high")
    cloudwatch.disable_alarm_actions(AlarmNames=[name])
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"] is False
    return [(name, "alarm-actions")]


def delete_an_alarm(aws, n):
    cloudwatch, name = aws("cloudwatch"), n["alarm"]("aurora-acu-high")
    cloudwatch.delete_alarms(AlarmNames=[name])
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []
    return [(name, "alarm-actions")]


TAMPERINGS = [
    open_database_to_the_world,
    revoke_the_cache_ingress,
    shorten_the_app_log_retention,
    let_the_api_logs_never_expire,
    take_the_key_off_the_app_logs,
    cut_the_aurora_backups,
    protect_aurora_where_it_should_not_be,
    make_a_reader_public,
    stop_redis_snapshots,
    turn_redis_failover_off,
    disable_the_efs_backups,
    delete_an_efs_mount_target,
    stop_the_stream_encryption,
    turn_the_queue_encryption_off,
    untag_the_queue_environment,
    untag_the_vpc_managed_by,
    turn_the_topic_encryption_off,
    move_a_secret_to_the_aws_managed_key,
    remove_the_actions_of_an_alarm,
    disable_the_actions_of_an_alarm,
    delete_an_alarm,
]


# ---------------------------------------------------------------------------------------------------------


def test_a_fresh_deploy_passes_every_rule(environment, reports_dir):
    run = assert_succeeded(environment["verify"]())
    assert run.changed == 0, run.changed_tasks()
    report = read_report(reports_dir, environment["suffix"])
    assert report["suffix"] == environment["suffix"] and report["environment"] == "local"
    assert failed(report) == [], report["findings"]
    assert report["summary"] == {"pass": len(report["findings"]), "fail": 0, "total": len(report["findings"])}
    assert {f["rule"] for f in report["findings"]} == RULES
    n = names(environment["suffix"])
    checked = {(f["resource"], f["rule"]) for f in report["findings"]}
    for expected in [(n["aurora"], "encryption-at-rest"), (n["redis"], "in-transit"), (n["redis"], "multi-az"),
                     (n["database_sg"], "private"), (n["cache_sg"], "sg-rules"), (n["dlq"], "backups"),
                     (n["app_logs"], "log-retention"), (n["aurora"], "deletion-protection"),
                     (n["alarm"]("api-5xx"), "alarm-actions"), (n["queue"], "tags")]:
        assert expected in checked


def test_verify_in_check_mode_passes_and_changes_nothing(environment, reports_dir):
    run = assert_succeeded(environment["verify"]("--check"))
    assert run.changed == 0, run.changed_tasks()
    assert failed(read_report(reports_dir, environment["suffix"])) == []


def test_verify_catches_each_tampering(environment, aws, reports_dir):
    n = names(environment["suffix"])
    expected = {tamper.__name__: tamper(aws, n) for tamper in TAMPERINGS}
    run = environment["verify"]()
    assert run.rc != 0 and run.changed == 0, run.describe()
    found = failed(read_report(reports_dir, environment["suffix"]))
    caught = [name for name, pairs in expected.items() if all(pair in found for pair in pairs)]
    # Every tampering is caught, under the right rule and resource ...
    assert caught == list(expected), {name: pairs for name, pairs in expected.items() if name not in caught}
    assert len(caught) >= 10
    # ... and nothing untampered fails.
    assert found == sorted(pair for pairs in expected.values() for pair in pairs)
    # The failure message names each failed resource with its rule.
    messages = run.error_messages()
    for resource, rule in found:
        assert "{0} [{1}]".format(resource, rule) in messages, (resource, rule)
    print("tamperings caught: {0} of {1}: {2}".format(len(caught), len(TAMPERINGS), ", ".join(caught)))


def test_teardown_after_verify_leaves_nothing(environment, playbook, aws, take_snapshot, output_dir):
    suffix = environment["suffix"]
    own_files = [output_dir / "outputs" / (suffix + ".json")] + [
        output_dir / "reports" / (suffix + kind) for kind in ("-verify.json", "-report.html", "-timeline.json")]
    others = [output_dir / "outputs" / "itkeep.json", output_dir / "reports" / "itkeep-verify.json",
              output_dir / "reports" / "itkeep-report.html"]
    for path in others:
        path.write_text("{}\n")
    # The deploy and verify wrote under streamflix_output_dir, not into the collection (the checkout).
    assert [path.is_file() for path in own_files] == [True] * 4
    assert not any((REPO / path.parent.name / path.name).exists() for path in own_files)
    lift_deletion_protection(aws, suffix)
    environment["torn_down"] = True
    assert_succeeded(playbook("teardown", suffix))
    state = take_snapshot(suffix)
    assert is_empty(state), leftovers(state)
    # Teardown removes this suffix's outputs and report, and nothing else there.
    assert [path.exists() for path in own_files + others] == [False] * 4 + [True] * 3
