"""CloudWatch fills (moto 5.2.5).

- PutDashboard accepts any JSON as DashboardBody; AWS validates its structure ("Dashboard Body Structure and
  Syntax": the body must include a ``widgets`` array of at most 500 widgets, each with a ``type`` and a
  ``properties`` object, ``width`` 1-24 and ``height`` 1-1000) and rejects an invalid body with
  ``InvalidParameterInput`` (DashboardInvalidInputError, HTTP 400) carrying ``dashboardValidationMessages``
  (``DataPath`` and ``Message`` per problem). The fill checks exactly these documented rules, so it
  rejects only what AWS rejects (AWS checks more: each widget type's own properties).
- PutDashboard accepts any DashboardName; AWS: "up to 255 characters long and can contain only
  alphanumerics, dash (-), and underscore (_)" (InvalidParameterInput).

Reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudwatch.exceptions import DashboardInvalidInputError
from moto.cloudwatch.responses import CloudWatchResponse

from . import patch

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


def apply() -> None:
    patch(CloudWatchResponse, "put_dashboard", put_dashboard)
