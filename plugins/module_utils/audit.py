# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's rules, as pure functions over described AWS state, for the platform_audit module.

Each rule takes ``state`` (what the module read from AWS, keyed as in ``empty_state()``; None for a resource
that was not found) and ``expected`` (the environment's settings, see ``expected_settings()``) and returns
findings: dicts of ``resource`` (a name or ARN), ``rule`` (a short stable id), ``status`` (pass or fail) and
``detail`` (what was found against what is expected, a sentence a person can act on).

"As designed" means what the roles make: roles/security/vars/main.yml (security groups, passed in as
``expected["security_groups"]``), roles/monitoring (alarm names), and the settings the other roles pass to
their modules. What the platform does not do on purpose is not a rule here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.streamflix.media_platform.plugins.module_utils import cloudwatch_logs
from ansible_collections.streamflix.media_platform.plugins.module_utils import sqs

RULES = (
    "exists",
    "encryption-at-rest",
    "in-transit",
    "multi-az",
    "private",
    "sg-rules",
    "backups",
    "log-retention",
    "deletion-protection",
    "alarm-actions",
    "tags",
)

WORLD = ("0.0.0.0/0", "::/0")
# The data stores and the one port each admits, from the service security group only.
DATA_STORE_PORTS = {"database_sg": 5432, "cache_sg": 6379, "efs_sg": 2049}
SECURITY_GROUP_KEYS = ("alb_sg", "service_sg", "database_sg", "cache_sg", "efs_sg")
# The VPC's own group: roles/network strips it of every rule (nothing of ours uses it).
DEFAULT_SECURITY_GROUP = "default"
# The log groups under the environment key (the key is made before the network, so the flow-log group is too).
ENCRYPTED_LOG_GROUPS = ("flow_logs_log_group", "app_log_group", "api_access_log_group")
LOG_GROUPS = ("flow_logs_log_group", "app_log_group", "api_access_log_group")
QUEUES = ("jobs_queue", "jobs_dlq")
SECRETS = ("api_keys_secret", "redis_auth_secret", "app_config_secret", "db_app_secret")
# The alarms roles/monitoring makes (monitoring_alarm_kinds in its vars/main.yml), in its order; the Redis
# pair is made per node. tests/unit/test_audit.py checks this list against that file.
ALARM_KINDS = (
    "jobs-dlq-depth",
    "kinesis-write-throttled",
    "kinesis-iterator-age",
    "ecs-cpu-high",
    "ecs-memory-high",
    "ecs-running-tasks-low",
    "alb-5xx",
    "alb-target-5xx",
    "alb-unhealthy-hosts",
    "aurora-acu-high",
    "aurora-connections-high",
    "api-5xx",
)
REDIS_ALARM_KINDS = ("engine-cpu-high", "memory-high")


def finding(resource, rule, ok, detail):
    return {"resource": resource, "rule": rule, "status": "pass" if ok else "fail", "detail": detail}


def expected_alarm_names(suffix, cache_nodes):
    prefix = "streamflix-{0}-".format(suffix)
    names = [prefix + kind for kind in ALARM_KINDS]
    for node in range(1, int(cache_nodes) + 1):
        names.extend("{0}redis-{1:03d}-{2}".format(prefix, node, kind) for kind in REDIS_ALARM_KINDS)
    return names


def empty_state():
    """Every key a rule reads; the module fills what it finds."""
    return {
        "kms_key": None,  # DescribeKey KeyMetadata, plus "Aliases" (alias names) and "RotationEnabled"
        "kms_tags": {},
        "vpc": None,  # DescribeVpcs entry
        "subnets": [],  # DescribeSubnets entries of the VPC
        "security_groups": {},  # name -> DescribeSecurityGroups entry (missing names absent)
        "aurora": None,  # DescribeDBClusters entry
        "aurora_instances": [],  # DescribeDBInstances entries of the cluster
        "aurora_parameters": {},  # the user-set parameters of the cluster's parameter group, name -> value
        "redis": None,  # DescribeReplicationGroups entry
        "redis_tags": {},
        "efs": None,  # DescribeFileSystems entry (with Tags)
        "efs_backup": None,  # backup policy status (ENABLED ...)
        "efs_mount_targets": [],  # DescribeMountTargets entries, each with "SecurityGroups"
        "efs_policy": None,  # the file system policy document, None when it has none
        "kinesis": None,  # DescribeStreamSummary
        "kinesis_tags": {},
        "queues": {},  # name -> {"attributes": {...}, "tags": {...}}
        "secrets": {},  # name -> DescribeSecret
        "log_groups": {},  # name -> DescribeLogGroups entry, plus "tags"
        "topic": None,  # {"arn", "attributes", "tags"}
        "task_definition": None,  # DescribeTaskDefinition taskDefinition of the service
        "alb": None,  # {"load_balancer", "listeners", "tags"}
        "alarms": [],  # DescribeAlarms MetricAlarms with the environment's name prefix
    }


# ---------------------------------------------------------------- helpers


def key_identifiers(key):
    """Every way AWS may name our key in a resource: key id, key ARN, alias names and alias ARNs."""
    if not key:
        return set()
    ids = {key.get("KeyId"), key.get("Arn")}
    arn_prefix = key.get("Arn", "").rsplit(":", 1)[0] if key.get("Arn") else None
    for alias in key.get("Aliases") or []:
        ids.add(alias)
        if arn_prefix:
            ids.add("{0}:{1}".format(arn_prefix, alias))
    return set(i for i in ids if i)


def uses_key(value, ours):
    return bool(value) and value in ours


def _key_detail(what, value, expected, ours=None):
    if ours is not None and uses_key(value, ours):
        return "{0} is the environment key {1} ({2}).".format(what, expected["kms_alias"], value)
    return "{0} is {1}; expected the environment key {2}.".format(what, value or "not set", expected["kms_alias"])


def _tags_detail(tags, expected_tags):
    missing = sorted(k for k in expected_tags if k not in tags)
    wrong = sorted(k for k in expected_tags if k in tags and tags[k] != expected_tags[k])
    parts = []
    if missing:
        parts.append("missing {0}".format(", ".join(missing)))
    if wrong:
        parts.append(", ".join("{0}={1!r} (expected {2!r})".format(k, tags[k], expected_tags[k]) for k in wrong))
    return parts


def tag_finding(resource, tags, expected):
    parts = _tags_detail(tags or {}, expected["tags"])
    if parts:
        return finding(resource, "tags", False, "Tags: {0}; re-run site.yml to restore the platform tags.".format("; ".join(parts)))
    return finding(resource, "tags", True, "Carries {0}.".format(", ".join(sorted(expected["tags"]))))


def _ports(rule):
    if rule.get("proto") in ("all", "-1", -1):
        return [(None, None)]
    if rule.get("ports") is not None:
        ranges = []
        for port in rule["ports"]:
            text = str(port)
            low, _sep, high = text.partition("-")
            ranges.append((int(low), int(high or low)))
        return ranges
    return [(rule.get("from_port"), rule.get("to_port"))]


def _protocol(value):
    text = str(value).lower()
    return "-1" if text in ("all", "-1") else text


def designed_permissions(rules, names):
    """The (protocol, from, to, source) tuples of rules in amazon.aws.ec2_security_group's form."""
    found = set()
    for rule in rules or []:
        proto = _protocol(rule.get("proto", "tcp"))
        sources = []
        for key, kind in (("cidr_ip", "cidr"), ("cidr_ipv6", "cidr")):
            value = rule.get(key)
            sources.extend(["{0}:{1}".format(kind, v) for v in (value if isinstance(value, list) else [value]) if v])
        if rule.get("group_name"):
            sources.append("sg:" + rule["group_name"])
        if rule.get("group_id"):
            sources.append("sg:" + names.get(rule["group_id"], rule["group_id"]))
        for low, high in _ports(rule):
            for source in sources:
                found.add((proto, low, high, source))
    return found


def actual_permissions(ip_permissions, group_names):
    """The same tuples for DescribeSecurityGroups IpPermissions(Egress); group ids shown as our names."""
    found = set()
    for perm in ip_permissions or []:
        proto = _protocol(perm.get("IpProtocol", "-1"))
        low, high = (None, None) if proto == "-1" else (perm.get("FromPort"), perm.get("ToPort"))
        for entry in perm.get("IpRanges", []):
            found.add((proto, low, high, "cidr:" + entry["CidrIp"]))
        for entry in perm.get("Ipv6Ranges", []):
            found.add((proto, low, high, "cidr:" + entry["CidrIpv6"]))
        for entry in perm.get("UserIdGroupPairs", []):
            found.add((proto, low, high, "sg:" + group_names.get(entry.get("GroupId"), entry.get("GroupId") or "?")))
        for entry in perm.get("PrefixListIds", []):
            found.add((proto, low, high, "prefix-list:" + entry["PrefixListId"]))
    return found


def describe_permission(permission):
    proto, low, high, source = permission
    if proto == "-1":
        what = "all traffic"
    elif low == high:
        what = "{0} {1}".format(proto, low)
    else:
        what = "{0} {1}-{2}".format(proto, low, high)
    return "{0} {1}".format(what, source.split(":", 1)[1] if source.startswith("cidr:") else source)


def _group_id_names(state):
    return {group["GroupId"]: name for name, group in state["security_groups"].items() if group}


# ---------------------------------------------------------------- rules


def rule_exists(state, expected):
    names = expected["names"]
    checks = [
        (names["kms_alias"], state["kms_key"]),
        (names["vpc"], state["vpc"]),
        (names["aurora"], state["aurora"]),
        (names["redis"], state["redis"]),
        (names["efs"], state["efs"]),
        (names["ingest_stream"], state["kinesis"]),
        (names["alarm_topic"], state["topic"]),
        (names["task_family"], state["task_definition"]),
        (names["alb"], state["alb"]),
    ]
    checks += [(names[key], state["security_groups"].get(names[key])) for key in SECURITY_GROUP_KEYS]
    checks += [(names[key], state["queues"].get(names[key])) for key in QUEUES]
    checks += [(names[key], state["secrets"].get(names[key])) for key in SECRETS]
    checks += [(names[key], state["log_groups"].get(names[key])) for key in LOG_GROUPS]
    return [
        finding(name, "exists", found is not None, "Found." if found is not None else "Not found; run site.yml to create it.")
        for name, found in checks
    ]


def rule_encryption_at_rest(state, expected):
    names, ours, out = expected["names"], key_identifiers(state["kms_key"]), []
    key = state["kms_key"]
    if key:
        ok = key.get("KeyState") == "Enabled" and key.get("RotationEnabled") is True
        out.append(finding(
            names["kms_alias"], "encryption-at-rest", ok,
            "Key {0} is {1}, rotation {2}; expected Enabled with yearly rotation on.".format(
                key.get("KeyId"), key.get("KeyState"), "on" if key.get("RotationEnabled") else "off"),
        ))
    cluster = state["aurora"]
    if cluster:
        ok = cluster.get("StorageEncrypted") is True and uses_key(cluster.get("KmsKeyId"), ours)
        out.append(finding(names["aurora"], "encryption-at-rest", ok, "StorageEncrypted {0}; {1}".format(
            cluster.get("StorageEncrypted"), _key_detail("KmsKeyId", cluster.get("KmsKeyId"), expected, ours))))
    group = state["redis"]
    if group:
        ok = group.get("AtRestEncryptionEnabled") is True and uses_key(group.get("KmsKeyId"), ours)
        out.append(finding(names["redis"], "encryption-at-rest", ok, "AtRestEncryptionEnabled {0}; {1}".format(
            group.get("AtRestEncryptionEnabled"), _key_detail("KmsKeyId", group.get("KmsKeyId"), expected, ours))))
    fs = state["efs"]
    if fs:
        ok = fs.get("Encrypted") is True and uses_key(fs.get("KmsKeyId"), ours)
        out.append(finding(names["efs"], "encryption-at-rest", ok, "Encrypted {0}; {1}".format(
            fs.get("Encrypted"), _key_detail("KmsKeyId", fs.get("KmsKeyId"), expected, ours))))
    stream = state["kinesis"]
    if stream:
        ok = stream.get("EncryptionType") == "KMS" and uses_key(stream.get("KeyId"), ours)
        out.append(finding(names["ingest_stream"], "encryption-at-rest", ok, "EncryptionType {0}; {1}".format(
            stream.get("EncryptionType"), _key_detail("KeyId", stream.get("KeyId"), expected, ours))))
    for key_name in QUEUES:
        queue = state["queues"].get(names[key_name])
        if queue is not None:
            value = queue["attributes"].get("KmsMasterKeyId")
            out.append(finding(names[key_name], "encryption-at-rest", uses_key(value, ours),
                               _key_detail("KmsMasterKeyId", value, expected, ours)))
    for key_name in SECRETS:
        secret = state["secrets"].get(names[key_name])
        if secret is not None:
            value = secret.get("KmsKeyId")
            out.append(finding(names[key_name], "encryption-at-rest", uses_key(value, ours),
                               _key_detail("KmsKeyId", value, expected, ours)))
    for key_name in ENCRYPTED_LOG_GROUPS:
        log_group = state["log_groups"].get(names[key_name])
        if log_group is not None:
            value = log_group.get("kmsKeyId")
            out.append(finding(names[key_name], "encryption-at-rest", uses_key(value, ours),
                               _key_detail("kmsKeyId", value, expected, ours)))
    topic = state["topic"]
    if topic:
        value = topic["attributes"].get("KmsMasterKeyId")
        out.append(finding(names["alarm_topic"], "encryption-at-rest", uses_key(value, ours),
                           _key_detail("KmsMasterKeyId", value, expected, ours)))
    return out


def rule_in_transit(state, expected):
    names, out = expected["names"], []
    group = state["redis"]
    if group:
        ok = group.get("TransitEncryptionEnabled") is True
        out.append(finding(names["redis"], "in-transit", ok, "TransitEncryptionEnabled is {0}; expected true (TLS).".format(
            group.get("TransitEncryptionEnabled"))))
    task = state["task_definition"]
    if task:
        task_name = "{0}:{1}".format(task.get("family", names["task_family"]), task.get("revision", "?"))
        volumes = [v for v in task.get("volumes", []) if v.get("efsVolumeConfiguration")]
        if not volumes:
            out.append(finding(task_name, "in-transit", False,
                               "The task definition has no EFS volume; expected the media access point with TLS and IAM."))
        for volume in volumes:
            config = volume["efsVolumeConfiguration"]
            transit = config.get("transitEncryption")
            iam = (config.get("authorizationConfig") or {}).get("iam")
            out.append(finding(
                task_name, "in-transit",
                transit == "ENABLED" and iam == "ENABLED",
                "EFS volume {0}: transitEncryption {1}, IAM authorization {2}; expected both ENABLED.".format(
                    volume.get("name"), transit or "DISABLED", iam or "DISABLED"),
            ))
    cluster = state["aurora"]
    if cluster:
        force_ssl = state["aurora_parameters"].get("rds.force_ssl")
        out.append(finding(names["aurora"], "in-transit", force_ssl == "1",
                           "Parameter group {0}: rds.force_ssl is {1}; expected 1 (connections without TLS refused).".format(
                               cluster.get("DBClusterParameterGroup"), force_ssl if force_ssl is not None else "the engine default")))
    if state["efs"]:
        out.append(efs_policy_finding(names["efs"], state["efs_policy"]))
    alb = state["alb"]
    if alb and expected["certificate_arn"]:
        listeners = alb["listeners"]
        https = [
            listener for listener in listeners
            if (listener.get("Protocol"), listener.get("Port")) == ("HTTPS", 443)
            if expected["certificate_arn"] in [c.get("CertificateArn") for c in listener.get("Certificates", [])]
        ]
        plain = [listener for listener in listeners if listener.get("Protocol") == "HTTP"]
        redirects = all(
            any(a.get("Type") == "redirect" and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
                for a in listener.get("DefaultActions", []))
            for listener in plain
        )
        out.append(finding(
            names["alb"], "in-transit", bool(https) and redirects,
            "HTTPS listener on 443 with the configured certificate: {0}; HTTP redirects to HTTPS: {1}; expected both.".format(
                "yes" if https else "no", "yes" if redirects else "no"),
        ))
    return out


def efs_policy_finding(name, policy):
    """The file system policy must exist, deny every request without TLS, and allow no one everything."""
    statements = (policy or {}).get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]

    def condition(statement):
        return ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")

    denies_plain = any(s.get("Effect") == "Deny" and str(condition(s)).lower() == "false" for s in statements)
    open_allows = [s for s in statements if s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})]
    ok = policy is not None and denies_plain and not open_allows
    detail = ("No file system policy: any client that reaches a mount target has full access; re-run site.yml."
              if policy is None else
              "Denies requests without TLS: {0}; allows every principal: {1}; expected a TLS Deny and only named principals.".format(
                  "yes" if denies_plain else "no", "yes" if open_allows else "no"))
    return finding(name, "in-transit", ok, detail)


def rule_multi_az(state, expected):
    names, out = expected["names"], []
    group = state["redis"]
    if group:
        ok = group.get("AutomaticFailover") == "enabled" and group.get("MultiAZ") == "enabled"
        out.append(finding(names["redis"], "multi-az", ok, "AutomaticFailover {0}, MultiAZ {1}; expected both enabled.".format(
            group.get("AutomaticFailover"), group.get("MultiAZ"))))
    if state["aurora"] and expected["db_reader_count"] >= 1:
        instances = state["aurora_instances"]
        zones = sorted(set(i.get("AvailabilityZone") for i in instances if i.get("AvailabilityZone")))
        wanted = min(2, expected["az_count"])
        out.append(finding(names["aurora"], "multi-az", len(zones) >= wanted,
                           "{0} instances in {1} zone(s) ({2}); expected a writer and readers in at least {3} zones.".format(
                               len(instances), len(zones), ", ".join(zones) or "none", wanted)))
    if state["vpc"] is not None:
        for tier in ("public", "private"):
            zones = sorted(set(s["AvailabilityZone"] for s in state["subnets"] if _tag(s, "Tier") == tier))
            out.append(finding(names["vpc"], "multi-az", len(zones) == expected["az_count"],
                               "{0} subnets in {1} zone(s) ({2}); expected {3} (streamflix_az_count).".format(
                                   tier.capitalize(), len(zones), ", ".join(zones) or "none", expected["az_count"])))
    if state["efs"]:
        private_zones = sorted(set(s["AvailabilityZone"] for s in state["subnets"] if _tag(s, "Tier") == "private"))
        zones = sorted(set(m.get("AvailabilityZoneName") for m in state["efs_mount_targets"] if m.get("AvailabilityZoneName")))
        missing = [z for z in private_zones if z not in zones]
        ok = not missing and len(zones) >= min(2, expected["az_count"])
        out.append(finding(names["efs"], "multi-az", ok, "Mount targets in {0}; expected one in each private subnet's zone{1}.".format(
            ", ".join(zones) or "no zone", " (missing {0})".format(", ".join(missing)) if missing else "")))
    return out


def _tag(resource, key):
    for tag in resource.get("Tags", []) or []:
        if tag.get("Key") == key:
            return tag.get("Value")
    return None


def _group_ids(entries, key="VpcSecurityGroupId"):
    return sorted(e[key] if isinstance(e, dict) else e for e in entries or [])


def rule_private(state, expected):
    names, out = expected["names"], []
    ids = _group_id_names(state)
    for instance in state["aurora_instances"]:
        public = instance.get("PubliclyAccessible") is True
        out.append(finding(instance["DBInstanceIdentifier"], "private", not public,
                           "PubliclyAccessible is {0}; expected false (private subnets only).".format(public)))
    attachments = []
    if state["aurora"]:
        attachments.append((names["aurora"], _group_ids(state["aurora"].get("VpcSecurityGroups")), "database_sg"))
    if state["redis"]:
        members = state["redis"].get("SecurityGroups")
        if members is not None:
            attachments.append((names["redis"], _group_ids(members, "SecurityGroupId"), "cache_sg"))
    for mount_target in state["efs_mount_targets"]:
        attachments.append((mount_target["MountTargetId"], sorted(mount_target.get("SecurityGroups") or []), "efs_sg"))
    for resource, group_ids, sg_key in attachments:
        wanted = state["security_groups"].get(names[sg_key])
        wanted_ids = [wanted["GroupId"]] if wanted else []
        out.append(finding(resource, "private", group_ids == wanted_ids, "Security groups {0}; expected only {1}.".format(
            ", ".join(ids.get(g, g) for g in group_ids) or "none", names[sg_key])))
    for sg_key in SECURITY_GROUP_KEYS:
        name = names[sg_key]
        group = state["security_groups"].get(name)
        if not group:
            continue
        problems = []
        for permission in sorted(actual_permissions(group.get("IpPermissions"), ids), key=str):
            proto, low, high, source = permission
            open_world = source in ("cidr:" + w for w in WORLD)
            if sg_key == "alb_sg":
                if open_world and not (proto == "tcp" and low == high and low in (80, 443)):
                    problems.append(describe_permission(permission))
            elif sg_key in DATA_STORE_PORTS:
                port = DATA_STORE_PORTS[sg_key]
                if not (proto == "tcp" and low == port and high == port and source == "sg:" + names["service_sg"]):
                    problems.append(describe_permission(permission))
            elif open_world:
                problems.append(describe_permission(permission))
        if sg_key == "alb_sg":
            rule_text = "no ingress from 0.0.0.0/0 or ::/0 except tcp 80 and 443"
        elif sg_key in DATA_STORE_PORTS:
            rule_text = "ingress only tcp {0} from {1}".format(DATA_STORE_PORTS[sg_key], names["service_sg"])
        else:
            rule_text = "no ingress from 0.0.0.0/0 or ::/0"
        detail = ("Admits {0}; expected {1}: revoke it.".format("; ".join(problems), rule_text) if problems
                  else "Ingress as expected ({0}).".format(rule_text))
        out.append(finding(name, "private", not problems, detail))
    return out


def rule_sg_rules(state, expected):
    names, out = expected["names"], []
    ids = _group_id_names(state)
    for designed in expected["security_groups"]:
        name = names[designed["key"] + "_sg"]
        group = state["security_groups"].get(name)
        if not group:
            continue
        problems = []
        for direction, rules_key, perms_key in (("ingress", "rules", "IpPermissions"), ("egress", "rules_egress", "IpPermissionsEgress")):
            want = designed_permissions(designed.get(rules_key), ids)
            have = actual_permissions(group.get(perms_key), ids)
            extra = sorted(have - want, key=str)
            missing = sorted(want - have, key=str)
            if extra:
                problems.append("{0} not in the design: {1}".format(direction, "; ".join(describe_permission(p) for p in extra)))
            if missing:
                problems.append("{0} missing: {1}".format(direction, "; ".join(describe_permission(p) for p in missing)))
        detail = ("{0}; re-run site.yml --tags security to restore roles/security's rules.".format("; ".join(problems))
                  if problems else "Ingress and egress as roles/security designs them.")
        out.append(finding(name, "sg-rules", not problems, detail))
    default = state["security_groups"].get(DEFAULT_SECURITY_GROUP)
    if default:
        rules = ["{0} {1}".format(direction, describe_permission(p)) for direction, perms_key in
                 (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress"))
                 for p in sorted(actual_permissions(default.get(perms_key), ids), key=str)]
        detail = ("Has {0}; expected no rules: re-run site.yml --tags network to revoke them.".format("; ".join(rules))
                  if rules else "No ingress and no egress rules.")
        out.append(finding("{0} default security group".format(names["vpc"]), "sg-rules", not rules, detail))
    return out


def rule_backups(state, expected):
    names, out = expected["names"], []
    cluster = state["aurora"]
    if cluster:
        value = cluster.get("BackupRetentionPeriod") or 0
        out.append(finding(names["aurora"], "backups", value >= expected["db_backup_retention_days"],
                           "BackupRetentionPeriod is {0} days; expected at least {1} (streamflix_db_backup_retention_days).".format(
                               value, expected["db_backup_retention_days"])))
    group = state["redis"]
    if group:
        value = group.get("SnapshotRetentionLimit") or 0
        wanted = expected["cache_snapshot_retention_days"]
        out.append(finding(names["redis"], "backups", value >= wanted and (value > 0 or wanted == 0),
                           "SnapshotRetentionLimit is {0} days; expected at least {1} (streamflix_cache_snapshot_retention_days).".format(
                               value, wanted)))
    stream = state["kinesis"]
    if stream:
        value = stream.get("RetentionPeriodHours") or 0
        wanted = max(24, expected["kinesis_retention_hours"])
        out.append(finding(names["ingest_stream"], "backups", value >= wanted,
                           "RetentionPeriodHours is {0}; expected at least {1} (streamflix_kinesis_retention_hours).".format(value, wanted)))
    dlq = state["queues"].get(names["jobs_dlq"])
    if dlq is not None:
        value = int(dlq["attributes"].get("MessageRetentionPeriod") or 0)
        out.append(finding(names["jobs_dlq"], "backups", value == expected["dlq_retention_seconds"],
                           "MessageRetentionPeriod is {0} s; expected {1} s (14 days) so failed jobs can be inspected.".format(
                               value, expected["dlq_retention_seconds"])))
    if state["efs"]:
        value = state["efs_backup"]
        out.append(finding(names["efs"], "backups", value == "ENABLED",
                           "AWS Backup policy is {0}; expected ENABLED.".format(value or "not set")))
    return out


def rule_log_retention(state, expected):
    names, out = expected["names"], []
    for key in LOG_GROUPS:
        log_group = state["log_groups"].get(names[key])
        if log_group is None:
            continue
        value = log_group.get("retentionInDays")
        out.append(finding(names[key], "log-retention", value == expected["log_retention_days"],
                           "retentionInDays is {0}; expected {1} (streamflix_log_retention_days).".format(
                               value if value is not None else "never expire", expected["log_retention_days"])))
    return out


def rule_deletion_protection(state, expected):
    cluster = state["aurora"]
    if not cluster:
        return []
    value = cluster.get("DeletionProtection") is True
    wanted = expected["deletion_protection"]
    return [finding(expected["names"]["aurora"], "deletion-protection", value == wanted,
                    "DeletionProtection is {0}; this environment expects {1} (streamflix_deletion_protection).".format(
                        str(value).lower(), str(wanted).lower()))]


def rule_alarm_actions(state, expected):
    topic_arn = (state["topic"] or {}).get("arn")
    by_name = dict((alarm["AlarmName"], alarm) for alarm in state["alarms"])
    wanted = expected["alarm_names"]
    out = []
    for name in wanted:
        if name not in by_name:
            out.append(finding(name, "alarm-actions", False, "The alarm does not exist; re-run site.yml --tags monitoring."))
    for name in sorted(by_name):
        alarm = by_name[name]
        actions = alarm.get("AlarmActions") or []
        enabled = alarm.get("ActionsEnabled") is True
        wired = bool(topic_arn) and topic_arn in actions
        out.append(finding(name, "alarm-actions", wired and enabled,
                           "AlarmActions {0}, actions {1}; expected the alarm topic {2} with actions enabled.".format(
                               ", ".join(actions) or "empty", "enabled" if enabled else "disabled", topic_arn or expected["names"]["alarm_topic"])))
    return out


def rule_tags(state, expected):
    names, out = expected["names"], []
    tagged = [
        (names["kms_alias"], state["kms_key"], lambda: state["kms_tags"]),
        (names["vpc"], state["vpc"], lambda: boto3_tag_list_to_ansible_dict(state["vpc"].get("Tags", []))),
        (names["aurora"], state["aurora"], lambda: boto3_tag_list_to_ansible_dict(state["aurora"].get("TagList", []))),
        (names["redis"], state["redis"], lambda: state["redis_tags"]),
        (names["efs"], state["efs"], lambda: boto3_tag_list_to_ansible_dict(state["efs"].get("Tags", []))),
        (names["ingest_stream"], state["kinesis"], lambda: state["kinesis_tags"]),
        (names["alarm_topic"], state["topic"], lambda: state["topic"]["tags"]),
        (names["alb"], state["alb"], lambda: state["alb"]["tags"]),
    ]
    for subnet in state["subnets"]:
        tagged.append((_tag(subnet, "Name") or subnet["SubnetId"], subnet, lambda s=subnet: boto3_tag_list_to_ansible_dict(s.get("Tags", []))))
    for key in SECURITY_GROUP_KEYS:
        group = state["security_groups"].get(names[key])
        tagged.append((names[key], group, lambda g=group: boto3_tag_list_to_ansible_dict(g.get("Tags", []))))
    for key in QUEUES:
        queue = state["queues"].get(names[key])
        tagged.append((names[key], queue, lambda q=queue: q["tags"]))
    for key in SECRETS:
        secret = state["secrets"].get(names[key])
        tagged.append((names[key], secret, lambda s=secret: boto3_tag_list_to_ansible_dict(s.get("Tags", []))))
    for key in LOG_GROUPS:
        log_group = state["log_groups"].get(names[key])
        tagged.append((names[key], log_group, lambda g=log_group: g.get("tags", {})))
    for alarm in state["alarms"]:
        tagged.append((alarm["AlarmName"], alarm, lambda a=alarm: boto3_tag_list_to_ansible_dict(a.get("Tags", []))))
    for resource, found, tags in tagged:
        if found:
            out.append(tag_finding(resource, tags(), expected))
    return out


ALL_RULES = (
    rule_exists,
    rule_encryption_at_rest,
    rule_in_transit,
    rule_multi_az,
    rule_private,
    rule_sg_rules,
    rule_backups,
    rule_log_retention,
    rule_deletion_protection,
    rule_alarm_actions,
    rule_tags,
)


def audit(state, expected):
    """Every finding, failures first, then by rule and resource."""
    findings = []
    for rule in ALL_RULES:
        findings.extend(rule(state, expected))
    order = dict((rule, index) for index, rule in enumerate(RULES))
    return sorted(findings, key=lambda f: (f["status"] != "fail", order.get(f["rule"], len(order)), f["resource"]))


def summary(findings):
    return {
        "pass": len([f for f in findings if f["status"] == "pass"]),
        "fail": len([f for f in findings if f["status"] == "fail"]),
        "total": len(findings),
    }


def table(findings):
    """The findings as aligned text lines (status, rule, resource, detail), in the given order, with a count line."""
    rows = [(f["status"].upper(), f["rule"], f["resource"], f["detail"]) for f in findings]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(("STATUS", "RULE", "RESOURCE"))]
    line = "{0:<%d}  {1:<%d}  {2:<%d}  {3}" % tuple(widths)
    lines = [line.format("STATUS", "RULE", "RESOURCE", "DETAIL")] + [line.format(*row) for row in rows]
    counts = summary(findings)
    lines.append("{0} checks: {1} passed, {2} failed".format(counts["total"], counts["pass"], counts["fail"]))
    return lines


# ---------------------------------------------------------------- reads the other module_utils do not have


@AWSRetry.jittered_backoff()
def describe_key(client, key_id):
    try:
        return client.describe_key(KeyId=key_id)["KeyMetadata"]
    except is_boto3_error_code("NotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def key_aliases(client, key_id):
    paginator = client.get_paginator("list_aliases")
    return [a["AliasName"] for a in paginator.paginate(KeyId=key_id).build_full_result().get("Aliases", [])]


@AWSRetry.jittered_backoff()
def key_rotation_enabled(client, key_id):
    return client.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled")


@AWSRetry.jittered_backoff()
def key_tags(client, key_id):
    paginator = client.get_paginator("list_resource_tags")
    tags = paginator.paginate(KeyId=key_id).build_full_result().get("Tags", [])
    return dict((t["TagKey"], t["TagValue"]) for t in tags)


@AWSRetry.jittered_backoff()
def describe_vpcs(client, name, suffix):
    filters = [{"Name": "tag:Name", "Values": [name]}, {"Name": "tag:Environment", "Values": [suffix]}]
    return client.describe_vpcs(Filters=filters)["Vpcs"]


@AWSRetry.jittered_backoff()
def describe_subnets(client, vpc_id):
    paginator = client.get_paginator("describe_subnets")
    return paginator.paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).build_full_result()["Subnets"]


@AWSRetry.jittered_backoff()
def describe_security_groups(client, vpc_id, group_names):
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": list(group_names)}]
    paginator = client.get_paginator("describe_security_groups")
    return paginator.paginate(Filters=filters).build_full_result()["SecurityGroups"]


def queue_state(client, name):
    """The queue's URL, attributes and tags, read with the sqs_queue module's helpers; None when there is none."""
    url = sqs.find_queue_url(client, name)
    attributes = sqs.get_attributes(client, url) if url else None
    if attributes is None:
        return None
    return {"url": url, "attributes": attributes, "tags": sqs.list_tags(client, url)}


def log_group_state(client, name):
    """The log group named exactly ``name`` with its tags, read with the cloudwatch_log_group module's helpers."""
    group = cloudwatch_logs.find_log_group(client, name)
    if group is None:
        return None
    return dict(group, tags=cloudwatch_logs.list_tags(client, cloudwatch_logs.tagging_arn(group)))


@AWSRetry.jittered_backoff()
def service_task_definition(client, cluster, service):
    """The task definition the ECS service runs, or None when there is no such service."""
    try:
        services = client.describe_services(cluster=cluster, services=[service]).get("services") or []
    except is_boto3_error_code("ClusterNotFoundException"):
        return None
    active = [s for s in services if s.get("status") == "ACTIVE"]
    if not active:
        return None
    return client.describe_task_definition(taskDefinition=active[0]["taskDefinition"])["taskDefinition"]


@AWSRetry.jittered_backoff()
def load_balancer_state(client, name):
    try:
        balancer = client.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    except is_boto3_error_code("LoadBalancerNotFound"):
        return None
    arn = balancer["LoadBalancerArn"]
    listeners = client.get_paginator("describe_listeners").paginate(LoadBalancerArn=arn).build_full_result()["Listeners"]
    descriptions = client.describe_tags(ResourceArns=[arn]).get("TagDescriptions", [])
    tags = boto3_tag_list_to_ansible_dict(descriptions[0].get("Tags", [])) if descriptions else {}
    return {"load_balancer": balancer, "listeners": listeners, "tags": tags}


@AWSRetry.jittered_backoff()
def environment_alarms(client, suffix, wanted_names):
    """The metric alarms of the environment: the expected names, and any other of its prefix the monitoring role makes."""
    prefix = "streamflix-{0}-".format(suffix)
    paginator = client.get_paginator("describe_alarms")
    alarms = paginator.paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"]).build_full_result().get("MetricAlarms", [])
    kinds = set(ALARM_KINDS)
    result = []
    for alarm in alarms:
        rest = alarm["AlarmName"][len(prefix):]
        redis = rest.startswith("redis-") and rest[len("redis-") + 4:] in REDIS_ALARM_KINDS and rest[6:9].isdigit()
        # Another environment whose suffix starts with this one's (dev, dev-2) shares the prefix, never a name.
        if alarm["AlarmName"] in wanted_names or rest in kinds or redis:
            tags = client.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])
            result.append(dict(alarm, Tags=tags))
    return result


# ---------------------------------------------------------------------------------------------------------
# What the report draws (verify.yml's report step): where things are and the alarms' thresholds, from the state
# the audit read. Names, ids, zones and numbers only: nothing here is a secret.


def placement(state):
    """The environment's layout by zone: subnets (tier, CIDR), Aurora instances, Redis nodes, EFS mount targets."""
    subnets = [
        {"id": subnet["SubnetId"], "az": subnet.get("AvailabilityZone"), "cidr": subnet.get("CidrBlock"),
         "tier": _tag(subnet, "Tier") or "-", "name": _tag(subnet, "Name") or subnet["SubnetId"]}
        for subnet in state["subnets"]
    ]
    writer = next((m["DBInstanceIdentifier"] for m in (state["aurora"] or {}).get("DBClusterMembers", []) if m.get("IsClusterWriter")), None)
    aurora = [
        {"id": instance["DBInstanceIdentifier"], "az": instance.get("AvailabilityZone"),
         "role": "writer" if instance["DBInstanceIdentifier"] == writer else "reader"}
        for instance in state["aurora_instances"]
    ]
    redis = []
    for group in (state["redis"] or {}).get("NodeGroups", []):
        for member in group.get("NodeGroupMembers", []):
            redis.append({"id": member.get("CacheClusterId"), "az": member.get("PreferredAvailabilityZone"),
                          "role": member.get("CurrentRole") or "-"})
    mount_targets = [
        {"id": target["MountTargetId"], "az": target.get("AvailabilityZoneName"), "subnet_id": target.get("SubnetId")}
        for target in state["efs_mount_targets"]
    ]
    return {
        "vpc_id": (state["vpc"] or {}).get("VpcId"),
        "vpc_cidr": (state["vpc"] or {}).get("CidrBlock"),
        "subnets": sorted(subnets, key=lambda s: (s["az"] or "", s["tier"], s["id"])),
        "aurora_instances": sorted(aurora, key=lambda i: (i["role"] != "writer", i["id"])),
        "redis_nodes": sorted(redis, key=lambda n: n["id"] or ""),
        "efs_mount_targets": sorted(mount_targets, key=lambda t: t["az"] or ""),
    }


def alarm_thresholds(alarms):
    """Each alarm the audit read: what it watches, its threshold and comparison, its current state.

    A metric math alarm (Metrics) is described by its metrics' namespace, names, statistic and period, and the
    expression that returns its data.
    """
    result = []
    for alarm in alarms:
        stats = [item["MetricStat"] for item in alarm.get("Metrics") or [] if item.get("MetricStat")]
        first = stats[0] if stats else {}
        expression = next((item.get("Expression") for item in alarm.get("Metrics") or []
                           if item.get("Expression") and item.get("ReturnData", True)), None)
        result.append({
            "name": alarm["AlarmName"],
            "namespace": alarm.get("Namespace") or first.get("Metric", {}).get("Namespace"),
            "metric": alarm.get("MetricName") or ", ".join(sorted(set(s["Metric"]["MetricName"] for s in stats))) or None,
            "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or first.get("Metric", {}).get("Dimensions", [])},
            "expression": expression,
            "statistic": alarm.get("Statistic") or alarm.get("ExtendedStatistic") or first.get("Stat"),
            "comparison": alarm.get("ComparisonOperator"),
            "threshold": alarm.get("Threshold"),
            "period": alarm.get("Period") or first.get("Period"),
            "evaluation_periods": alarm.get("EvaluationPeriods"),
            "state": alarm.get("StateValue"),
            "actions_enabled": alarm.get("ActionsEnabled"),
            "alarm_actions": list(alarm.get("AlarmActions", [])),
        })
    return sorted(result, key=lambda a: a["name"])
