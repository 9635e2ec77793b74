#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_task_definition
short_description: Register an ECS task definition revision only when the definition changed
version_added: 0.1.0
description:
  - Registers a new revision of a task definition family when the declared definition differs from the one the
    latest C(ACTIVE) revision was registered from, and otherwise returns that revision unchanged.
  - The declared definition is fingerprinted (SHA-256 of its canonical JSON) and the fingerprint is kept in the
    revision's C(streamflix:definition-sha256) tag, so a change of any field (CPU, memory, roles, image,
    secrets, volumes, health check) registers exactly one new revision, and nothing else does.
  - With O(state=absent), deregisters every C(ACTIVE) revision of the family and deletes every inactive one.
  - community.aws.ecs_taskdefinition compares only some fields (a changed CPU or memory size registers nothing) and
    registers a new revision on every run for nested settings such as health checks and EFS volumes, which is
    why this module exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the family should have an active revision.
    type: str
    choices: [present, absent]
    default: present
  family:
    description: The task definition family.
    type: str
    required: true
  container_definitions:
    description: The containers, as the RegisterTaskDefinition API takes them (camelCase keys).
    type: list
    elements: dict
  cpu:
    description: Task CPU units, for example V(1024).
    type: str
  memory:
    description: Task memory in MiB, for example V(2048).
    type: str
  network_mode:
    description: The network mode.
    type: str
    default: awsvpc
  requires_compatibilities:
    description: The launch types the definition is validated for.
    type: list
    elements: str
    default: [FARGATE]
  execution_role_arn:
    description: The role the ECS agent uses (image pull, logs, secrets).
    type: str
  task_role_arn:
    description: The role the containers use.
    type: str
  volumes:
    description: The volumes, as the API takes them (for example with C(efsVolumeConfiguration)).
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The app's task definition
  streamflix.media_platform.ecs_task_definition:
    family: streamflix-app-dev
    cpu: "1024"
    memory: "2048"
    execution_role_arn: "{{ execution_role_arn }}"
    task_role_arn: "{{ task_role_arn }}"
    container_definitions:
      - name: app
        image: public.ecr.aws/nginx/nginx-unprivileged:stable-alpine
        essential: true
        portMappings: [{containerPort: 8080, protocol: tcp}]
"""

RETURN = r"""
task_definition:
  description: The active revision after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    arn:
      description: The revision's ARN; C(null) for one check mode would register.
      type: str
    family:
      description: The family.
      type: str
    revision:
      description: The revision number; C(null) for one check mode would register.
      type: int
    fingerprint:
      description: The SHA-256 of the declared definition.
      type: str
deregistered:
  description: The ARNs deregistered or deleted by O(state=absent).
  returned: always
  type: list
  elements: str
diff:
  description: The declared definition of the active revision before and after.
  returned: always
  type: dict
"""

import hashlib
import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

FINGERPRINT_TAG = "streamflix:definition-sha256"


def aws_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def declared_definition(params):
    """The RegisterTaskDefinition arguments the module owns, without empty values."""
    definition = {
        "family": params["family"],
        "containerDefinitions": params["container_definitions"],
        "cpu": params["cpu"],
        "memory": params["memory"],
        "networkMode": params["network_mode"],
        "requiresCompatibilities": params["requires_compatibilities"],
        "executionRoleArn": params["execution_role_arn"],
        "taskRoleArn": params["task_role_arn"],
        "volumes": params["volumes"],
    }
    return dict((key, value) for key, value in definition.items() if value not in (None, []))


def fingerprint(definition):
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def active_arns(module, client):
    try:
        pages = client.get_paginator("list_task_definitions").paginate(familyPrefix=module.params["family"], status="ACTIVE")
        arns = [arn for page in pages for arn in page["taskDefinitionArns"]]
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not list the task definitions of {0}".format(module.params["family"]))
    # familyPrefix matches other families that start the same way; keep exactly ours, newest first.
    ours = [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == module.params["family"]]
    return sorted(ours, key=lambda arn: int(arn.rsplit(":", 1)[-1]), reverse=True)


def latest(module, client, arns):
    if not arns:
        return None
    try:
        response = client.describe_task_definition(taskDefinition=arns[0], include=["TAGS"], aws_retry=True)
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not describe task definition {0}".format(arns[0]))
    tags = dict((tag["key"], tag["value"]) for tag in response.get("tags", []))
    definition = response["taskDefinition"]
    return {
        "arn": definition["taskDefinitionArn"],
        "family": definition["family"],
        "revision": definition["revision"],
        "fingerprint": tags.get(FINGERPRINT_TAG),
    }


def register(module, client, definition, digest):
    tags = dict(module.params["tags"] or {})
    tags[FINGERPRINT_TAG] = digest
    if module.check_mode:
        return {"arn": None, "family": module.params["family"], "revision": None, "fingerprint": digest}
    try:
        response = client.register_task_definition(tags=[{"key": k, "value": v} for k, v in tags.items()], aws_retry=True, **definition)
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not register a revision of {0}".format(module.params["family"]))
    registered = response["taskDefinition"]
    return {"arn": registered["taskDefinitionArn"], "family": registered["family"], "revision": registered["revision"], "fingerprint": digest}


def family_arns(module, client, status):
    try:
        pages = client.get_paginator("list_task_definitions").paginate(familyPrefix=module.params["family"], status=status)
        arns = [arn for page in pages for arn in page["taskDefinitionArns"]]
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not list the task definitions of {0}".format(module.params["family"]))
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == module.params["family"]]


def remove_all(module, client, arns):
    """Deregister the active revisions, then delete every inactive one, so nothing of the family is left."""
    inactive = family_arns(module, client, "INACTIVE")
    if module.check_mode:
        return arns + inactive
    for arn in arns:
        try:
            client.deregister_task_definition(taskDefinition=arn, aws_retry=True)
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not deregister {0}".format(arn))
    doomed = arns + inactive
    for start in range(0, len(doomed), 10):  # DeleteTaskDefinitions takes at most 10
        try:
            client.delete_task_definitions(taskDefinitions=doomed[start:start + 10], aws_retry=True)
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not delete the inactive revisions of {0}".format(module.params["family"]))
    return doomed


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            family=dict(type="str", required=True),
            container_definitions=dict(type="list", elements="dict"),
            cpu=dict(type="str"),
            memory=dict(type="str"),
            network_mode=dict(type="str", default="awsvpc"),
            requires_compatibilities=dict(type="list", elements="str", default=["FARGATE"]),
            execution_role_arn=dict(type="str"),
            task_role_arn=dict(type="str"),
            volumes=dict(type="list", elements="dict", default=[]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["container_definitions"])],
        supports_check_mode=True,
    )
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    arns = active_arns(module, client)
    current = latest(module, client, arns)

    if module.params["state"] == "absent":
        deregistered = remove_all(module, client, arns)
        module.exit_json(changed=bool(deregistered), task_definition={}, deregistered=deregistered, diff=dict(before=current or {}, after={}))

    definition = declared_definition(module.params)
    digest = fingerprint(dict(definition, tags=module.params["tags"] or {}))
    if current and current["fingerprint"] == digest:
        module.exit_json(changed=False, task_definition=current, deregistered=[], diff=dict(before=current, after=current))
    after = register(module, client, definition, digest)
    module.exit_json(changed=True, task_definition=after, deregistered=[], diff=dict(before=current or {}, after=dict(after, definition=definition)))


if __name__ == "__main__":
    main()
