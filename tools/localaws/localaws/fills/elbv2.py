"""Elastic Load Balancing v2 fills (moto 5.2.5): load balancer attributes, deletion protection, the latency model.

- DescribeLoadBalancerAttributes leaves out ``access_logs.s3.enabled`` and
  ``routing.http.drop_invalid_header_fields.enabled`` until they are set. AWS lists every attribute of an
  Application Load Balancer with its default (``false``).
- DeleteLoadBalancer deletes a load balancer whose ``deletion_protection.enabled`` is ``true``. AWS:
  OperationNotPermitted ("Load balancer '<arn>' cannot be deleted because deletion protection is enabled").
- ModifyLoadBalancerAttributes turns access logs on for any bucket name. AWS checks the bucket before it accepts
  the attributes: InvalidConfigurationRequest when the bucket does not exist ("The specified bucket does not exist")
  or when its policy does not let Elastic Load Balancing write (``s3:PutObject``) under
  ``<prefix>/AWSLogs/<account>/`` ("Access Denied for bucket: <name>. Please check S3bucket permission"). The fill
  accepts an Allow statement for ``s3:PutObject`` (or ``s3:*``) to the region's ELB account root, or to the
  ``logdelivery.elasticloadbalancing.amazonaws.com`` service principal, whose resource covers that path.
- Latency model: a load balancer is "provisioning" after CreateLoadBalancer, then "active" (DescribeLoadBalancers,
  State.Code); moto makes it active on the first DescribeLoadBalancers. Under the model it stays provisioning for
  AWS's duration times the scale; nothing is refused meanwhile (AWS accepts listeners and target registrations on a
  provisioning load balancer).

References: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html,
API_DeleteLoadBalancer.html; https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer
from moto.s3.models import s3_backends

from ..model import MODEL, timed_attribute
from . import patch

_DEFAULTS = {
    "access_logs.s3.enabled": "false",
    "routing.http.drop_invalid_header_fields.enabled": "false",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


class OperationNotPermitted(ELBClientError):
    def __init__(self, arn: str) -> None:
        super().__init__(
            "OperationNotPermitted", "Load balancer '{0}' cannot be deleted because deletion protection is enabled".format(arn)
        )


class InvalidConfigurationRequest(ELBClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidConfigurationRequest", message)


def load_balancer_init(self: FakeLoadBalancer, *args: Any, **kwargs: Any) -> None:
    load_balancer_init.original(self, *args, **kwargs)
    if self.type == "application":
        for key, value in _DEFAULTS.items():
            self.attrs.setdefault(key, value)


def delete_load_balancer(self: ELBv2Backend, arn: str) -> None:
    balancer = self.load_balancers.get(arn)
    if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
        raise OperationNotPermitted(arn)
    return delete_load_balancer.original(self, arn)


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _lets_elb_write(policy: dict, bucket: str, path: str) -> bool:
    for statement in _listed(policy.get("Statement", [])):
        if statement.get("Effect") != "Allow" or statement.get("Condition"):
            continue
        actions = _listed(statement.get("Action", []))
        if not any(action in ("s3:PutObject", "s3:*", "*") for action in actions):
            continue
        principal = statement.get("Principal") or {}
        principal = principal if isinstance(principal, dict) else {}
        writers = _listed(principal.get("AWS", [])) + _listed(principal.get("Service", []))
        if not any(w == LOG_DELIVERY_SERVICE or (str(w).startswith("arn:aws:iam::") and str(w).endswith(":root")) for w in writers):
            continue
        resources = _listed(statement.get("Resource", []))
        if any(fnmatch.fnmatchcase("arn:aws:s3:::{0}/{1}".format(bucket, path), r) for r in resources):
            return True
    return False


def _check_log_bucket(account_id: str, bucket_name: str, prefix: str) -> None:
    bucket = s3_backends[account_id]["aws"].buckets.get(bucket_name)
    if bucket is None:
        raise InvalidConfigurationRequest("The specified bucket does not exist: {0}".format(bucket_name))
    policy = json.loads(bucket.policy) if bucket.policy else {}
    path = "{0}AWSLogs/{1}/elasticloadbalancing/test".format(prefix + "/" if prefix else "", account_id)
    if not _lets_elb_write(policy, bucket_name, path):
        raise InvalidConfigurationRequest("Access Denied for bucket: {0}. Please check S3bucket permission".format(bucket_name))


def modify_load_balancer_attributes(self: ELBv2Backend, arn: str, attrs: dict) -> dict:
    balancer = self.load_balancers.get(arn)
    if balancer is not None:
        merged = dict(balancer.attrs, **attrs)
        if merged.get("access_logs.s3.enabled") == "true":
            _check_log_bucket(self.account_id, merged.get("access_logs.s3.bucket", ""), merged.get("access_logs.s3.prefix", ""))
    return modify_load_balancer_attributes.original(self, arn, attrs)


def create_load_balancer_in_time(self: Any, *args: Any, **kwargs: Any) -> Any:
    balancer = create_load_balancer_in_time.original(self, *args, **kwargs)
    if MODEL.enabled:  # off: moto's own (provisioning, active from the first DescribeLoadBalancers)
        MODEL.start(balancer, "state", [("provisioning", "load_balancer.provisioning")], final="active")
    return balancer


def apply() -> None:
    patch(FakeLoadBalancer, "__init__", load_balancer_init)
    patch(ELBv2Backend, "delete_load_balancer", delete_load_balancer)
    patch(ELBv2Backend, "modify_load_balancer_attributes", modify_load_balancer_attributes)
    timed_attribute(FakeLoadBalancer, "state")
    patch(ELBv2Backend, "create_load_balancer", create_load_balancer_in_time, layer="latency")
