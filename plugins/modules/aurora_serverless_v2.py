#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aurora_serverless_v2
short_description: Manage an Aurora PostgreSQL Serverless v2 cluster, its instances and its subnet group
version_added: 0.1.0
description:
  - Creates, converges or deletes one Aurora PostgreSQL Serverless v2 DB cluster together with its DB subnet group
    and its instances, a writer plus O(reader_count) readers of class C(db.serverless), none publicly accessible.
  - The master password is always managed by AWS in Secrets Manager (C(ManageMasterUserPassword)), encrypted with
    O(master_user_secret_kms_key_id); the module never takes, prints or returns a password, only the secret's ARN.
  - The module owns a DB subnet group named like the cluster, built from O(subnet_ids); it creates it, changes its
    subnets when O(subnet_ids) changes, and deletes it after the cluster with O(state=absent).
  - Instances are named C(<cluster_identifier>-1) (the first, the writer), C(<cluster_identifier>-2) and so on. New
    instances take the lowest free numbers and are spread round robin over O(availability_zones) by number (C(-1) in
    the first zone, C(-2) in the second, ...). When O(reader_count) shrinks, the highest-numbered readers are removed;
    the writer (after a failover, whichever instance it is) and instances the module did not name are never removed.
    An existing instance is not moved to another zone; one that is not C(db.serverless) or is publicly accessible is
    modified back.
  - "Settings left unset (C(null)) get AWS's default when the cluster is created and are left alone afterwards. Set
    ones are compared with AWS and only those that differ are sent: min/max ACU, engine version (upgrades), port,
    security groups, backup retention and window, maintenance window, log exports, deletion protection and copying
    tags to snapshots with C(ModifyDBCluster) and C(ApplyImmediately); the Data API with C(EnableHttpEndpoint) /
    C(DisableHttpEndpoint), which the API reference prescribes for Serverless v2 clusters."
  - Settings fixed at creation (O(engine), O(database_name), O(master_username), O(storage_encrypted), O(kms_key_id),
    O(master_user_secret_kms_key_id)) are compared too; when one differs the module fails and names it, because only a
    new cluster (and a data migration) could change it, which the module will not do silently.
  - "Why this module: amazon.aws.rds_cluster cannot ask AWS to manage the master password with our own KMS key,
    knows nothing of the cluster's instances (readers must be added and removed with separate rds_instance tasks in
    the right order), does not manage the subnet group, and switches the Data API through ModifyDBCluster, which
    applies only to Serverless v1."
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description:
      - Whether the cluster should exist.
      - "With V(absent) the module removes the readers (highest number first), then the writer, then the cluster (AWS
        accepts DeleteDBCluster as soon as every instance is C(deleting)), then the subnet group. AWS refuses to delete
        a subnet group that a cluster still uses, so with O(wait=true) the module waits for the cluster to be gone
        (up to O(wait_timeout)) first; with O(wait=false) it starts the deletions and leaves the subnet group of a
        cluster still being deleted to a later run (the teardown waits for all slow deletions once, then runs it
        again)."
      - "If deletion protection is on in AWS, V(absent) fails, naming the cluster, unless O(deletion_protection=false)
        is also given: then the protection is lifted first. This keeps a protected production database from being
        deleted by a plain teardown."
    type: str
    choices: [present, absent]
    default: present
  cluster_identifier:
    description:
      - The DB cluster identifier; also the name of the subnet group and the prefix of the instance identifiers.
      - 1-63 lowercase letters, digits or hyphens, starting with a letter; C(<cluster_identifier>-<N>) must fit in 63.
    type: str
    required: true
    aliases: [id]
  engine:
    description: The engine. Fixed at creation.
    type: str
    choices: [aurora-postgresql]
    default: aurora-postgresql
  engine_version:
    description:
      - The engine version, for example V(16.4), or only its major version (V(16)), which any 16.x satisfies.
      - A higher version is applied in place; a new major version only with O(allow_major_version_upgrade=true).
        A lower version than AWS reports (after an automatic minor upgrade) is left alone, with a warning.
    type: str
  allow_major_version_upgrade:
    description: Whether O(engine_version) may move the cluster to a new major version.
    type: bool
    default: false
  database_name:
    description: The name of the database created with the cluster. Fixed at creation.
    type: str
  master_username:
    description: The master user name. Fixed at creation. Required when O(state=present).
    type: str
  master_user_secret_kms_key_id:
    description:
      - The KMS key (ARN, id or alias) that encrypts the AWS-managed master secret. Defaults to O(kms_key_id).
      - Fixed once AWS manages the secret.
    type: str
  min_capacity:
    description: The minimum Aurora capacity units, V(0) (auto-pause, where the engine version supports it) or 0.5 to 256 in steps of 0.5.
    type: float
  max_capacity:
    description: The maximum Aurora capacity units, 1 to 256 in steps of 0.5, not less than O(min_capacity).
    type: float
  reader_count:
    description: How many readers besides the writer.
    type: int
    default: 0
  availability_zones:
    description: The zones the instances are spread over, round robin by instance number. Omitted, AWS places them.
    type: list
    elements: str
  subnet_ids:
    description:
      - The subnets of the DB subnet group the module keeps for the cluster (the private subnets; at least two zones).
      - Required when O(state=present).
    type: list
    elements: str
  vpc_security_group_ids:
    description: The VPC security groups of the cluster. Omitted, AWS uses the VPC's default group at creation.
    type: list
    elements: str
  storage_encrypted:
    description: Whether the storage is encrypted. Fixed at creation.
    type: bool
    default: true
  kms_key_id:
    description: The KMS key (ARN, id or alias) that encrypts the storage. Omitted, AWS uses C(aws/rds). Fixed at creation.
    type: str
  port:
    description: The port the cluster listens on. Omitted, 5432.
    type: int
  backup_retention_period:
    description: How many days automated backups are kept, 1 to 35.
    type: int
  preferred_backup_window:
    description: The daily backup window, C(hh24:mi-hh24:mi) in UTC, at least 30 minutes.
    type: str
  preferred_maintenance_window:
    description: The weekly maintenance window, C(ddd:hh24:mi-ddd:hh24:mi) in UTC.
    type: str
  enable_cloudwatch_logs_exports:
    description: The log types exported to CloudWatch Logs, for example V([postgresql]); V([]) exports none.
    type: list
    elements: str
  deletion_protection:
    description:
      - Whether the cluster is protected from deletion.
      - With O(state=absent), V(false) lifts the protection so the cluster can be deleted; see O(state).
    type: bool
  copy_tags_to_snapshot:
    description: Whether the cluster's tags are copied to its snapshots.
    type: bool
  enable_http_endpoint:
    description: Whether the RDS Data API (the HTTP endpoint) is enabled.
    type: bool
  enable_iam_database_authentication:
    description:
      - Whether IAM database authentication is on (database users with the C(rds_iam) role log in with an IAM token).
      - Changed in place (ModifyDBCluster, applied immediately); omitted, AWS's default at creation (off) and left alone.
    type: bool
  db_cluster_parameter_group_name:
    description:
      - The DB cluster parameter group of the cluster (its family must match the engine version). Omitted, AWS uses
        the default group at creation and the group is left alone afterwards.
      - A different group is applied in place (C(ModifyDBCluster), C(ApplyImmediately)); its dynamic parameters take
        effect at once. Instances that AWS reports as C(pending-reboot) for the cluster parameter group (static
        parameters) are listed in RV(pending_reboot) with a warning; the module does not reboot them.
    type: str
  skip_final_snapshot:
    description: With O(state=absent), delete without a final snapshot. Either this or O(final_snapshot_identifier) is required.
    type: bool
    default: false
  final_snapshot_identifier:
    description:
      - With O(state=absent), the identifier of the final cluster snapshot AWS takes as it deletes the cluster.
      - 1-255 letters, digits or hyphens, starting with a letter, without a trailing or double hyphen (DeleteDBCluster's
        rule); AWS keeps it in lower case. The cluster's tags are copied to it when O(copy_tags_to_snapshot) is on.
      - It must not name an existing snapshot; the module checks that before it changes anything, because AWS would only
        refuse it after the instances were deleted. Include a date or time to delete the same cluster again later.
    type: str
  wait:
    description:
      - Whether to wait until the cluster and all its instances are available (or, with O(state=absent), gone).
      - With V(false) the module starts the changes and returns at once; create the cluster and its instances this
        way and wait for all slow resources together later.
      - Whatever O(wait) says, a change AWS refuses because the cluster is busy with another one (C(modifying), AWS
        answers C(InvalidDBClusterStateFault)) is made again once the cluster is available, within O(wait_timeout).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait in all.
    type: int
    default: 1800
  tags:
    description:
      - Tags for the cluster; its instances and its subnet group carry the same tags.
      - Omitted, the tags are left alone.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Aurora PostgreSQL Serverless v2, a writer and one reader, started without waiting
  streamflix.media_platform.aurora_serverless_v2:
    cluster_identifier: streamflix-db-dev
    engine_version: "16.4"
    database_name: media
    master_username: streamflix
    kms_key_id: "{{ kms_key_arn }}"
    min_capacity: 0.5
    max_capacity: 2
    reader_count: 1
    availability_zones: [us-east-1a, us-east-1b]
    subnet_ids: "{{ private_subnet_ids }}"
    vpc_security_group_ids: ["{{ database_sg_id }}"]
    backup_retention_period: 7
    preferred_backup_window: "03:00-03:30"
    preferred_maintenance_window: "sun:04:00-sun:04:30"
    enable_cloudwatch_logs_exports: [postgresql]
    deletion_protection: false
    copy_tags_to_snapshot: true
    enable_http_endpoint: true
    wait: false
    tags:
      Project: streamflix
      Environment: dev
  register: database

- name: Delete it with a final snapshot named for the time of deletion, lifting deletion protection first
  streamflix.media_platform.aurora_serverless_v2:
    cluster_identifier: streamflix-db-prod
    state: absent
    deletion_protection: false
    final_snapshot_identifier: "streamflix-db-prod-final-{{ now(utc=true, fmt='%Y%m%d%H%M%S') }}"
"""

RETURN = r"""
cluster:
  description: The cluster after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    identifier:
      description: The DB cluster identifier.
      type: str
      sample: streamflix-db-dev
    arn:
      description: The cluster's ARN; C(null) for one that check mode would create.
      type: str
    status:
      description: The cluster's status, for example C(creating) or C(available).
      type: str
    engine:
      description: The engine.
      type: str
    engine_version:
      description: The engine version.
      type: str
    database_name:
      description: The database created with the cluster.
      type: str
    master_username:
      description: The master user name.
      type: str
    master_user_secret_arn:
      description: The ARN of the Secrets Manager secret that holds the master credentials.
      type: str
    master_user_secret_kms_key_id:
      description: The KMS key of that secret.
      type: str
    endpoint:
      description: The writer endpoint.
      type: str
      sample: streamflix-db-dev.cluster-abc.us-east-1.rds.amazonaws.com
    reader_endpoint:
      description: The reader endpoint.
      type: str
    port:
      description: The port.
      type: int
      sample: 5432
    min_capacity:
      description: The minimum ACU.
      type: float
    max_capacity:
      description: The maximum ACU.
      type: float
    db_subnet_group_name:
      description: The DB subnet group.
      type: str
    subnet_ids:
      description: The subnets of the DB subnet group.
      type: list
      elements: str
    vpc_security_group_ids:
      description: The VPC security groups.
      type: list
      elements: str
    storage_encrypted:
      description: Whether the storage is encrypted.
      type: bool
    kms_key_id:
      description: The storage's KMS key.
      type: str
    backup_retention_period:
      description: Days automated backups are kept.
      type: int
    preferred_backup_window:
      description: The backup window.
      type: str
    preferred_maintenance_window:
      description: The maintenance window.
      type: str
    enabled_cloudwatch_logs_exports:
      description: The exported log types.
      type: list
      elements: str
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    copy_tags_to_snapshot:
      description: Whether tags are copied to snapshots.
      type: bool
    iam_database_authentication_enabled:
      description: Whether IAM database authentication is on.
      type: bool
    http_endpoint_enabled:
      description: Whether the Data API is enabled.
      type: bool
    db_cluster_parameter_group_name:
      description: The cluster's DB cluster parameter group.
      type: str
    pending_reboot:
      description: The instances AWS reports as C(pending-reboot) for the cluster parameter group.
      type: list
      elements: str
    tags:
      description: The cluster's tags.
      type: dict
    instances:
      description: The cluster's instances, by number.
      type: list
      elements: dict
      contains:
        id:
          description: The DB instance identifier.
          type: str
          sample: streamflix-db-dev-1
        role:
          description: C(writer) or C(reader).
          type: str
        availability_zone:
          description: The instance's zone (C(null) until AWS has placed it).
          type: str
        status:
          description: The instance's status.
          type: str
        instance_class:
          description: The instance class, C(db.serverless).
          type: str
        publicly_accessible:
          description: Whether the instance is publicly accessible (always C(false) once converged).
          type: bool
final_snapshot_identifier:
  description:
    - With O(state=absent), the identifier of the final DB cluster snapshot this run had AWS take as it deleted the
      cluster (in check mode, would have); C(null) when no cluster was deleted or without a final snapshot.
  returned: always
  type: str
  sample: streamflix-db-prod-final-20250101120000
pending_reboot:
  description: The instances AWS reports as C(pending-reboot) for the cluster parameter group (after the change).
  returned: always
  type: list
  elements: str
changes:
  description: What the module changed (or, in check mode, would change), in order.
  returned: always
  type: list
  elements: str
  sample: ["modify cluster: max_capacity, backup_retention_period", "create instance streamflix-db-dev-3 (reader) in us-east-1a"]
diff:
  description: The cluster before and after.
  returned: always
  type: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import rds

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


class Run:
    """What one run of the module works with: the module, the RDS client, a deadline and the changes made so far."""

    def __init__(self, module, client, identifier):
        self.module = module
        self.client = client
        self.identifier = identifier
        self.deadline = time.time() + module.params["wait_timeout"]
        self.changes = []
        self.final_snapshot = None  # the final snapshot's identifier, once the cluster is deleted with one

    def call(self, description, function, *args):
        """Record ``description``; in check mode call nothing, else call ``function`` and fail with the description."""
        self.changes.append(description)
        if self.module.check_mode:
            return None
        try:
            return function(self.client, *args)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not {0}".format(description))

    def read(self, description, function, *args):
        try:
            return function(self.client, *args)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not {0}".format(description))

    def wait(self, waiter_name, what, **params):
        try:
            rds.wait_for(self.client, waiter_name, self.deadline - time.time(), **params)
        except botocore.exceptions.WaiterError as e:
            self.module.fail_json_aws(
                e,
                msg="Gave up waiting for {0} after {1} seconds; it is still changing in AWS. Re-run (the module "
                "picks up where it is) or raise wait_timeout".format(what, self.module.params["wait_timeout"]),
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not wait for {0}".format(what))


def read_state(run):
    """(cluster entry or None, instance entries, subnet group or None)."""
    cluster = run.read("describe DB cluster " + run.identifier, rds.describe_cluster, run.identifier)
    instances = run.read("list the instances of " + run.identifier, rds.describe_cluster_instances, run.identifier) if cluster else []
    group = run.read("describe DB subnet group " + run.identifier, rds.describe_subnet_group, run.identifier)
    return cluster, instances, group


def current_view(run, cluster, instances, group):
    tags = run.read("list the tags of " + run.identifier, rds.list_tags, cluster["DBClusterArn"]) if cluster else None
    return rds.cluster_view(cluster, instances, group, tags)


def resolve_keys(module, params):
    """Key aliases resolved to key ARNs, so they compare with what RDS reports."""
    aliases = [name for name in rds.KEY_OPTIONS if rds.is_alias(params.get(name))]
    if not aliases:
        return params
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    resolved = dict(params)
    for name in aliases:
        try:
            resolved[name] = kms.describe_key(KeyId=params[name], aws_retry=True)["KeyMetadata"]["Arn"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not find the KMS key {0} given as {1}".format(params[name], name))
    return resolved


# ---------------------------------------------------------------- present


def sync_tags(run, arn, what, current, desired):
    """Bring the tags of ``arn`` to ``desired``; returns the tags after."""
    if desired is None:
        return current
    to_set, to_unset = compare_aws_tags(current, desired, run.module.params["purge_tags"])
    if to_unset:
        run.call("remove tags {0} from {1}".format(", ".join(sorted(to_unset)), what), rds.remove_tags, arn, to_unset)
    if to_set:
        run.call("set tags {0} on {1}".format(", ".join(sorted(to_set)), what), rds.add_tags, arn, to_set)
    after = {k: v for k, v in current.items() if k not in to_unset}
    after.update(to_set)
    return after


def ensure_subnet_group(run, group, desired):
    name = run.identifier
    if group is None:
        run.call("create DB subnet group " + name, rds.create_subnet_group, name, desired["subnet_ids"], desired["tags"])
        return
    have = sorted(s["SubnetIdentifier"] for s in group.get("Subnets", []))
    if have != desired["subnet_ids"]:
        description = "set the subnets of DB subnet group {0} to {1}".format(name, ", ".join(desired["subnet_ids"]))
        run.call(description, rds.modify_subnet_group, name, desired["subnet_ids"])
    if desired["tags"] is not None and group.get("DBSubnetGroupArn"):
        current = run.read("list the tags of DB subnet group " + name, rds.list_tags, group["DBSubnetGroupArn"])
        sync_tags(run, group["DBSubnetGroupArn"], "DB subnet group " + name, current, desired["tags"])


def projected_new_cluster(desired):
    """What check mode reports for a cluster it would create."""
    return {
        "identifier": desired["identifier"],
        "arn": None,
        "status": "creating",
        "engine": desired["engine"],
        "engine_version": desired["engine_version"],
        "database_name": desired["database_name"],
        "master_username": desired["master_username"],
        "master_user_secret_arn": None,
        "master_user_secret_kms_key_id": desired["master_user_secret_kms_key_id"],
        "endpoint": None,
        "reader_endpoint": None,
        "port": desired["port"],
        "min_capacity": desired["min_capacity"],
        "max_capacity": desired["max_capacity"],
        "db_subnet_group_name": desired["identifier"],
        "subnet_ids": desired["subnet_ids"],
        "vpc_security_group_ids": desired["vpc_security_group_ids"],
        "storage_encrypted": desired["storage_encrypted"],
        "kms_key_id": desired["kms_key_id"],
        "backup_retention_period": desired["backup_retention_period"],
        "preferred_backup_window": desired["preferred_backup_window"],
        "preferred_maintenance_window": desired["preferred_maintenance_window"],
        "enabled_cloudwatch_logs_exports": desired["enabled_cloudwatch_logs_exports"] or [],
        "deletion_protection": bool(desired["deletion_protection"]),
        "copy_tags_to_snapshot": bool(desired["copy_tags_to_snapshot"]),
        "iam_database_authentication_enabled": bool(desired["iam_database_authentication_enabled"]),
        "http_endpoint_enabled": bool(desired["http_endpoint_enabled"]),
        "db_cluster_parameter_group_name": desired["db_cluster_parameter_group_name"],
        "pending_reboot": [],
        "tags": desired["tags"] or {},
        "instances": [],
    }


def projected_instance(identifier, zone, role):
    return {"id": identifier, "role": role, "availability_zone": zone, "status": "creating", "instance_class": rds.INSTANCE_CLASS, "publicly_accessible": False}


def check_immutable(run, current, desired):
    conflicts = rds.immutable_conflicts(current, desired)
    if conflicts:
        details = "; ".join("{0} is {1!r} in AWS, {2!r} asked".format(name, have, want) for name, have, want in conflicts)
        run.module.fail_json(
            msg="Cluster {0} cannot change {1} in place: {2}. That would need a new cluster (and moving the data), which "
            "this module will not do silently; set the option back to what AWS has, or replace the cluster deliberately "
            "(state=absent with a final snapshot, then create it again).".format(run.identifier, ", ".join(c[0] for c in conflicts), details),
            conflicts=[dict(option=name, current=have, desired=want) for name, have, want in conflicts],
        )
    change = rds.version_change(current["engine_version"], desired["engine_version"])
    if change == "major" and not run.module.params["allow_major_version_upgrade"]:
        run.module.fail_json(
            msg="Cluster {0} runs {1}; engine_version {2} is a new major version. Set allow_major_version_upgrade=true "
            "to upgrade it in place.".format(run.identifier, current["engine_version"], desired["engine_version"])
        )
    if change == "downgrade":
        run.module.warn(
            "Cluster {0} runs {1}, newer than engine_version {2} (AWS upgraded it); left as it is. Update "
            "engine_version to silence this.".format(run.identifier, current["engine_version"], desired["engine_version"])
        )


def modify_when_available(run, description, request):
    """ModifyDBCluster, made again once the cluster is available when AWS refuses it because the cluster is busy
    (a change in progress: InvalidDBClusterStateFault, "The requested operation can't be performed while the
    cluster is in this state"), within wait_timeout."""
    run.changes.append(description)
    if run.module.check_mode:
        return None
    while True:
        try:
            return rds.modify_cluster(run.client, run.identifier, request)
        except is_boto3_error_code("InvalidDBClusterStateFault") as e:
            if time.time() >= run.deadline:
                run.module.fail_json_aws(e, msg="Could not {0}: the cluster stayed busy until wait_timeout".format(description))
            run.wait("cluster_available", "cluster {0} to be available to change it".format(run.identifier), DBClusterIdentifier=run.identifier)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            run.module.fail_json_aws(e, msg="Could not {0}".format(description))


def converge_cluster(run, current, desired):
    """Modify the settings that differ; returns the projected view."""
    request, changed = rds.cluster_modifications(current, desired)
    if request:
        modify_when_available(run, "modify cluster {0}: {1}".format(run.identifier, ", ".join(changed)), request)
    after = rds.apply_modifications(current, desired, changed)
    if desired["http_endpoint_enabled"] is not None and desired["http_endpoint_enabled"] != current["http_endpoint_enabled"]:
        verb = "enable" if desired["http_endpoint_enabled"] else "disable"
        description = "{0} the Data API (HTTP endpoint) of {1}".format(verb, run.identifier)
        run.call(description, rds.set_http_endpoint, current["arn"], desired["http_endpoint_enabled"])
        after["http_endpoint_enabled"] = desired["http_endpoint_enabled"]
    after["subnet_ids"] = desired["subnet_ids"]
    after["tags"] = sync_tags(run, current["arn"], "cluster " + run.identifier, current["tags"], desired["tags"])
    return after


def converge_instances(run, view, instance_entries, desired, engine):
    """Add, remove and fix instances; returns the projected instance views and the ids to wait for."""
    instances = view["instances"]
    to_add, to_remove = rds.plan_instances(run.identifier, instances, desired["reader_count"], desired["availability_zones"])
    tags = desired["tags"] if desired["tags"] is not None else view["tags"]
    after = []
    for identifier in to_remove:  # highest number first
        run.call("delete instance {0} (reader)".format(identifier), rds.delete_instance, identifier)
    for instance in instances:
        if instance["id"] in to_remove:
            continue
        fixes = rds.instance_fixes(instance)
        if fixes:
            run.call("modify instance {0}: {1}".format(instance["id"], ", ".join(sorted(fixes))), rds.modify_instance, instance["id"], fixes)
            instance = dict(instance, instance_class=rds.INSTANCE_CLASS, publicly_accessible=False)
        entry = [e for e in instance_entries if e["DBInstanceIdentifier"] == instance["id"]]
        if desired["tags"] is not None and entry:
            current_tags = run.read("list the tags of instance " + instance["id"], rds.list_tags, entry[0]["DBInstanceArn"])
            sync_tags(run, entry[0]["DBInstanceArn"], "instance " + instance["id"], current_tags, desired["tags"])
        after.append(instance)
    has_writer = any(i["role"] == "writer" for i in after)
    for identifier, zone in to_add:
        role = "reader" if has_writer else "writer"
        has_writer = True
        where = " in " + zone if zone else ""
        run.call("create instance {0} ({1}){2}".format(identifier, role, where), rds.create_instance, run.identifier, identifier, engine, zone, tags)
        after.append(projected_instance(identifier, zone, role))
    return after, to_remove


def ensure_present(run, params):
    desired = rds.desired_settings(params)
    cluster, instance_entries, group = read_state(run)
    before = current_view(run, cluster, instance_entries, group)
    if cluster and cluster.get("Status") == "deleting":
        run.module.fail_json(msg="Cluster {0} is being deleted; wait until it is gone, then run again to create it.".format(run.identifier))

    if not cluster:
        ensure_subnet_group(run, group, desired)
        request = rds.create_cluster_request(desired, run.identifier)
        run.call("create cluster " + run.identifier, rds.create_cluster, request)
        projected = projected_new_cluster(desired)
        projected["instances"], removed = converge_instances(run, projected, [], desired, desired["engine"])
    else:
        check_immutable(run, before, desired)
        ensure_subnet_group(run, group, desired)
        projected = converge_cluster(run, before, desired)
        projected["instances"], removed = converge_instances(run, projected, instance_entries, desired, before["engine"])

    changed = bool(run.changes)
    if run.module.check_mode or not changed:
        after = projected if changed else before
    else:
        after = current_view(run, *read_state(run))
    if run.module.params["wait"] and not run.module.check_mode:
        for identifier in removed:
            run.wait("instance_deleted", "instance {0} to be deleted".format(identifier), DBInstanceIdentifier=identifier)
        run.wait("cluster_available", "cluster {0} to be available".format(run.identifier), DBClusterIdentifier=run.identifier)
        kept = [i["id"] for i in after["instances"] if i["id"] not in removed]
        if kept:
            run.wait(
                "instances_available",
                "the instances of {0} to be available".format(run.identifier),
                Filters=[{"Name": "db-instance-id", "Values": kept}],
            )
        if changed:
            after = current_view(run, *read_state(run))
    return changed, before, after


# ---------------------------------------------------------------- absent


def check_final_snapshot_is_free(run, final):
    """Fail before any change when the final snapshot's identifier is taken: AWS would refuse DeleteDBCluster only after
    the instances were already gone."""
    existing = run.read("look for DB cluster snapshot " + final, rds.describe_cluster_snapshot, final.lower())
    if existing:
        run.module.fail_json(
            msg="Cluster {0} was not deleted: a DB cluster snapshot named {1} already exists (of cluster {2}). Give "
            "final_snapshot_identifier a name no snapshot has yet.".format(run.identifier, final, existing.get("DBClusterIdentifier"))
        )


def ensure_absent(run, params):
    cluster, instance_entries, group = read_state(run)
    before = current_view(run, cluster, instance_entries, group)
    if cluster and cluster.get("Status") != "deleting":
        if params["final_snapshot_identifier"]:
            check_final_snapshot_is_free(run, params["final_snapshot_identifier"])
        if before["deletion_protection"]:
            if params["deletion_protection"] is not False:
                run.module.fail_json(
                    msg="Cluster {0} has deletion protection on, so it was not deleted. To delete it, also set "
                    "deletion_protection: false (the module then lifts the protection first).".format(run.identifier)
                )
            run.call("lift the deletion protection of " + run.identifier, rds.modify_cluster, run.identifier, {"DeletionProtection": False})
        live = [i for i in before["instances"] if i["status"] not in ("deleting", "deleted")]
        # Readers first, highest number first, the writer last.
        live.sort(key=lambda i: (i["role"] == "writer", -(rds.instance_number(run.identifier, i["id"]) or 0)))
        for instance in live:
            run.call("delete instance {0} ({1})".format(instance["id"], instance["role"]), rds.delete_instance, instance["id"])
        final = params["final_snapshot_identifier"]
        snapshot = "with final snapshot " + final if final else "without a final snapshot"
        run.call("delete cluster {0} {1}".format(run.identifier, snapshot), rds.delete_cluster, run.identifier, final)
        run.final_snapshot = final.lower() if final else None  # AWS keeps snapshot identifiers in lower case
    if group and cluster and not run.module.params["wait"]:
        # AWS refuses to delete a subnet group in use: a later run, once the cluster is gone, deletes it.
        run.module.warn("DB subnet group {0} is left until cluster {0} is gone (wait=false); run the module again then.".format(run.identifier))
    elif group:
        if cluster and not run.module.check_mode:
            # AWS refuses to delete a subnet group in use: the cluster must be gone first.
            run.wait("cluster_deleted", "cluster {0} to be deleted".format(run.identifier), DBClusterIdentifier=run.identifier)
        run.call("delete DB subnet group " + run.identifier, rds.delete_subnet_group, run.identifier)
    elif cluster and run.module.params["wait"] and not run.module.check_mode:
        run.wait("cluster_deleted", "cluster {0} to be deleted".format(run.identifier), DBClusterIdentifier=run.identifier)
    return bool(run.changes), before, {}


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cluster_identifier=dict(type="str", required=True, aliases=["id"]),
        engine=dict(type="str", choices=["aurora-postgresql"], default="aurora-postgresql"),
        engine_version=dict(type="str"),
        allow_major_version_upgrade=dict(type="bool", default=False),
        database_name=dict(type="str"),
        master_username=dict(type="str"),
        master_user_secret_kms_key_id=dict(type="str"),
        min_capacity=dict(type="float"),
        max_capacity=dict(type="float"),
        reader_count=dict(type="int", default=0),
        availability_zones=dict(type="list", elements="str"),
        subnet_ids=dict(type="list", elements="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        storage_encrypted=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        port=dict(type="int"),
        backup_retention_period=dict(type="int"),
        preferred_backup_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        enable_cloudwatch_logs_exports=dict(type="list", elements="str"),
        deletion_protection=dict(type="bool"),
        copy_tags_to_snapshot=dict(type="bool"),
        enable_http_endpoint=dict(type="bool"),
        enable_iam_database_authentication=dict(type="bool"),
        db_cluster_parameter_group_name=dict(type="str"),
        skip_final_snapshot=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["master_username", "min_capacity", "max_capacity", "subnet_ids"])],
        supports_check_mode=True,
    )
    params = dict(module.params, cluster_identifier=module.params["cluster_identifier"].lower())
    errors = rds.input_errors(params)
    if errors:
        module.fail_json(msg="Invalid arguments: " + "; ".join(errors), errors=errors)

    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    run = Run(module, client, params["cluster_identifier"])
    if params["state"] == "absent":
        changed, before, after = ensure_absent(run, params)
    else:
        changed, before, after = ensure_present(run, resolve_keys(module, params))

    pending_reboot = after.get("pending_reboot") or []
    if pending_reboot:
        module.warn(
            "Instances {0} of cluster {1} wait for a reboot to apply static parameters of the cluster parameter group "
            "{2}; reboot them (readers first) in a maintenance window.".format(
                ", ".join(pending_reboot), params["cluster_identifier"], after.get("db_cluster_parameter_group_name")
            )
        )
    module.exit_json(
        changed=changed,
        pending_reboot=pending_reboot,
        cluster=after,
        changes=run.changes,
        final_snapshot_identifier=run.final_snapshot,
        diff=dict(before=before, after=after),
    )


if __name__ == "__main__":
    main()
