# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch dashboards: the pure comparison and the CloudWatch calls of the cloudwatch_dashboard module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# PutDashboard: "Can be up to 255 characters long and can contain only alphanumerics, dash (-), and underscore (_)."
DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def canonical_body(body):
    """The body as PutDashboard gets it: keys sorted, no whitespace, so equal bodies serialize equally."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def parse_body(text):
    """The DashboardBody string GetDashboard returns, parsed; None when it is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def body_differs(current_body, desired_body):
    """True when the dashboards differ in content; key order and whitespace do not count."""
    if current_body is None:
        return True
    # A JSON round-trip of the desired body gives it the types GetDashboard's parsed body has
    # (tuples become lists, non-string keys strings).
    return parse_body(canonical_body(desired_body)) != current_body


def name_problems(name):
    if DASHBOARD_NAME.match(name or ""):
        return []
    return [
        "The dashboard name {0!r} is not valid: use 1 to 255 letters, digits, dashes (-) and underscores (_).".format(name)
    ]


def dashboard_view(entry):
    """The module's view of a GetDashboard response; {} for none."""
    if not entry:
        return {}
    return {
        "name": entry["DashboardName"],
        "arn": entry.get("DashboardArn"),
        "body": parse_body(entry.get("DashboardBody")),
    }


def validation_messages(source):
    """The DashboardValidationMessages of a PutDashboard response or of its InvalidParameterInput error,
    as "path: message" strings. The error member is dashboardValidationMessages (lower-case d)."""
    found = []
    for container in (source, source.get("Error", {})):
        for key in ("DashboardValidationMessages", "dashboardValidationMessages"):
            found.extend(container.get(key) or [])
    lines = []
    for item in found:
        path = item.get("DataPath") or item.get("dataPath")
        message = item.get("Message") or item.get("message") or str(item)
        lines.append("{0}: {1}".format(path, message) if path else message)
    return lines


@AWSRetry.jittered_backoff()
def get_dashboard(client, name):
    """GetDashboard, or None when there is no such dashboard."""
    try:
        return client.get_dashboard(DashboardName=name)
    except is_boto3_error_code("ResourceNotFound"):
        return None


@AWSRetry.jittered_backoff()
def put_dashboard(client, name, body):
    return client.put_dashboard(DashboardName=name, DashboardBody=canonical_body(body))


@AWSRetry.jittered_backoff()
def delete_dashboard(client, name):
    try:
        client.delete_dashboards(DashboardNames=[name])
    except is_boto3_error_code("ResourceNotFound"):
        pass  # removed meanwhile: the goal is met
