# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets Manager: value generation and the pure comparisons of the generated_secret module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import secrets
import string

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Letters and digits are valid in every consumer the platform has (Redis AUTH, URLs, headers, env files).
CHARACTER_SETS = {
    "alphanumeric": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
}


def generate_value(length, character_set):
    alphabet = CHARACTER_SETS[character_set]
    return "".join(secrets.choice(alphabet) for _position in range(length))


def missing_keys(current_value, keys):
    """The JSON keys the stored value lacks; every key when the value is not a JSON object."""
    try:
        stored = json.loads(current_value) if current_value else {}
    except ValueError:
        stored = None
    if not isinstance(stored, dict):
        return list(keys)
    return [key for key in keys if key not in stored]


def _stored_object(current_value):
    try:
        stored = json.loads(current_value) if current_value else {}
    except ValueError:
        stored = {}
    return stored if isinstance(stored, dict) else {}


def differing_values(current_value, fixed):
    """The fixed (non-secret) fields whose stored value differs from the declared one."""
    stored = _stored_object(current_value)
    return sorted(key for key, value in (fixed or {}).items() if stored.get(key) != value)


def merged_value(current_value, keys, length, character_set, regenerate, fixed=None):
    """The value to store: generated values for the keys asked to be (re)generated, the rest kept,
    and the fixed fields as declared."""
    if not keys:
        return generate_value(length, character_set)
    try:
        stored = json.loads(current_value) if current_value else {}
    except ValueError:
        stored = {}
    stored = stored if isinstance(stored, dict) else {}
    for key in keys:
        if regenerate or key not in stored:
            stored[key] = generate_value(length, character_set)
    stored.update(fixed or {})
    return json.dumps(stored, sort_keys=True)


def metadata_changes(current, desired):
    """Which of description and KMS key differ (the KMS keys compared as resolved ARNs)."""
    return sorted(key for key in ("description", "kms_key_arn") if desired.get(key) is not None and current.get(key) != desired[key])


@AWSRetry.jittered_backoff()
def describe_secret(client, name):
    try:
        return client.describe_secret(SecretId=name)
    except client.exceptions.ResourceNotFoundException:
        return None


@AWSRetry.jittered_backoff()
def current_secret_string(client, name):
    return client.get_secret_value(SecretId=name).get("SecretString")


@AWSRetry.jittered_backoff()
def key_arn(kms_client, key_id):
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
