#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: api_gateway_rest_api
short_description: Manage a regional API Gateway REST API that proxies declared routes to an HTTP backend
version_added: 0.1.0
description:
  - Creates, updates or deletes a C(REGIONAL) API Gateway REST API identified by its name, whose declared
    O(routes) each have an C(ANY) method with an C(HTTP_PROXY) integration to O(backend_url) plus the route's
    path; resources and methods that are not declared are removed.
  - Deploys the API to one stage and sets the stage's throttling, metrics, execution logging level, X-Ray
    tracing and access logs in place with UpdateStage.
  - A new deployment is created only when the declared definition changed. The module stores a fingerprint
    of the definition (C(streamflix:sha256:<hash>)) as the deployment description and compares it with the
    description of the deployment the stage serves; stage settings and tags never cause a deployment.
  - community.aws.api_gateway deploys (and reports changed) on every run and cannot set stage throttling,
    access logs or logging levels, which is why this module exists.
  - Execution logging (O(logging_level) C(ERROR)/C(INFO)) and access logs need the account's API Gateway
    CloudWatch role in the region (O(cloudwatch_role_arn)); AWS refuses them otherwise.
  - With O(api_key_required), every method requires an API key; with O(usage_plan_name) and
    O(api_keys_secret_id) the module makes one API key per entry of that Secrets Manager secret (a JSON object),
    with the entry's value, and a usage plan with the stage's throttling that holds exactly those keys and the
    stage. The values are read inside the module and never returned.
  - With O(backend_header_name) and O(backend_header_secret_id), every integration sends that header with the
    secret's value as a static request parameter, so a backend (an ALB listener rule) can reject requests that did
    not come through the API. The value is read inside the module and never returned.
  - Associates the stage with a WAFv2 web ACL (O(web_acl_arn)) with AssociateWebACL / DisassociateWebACL when
    the stage's C(webAclArn) (GetStage) differs. community.aws.wafv2_resources cannot do this idempotently for
    a stage, since it lists the web ACL's resources without C(ResourceType), which AWS answers with load
    balancers only, so it re-associates on every run.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the REST API should exist. V(absent) deletes it with its stages and deployments.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The REST API's name, which identifies it.
      - When several REST APIs have this name, those whose tags include all of O(tags) are taken; if that
        still leaves more than one the module fails (O(state=present)) rather than guess.
    type: str
    required: true
  backend_url:
    description:
      - The HTTP backend the routes proxy to, for example V(http://my-alb-123.us-east-1.elb.amazonaws.com).
      - Required when O(state=present).
    type: str
  routes:
    description:
      - The declared resource paths, each proxied with method C(ANY) to O(backend_url) plus the path.
      - A path parameter C({name}) or a trailing greedy C({name+}) is mapped to the backend path
        (C(integration.request.path.name) from C(method.request.path.name)).
    type: list
    elements: str
    default: ['/{proxy+}']
  stage_name:
    description: The stage the API is deployed to. Required when O(state=present).
    type: str
  throttling_burst_limit:
    description: The stage-wide (C(*/*)) throttling burst limit. Left as it is when omitted.
    type: int
  throttling_rate_limit:
    description: The stage-wide (C(*/*)) steady-state request rate limit, per second. Left as it is when omitted.
    type: float
  metrics_enabled:
    description: Whether the stage publishes per-method CloudWatch metrics. Left as it is when omitted.
    type: bool
  logging_level:
    description:
      - The stage's execution logging level. Left as it is when omitted.
      - C(ERROR) and C(INFO) need the account's CloudWatch role (O(cloudwatch_role_arn)).
    type: str
    choices: ['OFF', 'ERROR', 'INFO']
  tracing_enabled:
    description: Whether X-Ray tracing is enabled on the stage. Left as it is when omitted.
    type: bool
  access_log_destination_arn:
    description:
      - The CloudWatch Logs log group ARN (a trailing C(:*) is removed) or Firehose stream ARN that receives
        the stage's access logs. Left as it is when omitted.
    type: str
  access_log_format:
    description:
      - The access log line format; only used with O(access_log_destination_arn).
      - Defaults to a JSON object with requestId, ip, requestTime, httpMethod, resourcePath, status,
        protocol and responseLength.
    type: str
  cloudwatch_role_arn:
    description:
      - The IAM role API Gateway assumes to write logs to CloudWatch, set in the account's API Gateway
        settings for the region (UpdateAccount) when it differs. This is an account-wide setting; it is left
        as it is when omitted and never removed by O(state=absent).
    type: str
  web_acl_arn:
    description:
      - The ARN of the C(REGIONAL) WAFv2 web ACL, in the module's region, that protects the stage.
      - V('') (an empty string) disassociates the stage from any web ACL; the association is left as it is when
        omitted.
      - Associating a stage that has another web ACL replaces that association.
      - Right after a web ACL is created AWS may answer C(WAFUnavailableEntityException) for a while; the module
        retries it.
    type: str
  api_key_required:
    description: Whether every declared method requires an API key (header C(x-api-key)).
    type: bool
    default: false
  usage_plan_name:
    description:
      - The usage plan that ties the API keys to the stage, with O(throttling_burst_limit) and
        O(throttling_rate_limit) as its throttle. Its API keys are named C(<usage_plan_name>-<entry>).
      - API keys with that name prefix that are not entries of O(api_keys_secret_id) are deleted.
      - O(state=absent) deletes the usage plan and its API keys before the REST API.
      - Omitted, no usage plan or API key is managed.
    type: str
  api_keys_secret_id:
    description:
      - The Secrets Manager secret (name or ARN) whose value is a JSON object of entry names and key values; each
        entry becomes an API key (values of 20 to 128 characters). A value changed in the secret (a rotation)
        replaces that API key, the new key being created before the old one is deleted.
      - Required with O(usage_plan_name) when O(state=present).
    type: str
  backend_header_name:
    description: The HTTP header every integration adds to the backend request, for example V(X-Origin-Verify).
    type: str
  backend_header_secret_id:
    description:
      - The Secrets Manager secret (name or ARN) whose value (a string of 1 to 128 printable characters without
        quotes or spaces) is the value of O(backend_header_name).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) apply to the REST API and to its stage (stage tags are the ones cost allocation reports).
  - Old deployments that no stage uses any more are deleted after the stage moves to a new deployment.
"""

EXAMPLES = r"""
- name: Proxy the platform's routes to the ALB, throttled, traced and access-logged
  streamflix.media_platform.api_gateway_rest_api:
    name: streamflix-prod-api
    backend_url: "http://{{ alb.dns_name }}"
    routes: ['/content', '/{proxy+}']
    stage_name: prod
    throttling_burst_limit: 5000
    throttling_rate_limit: 2000
    metrics_enabled: true
    tracing_enabled: true
    access_log_destination_arn: "{{ api_log_group.log_groups[0].arn }}"
    cloudwatch_role_arn: "{{ apigw_logs_role.iam_role.arn }}"
    web_acl_arn: "{{ web_acl.arn }}"
    api_key_required: true
    usage_plan_name: streamflix-prod-api
    api_keys_secret_id: streamflix-api-keys-prod
    backend_header_name: X-Origin-Verify
    backend_header_secret_id: streamflix-origin-verify-prod
    tags:
      Project: streamflix
      Environment: prod
  register: api

- name: Take the stage out of any web ACL, leaving the rest alone
  streamflix.media_platform.api_gateway_rest_api:
    name: streamflix-prod-api
    backend_url: "http://{{ alb.dns_name }}"
    routes: ['/content', '/{proxy+}']
    stage_name: prod
    web_acl_arn: ''

- name: Remove it, with its usage plan and API keys
  streamflix.media_platform.api_gateway_rest_api:
    name: streamflix-prod-api
    usage_plan_name: streamflix-prod-api
    state: absent
"""

RETURN = r"""
rest_api:
  description: The REST API after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    id:
      description: The REST API id; C(null) for one that check mode would create.
      type: str
      sample: a1b2c3d4e5
    name:
      description: The REST API name.
      type: str
    endpoint_configuration:
      description: The endpoint types.
      type: dict
      sample: {types: [REGIONAL]}
    root_resource_id:
      description: The id of the C(/) resource.
      type: str
    tags:
      description: The REST API's tags.
      type: dict
    routes:
      description: The integration URI of each path's C(ANY) method.
      type: dict
      sample: {"/content": "http://alb/content", "/{proxy+}": "http://alb/{proxy}"}
stage:
  description: The stage after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The stage name.
      type: str
    deployment_id:
      description: The deployment the stage serves; C(null) for one that check mode would create.
      type: str
    definition_fingerprint:
      description: The fingerprint of the deployed definition (the deployment description).
      type: str
      sample: streamflix:sha256:0f1e...
    invoke_url:
      description: The stage's URL.
      type: str
      sample: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod
    throttling:
      description: The stage-wide burst and rate limits (C(null) when never set).
      type: dict
      sample: {burst_limit: 5000, rate_limit: 2000.0}
    metrics_enabled:
      description: Whether detailed metrics are on.
      type: bool
    logging_level:
      description: The execution logging level.
      type: str
    tracing_enabled:
      description: Whether X-Ray tracing is on.
      type: bool
    access_log_settings:
      description: The access log destination and format (C(null) values when off).
      type: dict
      sample: {destination_arn: "arn:aws:logs:us-east-1:123456789012:log-group:/streamflix/prod/api", format: "{...}"}
    web_acl_arn:
      description: The ARN of the WAFv2 web ACL associated with the stage; C(null) when none.
      type: str
      sample: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/streamflix-web-acl-prod/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
    tags:
      description: The stage's tags.
      type: dict
usage_plan:
  description: The usage plan after the change (projected in check mode); empty when none is managed.
  returned: always
  type: dict
  contains:
    id:
      description: The usage plan id; C(null) for one that check mode would create.
      type: str
    name:
      description: The usage plan name.
      type: str
    throttle:
      description: The burst and rate limits.
      type: dict
      sample: {burst_limit: 100, rate_limit: 50.0}
    api_stages:
      description: The stages of the plan, as C(<api id>:<stage>).
      type: list
      elements: str
    api_keys:
      description: The names of the API keys of the plan (never their values).
      type: list
      elements: str
      sample: [streamflix-api-dev-primary, streamflix-api-dev-secondary]
    tags:
      description: The usage plan's tags.
      type: dict
deployment_created:
  description: Whether a new deployment was made (would be, in check mode).
  returned: always
  type: bool
changes:
  description: What was (or in check mode would be) changed, one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create resource /content", "update stage /*/*/throttling/rateLimit"]
deleted_ids:
  description: The REST API ids deleted by O(state=absent).
  returned: when O(state=absent)
  type: list
  elements: str
diff:
  description: The REST API and stage before and after.
  returned: always
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import apigateway as apigw

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


# ---------------------------------------------------------------- views


def rest_api_view(api, definition):
    if not api:
        return {}
    return {
        "id": api.get("id"),
        "name": api.get("name"),
        "endpoint_configuration": {"types": list((api.get("endpointConfiguration") or {}).get("types", []))},
        "root_resource_id": api.get("rootResourceId"),
        "tags": dict(api.get("tags") or {}),
        "routes": {
            path: (methods[apigw.METHOD]["integration"] or {}).get("uri")
            for path, methods in sorted(definition.items())
            if apigw.METHOD in methods
        },
    }


def stage_view(stage, api_id, region, definition_fingerprint):
    if not stage:
        return {}
    settings = apigw.current_stage_settings(stage)
    name = stage["stageName"]
    return {
        "name": name,
        "deployment_id": stage.get("deploymentId"),
        "definition_fingerprint": definition_fingerprint,
        "invoke_url": apigw.invoke_url(api_id, region, name) if api_id else None,
        "throttling": {"burst_limit": settings["throttling_burst_limit"], "rate_limit": settings["throttling_rate_limit"]},
        "metrics_enabled": settings["metrics_enabled"],
        "logging_level": settings["logging_level"],
        "tracing_enabled": settings["tracing_enabled"],
        "access_log_settings": {
            "destination_arn": settings["access_log_destination_arn"],
            "format": settings["access_log_format"],
        },
        "web_acl_arn": stage.get("webAclArn") or None,
        "tags": dict(stage.get("tags") or {}),
    }


def projected_stage(stage, desired_settings):
    """A Stage dict as GetStage would answer after ``desired_settings`` are applied."""
    stage = dict(stage)
    method = dict((stage.get("methodSettings") or {}).get("*/*") or {})
    for key, (field, dummy, dummy_type) in apigw.METHOD_SETTINGS.items():
        if key in desired_settings:
            method[field] = desired_settings[key]
    if method:
        stage["methodSettings"] = {"*/*": method}
    if "tracing_enabled" in desired_settings:
        stage["tracingEnabled"] = desired_settings["tracing_enabled"]
    if "access_log_destination_arn" in desired_settings:
        stage["accessLogSettings"] = {
            "destinationArn": desired_settings["access_log_destination_arn"],
            "format": desired_settings["access_log_format"],
        }
    return stage


# ---------------------------------------------------------------- reading


def find_rest_apis(module, client):
    try:
        apis = [api for api in apigw.list_rest_apis(client) if api.get("name") == module.params["name"]]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the REST APIs")
    wanted = module.params["tags"]
    if len(apis) > 1 and wanted:
        narrowed = [api for api in apis if all((api.get("tags") or {}).get(k) == v for k, v in wanted.items())]
        apis = narrowed or apis
    return apis


def read_definition(module, client, api_id):
    try:
        resources = apigw.list_resources(client, api_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the resources of REST API {0}".format(api_id))
    return resources, apigw.current_definition(resources)


def read_stage(module, client, api_id):
    """(stage, fingerprint of the deployment it serves), or (None, None)."""
    try:
        stage = client.get_stage(restApiId=api_id, stageName=module.params["stage_name"], aws_retry=True)
    except is_boto3_error_code("NotFoundException"):
        return None, None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not read stage {0} of REST API {1}".format(module.params["stage_name"], api_id))
    stage.pop("ResponseMetadata", None)
    description = None
    if stage.get("deploymentId"):
        try:
            deployment = client.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"], aws_retry=True)
            description = deployment.get("description")
        except is_boto3_error_code("NotFoundException"):
            description = None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not read deployment {0} of REST API {1}".format(stage["deploymentId"], api_id))
    return stage, description


# ---------------------------------------------------------------- changing


# A role created moments ago is not yet assumable by API Gateway (IAM propagation, seconds): UpdateAccount answers
# BadRequestException "The role ARN does not have required permissions set to API Gateway" meanwhile.
ROLE_NOT_READY = "does not have required permissions"


@AWSRetry.jittered_backoff(retries=8, delay=2, max_delay=20, catch_extra_error_codes=["BadRequestException"])
def _update_account_role(client, role):
    try:
        client.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
    except is_boto3_error_code("BadRequestException") as e:
        if ROLE_NOT_READY not in str(e):
            raise _NotRetried(e)
        raise


class _NotRetried(Exception):
    """Carries a BadRequestException that retrying cannot fix past the retry decorator."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def update_account_role(client, role):
    """UpdateAccount /cloudwatchRoleArn, retrying throttling and a role that IAM has not propagated yet."""
    try:
        _update_account_role(client, role)
    except _NotRetried as e:
        raise e.error


def ensure_account_role(module, client, changes):
    role = module.params["cloudwatch_role_arn"]
    if not role:
        return
    try:
        current = client.get_account(aws_retry=True).get("cloudwatchRoleArn")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the API Gateway account settings")
    if current == role:
        return
    changes.append("set account cloudwatchRoleArn")
    if module.check_mode:
        return
    try:
        update_account_role(client, role)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg="Could not set the API Gateway CloudWatch role to {0}; it must trust apigateway.amazonaws.com and allow "
            "writing to CloudWatch Logs (AmazonAPIGatewayPushToCloudWatchLogs)".format(role),
        )


def ensure_tags(module, client, arn, current_tags, label, changes):
    """Returns the tags after the change."""
    if module.params["tags"] is None:
        return current_tags
    to_set, to_unset = compare_aws_tags(current_tags, module.params["tags"], module.params["purge_tags"])
    if not (to_set or to_unset):
        return current_tags
    changes.append("update tags of {0}".format(label))
    if not module.check_mode:
        try:
            if to_unset:
                client.untag_resource(resourceArn=arn, tagKeys=to_unset, aws_retry=True)
            if to_set:
                client.tag_resource(resourceArn=arn, tags=to_set, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not update the tags of {0}".format(arn))
    tags = {key: value for key, value in current_tags.items() if key not in to_unset}
    tags.update(to_set)
    return tags


def ensure_rest_api(module, client, api, changes):
    """The REST API (created if needed; projected with id None in check mode)."""
    name = module.params["name"]
    if api is None:
        changes.append("create REST API {0}".format(name))
        if module.check_mode:
            return {"id": None, "name": name, "endpointConfiguration": {"types": [apigw.ENDPOINT_TYPE]},
                    "rootResourceId": None, "tags": module.params["tags"] or {}}
        try:
            api = client.create_rest_api(
                name=name,
                endpointConfiguration={"types": [apigw.ENDPOINT_TYPE]},
                tags=module.params["tags"] or {},
                aws_retry=True,
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not create REST API {0}".format(name))
        api.pop("ResponseMetadata", None)
        return api
    types = (api.get("endpointConfiguration") or {}).get("types") or []
    if types != [apigw.ENDPOINT_TYPE]:
        changes.append("change endpoint type {0} to {1}".format(",".join(types), apigw.ENDPOINT_TYPE))
        if not module.check_mode:
            operations = [{"op": "replace", "path": "/endpointConfiguration/types/{0}".format(types[0]), "value": apigw.ENDPOINT_TYPE}]
            try:
                api = client.update_rest_api(restApiId=api["id"], patchOperations=operations, aws_retry=True)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg="Could not make REST API {0} {1}".format(api["id"], apigw.ENDPOINT_TYPE))
            api.pop("ResponseMetadata", None)
        else:
            api = dict(api, endpointConfiguration={"types": [apigw.ENDPOINT_TYPE]})
    arn = apigw.rest_api_arn(module.region, api["id"])
    return dict(api, tags=ensure_tags(module, client, arn, dict(api.get("tags") or {}), "REST API", changes))


def apply_plan(module, client, api, resources, plan, desired):
    api_id = api["id"]
    ids = {resource["path"]: resource["id"] for resource in resources}
    try:
        for path in plan["delete_resources"]:
            client.delete_resource(restApiId=api_id, resourceId=ids[path], aws_retry=True)
        for path, method in plan["delete_methods"]:
            client.delete_method(restApiId=api_id, resourceId=ids[path], httpMethod=method, aws_retry=True)
        for path in plan["create_resources"]:
            created = client.create_resource(
                restApiId=api_id, parentId=ids[apigw.parent_of(path)], pathPart=path.rsplit("/", 1)[1], aws_retry=True
            )
            ids[path] = created["id"]
        for path, method in plan["put_methods"]:
            want = desired[path]
            client.put_method(
                restApiId=api_id,
                resourceId=ids[path],
                httpMethod=method,
                authorizationType=want["authorization_type"],
                apiKeyRequired=want["api_key_required"],
                requestParameters=want["request_parameters"],
                aws_retry=True,
            )
        for path, method in plan["put_integrations"]:
            integration = desired[path]["integration"]
            client.put_integration(
                restApiId=api_id,
                resourceId=ids[path],
                httpMethod=method,
                type=integration["type"],
                integrationHttpMethod=integration["http_method"],
                uri=integration["uri"],
                connectionType=integration["connection_type"],
                requestParameters=integration["request_parameters"],
                aws_retry=True,
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not update the resources and methods of REST API {0}".format(api_id))


def create_deployment(module, client, api_id, definition_fingerprint):
    try:
        return client.create_deployment(restApiId=api_id, description=definition_fingerprint, aws_retry=True)["id"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not deploy REST API {0}".format(api_id))


def delete_unused_deployment(module, client, api_id, deployment_id):
    """Deletes a deployment no stage serves any more (AWS refuses to delete one a stage serves)."""
    try:
        stages = client.get_stages(restApiId=api_id, aws_retry=True).get("item", [])
        if any(stage.get("deploymentId") == deployment_id for stage in stages):
            return
        client.delete_deployment(restApiId=api_id, deploymentId=deployment_id, aws_retry=True)
    except is_boto3_error_code(["NotFoundException", "BadRequestException"]):
        pass  # gone already, or still referenced (a canary): harmless to keep
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not delete old deployment {0} of REST API {1}".format(deployment_id, api_id))


def ensure_stage(module, client, api_id, stage, deployed_fingerprint, definition_fingerprint, changes):
    """Returns (stage after, deployment_created)."""
    stage_name = module.params["stage_name"]
    desired = apigw.desired_stage_settings(module.params)
    redeploy = stage is None or deployed_fingerprint != definition_fingerprint
    deployment_id = stage.get("deploymentId") if stage else None
    old_deployment_id = deployment_id
    if redeploy:
        changes.append("create deployment")
        if not module.check_mode:
            deployment_id = create_deployment(module, client, api_id, definition_fingerprint)
        else:
            deployment_id = None

    if stage is None:
        changes.append("create stage {0}".format(stage_name))
        base = {"stageName": stage_name, "deploymentId": deployment_id, "methodSettings": {}, "tags": module.params["tags"] or {}}
        if module.check_mode:
            stage = base
        else:
            create_args = dict(restApiId=api_id, stageName=stage_name, deploymentId=deployment_id, tags=module.params["tags"] or {})
            if "tracing_enabled" in desired:
                create_args["tracingEnabled"] = desired["tracing_enabled"]
            try:
                stage = client.create_stage(aws_retry=True, **create_args)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg="Could not create stage {0} of REST API {1}".format(stage_name, api_id))
            stage.pop("ResponseMetadata", None)
        operations = apigw.stage_patch_operations(apigw.current_stage_settings(stage), desired)
    else:
        operations = apigw.stage_patch_operations(apigw.current_stage_settings(stage), desired)
        if redeploy and not module.check_mode:
            operations = [{"op": "replace", "path": "/deploymentId", "value": deployment_id}] + operations
        stage_tags = ensure_tags(
            module, client, apigw.stage_arn(module.region, api_id, stage_name), dict(stage.get("tags") or {}), "stage", changes
        )
        stage = dict(stage, tags=stage_tags)

    changes.extend("update stage {0}".format(op["path"]) for op in operations if op["path"] != "/deploymentId")
    if operations and not module.check_mode:
        try:
            stage = client.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=operations, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e,
                msg="Could not update stage {0} of REST API {1} (logging needs the account's CloudWatch role: "
                "see cloudwatch_role_arn)".format(stage_name, api_id),
            )
        stage.pop("ResponseMetadata", None)
    else:
        stage = projected_stage(dict(stage, deploymentId=deployment_id), desired)
    if redeploy and old_deployment_id and not module.check_mode:
        delete_unused_deployment(module, client, api_id, old_deployment_id)
    return stage, redeploy


def ensure_web_acl(module, wafv2, api_id, stage, changes):
    """Associates the stage with O(web_acl_arn) (or disassociates it); returns the stage after the change."""
    desired = module.params["web_acl_arn"]
    action = apigw.web_acl_action(stage.get("webAclArn"), desired)
    if action is None:
        return stage
    stage_name = module.params["stage_name"]
    if action == "associate":
        changes.append("associate stage {0} with web ACL {1}".format(stage_name, desired))
    else:
        changes.append("disassociate stage {0} from web ACL {1}".format(stage_name, stage.get("webAclArn")))
    if not module.check_mode:
        resource_arn = apigw.stage_arn(module.region, api_id, stage_name)
        try:
            if action == "associate":
                wafv2.associate_web_acl(WebACLArn=desired, ResourceArn=resource_arn, aws_retry=True)
            else:
                wafv2.disassociate_web_acl(ResourceArn=resource_arn, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e,
                msg="Could not {0} stage {1} of REST API {2} {3} web ACL {4} (it must be a REGIONAL web ACL in {5} "
                "and the caller needs wafv2:{6}WebACL and apigateway:SetWebACL)".format(
                    action, stage_name, api_id, "with" if action == "associate" else "from",
                    desired or stage.get("webAclArn"), module.region, action.capitalize(),
                ),
            )
    stage = dict(stage)
    if desired:
        stage["webAclArn"] = desired
    else:
        stage.pop("webAclArn", None)
    return stage


# ---------------------------------------------------------------- secrets, usage plan and API keys


def read_secret_string(module, secrets, secret_id, what):
    """The secret's value, read inside the module only; None in check mode when the secret does not exist yet."""
    try:
        return secrets.get_secret_value(SecretId=secret_id, aws_retry=True)["SecretString"]
    except is_boto3_error_code("ResourceNotFoundException"):
        if module.check_mode:
            return None
        module.fail_json(msg="The {0} secret {1} does not exist: create it first (the secrets role does)".format(what, secret_id))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not read the {0} secret {1}".format(what, secret_id))


def read_backend_headers(module, secrets):
    """{header: value} the integrations send, or {} when none is declared; the value never leaves the module."""
    name = module.params["backend_header_name"]
    if not name:
        return {}
    value = read_secret_string(module, secrets, module.params["backend_header_secret_id"], "backend header")
    # A plan on an account where the secret does not exist yet: any stand-in gives "would change".
    return {name: value if value is not None else "planned"}


def read_api_key_values(module, secrets):
    """{entry: value} of the API keys secret; None in check mode when it does not exist yet."""
    secret_id = module.params["api_keys_secret_id"]
    text = read_secret_string(module, secrets, secret_id, "API keys")
    if text is None:
        return None
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    if not isinstance(values, dict) or not all(isinstance(v, str) and 20 <= len(v) <= 128 for v in values.values()):
        module.fail_json(
            msg="The API keys secret {0} must hold a JSON object of entry: value, each value 20 to 128 characters "
            "(API Gateway's limits)".format(secret_id)
        )
    return values


def find_usage_plan(module, client, name):
    try:
        plans = [plan for plan in apigw.list_usage_plans(client) if plan.get("name") == name]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the usage plans")
    if len(plans) > 1:
        module.fail_json(msg="{0} usage plans are named {1} ({2}); delete the extra ones".format(
            len(plans), name, ", ".join(plan["id"] for plan in plans)))
    return plans[0] if plans else None


def find_api_keys(module, client, usage_plan_name):
    """{name: ApiKey} of the plan's API keys (name prefix <plan>-)."""
    try:
        keys = apigw.list_api_keys(client, usage_plan_name + "-")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the API keys of usage plan {0}".format(usage_plan_name))
    return {key["name"]: key for key in keys}


def ensure_api_keys(module, client, values, changes):
    """Creates, replaces, enables and deletes the plan's API keys; returns {name: id} after (id None if planned)."""
    plan_name = module.params["usage_plan_name"]
    current = find_api_keys(module, client, plan_name)
    if values is None:
        changes.append("create API keys from secret {0} once it exists".format(module.params["api_keys_secret_id"]))
        return {name: key["id"] for name, key in current.items()}
    desired = {apigw.api_key_name(plan_name, entry): value for entry, value in values.items()}
    plan = apigw.plan_api_keys(current, desired)
    ids = {name: key["id"] for name, key in current.items()}
    try:
        for name in plan["create"] + plan["replace"]:
            changes.append("{0} API key {1}".format("create" if name in plan["create"] else "replace (value rotated)", name))
            ids[name] = None
            if not module.check_mode:
                ids[name] = client.create_api_key(
                    name=name, value=desired[name], enabled=True, tags=module.params["tags"] or {},
                    description="StreamFlix - usage plan {0}".format(plan_name), aws_retry=True,
                )["id"]
                if name in plan["replace"]:
                    client.delete_api_key(apiKey=current[name]["id"], aws_retry=True)
        for name in plan["enable"]:
            changes.append("enable API key {0}".format(name))
            if not module.check_mode:
                client.update_api_key(apiKey=ids[name], patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}],
                                      aws_retry=True)
        for name in plan["delete"]:
            changes.append("delete API key {0}".format(name))
            del ids[name]
            if not module.check_mode:
                client.delete_api_key(apiKey=current[name]["id"], aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not update the API keys of usage plan {0}".format(plan_name))
    return ids


def ensure_usage_plan_keys(module, client, plan_id, key_ids, changes):
    """Attaches exactly ``key_ids`` ({name: id}) to the plan."""
    attached = apigw.list_usage_plan_key_ids(client, plan_id) if plan_id else []
    wanted = {key_id for key_id in key_ids.values() if key_id}
    try:
        for name, key_id in sorted(key_ids.items()):
            if key_id is None or key_id not in attached:
                changes.append("add API key {0} to usage plan".format(name))
                if key_id and plan_id and not module.check_mode:
                    client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY", aws_retry=True)
        for key_id in attached:
            if key_id not in wanted:
                changes.append("remove API key {0} from usage plan".format(key_id))
                if not module.check_mode:
                    client.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id, aws_retry=True)
    except is_boto3_error_code("NotFoundException"):
        pass  # a replaced key was deleted meanwhile, which also removed it from the plan
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not update the API keys of usage plan {0}".format(module.params["usage_plan_name"]))


def ensure_usage_plan(module, client, secrets, api_id, changes):
    """The usage plan with the stage's throttle, the stage and the API keys; returns its view ({} when unmanaged)."""
    name = module.params["usage_plan_name"]
    if not name:
        return {}
    burst, rate = module.params["throttling_burst_limit"], module.params["throttling_rate_limit"]
    stage_ref = apigw.api_stage_ref(api_id or "planned", module.params["stage_name"])
    key_ids = ensure_api_keys(module, client, read_api_key_values(module, secrets), changes)
    plan = find_usage_plan(module, client, name)
    try:
        if plan is None:
            changes.append("create usage plan {0}".format(name))
            throttle = {k: v for k, v in (("burstLimit", burst), ("rateLimit", rate)) if v is not None}
            plan = {"id": None, "name": name, "throttle": throttle, "apiStages": [{"apiId": api_id, "stage": module.params["stage_name"]}],
                    "tags": module.params["tags"] or {}}
            if not module.check_mode:
                plan = client.create_usage_plan(
                    name=name, description="StreamFlix - API keys and throttling of {0}".format(module.params["name"]),
                    apiStages=plan["apiStages"], throttle=throttle, tags=plan["tags"], aws_retry=True,
                )
                plan.pop("ResponseMetadata", None)
        else:
            operations = apigw.usage_plan_patch_operations(plan, burst, rate, stage_ref)
            changes.extend("update usage plan {0} {1}".format(op["op"], op["path"]) for op in operations)
            if operations and not module.check_mode and api_id:
                plan = client.update_usage_plan(usagePlanId=plan["id"], patchOperations=operations, aws_retry=True)
                plan.pop("ResponseMetadata", None)
            elif operations:
                plan = dict(plan, throttle=dict(plan.get("throttle") or {}, burstLimit=burst, rateLimit=rate),
                            apiStages=[{"apiId": api_id, "stage": module.params["stage_name"]}])
            arn = "arn:aws:apigateway:{0}::/usageplans/{1}".format(module.region, plan["id"])
            plan = dict(plan, tags=ensure_tags(module, client, arn, dict(plan.get("tags") or {}), "usage plan", changes))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create or update usage plan {0}".format(name))
    ensure_usage_plan_keys(module, client, plan.get("id"), key_ids, changes)
    return apigw.usage_plan_view(plan, key_ids)


def delete_usage_plan(module, client, changes):
    """Deletes the usage plan (its stages first) and its API keys; AWS refuses to delete a plan that has stages."""
    name = module.params["usage_plan_name"]
    if not name:
        return
    plan = find_usage_plan(module, client, name)
    keys = find_api_keys(module, client, name)
    try:
        if plan:
            changes.append("delete usage plan {0}".format(name))
            if not module.check_mode:
                operations = [{"op": "remove", "path": "/apiStages", "value": apigw.api_stage_ref(s["apiId"], s["stage"])}
                              for s in plan.get("apiStages") or []]
                if operations:
                    client.update_usage_plan(usagePlanId=plan["id"], patchOperations=operations, aws_retry=True)
                client.delete_usage_plan(usagePlanId=plan["id"], aws_retry=True)
        for key_name, key in sorted(keys.items()):
            changes.append("delete API key {0}".format(key_name))
            if not module.check_mode:
                client.delete_api_key(apiKey=key["id"], aws_retry=True)
    except is_boto3_error_code("NotFoundException"):
        pass  # removed meanwhile: the goal is met
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not delete usage plan {0} and its API keys".format(name))


def ensure_present(module, client, wafv2, secrets, apis):
    """Returns (changed, result)."""
    if len(apis) > 1:
        module.fail_json(
            msg="{0} REST APIs are named {1} ({2}); delete the extra ones or give tags that tell them apart".format(
                len(apis), module.params["name"], ", ".join(api["id"] for api in apis)
            )
        )
    try:
        desired_definition = apigw.desired_definition(
            module.params["backend_url"], module.params["routes"], module.params["api_key_required"],
            read_backend_headers(module, secrets),
        )
    except ValueError as e:
        module.fail_json(msg="Invalid routes: {0}".format(e))
    if module.params["web_acl_arn"] is not None:
        try:
            apigw.validate_web_acl_arn(module.params["web_acl_arn"], module.region)
        except ValueError as e:
            module.fail_json(msg=str(e))
    definition_fingerprint = apigw.fingerprint(desired_definition)
    changes = []
    ensure_account_role(module, client, changes)

    api = ensure_rest_api(module, client, apis[0] if apis else None, changes)
    if api["id"]:
        resources, current = read_definition(module, client, api["id"])
    else:
        resources, current = [], {"/": {}}
    plan = apigw.plan_definition(current, desired_definition)
    changes.extend(apigw.describe_plan(plan))
    if not apigw.plan_is_empty(plan) and not module.check_mode:
        apply_plan(module, client, api, resources, plan, desired_definition)
    after_definition = {path: {} for path in current if path not in plan["delete_resources"]}
    for path, method in desired_definition.items():
        after_definition[path] = {method["http_method"]: method}

    stage, deployed_fingerprint = read_stage(module, client, api["id"]) if api["id"] else (None, None)
    stage, deployment_created = ensure_stage(
        module, client, api["id"], stage, deployed_fingerprint, definition_fingerprint, changes
    )
    stage = ensure_web_acl(module, wafv2, api["id"], stage, changes)
    usage_plan = ensure_usage_plan(module, client, secrets, api["id"], changes)
    result = {
        "rest_api": rest_api_view(api, after_definition),
        "stage": stage_view(stage, api["id"], module.region, definition_fingerprint),
        "usage_plan": usage_plan,
        "deployment_created": deployment_created,
        "changes": changes,
    }
    return bool(changes), result


def ensure_absent(module, client, apis):
    changes = []
    delete_usage_plan(module, client, changes)
    deleted = []
    for api in apis:
        if not module.check_mode:
            try:
                client.delete_rest_api(restApiId=api["id"], aws_retry=True)
            except is_boto3_error_code("NotFoundException"):
                continue  # removed meanwhile: the goal is met
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg="Could not delete REST API {0} ({1})".format(api["id"], api.get("name")))
        deleted.append(api["id"])
    changes.extend("delete REST API {0}".format(api_id) for api_id in deleted)
    result = {
        "rest_api": {},
        "stage": {},
        "usage_plan": {},
        "deployment_created": False,
        "changes": changes,
        "deleted_ids": deleted,
    }
    return bool(changes), result


def current_state(module, client, apis):
    """The before view for the diff."""
    if len(apis) > 1:
        before = {"rest_apis": [api["id"] for api in apis]}
    elif not apis:
        before = {"rest_api": {}, "stage": {}}
    else:
        api = apis[0]
        dummy, definition = read_definition(module, client, api["id"])
        stage, fingerprint = (None, None)
        if module.params["stage_name"]:
            stage, fingerprint = read_stage(module, client, api["id"])
        before = {
            "rest_api": rest_api_view(api, definition),
            "stage": stage_view(stage, api["id"], module.region, fingerprint),
        }
    if module.params["usage_plan_name"]:
        plan = find_usage_plan(module, client, module.params["usage_plan_name"])
        keys = find_api_keys(module, client, module.params["usage_plan_name"])
        before["usage_plan"] = apigw.usage_plan_view(plan, keys)
    return before


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        backend_url=dict(type="str"),
        routes=dict(type="list", elements="str", default=["/{proxy+}"]),
        stage_name=dict(type="str"),
        throttling_burst_limit=dict(type="int"),
        throttling_rate_limit=dict(type="float"),
        metrics_enabled=dict(type="bool"),
        logging_level=dict(type="str", choices=["OFF", "ERROR", "INFO"]),
        tracing_enabled=dict(type="bool"),
        access_log_destination_arn=dict(type="str"),
        access_log_format=dict(type="str"),
        cloudwatch_role_arn=dict(type="str"),
        web_acl_arn=dict(type="str"),
        api_key_required=dict(type="bool", default=False),
        usage_plan_name=dict(type="str"),
        api_keys_secret_id=dict(type="str"),
        backend_header_name=dict(type="str"),
        backend_header_secret_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["backend_url", "stage_name"])],
        required_together=[("backend_header_name", "backend_header_secret_id")],
        supports_check_mode=True,
    )
    client = module.client("apigateway", retry_decorator=AWSRetry.jittered_backoff())
    wafv2 = None
    if module.params["web_acl_arn"] is not None and module.params["state"] == "present":
        # A web ACL just created may be "unavailable" to AssociateWebACL for a while (propagation).
        wafv2 = module.client(
            "wafv2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["WAFUnavailableEntityException"])
        )
    if module.params["state"] == "present" and module.params["usage_plan_name"] and not module.params["api_keys_secret_id"]:
        module.fail_json(msg="usage_plan_name needs api_keys_secret_id: the secret whose entries become the plan's API keys")
    secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    apis = find_rest_apis(module, client)
    before = current_state(module, client, apis)

    if module.params["state"] == "absent":
        changed, result = ensure_absent(module, client, apis)
    else:
        changed, result = ensure_present(module, client, wafv2, secrets, apis)

    after = {"rest_api": result["rest_api"], "stage": result["stage"]}
    if module.params["usage_plan_name"]:
        after["usage_plan"] = result["usage_plan"]
    module.exit_json(changed=changed, diff=dict(before=before, after=after), **result)


if __name__ == "__main__":
    main()
