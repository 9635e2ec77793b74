#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Manage a CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch dashboard, given its body as a dictionary.
  - The current body (GetDashboard, parsed) is compared with O(body) as data, so key order and whitespace
    never cause a change; PutDashboard is called only when the content differs, with the body serialized
    canonically (sorted keys, no whitespace).
  - When CloudWatch answers with validation messages (errors, which reject the body, or warnings, with which
    it saved a dashboard that may not render), the module fails and lists them.
  - Neither amazon.aws nor community.aws has a dashboard module, which is why this one exists.
  - Dashboards cannot be tagged (CloudWatch tags alarms, Contributor Insights rules and metric streams only),
    and they change at once, so there is nothing to wait for.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The dashboard name; 1 to 255 letters, digits, dashes and underscores.
    type: str
    required: true
  body:
    description:
      - The dashboard body (its C(widgets) and optionally C(start), C(end), C(periodOverride) ...), as in
        the CloudWatch "Dashboard Body Structure and Syntax" reference.
      - Required when O(state=present).
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The environment's dashboard
  streamflix.media_platform.cloudwatch_dashboard:
    name: streamflix-dev
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Jobs DLQ depth
            region: us-east-1
            stat: Maximum
            period: 60
            metrics:
              - [AWS/SQS, ApproximateNumberOfMessagesVisible, QueueName, streamflix-dev-jobs-dlq]

- name: Remove it
  streamflix.media_platform.cloudwatch_dashboard:
    name: streamflix-dev
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The dashboard name.
      type: str
      sample: streamflix-dev
    arn:
      description: The dashboard ARN; C(null) for one that check mode would create.
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/streamflix-dev
    body:
      description: The dashboard body, parsed.
      type: dict
diff:
  description: The dashboard (name, ARN and body) before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import body_differs
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import canonical_body
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import dashboard_view
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import delete_dashboard
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import get_dashboard
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import name_problems
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import parse_body
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import put_dashboard
from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch import validation_messages

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def find_dashboard(module, client, name):
    try:
        return dashboard_view(get_dashboard(client, name))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read dashboard {0}".format(name))


def fail_validation(module, name, messages, saved):
    state = "saved it, but parts of it may not render" if saved else "rejected it"
    module.fail_json(
        msg="CloudWatch {0}: fix the body of dashboard {1}: {2}".format(state, name, "; ".join(messages)),
        validation_messages=messages,
    )


def ensure_present(module, client, name, current):
    desired_body = module.params["body"]
    if not body_differs(current.get("body"), desired_body):
        return False, current
    projected = {"name": name, "arn": current.get("arn"), "body": parse_body(canonical_body(desired_body))}
    if module.check_mode:
        return True, projected
    try:
        response = put_dashboard(client, name, desired_body)
    except is_boto3_error_code("InvalidParameterInput") as e:
        fail_validation(module, name, validation_messages(e.response) or [e.response["Error"].get("Message", str(e))], False)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not save dashboard {0}".format(name))
    messages = validation_messages(response)
    if messages:
        fail_validation(module, name, messages, True)
    return True, find_dashboard(module, client, name) or projected


def ensure_absent(module, client, name, current):
    if not current:
        return False, {}
    if not module.check_mode:
        try:
            delete_dashboard(client, name)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete dashboard {0}".format(name))
    return True, {}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str", required=True),
            body=dict(type="dict"),
        ),
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    name = module.params["name"]
    problems = name_problems(name)
    if problems:
        module.fail_json(msg=" ".join(problems))
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    current = find_dashboard(module, client, name)
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, after = ensure(module, client, name, current)
    module.exit_json(changed=changed, dashboard=after, diff=dict(before=current, after=after))


if __name__ == "__main__":
    main()
