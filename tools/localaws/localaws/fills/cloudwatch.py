"""CloudWatch fills (moto 5.2.5).

- PutDashboard accepts any JSON as DashboardBody; AWS validates its structure ("Dashboard Body Structure and
  Syntax": the body must include a ``widgets`` array of at most 500 widgets, each with a ``type`` and a
  ``properties`` object, ``width`` 1-24 and ``height`` 1-1000) and rejects an invalid body with
  ``InvalidParameterInput`` (DashboardInvalidInputError, HTTP 400) carrying ``dashboardValidationMessages``
  (``DataPath`` and ``Message`` per problem). The fill checks exactly these documented rules, so it
  rejects only what AWS rejects (AWS checks more: each widget type's own properties).
- PutDashboard accepts any DashboardName; AWS: "up to 255 characters long and can contain only
  alphanumerics, dash (-), and underscore (_)" (InvalidParameterInput).

- PutMetricAlarm applies ``Tags`` when it updates an existing alarm; AWS: "If you are using this operation to
  update an existing alarm, any tags you specify in this parameter are ignored. To change the tags of an
  existing alarm, use TagResource or UntagResource."
- DeleteAlarms accepts any number of names (AWS: up to 100, a ValidationError beyond) and keeps the deleted
  alarms' tags, so an alarm made again under the same name comes back with them; AWS deletes an alarm with
  its tags.
- ListTagsForResource answers an empty list for an alarm ARN that names no alarm, and UntagResource refuses
  an existing alarm that never had tags while accepting a deleted one; AWS: ResourceNotFoundException for an
  alarm that does not exist, success for one that does.
- DescribeAlarms ignores MaxRecords (1-100) and NextToken and returns every alarm in one answer; AWS pages
  (in name order). AlarmNamePrefix with AlarmNames is InvalidParameterCombination ("If this parameter
  is specified, you cannot specify AlarmNames"); more than 100 AlarmNames a ValidationError. The default
  page size (50) is ours: the reference does not state one.

Reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html,
API_PutMetricAlarm.html, API_DeleteAlarms.html, API_DescribeAlarms.html, API_ListTagsForResource.html,
API_UntagResource.html.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudwatch.exceptions import (
    DashboardInvalidInputError,
    InvalidParameterCombination,
    ResourceNotFoundException,
    ValidationError,
)
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

from . import patch

MAX_ALARM_NAMES = 100
MAX_RECORDS = (1, 100)
DEFAULT_RECORDS = 50
MAX_WIDGETS = 500
WIDTH = (1, 24)
HEIGHT = (1, 1000)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def body_problems(body: Any) -> list[dict[str, str]]:
    """The documented structure rules the body breaks, as DashboardValidationMessage entries."""
    if not isinstance(body, dict):
        return [{"DataPath": "", "Message": "Should be object"}]
    widgets = body.get("widgets")
    if widgets is None:
        return [{"DataPath": "", "Message": "Should have required property 'widgets'"}]
    if not isinstance(widgets, list):
        return [{"DataPath": "/widgets", "Message": "Should be array"}]
    problems = []
    if len(widgets) > MAX_WIDGETS:
        problems.append({"DataPath": "/widgets", "Message": f"Should NOT have more than {MAX_WIDGETS} items"})
    for index, widget in enumerate(widgets):
        path = f"/widgets/{index}"
        if not isinstance(widget, dict):
            problems.append({"DataPath": path, "Message": "Should be object"})
            continue
        for required in ("type", "properties"):
            if required not in widget:
                problems.append({"DataPath": path, "Message": f"Should have required property '{required}'"})
        if "type" in widget and not isinstance(widget["type"], str):
            problems.append({"DataPath": f"{path}/type", "Message": "Should be string"})
        if "properties" in widget and not isinstance(widget["properties"], dict):
            problems.append({"DataPath": f"{path}/properties", "Message": "Should be object"})
        for key, (low, high) in (("width", WIDTH), ("height", HEIGHT)):
            if key in widget and not (_is_int(widget[key]) and low <= widget[key] <= high):
                problems.append({"DataPath": f"{path}/{key}", "Message": f"Should be an integer from {low} to {high}"})
    return problems


def _invalid(message: str, problems: list[dict[str, str]]) -> DashboardInvalidInputError:
    error = DashboardInvalidInputError(message)
    error.dashboardValidationMessages = problems  # type: ignore[attr-defined]
    return error


def put_dashboard(self: CloudWatchResponse) -> Any:
    name = self._get_param("DashboardName") or ""
    if not _NAME.match(name):
        raise _invalid(
            "The value for field DashboardName contains invalid characters. "
            "It can only contain alphanumerics, dash (-) and underscore (_).",
            [{"DataPath": "DashboardName", "Message": "Invalid dashboard name"}],
        )
    try:
        body = json.loads(self._get_param("DashboardBody") or "")
    except ValueError:
        body = None
        problems = [{"DataPath": "", "Message": "Body is invalid JSON"}]
    else:
        problems = body_problems(body)
    if problems:
        raise _invalid("The field DashboardBody must be a valid JSON object", problems)
    return put_dashboard.original(self)


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"


def _too_many(what: str, count: int, limit: int) -> ValidationError:
    return ValidationError(
        f"1 validation error detected: Value at '{what}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit} (got {count})"
    )


def _is_alarm_arn(arn: str) -> bool:
    return ":alarm:" in (arn or "")


def _alarm_exists(backend: CloudWatchBackend, arn: str) -> bool:
    return any(alarm.alarm_arn == arn for alarm in backend.alarms.values())


def backend_put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
    name = kwargs.get("name", args[0] if args else None)
    if name in self.alarms:
        kwargs["tags"] = None  # an update: Tags are ignored
    return backend_put_metric_alarm.original(self, *args, **kwargs)


def backend_delete_alarms(self: CloudWatchBackend, alarm_names: list[str]) -> None:
    if len(alarm_names) > MAX_ALARM_NAMES:
        raise _too_many("alarmNames", len(alarm_names), MAX_ALARM_NAMES)
    for name in alarm_names:
        alarm = self.alarms.get(name)
        if alarm is not None:
            self.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
    backend_delete_alarms.original(self, alarm_names)


def backend_list_tags_for_resource(self: CloudWatchBackend, arn: str) -> dict[str, str]:
    if _is_alarm_arn(arn) and not _alarm_exists(self, arn):
        raise ResourceNotFoundException
    return backend_list_tags_for_resource.original(self, arn)


def backend_untag_resource(self: CloudWatchBackend, arn: str, tag_keys: list[str]) -> None:
    if not _is_alarm_arn(arn):
        return backend_untag_resource.original(self, arn, tag_keys)
    if not _alarm_exists(self, arn):
        raise ResourceNotFoundException
    self.tagger.untag_resource_using_names(arn, tag_keys)
    return None


def describe_alarms(self: CloudWatchResponse) -> Any:
    backend = self.cloudwatch_backend
    names = self._get_param("AlarmNames", []) or []
    prefix = self._get_param("AlarmNamePrefix")
    if names and prefix:
        raise InvalidParameterCombination("AlarmNamePrefix and AlarmNames cannot be specified together.")
    if len(names) > MAX_ALARM_NAMES:
        raise _too_many("alarmNames", len(names), MAX_ALARM_NAMES)
    max_records = self._get_param("MaxRecords")
    if max_records is not None and not MAX_RECORDS[0] <= int(max_records) <= MAX_RECORDS[1]:
        raise ValidationError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to satisfy constraint: "
            f"Member must have value between {MAX_RECORDS[0]} and {MAX_RECORDS[1]}"
        )
    page_size = int(max_records) if max_records is not None else DEFAULT_RECORDS
    # "If you omit this parameter, only metric alarms are returned" (moto makes composite alarms only through
    # PutMetricAlarm's AlarmRule; PutCompositeAlarm is not implemented).
    alarm_types = self._get_param("AlarmTypes", []) or ["MetricAlarm"]
    action_prefix = self._get_param("ActionPrefix")
    state_value = self._get_param("StateValue")
    alarms = list(backend.alarms.values())
    if names:
        alarms = [a for a in alarms if a.name in names]
    if prefix:
        alarms = [a for a in alarms if a.name.startswith(prefix)]
    if action_prefix:
        alarms = [a for a in alarms if any(action.startswith(action_prefix) for action in a.alarm_actions or [])]
    if state_value:
        alarms = [a for a in alarms if a.state_value == state_value]
    alarms = [
        a for a in alarms
        if ("CompositeAlarm" if a.rule is not None else "MetricAlarm") in alarm_types
    ]
    alarms.sort(key=lambda a: a.name)
    token = self._get_param("NextToken")
    if token is not None:
        if not token.startswith("after:"):
            raise InvalidNextToken("The service returned an invalid next token.")
        alarms = [a for a in alarms if a.name > token[len("after:"):]]
    page, rest = alarms[:page_size], alarms[page_size:]
    result: dict[str, Any] = {
        "MetricAlarms": [a for a in page if a.rule is None],
        "CompositeAlarms": [a for a in page if a.rule is not None],
    }
    if rest:
        result["NextToken"] = "after:" + page[-1].name
    return ActionResult(result)


def apply() -> None:
    patch(CloudWatchResponse, "put_dashboard", put_dashboard)
    patch(CloudWatchResponse, "describe_alarms", describe_alarms)
    patch(CloudWatchBackend, "put_metric_alarm", backend_put_metric_alarm)
    patch(CloudWatchBackend, "delete_alarms", backend_delete_alarms)
    patch(CloudWatchBackend, "list_tags_for_resource", backend_list_tags_for_resource)
    patch(CloudWatchBackend, "untag_resource", backend_untag_resource)
