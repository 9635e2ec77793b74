# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs log groups: the input checks, the pure comparison and the calls the cloudwatch_log_group
module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# The only values PutRetentionPolicy accepts (API reference, retentionInDays). 0 is the module's "never expire".
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)
NEVER_EXPIRE = 0
LOG_GROUP_CLASSES = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")
DEFAULT_LOG_GROUP_CLASS = "STANDARD"
# CreateLogGroup: 1-512 characters of a-z, A-Z, 0-9, '_', '-', '/', '.', '#'.
NAME_PATTERN = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}\Z")
# CreateLogGroup / AssociateKmsKey take the key's ARN (not a key id or an alias).
KMS_KEY_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+\Z")
# Writes that collide with another update of the same group are answered OperationAbortedException: retry them.
RETRIED_WRITE_CODES = ["OperationAbortedException"]


def input_errors(params):
    """Everything wrong with the module's inputs, checked before any call; each message names the option."""
    errors = []
    name = params.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        errors.append(
            "name must be 1-512 characters of letters, digits, '_', '-', '/', '.' and '#'; got {0!r}.".format(name)
        )
    retention = params.get("retention_days")
    if retention is not None and retention != NEVER_EXPIRE and retention not in RETENTION_DAYS:
        errors.append(
            "retention_days must be {0} (never expire) or one of the values CloudWatch Logs accepts ({1}); got {2!r}.".format(
                NEVER_EXPIRE, ", ".join(str(days) for days in RETENTION_DAYS), retention
            )
        )
    kms_key_id = params.get("kms_key_id")
    if kms_key_id not in (None, "") and not KMS_KEY_ARN_PATTERN.match(kms_key_id):
        errors.append(
            "kms_key_id must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), or '' to remove the "
            "key; got {0!r}.".format(kms_key_id)
        )
    return errors


def tagging_arn(log_group):
    """The ARN the tagging APIs take: without the trailing ':*' (DescribeLogGroups' logGroupArn)."""
    if log_group.get("logGroupArn"):
        return log_group["logGroupArn"]
    arn = log_group.get("arn")
    if arn and arn.endswith(":*"):
        return arn[:-2]
    return arn


def current_log_group(log_group, tags):
    """The module's view of a DescribeLogGroups entry and its tags; None when there is no group."""
    if log_group is None:
        return None
    return {
        "name": log_group["logGroupName"],
        "arn": tagging_arn(log_group),
        "retention_days": log_group.get("retentionInDays") or NEVER_EXPIRE,
        "kms_key_id": log_group.get("kmsKeyId") or None,
        "log_group_class": log_group.get("logGroupClass") or DEFAULT_LOG_GROUP_CLASS,
        "tags": dict(tags or {}),
    }


def desired_log_group(params, current):
    """The group as it should be: what the options say, and the current value where an option is left out."""
    current = current or {}
    retention = params.get("retention_days")
    if retention is None:
        retention = current.get("retention_days", NEVER_EXPIRE)
    kms_key_id = params.get("kms_key_id")
    if kms_key_id is None:
        kms_key_id = current.get("kms_key_id")
    log_group_class = params.get("log_group_class") or current.get("log_group_class") or DEFAULT_LOG_GROUP_CLASS
    tags = dict(current.get("tags", {}))
    if params.get("tags") is not None:
        tags_to_set, tags_to_unset = compare_aws_tags(tags, params["tags"], params.get("purge_tags", True))
        tags = dict((key, value) for key, value in tags.items() if key not in tags_to_unset)
        tags.update(tags_to_set)
    return {
        "name": params["name"],
        "arn": current.get("arn"),
        "retention_days": retention,
        "kms_key_id": kms_key_id or None,
        "log_group_class": log_group_class,
        "tags": tags,
    }


def changes(current, desired):
    """What to send to turn ``current`` (an existing group) into ``desired``.

    Returns a dict with any of: ``retention_days`` (a number to put, or 0 to delete the policy),
    ``kms_key_id`` (a key to associate, or None to disassociate), ``tags_to_set`` / ``tags_to_unset``,
    and ``log_group_class`` (which cannot change: the caller refuses it).
    """
    todo = {}
    if current["retention_days"] != desired["retention_days"]:
        todo["retention_days"] = desired["retention_days"]
    if current["kms_key_id"] != desired["kms_key_id"]:
        todo["kms_key_id"] = desired["kms_key_id"]
    if current["log_group_class"] != desired["log_group_class"]:
        todo["log_group_class"] = desired["log_group_class"]
    tags_to_set, tags_to_unset = compare_aws_tags(current["tags"], desired["tags"], purge_tags=True)
    if tags_to_set:
        todo["tags_to_set"] = tags_to_set
    if tags_to_unset:
        todo["tags_to_unset"] = sorted(tags_to_unset)
    return todo


def find_log_group(client, name):
    """The DescribeLogGroups entry named exactly ``name``; the prefix also lists longer names."""
    for log_group in describe_log_groups(client, name):
        if log_group["logGroupName"] == name:
            return log_group
    return None


@AWSRetry.jittered_backoff()
def describe_log_groups(client, prefix):
    paginator = client.get_paginator("describe_log_groups")
    return paginator.paginate(logGroupNamePrefix=prefix).build_full_result()["logGroups"]


@AWSRetry.jittered_backoff()
def list_tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn)["tags"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def create_log_group(client, desired):
    request = {"logGroupName": desired["name"], "logGroupClass": desired["log_group_class"]}
    if desired["kms_key_id"]:
        request["kmsKeyId"] = desired["kms_key_id"]
    if desired["tags"]:
        request["tags"] = desired["tags"]
    client.create_log_group(**request)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def put_retention_policy(client, name, days):
    client.put_retention_policy(logGroupName=name, retentionInDays=days)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def delete_retention_policy(client, name):
    client.delete_retention_policy(logGroupName=name)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def associate_kms_key(client, name, kms_key_id):
    client.associate_kms_key(logGroupName=name, kmsKeyId=kms_key_id)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def disassociate_kms_key(client, name):
    client.disassociate_kms_key(logGroupName=name)


@AWSRetry.jittered_backoff()
def tag_resource(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=tags)


@AWSRetry.jittered_backoff()
def untag_resource(client, arn, tag_keys):
    client.untag_resource(resourceArn=arn, tagKeys=list(tag_keys))


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_WRITE_CODES)
def delete_log_group(client, name):
    client.delete_log_group(logGroupName=name)
