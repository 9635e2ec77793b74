"""Plan after drift, and no secret in the output of a -vvv deploy.

One environment of its own, deployed with -vvv: its whole output, the outputs file and the reports are searched for
every generated secret value (read back through boto3). Then drift is made by hand through boto3, as a person in
the console would, and `site.yml --check --diff` must name each drifted item with a diff that shows the drift while
changing nothing; a real run repairs all of it, and a second plan is clean.
"""

from __future__ import annotations

import json

import pytest

from integration_support import REPO, assert_succeeded, unique_suffix

# The drift each case makes, the task the plan must report for it, and what its diff must show.
DRIFT_CASES = {
    "alarm deleted": ("monitoring : Create or converge the alarms", "api-5xx"),
    "scaling limit changed": ("compute : Scale the service on CPU, memory and requests", "max_capacity: 9"),
    "ingress rule opened": ("security : Create the security groups", "0.0.0.0/0"),
    "queue encryption turned off": ("streaming : Create or converge the jobs queue", "KmsMasterKeyId"),
    "stream encryption turned off": ("streaming : Create or converge the Kinesis ingest stream", "encryption_type"),
    "log retention changed": ("compute : Keep the containers' logs in their own log group", "retention"),
    "log encryption turned off": ("compute : Keep the containers' logs in their own log group", "kms_key_id"),
}
DRIFTED_MAX_TASKS = 9
DRIFTED_RETENTION_DAYS = 30


@pytest.fixture(scope="module")
def verbose_environment(playbook):
    suffix = unique_suffix("itplan")
    run = assert_succeeded(playbook("site", suffix, "-vvv"))
    yield {"suffix": suffix, "deploy": run}
    assert_succeeded(playbook("teardown", suffix))


def secret_values(aws, suffix) -> dict:
    """Every generated credential of the environment, read back through boto3: description -> value."""
    sm, found = aws("secretsmanager"), {}
    for name in ("streamflix-api-keys-" + suffix, "streamflix-redis-auth-" + suffix):
        found.update(leaf_values(name, sm.get_secret_value(SecretId=name)["SecretString"]))
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier="streamflix-aurora-" + suffix)["DBClusters"][0]
    master = sm.get_secret_value(SecretId=cluster["MasterUserSecret"]["SecretArn"])["SecretString"]
    found.update(leaf_values("aurora master", master))
    return found


def leaf_values(name, text) -> dict:
    """The secret string itself, or the credential fields of a JSON secret (a user name is not a secret)."""
    try:
        document = json.loads(text)
    except ValueError:
        return {name: text}
    if not isinstance(document, dict):
        return {name: text}
    return {"{0}.{1}".format(name, key): str(value) for key, value in document.items() if key not in ("username",)}


def test_no_generated_secret_appears_in_a_vvv_run_or_in_its_files(verbose_environment, playbook, aws, outputs_dir, tmp_path):
    suffix = verbose_environment["suffix"]
    values = secret_values(aws, suffix)
    # moto's AWS-managed master password is a fixed 9-character string; the platform's own are 40+ characters.
    assert len(values) >= 4 and all(len(value) >= 8 for value in values.values()), sorted(values)
    audit = assert_succeeded(playbook("verify", suffix, "-vvv", "-e", json.dumps({"reports_dir": str(tmp_path)})))
    places = {"site.yml -vvv output": verbose_environment["deploy"].output, "verify.yml -vvv output": audit.output}
    files = [outputs_dir / (suffix + ".json"), tmp_path / (suffix + "-verify.json"), tmp_path / (suffix + "-report.html")]
    assert all(path.is_file() for path in files)
    for path in files + sorted((REPO / "reports").glob("*")) + sorted((REPO / "outputs").glob("*")):
        places[str(path)] = path.read_text()
    leaks = [(name, place) for name, value in values.items() for place, text in places.items() if value in text]
    assert leaks == []


def task_blocks(run, task_fragment) -> str:
    """The output of every task whose name contains task_fragment (its header to the next task header)."""
    blocks, current = [], None
    for line in run.output.splitlines():
        if line.startswith("TASK ["):
            current = [line] if task_fragment in line else None
            if current is not None:
                blocks.append(current)
        elif current is not None:
            current.append(line)
    return "\n".join("\n".join(block) for block in blocks)


def diff_lines(block) -> list:
    """The lines a task's unified diff marks as removed or added (not its ---/+++ headers)."""
    return [line for line in block.splitlines() if line[:1] in ("+", "-") and line[:3] not in ("---", "+++")]


def make_drift(aws, suffix):
    """Each DRIFT_CASES item, done by hand through boto3; returns what is needed to check it later."""
    ec2, sqs = aws("ec2"), aws("sqs")
    aws("cloudwatch").delete_alarms(AlarmNames=["streamflix-{0}-api-5xx".format(suffix)])
    aws("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=service_resource(suffix), ScalableDimension="ecs:service:DesiredCount",
        MaxCapacity=DRIFTED_MAX_TASKS,
    )
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["streamflix-database-sg-" + suffix]}])["SecurityGroups"][0]
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[WORLD_POSTGRES])
    sqs.set_queue_attributes(QueueUrl=queue_url(aws, suffix), Attributes={"KmsMasterKeyId": ""})
    aws("kinesis").stop_stream_encryption(
        StreamName="streamflix-ingest-" + suffix, EncryptionType="KMS", KeyId=stream(aws, suffix)["KeyId"]
    )
    aws("logs").put_retention_policy(logGroupName=app_log_group(suffix), retentionInDays=DRIFTED_RETENTION_DAYS)
    aws("logs").disassociate_kms_key(logGroupName=app_log_group(suffix))
    return group["GroupId"]


WORLD_POSTGRES = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def service_resource(suffix):
    return "service/streamflix-cluster-{0}/streamflix-service-{0}".format(suffix)


def app_log_group(suffix):
    return "/streamflix/{0}/app".format(suffix)


def queue_url(aws, suffix):
    return aws("sqs").get_queue_url(QueueName="streamflix-jobs-" + suffix)["QueueUrl"]


def stream(aws, suffix):
    return aws("kinesis").describe_stream_summary(StreamName="streamflix-ingest-" + suffix)["StreamDescriptionSummary"]


def drift_state(aws, suffix, group_id) -> dict:
    """Each drifted item as AWS reports it: True where the drift is there."""
    alarms = aws("cloudwatch").describe_alarms(AlarmNames=["streamflix-{0}-api-5xx".format(suffix)])["MetricAlarms"]
    [target] = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[service_resource(suffix)]
    )["ScalableTargets"]
    [group] = aws("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    attributes = aws("sqs").get_queue_attributes(QueueUrl=queue_url(aws, suffix), AttributeNames=["All"])["Attributes"]
    [log_group] = [g for g in aws("logs").describe_log_groups(logGroupNamePrefix=app_log_group(suffix))["logGroups"]
                   if g["logGroupName"] == app_log_group(suffix)]
    return {
        "alarm deleted": alarms == [],
        "scaling limit changed": target["MaxCapacity"] == DRIFTED_MAX_TASKS,
        "ingress rule opened": any(
            r.get("CidrIp") == "0.0.0.0/0" for p in group["IpPermissions"] for r in p.get("IpRanges", [])
        ),
        "queue encryption turned off": not attributes.get("KmsMasterKeyId"),
        "stream encryption turned off": stream(aws, suffix)["EncryptionType"] == "NONE",
        "log retention changed": log_group.get("retentionInDays") == DRIFTED_RETENTION_DAYS,
        "log encryption turned off": not log_group.get("kmsKeyId"),
    }


def test_plan_reports_each_drift_with_a_diff_and_changes_nothing(verbose_environment, playbook, aws):
    suffix = verbose_environment["suffix"]
    group_id = make_drift(aws, suffix)
    drifted = drift_state(aws, suffix, group_id)
    assert drifted == {case: True for case in DRIFT_CASES}, "a drift did not take effect on localaws"

    plan = assert_succeeded(playbook("site", suffix, "--check", "--diff"))
    reported = {}
    for case, (task, shown) in DRIFT_CASES.items():
        block = task_blocks(plan, task)
        reported[case] = "changed: [" in block and ("--- before" in block or shown in block) and shown in block
    assert reported == {case: True for case in DRIFT_CASES}, plan.changed_tasks()
    # Nothing else is reported, and nothing was changed: every drift is still there.
    expected_tasks = {task for task, _shown in DRIFT_CASES.values()}
    unexpected = [name for name in plan.changed_tasks() if not any(task in name for task in expected_tasks)]
    assert unexpected == []
    # The security groups' diff is the rule opened by hand and nothing else (no retyped port, moved description).
    assert diff_lines(task_blocks(plan, DRIFT_CASES["ingress rule opened"][0])) == ["-    - tcp 5432 from 0.0.0.0/0"]
    assert drift_state(aws, suffix, group_id) == drifted


def test_a_run_repairs_the_drift_and_the_next_plan_is_clean(verbose_environment, playbook, aws):
    suffix = verbose_environment["suffix"]
    group_id = aws("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["streamflix-database-sg-" + suffix]}]
    )["SecurityGroups"][0]["GroupId"]
    assert_succeeded(playbook("site", suffix))
    assert drift_state(aws, suffix, group_id) == {case: False for case in DRIFT_CASES}
    plan = assert_succeeded(playbook("site", suffix, "--check", "--diff"))
    assert plan.changed == 0, plan.changed_tasks()

