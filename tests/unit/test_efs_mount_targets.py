"""efs_mount_targets against in-process moto (with the localaws EFS fill), AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import efs
from ansible_collections.streamflix.media_platform.plugins.modules import efs_mount_targets
from localaws.fills import efs as efs_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401


# ---------------------------------------------------------------- pure comparison


def mt(mount_target_id, subnet_id, az, groups=("sg-a",), state="available", vpc="vpc-1"):
    return {
        "mount_target_id": mount_target_id,
        "subnet_id": subnet_id,
        "availability_zone": az,
        "vpc_id": vpc,
        "life_cycle_state": state,
        "security_groups": sorted(groups) if groups is not None else None,
    }


SUBNETS = {
    "subnet-a": {"availability_zone": "az-a", "vpc_id": "vpc-1"},
    "subnet-b": {"availability_zone": "az-b", "vpc_id": "vpc-1"},
}


@pytest.mark.parametrize(
    "current, subnets, groups, purge, expected",
    [
        ([], SUBNETS, ["sg-a"], True, {"create": ["subnet-a", "subnet-b"], "delete": [], "modify": []}),
        ([mt("m1", "subnet-a", "az-a"), mt("m2", "subnet-b", "az-b")], SUBNETS, ["sg-a"], True, {"create": [], "delete": [], "modify": []}),
        # groups omitted: existing groups left alone
        ([mt("m1", "subnet-a", "az-a", ["sg-x"])], SUBNETS, None, True, {"create": ["subnet-b"], "delete": [], "modify": []}),
        # groups differ: changed in place, order does not matter
        ([mt("m1", "subnet-a", "az-a", ["sg-b", "sg-a"])], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], True, {"create": [], "delete": [], "modify": ["m1"]}),
        ([mt("m1", "subnet-a", "az-a", ["sg-b", "sg-a"])], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a", "sg-b"], True, {"create": [], "delete": [], "modify": []}),
        # groups not readable yet (network interface being created): compared next run
        ([mt("m1", "subnet-a", "az-a", None, state="creating")], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], True, {"create": [], "delete": [], "modify": []}),
        # purge removes unlisted subnets; purge=false keeps them
        ([mt("m1", "subnet-a", "az-a"), mt("m3", "subnet-c", "az-c")], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], True, {"create": [], "delete": ["m3"], "modify": []}),
        ([mt("m1", "subnet-a", "az-a"), mt("m3", "subnet-c", "az-c")], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], False, {"create": [], "delete": [], "modify": []}),
        # another subnet of the same AZ replaces the old mount target when purging
        ([mt("m0", "subnet-a0", "az-a")], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], True, {"create": ["subnet-a"], "delete": ["m0"], "modify": []}),
        # a mount target being deleted is not counted
        ([mt("m1", "subnet-a", "az-a", state="deleting")], {"subnet-a": SUBNETS["subnet-a"]}, ["sg-a"], True, {"create": ["subnet-a"], "delete": [], "modify": []}),
        # empty list with purge: all go
        ([mt("m1", "subnet-a", "az-a")], {}, None, True, {"create": [], "delete": ["m1"], "modify": []}),
    ],
)
def test_plan_mount_targets(current, subnets, groups, purge, expected):
    plan = efs.plan_mount_targets(current, subnets, groups, purge)
    assert plan["conflicts"] == []
    assert {key: plan[key] for key in ("create", "delete", "modify")} == expected


def test_plan_reports_an_occupied_zone_without_purge():
    plan = efs.plan_mount_targets([mt("m0", "subnet-a0", "az-a")], {"subnet-a": SUBNETS["subnet-a"]}, None, False)
    assert plan["create"] == []
    assert plan["conflicts"] == ["subnet subnet-a is in az-a, where mount target m0 (subnet subnet-a0) already is; list subnet-a0 instead or set purge=true"]


@pytest.mark.parametrize(
    "subnets, existing_vpcs, fragments",
    [
        (SUBNETS, [], []),
        (dict(SUBNETS, **{"subnet-a2": {"availability_zone": "az-a", "vpc_id": "vpc-1"}}), [], ["subnets subnet-a, subnet-a2 are all in az-a"]),
        ({"subnet-a": SUBNETS["subnet-a"], "subnet-x": {"availability_zone": "az-b", "vpc_id": "vpc-2"}}, [], ["span vpc-1, vpc-2"]),
        (SUBNETS, ["vpc-9"], ["span vpc-1, vpc-9"]),
    ],
)
def test_subnet_problems(subnets, existing_vpcs, fragments):
    problems = efs.subnet_problems(subnets, existing_vpcs)
    assert len(problems) == len(fragments)
    for problem, fragment in zip(problems, fragments):
        assert fragment in problem


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    efs_fill.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    client = boto3.client("efs", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = {}
    for index, az in enumerate(("us-east-1a", "us-east-1b", "us-east-1c")):
        subnets[az] = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.{0}.0/24".format(index), AvailabilityZone=az)["Subnet"]["SubnetId"]
    same_az = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.10.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="efs", Description="efs", VpcId=vpc_id)["GroupId"]
    sg2 = ec2.create_security_group(GroupName="efs2", Description="efs2", VpcId=vpc_id)["GroupId"]
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    fs_id = client.create_file_system(CreationToken="mt-unit", Encrypted=True)["FileSystemId"]
    return {
        "efs": client,
        "ec2": ec2,
        "vpc_id": vpc_id,
        "subnets": subnets,
        "same_az": same_az,
        "sg": sg,
        "sg2": sg2,
        "default_sg": default_sg,
        "fs_id": fs_id,
    }


def args(world, azs=("us-east-1a", "us-east-1b"), **extra):
    base = {"file_system_id": world["fs_id"], "subnet_ids": [world["subnets"][az] for az in azs], "security_group_ids": [world["sg"]]}
    base.update(extra)
    return base


def aws_mount_targets(world):
    """{subnet_id: (mount target id, sorted security groups)} read through boto3."""
    found = {}
    for item in world["efs"].describe_mount_targets(FileSystemId=world["fs_id"])["MountTargets"]:
        groups = world["efs"].describe_mount_target_security_groups(MountTargetId=item["MountTargetId"])["SecurityGroups"]
        found[item["SubnetId"]] = (item["MountTargetId"], sorted(groups))
    return found


def test_create(world):
    result = run_module(efs_mount_targets, args(world))
    assert result["changed"] is True
    subnets = sorted([world["subnets"]["us-east-1a"], world["subnets"]["us-east-1b"]])
    assert result["changes"] == {"created": subnets, "deleted": [], "security_groups": []}
    found = aws_mount_targets(world)
    assert sorted(found) == subnets
    assert all(groups == [world["sg"]] for _id, groups in found.values())
    views = result["mount_targets"]
    assert [view["subnet_id"] for view in views] == subnets
    assert {view["mount_target_id"] for view in views} == {mt_id for mt_id, _groups in found.values()}
    assert [view["availability_zone"] for view in views] == sorted(["us-east-1a", "us-east-1b"], key=lambda az: world["subnets"][az])
    assert all(view["ip_address"] and view["security_groups"] == [world["sg"]] and view["life_cycle_state"] == "available" for view in views)
    assert result["diff"] == {"before": {"mount_targets": []}, "after": {"mount_targets": views}}


def test_create_without_groups_gets_vpc_default(world):
    result = run_module(efs_mount_targets, args(world, azs=("us-east-1a",), security_group_ids=None))
    assert result["mount_targets"][0]["security_groups"] == [world["default_sg"]]
    assert list(aws_mount_targets(world).values())[0][1] == [world["default_sg"]]
    # and the groups are left alone on the next run
    assert run_module(efs_mount_targets, args(world, azs=("us-east-1a",), security_group_ids=None))["changed"] is False


def test_second_run_is_idempotent(world):
    first = run_module(efs_mount_targets, args(world))
    with mock.patch.object(efs, "create_mount_target") as create, mock.patch.object(efs, "modify_mount_target_security_groups") as modify:
        second = run_module(efs_mount_targets, args(world))
    assert second["changed"] is False
    assert not create.called and not modify.called
    assert second["mount_targets"] == first["mount_targets"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_check_mode_create_changes_nothing(world):
    result = run_module(efs_mount_targets, args(world), check_mode=True)
    assert result["changed"] is True
    assert [view["mount_target_id"] for view in result["mount_targets"]] == [None, None]
    assert {view["availability_zone"] for view in result["mount_targets"]} == {"us-east-1a", "us-east-1b"}
    assert all(view["security_groups"] == [world["sg"]] for view in result["mount_targets"])
    assert result["diff"]["before"] == {"mount_targets": []}
    assert aws_mount_targets(world) == {}


def test_security_groups_change_in_place(world):
    run_module(efs_mount_targets, args(world))
    ids_before = {subnet: mt_id for subnet, (mt_id, _groups) in aws_mount_targets(world).items()}
    with mock.patch.object(efs, "create_mount_target") as create, mock.patch.object(efs, "delete_mount_target") as delete:
        result = run_module(efs_mount_targets, args(world, security_group_ids=[world["sg2"], world["sg"]]))
    assert not create.called and not delete.called
    assert result["changed"] is True
    assert result["changes"]["security_groups"] == sorted(ids_before.values(), key=lambda mt_id: [s for s, i in ids_before.items() if i == mt_id][0])
    found = aws_mount_targets(world)
    assert {subnet: mt_id for subnet, (mt_id, _groups) in found.items()} == ids_before
    assert all(groups == sorted([world["sg"], world["sg2"]]) for _id, groups in found.values())
    assert result["diff"]["before"]["mount_targets"][0]["security_groups"] == [world["sg"]]
    assert result["diff"]["after"]["mount_targets"][0]["security_groups"] == sorted([world["sg"], world["sg2"]])


def test_check_mode_security_groups_change_nothing(world):
    run_module(efs_mount_targets, args(world))
    result = run_module(efs_mount_targets, args(world, security_group_ids=[world["sg2"]]), check_mode=True)
    assert result["changed"] is True
    assert all(view["security_groups"] == [world["sg2"]] for view in result["mount_targets"])
    assert all(groups == [world["sg"]] for _id, groups in aws_mount_targets(world).values())


def test_add_and_purge_subnets(world):
    run_module(efs_mount_targets, args(world))
    kept_id = aws_mount_targets(world)[world["subnets"]["us-east-1b"]][0]
    result = run_module(efs_mount_targets, args(world, azs=("us-east-1b", "us-east-1c")))
    assert result["changed"] is True
    assert result["changes"]["created"] == [world["subnets"]["us-east-1c"]]
    assert len(result["changes"]["deleted"]) == 1
    found = aws_mount_targets(world)
    assert sorted(found) == sorted([world["subnets"]["us-east-1b"], world["subnets"]["us-east-1c"]])
    assert found[world["subnets"]["us-east-1b"]][0] == kept_id


def test_purge_false_keeps_unlisted(world):
    run_module(efs_mount_targets, args(world))
    result = run_module(efs_mount_targets, args(world, azs=("us-east-1c",), purge=False))
    assert result["changes"] == {"created": [world["subnets"]["us-east-1c"]], "deleted": [], "security_groups": []}
    assert len(aws_mount_targets(world)) == 3


def test_moving_to_another_subnet_of_the_same_zone(world):
    run_module(efs_mount_targets, args(world, azs=("us-east-1a",)))
    result = run_module(efs_mount_targets, dict(args(world), subnet_ids=[world["same_az"]]))
    assert result["changed"] is True
    assert list(aws_mount_targets(world)) == [world["same_az"]]
    # without purge that is a conflict, reported before any change
    run_module(efs_mount_targets, args(world, azs=("us-east-1a",)))
    failure = fail_module(efs_mount_targets, dict(args(world), subnet_ids=[world["same_az"]], purge=False))
    assert "set purge=true" in failure["msg"]
    assert list(aws_mount_targets(world)) == [world["subnets"]["us-east-1a"]]


def test_two_subnets_in_one_zone_fail_before_any_change(world):
    failure = fail_module(efs_mount_targets, dict(args(world), subnet_ids=[world["subnets"]["us-east-1a"], world["same_az"]]))
    assert "at most one mount target per availability zone" in failure["msg"]
    assert world["same_az"] in failure["msg"]
    assert aws_mount_targets(world) == {}


def test_unknown_subnet_fails(world):
    failure = fail_module(efs_mount_targets, dict(args(world), subnet_ids=["subnet-0000000000000000f"]))
    assert "do not exist; check subnet_ids" in failure["msg"]
    assert aws_mount_targets(world) == {}


def test_unknown_file_system_fails(world):
    failure = fail_module(efs_mount_targets, args(world, file_system_id="fs-00000000"))
    assert "fs-00000000 does not exist; create it first" in failure["msg"]


def test_too_many_security_groups_fail(world):
    failure = fail_module(efs_mount_targets, args(world, security_group_ids=["sg-{0}".format(i) for i in range(6)]))
    assert "1 to 5 security groups" in failure["msg"]


def test_absent(world):
    first = run_module(efs_mount_targets, args(world))
    result = run_module(efs_mount_targets, {"file_system_id": world["fs_id"], "state": "absent"})
    assert result["changed"] is True
    assert sorted(result["changes"]["deleted"]) == sorted(view["mount_target_id"] for view in first["mount_targets"])
    assert result["mount_targets"] == []
    assert result["diff"]["before"]["mount_targets"] == first["mount_targets"]
    assert aws_mount_targets(world) == {}
    # the file system can be deleted now
    world["efs"].delete_file_system(FileSystemId=world["fs_id"])


def test_absent_twice_and_on_a_missing_file_system(world):
    run_module(efs_mount_targets, args(world))
    assert run_module(efs_mount_targets, {"file_system_id": world["fs_id"], "state": "absent", "wait": False})["changed"] is True
    assert run_module(efs_mount_targets, {"file_system_id": world["fs_id"], "state": "absent"})["changed"] is False
    world["efs"].delete_file_system(FileSystemId=world["fs_id"])
    assert run_module(efs_mount_targets, {"file_system_id": world["fs_id"], "state": "absent"})["changed"] is False


def test_check_mode_absent_changes_nothing(world):
    run_module(efs_mount_targets, args(world))
    result = run_module(efs_mount_targets, {"file_system_id": world["fs_id"], "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert result["mount_targets"] == []
    assert len(aws_mount_targets(world)) == 2
