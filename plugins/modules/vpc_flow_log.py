#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_flow_log
short_description: Manage a VPC flow log delivered to CloudWatch Logs
version_added: 0.1.0
description:
  - Creates, updates the tags of, replaces or deletes the flow log of one VPC (or subnet or network
    interface) that delivers to one CloudWatch Logs log group.
  - A flow log is identified by its resource and its log group, so re-runs find it without storing an id.
  - AWS cannot modify a flow log; when O(traffic_type), O(deliver_logs_permission_arn) or
    O(max_aggregation_interval) differ, the module replaces it (create the new one, then delete the old)
    and says so in RV(replaced).
  - Neither amazon.aws nor community.aws has a flow-log module, which is why this one exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the flow log should exist.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description: The id of the VPC, subnet or network interface whose traffic is logged.
    type: str
    required: true
  resource_type:
    description: The kind of resource O(resource_id) names.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  log_group_name:
    description: The CloudWatch Logs log group that receives the records. It should exist, with its retention set.
    type: str
    required: true
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that lets the flow-logs service write to the log group.
      - Required when O(state=present).
    type: str
  max_aggregation_interval:
    description: The longest time, in seconds, over which a flow record is captured.
    type: int
    choices: [60, 600]
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log all traffic of the VPC
  streamflix.media_platform.vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    log_group_name: /streamflix/dev/vpc-flow-logs
    deliver_logs_permission_arn: "{{ flow_logs_role.iam_role.arn }}"
    tags:
      Name: streamflix-flowlog-dev

- name: Remove it
  streamflix.media_platform.vpc_flow_log:
    state: absent
    resource_id: "{{ vpc.vpc.id }}"
    log_group_name: /streamflix/dev/vpc-flow-logs
"""

RETURN = r"""
flow_log:
  description: The flow log after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The flow log's id; C(null) for one that check mode would create.
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The logged resource.
      type: str
    log_group_name:
      description: The receiving log group.
      type: str
    traffic_type:
      description: The logged traffic.
      type: str
    deliver_logs_permission_arn:
      description: The delivery role.
      type: str
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      type: int
    tags:
      description: The flow log's tags.
      type: dict
replaced:
  description: The settings whose change needed a new flow log; empty when none did.
  returned: always
  type: list
  elements: str
  sample: [traffic_type]
diff:
  description: The flow log before and after.
  returned: always
  type: dict
"""

import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import create_flow_log
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import current_flow_log
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import delete_flow_logs
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import describe_flow_logs
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import desired_flow_log
from ansible_collections.streamflix.media_platform.plugins.module_utils.flow_logs import settings_to_replace

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def find_flow_logs(module, client):
    try:
        return describe_flow_logs(client, module.params["resource_id"], module.params["log_group_name"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the flow logs of {0}".format(module.params["resource_id"]))


def remove(module, client, flow_log_ids):
    if module.check_mode or not flow_log_ids:
        return
    try:
        response = delete_flow_logs(client, flow_log_ids)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not delete flow logs {0}".format(", ".join(flow_log_ids)))
    failures = [item for item in response.get("Unsuccessful", []) if item.get("Error", {}).get("Code") != "InvalidFlowLogId.NotFound"]
    if failures:
        module.fail_json(msg="AWS refused to delete flow logs: {0}".format(failures))


def create(module, client, desired, replacing=None):
    """Returns (flow_log, removed): removed is True when the flow logs in ``replacing`` had to go first."""
    if module.check_mode:
        return dict(desired, flow_log_id=None), False
    removed = False
    try:
        try:
            # A fresh token per request: the retries of this call reuse it, so a throttled or lost create
            # returns the same flow log; a later request (a replacement, or a re-create after a delete)
            # must not, or EC2 answers with IdempotentParameterMismatch or the old, deleted flow log.
            response = create_flow_log(client, desired, module.params["resource_type"], str(uuid.uuid4()))
        except is_boto3_error_code("FlowLogAlreadyExists"):
            if not replacing:
                raise
            # EC2 refuses a second flow log of the resource into the same log group: make room first.
            remove(module, client, replacing)
            removed = True
            response = create_flow_log(client, desired, module.params["resource_type"], str(uuid.uuid4()))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create the flow log of {0}".format(desired["resource_id"]))
    if response.get("Unsuccessful"):
        module.fail_json(msg="AWS refused the flow log: {0}".format(response["Unsuccessful"]))
    created_ids = response.get("FlowLogIds", [])
    found = [flow_log for flow_log in find_flow_logs(module, client) if flow_log["FlowLogId"] in created_ids]
    if not found:  # not listed yet: report what was asked for
        return dict(desired, flow_log_id=created_ids[0] if created_ids else None), removed
    return current_flow_log(found[0]), removed


def ensure_absent(module, client, existing):
    remove(module, client, [flow_log["FlowLogId"] for flow_log in existing])
    return bool(existing), {}


def update_tags(module, client, current, desired):
    tags_to_set, tags_to_unset = compare_aws_tags(current["tags"], desired["tags"], module.params["purge_tags"])
    if not (tags_to_set or tags_to_unset) or module.params["tags"] is None:
        return False, current
    if not module.check_mode:
        ensure_ec2_tags(client, module, current["flow_log_id"], tags=desired["tags"], purge_tags=module.params["purge_tags"])
    tags = {key: value for key, value in current["tags"].items() if key not in tags_to_unset}
    tags.update(tags_to_set)
    return True, dict(current, tags=tags)


def ensure_present(module, client, existing):
    """Returns (changed, flow_log, replaced)."""
    desired = desired_flow_log(module.params)
    if module.params["tags"] is None:
        desired["tags"] = current_flow_log(existing[0])["tags"] if existing else {}
    # Duplicates (left by an interrupted run elsewhere) are removed so one flow log remains.
    current = current_flow_log(existing[0]) if existing else None
    duplicates = [flow_log["FlowLogId"] for flow_log in existing[1:]]
    remove(module, client, duplicates)
    if current is None:
        return True, create(module, client, desired)[0], []
    replaced = settings_to_replace(current, desired)
    if replaced:
        created, removed = create(module, client, desired, replacing=[current["flow_log_id"]])
        if not removed:
            remove(module, client, [current["flow_log_id"]])
        return True, created, replaced
    changed, current = update_tags(module, client, current, desired)
    return changed or bool(duplicates), current, []


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", choices=["VPC", "Subnet", "NetworkInterface"], default="VPC"),
        log_group_name=dict(type="str", required=True),
        traffic_type=dict(type="str", choices=["ACCEPT", "REJECT", "ALL"], default="ALL"),
        deliver_logs_permission_arn=dict(type="str"),
        max_aggregation_interval=dict(type="int", choices=[60, 600], default=600),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["deliver_logs_permission_arn"])],
        supports_check_mode=True,
    )
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    existing = find_flow_logs(module, client)
    before = current_flow_log(existing[0]) if existing else {}

    if module.params["state"] == "absent":
        changed, after = ensure_absent(module, client, existing)
        replaced = []
    else:
        changed, after, replaced = ensure_present(module, client, existing)

    module.exit_json(changed=changed, flow_log=after, replaced=replaced, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
