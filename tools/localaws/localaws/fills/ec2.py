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

from moto.core.responses import ActionResult
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ec2.models import vpcs as ec2_vpcs
from moto.ec2.models import tags as ec2_tags
from moto.ec2.responses.security_groups import SecurityGroups

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
