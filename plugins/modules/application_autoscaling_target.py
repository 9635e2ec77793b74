#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: application_autoscaling_target
short_description: Manage an Application Auto Scaling target with its scaling policies and scheduled actions
version_added: 0.1.0
description:
  - Registers one scalable target (the desired task count of an ECS service, or the reader count of an
    Aurora DB cluster), changes its minimum and maximum capacity in place, and makes its target-tracking
    scaling policies and scheduled actions exactly the declared ones.
  - Policies and scheduled actions are matched by name. One that differs is updated in place
    (PutScalingPolicy or PutScheduledAction with the same name); one that is not declared is deleted
    unless O(purge_policies=false) or O(purge_scheduled_actions=false).
  - Only what differs is sent. In check mode the module makes no call other than Describe and
    ListTagsForResource, and returns the projected result.
  - O(state=absent) deregisters the target, which deletes its scaling policies and scheduled actions.
  - Why this module exists, rather than community.aws.application_autoscaling_policy, which cannot scale
    an Aurora cluster (namespace C(rds)), ignores a change of minimum or maximum capacity unless
    C(override_task_capacity) is set, manages one policy per task (so it cannot remove the policies
    that are no longer wanted), has no scheduled actions and no tags, and calls the changing APIs in
    check mode.
  - Registering, updating and deregistering take effect at once; there is nothing to wait for, so the
    module has no C(wait) option.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the scalable target should be registered.
    type: str
    choices: [present, absent]
    default: present
  service_namespace:
    description: The service of the resource to scale.
    type: str
    choices: [ecs, rds]
    required: true
  resource_id:
    description:
      - The resource to scale. For O(service_namespace=ecs) C(service/<cluster-name>/<service-name>); for
        O(service_namespace=rds) C(cluster:<db-cluster-identifier>).
      - The ECS service or Aurora DB cluster must exist.
    type: str
    required: true
  scalable_dimension:
    description:
      - What is scaled. It follows from O(service_namespace) (C(ecs:service:DesiredCount) or
        C(rds:cluster:ReadReplicaCount)); when given, it must be that one.
    type: str
    choices: ["ecs:service:DesiredCount", "rds:cluster:ReadReplicaCount"]
  min_capacity:
    description:
      - The fewest tasks or Aurora Replicas. Required when O(state=present); changed in place.
      - AWS moves the current capacity into the new range when it is outside.
    type: int
  max_capacity:
    description:
      - The most tasks or Aurora Replicas (at most 15 for an Aurora cluster). Required when
        O(state=present); changed in place. Must not be below O(min_capacity).
    type: int
  suspended_state:
    description:
      - Suspends scaling activities. When omitted, the target's current state is kept (a new target has
        nothing suspended); when given, a flag that is left out is V(false).
    type: dict
    suboptions:
      dynamic_scaling_in_suspended:
        description: Scaling policies do not remove capacity.
        type: bool
        default: false
      dynamic_scaling_out_suspended:
        description: Scaling policies do not add capacity.
        type: bool
        default: false
      scheduled_scaling_suspended:
        description: Scheduled actions do not run.
        type: bool
        default: false
  target_tracking_policies:
    description:
      - The target-tracking scaling policies of the target, by name.
      - Every setting of a policy is sent when it is created or changed (PutScalingPolicy replaces the whole
        configuration); an omitted cooldown is AWS's default for ECS services and Aurora clusters, 300 seconds.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The policy name, unique among this target's policies.
        type: str
        required: true
      predefined_metric:
        description:
          - The metric to keep at O(target_tracking_policies[].target_value).
          - C(ECSServiceAverageCPUUtilization), C(ECSServiceAverageMemoryUtilization) and
            C(ALBRequestCountPerTarget) apply to ECS services; C(RDSReaderAverageCPUUtilization) and
            C(RDSReaderAverageDatabaseConnections) to Aurora clusters.
        type: str
        required: true
        choices:
          - ECSServiceAverageCPUUtilization
          - ECSServiceAverageMemoryUtilization
          - ALBRequestCountPerTarget
          - RDSReaderAverageCPUUtilization
          - RDSReaderAverageDatabaseConnections
      resource_label:
        description:
          - Required for, and only allowed with, C(ALBRequestCountPerTarget).
          - The final parts of the load balancer and target group ARNs joined by C(/), that is
            C(app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>).
        type: str
      target_value:
        description:
          - The value to keep the metric at. Greater than 0; a percentage (at most 100) for the CPU and
            memory utilization metrics; requests per target per minute for C(ALBRequestCountPerTarget).
        type: float
        required: true
      scale_in_cooldown:
        description: Seconds after a scale-in before another scale-in can start.
        type: int
        default: 300
      scale_out_cooldown:
        description: Seconds after a scale-out before another scale-out can start.
        type: int
        default: 300
      disable_scale_in:
        description: The policy only adds capacity.
        type: bool
        default: false
  scheduled_actions:
    description: The scheduled actions of the target, by name.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The action name, unique among this target's actions; without C(:), C(/) or C(|).
        type: str
        required: true
      schedule:
        description:
          - When the action runs - C(at(yyyy-mm-ddThh:mm:ss)), C(rate(<value> <unit>)) with unit
            C(minute(s)), C(hour(s)) or C(day(s)), or C(cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)).
        type: str
        required: true
      timezone:
        description: The IANA time zone of C(at) and C(cron) schedules.
        type: str
        default: UTC
      min_capacity:
        description: The minimum capacity the action sets. At least one of this and O(scheduled_actions[].max_capacity).
        type: int
      max_capacity:
        description: The maximum capacity the action sets.
        type: int
      start_time:
        description: ISO 8601 date and time (UTC when it has no offset) before which a recurring action does not run.
        type: str
      end_time:
        description: ISO 8601 date and time (UTC when it has no offset) after which a recurring action no longer runs.
        type: str
  purge_policies:
    description: Delete the scaling policies of the target that O(target_tracking_policies) does not name.
    type: bool
    default: true
  purge_scheduled_actions:
    description: Delete the scheduled actions of the target that O(scheduled_actions) does not name.
    type: bool
    default: true
notes:
  - Every parameter is checked (capacities, pairs of namespace and resource id, metrics, names, schedules)
    before any AWS call, so a mistake fails the task without changing anything.
  - Tags apply to the scalable target; AWS cannot tag scaling policies or scheduled actions.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scale the API service between 2 and 10 tasks on CPU, memory and requests per target
  streamflix.media_platform.application_autoscaling_target:
    service_namespace: ecs
    resource_id: service/streamflix-dev/streamflix-api-dev
    min_capacity: 2
    max_capacity: 10
    target_tracking_policies:
      - name: cpu70
        predefined_metric: ECSServiceAverageCPUUtilization
        target_value: 70
      - name: memory80
        predefined_metric: ECSServiceAverageMemoryUtilization
        target_value: 80
      - name: requests
        predefined_metric: ALBRequestCountPerTarget
        resource_label: app/streamflix-dev/50dc6c495c0c9188/targetgroup/streamflix-api-dev/6d0ecf831eec9f09
        target_value: 1000
        scale_in_cooldown: 600
    scheduled_actions:
      - name: night
        schedule: cron(0 22 * * ? *)
        timezone: Europe/Paris
        min_capacity: 1
        max_capacity: 4
    tags:
      Project: streamflix

- name: Between 1 and 3 Aurora Replicas, on reader CPU
  streamflix.media_platform.application_autoscaling_target:
    service_namespace: rds
    resource_id: cluster:streamflix-dev
    min_capacity: 1
    max_capacity: 3
    target_tracking_policies:
      - name: reader-cpu
        predefined_metric: RDSReaderAverageCPUUtilization
        target_value: 60

- name: Stop scaling the service (deletes its policies and scheduled actions)
  streamflix.media_platform.application_autoscaling_target:
    state: absent
    service_namespace: ecs
    resource_id: service/streamflix-dev/streamflix-api-dev
"""

RETURN = r"""
scalable_target:
  description: The scalable target after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    service_namespace:
      description: The service namespace.
      type: str
      sample: ecs
    resource_id:
      description: The scaled resource.
      type: str
      sample: service/streamflix-dev/streamflix-api-dev
    scalable_dimension:
      description: What is scaled.
      type: str
      sample: ecs:service:DesiredCount
    min_capacity:
      description: The minimum capacity.
      type: int
      sample: 2
    max_capacity:
      description: The maximum capacity.
      type: int
      sample: 10
    suspended_state:
      description: The suspension flags C(dynamic_scaling_in_suspended), C(dynamic_scaling_out_suspended), C(scheduled_scaling_suspended).
      type: dict
    arn:
      description: The scalable target's ARN; C(null) for one that check mode would register.
      type: str
    tags:
      description: The scalable target's tags.
      type: dict
policies:
  description: The scaling policies of the target, sorted by name; empty when absent.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The policy name.
      type: str
      sample: cpu70
    arn:
      description: The policy ARN; C(null) for one that check mode would create.
      type: str
    type:
      description: The policy type, C(TargetTrackingScaling) for the ones this module manages.
      type: str
    config:
      description:
        - For target tracking C(predefined_metric), C(resource_label), C(target_value), C(scale_in_cooldown),
          C(scale_out_cooldown), C(disable_scale_in); for other types (kept with O(purge_policies=false)) their
          configuration in snake case.
      type: dict
scheduled_actions:
  description: The scheduled actions of the target, sorted by name; empty when absent.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The action name.
      type: str
    arn:
      description: The action ARN; C(null) for one that check mode would create.
      type: str
    schedule:
      description: The schedule expression.
      type: str
    timezone:
      description: The time zone of the schedule.
      type: str
    start_time:
      description: The start, C(YYYY-MM-DDThh:mm:ssZ), or C(null).
      type: str
    end_time:
      description: The end, C(YYYY-MM-DDThh:mm:ssZ), or C(null).
      type: str
    min_capacity:
      description: The minimum capacity the action sets, or C(null).
      type: int
    max_capacity:
      description: The maximum capacity the action sets, or C(null).
      type: int
changes:
  description: What was changed (or, in check mode, would be), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["max_capacity 6 -> 10", "update policy cpu70", "delete scheduled action weekend"]
diff:
  description: The target with its policies and scheduled actions, before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import application_autoscaling as aas

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def target_label(module):
    return "{0} ({1})".format(module.params["resource_id"], aas.NAMESPACES[module.params["service_namespace"]]["dimension"])


def read_state(module, client):
    """The target with its tags, policies and scheduled actions; {} when it is not registered."""
    namespace = module.params["service_namespace"]
    resource_id = module.params["resource_id"]
    dimension = aas.NAMESPACES[namespace]["dimension"]
    try:
        target = aas.describe_target(client, namespace, resource_id, dimension)
        if not target:
            return {}
        tags = aas.list_tags(client, target["ScalableTargetARN"]) if target.get("ScalableTargetARN") else {}
        policies = aas.describe_policies(client, namespace, resource_id, dimension)
        actions = aas.describe_scheduled_actions(client, namespace, resource_id, dimension)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the scalable target {0}".format(target_label(module)))
    return {
        "scalable_target": aas.target_view(target, tags),
        "policies": sorted((aas.policy_view(policy) for policy in policies), key=lambda view: view["name"]),
        "scheduled_actions": sorted((aas.scheduled_action_view(action) for action in actions), key=lambda view: view["name"]),
    }


def result_view(state):
    return {
        "scalable_target": state.get("scalable_target", {}),
        "policies": state.get("policies", []),
        "scheduled_actions": state.get("scheduled_actions", []),
    }


def ensure_target(module, client, current, changes):
    """Registers or updates the target and its tags; returns the target's (projected) view."""
    desired = aas.desired_target(module.params, current)
    new = not current
    tags_to_set, tags_to_unset = {}, []
    if module.params["tags"] is not None:
        tags_to_set, tags_to_unset = compare_aws_tags(desired["tags"], module.params["tags"], module.params["purge_tags"])
        desired["tags"] = dict((key, value) for key, value in desired["tags"].items() if key not in tags_to_unset)
        desired["tags"].update(tags_to_set)
    differences = aas.target_differences(current, desired)
    if new:
        changes.append("register scalable target {0} (min {1}, max {2})".format(target_label(module), desired["min_capacity"], desired["max_capacity"]))
    else:
        for key in differences:
            changes.append("{0} {1} -> {2}".format(key, current[key], desired[key]))
    if differences and not module.check_mode:
        try:
            response = aas.register_target(client, aas.register_request(desired, differences, new, desired["tags"]))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e,
                msg="Could not register the scalable target {0}; the ECS service or Aurora DB cluster must exist "
                "and min_capacity/max_capacity must suit it".format(target_label(module)),
            )
        desired["arn"] = response.get("ScalableTargetARN") or desired["arn"]
    if not new and (tags_to_set or tags_to_unset):
        changes.append("tags: set {0}; unset {1}".format(sorted(tags_to_set) or "none", sorted(tags_to_unset) or "none"))
        if not module.check_mode:
            try:
                if tags_to_unset:
                    aas.untag_target(client, current["arn"], tags_to_unset)
                if tags_to_set:
                    aas.tag_target(client, current["arn"], tags_to_set)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg="Could not update the tags of scalable target {0}".format(current["arn"]))
    return desired


def apply_plan(module, kind, plan, current_names, delete, put):
    """Deletes, then creates or updates, one kind of child (policies or scheduled actions); returns the change lines."""
    changes = []
    for name in plan["delete"]:
        changes.append("delete {0} {1}".format(kind, name))
        if module.check_mode:
            continue
        try:
            delete(name)
        except is_boto3_error_code("ObjectNotFoundException"):
            pass  # deleted meanwhile: the goal is met
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not delete {0} {1} of {2}".format(kind, name, target_label(module)))
    for view in plan["put"]:
        verb = "update" if view["name"] in current_names and view["name"] not in plan["delete"] else "create"
        changes.append("{0} {1} {2}".format(verb, kind, view["name"]))
        if module.check_mode:
            continue
        try:
            put(view)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not {0} {1} {2} of {3}".format(verb, kind, view["name"], target_label(module)))
    return changes


def ensure_present(module, client, current):
    changes = []
    target = ensure_target(module, client, current.get("scalable_target", {}), changes)

    current_policies = current.get("policies", [])
    desired_policies = [aas.desired_policy(spec) for spec in module.params["target_tracking_policies"]]
    policy_plan = aas.plan(current_policies, desired_policies, module.params["purge_policies"])
    changes.extend(
        apply_plan(
            module,
            "policy",
            policy_plan,
            set(view["name"] for view in current_policies),
            lambda name: aas.delete_policy(client, target, name),
            lambda view: aas.put_policy(client, target, view),
        )
    )

    current_actions = current.get("scheduled_actions", [])
    desired_actions = [aas.desired_scheduled_action(spec) for spec in module.params["scheduled_actions"]]
    action_plan = aas.plan(current_actions, desired_actions, module.params["purge_scheduled_actions"])
    changes.extend(
        apply_plan(
            module,
            "scheduled action",
            action_plan,
            set(view["name"] for view in current_actions),
            lambda name: aas.delete_scheduled_action(client, target, name),
            lambda view: aas.put_scheduled_action(client, target, view),
        )
    )

    projected = {
        "scalable_target": target,
        "policies": aas.project(policy_plan, current_policies),
        "scheduled_actions": aas.project(action_plan, current_actions),
    }
    if not changes or module.check_mode:
        return bool(changes), projected, changes
    # What AWS now holds (ARNs of new policies and actions included); the projection if it is not visible yet.
    return True, read_state(module, client) or projected, changes


def ensure_absent(module, client, current):
    if not current:
        return False, {}, []
    changes = [
        "deregister scalable target {0} with {1} policies and {2} scheduled actions".format(
            target_label(module), len(current["policies"]), len(current["scheduled_actions"])
        )
    ]
    if not module.check_mode:
        try:
            aas.deregister_target(client, current["scalable_target"])
        except is_boto3_error_code("ObjectNotFoundException"):
            pass  # deregistered meanwhile: the goal is met
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not deregister the scalable target {0}".format(target_label(module)))
    return True, {}, changes


def main():
    policy_options = dict(
        name=dict(type="str", required=True),
        predefined_metric=dict(type="str", required=True, choices=list(aas.METRICS)),
        resource_label=dict(type="str"),
        target_value=dict(type="float", required=True),
        scale_in_cooldown=dict(type="int", default=aas.DEFAULT_COOLDOWN),
        scale_out_cooldown=dict(type="int", default=aas.DEFAULT_COOLDOWN),
        disable_scale_in=dict(type="bool", default=False),
    )
    action_options = dict(
        name=dict(type="str", required=True),
        schedule=dict(type="str", required=True),
        timezone=dict(type="str", default="UTC"),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        start_time=dict(type="str"),
        end_time=dict(type="str"),
    )
    suspended_options = dict(
        dynamic_scaling_in_suspended=dict(type="bool", default=False),
        dynamic_scaling_out_suspended=dict(type="bool", default=False),
        scheduled_scaling_suspended=dict(type="bool", default=False),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        service_namespace=dict(type="str", choices=sorted(aas.NAMESPACES), required=True),
        resource_id=dict(type="str", required=True),
        scalable_dimension=dict(type="str", choices=sorted(spec["dimension"] for spec in aas.NAMESPACES.values())),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        suspended_state=dict(type="dict", options=suspended_options),
        target_tracking_policies=dict(type="list", elements="dict", options=policy_options, default=[]),
        scheduled_actions=dict(type="list", elements="dict", options=action_options, default=[]),
        purge_policies=dict(type="bool", default=True),
        purge_scheduled_actions=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["min_capacity", "max_capacity"])],
        supports_check_mode=True,
    )
    errors = aas.validation_errors(module.params)
    if errors:
        module.fail_json(msg="Invalid parameters, nothing was changed: " + "; ".join(errors), errors=errors)

    client = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    current = read_state(module, client)
    if module.params["state"] == "absent":
        changed, after, changes = ensure_absent(module, client, current)
    else:
        changed, after, changes = ensure_present(module, client, current)
    result = result_view(after)
    module.exit_json(changed=changed, changes=changes, diff=dict(before=current, after=after), **result)


if __name__ == "__main__":
    main()
