#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kinesis_data_stream
short_description: Manage a Kinesis data stream, its capacity mode, retention, encryption and shard-level metrics
version_added: 0.1.0
description:
  - Creates, updates in place or deletes one Kinesis data stream.
  - Each setting left unset (C(null)) is left as it is on an existing stream.
  - Kinesis accepts one change at a time, on an C(ACTIVE) stream, and each change (capacity mode, shard count,
    retention, encryption, shard-level metrics) puts the stream in C(UPDATING). The module therefore waits
    for C(ACTIVE) before each change, whatever O(wait) says; O(wait) only says whether it also waits after the
    last one.
  - community.aws.kinesis_stream cannot set the on-demand capacity mode or shard-level metrics (enhanced
    monitoring), returns no diff, and reports C(changed=false) after changing the shard count or the retention
    of an encrypted stream (its encryption step overwrites the result), which is why this module exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the stream should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The stream name.
    type: str
    required: true
  stream_mode:
    description:
      - The capacity mode. C(ON_DEMAND) streams are scaled by Kinesis; C(PROVISIONED) streams have O(shard_count) shards.
      - Kinesis allows two capacity-mode switches per stream per 24 hours.
    type: str
    choices: [PROVISIONED, ON_DEMAND]
    default: PROVISIONED
  shard_count:
    description:
      - The number of open shards of a C(PROVISIONED) stream; required to create one, not allowed with C(ON_DEMAND).
      - Changed with UpdateShardCount (C(UNIFORM_SCALING)). One call can at most double the open shards or
        halve them, so a larger change is made in steps (for example 2 -> 4 -> 8 -> 10), waiting for
        C(ACTIVE) between steps. AWS allows 10 scalings per stream per rolling 24 hours and at most 10000 shards
        per stream (and the account's shard quota).
    type: int
  retention_period_hours:
    description:
      - How long records stay readable, in hours, from 24 to 8760 (365 days). A new stream has 24.
      - Changed with IncreaseStreamRetentionPeriod or DecreaseStreamRetentionPeriod.
    type: int
  encryption_type:
    description:
      - C(KMS) encrypts the stream with O(kms_key_id) (StartStreamEncryption, which also changes the key of an
        encrypted stream); C(NONE) stops encryption; unset leaves it as it is.
    type: str
    choices: [KMS, NONE]
  kms_key_id:
    description:
      - The KMS key (id, ARN, alias name or alias ARN) when O(encryption_type=KMS).
      - Kinesis reports the key as it was given; when the names differ the module asks KMS whether they are
        the same key before changing anything.
    type: str
  shard_level_metrics:
    description:
      - The shard-level CloudWatch metrics to enable (EnableEnhancedMonitoring); the others are disabled.
        C([ALL]) is every metric, C([]) none; unset leaves them as they are.
    type: list
    elements: str
  wait:
    description: Wait for the stream to be C(ACTIVE) (or gone, when O(state=absent)) after the last change.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds, each time the module waits.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The ingest stream, provisioned, encrypted with our key, with shard-level metrics
  streamflix.media_platform.kinesis_data_stream:
    name: streamflix-dev-ingest
    stream_mode: PROVISIONED
    shard_count: 2
    retention_period_hours: 48
    encryption_type: KMS
    kms_key_id: alias/streamflix-dev
    shard_level_metrics: [IncomingBytes, IncomingRecords, WriteProvisionedThroughputExceeded, IteratorAgeMilliseconds]
    tags:
      Project: streamflix
    wait: false

- name: On demand in production
  streamflix.media_platform.kinesis_data_stream:
    name: streamflix-prod-ingest
    stream_mode: ON_DEMAND
    retention_period_hours: 168
    encryption_type: KMS
    kms_key_id: alias/streamflix-prod
    shard_level_metrics: [ALL]

- name: Remove it (and its registered consumers)
  streamflix.media_platform.kinesis_data_stream:
    name: streamflix-dev-ingest
    state: absent
"""

RETURN = r"""
stream:
  description: The stream after the change (projected in check mode, and for what is still under way with O(wait=false)); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The stream name.
      type: str
    arn:
      description: The stream ARN; C(null) for one that check mode would create.
      type: str
    status:
      description: C(CREATING), C(UPDATING), C(ACTIVE) or C(DELETING).
      type: str
    stream_mode:
      description: The capacity mode.
      type: str
    shard_count:
      description: The number of open shards.
      type: int
    retention_period_hours:
      description: The retention in hours.
      type: int
    encryption_type:
      description: C(KMS) or C(NONE).
      type: str
    key_id:
      description: The KMS key as Kinesis reports it; C(null) when not encrypted.
      type: str
    shard_level_metrics:
      description: The enabled shard-level metrics, sorted.
      type: list
      elements: str
    tags:
      description: The stream's tags.
      type: dict
changes:
  description: The settings changed (or that check mode would change), in the order they were made.
  returned: always
  type: list
  elements: str
  sample: [shard_count, shard_level_metrics]
diff:
  description: The stream before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils import kinesis
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_stream(module, client, name):
    try:
        summary = kinesis.describe_stream_summary(client, name)
        if not summary:
            return {}
        return kinesis.stream_view(summary, kinesis.list_tags(client, name))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read Kinesis stream {0}".format(name))


def wait(module, client, waiter_name, name):
    try:
        kinesis.wait_for(client, waiter_name, module.params["wait_timeout"], name)
    except botocore.exceptions.WaiterError as e:
        goal = "ACTIVE" if waiter_name == "stream_active" else "deleted"
        module.fail_json_aws(
            e,
            msg="Kinesis stream {0} was not {1} within {2} seconds; raise wait_timeout or look at the stream in "
            "the console".format(name, goal, module.params["wait_timeout"]),
        )


def key_arn(kms, key_id):
    if is_key_arn(key_id):
        return key_id  # already what DescribeKey would answer
    try:
        return kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return None


def same_key(module, current, desired):
    """Whether the stream's key is the desired one, however each is named."""
    if current["encryption_type"] != "KMS" or not desired["key_id"]:
        return False
    if current["key_id"] == desired["key_id"]:
        return True
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    current_arn = key_arn(kms, current["key_id"])
    return current_arn is not None and current_arn == key_arn(kms, desired["key_id"])


def apply_change(module, client, change, current, desired):
    """Make one change; the stream is ACTIVE."""
    name = current["name"]
    params = module.params
    if change == "stream_mode":
        kinesis.update_stream_mode(client, current["arn"], desired["stream_mode"])
    elif change == "shard_count":
        steps = kinesis.shard_steps(current["shard_count"], desired["shard_count"])
        for index, target in enumerate(steps):
            if index:
                wait(module, client, "stream_active", name)
            kinesis.update_shard_count(client, name, target)
    elif change == "retention_period_hours":
        kinesis.set_retention(client, name, current["retention_period_hours"], desired["retention_period_hours"])
    elif change == "encryption":
        if desired["encryption_type"] == "KMS":
            kinesis.start_encryption(client, name, desired["key_id"])
        else:
            kinesis.stop_encryption(client, name, current["key_id"])
    elif change == "shard_level_metrics":
        enable, disable = kinesis.metrics_changes(current["shard_level_metrics"], desired["shard_level_metrics"])
        if disable:
            kinesis.disable_metrics(client, name, disable)
        if enable:
            if disable:
                wait(module, client, "stream_active", name)
            kinesis.enable_metrics(client, name, enable)
    elif change == "tags":
        to_set, to_remove = kinesis.tag_changes(current["tags"], desired["tags"], params["purge_tags"])
        if to_remove:
            kinesis.remove_tags(client, name, to_remove)
        if to_set:
            kinesis.add_tags(client, name, to_set)


def update(module, client, current, desired, changes):
    for index, change in enumerate(changes):
        if index or current["status"] != "ACTIVE":
            wait(module, client, "stream_active", current["name"])
        try:
            apply_change(module, client, change, current, desired)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e,
                msg="Could not change {0} of Kinesis stream {1} (changed before it: {2})".format(
                    change, current["name"], ", ".join(changes[:index]) or "nothing"
                ),
            )


def ensure_present(module, client, current):
    """Returns (changed, stream, changes)."""
    params = module.params
    desired = kinesis.desired_stream(params)
    name = params["name"]
    if not current:
        base = kinesis.new_stream(desired)
        later = kinesis.planned_changes(base, desired, False, params["purge_tags"])
        changes = ["created"] + later
        if module.check_mode:
            return True, kinesis.projected_stream(base, desired, params["purge_tags"]), changes
        try:
            kinesis.create_stream(client, desired)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not create Kinesis stream {0}".format(name))
        if later:
            wait(module, client, "stream_active", name)
            update(module, client, read_stream(module, client, name), desired, later)
    else:
        changes = kinesis.planned_changes(current, desired, same_key(module, current, desired), params["purge_tags"])
        if not changes:
            return False, current, []
        if module.check_mode:
            return True, kinesis.projected_stream(current, desired, params["purge_tags"]), changes
        update(module, client, current, desired, changes)
    if params["wait"]:
        wait(module, client, "stream_active", name)
        return True, read_stream(module, client, name), changes
    after = read_stream(module, client, name)
    # Still UPDATING: report what was asked for where Kinesis does not show it yet (shard counts).
    return True, dict(kinesis.projected_stream(after, desired, params["purge_tags"]), status=after.get("status")), changes


def ensure_absent(module, client, current):
    if not current:
        return False, {}, []
    if not module.check_mode:
        try:
            kinesis.delete_stream(client, current["name"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete Kinesis stream {0}".format(current["name"]))
        if module.params["wait"]:
            wait(module, client, "stream_deleted", current["name"])
    return True, {}, ["deleted"]


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        stream_mode=dict(type="str", choices=["PROVISIONED", "ON_DEMAND"], default="PROVISIONED"),
        shard_count=dict(type="int"),
        retention_period_hours=dict(type="int"),
        encryption_type=dict(type="str", choices=["KMS", "NONE"]),
        kms_key_id=dict(type="str"),
        shard_level_metrics=dict(type="list", elements="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("kinesis", retry_decorator=AWSRetry.jittered_backoff())
    name = module.params["name"]
    current = read_stream(module, client, name)
    if current.get("status") == "DELETING":
        # Being deleted: it is as good as gone; a new one can only be created once it is.
        if module.params["state"] == "present" and not module.check_mode:
            wait(module, client, "stream_deleted", name)
        current = {}

    if module.params["state"] == "absent":
        changed, after, changes = ensure_absent(module, client, current)
    else:
        problems = kinesis.param_problems(module.params, bool(current))
        if problems:
            module.fail_json(msg="; ".join(problems))
        changed, after, changes = ensure_present(module, client, current)

    module.exit_json(changed=changed, stream=after, changes=changes, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
