"""API Gateway (REST APIs, v1) fills (moto 5.2.5).

- GetTags / TagResource / UntagResource read every ARN as a stage ARN: a REST API ARN
  (``arn:aws:apigateway:<region>::/restapis/<id>``) fails with NotFoundException. The fill handles
  REST API and stage ARNs; other ARNs go to moto.
- DeleteRestApi of an unknown id: HTTP 500 (KeyError). AWS: NotFoundException (404).
- DeleteRestApi / DeleteStage leave the deleted stages in their WAFv2 web ACL's associations (so the web ACL
  can never be deleted under the wafv2 fill's WAFAssociatedItemException check). AWS removes the association
  with the stage.
- CreateResource accepts a second child with the same pathPart under one parent. AWS: ConflictException (409).
- DeleteResource leaves the resource's children behind (GetResources then fails). AWS deletes the
  resource with its descendants; the root resource cannot be deleted (BadRequestException).
- PutMethod on an existing method replaces it silently. AWS: ConflictException (409), "Method already
  exists for this resource" (change a method with UpdateMethod, or delete it first).
- DeleteMethod of a method that does not exist succeeds. AWS: NotFoundException (404).
- GetDeployment of an unknown id: HTTP 500 (KeyError). AWS: NotFoundException (404).
- UpdateStage accepts any logging level, ignores unknown method-setting paths, and enables execution
  logging and access logging without the account's CloudWatch role. AWS: loggingLevel is OFF, ERROR or
  INFO; "CloudWatch Logs role ARN must be set in account settings to enable logging" (BadRequestException)
  when ``/*/*/logging/loglevel`` is ERROR/INFO, ``/*/*/logging/dataTrace`` is true or
  ``/accessLogSettings/destinationArn`` is set while the account (UpdateAccount ``/cloudwatchRoleArn``)
  has none.
- UpdateUsagePlan ``/throttle/rateLimit``: the value is read as an integer, so a rate such as ``120.0`` or ``0.5``
  fails with HTTP 500. AWS: the rate limit is a double (ThrottleSettings ``rateLimit``).

References: https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html (TagResource,
DeleteResource, PutMethod, UpdateStage, MethodSetting, UpdateAccount);
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from moto.apigateway import urls as apigateway_urls
from moto.apigateway.exceptions import BadRequestException, ConflictException
from moto.apigateway.exceptions import NotFoundException as _NotFoundException400
from moto.apigateway.models import APIGatewayBackend, RestAPI, Stage, UsagePlan
from moto.apigateway.responses import APIGatewayResponse

from . import patch
from . import wafv2 as wafv2_fill


class NotFoundException(_NotFoundException400):
    """moto's base NotFoundException answers HTTP 400; AWS answers 404."""

    code = 404


# moto's server routes tag requests only for stage ARNs (the decoded ARN holds slashes).
_ROUTES = (
    "{0}/tags/arn:(?P<partition>[^/]+):apigateway:(?P<region_name>[^/]+)::/restapis/(?P<function_id>[^/]+)$",
)

_ARN = re.compile(r"^arn:[^:]+:apigateway:[^:]+::/restapis/(?P<api>[^/]+)(?:/stages/(?P<stage>[^/]+))?$")

_METHOD_SETTING_KEYS = (
    "metrics/enabled",
    "logging/loglevel",
    "logging/dataTrace",
    "throttling/burstLimit",
    "throttling/rateLimit",
    "caching/enabled",
    "caching/ttlInSeconds",
    "caching/dataEncrypted",
    "caching/requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy",
)
_STAGE_PATHS = re.compile(
    r"^/(deploymentId|description|cacheClusterEnabled|cacheClusterSize|tracingEnabled|clientCertificateId"
    r"|documentationVersion|webAclArn|variables/.+|accessLogSettings(/(destinationArn|format))?"
    r"|canarySettings(/.*)?)$"
)
LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
ROLE_REQUIRED = "CloudWatch Logs role ARN must be set in account settings to enable logging"


def _tagged(response: APIGatewayResponse):
    """The REST API or stage a tagging request names, or None for another kind of ARN."""
    arn = unquote(response.path.split("/tags/", 1)[1])
    match = _ARN.match(arn)
    if match is None:
        return None
    if match.group("stage"):
        return response.backend.get_stage(match.group("api"), match.group("stage"))
    return response.backend.get_rest_api(match.group("api"))


def get_tags(self: APIGatewayResponse) -> str:
    target = _tagged(self)
    if target is None:
        return get_tags.original(self)
    return json.dumps({"tags": target.tags or {}})


def tag_resource(self: APIGatewayResponse):
    target = _tagged(self)
    if target is None:
        return tag_resource.original(self)
    target.tags = dict(target.tags or {}, **(self._get_param("tags") or {}))
    return 204, {}, ""


def untag_resource(self: APIGatewayResponse):
    target = _tagged(self)
    if target is None:
        return untag_resource.original(self)
    keys = self.querystring.get("tagKeys") or []
    target.tags = {key: value for key, value in (target.tags or {}).items() if key not in keys}
    return 204, {}, ""


def _stage_arns(backend: APIGatewayBackend, api_id: str, stage_names) -> set:
    return {f"arn:aws:apigateway:{backend.region_name}::/restapis/{api_id}/stages/{name}" for name in stage_names}


def delete_rest_api(self: APIGatewayBackend, function_id: str) -> RestAPI:
    api = self.get_rest_api(function_id)  # NotFoundException for an unknown id
    stages = _stage_arns(self, function_id, list(api.stages))
    deleted = delete_rest_api.original(self, function_id)
    wafv2_fill.forget_associations(self.account_id, stages)
    return deleted


def delete_stage(self: APIGatewayBackend, function_id: str, stage_name: str) -> None:
    delete_stage.original(self, function_id, stage_name)
    wafv2_fill.forget_associations(self.account_id, _stage_arns(self, function_id, [stage_name]))


def create_resource(self: APIGatewayBackend, function_id: str, parent_resource_id: str, path_part: str):
    api = self.get_rest_api(function_id)
    if path_part:
        self.get_resource(function_id, parent_resource_id)
        for resource in api.resources.values():
            if resource.parent_id == parent_resource_id and resource.path_part == path_part:
                raise ConflictException(f"Another resource with the same parent already has this name: {path_part}")
    return create_resource.original(self, function_id, parent_resource_id, path_part)


def delete_resource(self: APIGatewayBackend, function_id: str, resource_id: str):
    api = self.get_rest_api(function_id)
    resource = self.get_resource(function_id, resource_id)
    if resource.parent_id is None:
        raise BadRequestException("Cannot delete root resource")
    doomed = {resource_id}
    grew = True
    while grew:
        children = {rid for rid, child in api.resources.items() if child.parent_id in doomed and rid not in doomed}
        doomed |= children
        grew = bool(children)
    for rid in doomed - {resource_id}:
        api.resources.pop(rid)
    return delete_resource.original(self, function_id, resource_id)


def put_method(self: APIGatewayBackend, function_id: str, resource_id: str, method_type: str, *args, **kwargs):
    resource = self.get_resource(function_id, resource_id)
    if method_type in resource.resource_methods:
        raise ConflictException("Method already exists for this resource")
    return put_method.original(self, function_id, resource_id, method_type, *args, **kwargs)


def delete_method(self: APIGatewayBackend, function_id: str, resource_id: str, method_type: str) -> None:
    resource = self.get_resource(function_id, resource_id)
    if method_type not in resource.resource_methods:
        raise NotFoundException("Invalid Method identifier specified")
    return delete_method.original(self, function_id, resource_id, method_type)


def get_deployment(self: APIGatewayBackend, function_id: str, deployment_id: str):
    api = self.get_rest_api(function_id)
    if deployment_id not in api.deployments:
        raise NotFoundException("Invalid Deployment identifier specified")
    return get_deployment.original(self, function_id, deployment_id)


def _check_stage_operation(backend: APIGatewayBackend, op: dict) -> None:
    path, value = op.get("path", ""), op.get("value")
    parts = path.split("/", 3)
    if len(parts) == 4 and not _STAGE_PATHS.match(path):
        if parts[3] not in _METHOD_SETTING_KEYS:
            raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op.get('op')}'")
        if parts[3] == "logging/loglevel" and op.get("op") == "replace":
            if str(value).upper() not in LOGGING_LEVELS:
                raise BadRequestException("Logging level must be one of: OFF, ERROR, INFO")
            if str(value).upper() != "OFF" and not backend.account.cloudwatch_role_arn:
                raise BadRequestException(ROLE_REQUIRED)
        if parts[3] == "logging/dataTrace" and op.get("op") == "replace" and str(value).lower() == "true":
            if not backend.account.cloudwatch_role_arn:
                raise BadRequestException(ROLE_REQUIRED)
        return
    if not _STAGE_PATHS.match(path):
        raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op.get('op')}'")
    if path == "/accessLogSettings/destinationArn" and op.get("op") == "replace" and value:
        if not backend.account.cloudwatch_role_arn:
            raise BadRequestException(ROLE_REQUIRED)


def update_stage(self: APIGatewayBackend, function_id: str, stage_name: str, patch_operations) -> Stage:
    self.get_stage(function_id, stage_name)
    for op in patch_operations or []:
        _check_stage_operation(self, op)
    return update_stage.original(self, function_id, stage_name, patch_operations)


def usage_plan_apply_patch_operations(self: UsagePlan, patch_operations) -> None:
    """The throttle rate limit is a double; moto's int() refuses '120.0'."""
    rest = []
    for op in patch_operations or []:
        if op.get("op") in ("add", "replace") and op.get("path") == "/throttle/rateLimit":
            try:
                self.throttle["rateLimit"] = float(op["value"])
            except (TypeError, ValueError):
                raise BadRequestException("Invalid rate limit value: {0}".format(op.get("value")))
        else:
            rest.append(op)
    usage_plan_apply_patch_operations.original(self, rest)


def apply() -> None:
    patch(UsagePlan, "apply_patch_operations", usage_plan_apply_patch_operations)
    for route in _ROUTES:
        apigateway_urls.url_paths.setdefault(route, APIGatewayResponse.dispatch)
    patch(APIGatewayResponse, "get_tags", get_tags)
    patch(APIGatewayResponse, "tag_resource", tag_resource)
    patch(APIGatewayResponse, "untag_resource", untag_resource)
    patch(APIGatewayBackend, "delete_rest_api", delete_rest_api)
    patch(APIGatewayBackend, "delete_stage", delete_stage)
    patch(APIGatewayBackend, "create_resource", create_resource)
    patch(APIGatewayBackend, "delete_resource", delete_resource)
    patch(APIGatewayBackend, "put_method", put_method)
    patch(APIGatewayBackend, "delete_method", delete_method)
    patch(APIGatewayBackend, "get_deployment", get_deployment)
    patch(APIGatewayBackend, "update_stage", update_stage)
