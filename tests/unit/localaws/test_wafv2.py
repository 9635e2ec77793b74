"""WAFv2 fills: one web ACL per resource, API Gateway stage associations, DeleteWebACL while associated."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

VISIBILITY = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}


@pytest.fixture
def waf(client):
    return client("wafv2")


@pytest.fixture
def apigw(client):
    return client("apigateway")


def web_acl(waf, name):
    return waf.create_web_acl(
        Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
    )["Summary"]


def stage(apigw, name, stage_name="v1"):
    api = apigw.create_rest_api(name=name)
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="ANY", type="HTTP_PROXY",
        integrationHttpMethod="ANY", uri="http://backend.example.com/",
    )
    deployment = apigw.create_deployment(restApiId=api["id"])["id"]
    apigw.create_stage(restApiId=api["id"], stageName=stage_name, deploymentId=deployment)
    return api["id"], f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}/stages/{stage_name}"


def code_of(excinfo):
    return excinfo.value.response["Error"]["Code"]


def delete(waf, summary):
    lock = waf.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["LockToken"]
    waf.delete_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"], LockToken=lock)


def test_associating_another_web_acl_replaces_the_association(waf, apigw, name):
    first, second = web_acl(waf, name + "a"), web_acl(waf, name + "b")
    api_id, arn = stage(apigw, name)
    waf.associate_web_acl(WebACLArn=first["ARN"], ResourceArn=arn)
    waf.associate_web_acl(WebACLArn=second["ARN"], ResourceArn=arn)
    assert waf.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]["ARN"] == second["ARN"]
    assert apigw.get_stage(restApiId=api_id, stageName="v1")["webAclArn"] == second["ARN"]
    delete(waf, first)  # no longer associated with anything


def test_stage_names_with_dash_and_underscore(waf, apigw, name):
    acl = web_acl(waf, name)
    api_id, arn = stage(apigw, name, "prod-eu_1")
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    assert apigw.get_stage(restApiId=api_id, stageName="prod-eu_1")["webAclArn"] == acl["ARN"]
    waf.disassociate_web_acl(ResourceArn=arn)
    assert "webAclArn" not in apigw.get_stage(restApiId=api_id, stageName="prod-eu_1")
    assert waf.get_web_acl_for_resource(ResourceArn=arn).get("WebACL") is None


def test_associating_an_unknown_stage_fails(waf, apigw, name):
    acl = web_acl(waf, name)
    api_id, arn = stage(apigw, name)
    with pytest.raises(ClientError) as excinfo:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn.replace("/stages/v1", "/stages/nope"))
    assert code_of(excinfo) == "WAFNonexistentItemException"
    with pytest.raises(ClientError) as excinfo:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn.replace(api_id, "zzzz999999"))
    assert code_of(excinfo) == "WAFNonexistentItemException"


def test_delete_web_acl_while_associated_fails_until_the_api_is_gone(waf, apigw, name):
    acl = web_acl(waf, name)
    api_id, arn = stage(apigw, name)
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    with pytest.raises(ClientError) as excinfo:
        delete(waf, acl)
    assert code_of(excinfo) == "WAFAssociatedItemException"
    apigw.delete_rest_api(restApiId=api_id)
    delete(waf, acl)
    assert acl["Id"] not in [item["Id"] for item in waf.list_web_acls(Scope="REGIONAL")["WebACLs"]]


def test_delete_stage_removes_its_association(waf, apigw, name):
    acl = web_acl(waf, name)
    api_id, arn = stage(apigw, name)
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    apigw.delete_stage(restApiId=api_id, stageName="v1")
    assert waf.get_web_acl_for_resource(ResourceArn=arn).get("WebACL") is None
    delete(waf, acl)


def test_unknown_web_acl_still_fails(waf, apigw, name):
    acl = web_acl(waf, name)
    dummy, arn = stage(apigw, name)
    with pytest.raises(ClientError) as excinfo:
        waf.associate_web_acl(WebACLArn=acl["ARN"].replace(acl["Id"], "00000000-0000-0000-0000-000000000000"), ResourceArn=arn)
    assert code_of(excinfo) == "WAFNonexistentItemException"


def test_list_resources_for_web_acl_by_resource_type(client, waf, apigw, vpc):
    acl = web_acl(waf, "list-" + vpc["id"][-6:])
    dummy, stage_arn = stage(apigw, "list-api")
    elbv2 = client("elbv2")
    alb = elbv2.create_load_balancer(Name="wl-" + vpc["id"][-8:], Subnets=vpc["subnets"][:2])["LoadBalancers"][0]["LoadBalancerArn"]
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"])["ResourceArns"] == []
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn)
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=alb)
    # Without a type AWS lists load balancers only.
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"])["ResourceArns"] == [alb]
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"], ResourceType="API_GATEWAY")["ResourceArns"] == [stage_arn]
    waf.disassociate_web_acl(ResourceArn=alb)
    assert waf.list_resources_for_web_acl(WebACLArn=acl["ARN"])["ResourceArns"] == []
    with pytest.raises(ClientError) as excinfo:
        waf.list_resources_for_web_acl(WebACLArn=acl["ARN"].replace(acl["Id"], "00000000-0000-0000-0000-000000000000"))
    assert code_of(excinfo) == "WAFNonexistentItemException"
