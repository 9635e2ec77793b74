#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: resource_readiness
short_description: Wait, once and together, until the platform's slow resources are ready
version_added: 0.1.0
description:
  - The roles start slow resources without waiting (NAT gateways, Aurora clusters and instances, ElastiCache
    replication groups, EFS mount targets, load balancers). This module polls all of them in one loop until every one is
    ready, so a deploy waits about as long as its slowest resource instead of the sum of them.
  - Fails at once when a resource reaches a failed state, and at O(wait_timeout) naming every resource that
    is still not ready, with its state.
  - With O(wait_for=deleted) (teardown) it waits instead until every resource named is gone, so the teardown waits
    once, about as long as its slowest deletion, before what those resources hold (subnet groups, security groups,
    subnets).
  - Only reads; in check mode it reports the current states without waiting.
  - The action plugin of the same name runs the module in slices of O(progress_interval) seconds and prints, after
    each, how long it has waited, what is ready and what is still pending with its state, so a wait of many
    minutes on AWS is never silent. The wait is still one wait for everything, with one O(wait_timeout).
  - Per-resource waits (the stock modules' C(wait) options) would serialize what can overlap, which is why
    this module exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  nat_gateway_ids:
    description: NAT gateways that must be C(available).
    type: list
    elements: str
    default: []
  db_cluster_ids:
    description: Aurora clusters that must be C(available), with every instance C(available).
    type: list
    elements: str
    default: []
  replication_group_ids:
    description: ElastiCache replication groups that must be C(available).
    type: list
    elements: str
    default: []
  efs_file_system_ids:
    description: EFS file systems whose mount targets must all be C(available).
    type: list
    elements: str
    default: []
  load_balancer_arns:
    description: Elastic Load Balancing v2 load balancers that must be C(active).
    type: list
    elements: str
    default: []
  wait_for:
    description:
      - V(ready) waits until every resource is ready (C(available), C(active)), as the option of each kind says.
      - V(deleted) waits until every resource is gone; a resource AWS no longer knows counts as gone (state
        C(deleted)). That is a NAT gateway C(deleted) or unknown, a DB cluster and each of its instances, a replication
        group, each mount target of a file system (none left, or the file system gone), a load balancer.
    type: str
    choices: [ready, deleted]
    default: ready
    version_added: 0.1.0
  wait_timeout:
    description: Seconds to wait in all.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two looks at the resources that are not ready yet.
    type: int
    default: 10
  progress_interval:
    description: Seconds between two progress lines the action plugin prints while it waits.
    type: int
    default: 60
  on_timeout:
    description:
      - V(fail) fails naming what is not ready when O(wait_timeout) has passed.
      - V(report) returns the states with RV(ready=false) instead; the action plugin uses it for each slice.
    type: str
    choices: [fail, report]
    default: fail
  seen_ready_at:
    description:
      - When an earlier wait of the same run saw some of these resources ready (RV(ready_at) of that wait, keyed by
        kind and id), RV(ready_at) keeps those times instead of this wait's first look.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait for everything slow at once
  streamflix.media_platform.resource_readiness:
    nat_gateway_ids: "{{ streamflix_network.nat_gateway_ids }}"
    db_cluster_ids: [streamflix-aurora-dev]
    replication_group_ids: [streamflix-redis-dev]
    efs_file_system_ids: [fs-0123456789abcdef0]
"""

RETURN = r"""
states:
  description: The last seen state of every resource, keyed by kind and id.
  returned: always
  type: dict
  sample: {"nat_gateway/nat-0abc": "available", "db_cluster/streamflix-aurora-dev": "available"}
waited_seconds:
  description: How long the module waited.
  returned: always
  type: float
ready:
  description: Whether every resource is ready (with O(wait_for=deleted), gone).
  returned: always
  type: bool
created_at:
  description: When each resource was created, as the API reports it (ISO 8601 UTC), or null where the API gives none (mount targets).
  returned: always
  type: dict
  sample: {"nat_gateway/nat-0abc": "2026-01-05T10:00:02Z", "mount_target/fsmt-0abc": null}
ready_at:
  description:
    - When this run first saw each ready resource ready (ISO 8601 UTC; to the poll interval). A resource ready at the
      first look was ready by then.
    - The action plugin keeps the first time over its slices and adds RV(timeline).
  returned: always
  type: dict
  sample: {"nat_gateway/nat-0abc": "2026-01-05T10:02:11Z"}
timeline:
  description:
    - Added by the action plugin. C(started_at) and C(finished_at) of the wait, C(waited) (whether anything was not
      ready at the first look), and C(resources), one per resource with C(resource), C(created_at), C(ready_at) and
      C(ready_at_first_look) (true when it was ready already at the first look, so C(ready_at) is an upper bound).
  returned: always, from the action plugin
  type: dict
pending:
  description: The resources that are not ready (with O(wait_for=deleted), not gone) yet, with their state.
  returned: always
  type: dict
  sample: {"db_instance/streamflix-aurora-dev-2": "creating"}
"""

import datetime
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

READY = "available"
GONE = "deleted"
FAILED_STATES = (
    "failed",
    "active_impaired",
    "create-failed",
    "incompatible-parameters",
    "incompatible-network",
    "inaccessible-encryption-credentials",
    "error",
)


NOT_FOUND_YET = "not-found-yet"


def iso(moment):
    """A creation time as the API gives it (datetime) as ISO 8601 UTC text, or None."""
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0).isoformat() + "Z"
    return str(moment)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


@AWSRetry.jittered_backoff()
def nat_states(ec2, ids, created, deleting=False):
    if deleting:
        # By filter: an id AWS no longer knows is not an error, and is gone.
        found = ec2.describe_nat_gateways(Filters=[dict(Name="nat-gateway-id", Values=ids)])["NatGateways"] if ids else []
        states = {"nat_gateway/" + nat_id: GONE for nat_id in ids}
        states.update({"nat_gateway/" + gateway["NatGatewayId"]: gateway["State"] for gateway in found})
        return states
    try:
        gateways = ec2.describe_nat_gateways(NatGatewayIds=ids)["NatGateways"] if ids else []
    except is_boto3_error_code("NatGatewayNotFound"):
        # EC2 is eventually consistent: a gateway created moments ago is not known by id yet. botocore's
        # NatGatewayAvailable waiter retries on this error; so do we, until wait_timeout.
        return {"nat_gateway/" + nat_id: NOT_FOUND_YET for nat_id in ids}
    for gateway in gateways:
        created["nat_gateway/" + gateway["NatGatewayId"]] = iso(gateway.get("CreateTime"))
    return {"nat_gateway/" + gateway["NatGatewayId"]: gateway["State"] for gateway in gateways}


@AWSRetry.jittered_backoff()
def db_states(rds, ids, created, deleting=False):
    states = {}
    for cluster_id in ids:
        try:
            cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            if not deleting:
                raise
            states["db_cluster/" + cluster_id] = GONE
            continue
        states["db_cluster/" + cluster_id] = cluster["Status"]
        created["db_cluster/" + cluster_id] = iso(cluster.get("ClusterCreateTime"))
        for member in cluster.get("DBClusterMembers", []):
            instance_id = member["DBInstanceIdentifier"]
            try:
                instance = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
            except is_boto3_error_code("DBInstanceNotFound"):
                if not deleting:
                    raise
                states["db_instance/" + instance_id] = GONE
                continue
            states["db_instance/" + instance_id] = instance["DBInstanceStatus"]
            created["db_instance/" + instance_id] = iso(instance.get("InstanceCreateTime"))
    return states


@AWSRetry.jittered_backoff()
def cache_states(elasticache, ids, created, deleting=False):
    states = {}
    for group_id in ids:
        try:
            group = elasticache.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            if not deleting:
                raise
            states["replication_group/" + group_id] = GONE
            continue
        states["replication_group/" + group_id] = group["Status"]
        created["replication_group/" + group_id] = iso(group.get("ReplicationGroupCreateTime"))
    return states


@AWSRetry.jittered_backoff()
def mount_target_states(efs, ids, created, deleting=False):
    # DescribeMountTargets gives no creation time: the timeline shows when each was seen ready only.
    states = {}
    for file_system_id in ids:
        try:
            targets = efs.describe_mount_targets(FileSystemId=file_system_id)["MountTargets"]
        except is_boto3_error_code("FileSystemNotFound"):
            if not deleting:
                raise
            targets = []
        if deleting:
            # Gone when none is left: the file system stands for its mount targets.
            states["mount_targets/" + file_system_id] = GONE if not targets else "deleting"
        for target in targets:
            states["mount_target/" + target["MountTargetId"]] = target["LifeCycleState"]
            created.setdefault("mount_target/" + target["MountTargetId"], None)
    return states


@AWSRetry.jittered_backoff()
def load_balancer_states(elbv2, arns, created, deleting=False):
    if deleting:
        balancers = []
        for arn in arns:
            try:
                balancers.extend(elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"])
            except is_boto3_error_code("LoadBalancerNotFound"):
                balancers.append(dict(LoadBalancerArn=arn, LoadBalancerName=arn.split("/")[-2], State=dict(Code=GONE)))
        return {"load_balancer/" + lb["LoadBalancerName"]: lb["State"]["Code"] for lb in balancers}
    balancers = elbv2.describe_load_balancers(LoadBalancerArns=arns)["LoadBalancers"] if arns else []
    for lb in balancers:
        created["load_balancer/" + lb["LoadBalancerName"]] = iso(lb.get("CreatedTime"))
    # ELB says "active" where the other services say "available".
    return {"load_balancer/" + lb["LoadBalancerName"]: READY if lb["State"]["Code"] == "active" else lb["State"]["Code"] for lb in balancers}


def current_states(module, clients, created):
    """The state of every resource; fills ``created`` with each one's creation time (ISO text or None)."""
    params = module.params
    deleting = params["wait_for"] == "deleted"
    try:
        states = nat_states(clients["ec2"], params["nat_gateway_ids"], created, deleting)
        states.update(db_states(clients["rds"], params["db_cluster_ids"], created, deleting))
        states.update(cache_states(clients["elasticache"], params["replication_group_ids"], created, deleting))
        states.update(mount_target_states(clients["efs"], params["efs_file_system_ids"], created, deleting))
        states.update(load_balancer_states(clients["elbv2"], params["load_balancer_arns"], created, deleting))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the state of the slow resources; they must exist (run the roles that create them)")
    return states


def not_ready(states, target=READY):
    return {name: state for name, state in states.items() if state != target}


def failed(states):
    return {name: state for name, state in states.items() if state in FAILED_STATES}


def main():
    ids = dict(type="list", elements="str", default=[])
    module = AnsibleAWSModule(
        argument_spec=dict(
            nat_gateway_ids=ids,
            db_cluster_ids=ids,
            replication_group_ids=ids,
            efs_file_system_ids=ids,
            load_balancer_arns=ids,
            wait_timeout=dict(type="int", default=1800),
            poll_interval=dict(type="int", default=10),
            progress_interval=dict(type="int", default=60),
            on_timeout=dict(type="str", choices=["fail", "report"], default="fail"),
            wait_for=dict(type="str", choices=["ready", "deleted"], default="ready"),
            seen_ready_at=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    retry = AWSRetry.jittered_backoff()
    clients = {service: module.client(service, retry_decorator=retry) for service in ("ec2", "rds", "elasticache", "efs", "elbv2")}
    started = time.monotonic()
    deadline = started + module.params["wait_timeout"]
    created, ready_at = {}, dict(module.params["seen_ready_at"])
    target = GONE if module.params["wait_for"] == "deleted" else READY

    def pending(states):
        return not_ready(states, target)

    def look():
        seen = current_states(module, clients, created)
        moment = now_iso()
        for name, state in seen.items():
            if state == target:
                ready_at.setdefault(name, moment)
        return seen

    states = look()
    while pending(states) and not module.check_mode:
        if failed(states):
            module.fail_json(msg="Resources failed: {0}".format(failed(states)), states=states)
        if time.monotonic() >= deadline:
            if module.params["on_timeout"] == "report":
                break
            module.fail_json(
                msg="Still not {0} after {1} s: {2}".format("ready" if target == READY else GONE, module.params["wait_timeout"], pending(states)),
                states=states,
            )
        # The interval between two polls (never past the deadline), not a fixed wait.
        time.sleep(max(0, min(module.params["poll_interval"], deadline - time.monotonic())))
        states = look()
    if failed(states) and not module.check_mode:
        module.fail_json(msg="Resources failed: {0}".format(failed(states)), states=states)
    module.exit_json(
        changed=False,
        states=states,
        ready=not pending(states),
        pending=pending(states),
        waited_seconds=round(time.monotonic() - started, 1),
        created_at=dict((name, created.get(name)) for name in states),
        ready_at=dict((name, moment) for name, moment in ready_at.items() if name in states),
    )


if __name__ == "__main__":
    main()
