#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kms_alias
short_description: Point a KMS alias at a key, or remove the alias
version_added: 0.1.0
description:
  - Creates an alias, moves it to another key, or deletes it.
  - amazon.aws.kms_key creates an alias with its key but cannot delete one; scheduling a key for
    deletion leaves its alias behind, so a teardown needs this module to leave nothing named.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the alias should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The alias name, with or without the C(alias/) prefix.
    type: str
    required: true
  target_key_id:
    description: The key id or ARN the alias points at. Required when O(state=present).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Remove the environment's key alias
  streamflix.media_platform.kms_alias:
    name: alias/streamflix-dev
    state: absent
"""

RETURN = r"""
alias:
  description: The alias after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The alias name.
      type: str
      sample: alias/streamflix-dev
    target_key_id:
      description: The id of the key the alias points at.
      type: str
diff:
  description: The alias before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import find_alias
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import full_alias_name

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def alias_view(alias):
    return {"name": alias["AliasName"], "target_key_id": alias.get("TargetKeyId")} if alias else {}


def target_key(module, client):
    """The key id behind target_key_id, which may be an id, an ARN or another alias."""
    try:
        return client.describe_key(KeyId=module.params["target_key_id"], aws_retry=True)["KeyMetadata"]["KeyId"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not find key {0}".format(module.params["target_key_id"]))


def ensure_present(module, client, name, current):
    key_id = target_key(module, client)
    desired = {"name": name, "target_key_id": key_id}
    if current.get("target_key_id") == key_id:
        return False, current
    if not module.check_mode:
        try:
            if current:
                client.update_alias(AliasName=name, TargetKeyId=key_id, aws_retry=True)
            else:
                client.create_alias(AliasName=name, TargetKeyId=key_id, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not point {0} at key {1}".format(name, key_id))
    return True, desired


def ensure_absent(module, client, name, current):
    if not current:
        return False, {}
    if not module.check_mode:
        try:
            client.delete_alias(AliasName=name, aws_retry=True)
        except client.exceptions.NotFoundException:
            pass  # removed meanwhile: the goal is met
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete alias {0}".format(name))
    return True, {}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str", required=True),
            target_key_id=dict(type="str"),
        ),
        required_if=[("state", "present", ["target_key_id"])],
        supports_check_mode=True,
    )
    client = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    name = full_alias_name(module.params["name"])
    try:
        current = alias_view(find_alias(client, name))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list KMS aliases")
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, after = ensure(module, client, name, current)
    module.exit_json(changed=changed, alias=after, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
