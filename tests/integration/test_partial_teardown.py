"""Teardown finds what is left by name and tag, so it cleans up after a partial deploy too.

Two partial deploys run side by side: only the network (`--tags network`: no key, no security groups) and
only the security role on a suffix with no network at all (`--tags security`: a key and alias, no VPC).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from integration_support import assert_succeeded, is_empty, kms_keys, leftovers, unique_suffix

PARTS = {"network-only": "network", "security-only": "security"}


def partial_then_teardown(playbook, take_snapshot, aws, suffix, tag):
    deploy = playbook("site", suffix, "--tags", tag)
    after_deploy = take_snapshot(suffix)
    teardown = playbook("teardown", suffix)
    return {
        "suffix": suffix,
        "deploy": deploy,
        "after_deploy": after_deploy,
        "teardown": teardown,
        "after_teardown": take_snapshot(suffix),
        "keys": kms_keys(aws, suffix),
    }


@pytest.fixture(scope="module")
def partial(playbook, take_snapshot, aws):
    with ThreadPoolExecutor(max_workers=len(PARTS)) as pool:
        futures = {
            part: pool.submit(partial_then_teardown, playbook, take_snapshot, aws, unique_suffix("itpt"), tag)
            for part, tag in PARTS.items()
        }
        return {part: future.result() for part, future in futures.items()}


def test_network_only_deploy_makes_the_network_and_nothing_else(partial):
    result = partial["network-only"]
    assert_succeeded(result["deploy"])
    state = result["after_deploy"]
    assert len(state["vpcs"]) == 1 and len(state["subnets"]) == 4 and len(state["nat_gateways"]) == 1
    assert len(state["flow_logs"]) == 1 and len(state["iam_roles"]) == 1 and len(state["log_groups"]) == 1
    # The flow-log group is under the environment key, so the network makes the key (and nothing else of security).
    assert len(state["kms_aliases"]) == 1 and len(state["kms_keys"]) == 1
    assert {group["GroupName"] for group in state["security_groups"].values()} == {"default"}


def test_security_only_deploy_without_a_network_makes_the_key_only(partial):
    result = partial["security-only"]
    assert_succeeded(result["deploy"])
    state = result["after_deploy"]
    assert len(state["kms_aliases"]) == 1 and len(state["kms_keys"]) == 1
    key_arn = next(iter(state["kms_keys"].values()))["Arn"]
    others = {kind: resources for kind, resources in state.items() if kind not in ("kms_aliases", "kms_keys", "tagged")}
    assert is_empty(others), leftovers(others)
    assert list(state["tagged"]) == [key_arn], "tagged besides the key: {0}".format(sorted(state["tagged"]))


@pytest.mark.parametrize("part", sorted(PARTS))
def test_teardown_after_a_partial_deploy_leaves_nothing(partial, part):
    result = partial[part]
    assert_succeeded(result["teardown"])
    assert is_empty(result["after_teardown"]), "left after teardown: {0}".format(leftovers(result["after_teardown"]))
    assert all(metadata["KeyState"] == "PendingDeletion" for metadata, _tags in result["keys"].values())
