"""A flaky API: a full deploy and a teardown against a localaws that answers 10 % of requests with faults.

The localaws is this module's own (`--fault-rate 0.1 --fault-seed 20240605`): half of the faults are
throttling, half HTTP 500/503, all answered before the request reaches moto. Everything on that account is this
module's, so the counts below are of the whole account minus what a fresh localaws already holds: a duplicate
made by a retried create is counted whether or not it got a name or a tag. The expected numbers come from
inventories/local (sweep_support.expected_counts), not from the run. Our own reads retry too (standard mode,
ten attempts), since the faults hit them as well.

The uninterrupted deploy's signature is kept (sweep_support.REFERENCE) for test_interruption to compare with.
"""

from __future__ import annotations

import pytest

from integration_support import SHARED_API_LOGS_ROLE, is_empty, leftovers, run_playbook, snapshot, unique_suffix
from localaws.testing import fault_counts, running_localaws
from sweep_support import (
    REFERENCE,
    client_factory,
    counts,
    expected_counts,
    ids,
    inventory_vars,
    left_after_teardown,
    minus,
    raw_inventory,
    signature,
)

FAULT_RATE = 0.1
FAULT_SEED = 20240605


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    suffix = unique_suffix("itfault")
    outputs_dir = tmp_path_factory.mktemp("fault-outputs")
    steps = {"suffix": suffix}
    with running_localaws(["--fault-rate", str(FAULT_RATE), "--fault-seed", str(FAULT_SEED)]) as endpoint:
        aws = client_factory(endpoint)
        baseline = ids(raw_inventory(aws))
        try:
            steps["deploy"] = run_playbook(endpoint, "site", suffix, outputs_dir=outputs_dir)
            steps["faults_after_deploy"] = fault_counts(endpoint)
            steps["after_deploy"] = minus(raw_inventory(aws), baseline)
        finally:
            steps["teardown"] = run_playbook(endpoint, "teardown", suffix, outputs_dir=outputs_dir)
            steps["faults_after_teardown"] = fault_counts(endpoint)
            steps["snapshot_after_teardown"] = snapshot(aws, suffix)
            steps["after_teardown"] = left_after_teardown(raw_inventory(aws), baseline)
    deploy, teardown = steps["deploy"], steps["teardown"]
    during_deploy, total = steps["faults_after_deploy"], steps["faults_after_teardown"]
    print(
        "\nfault rate {0} (seed {1}): deploy rc={2} in {3:.0f}s with {4} faults in {5} AWS requests; "
        "teardown rc={6} in {7:.0f}s with {8} faults in {9} requests".format(
            FAULT_RATE, FAULT_SEED, deploy.rc, deploy.seconds, during_deploy["faults"], during_deploy["aws_requests"],
            teardown.rc, teardown.seconds, total["faults"] - during_deploy["faults"],
            total["aws_requests"] - during_deploy["aws_requests"],
        )
    )
    if deploy.rc == 0:
        REFERENCE.setdefault("deploy", {
            "signature": signature(steps["after_deploy"], suffix),
            "task_count": deploy.output.count("\nTASK ["),
            "source": "test_faults (seed {0})".format(FAULT_SEED),
        })
    return steps


def test_deploy_converges_under_faults(faulty):
    run = faulty["deploy"]
    assert run.rc == 0 and run.failed == 0, "deploy failed under {0:.0%} faults:\n{1}".format(FAULT_RATE, run.describe())
    # The faults did happen, at about the rate asked for (a 10 % rate over thousands of requests).
    counted = faulty["faults_after_deploy"]
    assert counted["aws_requests"] > 300
    assert 0.05 < counted["faults"] / counted["aws_requests"] < 0.15, counted
    assert {"Throttling", "ServiceUnavailable", "InternalError"} <= set(counted["by_code"]), counted


def test_deploy_under_faults_makes_exactly_one_of_each(faulty):
    expected = expected_counts(inventory_vars("local"))
    found = counts(faulty["after_deploy"])
    state = signature(faulty["after_deploy"], faulty["suffix"])
    assert {kind: found.get(kind) for kind in expected} == expected, "counts differ from inventories/local: {0}".format(
        {kind: (found.get(kind), number, state.get(kind)) for kind, number in expected.items() if found.get(kind) != number}
    )
    assert set(found) == set(expected)


def test_every_resource_belongs_to_the_environment(faulty):
    """Nothing on the account was made under another name: a retried create that lost its name would show."""
    suffix = faulty["suffix"]
    state = signature(faulty["after_deploy"], suffix)
    strays = {
        kind: items for kind, items in state.items()
        if kind not in ("security_groups", "route_tables", "listeners", "api_deployments", "api_stages", "kms_keys",
                        "mount_targets", "eips", "task_definition_revisions", "scalable_targets", "managed_secrets")
        and any("<suffix>" not in str(item) and item != {"name": SHARED_API_LOGS_ROLE} for item in items)
    }
    assert not strays, strays
    # The VPC's default security group and main route table carry no name of ours; everything else does.
    assert [g["name"] for g in state["security_groups"] if "<suffix>" not in g["name"]] == ["default"]
    assert [t for t in state["route_tables"] if "<suffix>" not in t["name"]] == [
        t for t in state["route_tables"] if t["main"]
    ]


def test_teardown_under_faults_leaves_nothing(faulty):
    run = faulty["teardown"]
    assert run.rc == 0 and run.failed == 0, "teardown failed under {0:.0%} faults:\n{1}".format(FAULT_RATE, run.describe())
    assert faulty["faults_after_teardown"]["faults"] > faulty["faults_after_deploy"]["faults"]
    state = faulty["snapshot_after_teardown"]
    assert is_empty(state), "left after teardown: {0}".format(leftovers(state))
    assert faulty["after_teardown"] == {}, "the account still holds: {0}".format(faulty["after_teardown"])
