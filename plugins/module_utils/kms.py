# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS helpers: alias calls for the kms_alias module, and key ARNs the other modules need not resolve."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
