# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS alias calls for the kms_alias module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
