# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API Gateway REST APIs: the declared definition, its fingerprint, the pure comparisons and the calls
the api_gateway_rest_api module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

FINGERPRINT_PREFIX = "streamflix:sha256:"
ENDPOINT_TYPE = "REGIONAL"
METHOD = "ANY"
# The AWS pathPart pattern (CreateResource); a greedy {name+} may only be the last segment.
_SEGMENT = re.compile(r"^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:-]+)$")

DEFAULT_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
    },
    separators=(",", ":"),
)

# Stage settings: module option -> (MethodSetting key of "*/*", UpdateStage patch path, type).
METHOD_SETTINGS = {
    "throttling_burst_limit": ("throttlingBurstLimit", "/*/*/throttling/burstLimit", int),
    "throttling_rate_limit": ("throttlingRateLimit", "/*/*/throttling/rateLimit", float),
    "metrics_enabled": ("metricsEnabled", "/*/*/metrics/enabled", bool),
    "logging_level": ("loggingLevel", "/*/*/logging/loglevel", str),
}
STAGE_SETTINGS = tuple(METHOD_SETTINGS) + ("tracing_enabled", "access_log_destination_arn", "access_log_format")

# An HTTP header name, and what a static integration request parameter value may hold ('...' quoted).
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_STATIC_VALUE = re.compile(r"^[!#-&(-~]{1,128}$")

# A WAFv2 web ACL ARN (GetWebACL ARN): arn:<partition>:wafv2:<region>:<account>:<regional|global>/webacl/<name>/<id>
_WEB_ACL_ARN = re.compile(
    r"^arn:[a-z-]+:wafv2:(?P<region>[a-z0-9-]+):[0-9]{12}:(?P<scope>regional|global)/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]{1,36}$"
)


# ---------------------------------------------------------------- the declared definition


def path_parameters(path):
    """The path parameter names of a route, e.g. '/a/{id}/{proxy+}' -> ['id', 'proxy']."""
    return [segment.strip("{}").rstrip("+") for segment in path.split("/") if segment.startswith("{")]


def validate_route(path):
    """Raises ValueError with a message a person can act on when AWS would refuse the path."""
    if not path.startswith("/"):
        raise ValueError("route {0!r} must start with '/'".format(path))
    if path == "/":
        return
    segments = path[1:].split("/")
    for index, segment in enumerate(segments):
        if not _SEGMENT.match(segment):
            raise ValueError(
                "route {0!r}: segment {1!r} is not a valid API Gateway path part "
                "(letters, digits, '._:-', or a {{name}} / trailing {{name+}} parameter)".format(path, segment)
            )
        if segment.endswith("+}") and index != len(segments) - 1:
            raise ValueError("route {0!r}: a greedy parameter {1} must be the last segment".format(path, segment))


def integration_uri(backend_url, path):
    """The HTTP_PROXY target of a route: the backend URL plus the path, greedy {x+} written {x}."""
    target = "/".join(segment.replace("+}", "}") for segment in path.split("/"))
    return backend_url.rstrip("/") + (target if path != "/" else "/")


def validate_backend_headers(headers):
    """Raises ValueError (naming the header, never the value) unless every header name and value can be sent
    as a static integration request parameter: a static value is written between single quotes."""
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name or ""):
            raise ValueError("backend header name {0!r} is not an HTTP header name (letters, digits, '-')".format(name))
        if not value or not _STATIC_VALUE.match(value):
            raise ValueError(
                "the value of backend header {0} must be 1 to 128 printable characters without quotes or spaces".format(name)
            )


def integration_request_parameters(params, backend_headers):
    """Path parameters mapped from the method request, plus each backend header as a static ('quoted') value."""
    mapped = {"integration.request.path." + name: "method.request.path." + name for name in params}
    for name, value in (backend_headers or {}).items():
        mapped["integration.request.header." + name] = "'{0}'".format(value)
    return mapped


def desired_definition(backend_url, routes, api_key_required=False, backend_headers=None):
    """{path: method} for every declared route: method ANY, no authorization (an API key when
    ``api_key_required``), an HTTP_PROXY integration that adds ``backend_headers`` ({name: value})."""
    validate_backend_headers(backend_headers)
    definition = {}
    for path in routes:
        validate_route(path)
        params = path_parameters(path)
        definition[path] = {
            "http_method": METHOD,
            "authorization_type": "NONE",
            "api_key_required": bool(api_key_required),
            "request_parameters": {"method.request.path." + name: True for name in params},
            "integration": {
                "type": "HTTP_PROXY",
                "http_method": METHOD,
                "uri": integration_uri(backend_url, path),
                "connection_type": "INTERNET",
                "request_parameters": integration_request_parameters(params, backend_headers),
            },
        }
    return definition


def fingerprint(definition):
    """The deployment description that identifies this definition."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return FINGERPRINT_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def current_method(method):
    """The module's view of a Method (from GetResources with embed=methods)."""
    integration = method.get("methodIntegration") or {}
    return {
        "http_method": method.get("httpMethod"),
        "authorization_type": method.get("authorizationType"),
        "api_key_required": bool(method.get("apiKeyRequired", False)),
        "request_parameters": method.get("requestParameters") or {},
        "integration": {
            "type": integration.get("type"),
            "http_method": integration.get("httpMethod"),
            "uri": integration.get("uri"),
            "connection_type": integration.get("connectionType", "INTERNET"),
            "request_parameters": integration.get("requestParameters") or {},
        } if integration else None,
    }


def current_definition(resources):
    """{path: {http_method: method view}} of the API's resources."""
    return {
        resource["path"]: {
            name: current_method(method) for name, method in (resource.get("resourceMethods") or {}).items()
        }
        for resource in resources
    }


def ancestors(path):
    """'/a/b/c' -> ['/a', '/a/b']; the root is not listed."""
    segments = path[1:].split("/") if path != "/" else []
    return ["/" + "/".join(segments[:index]) for index in range(1, len(segments))]


def parent_of(path):
    return path.rsplit("/", 1)[0] or "/"


def plan_definition(current, desired):
    """What turns the ``current`` definition ({path: {method: view}}) into the ``desired`` one.

    Returns a dict of lists: ``create_resources`` (paths, parents first), ``delete_resources`` (the
    topmost undeclared paths: AWS deletes a resource with its descendants), ``delete_methods`` and
    ``put_methods`` ((path, http_method): a changed method is deleted and put again, since PutMethod on
    an existing method is a conflict) and ``put_integrations`` ((path, http_method)).
    """
    needed = {"/"}
    for path in desired:
        needed.add(path)
        needed.update(ancestors(path))
    create_resources = sorted((path for path in needed if path not in current), key=lambda p: (p.count("/"), p))
    create_resources = [path for path in create_resources if path != "/"]
    undeclared = [path for path in current if path not in needed]
    delete_resources = sorted(path for path in undeclared if parent_of(path) not in undeclared)

    delete_methods, put_methods, put_integrations = [], [], []
    for path in sorted(needed):
        have = current.get(path, {})
        want = desired.get(path)
        want_methods = {want["http_method"]: want} if want else {}
        for name in sorted(have):
            if name not in want_methods:
                delete_methods.append((path, name))
        for name, method in sorted(want_methods.items()):
            existing = have.get(name)
            method_only = dict(method, integration=None)
            if existing is None:
                put_methods.append((path, name))
                put_integrations.append((path, name))
                continue
            if dict(existing, integration=None) != method_only:
                delete_methods.append((path, name))
                put_methods.append((path, name))
                put_integrations.append((path, name))
            elif existing["integration"] != method["integration"]:
                put_integrations.append((path, name))
    return {
        "create_resources": create_resources,
        "delete_resources": delete_resources,
        "delete_methods": delete_methods,
        "put_methods": put_methods,
        "put_integrations": put_integrations,
    }


def plan_is_empty(plan):
    return not any(plan.values())


def describe_plan(plan):
    """Human-readable change lines for RV(changes)."""
    lines = ["create resource {0}".format(path) for path in plan["create_resources"]]
    lines += ["delete resource {0}".format(path) for path in plan["delete_resources"]]
    lines += ["delete method {1} {0}".format(*item) for item in plan["delete_methods"]]
    lines += ["put method {1} {0}".format(*item) for item in plan["put_methods"]]
    lines += ["put integration {1} {0}".format(*item) for item in plan["put_integrations"]]
    return lines


# ---------------------------------------------------------------- stage settings


def normalize_log_destination(arn):
    """A log group ARN as API Gateway stores it: without the trailing ':*' that CloudWatch Logs reports."""
    if arn and arn.endswith(":*"):
        return arn[:-2]
    return arn


def desired_stage_settings(params):
    """The stage settings the task manages: options left out are not managed (left as they are)."""
    desired = {key: params.get(key) for key in STAGE_SETTINGS if params.get(key) is not None}
    if "access_log_destination_arn" in desired:
        desired["access_log_destination_arn"] = normalize_log_destination(desired["access_log_destination_arn"])
        desired.setdefault("access_log_format", DEFAULT_ACCESS_LOG_FORMAT)
    elif "access_log_format" in desired:
        del desired["access_log_format"]  # a format alone has nowhere to go
    if "throttling_rate_limit" in desired:
        desired["throttling_rate_limit"] = float(desired["throttling_rate_limit"])
    return desired


def current_stage_settings(stage):
    """The module's view of a Stage's settings; AWS's defaults when a setting was never made."""
    if not stage:
        return {}
    method = (stage.get("methodSettings") or {}).get("*/*") or {}
    access = stage.get("accessLogSettings") or {}
    rate = method.get("throttlingRateLimit")
    return {
        "throttling_burst_limit": method.get("throttlingBurstLimit"),
        "throttling_rate_limit": float(rate) if rate is not None else None,
        "metrics_enabled": bool(method.get("metricsEnabled", False)),
        "logging_level": method.get("loggingLevel", "OFF"),
        "tracing_enabled": bool(stage.get("tracingEnabled", False)),
        "access_log_destination_arn": access.get("destinationArn"),
        "access_log_format": access.get("format"),
    }


def _patch_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stage_patch_operations(current, desired):
    """The UpdateStage patch operations that make ``current`` settings ``desired``; only what differs."""
    operations = []
    for key, (dummy, path, dummy_type) in METHOD_SETTINGS.items():
        if key in desired and current.get(key) != desired[key]:
            operations.append({"op": "replace", "path": path, "value": _patch_value(desired[key])})
    if "tracing_enabled" in desired and current.get("tracing_enabled") != desired["tracing_enabled"]:
        operations.append({"op": "replace", "path": "/tracingEnabled", "value": _patch_value(desired["tracing_enabled"])})
    for key, path in (
        ("access_log_destination_arn", "/accessLogSettings/destinationArn"),
        ("access_log_format", "/accessLogSettings/format"),
    ):
        if key in desired and current.get(key) != desired[key]:
            operations.append({"op": "replace", "path": path, "value": desired[key]})
    return operations


def validate_web_acl_arn(arn, region):
    """Raises ValueError with a message a person can act on unless ``arn`` names a REGIONAL WAFv2 web ACL in
    ``region`` (a stage can only be associated with one of those; '' means none and passes)."""
    if arn == "":
        return
    match = _WEB_ACL_ARN.match(arn or "")
    if match is None:
        raise ValueError(
            "web_acl_arn {0!r} is not a WAFv2 web ACL ARN "
            "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)".format(arn)
        )
    if match.group("scope") != "regional":
        raise ValueError(
            "web_acl_arn {0!r} is a CLOUDFRONT (global) web ACL; an API Gateway stage needs a REGIONAL one".format(arn)
        )
    if match.group("region") != region:
        raise ValueError(
            "web_acl_arn {0!r} is in region {1}; the stage is in {2}: create the web ACL in {2}".format(
                arn, match.group("region"), region
            )
        )


def web_acl_action(current, desired):
    """What makes the stage's web ACL ``desired``: 'associate', 'disassociate' or None.

    ``desired`` None leaves the association alone; '' means no web ACL."""
    if desired is None:
        return None
    current = current or ""
    if desired == current:
        return None
    return "associate" if desired else "disassociate"


def apply_stage_settings(settings, desired):
    """The projected settings after ``desired`` is applied."""
    result = dict(settings)
    result.update(desired)
    return result


# ---------------------------------------------------------------- API Gateway calls


def rest_api_arn(region, api_id):
    return "arn:aws:apigateway:{0}::/restapis/{1}".format(region, api_id)


def stage_arn(region, api_id, stage_name):
    return "{0}/stages/{1}".format(rest_api_arn(region, api_id), stage_name)


def invoke_url(api_id, region, stage_name):
    return "https://{0}.execute-api.{1}.amazonaws.com/{2}".format(api_id, region, stage_name)


@AWSRetry.jittered_backoff()
def list_rest_apis(client):
    return client.get_paginator("get_rest_apis").paginate().build_full_result().get("items", [])


@AWSRetry.jittered_backoff()
def list_resources(client, api_id):
    paginator = client.get_paginator("get_resources")
    return paginator.paginate(restApiId=api_id, embed=["methods"]).build_full_result().get("items", [])


@AWSRetry.jittered_backoff()
def list_api_keys(client, name_prefix):
    """The API keys whose names start with ``name_prefix``, with their values (compared inside the module only)."""
    paginator = client.get_paginator("get_api_keys")
    pages = paginator.paginate(nameQuery=name_prefix, includeValues=True).build_full_result()
    return [key for key in pages.get("items", []) if key.get("name", "").startswith(name_prefix)]


@AWSRetry.jittered_backoff()
def list_usage_plans(client):
    return client.get_paginator("get_usage_plans").paginate().build_full_result().get("items", [])


@AWSRetry.jittered_backoff()
def list_usage_plan_key_ids(client, plan_id):
    paginator = client.get_paginator("get_usage_plan_keys")
    return sorted(key["id"] for key in paginator.paginate(usagePlanId=plan_id).build_full_result().get("items", []))


# ---------------------------------------------------------------- usage plan and API keys


PREVIOUS_KEY_SUFFIX = "-previous"  # the name rotate.yml gives the key of a value it rotated out


def api_key_name(usage_plan_name, key):
    """The API key made from entry ``key`` of the API keys secret."""
    return "{0}-{1}".format(usage_plan_name, key)


def _rotation_previous(name, desired):
    return name.endswith(PREVIOUS_KEY_SUFFIX) and name[: -len(PREVIOUS_KEY_SUFFIX)] in desired


def plan_api_keys(current, desired):
    """What makes the API keys ``current`` ({name: ApiKey}) hold ``desired`` ({name: value}).

    A key whose value differs (the secret was rotated) is replaced: AWS cannot change an API key's value.
    ``<name>-previous`` keys belong to rotate.yml (api_gateway_api_key_rotation): they keep the previous value working
    during a rotation's overlap, and the next rotation removes them, so they are never deleted here.
    Returns {"create": [names], "replace": [names], "enable": [names], "delete": [names]}."""
    undeclared = (name for name in current if name not in desired and not _rotation_previous(name, desired))
    plan = {"create": [], "replace": [], "enable": [], "delete": sorted(undeclared)}
    for name in sorted(desired):
        key = current.get(name)
        if key is None:
            plan["create"].append(name)
        elif key.get("value") != desired[name]:
            plan["replace"].append(name)
        elif not key.get("enabled", False):
            plan["enable"].append(name)
    return plan


def api_stage_ref(api_id, stage_name):
    """A usage plan's apiStages entry as UpdateUsagePlan's /apiStages value names it."""
    return "{0}:{1}".format(api_id, stage_name)


def usage_plan_patch_operations(plan, burst_limit, rate_limit, api_stage):
    """The UpdateUsagePlan operations that give ``plan`` this throttle and exactly the one ``api_stage``."""
    operations = []
    throttle = plan.get("throttle") or {}
    if burst_limit is not None and throttle.get("burstLimit") != burst_limit:
        operations.append({"op": "replace", "path": "/throttle/burstLimit", "value": str(burst_limit)})
    if rate_limit is not None and (throttle.get("rateLimit") is None or float(throttle["rateLimit"]) != float(rate_limit)):
        operations.append({"op": "replace", "path": "/throttle/rateLimit", "value": str(float(rate_limit))})
    stages = [api_stage_ref(stage["apiId"], stage["stage"]) for stage in plan.get("apiStages") or []]
    for ref in stages:
        if ref != api_stage:
            operations.append({"op": "remove", "path": "/apiStages", "value": ref})
    if api_stage not in stages:
        operations.append({"op": "add", "path": "/apiStages", "value": api_stage})
    return operations


def usage_plan_view(plan, key_names):
    if not plan:
        return {}
    throttle = plan.get("throttle") or {}
    return {
        "id": plan.get("id"),
        "name": plan.get("name"),
        "throttle": {"burst_limit": throttle.get("burstLimit"), "rate_limit": throttle.get("rateLimit")},
        "api_stages": sorted(api_stage_ref(s["apiId"], s["stage"]) for s in plan.get("apiStages") or []),
        "api_keys": sorted(key_names),
        "tags": dict(plan.get("tags") or {}),
    }
