#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: api_gateway_api_key_rotation
short_description: Keep a usage plan's API keys on a rotated secret's current and previous values, new before old
version_added: 0.1.0
description:
  - For a Secrets Manager secret whose value is a JSON object of API keys (one entry per key, as
    M(streamflix.media_platform.generated_secret) makes it) and the API Gateway usage plan O(usage_plan_name) whose API
    keys are named C(<usage_plan_name>-<entry>), makes the plan hold, per entry, an API key with the entry's
    C(AWSCURRENT) value named C(<usage_plan_name>-<entry>) and one with its C(AWSPREVIOUS) value named
    C(<usage_plan_name>-<entry>-previous), so clients holding either value keep working after a rotation.
  - Order, so no valid value is ever refused; first the API keys of new values are created and added to the usage
    plan; then the key of an old current value is renamed C(...-previous) (API Gateway cannot change a key's value,
    but its name, yes); only then are the keys whose value is neither current nor previous (the value before the
    previous one) removed from the plan and deleted.
  - API key values are read inside the module and never returned.
  - Without the usage plan the module changes nothing (an environment whose API keys are not on API Gateway).
  - Neither amazon.aws nor community.aws manages API Gateway API keys or usage plans.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  usage_plan_name:
    description: The usage plan; its API keys are named C(<usage_plan_name>-<entry>).
    type: str
    required: true
  api_keys_secret_id:
    description: The name or ARN of the secret holding the API keys (a JSON object, C(entry) to value).
    type: str
    required: true
  tags:
    description: Tags of the API keys the module creates.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: After rotating the API keys secret, put the new keys on the usage plan before the old ones go
  streamflix.media_platform.api_gateway_api_key_rotation:
    usage_plan_name: streamflix-api-dev
    api_keys_secret_id: streamflix-api-keys-dev
"""

RETURN = r"""
usage_plan_id:
  description: The usage plan's id; C(null) when there is no such usage plan.
  returned: always
  type: str
api_keys:
  description: The names of the usage plan's API keys after the run (projected in check mode), never their values.
  returned: always
  type: list
  elements: str
  sample: ["streamflix-api-dev-primary", "streamflix-api-dev-primary-previous"]
changes:
  description: What the run did (or would do), in words.
  returned: always
  type: list
  elements: str
diff:
  description: The API key names before and after.
  returned: always
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

PREVIOUS_SUFFIX = "-previous"


def aws_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def plan_keys(plan_name, keys, current, previous):
    """What makes ``keys`` ([{id, name, value}]) hold ``current`` and ``previous`` ({entry: value}).

    Returns {"create": [(name, value)], "rename": [(id, old name, new name)], "delete": [(id, name)]}, in the
    order they must run: nothing is deleted while a key of a valid value is still missing."""
    wanted = {}
    for entry, value in sorted(current.items()):
        wanted[value] = "{0}-{1}".format(plan_name, entry)
    for entry, value in sorted(previous.items()):
        if value not in wanted:
            wanted[value] = "{0}-{1}{2}".format(plan_name, entry, PREVIOUS_SUFFIX)
    have = dict((key["value"], key) for key in keys)
    plan = {"create": [], "rename": [], "delete": []}
    for value, name in sorted(wanted.items(), key=lambda item: item[1]):
        key = have.get(value)
        if key is None:
            plan["create"].append((name, value))
        elif key["name"] != name:
            plan["rename"].append((key["id"], key["name"], name))
    plan["delete"] = sorted((key["id"], key["name"]) for key in keys if key["value"] not in wanted)
    return plan


def secret_entries(module, secrets, stage):
    try:
        value = secrets.get_secret_value(SecretId=module.params["api_keys_secret_id"], VersionStage=stage, aws_retry=True)["SecretString"]
    except is_boto3_error_code("ResourceNotFoundException"):
        if stage == "AWSPREVIOUS":
            return {}  # never rotated
        module.fail_json(msg="Secret {0} does not exist: create it first (the secrets role does)".format(module.params["api_keys_secret_id"]))
    except aws_errors() as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not read the {0} API keys of secret {1}".format(stage, module.params["api_keys_secret_id"]))
    try:
        entries = json.loads(value)
    except ValueError:
        entries = None
    if not isinstance(entries, dict):
        module.fail_json(msg="Secret {0} is not a JSON object of API keys".format(module.params["api_keys_secret_id"]))
    return entries


def find_usage_plan(module, client):
    try:
        plans = client.get_paginator("get_usage_plans").paginate().build_full_result().get("items", [])
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not list the usage plans")
    ours = [plan for plan in plans if plan.get("name") == module.params["usage_plan_name"]]
    return ours[0] if ours else None


def plan_api_keys(module, client):
    prefix = module.params["usage_plan_name"] + "-"
    try:
        keys = client.get_paginator("get_api_keys").paginate(nameQuery=prefix, includeValues=True).build_full_result().get("items", [])
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not list the API keys of usage plan {0}".format(module.params["usage_plan_name"]))
    return [dict(id=key["id"], name=key.get("name") or "", value=key.get("value")) for key in keys if (key.get("name") or "").startswith(prefix)]


def remove_from_plan(client, plan_id, key_id):
    try:
        client.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id, aws_retry=True)
    except is_boto3_error_code("NotFoundException"):
        pass  # not on the plan (any more)


def apply_plan(module, client, plan_id, plan):
    changes = []
    try:
        for name, value in plan["create"]:
            changes.append("create API key {0} and add it to the usage plan".format(name))
            if not module.check_mode:
                key_id = client.create_api_key(name=name, value=value, enabled=True, tags=module.params["tags"] or {}, aws_retry=True)["id"]
                client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY", aws_retry=True)
        for key_id, old, new in plan["rename"]:
            changes.append("rename API key {0} to {1}".format(old, new))
            if not module.check_mode:
                client.update_api_key(apiKey=key_id, patchOperations=[{"op": "replace", "path": "/name", "value": new}], aws_retry=True)
        for key_id, name in plan["delete"]:
            changes.append("delete API key {0} (its value is neither current nor previous)".format(name))
            if not module.check_mode:
                remove_from_plan(client, plan_id, key_id)
                client.delete_api_key(apiKey=key_id, aws_retry=True)
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not update the API keys of usage plan {0}".format(module.params["usage_plan_name"]), changes=changes)
    return changes


def projected_names(keys, plan):
    names = dict((key["id"], key["name"]) for key in keys)
    for key_id, _old, new in plan["rename"]:
        names[key_id] = new
    for key_id, _name in plan["delete"]:
        names.pop(key_id, None)
    return sorted(list(names.values()) + [name for name, _value in plan["create"]])


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            usage_plan_name=dict(type="str", required=True),
            api_keys_secret_id=dict(type="str", required=True, no_log=False),  # a name, not the secret
            tags=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    retry = AWSRetry.jittered_backoff()
    client = module.client("apigateway", retry_decorator=retry)
    secrets = module.client("secretsmanager", retry_decorator=retry)
    usage_plan = find_usage_plan(module, client)
    if usage_plan is None:
        module.exit_json(changed=False, usage_plan_id=None, api_keys=[], changes=[], diff=dict(before={}, after={}))
    keys = plan_api_keys(module, client)
    plan = plan_keys(module.params["usage_plan_name"], keys, secret_entries(module, secrets, "AWSCURRENT"), secret_entries(module, secrets, "AWSPREVIOUS"))
    changes = apply_plan(module, client, usage_plan["id"], plan)
    before = sorted(key["name"] for key in keys)
    after = projected_names(keys, plan) if module.check_mode else sorted(key["name"] for key in plan_api_keys(module, client))
    module.exit_json(
        changed=bool(changes),
        usage_plan_id=usage_plan["id"],
        api_keys=after,
        changes=changes,
        diff=dict(before=dict(api_keys=before), after=dict(api_keys=after)),
    )


if __name__ == "__main__":
    main()
