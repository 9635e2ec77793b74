"""EC2 fills (moto 5.2.5).

- UpdateSecurityGroupRuleDescriptionsIngress / ...Egress answer with an empty body; the AWS API
  reference returns ``Return`` (true when the call succeeds), which amazon.aws ec2_security_group reads.
  The fill keeps moto's rule handling (and its errors for unknown groups or rules) and adds ``Return``.
- DescribeTags names NAT gateways ``nat-gateway`` and flow logs ``flow-logs``; the AWS API reference
  (DescribeTags, filter ``resource-type``) names them ``natgateway`` and ``vpc-flow-log``, and
  amazon.aws filters on those, so moto's tags were invisible to it and every re-run re-tagged.
- A rule that references a security group (UserIdGroupPairs) is the same rule whatever its description: moto
  compared the description too, so UpdateSecurityGroupRuleDescriptions* never found such a rule (the description
  stayed), a revoke without the description missed it, and a second authorize with another description was
  accepted as a new rule. AWS identifies a rule by protocol, ports and source only ("If the security group rule
  has a description, you do not need to specify the description to revoke the rule"; a duplicate is
  ``InvalidPermission.Duplicate``). The fill compares referenced groups without their ``Description``.
- CreateVpc: the VPC's default security group had only its egress rule; AWS gives it an inbound rule that
  allows all traffic from the group itself as well ("A default security group ... includes a default rule that
  grants instances unrestricted network access to each other", CreateSecurityGroup), so stripping it is real work.

Reference: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsIngress.html
"""

from __future__ import annotations

import inspect

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ec2.models import vpcs as ec2_vpcs
from moto.ec2.models import tags as ec2_tags
from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend
from moto.ec2.models.route_tables import RouteBackend
from moto.ec2.responses.security_groups import SecurityGroups

from ..model import MODEL, timed_attribute
from . import patch


def _returning_true(operation: str):
    def fill(self: SecurityGroups) -> ActionResult:
        fill.original(self)  # raises the AWS error for an unknown group or rule
        return ActionResult({"Return": True})

    fill.__name__ = operation
    return fill


def apply() -> None:
    for operation in ("update_security_group_rule_descriptions_ingress", "update_security_group_rule_descriptions_egress"):
        patch(SecurityGroups, operation, _returning_true(operation))
    apply_tag_resource_types()
    apply_latency_model()
    apply_rule_identity()
    patch(ec2_vpcs.VPCBackend, "create_vpc", _create_vpc)


def _create_vpc(self, *args, **kwargs):
    vpc = _create_vpc.original(self, *args, **kwargs)
    default = self.get_security_group_from_name("default", vpc_id=vpc.id)
    if default is not None and not default.ingress_rules:
        self.authorize_security_group_ingress(
            default.id, "-1", None, None, [], source_groups=[{"GroupId": default.id}], vpc_id=vpc.id
        )
    return vpc


def _without_description(source_group: dict) -> dict:
    return {key: value for key, value in (source_group or {}).items() if key != "Description"}


def _rule_identity(rule) -> tuple:
    """What makes a rule itself on AWS: protocol, ports (none for all traffic) and the one source."""
    ports = None if rule.ip_protocol == "-1" else (rule.from_port, rule.to_port)
    source = (rule.ip_range.get("CidrIp"), rule.ip_range.get("CidrIpv6"), _without_description(rule.source_group), rule.prefix_list_id)
    return rule.ip_protocol, ports, source


def apply_rule_identity() -> None:
    def __eq__(self, other) -> bool:  # noqa: N807 - the model's equality
        return _rule_identity(self) == _rule_identity(other)

    patch(ec2_security_groups.SecurityGroupRule, "__eq__", __eq__)


# DescribeTags resource-type names that differ from moto's, by id prefix.
AWS_TAG_RESOURCE_TYPES = {"nat": "natgateway", "fl": "vpc-flow-log"}


def apply_tag_resource_types() -> None:
    corrected = dict(ec2_tags.EC2_PREFIX_TO_RESOURCE)
    corrected.update(AWS_TAG_RESOURCE_TYPES)
    patch(ec2_tags, "EC2_PREFIX_TO_RESOURCE", corrected)


# --------------------------------------------------------------------------- latency model
# A NAT gateway is "pending" after CreateNatGateway, then "available"; "deleting" after DeleteNatGateway, then
# "deleted" (the states of DescribeNatGateways). For the first moments after its creation EC2 does not know its
# id yet (eventual consistency): botocore's NatGatewayAvailable waiter retries DescribeNatGateways on
# NatGatewayNotFound, and CreateRoute has answered InvalidNatGatewayID.NotFound "The natGateway ID '<id>' does not
# exist" (boto/boto3#779). Lookups by filter are not modelled (they list it).


class NatGatewayNotFound(EC2ClientError):
    def __init__(self, nat_gateway_id: str):
        super().__init__("NatGatewayNotFound", f"NAT gateway {nat_gateway_id} was not found")


class InvalidNatGatewayIdNotFound(EC2ClientError):
    def __init__(self, nat_gateway_id: str):
        super().__init__("InvalidNatGatewayID.NotFound", f"The natGateway ID '{nat_gateway_id}' does not exist")


def create_nat_gateway(self: NatGatewayBackend, *args, **kwargs) -> NatGateway:
    gateway = create_nat_gateway.original(self, *args, **kwargs)
    MODEL.born(gateway)
    MODEL.start(gateway, "state", [("pending", "nat_gateway.pending")], final="available", at_least=MODEL.consistency_seconds)
    return gateway


def delete_nat_gateway(self: NatGatewayBackend, nat_gateway_id: str) -> NatGateway:
    gateway = delete_nat_gateway.original(self, nat_gateway_id)
    MODEL.start(gateway, "state", [("deleting", "nat_gateway.deleting")], final="deleted")
    return gateway


def describe_nat_gateways(self: NatGatewayBackend, filters, nat_gateway_ids):
    for nat_gateway_id in nat_gateway_ids or []:
        gateway = self.nat_gateways.get(nat_gateway_id)
        if gateway is not None and MODEL.invisible(gateway):
            raise NatGatewayNotFound(nat_gateway_id)
    return describe_nat_gateways.original(self, filters, nat_gateway_ids)


def _routing_to_a_known_gateway(operation: str):
    def fill(self: RouteBackend, *args, **kwargs):
        arguments = inspect.signature(fill.original).bind(self, *args, **kwargs).arguments
        nat_gateway_id = arguments.get("nat_gateway_id")
        gateway = self.nat_gateways.get(nat_gateway_id) if nat_gateway_id else None
        if gateway is not None and MODEL.invisible(gateway):
            raise InvalidNatGatewayIdNotFound(nat_gateway_id)
        return fill.original(self, *args, **kwargs)

    fill.__name__ = operation
    return fill


def apply_latency_model() -> None:
    timed_attribute(NatGateway, "state")
    patch(NatGatewayBackend, "create_nat_gateway", create_nat_gateway, layer="latency")
    patch(NatGatewayBackend, "delete_nat_gateway", delete_nat_gateway, layer="latency")
    patch(NatGatewayBackend, "describe_nat_gateways", describe_nat_gateways, layer="latency")
    for operation in ("create_route", "replace_route"):
        patch(RouteBackend, operation, _routing_to_a_known_gateway(operation), layer="latency")
