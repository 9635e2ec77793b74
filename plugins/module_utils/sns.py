# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SNS topics: the pure comparisons and the SNS calls of the sns_topic module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

# CreateTopic: "Topic names must be made up of only uppercase and lowercase ASCII letters, numbers,
# underscores, and hyphens, and must be between 1 and 256 characters long." (.fifo topics are not managed here.)
TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}\Z")
# SNS lists a subscription that waits for its confirmation with this in place of its ARN.
PENDING = "PendingConfirmation"
CLOUDWATCH_SID = "AllowCloudWatchAlarmsToPublish"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\Z")


# ---------------------------------------------------------------- pure functions


def name_problems(name):
    if TOPIC_NAME.match(name or ""):
        return []
    return [
        "The topic name {0!r} is not valid: use 1 to 256 letters, digits, hyphens (-) and underscores (_) "
        "(FIFO topics are not managed by this module).".format(name)
    ]


def email_problems(emails):
    return [
        "{0!r} in email_subscriptions is not an email address (name@domain).".format(email)
        for email in emails or []
        if not EMAIL.match(email or "")
    ]


def arn_parts(topic_arn):
    """(partition, region, account) of a topic ARN arn:<partition>:sns:<region>:<account>:<name>."""
    parts = topic_arn.split(":")
    return parts[1], parts[3], parts[4]


def cloudwatch_statement(topic_arn):
    """The statement that lets CloudWatch alarms of this account and region publish to the topic."""
    partition, region, account = arn_parts(topic_arn)
    return {
        "Sid": CLOUDWATCH_SID,
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": "arn:{0}:cloudwatch:{1}:{2}:alarm:*".format(partition, region, account)},
        },
    }


def _as_sorted_list(value):
    if isinstance(value, (list, tuple)):
        return sorted(value)
    return [value]


def normalize_statement(statement):
    """A statement in a form where equal statements compare equal: single values and one-element lists are
    the same thing in IAM policy grammar, and the order of Action and Resource entries does not matter."""
    normal = dict(statement)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in normal:
            normal[key] = _as_sorted_list(normal[key])
    if isinstance(normal.get("Principal"), dict):
        normal["Principal"] = dict((k, _as_sorted_list(v)) for k, v in normal["Principal"].items())
    if isinstance(normal.get("Condition"), dict):
        normal["Condition"] = dict(
            (operator, dict((k, _as_sorted_list(v)) for k, v in (keys or {}).items()))
            for operator, keys in normal["Condition"].items()
        )
    return normal


def parse_policy(text):
    """The topic's Policy attribute, parsed; None when absent or not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def desired_policy(current_policy, topic_arn, allow_cloudwatch_alarms):
    """The policy with the CloudWatch statement added (allow) or removed (not allow); the other statements
    are kept as they are. None when nothing would change."""
    policy = dict(current_policy or {"Version": "2008-10-17", "Statement": []})
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    others = [s for s in statements if s.get("Sid") != CLOUDWATCH_SID]
    ours = [s for s in statements if s.get("Sid") == CLOUDWATCH_SID]
    if allow_cloudwatch_alarms:
        wanted = cloudwatch_statement(topic_arn)
        if len(ours) == 1 and normalize_statement(ours[0]) == normalize_statement(wanted):
            return None
        policy["Statement"] = others + [wanted]
        return policy
    if not ours:
        return None
    policy["Statement"] = others
    return policy


def subscription_changes(current, emails, purge):
    """What to do about the email subscriptions.

    ``current`` is the topic's email subscriptions ({endpoint, subscription_arn, pending}), ``emails`` the
    declared addresses (None: leave them). Returns (to_subscribe, to_unsubscribe, stuck): addresses to
    subscribe, confirmed subscriptions (dicts) to delete, and pending undeclared addresses that SNS does not
    let anyone delete (they expire after 48 hours unconfirmed).
    """
    if emails is None:
        return [], [], []
    present = set(s["endpoint"] for s in current)
    wanted = []
    for email in emails:
        if email not in wanted:
            wanted.append(email)
    to_subscribe = [email for email in wanted if email not in present]
    to_unsubscribe, stuck = [], []
    if purge:
        for sub in current:
            if sub["endpoint"] in wanted:
                continue
            if sub["pending"]:
                stuck.append(sub["endpoint"])
            else:
                to_unsubscribe.append(sub)
    return to_subscribe, to_unsubscribe, sorted(stuck)


def subscription_view(entry):
    arn = entry.get("SubscriptionArn")
    pending = not arn or arn == PENDING or not arn.startswith("arn:")
    return {"endpoint": entry["Endpoint"], "subscription_arn": None if pending else arn, "pending": pending}


def projected_subscriptions(current, to_subscribe, to_unsubscribe):
    """The email subscriptions after the change: new ones wait for their confirmation."""
    gone = set(s["endpoint"] for s in to_unsubscribe)
    kept = [s for s in current if s["endpoint"] not in gone]
    kept.extend({"endpoint": email, "subscription_arn": None, "pending": True} for email in to_subscribe)
    return sorted(kept, key=lambda s: s["endpoint"])


def topic_view(topic_arn, attributes, subscriptions, tags):
    """The module's view of a topic."""
    return {
        "name": topic_arn.split(":")[-1],
        "arn": topic_arn,
        "display_name": attributes.get("DisplayName") or "",
        "kms_master_key_id": attributes.get("KmsMasterKeyId") or None,
        "policy": parse_policy(attributes.get("Policy")),
        "email_subscriptions": sorted(
            (subscription_view(s) for s in subscriptions if s.get("Protocol") == "email"), key=lambda s: s["endpoint"]
        ),
        "tags": tags,
    }


# ---------------------------------------------------------------- SNS calls


@AWSRetry.jittered_backoff()
def find_topic_arn(client, name):
    """The ARN of the topic of that name in this account and region, or None."""
    paginator = client.get_paginator("list_topics")
    for page in paginator.paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].split(":")[-1] == name:
                return topic["TopicArn"]
    return None


@AWSRetry.jittered_backoff()
def get_attributes(client, topic_arn):
    """GetTopicAttributes, or None when the topic is gone."""
    try:
        return client.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    except is_boto3_error_code("NotFound"):
        return None


@AWSRetry.jittered_backoff()
def list_subscriptions(client, topic_arn):
    paginator = client.get_paginator("list_subscriptions_by_topic")
    found = []
    for page in paginator.paginate(TopicArn=topic_arn):
        found.extend(page.get("Subscriptions", []))
    return found


@AWSRetry.jittered_backoff()
def list_tags(client, topic_arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=topic_arn).get("Tags", []))


@AWSRetry.jittered_backoff()
def create_topic(client, name, attributes, tags):
    params = {"Name": name, "Attributes": attributes}
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_topic(**params)["TopicArn"]


@AWSRetry.jittered_backoff()
def set_attribute(client, topic_arn, name, value):
    client.set_topic_attributes(TopicArn=topic_arn, AttributeName=name, AttributeValue=value)


@AWSRetry.jittered_backoff()
def subscribe_email(client, topic_arn, email):
    return client.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=email, ReturnSubscriptionArn=True)


@AWSRetry.jittered_backoff()
def unsubscribe(client, subscription_arn):
    try:
        client.unsubscribe(SubscriptionArn=subscription_arn)
    except is_boto3_error_code("NotFound"):
        pass  # removed meanwhile: the goal is met


@AWSRetry.jittered_backoff()
def tag_topic(client, topic_arn, tags):
    client.tag_resource(ResourceArn=topic_arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def untag_topic(client, topic_arn, keys):
    client.untag_resource(ResourceArn=topic_arn, TagKeys=list(keys))


@AWSRetry.jittered_backoff()
def delete_topic(client, topic_arn):
    try:
        client.delete_topic(TopicArn=topic_arn)
    except is_boto3_error_code("NotFound"):
        pass  # removed meanwhile: the goal is met
