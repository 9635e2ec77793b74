"""EC2 fills (moto 5.2.5).

- UpdateSecurityGroupRuleDescriptionsIngress / ...Egress answer with an empty body; the AWS API
  reference returns ``Return`` (true when the call succeeds), which amazon.aws ec2_security_group reads.
  The fill keeps moto's rule handling (and its errors for unknown groups or rules) and adds ``Return``.
- DescribeTags names NAT gateways ``nat-gateway`` and flow logs ``flow-logs``; the AWS API reference
  (DescribeTags, filter ``resource-type``) names them ``natgateway`` and ``vpc-flow-log``, and
  amazon.aws filters on those, so moto's tags were invisible to it and every re-run re-tagged.

Reference: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsIngress.html
"""

from __future__ import annotations

from moto.core.responses import ActionResult
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


# DescribeTags resource-type names that differ from moto's, by id prefix.
AWS_TAG_RESOURCE_TYPES = {"nat": "natgateway", "fl": "vpc-flow-log"}


def apply_tag_resource_types() -> None:
    corrected = dict(ec2_tags.EC2_PREFIX_TO_RESOURCE)
    corrected.update(AWS_TAG_RESOURCE_TYPES)
    patch(ec2_tags, "EC2_PREFIX_TO_RESOURCE", corrected)
