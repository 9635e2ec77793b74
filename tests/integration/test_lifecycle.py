"""The life of an environment: deploy, converge again, plan, tear down, tear down again.

Two environments live side by side on one localaws, as parallel deployments do (`-e streamflix_env_suffix`):
the main one (NAT single, as inventories/local says) goes through the whole lifecycle in the foreground,
while the network of a per-AZ-NAT one is deployed in the background at the same time (`--tags network`:
NAT mode concerns the network only, and the later roles would only add minutes). Besides saving wall time
on the 2-core CI machine, this checks that deploying and tearing down one suffix never touches another, and
the full teardown of the per-AZ network is one more teardown after a partial deploy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from integration_support import assert_succeeded, is_empty, kms_keys, leftovers, unique_suffix


def deploy_per_az(playbook, take_snapshot, suffix):
    run = playbook("site", suffix, "-e", "streamflix_nat_mode=per_az", "--tags", "network")
    return run, (take_snapshot(suffix) if run.rc == 0 else None)


@pytest.fixture(scope="module")
def lifecycle(single_nat_environment, playbook, take_snapshot, aws):
    """Runs every step once; the tests below each check one of them.

    The first deploy is the session's single_nat_environment (test_deploy_state reads its state).
    """
    suffix, per_az_suffix = single_nat_environment["suffix"], unique_suffix("itaz")
    steps = {"suffix": suffix, "per_az_suffix": per_az_suffix}
    steps["deploy"], steps["after_deploy"] = single_nat_environment["deploy"], single_nat_environment["state"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        per_az = pool.submit(deploy_per_az, playbook, take_snapshot, per_az_suffix)
        try:
            steps["rerun"] = playbook("site", suffix)
            steps["after_rerun"] = take_snapshot(suffix)
            steps["plan"] = playbook("site", suffix, "--check", "--diff")
            steps["after_plan"] = take_snapshot(suffix)
            steps["role_alone"] = playbook("site", suffix, "--tags", "security")
            steps["after_role_alone"] = take_snapshot(suffix)
        finally:
            # Whatever happened above, the environment goes away again (and the background run ends).
            steps["teardown"] = playbook("teardown", suffix)
            steps["after_teardown"] = take_snapshot(suffix)
            steps["keys_after_teardown"] = kms_keys(aws, suffix)
            steps["per_az_deploy"], steps["per_az_after_deploy"] = per_az.result()
    # The per-AZ environment, untouched by the other one's lifecycle, goes last.
    steps["per_az_after_other_teardown"] = take_snapshot(per_az_suffix)
    steps["teardown_again"] = playbook("teardown", suffix)
    steps["after_teardown_again"] = take_snapshot(suffix)
    steps["per_az_teardown"] = playbook("teardown", per_az_suffix)
    steps["per_az_after_teardown"] = take_snapshot(per_az_suffix)
    return steps


def test_deploy_creates_the_environment(lifecycle):
    state = lifecycle["after_deploy"]
    counts = {kind: len(resources) for kind, resources in state.items() if kind not in ("log_groups", "iam_roles", "tagged")}
    assert counts == {
        "vpcs": 1,
        "subnets": 4,
        "internet_gateways": 1,
        "nat_gateways": 1,
        "eips": 1,
        "route_tables": 4,  # main + public + one private per zone
        "security_groups": 6,  # default + alb, service, database, cache, efs
        "flow_logs": 1,
        "kms_aliases": 1,
        "kms_keys": 1,
        "db_cluster_parameter_groups": 1,  # the Aurora cluster's own, rds.force_ssl=1
        "s3_buckets": 1,  # the ALB's access logs
        "usage_plans": 1,
        "api_keys": 2,  # primary and secondary, from the API keys secret
    }
    # Later roles add their own log groups, roles and other tagged resources; the network's must be among them.
    suffix = lifecycle["suffix"]
    assert "/streamflix/{0}/vpc-flow-logs".format(suffix) in state["log_groups"]
    assert "streamflix-flowlogs-" + suffix in state["iam_roles"]
    assert lifecycle["deploy"].changed > 0


def test_rerun_changes_nothing(lifecycle):
    run = assert_succeeded(lifecycle["rerun"])
    assert run.changed == 0, "a converged environment reported changes:\n" + run.describe()
    assert lifecycle["after_rerun"] == lifecycle["after_deploy"]


def test_check_diff_plans_no_change_and_makes_none(lifecycle):
    run = assert_succeeded(lifecycle["plan"])
    assert run.changed == 0, "--check --diff on a converged environment planned changes:\n" + run.describe()
    assert lifecycle["after_plan"] == lifecycle["after_deploy"]


def test_a_role_runs_alone_against_the_existing_environment(lifecycle):
    run = assert_succeeded(lifecycle["role_alone"])
    assert run.changed == 0, "--tags security alone reported changes:\n" + run.describe()
    assert lifecycle["after_role_alone"] == lifecycle["after_deploy"]


def test_teardown_leaves_nothing(lifecycle):
    run = assert_succeeded(lifecycle["teardown"])
    assert run.changed > 0
    assert is_empty(lifecycle["after_teardown"]), "left after teardown: {0}".format(leftovers(lifecycle["after_teardown"]))


def test_teardown_schedules_the_key_for_deletion(lifecycle):
    deployed_keys = set(lifecycle["after_deploy"]["kms_keys"])
    keys = lifecycle["keys_after_teardown"]
    assert deployed_keys <= set(keys)
    assert {key_id: metadata["KeyState"] for key_id, (metadata, _tags) in keys.items()} == {
        key_id: "PendingDeletion" for key_id in keys
    }


def test_second_teardown_succeeds_and_changes_nothing(lifecycle):
    run = assert_succeeded(lifecycle["teardown_again"])
    assert run.changed == 0, "a second teardown reported changes:\n" + run.describe()
    state = lifecycle["after_teardown_again"]
    assert is_empty(state), "left after a second teardown: {0}".format(leftovers(state))


# ------------------------------------------------------------------------------------------- NAT per AZ


def test_per_az_deploy_makes_one_nat_per_zone(lifecycle):
    assert_succeeded(lifecycle["per_az_deploy"])
    state = lifecycle["per_az_after_deploy"]
    subnets = state["subnets"]
    public_zone = {
        subnet_id: subnet["AvailabilityZone"] for subnet_id, subnet in subnets.items() if subnet["Tags"].get("Tier") == "public"
    }
    nats = state["nat_gateways"]
    assert len(nats) == 2
    assert sorted(public_zone[nat["SubnetId"]] for nat in nats.values()) == sorted(set(public_zone.values()))
    assert len(state["eips"]) == 2
    for nat in nats.values():
        zone = public_zone[nat["SubnetId"]]
        assert nat["Tags"]["Name"] == "streamflix-nat-{0}-{1}".format(lifecycle["per_az_suffix"], zone)


def test_per_az_each_private_subnet_routes_through_its_own_zones_nat(lifecycle):
    state = lifecycle["per_az_after_deploy"]
    subnets = state["subnets"]
    nat_zone = {nat_id: subnets[nat["SubnetId"]]["AvailabilityZone"] for nat_id, nat in state["nat_gateways"].items()}
    private = {subnet_id: subnet for subnet_id, subnet in subnets.items() if subnet["Tags"].get("Tier") == "private"}
    assert len(private) == 2
    used = set()
    for subnet_id, subnet in private.items():
        tables = [
            table
            for table in state["route_tables"].values()
            if any(assoc.get("SubnetId") == subnet_id for assoc in table.get("Associations", []))
        ]
        assert len(tables) == 1
        defaults = [route for route in tables[0]["Routes"] if route.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert len(defaults) == 1 and "NatGatewayId" in defaults[0], defaults
        assert nat_zone[defaults[0]["NatGatewayId"]] == subnet["AvailabilityZone"]
        used.add(defaults[0]["NatGatewayId"])
    assert used == set(state["nat_gateways"])


def test_one_suffixs_lifecycle_leaves_another_suffix_alone(lifecycle):
    assert lifecycle["per_az_after_deploy"] is not None
    assert lifecycle["per_az_after_other_teardown"] == lifecycle["per_az_after_deploy"]
    for kind, resources in lifecycle["per_az_after_deploy"].items():
        for resource in resources.values():
            tags = resource.get("Tags") or resource.get("tags") or {}
            if isinstance(tags, dict) and "Environment" in tags:
                assert tags["Environment"] == lifecycle["per_az_suffix"], (kind, tags)


def test_per_az_teardown_leaves_nothing(lifecycle):
    assert_succeeded(lifecycle["per_az_teardown"])
    state = lifecycle["per_az_after_teardown"]
    assert is_empty(state), "left after teardown: {0}".format(leftovers(state))


# ---------------------------------------------------------------------------------------------------- plan


def test_plan_of_a_new_environment_succeeds_and_creates_nothing(playbook, take_snapshot):
    suffix = unique_suffix("itpl")
    run = playbook("site", suffix, "--check", "--diff")
    state = take_snapshot(suffix)
    assert is_empty(state), "--check created {0}".format(leftovers(state))
    assert_succeeded(run)
    assert run.changed > 0, "a plan of a new environment shows nothing to create"
