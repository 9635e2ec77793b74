#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sns_topic
short_description: Manage an SNS topic under a KMS key, its email subscriptions and a CloudWatch alarms policy
version_added: 0.1.0
description:
  - Creates, updates in place or deletes one standard SNS topic, found by name.
  - Each setting left unset (C(null)) is left as it is on an existing topic; only the attributes that differ
    are sent (SetTopicAttributes, one per attribute).
  - community.aws.sns_topic cannot set C(KmsMasterKeyId), so a topic could not be encrypted with a customer
    key, and it manages the topic policy only as a whole document (which has to name the topic ARN, and would
    drop the account owner's default statement unless repeated); that is why this module exists. This module
    manages one statement, letting CloudWatch alarms publish, and keeps the others.
  - SNS reports the key as it was given (id, ARN or alias); the module resolves both the current and the
    desired key to a key ARN with KMS DescribeKey before deciding that the key changed.
  - Email subscriptions wait for the recipient to confirm them (C(PendingConfirmation)). SNS gives a pending
    subscription no ARN in its listings and does not let anyone delete it; it deletes it itself after 48
    hours unconfirmed. So O(purge_subscriptions) deletes only confirmed subscriptions, and warns about pending
    ones it would have deleted. A declared address whose subscription is pending is not subscribed again (that
    would send another confirmation email on every run).
  - Topics change at once, so there is nothing to wait for.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the topic should exist. Deleting a topic deletes its subscriptions.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The topic name; 1 to 256 letters, digits, hyphens and underscores (FIFO topics are not managed).
    type: str
    required: true
  display_name:
    description: The display name (used as the sender of SMS messages); C("") clears it.
    type: str
  kms_master_key_id:
    description:
      - The KMS key (id, ARN, alias name or alias ARN) that encrypts the topic at rest; C("") turns encryption off.
      - For CloudWatch alarms to publish to an encrypted topic the key policy must let C(cloudwatch.amazonaws.com)
        use the key (C(kms:Decrypt), C(kms:GenerateDataKey*)); the module does not change key policies.
    type: str
  allow_cloudwatch_alarms:
    description:
      - C(true) puts a statement (Sid C(AllowCloudWatchAlarmsToPublish)) in the topic policy that lets
        C(cloudwatch.amazonaws.com) C(sns:Publish) to the topic for alarms of the topic's own account and region
        (conditions C(aws:SourceAccount) and C(aws:SourceArn)); C(false) removes that statement.
      - The other statements of the policy are kept as they are.
    type: bool
    default: false
  email_subscriptions:
    description:
      - Email addresses to subscribe (protocol C(email)). Each new one gets a confirmation email from AWS.
      - Unset leaves the email subscriptions as they are. Subscriptions of other protocols are never touched.
    type: list
    elements: str
  purge_subscriptions:
    description:
      - Delete the confirmed email subscriptions whose address is not in O(email_subscriptions).
      - Pending ones cannot be deleted (see the description); the module warns about them.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The alarm topic, under our key, CloudWatch alarms allowed, on-call addresses subscribed
  streamflix.media_platform.sns_topic:
    name: streamflix-alarms-dev
    display_name: StreamFlix dev alarms
    kms_master_key_id: alias/streamflix-dev
    allow_cloudwatch_alarms: true
    email_subscriptions:
      - oncall@example.com
    tags:
      Project: streamflix

- name: Remove it with its subscriptions
  streamflix.media_platform.sns_topic:
    name: streamflix-alarms-dev
    state: absent
"""

RETURN = r"""
topic:
  description: The topic after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The topic name.
      type: str
      sample: streamflix-alarms-dev
    arn:
      description: The topic ARN; C(null) for one that check mode would create.
      type: str
      sample: arn:aws:sns:us-east-1:123456789012:streamflix-alarms-dev
    display_name:
      description: The display name, C("") when none.
      type: str
    kms_master_key_id:
      description: The KMS key as SNS reports it (as it was given); C(null) when not encrypted.
      type: str
    policy:
      description: The topic policy, parsed; C(null) for a topic check mode would create.
      type: dict
    email_subscriptions:
      description: The email subscriptions, sorted by address.
      type: list
      elements: dict
      contains:
        endpoint:
          description: The email address.
          type: str
        subscription_arn:
          description: The subscription ARN; C(null) while it waits for its confirmation.
          type: str
        pending:
          description: Whether it waits for the recipient's confirmation.
          type: bool
    tags:
      description: The topic's tags.
      type: dict
pending_confirmation:
  description: Addresses whose subscription waits for its confirmation (after the change).
  returned: always
  type: list
  elements: str
diff:
  description: The topic before and after.
  returned: always
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import sns
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_topic(module, client, topic_arn):
    """The topic as the module sees it; {} when there is none."""
    if not topic_arn:
        return {}
    try:
        attributes = sns.get_attributes(client, topic_arn)
        if attributes is None:
            return {}
        return sns.topic_view(topic_arn, attributes, sns.list_subscriptions(client, topic_arn), sns.list_tags(client, topic_arn))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read SNS topic {0}".format(topic_arn))


def key_arn(module, kms, key_id):
    if is_key_arn(key_id):
        return key_id  # already what DescribeKey would answer
    try:
        return kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg="Could not find KMS key {0!r} (kms_master_key_id): give an existing key id, ARN or alias and "
            "allow kms:DescribeKey on it".format(key_id),
        )


def key_differs(module, current_key, desired_key):
    """Whether the topic's key must change; None (unset) never changes it."""
    if desired_key is None:
        return False
    if not desired_key or not current_key:
        return bool(desired_key) != bool(current_key)
    if current_key == desired_key:
        return False
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    return key_arn(module, kms, current_key) != key_arn(module, kms, desired_key)


def attribute_changes(module, current):
    """{AttributeName: value} for DisplayName, KmsMasterKeyId and Policy where they differ."""
    params = module.params
    changes = {}
    if params["display_name"] is not None and params["display_name"] != current.get("display_name", ""):
        changes["DisplayName"] = params["display_name"]
    if key_differs(module, current.get("kms_master_key_id"), params["kms_master_key_id"]):
        changes["KmsMasterKeyId"] = params["kms_master_key_id"]
    if current.get("arn"):
        policy = sns.desired_policy(current.get("policy"), current["arn"], params["allow_cloudwatch_alarms"])
        if policy is not None:
            changes["Policy"] = policy
    return changes


def projected(current, changes, subs, tags):
    after = dict(current)
    if "DisplayName" in changes:
        after["display_name"] = changes["DisplayName"]
    if "KmsMasterKeyId" in changes:
        after["kms_master_key_id"] = changes["KmsMasterKeyId"] or None
    if "Policy" in changes:
        after["policy"] = changes["Policy"]
    to_subscribe, to_unsubscribe, _stuck = subs
    after["email_subscriptions"] = sns.projected_subscriptions(current.get("email_subscriptions", []), to_subscribe, to_unsubscribe)
    after["tags"] = tags
    return after


def create(module, client, name):
    params = module.params
    attributes = {}
    if params["display_name"]:
        attributes["DisplayName"] = params["display_name"]
    if params["kms_master_key_id"]:
        attributes["KmsMasterKeyId"] = params["kms_master_key_id"]
    try:
        return sns.create_topic(client, name, attributes, params["tags"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create SNS topic {0}".format(name))


def apply_changes(module, client, topic_arn, changes, subs, tags_to_set, tags_to_unset):
    to_subscribe, to_unsubscribe, _stuck = subs
    step = "attributes"
    try:
        for attribute, value in changes.items():
            step = attribute
            sns.set_attribute(client, topic_arn, attribute, json.dumps(value, sort_keys=True) if attribute == "Policy" else value)
        step = "tags"
        if tags_to_unset:
            sns.untag_topic(client, topic_arn, tags_to_unset)
        if tags_to_set:
            sns.tag_topic(client, topic_arn, tags_to_set)
        for sub in to_unsubscribe:
            step = "the subscription of {0}".format(sub["endpoint"])
            sns.unsubscribe(client, sub["subscription_arn"])
        for email in to_subscribe:
            step = "the subscription of {0}".format(email)
            sns.subscribe_email(client, topic_arn, email)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not change {0} of SNS topic {1}".format(step, topic_arn))


def ensure_present(module, client, name, current):
    params = module.params
    subs = sns.subscription_changes(current.get("email_subscriptions", []), params["email_subscriptions"], params["purge_subscriptions"])
    if subs[2]:
        module.warn(
            "SNS topic {0}: the pending email subscriptions of {1} are not declared but cannot be deleted: SNS "
            "deletes them itself 48 hours after they were made unless they are confirmed.".format(name, ", ".join(subs[2]))
        )
    if not current:
        tags = params["tags"] or {}
        if module.check_mode:
            base = {"name": name, "arn": None, "display_name": "", "kms_master_key_id": None, "policy": None, "email_subscriptions": []}
            attrs = dict((k, v) for k, v in (("DisplayName", params["display_name"]), ("KmsMasterKeyId", params["kms_master_key_id"])) if v)
            return True, projected(base, attrs, subs, tags)
        topic_arn = create(module, client, name)
        created = read_topic(module, client, topic_arn)
        apply_changes(module, client, topic_arn, attribute_changes(module, created), subs, {}, [])
        return True, read_topic(module, client, topic_arn)

    changes = attribute_changes(module, current)
    tags = current["tags"]
    tags_to_set, tags_to_unset = {}, []
    if params["tags"] is not None:
        tags_to_set, tags_to_unset = compare_aws_tags(current["tags"], params["tags"], params["purge_tags"])
        tags = dict((k, v) for k, v in current["tags"].items() if k not in tags_to_unset)
        tags.update(tags_to_set)
    if not (changes or tags_to_set or tags_to_unset or subs[0] or subs[1]):
        return False, current
    if module.check_mode:
        return True, projected(current, changes, subs, tags)
    apply_changes(module, client, current["arn"], changes, subs, tags_to_set, tags_to_unset)
    return True, read_topic(module, client, current["arn"])


def ensure_absent(module, client, name, current):
    if not current:
        return False, {}
    if not module.check_mode:
        try:
            sns.delete_topic(client, current["arn"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete SNS topic {0}".format(name))
    return True, {}


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        display_name=dict(type="str"),
        kms_master_key_id=dict(type="str"),
        allow_cloudwatch_alarms=dict(type="bool", default=False),
        email_subscriptions=dict(type="list", elements="str"),
        purge_subscriptions=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    name = module.params["name"]
    problems = sns.name_problems(name) + sns.email_problems(module.params["email_subscriptions"])
    if problems:
        module.fail_json(msg=" ".join(problems))
    client = module.client("sns", retry_decorator=AWSRetry.jittered_backoff())
    try:
        topic_arn = sns.find_topic_arn(client, name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list SNS topics to find {0}".format(name))
    current = read_topic(module, client, topic_arn)
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, after = ensure(module, client, name, current)
    pending = [s["endpoint"] for s in after.get("email_subscriptions", []) if s["pending"]]
    module.exit_json(changed=changed, topic=after, pending_confirmation=pending, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
