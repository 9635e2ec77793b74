#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_service
short_description: Manage one Fargate ECS service without undoing what autoscaling did
version_added: 0.1.0
description:
  - Creates, updates in place, re-creates or deletes one ECS service that runs on Fargate (launch type
    C(FARGATE), the C(REPLICA) scheduler, the rolling-update C(ECS) deployment controller, awsvpc networking).
  - The service is identified by O(cluster) and O(name). Only the settings that differ are sent, in one
    UpdateService call; RV(changes) names them.
  - With O(autoscaled=true) the desired count is set only when the service is created; afterwards the count
    Application Auto Scaling gave the service is kept (the scalable target's minimum and maximum govern it),
    except that a count outside [O(min_count), O(max_count)] is clamped into that range.
  - UpdateService changes the task definition, desired count, platform version, network configuration, load
    balancers, health check grace period, deployment configuration, ECS Exec, managed tags and tag
    propagation in place. A service with another launch type (or a capacity provider strategy), scheduling
    strategy or deployment controller cannot become this one in place; the module fails and names those
    settings, unless O(recreate_on_change=true), which deletes the service, waits until it is inactive and
    creates it again (the service is down meanwhile).
  - With O(wait=false) (the default) the module starts the change and returns; the deployment continues in
    AWS. With O(wait=true) it waits until the service is stable (one deployment, running count equal to the
    desired count), or inactive after a delete, for at most O(wait_timeout) seconds. A deployment that the
    circuit breaker marks failed ends the wait with an error.
  - O(state=absent) scales the service to 0 and deletes it. A service that is gone, draining or inactive is
    absent.
  - This module exists because community.aws.ecs_service sends the desired count on every run, resetting a
    count that autoscaling has moved; it compares the load balancers, network and deployment configuration
    loosely (so it reports changes where there are none, or misses them); and it calls AWS in check mode
    instead of reporting what it would do. Check mode here calls no changing API and returns the projected
    service.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the service should exist.
    type: str
    choices: [present, absent]
    default: present
  cluster:
    description: The name or ARN of the ECS cluster of the service.
    type: str
    required: true
  name:
    description: The service name.
    type: str
    required: true
  task_definition:
    description:
      - The task definition the service runs, as C(family:revision), a task definition ARN, or a family
        (its latest ACTIVE revision). A different one starts a new deployment.
      - Required when O(state=present).
    type: str
  desired_count:
    description:
      - How many tasks the service runs. Required when O(state=present).
      - With O(autoscaled=true) it is only the count the service starts with.
    type: int
  autoscaled:
    description:
      - Whether Application Auto Scaling manages the desired count. When true, a re-run leaves the current
        desired count alone (within O(min_count) and O(max_count)).
    type: bool
    default: false
  min_count:
    description:
      - With O(autoscaled=true), the lowest desired count the module accepts; a lower one is raised to it.
        Give the scalable target's minimum.
    type: int
  max_count:
    description:
      - With O(autoscaled=true), the highest desired count the module accepts; a higher one is lowered to it.
        Give the scalable target's maximum.
    type: int
  platform_version:
    description: The Fargate platform version.
    type: str
    default: LATEST
  network_configuration:
    description: The awsvpc network configuration of the tasks. Required when O(state=present).
    type: dict
    suboptions:
      subnets:
        description: The subnet ids the tasks run in (private subnets, normally).
        type: list
        elements: str
        required: true
      security_groups:
        description:
          - The security group ids of the tasks. When omitted, a new service gets the VPC's default group and an
            existing service keeps its groups.
        type: list
        elements: str
      assign_public_ip:
        description: Whether the tasks get public IP addresses.
        type: bool
        default: false
  load_balancers:
    description:
      - The target groups the service registers its tasks with. An empty list removes them all; when omitted,
        the service's load balancers are left alone.
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: The target group ARN (ip target type).
        type: str
        required: true
      container_name:
        description: The container that receives the traffic.
        type: str
        required: true
      container_port:
        description: The container port that receives the traffic.
        type: int
        required: true
  health_check_grace_period_seconds:
    description:
      - How long, in seconds, ECS ignores failing load balancer health checks of a new task. Only for a service
        with load balancers. When omitted, it is left alone.
    type: int
  deployment_configuration:
    description: How deployments run. Settings left out are kept as they are.
    type: dict
    suboptions:
      maximum_percent:
        description: The upper limit of running tasks during a deployment, as a percentage of the desired count.
        type: int
      minimum_healthy_percent:
        description: The lower limit of healthy tasks during a deployment, as a percentage of the desired count.
        type: int
      deployment_circuit_breaker:
        description: The deployment circuit breaker.
        type: dict
        suboptions:
          enable:
            description: Whether a deployment whose tasks keep failing is stopped and marked failed.
            type: bool
            required: true
          rollback:
            description: Whether a failed deployment is rolled back to the last completed one.
            type: bool
            default: false
  enable_execute_command:
    description: Whether ECS Exec is turned on for the tasks.
    type: bool
    default: false
  enable_ecs_managed_tags:
    description: Whether ECS tags the tasks with the cluster and service names.
    type: bool
    default: true
  propagate_tags:
    description: Where the tasks' tags are copied from.
    type: str
    choices: [SERVICE, TASK_DEFINITION, NONE]
    default: SERVICE
  force_new_deployment:
    description:
      - Start a new deployment even when nothing changed (for example to pull a moved image tag). The module
        then always reports a change.
    type: bool
    default: false
  redeploy_if_before:
    description:
      - An ISO 8601 instant (for example a secret's C(LastChangedDate)). When the service's C(PRIMARY) deployment
        was created before it, the module starts a new deployment, so new tasks pick up what changed then; once
        that deployment exists a re-run changes nothing. A state-based O(force_new_deployment).
    type: str
  recreate_on_change:
    description:
      - Delete and re-create the service when a setting that UpdateService cannot change differs (see the
        description). When false, the module fails instead and names the settings.
    type: bool
    default: false
  wait:
    description: Whether to wait until the service is stable (or inactive, when deleted).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait, in all, when O(wait=true), and for the old service to become inactive before
        a re-create (which always waits, because ECS refuses a new service while the old one drains).
    type: int
    default: 900
notes:
  - Tags are read with ListTagsForResource and changed with TagResource / UntagResource on the service ARN,
    which needs the long ARN format (cluster name in the service ARN), the default for every account since 2021.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Run the API on Fargate behind its target group, autoscaled between 2 and 4 tasks
  streamflix.media_platform.ecs_service:
    cluster: streamflix-cluster-dev
    name: streamflix-api-dev
    task_definition: "{{ task_definition.taskdefinition.taskDefinitionArn }}"
    desired_count: 2
    autoscaled: true
    min_count: 2
    max_count: 4
    network_configuration:
      subnets: "{{ streamflix_network.private_subnet_ids }}"
      security_groups: ["{{ streamflix_security.app_security_group_id }}"]
      assign_public_ip: false
    load_balancers:
      - target_group_arn: "{{ target_group.target_group_arn }}"
        container_name: api
        container_port: 8080
    health_check_grace_period_seconds: 60
    deployment_configuration:
      maximum_percent: 200
      minimum_healthy_percent: 100
      deployment_circuit_breaker:
        enable: true
        rollback: true
    tags:
      Project: streamflix
      Environment: dev

- name: Remove it, waiting until it is inactive
  streamflix.media_platform.ecs_service:
    cluster: streamflix-cluster-dev
    name: streamflix-api-dev
    state: absent
    wait: true
"""

RETURN = r"""
service:
  description: The service after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    arn:
      description: The service ARN; C(null) for a service check mode would create.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:service/streamflix-cluster-dev/streamflix-api-dev
    name:
      description: The service name.
      type: str
    cluster_arn:
      description: The cluster ARN.
      type: str
    status:
      description: C(ACTIVE), C(DRAINING) or C(INACTIVE).
      type: str
    desired_count:
      description: The desired count.
      type: int
    running_count:
      description: How many tasks run.
      type: int
    pending_count:
      description: How many tasks are starting.
      type: int
    task_definition:
      description: The task definition ARN the service runs.
      type: str
    launch_type:
      description: C(FARGATE).
      type: str
    capacity_provider_strategy:
      description: The capacity provider strategy (empty for a Fargate launch type service).
      type: list
      elements: dict
    scheduling_strategy:
      description: C(REPLICA).
      type: str
    deployment_controller:
      description: The deployment controller type, C(ECS).
      type: str
    platform_version:
      description: The Fargate platform version.
      type: str
    network_configuration:
      description: The awsvpc configuration (subnets, security_groups, assign_public_ip).
      type: dict
    load_balancers:
      description: The target groups (target_group_arn, container_name, container_port).
      type: list
      elements: dict
    health_check_grace_period_seconds:
      description: The health check grace period, if set.
      type: int
    deployment_configuration:
      description: maximum_percent, minimum_healthy_percent and deployment_circuit_breaker (enable, rollback).
      type: dict
    enable_execute_command:
      description: Whether ECS Exec is on.
      type: bool
    enable_ecs_managed_tags:
      description: Whether ECS managed tags are on.
      type: bool
    propagate_tags:
      description: Where task tags come from.
      type: str
    deployments:
      description: The deployments (id, status, task_definition, desired/running/pending counts, failed_tasks, rollout_state).
      type: list
      elements: dict
    tags:
      description: The service's tags.
      type: dict
changes:
  description:
    - What the run changed (or would change, in check mode), C(create), C(delete), C(recreate) (followed by the
      settings that needed it), C(tags), C(force_new_deployment), or the names of the settings UpdateService changed.
  returned: always
  type: list
  elements: str
  sample: [task_definition, desired_count]
diff:
  description: The service's configuration before and after (without the running state).
  returned: always
  type: dict
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import ecs

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


class Deadline:
    """One wait_timeout shared by every wait of a run."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(1, int(self.end - time.monotonic()))


def read(module, client):
    """(raw DescribeServices entry or None, module view); tags are read only for a live service."""
    cluster, name = module.params["cluster"], module.params["name"]
    try:
        raw = ecs.describe_service(client, cluster, name)
        tags = ecs.list_tags(client, raw["serviceArn"]) if raw and raw.get("status") == "ACTIVE" else []
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read service {0} of cluster {1}".format(name, cluster))
    return raw, ecs.current_service(raw, tags)


def wait_until(module, client, waiter_name, deadline, doing):
    cluster, name = module.params["cluster"], module.params["name"]
    try:
        ecs.wait_for(client, waiter_name, cluster, name, deadline.left())
    except botocore.exceptions.WaiterError as e:
        if waiter_name == "service_stable":
            msg = (
                "Service {0} did not become stable within wait_timeout ({1}s) while {2}: a deployment whose tasks "
                "keep failing (image, secrets, health checks) is stopped by the circuit breaker. See the service "
                "events (aws ecs describe-services --cluster {3} --services {0}), fix the cause and re-run, or raise "
                "wait_timeout"
            )
        else:
            msg = (
                "Service {0} did not become inactive within wait_timeout ({1}s) while {2}; its tasks are still "
                "stopping. Re-run when it is (aws ecs describe-services --cluster {3} --services {0}), or raise wait_timeout"
            )
        module.fail_json_aws(e, msg=msg.format(module.params["name"], module.params["wait_timeout"], doing, cluster))


NEW_REVISION = "(the new revision this check-mode run plans)"


def resolve_task_definition(module, client):
    wanted = module.params["task_definition"]
    if not wanted and module.check_mode:
        # The task-definition task planned a new revision in this check-mode run, so it has no ARN to pass yet.
        return NEW_REVISION
    try:
        arn = ecs.describe_task_definition(client, wanted)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read task definition {0}".format(wanted))
    if arn:
        return arn
    if module.check_mode:
        # A task definition registered earlier in the same check-mode run does not exist yet: plan with the name.
        module.warn("Task definition {0} is not registered yet; the plan uses it as given".format(wanted))
        return wanted
    module.fail_json(
        msg="Task definition {0} is not registered (or has no ACTIVE revision) in this region; register it first, "
        "or give its family:revision or ARN".format(wanted),
        changes=[],
    )


def sync_tags(module, client, current, desired_tags):
    """Set the tags of the service; returns (changed, tags after)."""
    if desired_tags is None:
        return False, current["tags"]
    to_set, to_unset = compare_aws_tags(current["tags"], desired_tags, module.params["purge_tags"])
    if not (to_set or to_unset):
        return False, current["tags"]
    if not module.check_mode:
        try:
            if to_unset:
                ecs.untag_resource(client, current["arn"], to_unset)
            if to_set:
                ecs.tag_resource(client, current["arn"], to_set)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not update the tags of service {0}".format(current["arn"]))
    tags = dict((key, value) for key, value in current["tags"].items() if key not in to_unset)
    tags.update(to_set)
    return True, tags


def create(module, client, desired, deadline):
    count = ecs.target_desired_count(None, module.params)
    if module.check_mode:
        return ecs.new_service_view(desired, count, module.params["cluster"])
    request = ecs.create_request(module.params["cluster"], desired, count, str(uuid.uuid4()))
    try:
        ecs.create_service(client, request)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg="Could not create service {0} in cluster {1}: check that the cluster exists, that the task definition is "
            "Fargate-compatible with awsvpc networking, and that the subnets, security groups and target groups exist "
            "in one VPC".format(desired["name"], module.params["cluster"]),
        )
    if module.params["wait"]:
        wait_until(module, client, "service_stable", deadline, "creating it")
    return read(module, client)[1]


def delete(module, client, deadline, doing, wait):
    if module.check_mode:
        return
    try:
        ecs.delete_service(client, module.params["cluster"], module.params["name"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not delete service {0} of cluster {1}".format(module.params["name"], module.params["cluster"]))
    if wait:
        wait_until(module, client, "service_inactive", deadline, doing)


def redeploy_needed(module, raw):
    """force_new_deployment, or a PRIMARY deployment created before redeploy_if_before."""
    if module.params["force_new_deployment"]:
        return True
    if not module.params["redeploy_if_before"]:
        return False
    try:
        instant = ecs.parse_instant(module.params["redeploy_if_before"])
    except ValueError:
        module.fail_json(msg="redeploy_if_before must be an ISO 8601 date and time, not {0!r}".format(module.params["redeploy_if_before"]))
    return ecs.primary_deployment_before(raw, instant)


def ensure_present(module, client, deadline):
    """Returns (changed, before, after, changes)."""
    raw, current = read(module, client)
    desired = ecs.desired_service(module.params, resolve_task_definition(module, client))
    status = raw.get("status") if raw else None
    if status in (None, "INACTIVE"):
        return True, {}, create(module, client, desired, deadline), ["create"]
    if status == "DRAINING":
        # ECS refuses a new service while one of that name drains: wait for it, then create.
        if not module.check_mode:
            wait_until(module, client, "service_inactive", deadline, "waiting for the deleted service to drain before creating it")
        return True, {}, create(module, client, desired, deadline), ["create"]

    replace = ecs.settings_to_replace(current, desired)
    if replace and not module.params["recreate_on_change"]:
        module.fail_json(
            msg="Service {0} cannot change {1} in place: UpdateService cannot do it. Set recreate_on_change=true to "
            "delete and re-create the service (it is down meanwhile), or delete it first (state=absent)".format(
                module.params["name"], ", ".join(replace)
            ),
            replacement_needed=replace,
            service=current,
            changes=[],
        )
    if replace:
        delete(module, client, deadline, "deleting it to re-create it", wait=True)
        return True, current, create(module, client, desired, deadline), ["recreate"] + replace

    count = ecs.target_desired_count(current["desired_count"], module.params)
    changes = ecs.changed_settings(current, desired, count)
    force = redeploy_needed(module, raw)
    request = ecs.update_request(raw, current, desired, count, changes, force)
    tags_changed, tags = sync_tags(module, client, current, desired["tags"])
    all_changes = changes + (["force_new_deployment"] if force else []) + (["tags"] if tags_changed else [])
    if not all_changes:
        return False, current, current, []
    projected = ecs.projected_service(current, desired, count, changes, tags)
    if module.check_mode:
        return True, current, projected, all_changes
    if request:
        try:
            ecs.update_service(client, module.params["cluster"], module.params["name"], request)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e, msg="Could not change {0} of service {1}".format(", ".join(changes or ["the deployment"]), module.params["name"])
            )
        if module.params["wait"]:
            wait_until(module, client, "service_stable", deadline, "deploying " + ", ".join(changes or ["a new deployment"]))
    return True, current, read(module, client)[1] or projected, all_changes


def ensure_absent(module, client, deadline):
    raw, current = read(module, client)
    status = raw.get("status") if raw else None
    if status in (None, "INACTIVE"):
        return False, {}, {}, []
    if status == "DRAINING":
        if module.params["wait"] and not module.check_mode:
            wait_until(module, client, "service_inactive", deadline, "waiting for it to drain")
        return False, {}, {}, []
    delete(module, client, deadline, "deleting it", wait=module.params["wait"])
    return True, current, {}, ["delete"]


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cluster=dict(type="str", required=True),
        name=dict(type="str", required=True),
        task_definition=dict(type="str"),
        desired_count=dict(type="int"),
        autoscaled=dict(type="bool", default=False),
        min_count=dict(type="int"),
        max_count=dict(type="int"),
        platform_version=dict(type="str", default="LATEST"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str", required=True),
                security_groups=dict(type="list", elements="str"),
                assign_public_ip=dict(type="bool", default=False),
            ),
        ),
        load_balancers=dict(
            type="list",
            elements="dict",
            options=dict(
                target_group_arn=dict(type="str", required=True),
                container_name=dict(type="str", required=True),
                container_port=dict(type="int", required=True),
            ),
        ),
        health_check_grace_period_seconds=dict(type="int"),
        deployment_configuration=dict(
            type="dict",
            options=dict(
                maximum_percent=dict(type="int"),
                minimum_healthy_percent=dict(type="int"),
                deployment_circuit_breaker=dict(
                    type="dict",
                    options=dict(enable=dict(type="bool", required=True), rollback=dict(type="bool", default=False)),
                ),
            ),
        ),
        enable_execute_command=dict(type="bool", default=False),
        enable_ecs_managed_tags=dict(type="bool", default=True),
        propagate_tags=dict(type="str", choices=["SERVICE", "TASK_DEFINITION", "NONE"], default="SERVICE"),
        force_new_deployment=dict(type="bool", default=False),
        redeploy_if_before=dict(type="str"),
        recreate_on_change=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["task_definition", "desired_count", "network_configuration"])],
        supports_check_mode=True,
    )
    problems = ecs.input_problems(module.params)
    if problems:
        module.fail_json(msg="Invalid options: " + "; ".join(problems), changes=[])

    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    deadline = Deadline(module.params["wait_timeout"])
    if module.params["state"] == "absent":
        changed, before, after, changes = ensure_absent(module, client, deadline)
    else:
        changed, before, after, changes = ensure_present(module, client, deadline)

    module.exit_json(
        changed=changed,
        service=after,
        changes=changes,
        diff=dict(before=ecs.config_view(before), after=ecs.config_view(after)),
    )


if __name__ == "__main__":
    main()
