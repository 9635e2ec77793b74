"""The subnet_plan filter."""

from __future__ import annotations

import pytest

from ansible_collections.streamflix.media_platform.plugins.filter.network import FilterModule
from ansible_collections.streamflix.media_platform.plugins.filter.network import subnet_plan

ZONES = ["us-east-1a", "us-east-1b"]
PUBLIC = ["10.20.0.0/24", "10.20.1.0/24"]
PRIVATE = ["10.20.10.0/24", "10.20.11.0/24"]


def test_two_zones():
    assert subnet_plan(ZONES, PUBLIC, PRIVATE, "streamflix-public-dev", "streamflix-private-dev") == [
        {"tier": "public", "az": "us-east-1a", "cidr": "10.20.0.0/24", "name": "streamflix-public-dev-us-east-1a", "index": 0},
        {"tier": "public", "az": "us-east-1b", "cidr": "10.20.1.0/24", "name": "streamflix-public-dev-us-east-1b", "index": 1},
        {"tier": "private", "az": "us-east-1a", "cidr": "10.20.10.0/24", "name": "streamflix-private-dev-us-east-1a", "index": 0},
        {"tier": "private", "az": "us-east-1b", "cidr": "10.20.11.0/24", "name": "streamflix-private-dev-us-east-1b", "index": 1},
    ]


@pytest.mark.parametrize(
    "zones, public, private, expected_cidrs",
    [
        pytest.param(["a"], PUBLIC, PRIVATE, [("public", "a", "10.20.0.0/24"), ("private", "a", "10.20.10.0/24")],
                     id="extra-cidrs-ignored"),
        pytest.param(
            ["a", "b", "c"],
            PUBLIC + ["10.20.2.0/24"],
            PRIVATE + ["10.20.12.0/24"],
            [("public", "a", "10.20.0.0/24"), ("public", "b", "10.20.1.0/24"), ("public", "c", "10.20.2.0/24"),
             ("private", "a", "10.20.10.0/24"), ("private", "b", "10.20.11.0/24"), ("private", "c", "10.20.12.0/24")],
            id="three-zones",
        ),
        pytest.param([], PUBLIC, PRIVATE, [], id="no-zones"),
    ],
)
def test_zones_and_cidrs_pair_by_position(zones, public, private, expected_cidrs):
    plan = subnet_plan(zones, public, private, "pub", "priv")
    assert [(entry["tier"], entry["az"], entry["cidr"]) for entry in plan] == expected_cidrs


def test_names_and_cidrs_are_unique():
    plan = subnet_plan(["a", "b", "c"], PUBLIC + ["10.20.2.0/24"], PRIVATE + ["10.20.12.0/24"], "pub", "priv")
    assert len({entry["name"] for entry in plan}) == len(plan)
    assert len({entry["cidr"] for entry in plan}) == len(plan)
    assert [entry["index"] for entry in plan] == [0, 1, 2, 0, 1, 2]


def test_filter_is_registered():
    assert FilterModule().filters()["subnet_plan"] is subnet_plan
