#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: generated_secret
short_description: Keep a Secrets Manager secret whose value the module generates once
version_added: 0.1.0
description:
  - Creates a secret with a random value generated inside the module, stores it under the given KMS key and
    keeps it on every later run. The value never enters Ansible's variables or output, so it cannot leak
    into logs, facts or diffs.
  - With O(keys), the value is a JSON object with one generated value per key; keys added later are generated
    on the next run, existing ones are kept.
  - O(rotate=true) generates new values; the old version stays available as C(AWSPREVIOUS).
  - A secret scheduled for deletion (by an earlier teardown) is restored, keeping its value.
  - community.aws.secretsmanager_secret needs the value as a task argument (so it passes through Ansible)
    and either overwrites it on every run or never updates anything; this module exists to generate
    credentials once and keep them.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the secret should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The secret's name.
    type: str
    required: true
  description:
    description: The secret's description.
    type: str
  kms_key_id:
    description:
      - The KMS key (id, ARN or alias) that encrypts the secret. Required when O(state=present).
    type: str
  keys:
    description:
      - Store a JSON object with one generated value per key instead of a single generated string.
    type: list
    elements: str
  values:
    description:
      - Fixed, non-secret fields stored beside the generated O(keys) in the JSON object (for example the
        C(username) of a database login, so the secret has the C(username)/C(password) form the RDS Data API
        and database drivers read). Compared on every run and put back when they differ; the generated keys
        are kept. Needs O(keys); a name may not be both a generated key and a fixed value.
    type: dict
  length:
    description: Length of each generated value.
    type: int
    default: 40
  character_set:
    description:
      - The characters generated values use. C(alphanumeric) is safe for Redis AUTH tokens, URLs and headers.
    type: str
    choices: [alphanumeric, hex]
    default: alphanumeric
  rotate:
    description: Generate new values even though the secret already has them.
    type: bool
    default: false
  pending:
    description:
      - A rotation in two steps, for credentials that a server must accept before clients use them (the Redis AUTH
        token, which ElastiCache's ROTATE must accept before it becomes C(AWSCURRENT)).
      - V(stage) generates new values as the C(AWSPENDING) version, leaving C(AWSCURRENT) alone. When a pending version
        already exists it is kept (an interrupted rotation resumes with the same value) and nothing changes.
      - V(promote) makes the C(AWSPENDING) version C(AWSCURRENT) (the old one becomes C(AWSPREVIOUS)) and removes the
        C(AWSPENDING) label. Without a pending version nothing changes.
      - Mutually exclusive with O(rotate).
    type: str
    choices: [stage, promote]
  recovery_window_in_days:
    description:
      - With O(state=absent), days (7 to 30) before Secrets Manager deletes the secret for good;
        V(0) deletes it at once, without recovery.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: API keys, generated once
  streamflix.media_platform.generated_secret:
    name: streamflix-api-keys-dev
    kms_key_id: alias/streamflix-dev
    keys: [primary, secondary]
    tags:
      Project: streamflix

- name: Redis AUTH token
  streamflix.media_platform.generated_secret:
    name: streamflix-redis-auth-dev
    kms_key_id: alias/streamflix-dev
    length: 64

- name: A database login of the application, password generated once
  streamflix.media_platform.generated_secret:
    name: streamflix-db-app-dev
    kms_key_id: alias/streamflix-dev
    keys: [password]
    values: {username: streamflix_app, engine: postgres}

- name: Stage a new Redis AUTH token as AWSPENDING (the replication group must accept it first)
  streamflix.media_platform.generated_secret:
    name: streamflix-redis-auth-dev
    kms_key_id: alias/streamflix-dev
    length: 64
    pending: stage

# ... ModifyReplicationGroup with the pending token and AuthTokenUpdateStrategy=ROTATE, then:

- name: Make the pending token AWSCURRENT (the old one stays as AWSPREVIOUS)
  streamflix.media_platform.generated_secret:
    name: streamflix-redis-auth-dev
    kms_key_id: alias/streamflix-dev
    length: 64
    pending: promote

- name: Delete at once (local and dev)
  streamflix.media_platform.generated_secret:
    name: streamflix-redis-auth-dev
    state: absent
    recovery_window_in_days: 0
"""

RETURN = r"""
secret:
  description: The secret's metadata after the change (projected in check mode); never its value.
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN; C(null) for one that check mode would create.
      type: str
    name:
      description: The secret's name.
      type: str
    description:
      description: The secret's description.
      type: str
    kms_key_arn:
      description: The ARN of the key that encrypts it.
      type: str
    keys:
      description: The JSON keys of the value, when O(keys) is used.
      type: list
      elements: str
    deleted_date:
      description: When a scheduled deletion completes, for a secret scheduled for deletion.
      type: str
    tags:
      description: The secret's tags.
      type: dict
changes:
  description: What the run changed, in words (for example V(value generated), V(tags)).
  returned: always
  type: list
  elements: str
diff:
  description: The secret's metadata before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import current_secret_string
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import differing_values
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import describe_secret
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import key_arn
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import merged_value
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import metadata_changes
from ansible_collections.streamflix.media_platform.plugins.module_utils.secretsmanager import missing_keys

import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def aws_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def secret_view(described, kms_arn, keys):
    if not described:
        return {}
    return {
        "arn": described["ARN"],
        "name": described["Name"],
        "description": described.get("Description"),
        "kms_key_arn": kms_arn,
        "keys": keys,
        "deleted_date": str(described["DeletedDate"]) if described.get("DeletedDate") else None,
        "tags": boto3_tag_list_to_ansible_dict(described.get("Tags", [])),
    }


def resolve_key(module, kms, key_id, resolved):
    """The key's ARN: a key ARN as it is, anything else through DescribeKey once per run (``resolved`` keeps it)."""
    if not key_id:
        return None
    if is_key_arn(key_id):
        return key_id
    if key_id in resolved:
        return resolved[key_id]
    try:
        resolved[key_id] = key_arn(kms, key_id)
        return resolved[key_id]
    except kms.exceptions.NotFoundException as e:
        if module.check_mode:
            return key_id  # a plan on an empty account: the key is only planned too
        module.fail_json_aws(e, msg="Could not find KMS key {0}: create it first (the security role does)".format(key_id))
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not find KMS key {0}".format(key_id))


def stored_keys(module, client, name):
    """The JSON keys of the stored value, read inside the module only."""
    if not module.params["keys"]:
        return None, None
    try:
        value = current_secret_string(client, name)
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not read secret {0} to check its keys".format(name))
    missing = missing_keys(value, module.params["keys"])
    return value, missing


def create(module, client, desired):
    params = module.params
    value = merged_value(None, params["keys"], params["length"], params["character_set"], regenerate=True, fixed=params["values"])
    if not module.check_mode:
        try:
            client.create_secret(
                Name=params["name"],
                Description=params["description"] or "",
                KmsKeyId=desired["kms_key_arn"],
                SecretString=value,
                Tags=ansible_dict_to_boto3_tag_list(params["tags"] or {}),
                ClientRequestToken=str(uuid.uuid4()),
                aws_retry=True,
            )
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not create secret {0}".format(params["name"]))
    return ["created with a generated value"]


def ensure_present(module, client, kms, described, resolved):
    params = module.params
    desired = {"description": params["description"], "kms_key_arn": resolve_key(module, kms, params["kms_key_id"], resolved)}
    if not described:
        return create(module, client, desired)
    changes = []
    if described.get("DeletedDate"):
        changes.append("restored from scheduled deletion")
        if not module.check_mode:
            client.restore_secret(SecretId=params["name"], aws_retry=True)
    current = {"description": described.get("Description"), "kms_key_arn": resolve_key(module, kms, described.get("KmsKeyId"), resolved)}
    changes += update_metadata(module, client, current, desired)
    if params["pending"] == "stage":
        changes += stage_pending(module, client, described)
    elif params["pending"] == "promote":
        changes += promote_pending(module, client, described)
    else:
        changes += update_value(module, client)
    changes += update_tags(module, client, described)
    return changes


def update_metadata(module, client, current, desired):
    changed = metadata_changes(current, desired)
    if changed and not module.check_mode:
        try:
            client.update_secret(
                SecretId=module.params["name"],
                Description=desired["description"] or current["description"] or "",
                KmsKeyId=desired["kms_key_arn"],
                aws_retry=True,
            )
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not update secret {0}".format(module.params["name"]))
    return changed


def update_value(module, client):
    params = module.params
    value, missing = stored_keys(module, client, params["name"])
    fixed = differing_values(value, params["values"]) if params["keys"] else []
    if not params["rotate"] and not missing and not fixed:
        return []
    if not module.check_mode:
        new_value = merged_value(
            value, params["keys"], params["length"], params["character_set"], regenerate=params["rotate"], fixed=params["values"]
        )
        try:
            client.put_secret_value(SecretId=params["name"], SecretString=new_value, ClientRequestToken=str(uuid.uuid4()), aws_retry=True)
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not store a new value in secret {0}".format(params["name"]))
    if params["rotate"]:
        return ["value rotated"]
    return (["generated keys {0}".format(", ".join(missing))] if missing else []) + (["values {0}".format(", ".join(fixed))] if fixed else [])


def version_with_stage(described, stage):
    for version_id, stages in (described.get("VersionIdsToStages") or {}).items():
        if stage in stages:
            return version_id
    return None


def stage_pending(module, client, described):
    """A new value as AWSPENDING, unless one is staged already (then a resumed rotation keeps it)."""
    params = module.params
    pending, current = version_with_stage(described, "AWSPENDING"), version_with_stage(described, "AWSCURRENT")
    if pending and pending != current:
        return []
    if not module.check_mode:
        try:
            value = current_secret_string(client, params["name"]) if params["keys"] else None
            new_value = merged_value(value, params["keys"], params["length"], params["character_set"], regenerate=True, fixed=params["values"])
            client.put_secret_value(
                SecretId=params["name"], SecretString=new_value, VersionStages=["AWSPENDING"], ClientRequestToken=str(uuid.uuid4()), aws_retry=True
            )
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not stage a new value in secret {0}".format(params["name"]))
    return ["new value staged as AWSPENDING"]


def promote_pending(module, client, described):
    """AWSPENDING becomes AWSCURRENT (Secrets Manager moves AWSPREVIOUS to the old current); the label goes."""
    name = module.params["name"]
    pending, current = version_with_stage(described, "AWSPENDING"), version_with_stage(described, "AWSCURRENT")
    if not pending:
        return []
    if not module.check_mode:
        try:
            if pending != current:
                client.update_secret_version_stage(
                    SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=pending, RemoveFromVersionId=current, aws_retry=True
                )
            client.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=pending, aws_retry=True)
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not make the pending value of secret {0} current".format(name))
    return ["pending value made AWSCURRENT"] if pending != current else ["AWSPENDING label removed"]


def update_tags(module, client, described):
    if module.params["tags"] is None:
        return []
    current = boto3_tag_list_to_ansible_dict(described.get("Tags", []))
    to_set, to_unset = compare_aws_tags(current, module.params["tags"], module.params["purge_tags"])
    if not module.check_mode:
        try:
            if to_unset:
                client.untag_resource(SecretId=module.params["name"], TagKeys=to_unset, aws_retry=True)
            if to_set:
                client.tag_resource(SecretId=module.params["name"], Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not tag secret {0}".format(module.params["name"]))
    return ["tags"] if to_set or to_unset else []


def ensure_absent(module, client, described):
    window = module.params["recovery_window_in_days"]
    if not described or (described.get("DeletedDate") and window != 0):
        return []
    if not module.check_mode:
        params = {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
        try:
            client.delete_secret(SecretId=module.params["name"], aws_retry=True, **params)
        except client.exceptions.ResourceNotFoundException:
            return []
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not delete secret {0}".format(module.params["name"]))
    return ["deleted" if window == 0 else "scheduled for deletion in {0} days".format(window)]


def validate(module):
    params = module.params
    if params["state"] == "present" and not params["kms_key_id"]:
        module.fail_json(msg="kms_key_id is required with state=present: secrets are stored under the environment's key")
    if not 16 <= params["length"] <= 4096:
        module.fail_json(msg="length must be from 16 to 4096; got {0}".format(params["length"]))
    if params["values"] and not params["keys"]:
        module.fail_json(msg="values needs keys: fixed values live beside generated keys in a JSON object")
    both = sorted(set(params["values"] or {}) & set(params["keys"] or []))
    if both:
        module.fail_json(msg="{0} cannot be both a generated key (keys) and a fixed value (values)".format(", ".join(both)))
    window = params["recovery_window_in_days"]
    if window != 0 and not 7 <= window <= 30:
        module.fail_json(msg="recovery_window_in_days must be 0 or from 7 to 30; got {0}".format(window))


def current_view(module, client, kms, resolved):
    try:
        described = describe_secret(client, module.params["name"])
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not describe secret {0}".format(module.params["name"]))
    return secret_view(described, resolve_key(module, kms, (described or {}).get("KmsKeyId"), resolved), module.params["keys"])


def projected(module, before, changes):
    """The secret as the changes would leave it, for check mode."""
    params = module.params
    if params["state"] == "absent":
        return {} if changes and params["recovery_window_in_days"] == 0 else before
    after = dict(before or {"arn": None, "name": params["name"], "deleted_date": None, "tags": {}, "keys": params["keys"]})
    after["deleted_date"] = None
    after["kms_key_arn"] = params["kms_key_id"] if not before else after["kms_key_arn"]
    if params["description"] is not None:
        after["description"] = params["description"]
    if params["tags"] is not None:
        to_set, to_unset = compare_aws_tags(after["tags"], params["tags"], params["purge_tags"])
        after["tags"] = dict((k, v) for k, v in after["tags"].items() if k not in to_unset)
        after["tags"].update(to_set)
    return after


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str", required=True),
            description=dict(type="str"),
            kms_key_id=dict(type="str"),
            keys=dict(type="list", elements="str", no_log=False),
            values=dict(type="dict"),
            length=dict(type="int", default=40),
            character_set=dict(type="str", choices=["alphanumeric", "hex"], default="alphanumeric"),
            rotate=dict(type="bool", default=False),
            pending=dict(type="str", choices=["stage", "promote"]),
            recovery_window_in_days=dict(type="int", default=30),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("rotate", "pending")],
        supports_check_mode=True,
    )
    validate(module)
    retry = AWSRetry.jittered_backoff()
    client = module.client("secretsmanager", retry_decorator=retry)
    kms = module.client("kms", retry_decorator=retry)
    name = module.params["name"]
    try:
        described = describe_secret(client, name)
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not describe secret {0}".format(name))
    resolved = {}
    before = secret_view(described, resolve_key(module, kms, (described or {}).get("KmsKeyId"), resolved), module.params["keys"])

    if module.params["state"] == "absent":
        changes = ensure_absent(module, client, described)
    else:
        changes = ensure_present(module, client, kms, described, resolved)

    # Nothing changed: the secret is as read, so it is not read again.
    if module.check_mode:
        after = projected(module, before, changes)
    else:
        after = current_view(module, client, kms, resolved) if changes else before
    module.exit_json(changed=bool(changes), secret=after, changes=changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
