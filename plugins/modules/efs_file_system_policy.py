#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_file_system_policy
short_description: Manage the resource policy of an EFS file system
version_added: 0.2.0
description:
  - Puts, converges or deletes the file system policy of one EFS file system (C(PutFileSystemPolicy),
    C(DeleteFileSystemPolicy)).
  - Without a policy, EFS grants full access to any NFS client that can reach a mount target; with one, NFS clients
    are authorized through IAM against it (and against their identity policies).
  - The policy is compared with the one AWS has as a policy (statement order, single values against one-element lists
    and key order do not count as differences); only a different policy is put.
  - In check mode it calls nothing that changes AWS and returns the policy it would leave, with a diff.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the file system should have the policy (V(present)) or none (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  file_system_id:
    description: The file system's id (C(fs-...)).
    type: str
    required: true
  policy:
    description:
      - The policy document, as a dict or JSON text. Required with O(state=present).
      - AWS refuses a policy that names an IAM principal that does not exist (yet); create the roles it names first.
    type: json
  bypass_policy_lockout_safety_check:
    description:
      - Whether AWS may skip the check that the policy leaves the caller able to put a policy again
        (C(BypassPolicyLockoutSafetyCheck)). Leave it V(false) unless you know the policy locks out the caller.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Mounts only through the media access point, by the task role, over TLS
  streamflix.media_platform.efs_file_system_policy:
    file_system_id: "{{ file_system_id }}"
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: TaskRoleMountsThroughTheAccessPoint
          Effect: Allow
          Principal: {AWS: "arn:aws:iam::123456789012:role/streamflix-task-dev"}
          Action: [elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite]
          Resource: "{{ file_system_arn }}"
          Condition:
            StringEquals: {elasticfilesystem:AccessPointArn: "{{ access_point_arn }}"}
            Bool: {aws:SecureTransport: "true"}
"""

RETURN = r"""
policy:
  description: The file system's policy after the change (projected in check mode); C(null) when it has none.
  returned: always
  type: dict
changes:
  description: What the module changed (or, in check mode, would change).
  returned: always
  type: list
  elements: str
diff:
  description: The policy before and after.
  returned: always
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils import efs

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def desired_policy(module):
    policy = module.params["policy"]
    try:
        policy = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError as e:
        module.fail_json(msg="policy is not valid JSON: {0}".format(e))
    if not isinstance(policy, dict) or not policy.get("Statement"):
        module.fail_json(msg="policy must be a policy document: a JSON object with a Statement")
    return policy


def read_policy(module, client, file_system_id):
    try:
        if efs.describe_file_system(client, file_system_id) is None:
            module.fail_json(msg="EFS file system {0} does not exist".format(file_system_id))
        return efs.describe_file_system_policy(client, file_system_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the policy of EFS file system {0}".format(file_system_id))


def ensure_present(module, client, file_system_id, current):
    desired = desired_policy(module)
    if current is not None and not compare_policies(current, desired):
        return [], current
    changes = ["put the file system policy of " + file_system_id]
    if not module.check_mode:
        try:
            efs.put_file_system_policy(client, file_system_id, desired, module.params["bypass_policy_lockout_safety_check"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e, msg="Could not put the policy of EFS file system {0} (an IAM principal it names must exist)".format(file_system_id)
            )
    return changes, desired


def ensure_absent(module, client, file_system_id, current):
    if current is None:
        return [], None
    if not module.check_mode:
        try:
            efs.delete_file_system_policy(client, file_system_id)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete the policy of EFS file system {0}".format(file_system_id))
    return ["delete the file system policy of " + file_system_id], None


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        file_system_id=dict(type="str", required=True),
        policy=dict(type="json"),
        bypass_policy_lockout_safety_check=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[("state", "present", ["policy"])], supports_check_mode=True)
    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())
    file_system_id = module.params["file_system_id"]
    current = read_policy(module, client, file_system_id)
    if module.params["state"] == "absent":
        changes, after = ensure_absent(module, client, file_system_id, current)
    else:
        changes, after = ensure_present(module, client, file_system_id, current)
    module.exit_json(changed=bool(changes), changes=changes, policy=after, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
