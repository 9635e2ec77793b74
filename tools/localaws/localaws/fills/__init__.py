"""Fills: small, documented patches to moto, one module per AWS service.

To add a fill module, create ``fills/<service>.py`` exposing ``apply()`` (idempotent)
and add its name to ``FILLS``. Every fill is listed in tools/localaws/README.md.
"""

import importlib

FILLS = ("apigateway", "application_autoscaling", "cloudwatch", "ec2", "elasticache", "ecs", "efs", "kinesis", "kms", "logs", "rds", "rds_data", "rds_parameter_groups", "sns", "sqs", "wafv2")

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


_patched: dict[tuple[int, str], object] = {}


def patch(owner: object, name: str, new: object) -> None:
    """Set ``owner.name = new`` once. A function ``new`` gets the attribute it
    replaces as ``new.original``. Re-applying the same fill is a no-op."""
    key = (id(owner), name)
    current = getattr(owner, name, None)
    if key in _patched and _patched[key] is current:
        return
    if callable(new) and not isinstance(new, type):
        new.original = current  # type: ignore[attr-defined]
    setattr(owner, name, new)
    _patched[key] = new
