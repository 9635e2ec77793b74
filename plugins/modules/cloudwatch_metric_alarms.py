#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
short_description: Manage a declared set of CloudWatch metric alarms, with their tags
version_added: 0.1.0
description:
  - Creates, updates, tags and deletes a set of CloudWatch metric alarms (static thresholds) in one task.
  - The current alarms are read with DescribeAlarms (by O(name_prefix), paginated, or by name in batches of 100)
    and compared with O(alarms) field by field; PutMetricAlarm is called only for the alarms that are new or
    differ, with their complete definition (PutMetricAlarm replaces the whole alarm).
  - O(tags) apply to every alarm. PutMetricAlarm takes tags only when it creates an alarm (it ignores them on an
    update), so the tags of an existing alarm are compared with ListTagsForResource and changed with
    TagResource / UntagResource on the alarm's ARN, and only when they differ.
  - With O(purge_alarms=true), an existing alarm whose name matches O(purge_pattern) and is not declared is
    deleted (DeleteAlarms, up to 100 names a call), so a set that shrinks (fewer cache nodes) loses its extra
    alarms while other alarms under the same prefix (another environment's) stay.
  - Every declared alarm is validated against the PutMetricAlarm reference before any call (name length,
    statistic or extended statistic, period and evaluation window, comparison operator, missing-data treatment,
    unit, dimensions, actions, tags); a failure names the alarm and the field.
  - Why this module exists, rather than amazon.aws.cloudwatch_metric_alarm; that module cannot tag alarms
    (so they lack the tags every other resource has, and the Resource Groups Tagging API cannot find them),
    manages one alarm per task (a loop of a dozen tasks, each with its own API calls, plus separate tasks to
    find and delete alarms no longer wanted), and returns no diff.
  - Alarms change at once, so there is nothing to wait for.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description:
      - V(present) creates or converges the declared alarms (and with O(purge_alarms) deletes the undeclared ones
        that O(purge_pattern) claims).
      - V(absent) deletes the declared alarms, and with O(purge_pattern) every alarm under O(name_prefix) whose name
        matches it.
    type: str
    choices: [present, absent]
    default: present
  alarms:
    description:
      - The alarms. With O(state=absent) only their names are used.
      - Each alarm watches one metric (O(alarms[].namespace), O(alarms[].metric_name), O(alarms[].dimensions)) and
        compares its statistic over O(alarms[].period) with O(alarms[].threshold).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The alarm name, 1 to 255 characters, unique in the region.
        type: str
        required: true
      description:
        description: The alarm description, up to 1024 characters.
        type: str
      namespace:
        description: The metric's namespace, for example C(AWS/SQS). Required when O(state=present), unless O(alarms[].metrics).
        type: str
      metric_name:
        description: The metric's name. Required when O(state=present), unless O(alarms[].metrics).
        type: str
      metrics:
        description:
          - Metric math instead of one metric (PutMetricAlarm C(Metrics)), for example the maximum over several
            instances, C(MAX([m1, m2])). Then O(alarms[].namespace), O(alarms[].metric_name), O(alarms[].dimensions),
            O(alarms[].statistic), O(alarms[].extended_statistic), O(alarms[].period) and O(alarms[].unit) are not given.
          - Each item is an expression or a metric; exactly one returns data (the one the alarm watches).
        type: list
        elements: dict
        suboptions:
          id:
            description: The item's id, a lower-case letter first, then letters, digits or C(_).
            type: str
            required: true
          expression:
            description: A metric math expression over the other items' ids, for example C(MAX([m1, m2])).
            type: str
          label:
            description: A label for the item.
            type: str
          return_data:
            description: Whether the alarm watches this item; V(true) for exactly one item. Omitted, V(true).
            type: bool
          namespace:
            description: A metric's namespace.
            type: str
          metric_name:
            description: A metric's name.
            type: str
          dimensions:
            description: A metric's dimensions, name to value.
            type: dict
            default: {}
          stat:
            description: A metric's statistic, for example V(Maximum).
            type: str
          period:
            description: A metric's period in seconds (10, 20, 30 or a multiple of 60).
            type: int
      dimensions:
        description: The metric's dimensions, name to value (up to 30).
        type: dict
        default: {}
      statistic:
        description:
          - One of V(SampleCount), V(Average), V(Sum), V(Minimum), V(Maximum).
          - Give this or O(alarms[].extended_statistic), not both.
        type: str
      extended_statistic:
        description:
          - A percentile such as V(p99) or V(p99.9) (also V(tm90), V(tc90), V(ts90), V(wm90)), V(IQM), V(PR(n:m)),
            or V(TC(X%:X%)), V(TM(X%:X%)), V(TS(X%:X%)), V(WM(X%:X%)) with X from 10 to 90.
          - Give this or O(alarms[].statistic), not both.
        type: str
      period:
        description:
          - The length of one evaluation period in seconds; 10, 20, 30 (high-resolution metrics) or a multiple of 60.
          - O(alarms[].period) times O(alarms[].evaluation_periods) must not exceed 7 days, or 1 day when the period is
            under an hour. Required when O(state=present).
        type: int
      evaluation_periods:
        description: The number of most recent periods compared with the threshold (at least 1). Required when O(state=present).
        type: int
      datapoints_to_alarm:
        description:
          - The number of breaching data points among O(alarms[].evaluation_periods) that set the alarm off ("M out of
            N"); from 1 to O(alarms[].evaluation_periods).
          - Defaults to O(alarms[].evaluation_periods), as in CloudWatch.
        type: int
      comparison_operator:
        description:
          - V(GreaterThanOrEqualToThreshold), V(GreaterThanThreshold), V(LessThanThreshold) or
            V(LessThanOrEqualToThreshold). The API's anomaly-band operators need an anomaly detection model, which
            this module does not manage. Required when O(state=present).
        type: str
      threshold:
        description: The value the statistic is compared with. Required when O(state=present).
        type: float
      treat_missing_data:
        description: How missing data points count; V(breaching), V(notBreaching), V(ignore) or V(missing).
        type: str
        default: missing
      alarm_actions:
        description: ARNs (up to 5) notified when the alarm enters the ALARM state, for example an SNS topic.
        type: list
        elements: str
        default: []
      ok_actions:
        description: ARNs (up to 5) notified when the alarm returns to OK.
        type: list
        elements: str
        default: []
      insufficient_data_actions:
        description: ARNs (up to 5) notified when the alarm enters INSUFFICIENT_DATA.
        type: list
        elements: str
        default: []
      actions_enabled:
        description: Whether the actions run on state changes.
        type: bool
        default: true
      unit:
        description:
          - The metric's unit (one of the units of the PutMetricAlarm reference, for example V(Percent), V(Count)).
          - Best left out; an alarm with a unit the metric is not published in stays in INSUFFICIENT_DATA.
        type: str
  name_prefix:
    description:
      - The name prefix of the alarms to consider (DescribeAlarms AlarmNamePrefix), 1 to 255 characters.
      - Without it the declared alarms are read by name, and O(purge_pattern) is matched against every metric
        alarm of the region.
    type: str
  purge_alarms:
    description:
      - With O(state=present), delete the existing alarms (under O(name_prefix)) whose whole name matches
        O(purge_pattern) and that O(alarms) does not declare.
    type: bool
    default: false
  purge_pattern:
    description:
      - A Python regular expression that the whole alarm name must match for the alarm to be deleted when not declared
        (O(purge_alarms=true)) or, with O(state=absent), deleted in any case.
      - It is what the task owns under O(name_prefix); keep it as narrow as the names you make.
      - Required when O(purge_alarms=true).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are applied to every declared alarm; with O(purge_tags=true) other tags are removed from them.
    When O(tags) is not given, the alarms' tags are left alone.
"""

EXAMPLES = r"""
- name: The environment's alarms, tagged, with the alarms of removed cache nodes deleted
  streamflix.media_platform.cloudwatch_metric_alarms:
    name_prefix: streamflix-dev-
    purge_alarms: true
    purge_pattern: '^streamflix-dev-redis-[0-9]{3}-(engine-cpu|memory)-high$'
    tags:
      Project: streamflix
      Environment: dev
      ManagedBy: ansible
    alarms:
      - name: streamflix-dev-jobs-dlq-depth
        description: Jobs failed every attempt
        namespace: AWS/SQS
        metric_name: ApproximateNumberOfMessagesVisible
        dimensions:
          QueueName: streamflix-jobs-dlq-dev
        statistic: Maximum
        period: 300
        evaluation_periods: 1
        comparison_operator: GreaterThanThreshold
        threshold: 0
        treat_missing_data: notBreaching
        alarm_actions: ["arn:aws:sns:us-east-1:123456789012:streamflix-alarms-dev"]
        ok_actions: ["arn:aws:sns:us-east-1:123456789012:streamflix-alarms-dev"]

- name: Remove every alarm the environment's names claim
  streamflix.media_platform.cloudwatch_metric_alarms:
    state: absent
    name_prefix: streamflix-dev-
    purge_pattern: '^streamflix-dev-(jobs-dlq-depth|redis-[0-9]{3}-(engine-cpu|memory)-high)$'
"""

RETURN = r"""
alarms:
  description: The declared alarms after the run (projected in check mode); empty when O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The alarm name.
      type: str
      sample: streamflix-dev-jobs-dlq-depth
    arn:
      description: The alarm ARN; C(null) for one that check mode would create.
      type: str
      sample: arn:aws:cloudwatch:us-east-1:123456789012:alarm:streamflix-dev-jobs-dlq-depth
    changed:
      description: Whether the alarm was (or, in check mode, would be) created or changed.
      type: bool
    changes:
      description: What changed; the definition fields, C(tags), or C(created).
      type: list
      elements: str
      sample: [threshold]
created:
  description: The names of the alarms created.
  returned: always
  type: list
  elements: str
updated:
  description: The names of the existing alarms whose definition or tags changed.
  returned: always
  type: list
  elements: str
deleted:
  description: The names of the alarms deleted.
  returned: always
  type: list
  elements: str
diff:
  description:
    - The changed alarms only, keyed by name, before and after (definition and tags); an alarm created is missing
      from C(before), one deleted from C(after).
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import DELETE_BATCH
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import apply_tag_changes
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import batches
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import current_alarm
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import definition_changes
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import delete_alarms
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import describe_alarms_by_names
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import describe_alarms_by_prefix
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import desired_alarm
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import list_alarm_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import pattern_problems
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import purge_candidates
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import put_metric_alarm
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import put_request
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import set_problems
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import tag_alarm
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import tag_changes
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import tag_problems
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_alarms import untag_alarm

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:
    pass  # handled by AnsibleAWSModule


def validate(module):
    params = module.params
    problems = set_problems(params["alarms"], params["state"])
    problems.extend(tag_problems(params["tags"]))
    problems.extend(pattern_problems(params["purge_pattern"]))
    prefix = params["name_prefix"]
    if prefix is not None and not 1 <= len(prefix) <= 255:
        problems.append("name_prefix must be 1 to 255 characters long (got {0})".format(len(prefix)))
    if problems:
        module.fail_json(msg="Fix the alarm declarations: " + "; ".join(problems), problems=problems)


def find_alarms(module, client, declared_names):
    """Name -> DescribeAlarms entry of the declared alarms and (when purging) the candidates under the prefix."""
    prefix = module.params["name_prefix"]
    purging = module.params["purge_pattern"] is not None and (
        module.params["purge_alarms"] or module.params["state"] == "absent"
    )
    # Listed by prefix (every metric alarm when purging without one); the declared names it does not cover by name.
    listed = bool(prefix) or purging
    outside = [name for name in declared_names if not (listed and (not prefix or name.startswith(prefix)))]
    found = {}
    try:
        if listed:
            for entry in describe_alarms_by_prefix(client, prefix):
                found[entry["AlarmName"]] = entry
        for batch in batches(outside, DELETE_BATCH):
            for entry in describe_alarms_by_names(client, batch):
                found[entry["AlarmName"]] = entry
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not list the alarms{0}".format(" under " + prefix if prefix else ""))
    return found


def read_tags(module, client, name, arn):
    try:
        return list_alarm_tags(client, arn)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not read the tags of alarm {0}".format(name))


def remove(module, client, names):
    if module.check_mode or not names:
        return
    for batch in batches(names, DELETE_BATCH):
        try:
            delete_alarms(client, batch)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="Could not delete alarms {0}".format(", ".join(batch)))


def with_tags(definition, tags):
    """The alarm as the diff shows it: its definition, and its tags when the task manages them."""
    return dict(definition, tags=dict(tags)) if tags is not None else dict(definition)


def converge_alarm(module, client, spec, existing):
    """Returns (changes, before, after, arn) for one declared alarm; before is None for a new one."""
    name = spec["name"]
    desired = desired_alarm(spec)
    desired_tags = module.params["tags"]
    if existing is None:
        after = with_tags(desired, desired_tags)
        if not module.check_mode:
            try:
                put_metric_alarm(client, put_request(name, desired, desired_tags))
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg="Could not create alarm {0}".format(name))
        return ["created"], None, after, None

    arn = existing["AlarmArn"]
    current = current_alarm(existing)
    current_tags = read_tags(module, client, name, arn) if desired_tags is not None else {}
    before = with_tags(current, current_tags if desired_tags is not None else None)
    changes = definition_changes(current, desired)
    to_set, to_unset = tag_changes(current_tags, desired_tags, module.params["purge_tags"])
    if not module.check_mode:
        try:
            if changes:
                # The complete definition: PutMetricAlarm replaces the alarm (and ignores Tags for an existing one).
                put_metric_alarm(client, put_request(name, desired))
            if to_set:
                tag_alarm(client, arn, to_set)
            if to_unset:
                untag_alarm(client, arn, to_unset)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="Could not update alarm {0}".format(name))
    if to_set or to_unset:
        changes = changes + ["tags"]
    after_tags = apply_tag_changes(current_tags, to_set, to_unset) if desired_tags is not None else None
    after = with_tags(desired if changes else current, after_tags)
    return changes, before, after, arn


def arns_of_created(module, client, names):
    if module.check_mode or not names:
        return {}
    arns = {}
    try:
        for batch in batches(names, DELETE_BATCH):
            for entry in describe_alarms_by_names(client, batch):
                arns[entry["AlarmName"]] = entry["AlarmArn"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not read back the alarms created")
    return arns


def ensure_present(module, client, found):
    """Returns (changed, result): result holds alarms, created, updated, deleted and the diff."""
    alarms, created, updated = [], [], []
    before, after = {}, {}
    for spec in module.params["alarms"]:
        name = spec["name"]
        changes, alarm_before, alarm_after, arn = converge_alarm(module, client, spec, found.get(name))
        if changes:
            (created if alarm_before is None else updated).append(name)
            if alarm_before is not None:
                before[name] = alarm_before
            after[name] = alarm_after
        alarms.append({"name": name, "arn": arn, "changed": bool(changes), "changes": changes})
    arns = arns_of_created(module, client, created)
    for alarm in alarms:
        if alarm["arn"] is None:
            alarm["arn"] = arns.get(alarm["name"])

    deleted = []
    if module.params["purge_alarms"]:
        declared = [spec["name"] for spec in module.params["alarms"]]
        deleted = purge_candidates(found, declared, module.params["purge_pattern"])
        remove(module, client, deleted)
        for name in deleted:
            before[name] = current_alarm(found[name])
    changed = bool(created or updated or deleted)
    return changed, dict(alarms=alarms, created=created, updated=updated, deleted=deleted, diff=dict(before=before, after=after))


def ensure_absent(module, client, found):
    declared = [spec["name"] for spec in module.params["alarms"]]
    deleted = sorted(name for name in set(declared) if name in found)
    if module.params["purge_pattern"] is not None:
        deleted = sorted(set(deleted) | set(purge_candidates(found, [], module.params["purge_pattern"])))
    remove(module, client, deleted)
    before = dict((name, current_alarm(found[name])) for name in deleted)
    return bool(deleted), dict(alarms=[], created=[], updated=[], deleted=deleted, diff=dict(before=before, after={}))


def main():
    alarm_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str"),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        comparison_operator=dict(type="str"),
        threshold=dict(type="float"),
        treat_missing_data=dict(type="str", default="missing"),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        actions_enabled=dict(type="bool", default=True),
        unit=dict(type="str"),
        metrics=dict(
            type="list",
            elements="dict",
            options=dict(
                id=dict(type="str", required=True),
                expression=dict(type="str"),
                label=dict(type="str"),
                return_data=dict(type="bool"),
                namespace=dict(type="str"),
                metric_name=dict(type="str"),
                dimensions=dict(type="dict", default={}),
                stat=dict(type="str"),
                period=dict(type="int"),
            ),
        ),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            alarms=dict(type="list", elements="dict", options=alarm_spec, default=[]),
            name_prefix=dict(type="str"),
            purge_alarms=dict(type="bool", default=False),
            purge_pattern=dict(type="str"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        required_if=[("purge_alarms", True, ["purge_pattern"])],
        supports_check_mode=True,
    )
    validate(module)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    found = find_alarms(module, client, [spec["name"] for spec in module.params["alarms"]])
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, result = ensure(module, client, found)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
