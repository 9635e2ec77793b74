#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sqs_queue
short_description: Manage a standard SQS queue, its encryption, redrive policy and tags, and detect drift in them
version_added: 0.1.0
description:
  - Creates, updates in place or deletes one standard SQS queue, found by name.
  - Every declared attribute is compared with what GetQueueAttributes reports; an attribute the queue does not
    report counts as a difference (so a queue whose SSE-KMS key was removed by hand, which then reports no
    C(KmsMasterKeyId), is re-encrypted). Numbers are compared as numbers, the redrive policy by its target and
    count. Only the attributes that differ are sent, in one SetQueueAttributes call. Options left unset are not
    managed.
  - The KMS key is compared tolerating the id, ARN, alias name and alias ARN forms only where they provably name
    the same key; when an alias is involved both sides are resolved with KMS DescribeKey (read only).
  - community.aws.sqs_queue compares only the attributes the queue currently has, so a re-run, and C(--check
    --diff), miss an encryption setting turned off by hand and never restore it; it also returns no queue URL
    for a queue it has just created and no diff. That is why this module exists.
  - An existing queue is never changed through CreateQueue (which fails with C(QueueAlreadyExists) when the
    attributes differ); it is changed with SetQueueAttributes. A queue of the same name as one deleted less than
    60 seconds ago cannot be created (C(QueueDeletedRecently)); with O(wait) the module retries the creation with
    backoff until O(wait_timeout).
  - FIFO queues and SSE-SQS (C(SqsManagedSseEnabled)) are not managed.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the queue should exist. Deleting a queue deletes its messages.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The queue name, 1 to 80 letters, digits, hyphens and underscores (no C(.fifo)).
    type: str
    required: true
  visibility_timeout:
    description: Seconds a received message stays hidden from other consumers, 0 to 43200.
    type: int
  message_retention_period:
    description: Seconds SQS keeps a message, 60 to 1209600 (14 days).
    type: int
  maximum_message_size:
    description: The largest message in bytes, 1024 to 1048576.
    type: int
  delay_seconds:
    description: Seconds every new message is delayed, 0 to 900.
    type: int
  receive_message_wait_time_seconds:
    description: Seconds a ReceiveMessage call waits for a message (long polling), 0 to 20.
    type: int
  kms_master_key_id:
    description:
      - The KMS key (key id, key ARN, alias name or alias ARN) of SSE-KMS; C("") declares no SSE-KMS (it is removed).
    type: str
  kms_data_key_reuse_period_seconds:
    description: Seconds SQS reuses a data key before calling KMS again, 60 to 86400. Needs O(kms_master_key_id).
    type: int
  redrive_policy:
    description:
      - Where messages go after too many receives. C({}) declares no redrive policy (it is removed).
    type: dict
    suboptions:
      dead_letter_target_arn:
        description: The ARN of the dead-letter queue (a standard queue in the same account and region).
        type: str
        aliases: [deadLetterTargetArn]
      max_receive_count:
        description: Receives after which a message moves to the dead-letter queue, 1 to 1000.
        type: int
        aliases: [maxReceiveCount]
  redrive_allow_policy:
    description: Which source queues may use this queue as their dead-letter queue.
    type: dict
    suboptions:
      redrive_permission:
        description: C(allowAll) (any queue of the account and region), C(denyAll), or C(byQueue).
        type: str
        choices: [allowAll, denyAll, byQueue]
        required: true
      source_queue_arns:
        description: With C(byQueue), the 1 to 10 queues allowed.
        type: list
        elements: str
  policy:
    description:
      - The queue's access policy (a JSON document, as a dict or a string), compared as parsed JSON;
        C({}) or C("") declares no policy (it is removed).
    type: json
  wait:
    description:
      - Retry the creation while SQS refuses it because a queue of the same name was deleted less than 60 seconds
        ago (C(QueueDeletedRecently)). Without it such a creation fails at once. Nothing else needs waiting.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to keep retrying the creation with O(wait).
    type: int
    default: 120
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Check mode calls no changing API; for a queue it would create it returns the ARN the queue will get (the
    account from STS GetCallerIdentity), no URL, and the declared attributes.
"""

EXAMPLES = r"""
- name: The dead-letter queue, under our key
  streamflix.media_platform.sqs_queue:
    name: streamflix-jobs-dlq-dev
    message_retention_period: 1209600
    kms_master_key_id: alias/streamflix-dev
    kms_data_key_reuse_period_seconds: 300
    tags:
      Project: streamflix
  register: dlq

- name: The jobs queue, redriving to it
  streamflix.media_platform.sqs_queue:
    name: streamflix-jobs-dev
    visibility_timeout: 300
    redrive_policy:
      dead_letter_target_arn: "{{ dlq.queue.arn }}"
      max_receive_count: 5
    kms_master_key_id: alias/streamflix-dev
    tags:
      Project: streamflix

- name: Remove it
  streamflix.media_platform.sqs_queue:
    name: streamflix-jobs-dev
    state: absent
"""

RETURN = r"""
queue:
  description: The queue after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The queue name.
      type: str
      sample: streamflix-jobs-dev
    url:
      description: The queue URL; C(null) for a queue check mode would create.
      type: str
      sample: https://sqs.us-east-1.amazonaws.com/123456789012/streamflix-jobs-dev
    arn:
      description: The queue ARN (projected for a queue check mode would create).
      type: str
      sample: arn:aws:sqs:us-east-1:123456789012:streamflix-jobs-dev
    attributes:
      description:
        - The queue attributes under their AWS names (GetQueueAttributes C(All) without the message counters and
          timestamps); numbers as integers, flags as booleans, C(Policy), C(RedrivePolicy) and C(RedriveAllowPolicy)
          as dicts. For a queue check mode would create, the declared attributes only.
      type: dict
      sample: {"VisibilityTimeout": 300, "KmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/0c7b...",
               "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:streamflix-jobs-dlq-dev",
               "maxReceiveCount": 5}}
    tags:
      description: The queue's tags.
      type: dict
changed_attributes:
  description: The attributes that were (in check mode, would be) set on an existing queue.
  returned: always
  type: list
  elements: str
  sample: [KmsDataKeyReusePeriodSeconds, KmsMasterKeyId]
diff:
  description: The queue (as in RV(queue)) before and after.
  returned: always
  type: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import sqs
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_queue(module, client, url, new=False):
    """The queue as the module sees it; {} when there is none."""
    if not url:
        return {}
    try:
        if new:
            attributes, tags = sqs.get_new_queue_attributes(client, url), sqs.list_new_queue_tags(client, url)
        else:
            attributes = sqs.get_attributes(client, url)
            if attributes is None:
                return {}
            tags = sqs.list_tags(client, url)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read SQS queue {0}".format(url))
    return {
        "name": module.params["name"],
        "url": url,
        "arn": attributes.get("QueueArn"),
        "attributes": sqs.attribute_view(attributes),
        "tags": tags,
    }


def region_and_account(module, current):
    """The queue's region and account (from its ARN), else the connection's region and STS's account."""
    if current.get("arn"):
        parts = current["arn"].split(":")
        return parts[1], parts[3], parts[4]
    sts = module.client("sts", retry_decorator=AWSRetry.jittered_backoff())
    try:
        identity = sqs.caller_identity(sts)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not find the account (STS GetCallerIdentity) to plan SQS queue {0}".format(module.params["name"]))
    return identity["Arn"].split(":")[1], module.region, identity["Account"]


def key_arn(module, kms, key_id, required):
    """The ARN of the key ``key_id`` names; for a current key that KMS cannot describe, None."""
    if is_key_arn(key_id):
        return key_id  # already what DescribeKey would answer
    try:
        return sqs.describe_key_arn(kms, key_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        if not required:
            return None
        module.fail_json_aws(
            e,
            msg="Could not find KMS key {0!r} (kms_master_key_id): give an existing key id, key ARN, alias name or "
            "alias ARN, and allow kms:DescribeKey on it".format(key_id),
        )


def attribute_changes(module, current, desired, region, account):
    changes, undecided = sqs.compare_attributes(current.get("attributes", {}), desired, region, account)
    if "KmsMasterKeyId" in undecided:
        kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
        wanted = key_arn(module, kms, desired["KmsMasterKeyId"], required=True)
        have = key_arn(module, kms, current["attributes"]["KmsMasterKeyId"], required=False)
        if have != wanted:
            changes["KmsMasterKeyId"] = desired["KmsMasterKeyId"]
    return changes


def create(module, client, name, desired):
    params = module.params
    attributes = sqs.wire_attributes(dict((k, v) for k, v in desired.items() if v is not None))
    deadline = time.monotonic() + params["wait_timeout"] if params["wait"] else None
    try:
        url = sqs.create_queue_when_allowed(client, name, attributes, params["tags"] or {}, deadline)
    except is_boto3_error_code(list(sqs.DELETED_RECENTLY)) as e:
        module.fail_json_aws(
            e,
            msg="SQS queue {0} was deleted less than 60 seconds ago and SQS refuses to create a queue of that name "
            "until then{1}: re-run in a minute, or set wait=true (wait_timeout at least 60)".format(
                name, " (waited {0} s)".format(params["wait_timeout"]) if params["wait"] else ""
            ),
        )
    except is_boto3_error_code(list(sqs.NAME_EXISTS)):
        return None  # it appeared meanwhile: converge it like any existing queue
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not create SQS queue {0}".format(name))
    return read_queue(module, client, url, new=True)


def tag_changes(module, current):
    params = module.params
    if params["tags"] is None:
        return {}, [], current.get("tags", {})
    tags_to_set, tags_to_unset = compare_aws_tags(current.get("tags", {}), params["tags"], params["purge_tags"])
    tags = dict((k, v) for k, v in current.get("tags", {}).items() if k not in tags_to_unset)
    tags.update(tags_to_set)
    return tags_to_set, tags_to_unset, tags


def update(module, client, current, desired, region, account):
    """Returns (changed, queue, changed_attributes)."""
    changes = attribute_changes(module, current, desired, region, account)
    tags_to_set, tags_to_unset, tags = tag_changes(module, current)
    if not (changes or tags_to_set or tags_to_unset):
        return False, current, []
    # The queue as changed. Not read back: SQS takes up to 60 seconds to propagate an attribute change, so a read
    # right after SetQueueAttributes may still show the old values.
    after = dict(current, attributes=sqs.projected_attributes(current["attributes"], changes), tags=tags)
    if module.check_mode:
        return True, after, sorted(changes)
    step = "attributes {0}".format(", ".join(sorted(changes)))
    try:
        if changes:
            sqs.set_attributes(client, current["url"], sqs.wire_attributes(changes))
        step = "tags"
        if tags_to_unset:
            sqs.untag_queue(client, current["url"], tags_to_unset)
        if tags_to_set:
            sqs.tag_queue(client, current["url"], tags_to_set)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not change the {0} of SQS queue {1}".format(step, module.params["name"]))
    return True, after, sorted(changes)


def ensure_present(module, client, current):
    """Returns (changed, queue, changed_attributes)."""
    name = module.params["name"]
    desired = sqs.desired_attributes(module.params)
    if not current:
        if module.check_mode:
            partition, region, account = region_and_account(module, current)
            planned = {
                "name": name,
                "url": None,
                "arn": sqs.queue_arn(partition, region, account, name),
                "attributes": dict((k, v) for k, v in desired.items() if v is not None),
                "tags": module.params["tags"] or {},
            }
            return True, planned, []
        created = create(module, client, name, desired)
        # CreateQueue may have answered with a queue that already existed (it appeared meanwhile, or a retried
        # request): converge it like any existing queue; for the queue just made this sends nothing.
        current = created or read_queue(module, client, find_url(module, client, name))
        if not current:
            module.fail_json(msg="SQS queue {0} was created but cannot be found".format(name))
        _partition, region, account = region_and_account(module, current)
        return True, update(module, client, current, desired, region, account)[1], []
    _partition, region, account = region_and_account(module, current)
    return update(module, client, current, desired, region, account)


def ensure_absent(module, client, current):
    if not current:
        return False, {}, []
    if not module.check_mode:
        try:
            sqs.delete_queue(client, current["url"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete SQS queue {0}".format(module.params["name"]))
    return True, {}, []


def find_url(module, client, name):
    try:
        return sqs.find_queue_url(client, name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not look up SQS queue {0}".format(name))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        visibility_timeout=dict(type="int"),
        message_retention_period=dict(type="int"),
        maximum_message_size=dict(type="int"),
        delay_seconds=dict(type="int"),
        receive_message_wait_time_seconds=dict(type="int"),
        kms_master_key_id=dict(type="str", no_log=False),
        kms_data_key_reuse_period_seconds=dict(type="int", no_log=False),
        redrive_policy=dict(
            type="dict",
            options=dict(
                dead_letter_target_arn=dict(type="str", aliases=["deadLetterTargetArn"]),
                max_receive_count=dict(type="int", aliases=["maxReceiveCount"]),
            ),
        ),
        redrive_allow_policy=dict(
            type="dict",
            options=dict(
                redrive_permission=dict(type="str", choices=["allowAll", "denyAll", "byQueue"], required=True),
                source_queue_arns=dict(type="list", elements="str"),
            ),
        ),
        policy=dict(type="json"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = sqs.parameter_problems(module.params)
    if problems:
        module.fail_json(msg=" ".join(problems))
    client = module.client("sqs", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=sqs.THROTTLED))
    current = read_queue(module, client, find_url(module, client, module.params["name"]))
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, after, changed_attributes = ensure(module, client, current)
    module.exit_json(changed=changed, queue=after, changed_attributes=changed_attributes, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
