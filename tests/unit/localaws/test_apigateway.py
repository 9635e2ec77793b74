"""API Gateway (REST API) fills: tags on REST APIs, resource/method conflicts, UpdateStage validation."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

OTHER_REGION = "eu-west-3"  # an account (region) whose CloudWatch role the tests never set


@pytest.fixture
def apigw(client):
    return client("apigateway")


@pytest.fixture
def api(apigw, name):
    created = apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]}, tags={"Project": "streamflix"})
    return {"id": created["id"], "root": created["rootResourceId"]}


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def api_arn(api_id, region="us-east-1"):
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}"


def deployed_stage(apigw, api, stage="live"):
    apigw.put_method(restApiId=api["id"], resourceId=api["root"], httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api["id"], resourceId=api["root"], httpMethod="ANY", type="HTTP_PROXY",
        integrationHttpMethod="ANY", uri="http://backend.example.com/",
    )
    deployment = apigw.create_deployment(restApiId=api["id"], description="d1")["id"]
    apigw.create_stage(restApiId=api["id"], stageName=stage, deploymentId=deployment)
    return deployment


def test_rest_api_tags(apigw, api):
    arn = api_arn(api["id"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"Project": "streamflix"}
    apigw.tag_resource(resourceArn=arn, tags={"Env": "t", "Owner": "x"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["Owner"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"Project": "streamflix", "Env": "t"}
    assert apigw.get_rest_api(restApiId=api["id"])["tags"] == {"Project": "streamflix", "Env": "t"}


def test_stage_tags_still_work(apigw, api):
    deployed_stage(apigw, api)
    arn = api_arn(api["id"]) + "/stages/live"
    apigw.tag_resource(resourceArn=arn, tags={"Env": "t", "Owner": "x"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["Owner"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"Env": "t"}
    assert apigw.get_tags(resourceArn=api_arn(api["id"]))["tags"] == {"Project": "streamflix"}


def test_tags_of_unknown_api(apigw):
    with pytest.raises(ClientError) as excinfo:
        apigw.get_tags(resourceArn=api_arn("nope123456"))
    assert error_of(excinfo) == ("NotFoundException", 404)


def test_delete_unknown_rest_api(apigw, api):
    apigw.delete_rest_api(restApiId=api["id"])
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_rest_api(restApiId=api["id"])
    assert error_of(excinfo) == ("NotFoundException", 404)


def test_duplicate_resource_conflicts(apigw, api):
    apigw.create_resource(restApiId=api["id"], parentId=api["root"], pathPart="content")
    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api["id"], parentId=api["root"], pathPart="content")
    assert error_of(excinfo) == ("ConflictException", 409)


def test_delete_resource_takes_its_descendants(apigw, api):
    parent = apigw.create_resource(restApiId=api["id"], parentId=api["root"], pathPart="a")["id"]
    child = apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart="b")["id"]
    apigw.create_resource(restApiId=api["id"], parentId=child, pathPart="c")
    apigw.delete_resource(restApiId=api["id"], resourceId=parent)
    paths = [item["path"] for item in apigw.get_resources(restApiId=api["id"])["items"]]
    assert paths == ["/"]


def test_root_resource_cannot_be_deleted(apigw, api):
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_resource(restApiId=api["id"], resourceId=api["root"])
    assert error_of(excinfo) == ("BadRequestException", 400)


def test_put_method_twice_conflicts_and_delete_unknown_method(apigw, api):
    apigw.put_method(restApiId=api["id"], resourceId=api["root"], httpMethod="ANY", authorizationType="NONE")
    with pytest.raises(ClientError) as excinfo:
        apigw.put_method(restApiId=api["id"], resourceId=api["root"], httpMethod="ANY", authorizationType="NONE")
    assert error_of(excinfo) == ("ConflictException", 409)
    apigw.delete_method(restApiId=api["id"], resourceId=api["root"], httpMethod="ANY")
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_method(restApiId=api["id"], resourceId=api["root"], httpMethod="ANY")
    assert error_of(excinfo) == ("NotFoundException", 404)


def test_get_unknown_deployment(apigw, api):
    with pytest.raises(ClientError) as excinfo:
        apigw.get_deployment(restApiId=api["id"], deploymentId="nope123456")
    assert error_of(excinfo) == ("NotFoundException", 404)


def test_update_stage_rejects_bad_paths_and_levels(apigw, api):
    deployed_stage(apigw, api)
    for op in (
        {"op": "replace", "path": "/bogus", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/bogus", "value": "1"},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "DEBUG"},
    ):
        with pytest.raises(ClientError) as excinfo:
            apigw.update_stage(restApiId=api["id"], stageName="live", patchOperations=[op])
        assert error_of(excinfo) == ("BadRequestException", 400), op
    stage = apigw.update_stage(
        restApiId=api["id"], stageName="live",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "50"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "20"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
        ],
    )
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 50
    assert stage["tracingEnabled"] is True


def test_logging_needs_the_account_cloudwatch_role(endpoint):
    apigw = boto3.client(
        "apigateway", region_name=OTHER_REGION, endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    created = apigw.create_rest_api(name="logging-role", endpointConfiguration={"types": ["REGIONAL"]})
    api = {"id": created["id"], "root": created["rootResourceId"]}
    deployed_stage(apigw, api)
    log_group = f"arn:aws:logs:{OTHER_REGION}:123456789012:log-group:/streamflix/t/api"
    for op in (
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": log_group},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"},
    ):
        with pytest.raises(ClientError) as excinfo:
            apigw.update_stage(restApiId=api["id"], stageName="live", patchOperations=[op])
        assert error_of(excinfo) == ("BadRequestException", 400), op
        assert "CloudWatch Logs role ARN must be set" in str(excinfo.value)
    # OFF needs no role.
    apigw.update_stage(
        restApiId=api["id"], stageName="live",
        patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "OFF"}],
    )
    apigw.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": "arn:aws:iam::123456789012:role/apigw-logs"}]
    )
    stage = apigw.update_stage(
        restApiId=api["id"], stageName="live",
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": log_group},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        ],
    )
    assert stage["accessLogSettings"] == {"destinationArn": log_group, "format": "$context.requestId"}
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"


def test_usage_plan_rate_limit_is_a_double(apigw, name):
    plan = apigw.create_usage_plan(name=name, throttle={"burstLimit": 10, "rateLimit": 5.0})
    updated = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "120.5"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "200"},
    ])
    assert updated["throttle"] == {"burstLimit": 200, "rateLimit": 120.5}
    assert apigw.get_usage_plan(usagePlanId=plan["id"])["throttle"]["rateLimit"] == 120.5
    with pytest.raises(ClientError) as excinfo:
        apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[{"op": "replace", "path": "/throttle/rateLimit", "value": "fast"}])
    assert error_of(excinfo)[0] == "BadRequestException"
