"""The whole lifecycle against a localaws that behaves like AWS in time (`--latency-model aws`): a first deploy,
re-runs while the replication group is snapshotting and while it is modifying, a full re-run, a plan, a teardown
and a second teardown.

This module's localaws runs AWS's durations at a scale of 0.05 (a 10-minute Redis creation lasts 30 s, a change or
a snapshot of the group 15 s) and keeps a new NAT gateway unknown by id for 20 s (EC2's eventual consistency; AWS
states no bound). Two first-deploy failures show here and nowhere else:
- the private routes were created moments after the NAT gateways: CreateRoute answered
  InvalidNatGatewayID.NotFound;
- the replication group's tags were read right after CreateReplicationGroup: ListTagsForResource answered
  InvalidReplicationGroupState while the group was still creating (and again while snapshotting or modifying).

The snapshot and the change are started by the test when the re-run's replication group task starts (its banner
is printed before the module runs), so the module meets the group busy whatever the machine's speed: AWS then
refuses ListTagsForResource and ModifyReplicationGroup, and the module must wait rather than fail. Those two
re-runs are `--tags cache` (the other roles would only add minutes); the full re-run and the plan are the whole
site.yml. Everything is asserted through boto3 against the module's own localaws.
"""

from __future__ import annotations

import time

import pytest

from integration_support import (
    assert_succeeded, is_empty, leftovers, make_client, run_playbook, snapshot, tag_dict, unique_suffix,
)
from localaws.model import AWS_SECONDS
from localaws.testing import latency_model_of, running_localaws

TIME_SCALE = 0.05
CONSISTENCY_SECONDS = 20
# How long the model keeps the group busy after CreateSnapshot / ModifyReplicationGroup (15 s at this scale).
BUSY_SECONDS = AWS_SECONDS["replication_group.modifying"] * TIME_SCALE
# The start of the cache role's replication group task's name; its banner, "TASK [<name>] ***", starts the module.
REDIS_TASK = "streamflix.media_platform.cache : Create or converge the Redis replication group"


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    suffix = unique_suffix("itlat")
    outputs_dir = str(tmp_path_factory.mktemp("latency-outputs"))
    extra = ["--consistency-seconds", str(CONSISTENCY_SECONDS)]
    with running_localaws(extra, latency_model="aws", time_scale=TIME_SCALE) as endpoint:
        clients = {}

        def aws(service):
            if service not in clients:
                clients[service] = make_client(endpoint, service)
            return clients[service]

        def playbook(name, *extra_args, on_line=None):
            return run_playbook(endpoint, name, suffix, extra_args, outputs_dir=outputs_dir, on_line=on_line)

        yield {
            "suffix": suffix,
            "endpoint": endpoint,
            "aws": aws,
            "playbook": playbook,
            "deploy": playbook("site"),
        }


def the_vpc(ec2, suffix):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return vpcs[0]["VpcId"]


def the_replication_group(elasticache, suffix):
    groups = [g for g in elasticache.describe_replication_groups()["ReplicationGroups"] if g["ReplicationGroupId"].endswith(suffix)]
    assert len(groups) == 1, groups
    return groups[0]


def available_group(elasticache, suffix, timeout=120):
    """The group once it is available again (after a change the re-run started without waiting)."""
    deadline = time.monotonic() + timeout
    while True:
        group = the_replication_group(elasticache, suffix)
        if group["Status"] == "available" or time.monotonic() > deadline:
            return group
        time.sleep(0.5)


def when_task_starts(task, action):
    """(on_line for run_playbook, what action returned): action() runs once, when the banner of the task whose name
    starts with ``task`` is printed."""
    fired = []

    def on_line(line):
        if not fired and line.startswith("TASK [" + task):
            fired.append(action())

    return on_line, fired


@pytest.fixture(scope="module")
def lifecycle(modelled):
    """Runs every step once, in order; the tests below each check one of them. Teardown runs whatever happened."""
    assert_succeeded(modelled["deploy"])
    suffix, playbook, aws = modelled["suffix"], modelled["playbook"], modelled["aws"]
    elasticache = aws("elasticache")
    steps = {"suffix": suffix, "state_after_deploy": snapshot(aws, suffix)}
    group = steps["group_after_deploy"] = the_replication_group(elasticache, suffix)
    group_id = group["ReplicationGroupId"]
    try:
        # 1. The daily snapshot starts as the re-run reaches the group.
        snapshot_name = "itlat-" + suffix

        def start_snapshot():
            elasticache.create_snapshot(ReplicationGroupId=group_id, SnapshotName=snapshot_name)
            return the_replication_group(elasticache, suffix)["Status"]

        on_line, steps["status_met_while_snapshotting"] = when_task_starts(REDIS_TASK, start_snapshot)
        steps["rerun_while_snapshotting"] = playbook("site", "--tags", "cache", on_line=on_line)
        steps["group_after_rerun_while_snapshotting"] = available_group(elasticache, suffix)
        # The test's own snapshot goes again (a teardown leaves the snapshots a person took, as AWS keeps them).
        if steps["status_met_while_snapshotting"]:
            elasticache.delete_snapshot(SnapshotName=snapshot_name)

        # 2. Someone changes a setting the playbook manages (ApplyImmediately) as the re-run reaches the group.
        drifted = group["SnapshotRetentionLimit"] + 2

        def start_change():
            elasticache.modify_replication_group(ReplicationGroupId=group_id, SnapshotRetentionLimit=drifted, ApplyImmediately=True)
            return the_replication_group(elasticache, suffix)["Status"]

        on_line, steps["status_met_while_modifying"] = when_task_starts(REDIS_TASK, start_change)
        steps["drifted_retention"] = drifted
        steps["rerun_while_modifying"] = playbook("site", "--tags", "cache", on_line=on_line)
        steps["group_after_rerun_while_modifying"] = available_group(elasticache, suffix)
        steps["tags_after_rerun_while_modifying"] = tag_dict(
            elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
        )

        # 3. The whole site again, then a plan.
        steps["state_before_rerun"] = snapshot(aws, suffix)
        steps["rerun"] = playbook("site")
        steps["state_after_rerun"] = snapshot(aws, suffix)
        steps["plan"] = playbook("site", "--check", "--diff")
        steps["state_after_plan"] = snapshot(aws, suffix)
    finally:
        # 4. Deletions take modelled time too: the teardown starts the slow ones at once, waits once for them to be
        #    gone, then deletes what they held. Its --check first: nothing changes (no deletion started, no wait).
        steps["teardown_plan"] = playbook("teardown", "--check")
        steps["state_after_teardown_plan"] = snapshot(aws, suffix)
        steps["teardown"] = playbook("teardown")
        steps["state_after_teardown"] = snapshot(aws, suffix)
        steps["teardown_again"] = playbook("teardown")
        steps["state_after_teardown_again"] = snapshot(aws, suffix)
    return steps


def test_the_model_is_on(modelled):
    assert latency_model_of(modelled["endpoint"]) == {
        "model": "aws", "time_scale": TIME_SCALE, "consistency_seconds": CONSISTENCY_SECONDS,
    }


def test_first_deploy_succeeds(modelled):
    assert_succeeded(modelled["deploy"])


def test_private_routes_lead_to_available_nat_gateways(modelled):
    assert_succeeded(modelled["deploy"])
    ec2 = modelled["aws"]("ec2")
    vpc_id = the_vpc(ec2, modelled["suffix"])
    gateways = {
        g["NatGatewayId"]: g["State"]
        for g in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    }
    private_subnets = {
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        if tag_dict(s.get("Tags")).get("Tier") == "private"
    }
    routed = {}
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]:
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for association in table.get("Associations", []):
            if association.get("SubnetId") in private_subnets:
                routed[association["SubnetId"]] = default[0].get("NatGatewayId") if default else None
    assert set(routed) == private_subnets and len(private_subnets) >= 2
    assert all(gateways.get(nat_id) == "available" for nat_id in routed.values()), (routed, gateways)


def test_replication_group_has_its_tags(modelled):
    assert_succeeded(modelled["deploy"])
    elasticache = modelled["aws"]("elasticache")
    group = the_replication_group(elasticache, modelled["suffix"])
    tags = tag_dict(elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"])
    assert tags.get("Environment") == modelled["suffix"] and tags.get("ManagedBy") == "ansible", tags


def test_rerun_while_the_group_is_snapshotting_converges(lifecycle):
    assert lifecycle["group_after_deploy"]["Status"] == "available"  # readiness waited for it
    # The group was snapshotting when the module started (the snapshot began at the task's banner).
    assert lifecycle["status_met_while_snapshotting"] == ["snapshotting"]
    run = assert_succeeded(lifecycle["rerun_while_snapshotting"])
    assert run.changed == 0, run.describe()
    group = lifecycle["group_after_rerun_while_snapshotting"]
    assert group["Status"] == "available"
    assert group["SnapshotRetentionLimit"] == lifecycle["group_after_deploy"]["SnapshotRetentionLimit"]


def test_rerun_while_the_group_is_modifying_converges(lifecycle):
    # The group was modifying (someone else's change) when the module started: ListTagsForResource and
    # ModifyReplicationGroup were refused until it was available; the re-run then put the setting back.
    assert lifecycle["status_met_while_modifying"] == ["modifying"]
    run = assert_succeeded(lifecycle["rerun_while_modifying"])
    changed = run.changed_tasks()
    assert len(changed) == 1 and changed[0].startswith(REDIS_TASK), run.describe()
    group = lifecycle["group_after_rerun_while_modifying"]
    assert group["Status"] == "available"
    assert group["SnapshotRetentionLimit"] == lifecycle["group_after_deploy"]["SnapshotRetentionLimit"] != lifecycle["drifted_retention"]
    tags = lifecycle["tags_after_rerun_while_modifying"]
    assert tags.get("Environment") == lifecycle["suffix"] and tags.get("ManagedBy") == "ansible", tags
    assert lifecycle["state_before_rerun"] == lifecycle["state_after_deploy"]


def test_rerun_changes_nothing(lifecycle):
    run = assert_succeeded(lifecycle["rerun"])
    assert run.changed == 0, "a converged environment reported changes under the latency model:\n" + run.describe()
    assert lifecycle["state_after_rerun"] == lifecycle["state_before_rerun"]


def test_check_diff_plans_no_change_and_makes_none(lifecycle):
    run = assert_succeeded(lifecycle["plan"])
    assert run.changed == 0, "--check --diff on a converged environment planned changes:\n" + run.describe()
    assert lifecycle["state_after_plan"] == lifecycle["state_before_rerun"]


def test_teardown_check_mode_deletes_nothing(lifecycle):
    assert_succeeded(lifecycle["teardown_plan"])
    assert lifecycle["state_after_teardown_plan"] == lifecycle["state_after_plan"], "teardown --check changed the environment"


def test_teardown_leaves_nothing(lifecycle):
    run = assert_succeeded(lifecycle["teardown"])
    assert run.changed > 0
    state = lifecycle["state_after_teardown"]
    assert is_empty(state), "left after teardown under the latency model: {0}".format(leftovers(state))


def test_second_teardown_succeeds_and_changes_nothing(lifecycle):
    run = assert_succeeded(lifecycle["teardown_again"])
    assert run.changed == 0, "a second teardown reported changes:\n" + run.describe()
    state = lifecycle["state_after_teardown_again"]
    assert is_empty(state), "left after a second teardown: {0}".format(leftovers(state))
