#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: environment_snapshots_info
short_description: The manual snapshots kept of an environment's Aurora cluster and Redis replication group
version_added: 0.1.0
description:
  - Lists the manual Aurora cluster snapshots of O(db_cluster_identifier) and the Redis snapshots of
    O(replication_group_id), whether or not the cluster or group still exists, with the KMS key each is
    encrypted with.
  - Teardown reads it before scheduling the environment key's deletion; a snapshot encrypted with a key that
    is deleted can never be restored, so the key stays while a snapshot under it exists.
  - Only reads; the same in check mode.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  db_cluster_identifier:
    description: The Aurora cluster whose manual snapshots to list.
    type: str
  replication_group_id:
    description: The ElastiCache replication group whose snapshots to list.
    type: str
  kms_key_arn:
    description:
      - Only the snapshots encrypted with this key (its ARN; a key id matches too).
      - All snapshots when not given.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the final snapshots under the environment key
  streamflix.media_platform.environment_snapshots_info:
    db_cluster_identifier: streamflix-aurora-prod
    replication_group_id: streamflix-redis-prod
    kms_key_arn: arn:aws:kms:eu-west-2:111111111111:key/0d1f...
  register: kept
"""

RETURN = r"""
snapshots:
  description: The snapshots found, Aurora first, each by name.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(aurora) or C(redis).
      type: str
    name:
      description: The snapshot identifier (Aurora) or name (Redis).
      type: str
      sample: streamflix-aurora-prod-final-20260101120000
    arn:
      description: The snapshot's ARN.
      type: str
    kms_key_id:
      description: The KMS key the snapshot is encrypted with, as AWS reports it (an ARN).
      type: str
    status:
      description: The snapshot's status.
      type: str
      sample: available
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def key_id_of(key):
    """The key id at the end of a key ARN (arn:...:key/<id>), or the id itself."""
    return (key or "").rsplit("/", 1)[-1]


def same_key(snapshot_key, wanted):
    return not wanted or key_id_of(snapshot_key) == key_id_of(wanted)


def aurora_view(snapshot):
    return {
        "kind": "aurora",
        "name": snapshot["DBClusterSnapshotIdentifier"],
        "arn": snapshot.get("DBClusterSnapshotArn"),
        "kms_key_id": snapshot.get("KmsKeyId"),
        "status": snapshot.get("Status"),
    }


def redis_view(snapshot):
    return {
        "kind": "redis",
        "name": snapshot["SnapshotName"],
        "arn": snapshot.get("ARN"),
        "kms_key_id": snapshot.get("KmsKeyId"),
        "status": snapshot.get("SnapshotStatus"),
    }


@AWSRetry.jittered_backoff()
def aurora_snapshots(rds, cluster_identifier):
    paginator = rds.get_paginator("describe_db_cluster_snapshots")
    pages = paginator.paginate(DBClusterIdentifier=cluster_identifier, SnapshotType="manual")
    return pages.build_full_result().get("DBClusterSnapshots", [])


@AWSRetry.jittered_backoff()
def redis_snapshots(elasticache, group_id):
    paginator = elasticache.get_paginator("describe_snapshots")
    # Snapshots outlive their group; AWS lists them by the group's id after it is deleted.
    try:
        return paginator.paginate(ReplicationGroupId=group_id).build_full_result().get("Snapshots", [])
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return []  # not among the operation's errors on AWS, but an emulator may answer it for an unknown group


def environment_snapshots(module, clients):
    params, found = module.params, []
    try:
        if params["db_cluster_identifier"]:
            found += [aurora_view(s) for s in aurora_snapshots(clients["rds"], params["db_cluster_identifier"])]
        if params["replication_group_id"]:
            found += [redis_view(s) for s in redis_snapshots(clients["elasticache"], params["replication_group_id"])]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the snapshots of the environment's cluster and replication group")
    kept = [s for s in found if same_key(s["kms_key_id"], params["kms_key_arn"])]
    return sorted(kept, key=lambda s: (s["kind"], s["name"]))


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            db_cluster_identifier=dict(type="str"),
            replication_group_id=dict(type="str"),
            kms_key_arn=dict(type="str", no_log=False),
        ),
        supports_check_mode=True,
    )
    retry = AWSRetry.jittered_backoff()
    clients = {service: module.client(service, retry_decorator=retry) for service in ("rds", "elasticache")}
    module.exit_json(changed=False, snapshots=environment_snapshots(module, clients))


if __name__ == "__main__":
    main()
