#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_audit
short_description: Audit a live StreamFlix environment against the platform's rules
version_added: 0.1.0
description:
  - Reads every resource of one environment through the AWS API, by the names
    C(streamflix.media_platform) gives them, and checks each against the platform's rules (the rule ids
    and what each checks are listed in RV(findings)).
  - Read only; never changes anything (C(changed) is always false), so it runs the same in check mode.
  - It does not fail when a rule fails; it returns the findings, and the caller (roles/verify) writes the
    report and fails the play naming each failed resource and rule.
  - Neither amazon.aws nor community.aws audits resources against a design, which is why this module exists;
    the rules are pure functions in module_utils/audit.py, unit-tested on their own.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  suffix:
    description: The environment suffix (C(streamflix_env_suffix)); every resource name derives from it.
    type: str
    required: true
  tags:
    description: The tags every taggable resource must carry, with their values (C(streamflix_tags)).
    type: dict
    required: true
  log_retention_days:
    description: The retention, in days, each of the environment's log groups must have.
    type: int
    required: true
  db_backup_retention_days:
    description: The least Aurora backup retention, in days.
    type: int
    required: true
  db_reader_count:
    description: The Aurora readers the environment has; with one or more, the instances must span two zones.
    type: int
    default: 1
  deletion_protection:
    description: Whether the Aurora cluster must have deletion protection on (true) or off (false).
    type: bool
    required: true
  cache_snapshot_retention_days:
    description: The least Redis snapshot retention, in days.
    type: int
    required: true
  cache_nodes:
    description: The Redis nodes; each has its pair of alarms.
    type: int
    default: 2
  az_count:
    description: The availability zones the public and private subnets must cover.
    type: int
    required: true
  certificate_arn:
    description: The ACM certificate of the HTTPS listener; empty when the ALB serves HTTP only.
    type: str
    default: ""
  kinesis_retention_hours:
    description: The least retention of the ingest stream, in hours (never less than 24 is accepted).
    type: int
    default: 24
  dlq_retention_seconds:
    description: The retention the dead-letter queue must have, in seconds.
    type: int
    default: 1209600
  security_groups:
    description:
      - The security groups as designed, in the form of roles/security's C(security_groups) variable.
      - Each has C(key) (C(alb), C(service), C(database), C(cache), C(efs)), C(rules) and C(rules_egress) in
        the form of M(amazon.aws.ec2_security_group) (C(proto), C(ports) or C(from_port)/C(to_port),
        C(cidr_ip), C(cidr_ipv6), C(group_name) or C(group_id)).
    type: list
    elements: dict
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Audit the environment
  streamflix.media_platform.platform_audit:
    suffix: dev
    tags: {Project: streamflix, Environment: dev, ManagedBy: ansible}
    log_retention_days: 7
    db_backup_retention_days: 7
    deletion_protection: false
    cache_snapshot_retention_days: 1
    az_count: 2
    security_groups: "{{ security_groups }}"
  register: audit

- name: Fail on any failed rule
  ansible.builtin.fail:
    msg: "{{ audit.failed_findings | map(attribute='resource') | join(', ') }}"
  when: audit.summary.fail > 0
"""

RETURN = r"""
findings:
  description:
    - One entry per resource and rule, failures first.
    - "Rules: C(exists), C(encryption-at-rest) (our KMS key on Aurora, Redis, EFS, Kinesis, the queues, the
      secrets, the app and API log groups, the alarm topic; the key enabled with rotation), C(in-transit)
      (Redis TLS, the task's EFS volume with TLS and IAM, HTTPS on the ALB when a certificate is configured),
      C(multi-az) (Redis failover and Multi-AZ, Aurora instances in two zones, subnets in O(az_count) zones,
      an EFS mount target per zone), C(private) (Aurora instances not public, data stores behind their own
      group only, no world ingress except the ALB on 80/443, data store groups open to the service group on
      their port only), C(sg-rules) (ingress and egress exactly as O(security_groups); the VPC's default group has no rules), C(backups),
      C(log-retention), C(deletion-protection), C(alarm-actions) (every expected alarm exists and notifies
      the topic, actions enabled), C(tags)."
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: The resource's name (or id or ARN when it has no name).
      type: str
      sample: streamflix-jobs-dev
    rule:
      description: The rule id.
      type: str
      sample: encryption-at-rest
    status:
      description: C(pass) or C(fail).
      type: str
    detail:
      description: What was found against what is expected.
      type: str
      sample: KmsMasterKeyId is not set; expected the environment key alias/streamflix-dev.
failed_findings:
  description: The findings whose status is C(fail).
  returned: always
  type: list
  elements: dict
table:
  description: The findings as aligned text lines (status, rule, resource, detail) ending with a count line.
  returned: always
  type: list
  elements: str
summary:
  description: Counts of findings.
  returned: always
  type: dict
  sample: {pass: 80, fail: 0, total: 80}
placement:
  description:
    - Where the environment's parts are, as read (the report's architecture diagram draws it).
    - C(vpc_id), C(vpc_cidr); C(subnets) (C(id), C(az), C(cidr), C(tier), C(name)); C(aurora_instances) (C(id),
      C(az), C(role) writer or reader); C(redis_nodes) (C(id), C(az), C(role)); C(efs_mount_targets) (C(id), C(az),
      C(subnet_id)). Empty lists for what does not exist.
  returned: always
  type: dict
alarms:
  description: The environment's metric alarms as read, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The alarm's name., type: str, sample: streamflix-dev-jobs-dlq-depth}
    namespace: {description: The metric's namespace., type: str, sample: AWS/SQS}
    metric: {description: "The metric's name (the metrics' names, for metric math).", type: str, sample: ApproximateNumberOfMessagesVisible}
    dimensions: {description: "The metric's dimensions, name to value (of the first metric, for metric math).", type: dict}
    expression: {description: The metric math expression that returns the alarm's data; null for a one-metric alarm., type: str}
    statistic: {description: The statistic (or extended statistic)., type: str, sample: Maximum}
    comparison: {description: The comparison operator., type: str, sample: GreaterThanThreshold}
    threshold: {description: The threshold., type: float, sample: 0.0}
    period: {description: "The period in seconds (of the first metric, for metric math).", type: int, sample: 300}
    evaluation_periods: {description: The number of periods evaluated., type: int, sample: 1}
    state: {description: "The alarm's state: OK, ALARM or INSUFFICIENT_DATA.", type: str}
    actions_enabled: {description: Whether its actions are enabled., type: bool}
    alarm_actions: {description: The ARNs it notifies in ALARM., type: list, elements: str}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.streamflix.media_platform.plugins.module_utils import audit
from ansible_collections.streamflix.media_platform.plugins.module_utils import efs
from ansible_collections.streamflix.media_platform.plugins.module_utils import elasticache
from ansible_collections.streamflix.media_platform.plugins.module_utils import kinesis
from ansible_collections.streamflix.media_platform.plugins.module_utils import rds
from ansible_collections.streamflix.media_platform.plugins.module_utils import secretsmanager
from ansible_collections.streamflix.media_platform.plugins.module_utils import sns
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import resource_names

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_key(client, names, state):
    key = audit.describe_key(client, names["kms_alias"])
    if key is None or key.get("KeyState") == "PendingDeletion":
        return
    key = dict(key)
    key["Aliases"] = audit.key_aliases(client, key["KeyId"])
    key["RotationEnabled"] = audit.key_rotation_enabled(client, key["KeyId"])
    state["kms_key"] = key
    state["kms_tags"] = audit.key_tags(client, key["KeyId"])


def read_network(client, names, suffix, state):
    vpcs = audit.describe_vpcs(client, names["vpc"], suffix)
    if not vpcs:
        return
    state["vpc"] = vpcs[0]
    state["subnets"] = audit.describe_subnets(client, vpcs[0]["VpcId"])
    group_names = [names[key] for key in audit.SECURITY_GROUP_KEYS] + [audit.DEFAULT_SECURITY_GROUP]
    for group in audit.describe_security_groups(client, vpcs[0]["VpcId"], group_names):
        state["security_groups"][group["GroupName"]] = group


def read_data_stores(module, names, state):
    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    state["aurora"] = rds.describe_cluster(client, names["aurora"])
    if state["aurora"]:
        state["aurora_instances"] = rds.describe_cluster_instances(client, names["aurora"])
        group = state["aurora"].get("DBClusterParameterGroup")
        # A default group cannot have user-set parameters (and cannot be modified).
        state["aurora_parameters"] = rds.user_parameters(client, group) if group and not group.startswith("default.") else {}

    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    state["redis"] = elasticache.describe_group(client, names["redis"])
    if state["redis"]:
        state["redis_tags"] = boto3_tag_list_to_ansible_dict(elasticache.list_tags(client, state["redis"]["ARN"]))
        # The replication group names its security groups only through its member clusters.
        members = state["redis"].get("MemberClusters") or []
        cluster = elasticache.describe_cluster(client, members[0]) if members else None
        if cluster is not None:
            state["redis"] = dict(state["redis"], SecurityGroups=cluster.get("SecurityGroups", []))

    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())
    state["efs"] = efs.describe_file_system_by_token(client, names["efs"])
    if state["efs"]:
        file_system_id = state["efs"]["FileSystemId"]
        state["efs_backup"] = efs.describe_backup_status(client, file_system_id)
        state["efs_policy"] = efs.describe_file_system_policy(client, file_system_id)
        state["efs_mount_targets"] = [
            dict(mount_target, SecurityGroups=efs.describe_mount_target_security_groups(client, mount_target["MountTargetId"]))
            for mount_target in efs.describe_mount_targets(client, file_system_id)
        ]


def read_streaming(module, names, state):
    client = module.client("kinesis", retry_decorator=AWSRetry.jittered_backoff())
    state["kinesis"] = kinesis.describe_stream_summary(client, names["ingest_stream"])
    if state["kinesis"]:
        state["kinesis_tags"] = kinesis.list_tags(client, names["ingest_stream"])
    client = module.client("sqs", retry_decorator=AWSRetry.jittered_backoff())
    for key in audit.QUEUES:
        queue = audit.queue_state(client, names[key])
        if queue is not None:
            state["queues"][names[key]] = queue


def read_secrets_and_logs(module, names, state):
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    for key in audit.SECRETS:
        secret = secretsmanager.describe_secret(client, names[key])
        if secret is not None and not secret.get("DeletedDate"):
            state["secrets"][names[key]] = secret
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    for key in audit.LOG_GROUPS:
        log_group = audit.log_group_state(client, names[key])
        if log_group is not None:
            state["log_groups"][names[key]] = log_group


def read_compute(module, names, state):
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    state["task_definition"] = audit.service_task_definition(client, names["ecs_cluster"], names["ecs_service"])
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    state["alb"] = audit.load_balancer_state(client, names["alb"])


def read_monitoring(module, names, suffix, alarm_names, state):
    client = module.client("sns", retry_decorator=AWSRetry.jittered_backoff())
    topic_arn = sns.find_topic_arn(client, names["alarm_topic"])
    attributes = sns.get_attributes(client, topic_arn) if topic_arn else None
    if attributes is not None:
        state["topic"] = {"arn": topic_arn, "attributes": attributes, "tags": sns.list_tags(client, topic_arn)}
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    state["alarms"] = audit.environment_alarms(client, suffix, alarm_names)


def read_state(module, names, expected):
    state = audit.empty_state()
    suffix = module.params["suffix"]
    step = "the KMS key"
    try:
        read_key(module.client("kms", retry_decorator=AWSRetry.jittered_backoff()), names, state)
        step = "the VPC, subnets and security groups"
        read_network(module.client("ec2", retry_decorator=AWSRetry.jittered_backoff()), names, suffix, state)
        step = "Aurora, Redis and EFS"
        read_data_stores(module, names, state)
        step = "the Kinesis stream and the SQS queues"
        read_streaming(module, names, state)
        step = "the secrets and log groups"
        read_secrets_and_logs(module, names, state)
        step = "the ECS service's task definition and the ALB"
        read_compute(module, names, state)
        step = "the alarm topic and alarms"
        read_monitoring(module, names, suffix, expected["alarm_names"], state)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read {0} of environment {1} (the audit needs read access to it)".format(step, suffix))
    return state


def expected_settings(params, names):
    return {
        "names": names,
        "kms_alias": names["kms_alias"],
        "tags": params["tags"],
        "log_retention_days": params["log_retention_days"],
        "db_backup_retention_days": params["db_backup_retention_days"],
        "db_reader_count": params["db_reader_count"],
        "deletion_protection": params["deletion_protection"],
        "cache_snapshot_retention_days": params["cache_snapshot_retention_days"],
        "az_count": params["az_count"],
        "certificate_arn": params["certificate_arn"] or "",
        "kinesis_retention_hours": params["kinesis_retention_hours"],
        "dlq_retention_seconds": params["dlq_retention_seconds"],
        "security_groups": params["security_groups"],
        "alarm_names": audit.expected_alarm_names(params["suffix"], params["cache_nodes"]),
    }


def main():
    argument_spec = dict(
        suffix=dict(type="str", required=True),
        tags=dict(type="dict", required=True),
        log_retention_days=dict(type="int", required=True),
        db_backup_retention_days=dict(type="int", required=True),
        db_reader_count=dict(type="int", default=1),
        deletion_protection=dict(type="bool", required=True),
        cache_snapshot_retention_days=dict(type="int", required=True),
        cache_nodes=dict(type="int", default=2),
        az_count=dict(type="int", required=True),
        certificate_arn=dict(type="str", default=""),
        kinesis_retention_hours=dict(type="int", default=24),
        dlq_retention_seconds=dict(type="int", default=1209600),
        security_groups=dict(type="list", elements="dict", required=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    unknown = sorted(set(g.get("key") for g in module.params["security_groups"]) - set(k[: -len("_sg")] for k in audit.SECURITY_GROUP_KEYS))
    if unknown:
        module.fail_json(msg="security_groups: unknown key(s) {0}; each key must be one of alb, service, database, cache, efs.".format(
            ", ".join(str(k) for k in unknown)))
    names = resource_names(module.params["suffix"])
    expected = expected_settings(module.params, names)
    state = read_state(module, names, expected)
    findings = audit.audit(state, expected)
    module.exit_json(
        changed=False,
        findings=findings,
        failed_findings=[f for f in findings if f["status"] == "fail"],
        summary=audit.summary(findings),
        table=audit.table(findings),
        placement=audit.placement(state),
        alarms=audit.alarm_thresholds(state["alarms"]),
    )


if __name__ == "__main__":
    main()
