# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch metric alarms: validation, the pure comparison and the CloudWatch calls of the
cloudwatch_metric_alarms module.

The rules checked here are those of the PutMetricAlarm API reference (and the botocore service model's
length limits), so a wrong declaration fails before any call, naming the alarm and the field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
# The static-threshold operators; the API's other three (LessThanLowerOrGreaterThanUpperThreshold,
# LessThanLowerThreshold, GreaterThanUpperThreshold) need an anomaly detection band (ThresholdMetricId).
COMPARISON_OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold")
ANOMALY_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
UNITS = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
    "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
    "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
)
# ExtendedStatistic, as the PutMetricAlarm reference lists it: p90, tm90, tc90, ts90, wm90 (a percentile 0-100),
# IQM, PR(n:m) with metric values n and m, and TC/TM/TS/WM(X%:X%) with X from 10 to 90.
_PERCENT = r"(?:100(?:\.0+)?|\d{1,2}(?:\.\d+)?)"
_NUMBER = r"-?\d+(?:\.\d+)?"
_BOUND = r"(?:[1-8]\d(?:\.\d+)?|90(?:\.0+)?)%"
EXTENDED_STATISTIC = re.compile(
    r"^(?:(?:p|tm|tc|ts|wm){0}|IQM|PR\((?:{1})?:(?:{1})?\)|(?:TC|TM|TS|WM)\((?:{2})?:(?:{2})?\))$".format(_PERCENT, _NUMBER, _BOUND)
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

MAX_ACTIONS = 5
MAX_DIMENSIONS = 30
MAX_TAGS = 50
MAX_EVALUATION_SECONDS = 604800  # seven days
MAX_SHORT_PERIOD_EVALUATION_SECONDS = 86400  # one day, for periods under an hour
DELETE_BATCH = 100  # DeleteAlarms and DescribeAlarms AlarmNames take up to 100 names
DESCRIBE_PAGE = 100  # DescribeAlarms MaxRecords: 1-100

# The fields of an alarm definition, in the order the diff shows them.
DEFINITION_FIELDS = (
    "description", "namespace", "metric_name", "dimensions", "statistic", "extended_statistic", "unit", "period",
    "evaluation_periods", "datapoints_to_alarm", "comparison_operator", "threshold", "treat_missing_data",
    "actions_enabled", "alarm_actions", "ok_actions", "insufficient_data_actions", "metrics",
)
REQUIRED_FIELDS = ("namespace", "metric_name", "period", "evaluation_periods", "comparison_operator", "threshold")
# With metric math (metrics), the alarm watches the expression that returns data: these single-metric fields go.
SINGLE_METRIC_FIELDS = ("namespace", "metric_name", "statistic", "extended_statistic", "period", "unit")
METRIC_ID = re.compile(r"^[a-z][a-zA-Z0-9_]{0,254}$")
ACTION_FIELDS = ("alarm_actions", "ok_actions", "insufficient_data_actions")


def _length_problem(value, low, high):
    if value is None:
        return None
    if not low <= len(value) <= high:
        return "must be {0} to {1} characters long (got {2})".format(low, high, len(value))
    return None


def alarm_problems(alarm, state="present"):
    """What is wrong with one declared alarm, as "alarm <name>: <field> ..." messages (empty when nothing)."""
    name = alarm.get("name")
    label = "alarm {0!r}".format(name)
    problems = []

    def problem(field, text):
        problems.append("{0}: {1} {2}".format(label, field, text))

    if not isinstance(name, str) or not name:
        return ["every alarm needs a name (1 to 255 characters); got {0!r}".format(name)]
    too_long = _length_problem(name, 1, 255)
    if too_long:
        problem("name", too_long)
    if _CONTROL.search(name):
        problem("name", "must not contain control characters")
    if state != "present":
        return problems

    if alarm.get("metrics"):
        problems.extend(metrics_problems(label, alarm))
        alarm = dict(alarm, **dict((field, None) for field in SINGLE_METRIC_FIELDS))
        alarm.update(namespace="-", metric_name="-", statistic="Maximum", period=metrics_period(alarm["metrics"]))
    for field in REQUIRED_FIELDS:
        if alarm.get(field) is None:
            problem(field, "is required when state=present")
    for field, high in (("namespace", 255), ("metric_name", 255)):
        too_long = _length_problem(alarm.get(field), 1, high)
        if too_long:
            problem(field, too_long)
    if (alarm.get("namespace") or "").startswith(":"):
        problem("namespace", "must not start with ':'")
    too_long = _length_problem(alarm.get("description"), 0, 1024)
    if too_long:
        problem("description", too_long)

    statistic, extended = alarm.get("statistic"), alarm.get("extended_statistic")
    if statistic is not None and extended is not None:
        problem("statistic", "and extended_statistic exclude each other: give one of them")
    elif statistic is None and extended is None:
        problem("statistic", "or extended_statistic is required")
    elif statistic is not None and statistic not in STATISTICS:
        problem("statistic", "must be one of {0} (percentiles go in extended_statistic); got {1!r}".format(", ".join(STATISTICS), statistic))
    elif extended is not None and not EXTENDED_STATISTIC.match(extended):
        problem(
            "extended_statistic",
            "must be a percentile such as p99 or p99.9 (also tm90, tc90, ts90, wm90), IQM, PR(n:m), or TC/TM/TS/WM(X%:X%) "
            "with X from 10 to 90; got {0!r}".format(extended),
        )

    period, evaluation_periods = alarm.get("period"), alarm.get("evaluation_periods")
    if period is not None and not (period in (10, 20, 30) or (period >= 60 and period % 60 == 0)):
        problem("period", "must be 10, 20, 30 or a multiple of 60 seconds; got {0}".format(period))
    if evaluation_periods is not None and evaluation_periods < 1:
        problem("evaluation_periods", "must be at least 1; got {0}".format(evaluation_periods))
    if period is not None and period > 0 and evaluation_periods is not None and evaluation_periods >= 1:
        total = period * evaluation_periods
        if total > MAX_EVALUATION_SECONDS:
            problem("period", "x evaluation_periods must not exceed 604800 seconds (7 days); got {0}".format(total))
        elif period < 3600 and total > MAX_SHORT_PERIOD_EVALUATION_SECONDS:
            problem(
                "period",
                "x evaluation_periods must not exceed 86400 seconds (1 day) when period is under 3600; got {0}".format(total),
            )
    datapoints = alarm.get("datapoints_to_alarm")
    if datapoints is not None:
        if datapoints < 1:
            problem("datapoints_to_alarm", "must be at least 1; got {0}".format(datapoints))
        elif evaluation_periods is not None and datapoints > evaluation_periods:
            problem(
                "datapoints_to_alarm",
                "must not exceed evaluation_periods ({0}); got {1}".format(evaluation_periods, datapoints),
            )

    operator = alarm.get("comparison_operator")
    if operator in ANOMALY_OPERATORS:
        problem("comparison_operator", "{0} needs an anomaly detection band, which this module does not manage; use one of {1}".format(
            operator, ", ".join(COMPARISON_OPERATORS)))
    elif operator is not None and operator not in COMPARISON_OPERATORS:
        problem("comparison_operator", "must be one of {0}; got {1!r}".format(", ".join(COMPARISON_OPERATORS), operator))

    treat = alarm.get("treat_missing_data")
    if treat is not None and treat not in TREAT_MISSING_DATA:
        problem("treat_missing_data", "must be one of {0}; got {1!r}".format(", ".join(TREAT_MISSING_DATA), treat))
    unit = alarm.get("unit")
    if unit is not None and unit not in UNITS:
        problem("unit", "must be one of {0}; got {1!r}".format(", ".join(UNITS), unit))

    dimensions = alarm.get("dimensions") or {}
    if len(dimensions) > MAX_DIMENSIONS:
        problem("dimensions", "can have at most {0} entries; got {1}".format(MAX_DIMENSIONS, len(dimensions)))
    for key, value in dimensions.items():
        if _length_problem(str(key), 1, 255):
            problem("dimensions", "name {0!r} must be 1 to 255 characters long".format(key))
        if value is None or _length_problem(str(value), 1, 1024):
            problem("dimensions", "{0}: the value must be 1 to 1024 characters long; got {1!r}".format(key, value))

    for field in ACTION_FIELDS:
        actions = alarm.get(field) or []
        if len(actions) > MAX_ACTIONS:
            problem(field, "can have at most {0} actions; got {1}".format(MAX_ACTIONS, len(actions)))
        for action in actions:
            if not isinstance(action, str) or not action.startswith("arn:") or len(action) > 1024:
                problem(field, "entries must be ARNs (arn:..., up to 1024 characters); got {0!r}".format(action))
    return problems


def metrics_period(metrics):
    """The period of the metric math's metrics (their longest), for the evaluation-time checks."""
    periods = [m.get("period") for m in metrics if m.get("period")]
    return max(periods) if periods else 60


def metrics_problems(label, alarm):
    """What is wrong with an alarm's metric math (PutMetricAlarm Metrics: each item an expression or a metric,
    ids unique and starting with a lower-case letter, exactly one item returning data)."""
    problems = []
    for field in SINGLE_METRIC_FIELDS:
        if alarm.get(field) is not None:
            problems.append("{0}: {1} must not be given with metrics (each metric carries its own)".format(label, field))
    if alarm.get("dimensions"):
        problems.append("{0}: dimensions must not be given with metrics (each metric carries its own)".format(label))
    ids = [m.get("id") for m in alarm["metrics"]]
    for metric in alarm["metrics"]:
        what = "{0}: metrics[{1!r}]".format(label, metric.get("id"))
        if not isinstance(metric.get("id"), str) or not METRIC_ID.match(metric["id"]):
            problems.append("{0}: id must start with a lower-case letter, then letters, digits or _ (up to 255)".format(what))
        has_metric = any(metric.get(k) is not None for k in ("namespace", "metric_name", "stat"))
        if bool(metric.get("expression")) == has_metric:
            problems.append("{0}: give either expression or namespace, metric_name, stat and period".format(what))
        elif has_metric and any(metric.get(k) is None for k in ("namespace", "metric_name", "stat", "period")):
            problems.append("{0}: a metric needs namespace, metric_name, stat and period".format(what))
        period = metric.get("period") if has_metric else None
        if period is not None and not (period in (10, 20, 30) or (period >= 60 and period % 60 == 0)):
            problems.append("{0}: period must be 10, 20, 30 or a multiple of 60 seconds; got {1}".format(what, metric["period"]))
    if len(set(ids)) != len(ids):
        problems.append("{0}: metrics ids must be unique".format(label))
    returning = [m for m in alarm["metrics"] if metric_returns_data(m)]
    if len(returning) != 1:
        problems.append("{0}: exactly one of metrics must have return_data true (the one the alarm watches); got {1}".format(label, len(returning)))
    return problems


def metric_returns_data(metric):
    return True if metric.get("return_data") is None else bool(metric["return_data"])


def desired_metrics(metrics):
    """Declared metric math as the normalized view, by id."""
    views = []
    for m in metrics or []:
        views.append({
            "id": m.get("id"),
            "expression": m.get("expression"),
            "label": m.get("label"),
            "return_data": metric_returns_data(m),
            "namespace": m.get("namespace"),
            "metric_name": m.get("metric_name"),
            "dimensions": dict((str(k), str(v)) for k, v in (m.get("dimensions") or {}).items()),
            "stat": m.get("stat"),
            "period": m.get("period"),
        })
    return sorted(views, key=lambda v: v["id"] or "")


def current_metrics(queries):
    """DescribeAlarms Metrics (MetricDataQuery) as the normalized view, by id."""
    views = []
    for q in queries or []:
        stat = q.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        views.append({
            "id": q.get("Id"),
            "expression": q.get("Expression"),
            "label": q.get("Label"),
            "return_data": q.get("ReturnData", True),
            "namespace": metric.get("Namespace"),
            "metric_name": metric.get("MetricName"),
            "dimensions": dict((d["Name"], d["Value"]) for d in metric.get("Dimensions") or []),
            "stat": stat.get("Stat"),
            "period": stat.get("Period") if stat else q.get("Period"),
        })
    return sorted(views, key=lambda v: v["id"] or "")


def metrics_request(metrics):
    """PutMetricAlarm Metrics from the normalized view."""
    queries = []
    for m in metrics:
        query = {"Id": m["id"], "ReturnData": m["return_data"]}
        if m["label"]:
            query["Label"] = m["label"]
        if m["expression"]:
            query["Expression"] = m["expression"]
        else:
            dimensions = [{"Name": k, "Value": m["dimensions"][k]} for k in sorted(m["dimensions"])]
            query["MetricStat"] = {
                "Metric": {"Namespace": m["namespace"], "MetricName": m["metric_name"], "Dimensions": dimensions},
                "Period": m["period"],
                "Stat": m["stat"],
            }
        queries.append(query)
    return queries


def tag_problems(tags):
    """What is wrong with the tags (TagResource: up to 50, keys 1-128, values 0-256, no aws: prefix)."""
    if not tags:
        return []
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append("tags: an alarm can have at most {0} tags; got {1}".format(MAX_TAGS, len(tags)))
    for key, value in tags.items():
        if not 1 <= len(str(key)) <= 128:
            problems.append("tags: key {0!r} must be 1 to 128 characters long".format(key))
        if str(key).lower().startswith("aws:"):
            problems.append("tags: key {0!r} must not start with aws: (reserved for AWS)".format(key))
        if value is not None and len(str(value)) > 256:
            problems.append("tags: the value of {0!r} must be at most 256 characters long".format(key))
    return problems


def set_problems(alarms, state="present"):
    """Every problem of the declared alarms: each alarm's own, and names declared twice."""
    problems = []
    seen = set()
    for alarm in alarms:
        problems.extend(alarm_problems(alarm, state))
        name = alarm.get("name")
        if name in seen:
            problems.append("alarm {0!r}: name is declared more than once".format(name))
        seen.add(name)
    return problems


def pattern_problems(pattern):
    if pattern is None:
        return []
    try:
        re.compile(pattern)
    except re.error as e:
        return ["purge_pattern {0!r} is not a valid regular expression: {1}".format(pattern, e)]
    return []


def desired_alarm(alarm):
    """A declared alarm (module options) as the module's normalized view of a definition."""
    evaluation_periods = alarm.get("evaluation_periods")
    threshold = alarm.get("threshold")
    return {
        "description": alarm.get("description") or "",
        "namespace": alarm.get("namespace"),
        "metric_name": alarm.get("metric_name"),
        "dimensions": dict((str(k), str(v)) for k, v in (alarm.get("dimensions") or {}).items()),
        "statistic": alarm.get("statistic"),
        "extended_statistic": alarm.get("extended_statistic"),
        "unit": alarm.get("unit"),
        "period": alarm.get("period"),
        "evaluation_periods": evaluation_periods,
        # Without DatapointsToAlarm, CloudWatch alarms on evaluation_periods of evaluation_periods.
        "datapoints_to_alarm": alarm.get("datapoints_to_alarm") or evaluation_periods,
        "comparison_operator": alarm.get("comparison_operator"),
        "threshold": float(threshold) if threshold is not None else None,
        "treat_missing_data": alarm.get("treat_missing_data") or "missing",
        "actions_enabled": True if alarm.get("actions_enabled") is None else bool(alarm.get("actions_enabled")),
        "alarm_actions": sorted(set(alarm.get("alarm_actions") or [])),
        "ok_actions": sorted(set(alarm.get("ok_actions") or [])),
        "insufficient_data_actions": sorted(set(alarm.get("insufficient_data_actions") or [])),
        "metrics": desired_metrics(alarm.get("metrics")),
    }


def current_alarm(metric_alarm):
    """A DescribeAlarms MetricAlarms entry as the module's normalized view of a definition."""
    evaluation_periods = metric_alarm.get("EvaluationPeriods")
    threshold = metric_alarm.get("Threshold")
    return {
        "description": metric_alarm.get("AlarmDescription") or "",
        "namespace": metric_alarm.get("Namespace"),
        "metric_name": metric_alarm.get("MetricName"),
        "dimensions": dict((d["Name"], d["Value"]) for d in metric_alarm.get("Dimensions") or []),
        "statistic": metric_alarm.get("Statistic"),
        "extended_statistic": metric_alarm.get("ExtendedStatistic"),
        "unit": metric_alarm.get("Unit"),
        "period": metric_alarm.get("Period"),
        "evaluation_periods": evaluation_periods,
        "datapoints_to_alarm": metric_alarm.get("DatapointsToAlarm") or evaluation_periods,
        "comparison_operator": metric_alarm.get("ComparisonOperator"),
        "threshold": float(threshold) if threshold is not None else None,
        "treat_missing_data": metric_alarm.get("TreatMissingData") or "missing",
        "actions_enabled": metric_alarm.get("ActionsEnabled", True),
        "alarm_actions": sorted(set(metric_alarm.get("AlarmActions") or [])),
        "ok_actions": sorted(set(metric_alarm.get("OKActions") or [])),
        "insufficient_data_actions": sorted(set(metric_alarm.get("InsufficientDataActions") or [])),
        "metrics": current_metrics(metric_alarm.get("Metrics")),
    }


def definition_changes(current, desired):
    """The definition fields that differ (PutMetricAlarm is needed when any does); all of them for a new alarm."""
    if current is None:
        return list(DEFINITION_FIELDS)
    return [field for field in DEFINITION_FIELDS if current.get(field) != desired.get(field)]


def tag_changes(current_tags, desired_tags, purge_tags):
    """(to_set, to_unset) for TagResource / UntagResource; nothing when tags are not managed (None)."""
    if desired_tags is None:
        return {}, []
    current_tags = current_tags or {}
    to_set = dict((k, v) for k, v in desired_tags.items() if current_tags.get(k) != v)
    to_unset = sorted(k for k in current_tags if k not in desired_tags) if purge_tags else []
    return to_set, to_unset


def apply_tag_changes(current_tags, to_set, to_unset):
    tags = dict((k, v) for k, v in (current_tags or {}).items() if k not in to_unset)
    tags.update(to_set)
    return tags


def purge_candidates(existing_names, declared_names, pattern):
    """The existing alarms the pattern claims (the whole name must match) that are not declared, sorted."""
    if pattern is None:
        return []
    compiled = re.compile(pattern)
    declared = set(declared_names)
    return sorted(name for name in existing_names if name not in declared and compiled.fullmatch(name))


def batches(items, size):
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def put_request(name, definition, tags=None):
    """The complete PutMetricAlarm request (it replaces the whole alarm); Tags only for a new alarm."""
    request = {
        "AlarmName": name,
        "AlarmDescription": definition["description"],
        "ActionsEnabled": definition["actions_enabled"],
        "AlarmActions": definition["alarm_actions"],
        "OKActions": definition["ok_actions"],
        "InsufficientDataActions": definition["insufficient_data_actions"],
        "EvaluationPeriods": definition["evaluation_periods"],
        "DatapointsToAlarm": definition["datapoints_to_alarm"],
        "Threshold": definition["threshold"],
        "ComparisonOperator": definition["comparison_operator"],
        "TreatMissingData": definition["treat_missing_data"],
    }
    if definition.get("metrics"):
        request["Metrics"] = metrics_request(definition["metrics"])
        if tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        return request
    request.update(
        Namespace=definition["namespace"],
        MetricName=definition["metric_name"],
        Dimensions=[{"Name": key, "Value": definition["dimensions"][key]} for key in sorted(definition["dimensions"])],
        Period=definition["period"],
    )
    if definition["statistic"] is not None:
        request["Statistic"] = definition["statistic"]
    else:
        request["ExtendedStatistic"] = definition["extended_statistic"]
    if definition["unit"] is not None:
        request["Unit"] = definition["unit"]
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return request


@AWSRetry.jittered_backoff()
def describe_alarms_by_prefix(client, prefix):
    """Every metric alarm whose name starts with ``prefix`` (every metric alarm when it is None)."""
    paginator = client.get_paginator("describe_alarms")
    kwargs = {"AlarmTypes": ["MetricAlarm"], "PaginationConfig": {"PageSize": DESCRIBE_PAGE}}
    if prefix:
        kwargs["AlarmNamePrefix"] = prefix
    return paginator.paginate(**kwargs).build_full_result().get("MetricAlarms", [])


@AWSRetry.jittered_backoff()
def describe_alarms_by_names(client, names):
    """The metric alarms of up to 100 ``names`` that exist."""
    paginator = client.get_paginator("describe_alarms")
    return paginator.paginate(AlarmNames=list(names), AlarmTypes=["MetricAlarm"]).build_full_result().get("MetricAlarms", [])


@AWSRetry.jittered_backoff()
def list_alarm_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceARN=arn).get("Tags", []))


@AWSRetry.jittered_backoff()
def put_metric_alarm(client, request):
    client.put_metric_alarm(**request)


@AWSRetry.jittered_backoff()
def tag_alarm(client, arn, tags):
    client.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def untag_alarm(client, arn, keys):
    client.untag_resource(ResourceARN=arn, TagKeys=list(keys))


@AWSRetry.jittered_backoff()
def delete_alarms(client, names):
    """DeleteAlarms of up to 100 names; an alarm already gone is no failure (the goal is met)."""
    try:
        client.delete_alarms(AlarmNames=list(names))
    except is_boto3_error_code("ResourceNotFound"):
        pass
