"""WAFv2 fills (moto 5.2.5): web ACL associations with API Gateway stages.

- AssociateWebACL adds the resource to the new web ACL and leaves it in the web ACL it had, so
  GetWebACLForResource still answers the old one (and the same ARN can be listed twice). AWS: a resource has
  at most one web ACL; associating it with another replaces the association.
- AssociateWebACL with the ARN of an API Gateway stage that does not exist succeeds. AWS:
  WAFNonexistentItemException.
- moto recognises a stage ARN only when the stage name is alphanumeric (``[a-zA-Z0-9]+``): for a stage
  such as ``prod-eu`` or ``v_1`` the stage's ``webAclArn`` (GetStage) is never set or cleared. AWS stage
  names may hold letters, digits, ``-`` and ``_``.
- DeleteWebACL deletes a web ACL that is still associated with resources. AWS: WAFAssociatedItemException
  ("Before deleting any web ACL, first disassociate it from all resources").
- ListResourcesForWebACL is not implemented. AWS lists the web ACL's associated resources of one
  ``ResourceType`` (default ``APPLICATION_LOAD_BALANCER``: so without a type only load balancers are listed);
  WAFNonexistentItemException for an unknown web ACL.
- (DeleteRestApi / DeleteStage removing the stage's association is in the apigateway fill, which owns those
  operations.)

References: https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html,
API_DeleteWebACL.html, API_DisassociateWebACL.html, API_ListResourcesForWebACL.html;
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html (stageName).
"""

from __future__ import annotations

import json
import re

from moto.apigateway.models import apigateway_backends
from moto.wafv2.exceptions import WAFNonexistentItemException, WAFv2ClientError
from moto.wafv2.models import WAFV2Backend, make_arn_for_wacl, wafv2_backends
from moto.wafv2.responses import WAFV2Response

from . import patch

_STAGE_ARN = re.compile(
    r"^arn:[a-z-]+:apigateway:(?P<region>[a-z0-9-]+)::/restapis/(?P<api>[A-Za-z0-9]+)/stages/(?P<stage>[A-Za-z0-9_-]+)$"
)


class WAFAssociatedItemException(WAFv2ClientError):
    def __init__(self) -> None:
        super().__init__(
            "WAFAssociatedItemException",
            "AWS WAF couldn’t perform the operation because your resource is being used by another resource "
            "or it’s associated with another resource.",
        )


def _stage(account_id: str, resource_arn: str):
    """The API Gateway stage an ARN names; None for other ARNs; WAFNonexistentItemException if it is gone."""
    match = _STAGE_ARN.match(resource_arn)
    if match is None:
        return None
    backend = apigateway_backends[account_id][match.group("region")]
    api = backend.apis.get(match.group("api"))
    stage = api.stages.get(match.group("stage")) if api is not None else None
    if stage is None:
        raise WAFNonexistentItemException()
    return stage


def forget_associations(account_id: str, resource_arns: set[str]) -> None:
    """Remove resources from every web ACL's associations (all regions of the account)."""
    account = wafv2_backends[account_id]
    for region in list(account.keys()):
        for wacl in account[region].wacls.values():
            wacl.associated_resources = [arn for arn in wacl.associated_resources if arn not in resource_arns]


def associate_web_acl(self: WAFV2Backend, web_acl_arn: str, resource_arn: str) -> None:
    web_acl = self.wacls.get(web_acl_arn)
    if not web_acl:
        raise WAFNonexistentItemException()
    stage = _stage(self.account_id, resource_arn)
    forget_associations(self.account_id, {resource_arn})
    web_acl.associated_resources.append(resource_arn)
    if stage is not None:
        stage.web_acl_arn = web_acl_arn


def disassociate_web_acl(self: WAFV2Backend, resource_arn: str) -> None:
    try:
        stage = _stage(self.account_id, resource_arn)
    except WAFNonexistentItemException:
        stage = None
    forget_associations(self.account_id, {resource_arn})
    if stage is not None:
        stage.web_acl_arn = None


def delete_web_acl(self: WAFV2Backend, name: str, scope: str, _id: str, lock_token: str) -> None:
    arn = make_arn_for_wacl(name=name, account_id=self.account_id, region_name=self.region_name, _id=_id, scope=scope)
    wacl = self.wacls.get(arn)
    if wacl is not None and wacl.lock_token == lock_token and wacl.associated_resources:
        raise WAFAssociatedItemException()
    return delete_web_acl.original(self, name, scope, _id, lock_token)


# ResourceType -> what its ARNs look like (API_ListResourcesForWebACL.html).
_RESOURCE_TYPES = {
    "APPLICATION_LOAD_BALANCER": re.compile(r"^arn:[a-z-]+:elasticloadbalancing:[^:]+:[0-9]{12}:loadbalancer/app/"),
    "API_GATEWAY": re.compile(r"^arn:[a-z-]+:apigateway:"),
    "APPSYNC": re.compile(r"^arn:[a-z-]+:appsync:"),
    "COGNITO_USER_POOL": re.compile(r"^arn:[a-z-]+:cognito-idp:"),
    "APP_RUNNER_SERVICE": re.compile(r"^arn:[a-z-]+:apprunner:"),
    "VERIFIED_ACCESS_INSTANCE": re.compile(r"^arn:[a-z-]+:ec2:[^:]+:[0-9]{12}:verified-access-instance/"),
    "AMPLIFY": re.compile(r"^arn:[a-z-]+:amplify:"),
}


def list_resources_for_web_acl(self: WAFV2Response):
    body = json.loads(self.body)
    web_acl = self.wafv2_backend.wacls.get(body["WebACLArn"])
    if web_acl is None:
        raise WAFNonexistentItemException()
    pattern = _RESOURCE_TYPES.get(body.get("ResourceType") or "APPLICATION_LOAD_BALANCER")
    if pattern is None:
        raise WAFv2ClientError("WAFInvalidParameterException", "The ResourceType is not valid.")
    arns = [arn for arn in web_acl.associated_resources if pattern.match(arn)]
    return 200, {"Content-Type": "application/json"}, json.dumps({"ResourceArns": arns})


def apply() -> None:
    patch(WAFV2Response, "list_resources_for_web_acl", list_resources_for_web_acl)
    patch(WAFV2Backend, "associate_web_acl", associate_web_acl)
    patch(WAFV2Backend, "disassociate_web_acl", disassociate_web_acl)
    patch(WAFV2Backend, "delete_web_acl", delete_web_acl)
