"""api_gateway_rest_api against in-process moto (with the localaws apigateway fill), state read through boto3."""

from __future__ import annotations

import json
import re
from unittest import mock

import boto3
import botocore.client
import botocore.exceptions
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import apigateway as apigw
from ansible_collections.streamflix.media_platform.plugins.modules import api_gateway_rest_api
from localaws.fills import apigateway as apigateway_fill
from localaws.fills import wafv2 as wafv2_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-unit-api"
BACKEND = "http://alb-unit.us-east-1.elb.amazonaws.com"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/streamflix/unit/api"
ROLE_ARN = "arn:aws:iam::123456789012:role/streamflix-apigw-logs"


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    "path, uri, params",
    [
        ("/", BACKEND + "/", []),
        ("/content", BACKEND + "/content", []),
        ("/{proxy+}", BACKEND + "/{proxy}", ["proxy"]),
        ("/content/{id}", BACKEND + "/content/{id}", ["id"]),
        ("/a/{id}/{rest+}", BACKEND + "/a/{id}/{rest}", ["id", "rest"]),
    ],
)
def test_desired_definition_routes(path, uri, params):
    method = apigw.desired_definition(BACKEND + "/", [path])[path]
    assert method["http_method"] == "ANY"
    assert method["integration"]["type"] == "HTTP_PROXY"
    assert method["integration"]["uri"] == uri
    assert method["request_parameters"] == {"method.request.path." + p: True for p in params}
    assert method["integration"]["request_parameters"] == {
        "integration.request.path." + p: "method.request.path." + p for p in params
    }


@pytest.mark.parametrize(
    "path, message",
    [
        ("content", "must start with '/'"),
        ("/a//b", "not a valid API Gateway path part"),
        ("/a b", "not a valid API Gateway path part"),
        ("/{proxy+}/x", "must be the last segment"),
    ],
)
def test_validate_route_rejects(path, message):
    with pytest.raises(ValueError, match=message):
        apigw.validate_route(path)


def test_fingerprint_is_stable_and_tracks_the_definition():
    one = apigw.fingerprint(apigw.desired_definition(BACKEND, ["/content", "/{proxy+}"]))
    assert one.startswith("streamflix:sha256:") and len(one) == len("streamflix:sha256:") + 64
    assert one == apigw.fingerprint(apigw.desired_definition(BACKEND, ["/content", "/{proxy+}"]))
    assert one == apigw.fingerprint(apigw.desired_definition(BACKEND, ["/{proxy+}", "/content"]))
    assert one != apigw.fingerprint(apigw.desired_definition(BACKEND, ["/{proxy+}"]))
    assert one != apigw.fingerprint(apigw.desired_definition("http://other", ["/content", "/{proxy+}"]))


def _current(desired, **overrides):
    current = {"/": {}}
    for path, method in desired.items():
        current[path] = {"ANY": json.loads(json.dumps(method))}
    for path, value in overrides.items():
        current[path] = value
    return current


DESIRED = apigw.desired_definition(BACKEND, ["/content", "/{proxy+}"])
EMPTY_PLAN = {"create_resources": [], "delete_resources": [], "delete_methods": [], "put_methods": [], "put_integrations": []}


@pytest.mark.parametrize(
    "current, expected",
    [
        ({"/": {}}, {
            "create_resources": ["/content", "/{proxy+}"],
            "put_methods": [("/content", "ANY"), ("/{proxy+}", "ANY")],
            "put_integrations": [("/content", "ANY"), ("/{proxy+}", "ANY")],
        }),
        (_current(DESIRED), {}),
        (_current(DESIRED, **{"/old": {"GET": {}}, "/old/child": {}}), {"delete_resources": ["/old"]}),
        (dict(_current(DESIRED), **{"/": {"GET": {}}}), {"delete_methods": [("/", "GET")]}),
        (
            _current(DESIRED, **{"/content": {"ANY": DESIRED["/content"], "POST": {}}}),
            {"delete_methods": [("/content", "POST")]},
        ),
        (
            _current(DESIRED, **{"/content": {"ANY": dict(DESIRED["/content"], integration=dict(
                DESIRED["/content"]["integration"], uri="http://old/content"))}}),
            {"put_integrations": [("/content", "ANY")]},
        ),
        (
            _current(DESIRED, **{"/content": {"ANY": dict(DESIRED["/content"], authorization_type="AWS_IAM")}}),
            {
                "delete_methods": [("/content", "ANY")],
                "put_methods": [("/content", "ANY")],
                "put_integrations": [("/content", "ANY")],
            },
        ),
        (
            _current(DESIRED, **{"/content": {"ANY": dict(DESIRED["/content"], integration=None)}}),
            {"put_integrations": [("/content", "ANY")]},
        ),
    ],
    ids=["empty", "same", "undeclared-subtree", "root-method", "extra-method", "integration-uri", "method-auth", "no-integration"],
)
def test_plan_definition(current, expected):
    assert apigw.plan_definition(current, DESIRED) == dict(EMPTY_PLAN, **expected)


def test_plan_definition_creates_ancestors_parents_first():
    desired = apigw.desired_definition(BACKEND, ["/a/b/{id}"])
    plan = apigw.plan_definition({"/": {}}, desired)
    assert plan["create_resources"] == ["/a", "/a/b", "/a/b/{id}"]
    assert plan["put_methods"] == [("/a/b/{id}", "ANY")]


def test_current_definition_reads_embedded_methods():
    resources = [
        {"id": "r", "path": "/"},
        {"id": "c", "path": "/content", "resourceMethods": {"ANY": {
            "httpMethod": "ANY", "authorizationType": "NONE", "apiKeyRequired": False,
            "methodIntegration": {"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": BACKEND + "/content",
                                  "connectionType": "INTERNET"},
        }}},
    ]
    assert apigw.current_definition(resources) == {"/": {}, "/content": {"ANY": DESIRED["/content"]}}


SETTINGS = {
    "throttling_burst_limit": 100,
    "throttling_rate_limit": 50.0,
    "metrics_enabled": False,
    "logging_level": "OFF",
    "tracing_enabled": False,
    "access_log_destination_arn": None,
    "access_log_format": None,
}


@pytest.mark.parametrize(
    "desired, expected",
    [
        ({}, []),
        ({"throttling_burst_limit": 100, "throttling_rate_limit": 50.0}, []),
        ({"throttling_burst_limit": 5000}, [{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "5000"}]),
        ({"throttling_rate_limit": 2000.0}, [{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "2000.0"}]),
        ({"metrics_enabled": True}, [{"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}]),
        ({"logging_level": "ERROR"}, [{"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}]),
        ({"tracing_enabled": True}, [{"op": "replace", "path": "/tracingEnabled", "value": "true"}]),
        (
            {"access_log_destination_arn": LOG_GROUP_ARN, "access_log_format": "$context.requestId"},
            [
                {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": LOG_GROUP_ARN},
                {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
            ],
        ),
    ],
)
def test_stage_patch_operations(desired, expected):
    assert apigw.stage_patch_operations(SETTINGS, desired) == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {}),
        ({"throttling_rate_limit": 10}, {"throttling_rate_limit": 10.0}),
        ({"access_log_destination_arn": LOG_GROUP_ARN + ":*"},
         {"access_log_destination_arn": LOG_GROUP_ARN, "access_log_format": apigw.DEFAULT_ACCESS_LOG_FORMAT}),
        ({"access_log_format": "x"}, {}),
        ({"logging_level": "INFO", "tracing_enabled": False}, {"logging_level": "INFO", "tracing_enabled": False}),
    ],
)
def test_desired_stage_settings(params, expected):
    assert apigw.desired_stage_settings(params) == expected


def test_default_access_log_format_fields():
    assert sorted(json.loads(apigw.DEFAULT_ACCESS_LOG_FORMAT)) == sorted(
        ["requestId", "ip", "requestTime", "httpMethod", "resourcePath", "status", "protocol", "responseLength"]
    )


def test_current_stage_settings_defaults():
    assert apigw.current_stage_settings({"stageName": "s", "methodSettings": {}}) == {
        "throttling_burst_limit": None,
        "throttling_rate_limit": None,
        "metrics_enabled": False,
        "logging_level": "OFF",
        "tracing_enabled": False,
        "access_log_destination_arn": None,
        "access_log_format": None,
    }


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def client(moto):
    apigateway_fill.apply()
    wafv2_fill.apply()
    return boto3.client("apigateway", region_name=REGION)


def args(**extra):
    base = {
        "name": NAME,
        "backend_url": BACKEND,
        "routes": ["/content", "/{proxy+}"],
        "stage_name": "prod",
        "throttling_burst_limit": 5000,
        "throttling_rate_limit": 2000,
        "metrics_enabled": True,
        "tracing_enabled": True,
        "logging_level": "ERROR",
        "access_log_destination_arn": LOG_GROUP_ARN + ":*",
        "cloudwatch_role_arn": ROLE_ARN,
        "tags": {"Project": "streamflix", "Environment": "unit"},
    }
    base.update(extra)
    return base


def aws_api(client):
    apis = [api for api in client.get_rest_apis()["items"] if api["name"] == NAME]
    assert len(apis) <= 1
    return apis[0] if apis else None


def aws_definition(client, api_id):
    items = client.get_resources(restApiId=api_id, embed=["methods"])["items"]
    return {item["path"]: item.get("resourceMethods", {}) for item in items}


def aws_deployments(client, api_id):
    return client.get_deployments(restApiId=api_id)["items"]


def test_create(client):
    result = run_module(api_gateway_rest_api, args())
    assert result["changed"] is True
    assert result["deployment_created"] is True
    api = aws_api(client)
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert api["tags"] == {"Project": "streamflix", "Environment": "unit"}
    definition = aws_definition(client, api["id"])
    assert sorted(definition) == ["/", "/content", "/{proxy+}"]
    assert definition["/"] == {}
    content = definition["/content"]["ANY"]
    assert content["authorizationType"] == "NONE"
    assert content["methodIntegration"]["type"] == "HTTP_PROXY"
    assert content["methodIntegration"]["httpMethod"] == "ANY"
    assert content["methodIntegration"]["uri"] == BACKEND + "/content"
    proxy = definition["/{proxy+}"]["ANY"]
    assert proxy["requestParameters"] == {"method.request.path.proxy": True}
    assert proxy["methodIntegration"]["uri"] == BACKEND + "/{proxy}"
    assert proxy["methodIntegration"]["requestParameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}

    stage = client.get_stage(restApiId=api["id"], stageName="prod")
    settings = stage["methodSettings"]["*/*"]
    assert settings["throttlingBurstLimit"] == 5000
    assert settings["throttlingRateLimit"] == 2000.0
    assert settings["metricsEnabled"] is True
    assert settings["loggingLevel"] == "ERROR"
    assert stage["tracingEnabled"] is True
    assert stage["accessLogSettings"] == {"destinationArn": LOG_GROUP_ARN, "format": apigw.DEFAULT_ACCESS_LOG_FORMAT}
    assert stage["tags"] == {"Project": "streamflix", "Environment": "unit"}
    [deployment] = aws_deployments(client, api["id"])
    assert deployment["id"] == stage["deploymentId"]
    assert deployment["description"] == apigw.fingerprint(apigw.desired_definition(BACKEND, ["/content", "/{proxy+}"]))
    assert client.get_account()["cloudwatchRoleArn"] == ROLE_ARN

    assert result["rest_api"]["id"] == api["id"]
    assert result["rest_api"]["root_resource_id"] == api["rootResourceId"]
    assert result["rest_api"]["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert result["rest_api"]["routes"] == {"/content": BACKEND + "/content", "/{proxy+}": BACKEND + "/{proxy}"}
    assert result["stage"]["invoke_url"] == "https://{0}.execute-api.{1}.amazonaws.com/prod".format(api["id"], REGION)
    assert result["stage"]["deployment_id"] == stage["deploymentId"]
    assert result["stage"]["throttling"] == {"burst_limit": 5000, "rate_limit": 2000.0}
    assert result["stage"]["access_log_settings"]["destination_arn"] == LOG_GROUP_ARN
    assert result["diff"]["before"] == {"rest_api": {}, "stage": {}}
    assert result["diff"]["after"]["stage"]["tracing_enabled"] is True


def test_idempotent(client):
    first = run_module(api_gateway_rest_api, args())
    second = run_module(api_gateway_rest_api, args())
    assert second["changed"] is False, second["changes"]
    assert second["changes"] == []
    assert second["deployment_created"] is False
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["rest_api"] == first["rest_api"]
    assert second["stage"] == first["stage"]
    assert len(aws_deployments(client, first["rest_api"]["id"])) == 1
    assert run_module(api_gateway_rest_api, args(), check_mode=True)["changed"] is False


def test_stage_settings_change_in_place_without_deploying(client):
    first = run_module(api_gateway_rest_api, args())
    api_id = first["rest_api"]["id"]
    result = run_module(api_gateway_rest_api, args(throttling_rate_limit=500, tracing_enabled=False))
    assert result["changed"] is True
    assert result["deployment_created"] is False
    assert sorted(result["changes"]) == ["update stage /*/*/throttling/rateLimit", "update stage /tracingEnabled"]
    stage = client.get_stage(restApiId=api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 500.0
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 5000
    assert stage["tracingEnabled"] is False
    assert stage["deploymentId"] == first["stage"]["deployment_id"]
    assert len(aws_deployments(client, api_id)) == 1
    assert result["diff"]["before"]["stage"]["throttling"]["rate_limit"] == 2000.0
    assert result["diff"]["after"]["stage"]["throttling"]["rate_limit"] == 500.0


def recorded_calls(operation):
    """Patch botocore to record the parameters of every ``operation`` call; returns (patcher, calls)."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, name, params):
        if name == operation:
            calls.append(params)
        return original(self, name, params)

    return mock.patch.object(botocore.client.BaseClient, "_make_api_call", record), calls


def test_only_changed_settings_are_sent(client):
    run_module(api_gateway_rest_api, args())
    patcher, sent = recorded_calls("UpdateStage")
    with patcher:
        run_module(api_gateway_rest_api, args(throttling_burst_limit=100))
    assert [call["patchOperations"] for call in sent] == [
        [{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"}]
    ]
    assert client.get_stage(restApiId=aws_api(client)["id"], stageName="prod")["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100


def test_check_mode_makes_no_changing_call(client):
    run_module(api_gateway_rest_api, args())
    changing = ("Create", "Put", "Update", "Delete", "Tag", "Untag")
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, name, params):
        calls.append(name)
        return original(self, name, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        result = run_module(api_gateway_rest_api, args(routes=["/x"], throttling_burst_limit=1, tags={"A": "b"}), check_mode=True)
    assert result["changed"] is True
    assert [name for name in calls if name.startswith(changing)] == []


def test_definition_change_redeploys_and_purges(client):
    first = run_module(api_gateway_rest_api, args())
    api_id = first["rest_api"]["id"]
    # Something undeclared added by hand: a resource and a method on a declared resource.
    root = aws_api(client)["rootResourceId"]
    stray = client.create_resource(restApiId=api_id, parentId=root, pathPart="stray")["id"]
    client.create_resource(restApiId=api_id, parentId=stray, pathPart="child")
    content_id = [i["id"] for i in client.get_resources(restApiId=api_id)["items"] if i["path"] == "/content"][0]
    client.put_method(restApiId=api_id, resourceId=content_id, httpMethod="GET", authorizationType="NONE")

    result = run_module(api_gateway_rest_api, args(backend_url="http://new-alb.example.com", routes=["/{proxy+}", "/health"]))
    assert result["changed"] is True
    assert result["deployment_created"] is True
    definition = aws_definition(client, api_id)
    assert sorted(definition) == ["/", "/health", "/{proxy+}"]
    assert definition["/health"]["ANY"]["methodIntegration"]["uri"] == "http://new-alb.example.com/health"
    assert definition["/{proxy+}"]["ANY"]["methodIntegration"]["uri"] == "http://new-alb.example.com/{proxy}"
    stage = client.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] != first["stage"]["deployment_id"]
    deployments = aws_deployments(client, api_id)
    assert [d["id"] for d in deployments] == [stage["deploymentId"]]  # the old one, unused, is gone
    assert deployments[0]["description"] == apigw.fingerprint(
        apigw.desired_definition("http://new-alb.example.com", ["/{proxy+}", "/health"]))
    assert "delete resource /stray" in result["changes"]
    assert "delete resource /content" in result["changes"]
    assert run_module(api_gateway_rest_api, args(backend_url="http://new-alb.example.com",
                                                 routes=["/{proxy+}", "/health"]))["changed"] is False


def test_drift_in_working_definition_is_fixed_without_redeploy(client):
    first = run_module(api_gateway_rest_api, args())
    api_id = first["rest_api"]["id"]
    content_id = [i["id"] for i in client.get_resources(restApiId=api_id)["items"] if i["path"] == "/content"][0]
    client.put_integration(restApiId=api_id, resourceId=content_id, httpMethod="ANY", type="HTTP_PROXY",
                           integrationHttpMethod="ANY", uri="http://elsewhere/content")
    result = run_module(api_gateway_rest_api, args())
    assert result["changes"] == ["put integration ANY /content"]
    assert result["deployment_created"] is False  # the deployed snapshot already matches the declaration
    assert aws_definition(client, api_id)["/content"]["ANY"]["methodIntegration"]["uri"] == BACKEND + "/content"


def test_tags_change_and_purge(client):
    first = run_module(api_gateway_rest_api, args())
    api_id = first["rest_api"]["id"]
    result = run_module(api_gateway_rest_api, args(tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changed"] is True
    assert result["deployment_created"] is False
    expected = {"Project": "streamflix", "Owner": "media"}
    arn = apigw.rest_api_arn(REGION, api_id)
    assert client.get_tags(resourceArn=arn)["tags"] == expected
    assert client.get_tags(resourceArn=arn + "/stages/prod")["tags"] == expected
    assert result["rest_api"]["tags"] == expected and result["stage"]["tags"] == expected
    kept = run_module(api_gateway_rest_api, args(tags={"Extra": "x"}, purge_tags=False))
    assert kept["rest_api"]["tags"] == dict(expected, Extra="x")
    assert client.get_tags(resourceArn=arn)["tags"] == dict(expected, Extra="x")
    untouched = run_module(api_gateway_rest_api, args(tags=None))
    assert untouched["changed"] is False


def test_check_mode_create(client):
    result = run_module(api_gateway_rest_api, args(), check_mode=True)
    assert result["changed"] is True
    assert result["deployment_created"] is True
    assert aws_api(client) is None
    assert "cloudwatchRoleArn" not in client.get_account()
    assert result["rest_api"]["id"] is None
    assert result["rest_api"]["routes"] == {"/content": BACKEND + "/content", "/{proxy+}": BACKEND + "/{proxy}"}
    assert result["stage"]["name"] == "prod"
    assert result["stage"]["throttling"] == {"burst_limit": 5000, "rate_limit": 2000.0}
    assert result["stage"]["tracing_enabled"] is True
    assert result["stage"]["invoke_url"] is None
    assert "create REST API " + NAME in result["changes"]


def test_check_mode_update(client):
    first = run_module(api_gateway_rest_api, args())
    api_id = first["rest_api"]["id"]
    result = run_module(api_gateway_rest_api, args(routes=["/{proxy+}"], throttling_burst_limit=10), check_mode=True)
    assert result["changed"] is True
    assert result["deployment_created"] is True
    assert result["stage"]["throttling"]["burst_limit"] == 10
    assert result["rest_api"]["routes"] == {"/{proxy+}": BACKEND + "/{proxy}"}
    assert sorted(aws_definition(client, api_id)) == ["/", "/content", "/{proxy+}"]
    stage = client.get_stage(restApiId=api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 5000
    assert stage["deploymentId"] == first["stage"]["deployment_id"]
    assert len(aws_deployments(client, api_id)) == 1


def test_new_stage_on_existing_api(client):
    first = run_module(api_gateway_rest_api, args())
    result = run_module(api_gateway_rest_api, args(stage_name="canary"))
    assert result["changed"] is True
    assert result["deployment_created"] is True
    api_id = first["rest_api"]["id"]
    assert client.get_stage(restApiId=api_id, stageName="prod")["deploymentId"] == first["stage"]["deployment_id"]
    assert client.get_stage(restApiId=api_id, stageName="canary")["methodSettings"]["*/*"]["throttlingBurstLimit"] == 5000
    assert len(aws_deployments(client, api_id)) == 2  # prod still serves the first


def test_unmanaged_settings_are_left_alone(client):
    run_module(api_gateway_rest_api, args())
    minimal = {"name": NAME, "backend_url": BACKEND, "routes": ["/content", "/{proxy+}"], "stage_name": "prod"}
    result = run_module(api_gateway_rest_api, minimal)
    assert result["changed"] is False, result["changes"]
    assert result["stage"]["access_log_settings"]["destination_arn"] == LOG_GROUP_ARN


def test_absent(client):
    run_module(api_gateway_rest_api, args())
    result = run_module(api_gateway_rest_api, {"name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert aws_api(client) is None
    assert result["rest_api"] == {} and result["stage"] == {}
    assert result["diff"]["before"]["rest_api"]["name"] == NAME
    assert result["diff"]["after"] == {"rest_api": {}, "stage": {}}
    again = run_module(api_gateway_rest_api, {"name": NAME, "state": "absent"})
    assert again["changed"] is False


def test_absent_check_mode(client):
    run_module(api_gateway_rest_api, args())
    result = run_module(api_gateway_rest_api, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert aws_api(client) is not None


def test_fails_on_ambiguous_name(client):
    client.create_rest_api(name=NAME)
    client.create_rest_api(name=NAME)
    result = fail_module(api_gateway_rest_api, args(tags=None))
    assert "2 REST APIs are named " + NAME in result["msg"]


def test_tags_disambiguate_same_name(client):
    client.create_rest_api(name=NAME, tags={"Environment": "other"})
    mine = client.create_rest_api(name=NAME, tags={"Project": "streamflix", "Environment": "unit"})
    result = run_module(api_gateway_rest_api, args())
    assert result["rest_api"]["id"] == mine["id"]


def test_fails_on_invalid_route(client):
    result = fail_module(api_gateway_rest_api, args(routes=["/{proxy+}/x"]))
    assert "Invalid routes" in result["msg"] and "last segment" in result["msg"]
    assert aws_api(client) is None


def test_logging_without_account_role_fails_with_hint(client):
    result = fail_module(api_gateway_rest_api, args(cloudwatch_role_arn=None))
    assert "cloudwatch_role_arn" in result["msg"]
    assert "CloudWatch Logs role ARN must be set" in str(result)


def test_required_options(client):
    result = fail_module(api_gateway_rest_api, {"name": NAME})
    assert "backend_url" in result["msg"] and "stage_name" in result["msg"]


# ---------------------------------------------------------------- WAFv2 web ACL association

WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/streamflix-web-acl-unit/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize(
    "arn, message",
    [
        ("", None),
        (WEB_ACL, None),
        (WEB_ACL.replace(":aws:", ":aws-cn:"), None),
        ("streamflix-web-acl-unit", "is not a WAFv2 web ACL ARN"),
        (WEB_ACL.replace("regional/webacl", "regional/ipset"), "is not a WAFv2 web ACL ARN"),
        (WEB_ACL.replace("regional/", "global/"), "CLOUDFRONT (global) web ACL"),
        (WEB_ACL.replace("us-east-1", "eu-west-2"), "is in region eu-west-2; the stage is in us-east-1"),
    ],
)
def test_validate_web_acl_arn(arn, message):
    if message is None:
        apigw.validate_web_acl_arn(arn, REGION)
    else:
        with pytest.raises(ValueError, match=re.escape(message)):
            apigw.validate_web_acl_arn(arn, REGION)


@pytest.mark.parametrize(
    "current, desired, action",
    [
        (None, None, None),
        (WEB_ACL, None, None),
        (None, "", None),
        (WEB_ACL, WEB_ACL, None),
        (None, WEB_ACL, "associate"),
        ("arn:other", WEB_ACL, "associate"),
        (WEB_ACL, "", "disassociate"),
    ],
)
def test_web_acl_action(current, desired, action):
    assert apigw.web_acl_action(current, desired) == action


@pytest.fixture
def waf(client):
    return boto3.client("wafv2", region_name=REGION)


def make_web_acl(waf, name):
    return waf.create_web_acl(
        Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
    )["Summary"]["ARN"]


def stage_resource_arn(api_id, stage="prod"):
    return "arn:aws:apigateway:{0}::/restapis/{1}/stages/{2}".format(REGION, api_id, stage)


def aws_web_acl_of(client, waf, api_id):
    stage_acl = client.get_stage(restApiId=api_id, stageName="prod").get("webAclArn")
    waf_acl = (waf.get_web_acl_for_resource(ResourceArn=stage_resource_arn(api_id)).get("WebACL") or {}).get("ARN")
    assert stage_acl == waf_acl
    return stage_acl


def test_web_acl_associate_idempotent_and_replace(client, waf):
    first_acl, second_acl = make_web_acl(waf, "unit-a"), make_web_acl(waf, "unit-b")
    result = run_module(api_gateway_rest_api, args(web_acl_arn=first_acl))
    api_id = result["rest_api"]["id"]
    assert result["changed"] is True
    assert "associate stage prod with web ACL " + first_acl in result["changes"]
    assert aws_web_acl_of(client, waf, api_id) == first_acl
    assert result["stage"]["web_acl_arn"] == first_acl
    assert result["diff"]["after"]["stage"]["web_acl_arn"] == first_acl

    again = run_module(api_gateway_rest_api, args(web_acl_arn=first_acl))
    assert again["changed"] is False, again["changes"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert run_module(api_gateway_rest_api, args(web_acl_arn=first_acl), check_mode=True)["changed"] is False
    assert run_module(api_gateway_rest_api, args())["changed"] is False  # omitted: left alone
    assert aws_web_acl_of(client, waf, api_id) == first_acl

    patcher, sent = recorded_calls("AssociateWebACL")
    with patcher:
        moved = run_module(api_gateway_rest_api, args(web_acl_arn=second_acl))
    assert sent == [{"WebACLArn": second_acl, "ResourceArn": stage_resource_arn(api_id)}]
    assert moved["changes"] == ["associate stage prod with web ACL " + second_acl]
    assert moved["deployment_created"] is False
    assert moved["diff"]["before"]["stage"]["web_acl_arn"] == first_acl
    assert moved["diff"]["after"]["stage"]["web_acl_arn"] == second_acl
    assert aws_web_acl_of(client, waf, api_id) == second_acl


def test_web_acl_disassociate_with_empty_string(client, waf):
    acl = make_web_acl(waf, "unit-a")
    api_id = run_module(api_gateway_rest_api, args(web_acl_arn=acl))["rest_api"]["id"]
    patcher, sent = recorded_calls("DisassociateWebACL")
    with patcher:
        result = run_module(api_gateway_rest_api, args(web_acl_arn=""))
    assert result["changed"] is True
    assert result["changes"] == ["disassociate stage prod from web ACL " + acl]
    assert sent == [{"ResourceArn": stage_resource_arn(api_id)}]
    assert aws_web_acl_of(client, waf, api_id) is None
    assert result["stage"]["web_acl_arn"] is None
    assert result["diff"]["before"]["stage"]["web_acl_arn"] == acl
    assert run_module(api_gateway_rest_api, args(web_acl_arn=""))["changed"] is False


def test_web_acl_check_mode(client, waf):
    acl = make_web_acl(waf, "unit-a")
    created = run_module(api_gateway_rest_api, args(web_acl_arn=acl), check_mode=True)
    assert created["changed"] is True
    assert created["stage"]["web_acl_arn"] == acl
    assert aws_api(client) is None

    api_id = run_module(api_gateway_rest_api, args())["rest_api"]["id"]
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, name, params):
        calls.append(name)
        return original(self, name, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        result = run_module(api_gateway_rest_api, args(web_acl_arn=acl), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["associate stage prod with web ACL " + acl]
    assert result["stage"]["web_acl_arn"] == acl
    assert result["diff"]["before"]["stage"]["web_acl_arn"] is None
    assert not [name for name in calls if name.startswith(("Associate", "Disassociate"))]
    assert aws_web_acl_of(client, waf, api_id) is None

    run_module(api_gateway_rest_api, args(web_acl_arn=acl))
    gone = run_module(api_gateway_rest_api, args(web_acl_arn=""), check_mode=True)
    assert gone["changed"] is True and gone["stage"]["web_acl_arn"] is None
    assert aws_web_acl_of(client, waf, api_id) == acl


def test_web_acl_invalid_arn_fails_before_any_change(client, waf):
    result = fail_module(api_gateway_rest_api, args(web_acl_arn=WEB_ACL.replace("regional/", "global/")))
    assert "REGIONAL" in result["msg"]
    assert aws_api(client) is None


def test_web_acl_unknown_fails_with_hint(client, waf):
    result = fail_module(api_gateway_rest_api, args(web_acl_arn=WEB_ACL))
    assert "Could not associate stage prod" in result["msg"] and "REGIONAL web ACL in us-east-1" in result["msg"]
    assert "WAFNonexistentItemException" in str(result)


def test_web_acl_released_when_api_deleted(client, waf):
    acl = make_web_acl(waf, "unit-a")
    api_id = run_module(api_gateway_rest_api, args(web_acl_arn=acl))["rest_api"]["id"]
    run_module(api_gateway_rest_api, {"name": NAME, "state": "absent", "web_acl_arn": acl})
    assert waf.get_web_acl_for_resource(ResourceArn=stage_resource_arn(api_id)).get("WebACL") is None
    summary = waf.list_web_acls(Scope="REGIONAL")["WebACLs"][0]
    waf.delete_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"], LockToken=summary["LockToken"])


class _AccountClient:
    """A stand-in API Gateway client whose UpdateAccount fails with ``errors`` first."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    def update_account(self, patchOperations):
        self.calls += 1
        if self.errors:
            message = self.errors.pop(0)
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "BadRequestException", "Message": message}}, "UpdateAccount"
            )
        return {"cloudwatchRoleArn": patchOperations[0]["value"]}


def test_update_account_role_waits_for_a_new_role():
    fake = _AccountClient(["The role ARN does not have required permissions set to API Gateway"])
    with mock.patch("time.sleep"):
        api_gateway_rest_api.update_account_role(fake, ROLE_ARN)
    assert fake.calls == 2


def test_update_account_role_other_bad_request_fails_at_once():
    fake = _AccountClient(["Invalid ARN specified in the request"])
    with mock.patch("time.sleep"), pytest.raises(botocore.exceptions.ClientError, match="Invalid ARN"):
        api_gateway_rest_api.update_account_role(fake, ROLE_ARN)
    assert fake.calls == 1


# ---------------------------------------------------------------- API keys, usage plan, backend header

KEYS_SECRET = "streamflix-unit-api-keys"
HEADER_SECRET = "streamflix-unit-origin-verify"
KEY_VALUES = {"primary": "p" * 40, "secondary": "s" * 40}
HEADER_VALUE = "H" * 64


@pytest.fixture
def secrets(client):
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name=KEYS_SECRET, SecretString=json.dumps(KEY_VALUES))
    sm.create_secret(Name=HEADER_SECRET, SecretString=HEADER_VALUE)
    return sm


def guarded(**extra):
    return args(
        routes=["/", "/content", "/{proxy+}"], api_key_required=True, usage_plan_name=NAME, api_keys_secret_id=KEYS_SECRET,
        backend_header_name="X-Origin-Verify", backend_header_secret_id=HEADER_SECRET, **extra
    )


def aws_usage_plan(client):
    plans = [plan for plan in client.get_usage_plans()["items"] if plan["name"] == NAME]
    assert len(plans) <= 1
    return plans[0] if plans else None


def aws_keys(client):
    return {key["name"]: key for key in client.get_api_keys(includeValues=True)["items"] if key["name"].startswith(NAME + "-")}


def test_backend_headers_are_static_quoted_parameters():
    method = apigw.desired_definition(BACKEND, ["/{proxy+}"], True, {"X-Origin-Verify": "abc"})["/{proxy+}"]
    assert method["api_key_required"] is True
    assert method["integration"]["request_parameters"] == {
        "integration.request.path.proxy": "method.request.path.proxy",
        "integration.request.header.X-Origin-Verify": "'abc'",
    }


@pytest.mark.parametrize("headers, message", [
    ({"X Bad": "abc"}, "not an HTTP header name"),
    ({"X-Origin-Verify": "it's"}, "X-Origin-Verify must be 1 to 128"),
    ({"X-Origin-Verify": ""}, "X-Origin-Verify must be 1 to 128"),
    ({"X-Origin-Verify": "a" * 129}, "X-Origin-Verify must be 1 to 128"),
])
def test_backend_headers_refused_without_naming_the_value(headers, message):
    with pytest.raises(ValueError, match=message) as error:
        apigw.desired_definition(BACKEND, ["/"], backend_headers=headers)
    assert "it's" not in str(error.value)


@pytest.mark.parametrize("current, desired, expected", [
    ({}, {"a": "v1"}, {"create": ["a"], "replace": [], "enable": [], "delete": []}),
    ({"a": {"value": "v1", "enabled": True}}, {"a": "v1"}, {"create": [], "replace": [], "enable": [], "delete": []}),
    ({"a": {"value": "v0", "enabled": True}}, {"a": "v1"}, {"create": [], "replace": ["a"], "enable": [], "delete": []}),
    ({"a": {"value": "v1", "enabled": False}}, {"a": "v1"}, {"create": [], "replace": [], "enable": ["a"], "delete": []}),
    ({"a": {"value": "v1", "enabled": True}, "b": {"value": "x"}}, {"a": "v1"},
     {"create": [], "replace": [], "enable": [], "delete": ["b"]}),
    # rotate.yml's key of the rotated-out value stays for the overlap; one of a key no longer declared goes
    ({"a": {"value": "v1", "enabled": True}, "a-previous": {"value": "v0"}, "b-previous": {"value": "x"}}, {"a": "v1"},
     {"create": [], "replace": [], "enable": [], "delete": ["b-previous"]}),
])
def test_plan_api_keys(current, desired, expected):
    assert apigw.plan_api_keys(current, desired) == expected


@pytest.mark.parametrize("plan, expected", [
    ({"throttle": {"burstLimit": 100, "rateLimit": 50.0}, "apiStages": [{"apiId": "a1", "stage": "v1"}]}, []),
    ({"throttle": {"burstLimit": 10, "rateLimit": 50.0}, "apiStages": [{"apiId": "a1", "stage": "v1"}]},
     [{"op": "replace", "path": "/throttle/burstLimit", "value": "100"}]),
    ({"apiStages": [{"apiId": "old", "stage": "v1"}]},
     [{"op": "replace", "path": "/throttle/burstLimit", "value": "100"},
      {"op": "replace", "path": "/throttle/rateLimit", "value": "50.0"},
      {"op": "remove", "path": "/apiStages", "value": "old:v1"},
      {"op": "add", "path": "/apiStages", "value": "a1:v1"}]),
])
def test_usage_plan_patch_operations(plan, expected):
    assert apigw.usage_plan_patch_operations(plan, 100, 50, "a1:v1") == expected


def test_guarded_api_requires_keys_sends_the_header_and_has_a_root_method(client, secrets):
    result = run_module(api_gateway_rest_api, guarded())
    api = aws_api(client)
    definition = aws_definition(client, api["id"])
    for path in ("/", "/content", "/{proxy+}"):
        method = definition[path]["ANY"]
        assert method["apiKeyRequired"] is True, path
        assert method["methodIntegration"]["requestParameters"]["integration.request.header.X-Origin-Verify"] == "'{0}'".format(HEADER_VALUE)
    assert definition["/"]["ANY"]["methodIntegration"]["uri"] == BACKEND + "/"

    plan = aws_usage_plan(client)
    assert plan["throttle"] == {"burstLimit": 5000, "rateLimit": 2000.0}
    assert plan["apiStages"] == [{"apiId": api["id"], "stage": "prod"}]
    keys = aws_keys(client)
    assert {name: key["value"] for name, key in keys.items()} == {NAME + "-primary": "p" * 40, NAME + "-secondary": "s" * 40}
    assert all(key["enabled"] for key in keys.values())
    attached = {key["id"] for key in client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]}
    assert attached == {key["id"] for key in keys.values()}
    assert result["usage_plan"]["api_keys"] == [NAME + "-primary", NAME + "-secondary"]
    # No secret value in what the module returns.
    text = json.dumps(result)
    assert HEADER_VALUE not in text and "p" * 40 not in text and "s" * 40 not in text

    again = run_module(api_gateway_rest_api, guarded())
    assert again["changed"] is False, again["changes"]
    assert run_module(api_gateway_rest_api, guarded(), check_mode=True)["changed"] is False


def test_usage_plan_follows_the_stage_throttling_and_a_rotated_key_is_replaced(client, secrets):
    run_module(api_gateway_rest_api, guarded())
    old_ids = {name: key["id"] for name, key in aws_keys(client).items()}
    secrets.put_secret_value(SecretId=KEYS_SECRET, SecretString=json.dumps(dict(KEY_VALUES, secondary="n" * 40)))
    planned = run_module(api_gateway_rest_api, guarded(throttling_burst_limit=300, throttling_rate_limit=120.5), check_mode=True)
    assert planned["changed"] is True and aws_usage_plan(client)["throttle"]["burstLimit"] == 5000
    assert aws_keys(client)[NAME + "-secondary"]["value"] == "s" * 40

    result = run_module(api_gateway_rest_api, guarded(throttling_burst_limit=300, throttling_rate_limit=120.5))
    assert "replace (value rotated) API key {0}-secondary".format(NAME) in result["changes"]
    plan = aws_usage_plan(client)
    assert plan["throttle"] == {"burstLimit": 300, "rateLimit": 120.5}
    keys = aws_keys(client)
    assert keys[NAME + "-secondary"]["value"] == "n" * 40 and keys[NAME + "-secondary"]["id"] != old_ids[NAME + "-secondary"]
    assert keys[NAME + "-primary"]["id"] == old_ids[NAME + "-primary"]
    attached = {key["id"] for key in client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]}
    assert attached == {key["id"] for key in keys.values()}
    assert run_module(api_gateway_rest_api, guarded(throttling_burst_limit=300, throttling_rate_limit=120.5))["changed"] is False


def test_absent_removes_usage_plan_and_keys(client, secrets):
    run_module(api_gateway_rest_api, guarded())
    planned = run_module(api_gateway_rest_api, {"name": NAME, "usage_plan_name": NAME, "state": "absent"}, check_mode=True)
    assert planned["changed"] is True and aws_usage_plan(client) is not None
    result = run_module(api_gateway_rest_api, {"name": NAME, "usage_plan_name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert aws_api(client) is None and aws_usage_plan(client) is None and aws_keys(client) == {}
    assert run_module(api_gateway_rest_api, {"name": NAME, "usage_plan_name": NAME, "state": "absent"})["changed"] is False


def test_missing_secret_fails_naming_it(client):
    message = fail_module(api_gateway_rest_api, guarded())["msg"]
    assert HEADER_SECRET in message or KEYS_SECRET in message
    assert aws_api(client) is None


def test_check_mode_plans_guarded_api_before_its_secrets_exist(client):
    result = run_module(api_gateway_rest_api, guarded(), check_mode=True)
    assert result["changed"] is True and aws_api(client) is None and aws_usage_plan(client) is None
    assert "create usage plan {0}".format(NAME) in result["changes"]
