# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS helpers: alias calls for the kms_alias module, and key ARNs the other modules need not resolve."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def full_alias_name(name):
    return name if name.startswith("alias/") else "alias/" + name


@AWSRetry.jittered_backoff()
def find_alias(client, alias_name):
    paginator = client.get_paginator("list_aliases")
    for page in paginator.paginate():
        for alias in page["Aliases"]:
            if alias["AliasName"] == alias_name:
                return alias
    return None


# A key ARN is what DescribeKey returns as KeyMetadata.Arn, so a module that compares keys as ARNs needs no call
# for it (AWS General Reference, "Amazon Resource Names": arn:partition:kms:region:account:key/key-id; multi-Region
# key ids start with mrk-). Aliases, alias ARNs and bare key ids still need DescribeKey.
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$")


def is_key_arn(key_id):
    """Whether ``key_id`` is already a key ARN (not an alias, an alias ARN or a bare key id)."""
    return bool(key_id) and bool(KEY_ARN.match(key_id))


# AliasName: 1 to 256 characters of letters, digits, /, _ and - (the KMS API reference, CreateAlias), alias/ first.
ALIAS_NAME = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")


@AWSRetry.jittered_backoff()
def describe_key(client, key_id):
    """KeyMetadata of the key ``key_id`` (id, ARN, alias) names; None when there is none."""
    try:
        return client.describe_key(KeyId=key_id)["KeyMetadata"]
    except client.exceptions.NotFoundException:
        return None


@AWSRetry.jittered_backoff()
def get_key_policy(client, key_id):
    """The key's policy document (a JSON string); "default" is the only policy name KMS supports."""
    return client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]


@AWSRetry.jittered_backoff()
def rotation_enabled(client, metadata):
    """Whether automatic rotation is on; None for a key that cannot rotate (KMS answers UnsupportedOperation)."""
    try:
        return client.get_key_rotation_status(KeyId=metadata["KeyId"])["KeyRotationEnabled"]
    except client.exceptions.UnsupportedOperationException:
        return None


@AWSRetry.jittered_backoff()
def list_tags(client, key_id):
    tags = {}
    for page in client.get_paginator("list_resource_tags").paginate(KeyId=key_id):
        tags.update((tag["TagKey"], tag["TagValue"]) for tag in page.get("Tags", []))
    return tags


def key_view(alias, metadata, policy, rotation, tags):
    """The key as kms_key compares and returns it."""
    return {
        "key_id": metadata["KeyId"],
        "key_arn": metadata["Arn"],
        "alias": alias,
        "description": metadata.get("Description", ""),
        "key_state": metadata["KeyState"],
        "enabled": metadata.get("Enabled", False),
        "enable_key_rotation": rotation,
        "policy": json.loads(policy) if policy else None,
        "tags": tags,
        "deletion_date": str(metadata["DeletionDate"]) if metadata.get("DeletionDate") else None,
    }
