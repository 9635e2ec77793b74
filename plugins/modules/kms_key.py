#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kms_key
short_description: Create or converge a symmetric customer-managed KMS key found by its alias
version_added: 0.1.0
description:
  - Finds the key by its alias (KMS DescribeKey on the alias) and converges its description, key policy, automatic
    rotation and tags; creates the key with its alias when there is none. A key scheduled for deletion (by an earlier
    teardown) has its deletion cancelled and is enabled again; a disabled key is enabled.
  - Reads each key once, with four calls (DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags), and
    sends only what differs. amazon.aws.kms_key reads the key, all aliases of the account, its grants and all its
    policies twice per run (16 calls on a no-op); this module manages no grants and only the C(default) key policy,
    the only one KMS supports.
  - Only symmetric encryption keys (C(SYMMETRIC_DEFAULT), C(ENCRYPT_DECRYPT)) in the key's own account.
  - O(state=absent) schedules the key's deletion after O(pending_window) days (KMS never deletes a key at once) and
    leaves the alias, which streamflix.media_platform.kms_alias removes.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the key should exist (V(absent) schedules its deletion).
    type: str
    choices: [present, absent]
    default: present
  alias:
    description: The alias that names the key, with or without the C(alias/) prefix (not C(alias/aws/...)).
    type: str
    required: true
  description:
    description: The key's description (at most 8192 characters). Left as it is when not given.
    type: str
  policy:
    description:
      - The key policy (a JSON document or a dict), compared as a policy (statement order and single values against
        one-element lists do not count). Left as it is when not given; a new key then gets KMS's default policy.
    type: json
  enable_key_rotation:
    description: Whether KMS rotates the key material automatically (yearly by default). Left as it is when not given.
    type: bool
  pending_window:
    description: Days from 7 to 30 until KMS deletes the key, with O(state=absent).
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The environment's key, rotation on
  streamflix.media_platform.kms_key:
    alias: alias/streamflix-dev
    description: StreamFlix dev - encrypts every data store
    enable_key_rotation: true
    policy: "{{ lookup('ansible.builtin.template', 'key_policy.json.j2') }}"
    tags: {Project: streamflix, Environment: dev, ManagedBy: ansible}
    purge_tags: true
  register: key

- name: Schedule its deletion in 7 days
  streamflix.media_platform.kms_key:
    alias: alias/streamflix-dev
    state: absent
    pending_window: 7
"""

RETURN = r"""
key_id:
  description: The key's id.
  returned: when the key exists (not for a key only planned in check mode)
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description: The key's ARN.
  returned: when the key exists (not for a key only planned in check mode)
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
key_state:
  description: The key's state after the change (projected in check mode), for example C(Enabled) or C(PendingDeletion).
  returned: always
  type: str
key:
  description: The key after the change (projected in check mode); empty when there is none.
  returned: always
  type: dict
  contains:
    alias:
      description: The alias, with the C(alias/) prefix.
      type: str
    description:
      description: The key's description.
      type: str
    enabled:
      description: Whether the key is enabled.
      type: bool
    enable_key_rotation:
      description: Whether automatic rotation is on.
      type: bool
    policy:
      description: The key policy.
      type: dict
    tags:
      description: The key's tags.
      type: dict
    deletion_date:
      description: When KMS deletes the key, for a key scheduled for deletion.
      type: str
changes:
  description: What changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [rotation, tags]
diff:
  description: The key before and after.
  returned: always
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import kms

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:
    pass


def validate(module):
    params = module.params
    problems = []
    alias = kms.full_alias_name(params["alias"])
    if alias.startswith("alias/aws/") or not kms.ALIAS_NAME.match(alias):
        problems.append(
            "alias must be alias/ followed by 1 to 250 letters, digits, /, _ or - (256 characters in all), and not start "
            "with alias/aws/ "
            "(got {0!r})".format(params["alias"])
        )
    if params["description"] is not None and len(params["description"]) > 8192:
        problems.append("description must be at most 8192 characters long")
    if params["policy"] is not None:
        try:
            if not isinstance(json.loads(params["policy"]), dict):
                problems.append("policy must be a JSON object")
        except ValueError as e:
            problems.append("policy is not valid JSON: {0}".format(e))
    if not 7 <= params["pending_window"] <= 30:
        problems.append("pending_window must be from 7 to 30 days (got {0})".format(params["pending_window"]))
    if problems:
        module.fail_json(msg="Fix the KMS key's arguments: " + "; ".join(problems), problems=problems)


def read_key(module, client, alias):
    """The key as the module compares it, {} when the alias names none; one read of each part."""
    try:
        metadata = kms.describe_key(client, alias)
        if metadata is None:
            return {}
        return kms.key_view(
            alias, metadata, kms.get_key_policy(client, metadata["KeyId"]), kms.rotation_enabled(client, metadata), kms.list_tags(client, metadata["KeyId"])
        )
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not read KMS key {0}: allow kms:DescribeKey, GetKeyPolicy, GetKeyRotationStatus and ListResourceTags".format(alias))


def create(module, client, alias):
    params = module.params
    desired_rotation = bool(params["enable_key_rotation"])
    after = {
        "key_id": None,
        "key_arn": None,
        "alias": alias,
        "description": params["description"] or "",
        "key_state": "Enabled",
        "enabled": True,
        "enable_key_rotation": desired_rotation,
        "policy": json.loads(params["policy"]) if params["policy"] else None,
        "tags": dict(params["tags"] or {}),
        "deletion_date": None,
    }
    if module.check_mode:
        return ["created"], after
    request = {"Description": after["description"], "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}
    if params["policy"]:
        request["Policy"] = params["policy"]
    if params["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "TagKey", "TagValue")
    try:
        metadata = client.create_key(aws_retry=True, **request)["KeyMetadata"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not create the KMS key for {0}".format(alias))
    after.update(key_id=metadata["KeyId"], key_arn=metadata["Arn"])
    try:
        client.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"], aws_retry=True)
        if desired_rotation:
            client.enable_key_rotation(KeyId=metadata["KeyId"], aws_retry=True)
        if after["policy"] is None:
            after["policy"] = json.loads(kms.get_key_policy(client, metadata["KeyId"]))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Created KMS key {0} but could not finish it (alias {1}, rotation); run again".format(metadata["KeyId"], alias))
    return ["created"], after


def ensure_present(module, client, alias, current):
    """Returns (changes, after)."""
    if not current:
        return create(module, client, alias)
    params = module.params
    key_id = current["key_id"]
    after = dict(current, tags=dict(current["tags"]))
    changes = []
    steps = []  # (what, call, arguments), sent in order, none in check mode
    if current["key_state"] == "PendingDeletion":
        changes.append("deletion cancelled")
        steps.append(("cancel the deletion of", client.cancel_key_deletion, {"KeyId": key_id}))
        after.update(key_state="Disabled", deletion_date=None, enabled=False)  # CancelKeyDeletion leaves it Disabled
    if after["key_state"] == "Disabled":
        changes.append("enabled")
        steps.append(("enable", client.enable_key, {"KeyId": key_id}))
        after.update(key_state="Enabled", enabled=True)
    elif after["key_state"] not in ("Enabled",):
        module.fail_json(
            msg="KMS key {0} ({1}) is {2}; only an enabled, disabled or pending-deletion key can be converged".format(alias, key_id, current["key_state"])
        )
    if params["description"] is not None and params["description"] != current["description"]:
        changes.append("description")
        steps.append(("update the description of", client.update_key_description, {"KeyId": key_id, "Description": params["description"]}))
        after["description"] = params["description"]
    if params["policy"] is not None and compare_policies(current["policy"] or {}, json.loads(params["policy"])):
        changes.append("policy")
        steps.append(("put the key policy of", client.put_key_policy, {"KeyId": key_id, "PolicyName": "default", "Policy": params["policy"]}))
        after["policy"] = json.loads(params["policy"])
    if params["enable_key_rotation"] is not None and params["enable_key_rotation"] != current["enable_key_rotation"]:
        changes.append("rotation")
        call = client.enable_key_rotation if params["enable_key_rotation"] else client.disable_key_rotation
        steps.append(("turn rotation {0} for".format("on" if params["enable_key_rotation"] else "off"), call, {"KeyId": key_id}))
        after["enable_key_rotation"] = params["enable_key_rotation"]
    if params["tags"] is not None:
        to_set, to_unset = compare_aws_tags(current["tags"], params["tags"], params["purge_tags"])
        if to_unset:
            steps.append(("untag", client.untag_resource, {"KeyId": key_id, "TagKeys": to_unset}))
        if to_set:
            steps.append(("tag", client.tag_resource, {"KeyId": key_id, "Tags": ansible_dict_to_boto3_tag_list(to_set, "TagKey", "TagValue")}))
        if to_set or to_unset:
            changes.append("tags")
            after["tags"] = dict((k, v) for k, v in current["tags"].items() if k not in to_unset)
            after["tags"].update(to_set)
    if not module.check_mode:
        for what, call, arguments in steps:
            try:
                call(aws_retry=True, **arguments)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg="Could not {0} KMS key {1} ({2})".format(what, alias, key_id))
    return changes, after


def ensure_absent(module, client, alias, current):
    if not current or current["key_state"] in ("PendingDeletion", "PendingReplicaDeletion"):
        return [], current
    window = module.params["pending_window"]
    after = dict(current, key_state="PendingDeletion", enabled=False)
    if not module.check_mode:
        try:
            answer = client.schedule_key_deletion(KeyId=current["key_id"], PendingWindowInDays=window, aws_retry=True)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="Could not schedule the deletion of KMS key {0} ({1})".format(alias, current["key_id"]))
        after["deletion_date"] = str(answer.get("DeletionDate")) if answer.get("DeletionDate") else None
    return ["deletion scheduled in {0} days".format(window)], after


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            alias=dict(type="str", required=True),
            description=dict(type="str"),
            policy=dict(type="json"),
            enable_key_rotation=dict(type="bool"),
            pending_window=dict(type="int", default=30),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    validate(module)
    client = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    alias = kms.full_alias_name(module.params["alias"])
    before = read_key(module, client, alias)
    if module.params["state"] == "absent":
        changes, after = ensure_absent(module, client, alias, before)
    else:
        changes, after = ensure_present(module, client, alias, before)
    after = after or {}
    result = dict(changed=bool(changes), changes=changes, key=after, key_state=after.get("key_state"), diff=dict(before=before, after=after))
    for name in ("key_id", "key_arn"):
        if after.get(name):
            result[name] = after[name]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
