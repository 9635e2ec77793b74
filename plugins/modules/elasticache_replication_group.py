#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: Manage an ElastiCache Redis OSS or Valkey replication group and its subnet group
version_added: 0.1.0
description:
  - Creates, modifies in place or deletes one cluster-mode-disabled ElastiCache replication group (a primary
    plus up to five replicas) running Redis OSS or Valkey, with Multi-AZ, automatic failover, encryption at
    rest and in transit and an AUTH token.
  - Neither amazon.aws nor community.aws manages replication groups (community.aws.elasticache manages single
    cache clusters only), which is why this module exists.
  - Changes AWS makes in place are sent with C(ApplyImmediately) and only for what differs
    (ModifyReplicationGroup for the node type, engine and version, parameter group, security groups,
    snapshot and maintenance settings, failover and Multi-AZ; IncreaseReplicaCount or DecreaseReplicaCount
    for O(num_cache_clusters)). When more than one call is needed, the module waits for the group to be
    available between them, as AWS requires, even with O(wait=false).
  - Changes AWS cannot make in place (at-rest encryption or its KMS key, transit encryption, a Valkey group back
    to Redis OSS, an engine version downgrade, another subnet group) are never made by replacing the group
    silently; the module fails before changing anything and lists them in RV(replacement_needed).
  - B(Subnet group.) With O(subnet_ids) the module owns a cache subnet group named like the replication group
    (O(replication_group_id)); it creates it, changes its subnets when O(subnet_ids) change, and deletes it after
    the replication group on O(state=absent). With O(cache_subnet_group_name) the group uses an existing subnet
    group that the module never changes or deletes.
  - B(AUTH token.) AWS never returns the token, so the module cannot tell whether the token in O(auth_token) is
    the one the group has. It sends the token only when it creates the group, when the group has no AUTH
    yet (adding it, with the C(ROTATE) strategy), or when O(rotate_auth_token=true). A rotation takes two runs,
    O(auth_token_update_strategy=ROTATE) with the new token (both tokens work while clients move), then
    O(auth_token_update_strategy=SET) with the same token (only the new one works). The token is never
    logged or returned.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the replication group (and the subnet group the module owns) should exist.
    type: str
    choices: [present, absent]
    default: present
  replication_group_id:
    description:
      - The replication group's id; also the name of the subnet group made from O(subnet_ids).
      - 1 to 40 lowercase letters, digits and hyphens, starting with a letter, without two consecutive hyphens
        or a trailing hyphen.
    type: str
    required: true
  description:
    description: The group's description. Defaults to O(replication_group_id) on creation; changed in place.
    type: str
  engine:
    description: The engine. A Redis OSS group can be upgraded to Valkey in place (give O(engine_version) too); back needs a new group.
    type: str
    choices: [redis, valkey]
    default: redis
  engine_version:
    description:
      - The engine version, such as C(7.1) or C(8.0). AWS reports the patch level (C(7.1.0)), which matches C(7.1).
      - Upgraded in place; a lower version needs a new group. Omitted, AWS picks the newest and later runs keep it.
    type: str
  cache_node_type:
    description: The node type, such as C(cache.t4g.micro). Required when O(state=present); changed in place.
    type: str
  num_cache_clusters:
    description: The number of nodes, the primary plus replicas (1 to 6); changed in place.
    type: int
    default: 2
  automatic_failover:
    description: Whether a replica is promoted when the primary fails. Needs O(num_cache_clusters) of 2 or more.
    type: bool
    default: true
  multi_az:
    description: Whether the nodes are spread over AZs with failover to another AZ. Needs O(automatic_failover=true).
    type: bool
    default: true
  at_rest_encryption:
    description: Whether data at rest is encrypted. Fixed at creation.
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key (id, ARN or alias) that encrypts data at rest; omitted, AWS's own key. Fixed at creation.
      - Needs O(at_rest_encryption=true).
    type: str
  transit_encryption:
    description: Whether connections must use TLS. Fixed at creation by this module; required for O(auth_token).
    type: bool
    default: true
  auth_token:
    description:
      - The AUTH token (password) clients must give, read by the caller from Secrets Manager.
      - 16 to 128 characters, ASCII letters, digits and only the special characters C(!&#$^<>-) (AWS's rule).
      - Sent only on creation, when the group has no AUTH yet, or with O(rotate_auth_token=true).
      - Omitted, the module leaves the group's AUTH setting alone.
    type: str
  rotate_auth_token:
    description: Send O(auth_token) to the existing group with O(auth_token_update_strategy). Every such run reports a change.
    type: bool
    default: false
  auth_token_update_strategy:
    description:
      - How a rotation with O(rotate_auth_token=true) updates the token.
      - C(ROTATE) adds the new token while the old one keeps working; C(SET), allowed only after a C(ROTATE),
        makes the new token the only one.
    type: str
    choices: [ROTATE, SET]
    default: ROTATE
  cache_parameter_group_name:
    description: The cache parameter group; omitted, the engine family's default. Changed in place.
    type: str
  subnet_ids:
    description:
      - The subnets of the subnet group the module owns, named like the group. Changed in place.
      - Mutually exclusive with O(cache_subnet_group_name).
    type: list
    elements: str
  cache_subnet_group_name:
    description:
      - An existing subnet group to use, which the module neither changes nor deletes. Fixed at creation.
      - Mutually exclusive with O(subnet_ids).
    type: str
  security_group_ids:
    description: The VPC security groups of the nodes. Changed in place; omitted, left alone.
    type: list
    elements: str
  snapshot_retention_limit:
    description: How many days automatic snapshots are kept (0 to 35; 0 turns them off). Changed in place.
    type: int
  snapshot_window:
    description: The daily UTC time range of automatic snapshots, such as C(03:00-04:00). Changed in place.
    type: str
  preferred_maintenance_window:
    description: The weekly UTC maintenance range, such as C(sun:05:00-sun:06:00). Changed in place.
    type: str
  final_snapshot_identifier:
    description:
      - With O(state=absent), the name of a snapshot AWS takes (from the primary) before deleting the group.
      - It must not name an existing snapshot (AWS never overwrites one); the module checks that before it changes
        anything. Include a date or time to delete a group of the same name again later.
      - Ignored for a group already being deleted.
    type: str
  wait:
    description:
      - Whether to wait until the group is available (or, with O(state=absent), gone and its subnet group deleted).
      - With C(false) the module starts the change and returns, apart from the waits between calls that AWS requires.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Tags are managed on the replication group and on the subnet group the module owns.
  - AWS lists and changes the tags of an available replication group only. A new group reports the tags sent with
    the create; a run against a group that is creating, modifying or snapshotting waits, even with O(wait=false)
    and within O(wait_timeout), for it to be available before it reads or sets the group's tags or changes it. A
    change AWS refuses because the group turned busy in the meantime (the daily snapshot window opened, another
    client changed it) is made again once the group is available.
  - With O(state=absent) and O(wait=false), AWS refuses to delete the subnet group while the replication group is
    still being deleted; the module then warns and a later run (or one with O(wait=true)) deletes it.
  - Transit encryption can be turned on in place on Redis OSS 7 and later through a two-step migration
    (C(TransitEncryptionMode) C(preferred), then C(required)) that needs client changes in between; the module
    does not automate it and reports the change in RV(replacement_needed).
"""

EXAMPLES = r"""
- name: A Multi-AZ Redis replication group with TLS, AUTH and encryption under our key, started without waiting
  streamflix.media_platform.elasticache_replication_group:
    replication_group_id: streamflix-redis-dev
    description: StreamFlix cache (dev)
    engine: redis
    engine_version: "7.1"
    cache_node_type: cache.t4g.micro
    num_cache_clusters: 2
    kms_key_id: "{{ streamflix_security.kms_key_arn }}"
    auth_token: "{{ lookup('amazon.aws.secretsmanager_secret', 'streamflix/dev/redis-auth') }}"
    subnet_ids: "{{ streamflix_network.private_subnet_ids }}"
    security_group_ids: ["{{ streamflix_security.cache_sg_id }}"]
    snapshot_retention_limit: 7
    snapshot_window: "03:00-04:00"
    preferred_maintenance_window: "sun:05:00-sun:06:00"
    tags:
      Project: streamflix
      Environment: dev
    wait: false
  no_log: true

- name: Start a token rotation (clients may use either token), then finish it in a later run with SET
  streamflix.media_platform.elasticache_replication_group:
    replication_group_id: streamflix-redis-dev
    cache_node_type: cache.t4g.micro
    subnet_ids: "{{ streamflix_network.private_subnet_ids }}"
    auth_token: "{{ new_token }}"
    rotate_auth_token: true
    auth_token_update_strategy: ROTATE
  no_log: true

- name: Remove it with a final snapshot named for the time of deletion, and its subnet group
  streamflix.media_platform.elasticache_replication_group:
    replication_group_id: streamflix-redis-dev
    state: absent
    final_snapshot_identifier: "streamflix-redis-dev-final-{{ now(utc=true, fmt='%Y%m%d%H%M%S') }}"
"""

RETURN = r"""
replication_group:
  description: The group after the change (projected in check mode, or while AWS is still applying it); empty when absent.
  returned: always
  type: dict
  contains:
    id:
      description: The replication group id.
      type: str
      sample: streamflix-redis-dev
    arn:
      description: The group's ARN; C(null) for one check mode would create.
      type: str
    status:
      description: AWS's status, such as C(creating), C(available) or C(modifying).
      type: str
    description:
      description: The description.
      type: str
    primary_endpoint:
      description: Where clients write.
      type: dict
      contains:
        address:
          description: The host name.
          type: str
        port:
          description: The port.
          type: int
    reader_endpoint:
      description: Where clients read (spread over the replicas).
      type: dict
      contains:
        address:
          description: The host name.
          type: str
        port:
          description: The port.
          type: int
    member_clusters:
      description: The ids of the member nodes' cache clusters.
      type: list
      elements: str
    num_cache_clusters:
      description: The number of nodes.
      type: int
    multi_az:
      description: Whether Multi-AZ is on.
      type: bool
    automatic_failover:
      description: Whether automatic failover is on.
      type: bool
    at_rest_encryption_enabled:
      description: Whether data at rest is encrypted.
      type: bool
    transit_encryption_enabled:
      description: Whether TLS is on.
      type: bool
    auth_token_enabled:
      description: Whether clients must give an AUTH token (the token itself is never returned).
      type: bool
    kms_key_id:
      description: The KMS key of at-rest encryption.
      type: str
    snapshot_retention_limit:
      description: Days automatic snapshots are kept.
      type: int
    snapshot_window:
      description: The daily snapshot window.
      type: str
    preferred_maintenance_window:
      description: The weekly maintenance window.
      type: str
    node_type:
      description: The node type.
      type: str
    engine:
      description: The engine.
      type: str
    engine_version:
      description: The engine version.
      type: str
    cache_parameter_group_name:
      description: The parameter group.
      type: str
    cache_subnet_group_name:
      description: The subnet group.
      type: str
    subnet_ids:
      description: The subnets of the subnet group.
      type: list
      elements: str
    security_group_ids:
      description: The security groups.
      type: list
      elements: str
    tags:
      description: The group's tags.
      type: dict
changes:
  description: What the module changed (or would change in check mode), by setting name, plus C(create) or C(delete).
  returned: always
  type: list
  elements: str
  sample: [node_type, num_cache_clusters]
final_snapshot_identifier:
  description:
    - With O(state=absent), the name of the final snapshot this run had AWS take as it deleted the group (in check mode,
      would have); C(null) when no group was deleted or without O(final_snapshot_identifier).
  returned: always
  type: str
  sample: streamflix-redis-prod-final-20250101120000
replacement_needed:
  description:
    - The settings that differ but need a new replication group; the module then fails and changes nothing.
    - Empty when the module succeeds.
  returned: always
  type: list
  elements: str
  sample: [kms_key_id]
diff:
  description: The group before and after (never the token).
  returned: always
  type: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import elasticache as ec

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

SUBNET_GROUP_DESCRIPTION = "Subnets of replication group {0} (managed by streamflix.media_platform.elasticache_replication_group)"


class Deadline:
    """One wait_timeout shared by every wait of a run."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(1, int(self.end - time.monotonic()))


def read(module, client, group_id, deadline=None, with_tags=True, wait_for_tags=True):
    """(raw group, module view) of the group, or (None, {}).

    AWS lists the tags of an available group only (ListTagsForResource: "If the cluster is not in the available
    state, ListTagsForResource returns an error"): the tags of a creating, modifying or snapshotting group are read
    once it is available again (without ``wait_for_tags``: only an available group's tags are read). Without
    ``with_tags``, or for a group that is going away, the view has no tags.
    """
    try:
        group = ec.describe_group(client, group_id)
        if group is None:
            return None, {}
        primary = ec.primary_cluster_id(group)
        cluster = ec.describe_cluster(client, primary) if primary else None
        tags = None
        if with_tags and not wait_for_tags and group.get("Status") == "available":
            tags = boto3_tag_list_to_ansible_dict(ec.list_tags(client, group["ARN"]))
        elif with_tags and wait_for_tags and group.get("Status") not in ec.FINAL_STATES:
            deadline = deadline or Deadline(module.params["wait_timeout"])
            waited = []
            tag_list = when_available(module, client, group_id, deadline, lambda: ec.list_tags(client, group["ARN"]), "reading its tags", waited)
            tags = boto3_tag_list_to_ansible_dict(tag_list)
            if waited:  # the group (and its status) as it is now that it is available
                group = ec.describe_group(client, group_id) or group
        subnet_ids = None
        if cluster and cluster.get("CacheSubnetGroupName"):
            subnet_ids = ec.subnet_group_subnets(ec.describe_subnet_group(client, cluster["CacheSubnetGroupName"]))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read replication group {0}".format(group_id))
    return group, ec.current_group(group, cluster, tags, subnet_ids)


def when_available(module, client, group_id, deadline, call, doing, waited=None):
    """``call()``; while AWS refuses it because the group is not available (creating, modifying, snapshotting),
    wait until the group is available again and call again, within the run's wait_timeout (``waited`` records it)."""
    while True:
        try:
            return call()
        except is_boto3_error_code("InvalidReplicationGroupState"):
            if time.monotonic() >= deadline.end:
                raise
            wait_until(module, client, group_id, "replication_group_available", deadline, doing)
            if waited is not None:
                waited.append(doing)


def wait_until(module, client, group_id, waiter_name, deadline, doing):
    try:
        ec.wait_for(client, waiter_name, group_id, deadline.left())
    except botocore.exceptions.WaiterError as e:
        module.fail_json_aws(
            e,
            msg="Replication group {0} did not become {1} within wait_timeout ({2}s) while {3}; re-run when it is, "
            "or raise wait_timeout".format(
                group_id, "available" if waiter_name.endswith("available") else "deleted", module.params["wait_timeout"], doing
            ),
        )


def sync_tags(module, client, arn, current_tags, desired_tags, group_id=None, deadline=None):
    """Set the tags of ``arn``; returns (changed, tags after). For a replication group (``group_id``) a call AWS
    refuses while the group is not available is made again once it is."""
    if desired_tags is None:
        return False, current_tags
    to_set, to_unset = compare_aws_tags(current_tags, desired_tags, module.params["purge_tags"])
    if not (to_set or to_unset):
        return False, current_tags
    if not module.check_mode:
        try:
            if to_unset:
                tag_call(module, client, group_id, deadline, lambda: ec.remove_tags(client, arn, to_unset))
            if to_set:
                tag_call(module, client, group_id, deadline, lambda: ec.add_tags(client, arn, to_set))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not update the tags of {0}".format(arn))
    tags = dict((key, value) for key, value in current_tags.items() if key not in to_unset)
    tags.update(to_set)
    return True, tags


def tag_call(module, client, group_id, deadline, call):
    if group_id is None:
        return call()
    return when_available(module, client, group_id, deadline, call, "changing its tags")


def ensure_subnet_group(module, client, desired):
    """Create the owned subnet group or change its subnets; returns the changed settings."""
    if not desired["subnet_ids"]:
        return []
    name = desired["cache_subnet_group_name"]
    try:
        existing = ec.describe_subnet_group(client, name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read cache subnet group {0}".format(name))
    if existing is None:
        if not module.check_mode:
            try:
                ec.create_subnet_group(client, name, SUBNET_GROUP_DESCRIPTION.format(desired["id"]), desired["subnet_ids"], desired["tags"])
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg="Could not create cache subnet group {0} from subnets {1}".format(name, ", ".join(desired["subnet_ids"])))
        return ["create_subnet_group"]
    changes = []
    if ec.subnet_group_subnets(existing) != desired["subnet_ids"]:
        changes.append("subnet_ids")
        if not module.check_mode:
            try:
                ec.modify_subnet_group(client, name, desired["subnet_ids"])
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(
                    e,
                    msg="Could not set the subnets of cache subnet group {0} to {1}; every subnet must be in the "
                    "group's VPC and the AZs of the current nodes must keep a subnet".format(name, ", ".join(desired["subnet_ids"])),
                )
    try:
        current_tags = boto3_tag_list_to_ansible_dict(ec.list_tags(client, existing["ARN"])) if desired["tags"] is not None else {}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the tags of cache subnet group {0}".format(name))
    if sync_tags(module, client, existing["ARN"], current_tags, desired["tags"])[0]:
        changes.append("subnet_group_tags")
    return changes


def kms_key_same(module, desired, current):
    """Compare the keys, resolving an alias through KMS when the plain comparison cannot tell."""
    wanted = desired["kms_key_id"]
    if not wanted or not current["at_rest_encryption_enabled"] or ec.kms_key_matches(wanted, current["kms_key_id"]):
        return None
    if "alias/" not in wanted:
        return False
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    try:
        arn = kms.describe_key(KeyId=wanted, aws_retry=True)["KeyMetadata"]["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not resolve kms_key_id {0} to compare it with the group's key".format(wanted))
    return ec.kms_key_matches(arn, current["kms_key_id"])


def create(module, client, desired):
    tags = desired["tags"] or {}
    if module.check_mode:
        return ec.new_group_view(desired, tags)
    deadline = Deadline(module.params["wait_timeout"])
    try:
        ec.create_group(client, ec.create_request(module.params, desired))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create replication group {0}".format(desired["id"]))
    if module.params["wait"]:
        wait_until(module, client, desired["id"], "replication_group_available", deadline, "creating it")
    # A new group has the tags sent with CreateReplicationGroup; AWS would refuse to list them while it is creating.
    after = read(module, client, desired["id"], with_tags=False)[1] or ec.new_group_view(desired, tags)
    after["tags"] = tags
    # Until the member nodes exist AWS cannot say what they run: report what was asked for.
    for key, value in desired.items():
        if after.get(key) in (None, []) and value is not None and key != "auth_token_enabled":
            after[key] = value
    return after


def plan_steps(module, client, current, desired):
    """The API calls that make ``current`` into ``desired``, in an order AWS accepts, as (setting names, call)."""
    steps = []
    modifications = ec.group_modifications(current, desired)
    if "Engine" in modifications and "EngineVersion" not in modifications:
        module.fail_json(
            msg="Changing engine from {0} to {1} needs engine_version (the {1} version to upgrade to)".format(current["engine"], desired["engine"]),
            replacement_needed=[],
        )
    replicas = ec.replica_change(current, desired)
    modify_step = (ec.modified_settings(modifications), lambda: ec.modify_group(client, desired["id"], modifications))
    replica_step = (
        ["num_cache_clusters"],
        lambda: ec.change_replica_count(client, desired["id"], replicas[0], replicas[1]),
    )
    if modifications and replicas:
        # Failover needs a replica: turn it off before removing the last replica, add replicas before turning it on.
        steps = [modify_step, replica_step] if modifications.get("AutomaticFailoverEnabled") is False else [replica_step, modify_step]
    elif modifications:
        steps = [modify_step]
    elif replicas:
        steps = [replica_step]
    token = module.params["auth_token"]
    if token is not None and (module.params["rotate_auth_token"] or not current["auth_token_enabled"]):
        # AWS adds AUTH to a group without it through ROTATE; SET is only valid after a ROTATE.
        strategy = module.params["auth_token_update_strategy"] if current["auth_token_enabled"] else "ROTATE"
        auth = dict(AuthToken=token, AuthTokenUpdateStrategy=strategy)
        steps.append((["auth_token"], lambda: ec.modify_group(client, desired["id"], auth)))
    return steps


def check_and_plan(module, client, current, desired):
    """Fail on what needs a replacement (or a group that cannot change); else the steps of plan_steps."""
    if not current or current["status"] in ("deleting", "create-failed"):
        module.fail_json(
            msg="Replication group {0} is {1}; delete it (state=absent with wait=true), then run again".format(
                desired["id"], current.get("status", "gone") if current else "gone"
            ),
            replacement_needed=[],
        )
    replace = ec.settings_to_replace(current, desired, kms_key_same(module, desired, current))
    if replace:
        module.fail_json(
            msg="Replication group {0} cannot change {1} in place: AWS needs a new replication group for that. "
            "Delete and re-create it (state=absent, with final_snapshot_identifier to keep the data), or keep the "
            "current values".format(desired["id"], ", ".join(replace)),
            replacement_needed=replace,
            replication_group=current,
        )
    return plan_steps(module, client, current, desired)


def ensure_present(module, client):
    """Returns (changed, before, after, changes)."""
    desired = ec.desired_group(module.params)
    deadline = Deadline(module.params["wait_timeout"])
    group, current = read(module, client, desired["id"], deadline, with_tags=desired["tags"] is not None)
    if group is None:
        if not desired["node_type"]:
            module.fail_json(msg="cache_node_type is required to create replication group {0}".format(desired["id"]), replacement_needed=[])
        changes = ensure_subnet_group(module, client, desired)
        return True, {}, create(module, client, desired), changes + ["create"]
    before = current
    steps = check_and_plan(module, client, current, desired)
    if steps and current["status"] != "available" and not module.check_mode:
        # A group AWS is still creating or modifying takes no new change: wait, then plan against what it became.
        wait_until(module, client, desired["id"], "replication_group_available", deadline, "waiting to change it")
        current = read(module, client, desired["id"], deadline, with_tags=desired["tags"] is not None)[1]
        steps = check_and_plan(module, client, current, desired)
    changes = ensure_subnet_group(module, client, desired)
    tags_changed, tags = sync_tags(module, client, current["arn"], current["tags"], desired["tags"], desired["id"], deadline)
    if tags_changed:
        changes.append("tags")
    for names, _call in steps:
        changes.extend(names)
    if not changes:
        return False, before, current, []
    projected = ec.projected_group(current, desired, tags)
    if desired["subnet_ids"]:
        projected["subnet_ids"] = desired["subnet_ids"]
    if module.check_mode or not steps:
        return True, before, projected, changes

    for index, (names, call) in enumerate(steps):
        if index > 0:  # AWS takes the next change once the group is available again
            wait_until(module, client, desired["id"], "replication_group_available", deadline, "changing " + ", ".join(names))
        try:
            # The group can turn busy after the wait (the daily snapshot window opens, someone else changes it):
            # AWS then refuses with InvalidReplicationGroupState, and the change is made once it is available again.
            when_available(module, client, desired["id"], deadline, call, "changing " + ", ".join(names))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not change {0} of replication group {1}".format(", ".join(names), desired["id"]))
    if steps and module.params["wait"]:
        wait_until(module, client, desired["id"], "replication_group_available", deadline, "applying the changes")
    after = read(module, client, desired["id"], with_tags=False)[1]
    after["tags"] = tags  # set above; AWS would refuse to list them while the group is modifying
    if not module.params["wait"]:
        after = ec.projected_group(after, desired, after["tags"])
    return True, before, after, changes


def delete_owned_subnet_group(module, client, group_id, deadline, deleted_group):
    """Delete the subnet group named like the group (unless an external one was named); returns the change.

    AWS refuses while the replication group is still being deleted: with wait, retry until wait_timeout.
    """
    if module.params["cache_subnet_group_name"]:
        return []
    try:
        if ec.describe_subnet_group(client, group_id) is None:
            return []
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read cache subnet group {0}".format(group_id))
    if module.check_mode:
        return ["delete_subnet_group"]
    while True:
        try:
            ec.delete_subnet_group(client, group_id)
            return ["delete_subnet_group"]
        except is_boto3_error_code("CacheSubnetGroupNotFoundFault"):
            return []
        except is_boto3_error_code("CacheSubnetGroupInUse") as e:
            if not deleted_group or (module.params["wait"] and time.monotonic() >= deadline.end):
                module.fail_json_aws(
                    e, msg="Cache subnet group {0} is still in use by another cache cluster or replication group; "
                    "delete that first".format(group_id)
                )
            if not module.params["wait"]:
                module.warn(
                    "Cache subnet group {0} is still in use while replication group {0} is being deleted; run again "
                    "(or with wait=true) to delete it".format(group_id)
                )
                return []
            time.sleep(min(15, deadline.left()))  # poll until the deleted group releases it
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not delete cache subnet group {0}".format(group_id))


def check_final_snapshot_is_free(module, client, group_id, name):
    """Fail before any change when a snapshot already has the final snapshot's name (AWS: SnapshotAlreadyExistsFault)."""
    try:
        existing = ec.describe_snapshot(client, name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not look for snapshot {0}".format(name))
    if existing:
        module.fail_json(
            msg="Replication group {0} was not deleted: a snapshot named {1} already exists (of {2}). Give "
            "final_snapshot_identifier a name no snapshot has yet.".format(
                group_id, name, existing.get("ReplicationGroupId") or existing.get("CacheClusterId")
            ),
            replacement_needed=[],
        )


def ensure_absent(module, client):
    """Returns (changed, before, after, changes, final snapshot name or None)."""
    group_id = module.params["replication_group_id"]
    final_snapshot = module.params["final_snapshot_identifier"]
    group, current = read(module, client, group_id, wait_for_tags=False)  # the tags for the diff, if AWS lists them now
    deadline = Deadline(module.params["wait_timeout"])
    changes, taken = [], None
    if group is not None:
        if current["status"] != "deleting":  # one already being deleted is not a change of this run
            if final_snapshot:
                check_final_snapshot_is_free(module, client, group_id, final_snapshot)
                taken = final_snapshot
            changes.append("delete")
        if not module.check_mode:
            if current["status"] != "deleting":
                if current["status"] != "available":  # AWS deletes only available groups
                    wait_until(module, client, group_id, "replication_group_available", deadline, "waiting to delete it")
                try:
                    ec.delete_group(client, group_id, module.params["final_snapshot_identifier"])
                except is_boto3_error_code("ReplicationGroupNotFoundFault"):
                    pass  # removed meanwhile: the goal is met
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                    module.fail_json_aws(e, msg="Could not delete replication group {0}".format(group_id))
            if module.params["wait"]:
                wait_until(module, client, group_id, "replication_group_deleted", deadline, "deleting it")
    changes.extend(delete_owned_subnet_group(module, client, group_id, deadline, group is not None))
    return bool(changes), current, {}, changes, taken


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        replication_group_id=dict(type="str", required=True),
        description=dict(type="str"),
        engine=dict(type="str", choices=["redis", "valkey"], default="redis"),
        engine_version=dict(type="str"),
        cache_node_type=dict(type="str"),
        num_cache_clusters=dict(type="int", default=2),
        automatic_failover=dict(type="bool", default=True),
        multi_az=dict(type="bool", default=True),
        at_rest_encryption=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        transit_encryption=dict(type="bool", default=True),
        auth_token=dict(type="str", no_log=True),
        rotate_auth_token=dict(type="bool", default=False),
        auth_token_update_strategy=dict(type="str", choices=["ROTATE", "SET"], default="ROTATE", no_log=False),
        cache_parameter_group_name=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        cache_subnet_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("subnet_ids", "cache_subnet_group_name")],
        supports_check_mode=True,
    )
    problems = ec.validate(module.params)
    if problems:
        module.fail_json(msg="Invalid options: " + "; ".join(problems), replacement_needed=[])
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())

    final_snapshot = None
    if module.params["state"] == "absent":
        changed, before, after, changes, final_snapshot = ensure_absent(module, client)
    else:
        changed, before, after, changes = ensure_present(module, client)

    module.exit_json(
        changed=changed,
        replication_group=after,
        changes=changes,
        final_snapshot_identifier=final_snapshot,
        replacement_needed=[],
        diff=dict(before=before, after=after),
    )


if __name__ == "__main__":
    main()
