#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_inputs
short_description: Validate a StreamFlix environment's inputs and target, and derive its names
version_added: 0.1.0
description:
  - Runs first in C(site.yml) and C(teardown.yml), before any changing call.
  - Checks every input against the allowed forms and against each other (suffix format, every resulting
    resource name against its AWS length limit, CIDR validity and non-overlap, counts and ranges, tags).
  - Outside the C(local) environment, refuses an AWS endpoint on this machine (a loopback address or C(localhost)),
    from the C(streamflix_aws_endpoint_url) entry of O(inputs) or from the C(AWS_ENDPOINT_URL) or
    C(AWS_ENDPOINT_URL_<SERVICE>) environment variables boto3 reads, before any AWS call, naming the variable to unset.
  - Checks the target; the caller's account must equal the C(streamflix_aws_account_id) entry of O(inputs)
    outside the C(local) environment, and the region must offer enough availability zones.
  - When the caller cannot be identified, fails with one sentence that says what to do instead of botocore's error
    (which it quotes). In the C(local) environment with nothing answering at the endpoint (a TCP connection,
    before any AWS call) it says to start the local AWS with C(make localaws-up). Elsewhere, with no credentials,
    an unknown profile, refused or expired credentials, it says to set C(AWS_PROFILE) (or the access keys) to
    credentials of the account C(streamflix_aws_account_id) names.
  - Returns the names and tags every role uses, and the availability zones the network spans.
  - Never changes anything; the stock modules have no equivalent, which is why this module exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  inputs:
    description:
      - The platform's input variables, keyed by variable name (for example C(streamflix_env_suffix)).
      - Messages about a bad input name the variable, so keep the keys as the inventory spells them.
    type: dict
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Validate inputs and target
  streamflix.media_platform.platform_inputs:
    inputs:
      streamflix_environment: dev
      streamflix_env_suffix: pr42
      streamflix_region: us-east-1
      streamflix_aws_account_id: "123456789012"
      streamflix_az_count: 2
      streamflix_nat_mode: single
      streamflix_vpc_cidr: 10.20.0.0/16
      streamflix_public_subnet_cidrs: [10.20.0.0/24, 10.20.1.0/24]
      streamflix_private_subnet_cidrs: [10.20.10.0/24, 10.20.11.0/24]
      streamflix_log_retention_days: 7
      streamflix_app_port: 8080
      streamflix_kms_deletion_window_days: 7
      streamflix_extra_tags: {CostCenter: media}
      streamflix_protected: false
  register: preflight
"""

RETURN = r"""
names:
  description: The name of every platform resource, keyed by component.
  returned: success
  type: dict
  sample: {"vpc": "streamflix-vpc-pr42", "alb": "streamflix-alb-pr42", "kms_alias": "alias/streamflix-pr42"}
tags:
  description: The tags every taggable resource carries.
  returned: success
  type: dict
  sample: {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible", "CostCenter": "media"}
availability_zones:
  description: The first N available zones of the region, in name order, N being the C(streamflix_az_count) entry of O(inputs).
  returned: success
  type: list
  elements: str
  sample: ["us-east-1a", "us-east-1b"]
account_id:
  description: The account the credentials reach.
  returned: success
  type: str
  sample: "123456789012"
"""

import os
import socket
from urllib.parse import urlsplit

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_availability_zones
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import caller_error_message
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import endpoint_errors
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import input_errors
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import local_unreachable_message
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import profile_missing_message
from ansible_collections.streamflix.media_platform.plugins.module_utils.inputs import target_errors
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import resource_names
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import standard_tags

try:
    import boto3
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def sts_endpoint(module):
    """The endpoint boto3 sends GetCallerIdentity to when one is configured (the module's, else the environment's)."""
    return module.params.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL")


def endpoint_answers(url, timeout=5.0):
    """Whether anything accepts a TCP connection at the endpoint URL's host and port."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return True  # not a URL: boto3 names the problem itself
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def fail_caller(module, inputs, error, code=None, detail=None):
    """Fail with the one sentence that says what to do; the botocore text is only quoted in it."""
    message = caller_error_message(
        inputs["streamflix_environment"],
        inputs.get("streamflix_aws_account_id"),
        sts_endpoint(module),
        inputs.get("streamflix_region"),
        module.params.get("profile"),
        [cls.__name__ for cls in type(error).__mro__],
        code,
        detail or str(error),
    )
    module.fail_json(msg=message, errors=[message])


def caller_account(module, inputs):
    """The account the credentials reach, or a failure that says what to do (start localaws, set AWS_PROFILE)."""
    endpoint = sts_endpoint(module)
    # A local run with localaws down: say so at once, not after botocore's connection retries (about 15 s).
    if inputs["streamflix_environment"] == "local" and endpoint and not endpoint_answers(endpoint):
        message = local_unreachable_message(endpoint)
        module.fail_json(msg=message, errors=[message])
    profile = module.params.get("profile")
    if profile:
        # AnsibleAWSModule.client() would fail with botocore's "The config profile (x) could not be found".
        try:
            boto3.session.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            message = profile_missing_message(inputs["streamflix_environment"], inputs.get("streamflix_aws_account_id"), profile)
            module.fail_json(msg=message, errors=[message])
    sts = module.client("sts", retry_decorator=AWSRetry.jittered_backoff())
    try:
        return sts.get_caller_identity(aws_retry=True)["Account"]
    except botocore.exceptions.ClientError as e:
        error = e.response.get("Error", {})
        fail_caller(module, inputs, e, error.get("Code"), "{0}: {1}".format(error.get("Code"), error.get("Message")))
    except botocore.exceptions.BotoCoreError as e:
        fail_caller(module, inputs, e)


def available_zones(module):
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    zones = describe_availability_zones(
        ec2, Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}]
    )
    return sorted(zone["ZoneName"] for zone in zones)


def main():
    module = AnsibleAWSModule(argument_spec=dict(inputs=dict(type="dict", required=True)), supports_check_mode=True)
    inputs = module.params["inputs"]

    errors = input_errors(inputs)
    # The module runs on the controller (local connection), so os.environ is what boto3 reads for its endpoint.
    errors += endpoint_errors(inputs.get("streamflix_environment"), inputs.get("streamflix_aws_endpoint_url"), os.environ)
    if errors:
        module.fail_json(msg="Invalid input, nothing was changed: " + " ".join(errors), errors=errors)

    environment = inputs["streamflix_environment"]
    account = caller_account(module, inputs)
    zones = available_zones(module)
    errors = target_errors(environment, inputs.get("streamflix_aws_account_id"), account, inputs["streamflix_az_count"], zones)
    if errors:
        module.fail_json(msg="Wrong target, nothing was changed: " + " ".join(errors), errors=errors)

    suffix = inputs["streamflix_env_suffix"]
    module.exit_json(
        changed=False,
        names=resource_names(suffix),
        tags=standard_tags(suffix, inputs.get("streamflix_extra_tags")),
        availability_zones=zones[: inputs["streamflix_az_count"]],
        account_id=account,
    )


if __name__ == "__main__":
    main()
