"""Fills: small, documented patches to moto, one module per AWS service.

To add a fill module, create ``fills/<service>.py`` exposing ``apply()`` (idempotent)
and add its name to ``FILLS``. Every fill is listed in tools/localaws/README.md.
"""

import importlib

FILLS = ("apigateway", "application_autoscaling", "cloudwatch", "ec2", "elasticache", "ecs", "efs", "elbv2", "kinesis", "kms", "logs", "rds", "rds_data", "rds_parameter_groups", "secretsmanager", "sns", "sqs", "wafv2", "scan_reads")

_applied: list[str] = []


def apply_all() -> list[str]:
    """Import and apply every fill module; safe to call more than once."""
    for name in FILLS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.apply()
        if name not in _applied:
            _applied.append(name)
    return list(_applied)


def applied() -> list[str]:
    return list(_applied)


_patched: dict[tuple[int, str, str], object] = {}


def _in_chain(fill: object, current: object) -> bool:
    """Whether ``fill`` is ``current`` or one of the fills it wraps (through ``.original``)."""
    for _depth in range(32):
        if current is fill:
            return True
        current = getattr(current, "original", None)
        if current is None:
            return False
    return False


def patch(owner: object, name: str, new: object, layer: str = "") -> None:
    """Set ``owner.name = new`` once. A function ``new`` gets the attribute it
    replaces as ``new.original``. Re-applying the same fill is a no-op.

    A second fill of the same attribute (the latency model's) names its own ``layer``: it wraps the first."""
    key = (id(owner), name, layer)
    current = getattr(owner, name, None)
    if key in _patched and _in_chain(_patched[key], current):
        return
    if callable(new) and not isinstance(new, type):
        new.original = current  # type: ignore[attr-defined]
    setattr(owner, name, new)
    _patched[key] = new
