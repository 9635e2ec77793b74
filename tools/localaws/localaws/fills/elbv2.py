"""ELBv2 fills (moto 5.2.5): the latency model only.

A load balancer is "provisioning" after CreateLoadBalancer, then "active" (DescribeLoadBalancers, State.Code); moto
makes it active on the first DescribeLoadBalancers. Under the latency model it stays provisioning for AWS's duration
times the scale; nothing is refused meanwhile (AWS accepts listeners and target registrations on a provisioning
load balancer).
"""

from __future__ import annotations

from typing import Any

from moto.elbv2 import models as elbv2_models

from ..model import MODEL, timed_attribute
from . import patch


def create_load_balancer_in_time(self: Any, *args: Any, **kwargs: Any) -> Any:
    balancer = create_load_balancer_in_time.original(self, *args, **kwargs)
    if MODEL.enabled:  # off: moto's own (provisioning, active from the first DescribeLoadBalancers)
        MODEL.start(balancer, "state", [("provisioning", "load_balancer.provisioning")], final="active")
    return balancer


def apply() -> None:
    timed_attribute(elbv2_models.FakeLoadBalancer, "state")
    patch(elbv2_models.ELBv2Backend, "create_load_balancer", create_load_balancer_in_time, layer="latency")
