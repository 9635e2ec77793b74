"""efs_file_system against in-process moto (with the localaws EFS fill), AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import efs
from ansible_collections.streamflix.media_platform.plugins.modules import efs_file_system
from localaws.fills import efs as efs_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-media-unit"


# ---------------------------------------------------------------- pure comparison


BASE = {"encrypted": True, "kms_key_arn": "arn:k1", "performance_mode": "generalPurpose"}


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ({}, {}, []),
        ({}, {"kms_key_arn": None}, []),  # no key asked for: any key is fine
        ({}, {"kms_key_arn": "arn:k2"}, ["kms_key_arn"]),
        ({"kms_key_arn": None}, {}, ["kms_key_arn"]),  # AWS-managed key, ours asked for
        ({}, {"encrypted": False, "kms_key_arn": None}, ["encrypted"]),
        ({"encrypted": False, "kms_key_arn": None}, {"kms_key_arn": None}, ["encrypted"]),
        ({}, {"performance_mode": "maxIO"}, ["performance_mode"]),
        ({}, {"performance_mode": "maxIO", "kms_key_arn": "arn:k2"}, ["kms_key_arn", "performance_mode"]),
    ],
)
def test_immutable_differences(current, desired, expected):
    assert efs.immutable_differences(dict(BASE, **current), dict(BASE, **desired)) == expected


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        (("bursting", None), ("bursting", None), {}),
        (("bursting", None), ("elastic", None), {"ThroughputMode": "elastic"}),
        (("elastic", None), ("provisioned", 64), {"ThroughputMode": "provisioned", "ProvisionedThroughputInMibps": 64.0}),
        (("provisioned", 64.0), ("provisioned", 64), {}),
        (("provisioned", 64.0), ("provisioned", 128), {"ProvisionedThroughputInMibps": 128.0}),
        (("provisioned", 64.0), ("bursting", None), {"ThroughputMode": "bursting"}),
    ],
)
def test_throughput_update(current, desired, expected):
    current = {"throughput_mode": current[0], "provisioned_throughput_in_mibps": current[1]}
    desired = {"throughput_mode": desired[0], "provisioned_throughput_in_mibps": desired[1]}
    assert efs.throughput_update(current, desired) == expected


def desired(**change):
    base = {
        "encrypted": True,
        "kms_key_id": None,
        "performance_mode": "generalPurpose",
        "throughput_mode": "bursting",
        "provisioned_throughput_in_mibps": None,
        "lifecycle": {},
    }
    base.update(change)
    return base


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"throughput_mode": "provisioned"}, ["needs provisioned_throughput_in_mibps"]),
        ({"provisioned_throughput_in_mibps": 10.0}, ["only valid with throughput_mode=provisioned"]),
        ({"throughput_mode": "provisioned", "provisioned_throughput_in_mibps": 10.0}, []),
        ({"encrypted": False, "kms_key_id": "k"}, ["kms_key_id needs encrypted=true"]),
        ({"lifecycle": {"TransitionToArchive": "AFTER_90_DAYS"}}, ["needs throughput_mode=elastic"]),
        ({"throughput_mode": "elastic", "lifecycle": {"TransitionToArchive": "AFTER_90_DAYS"}}, []),
        (
            {"throughput_mode": "elastic", "performance_mode": "maxIO", "lifecycle": {"TransitionToArchive": "AFTER_90_DAYS"}},
            ["needs throughput_mode=elastic and performance_mode=generalPurpose"],
        ),
        (
            {"throughput_mode": "elastic", "lifecycle": {"TransitionToIA": "AFTER_90_DAYS", "TransitionToArchive": "AFTER_90_DAYS"}},
            ["must be later than transition_to_ia"],
        ),
        ({"throughput_mode": "elastic", "lifecycle": {"TransitionToIA": "AFTER_30_DAYS", "TransitionToArchive": "AFTER_90_DAYS"}}, []),
    ],
)
def test_file_system_problems(change, expected):
    problems = efs.file_system_problems(desired(**change))
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected):
        assert fragment in problem


@pytest.mark.parametrize(
    "lifecycle, policies",
    [
        ({}, []),
        ({"TransitionToIA": "AFTER_30_DAYS"}, [{"TransitionToIA": "AFTER_30_DAYS"}]),
        (
            {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS", "TransitionToIA": "AFTER_7_DAYS", "TransitionToArchive": "AFTER_90_DAYS"},
            [{"TransitionToIA": "AFTER_7_DAYS"}, {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}, {"TransitionToArchive": "AFTER_90_DAYS"}],
        ),
    ],
)
def test_lifecycle_policies_round_trip(lifecycle, policies):
    assert efs.lifecycle_policies(lifecycle) == policies
    assert efs.lifecycle_from_policies(policies) == lifecycle


@pytest.mark.parametrize(
    "tags, current, purge, expected",
    [
        (None, {"Name": "n", "a": "1"}, True, {"Name": "n", "a": "1"}),
        ({"b": "2"}, {"Name": "n", "a": "1"}, True, {"Name": "n", "b": "2"}),
        ({"b": "2"}, {"Name": "n", "a": "1"}, False, {"Name": "n", "a": "1", "b": "2"}),
        ({"Name": "other"}, {}, True, {"Name": "n"}),  # Name is always the module's name
    ],
)
def test_desired_tags(tags, current, purge, expected):
    assert efs.desired_tags("n", tags, current, purge) == expected


@pytest.mark.parametrize("status, expected", [(None, "disabled"), ("DISABLED", "disabled"), ("DISABLING", "disabled"), ("ENABLED", "enabled"), ("ENABLING", "enabled")])
def test_backup_state(status, expected):
    assert efs.backup_state(status) == expected


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    efs_fill.apply()
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="platform")["KeyMetadata"]
    other = kms.create_key(Description="other")["KeyMetadata"]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=key["KeyId"])
    return {"efs": boto3.client("efs", region_name=REGION), "ec2": boto3.client("ec2", region_name=REGION), "key": key, "other_key": other}


def args(world, **extra):
    base = {
        "name": NAME,
        "kms_key_id": world["key"]["Arn"],
        "throughput_mode": "elastic",
        "transition_to_ia": "AFTER_30_DAYS",
        "transition_to_primary_storage_class": "AFTER_1_ACCESS",
        "tags": {"Project": "streamflix"},
    }
    base.update(extra)
    return base


def aws_fs(world):
    found = world["efs"].describe_file_systems(CreationToken=NAME)["FileSystems"]
    return found[0] if found else None


def aws_lifecycle(world, fs_id):
    return world["efs"].describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"]


def aws_backup(world, fs_id):
    return world["efs"].describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"]


def aws_tags(world, fs_id):
    return {t["Key"]: t["Value"] for t in world["efs"].list_tags_for_resource(ResourceId=fs_id)["Tags"]}


def test_create(world):
    result = run_module(efs_file_system, args(world))
    assert result["changed"] is True
    assert result["changes"] == ["file_system"]
    fs = aws_fs(world)
    assert fs["FileSystemId"] == result["file_system"]["file_system_id"]
    assert fs["CreationToken"] == NAME
    assert fs["Encrypted"] is True
    assert fs["KmsKeyId"] == world["key"]["Arn"]
    assert fs["PerformanceMode"] == "generalPurpose"
    assert fs["ThroughputMode"] == "elastic"
    assert aws_lifecycle(world, fs["FileSystemId"]) == [{"TransitionToIA": "AFTER_30_DAYS"}, {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}]
    assert aws_backup(world, fs["FileSystemId"]) == "ENABLED"
    assert aws_tags(world, fs["FileSystemId"]) == {"Name": NAME, "Project": "streamflix"}
    view = result["file_system"]
    assert view["name"] == NAME
    assert view["life_cycle_state"] == "available"
    assert view["transition_to_ia"] == "AFTER_30_DAYS"
    assert view["transition_to_archive"] is None
    assert view["backup_policy"] == "enabled"
    assert result["diff"] == {"before": {}, "after": view}


def test_create_provisioned_without_backup(world):
    result = run_module(
        efs_file_system,
        args(world, throughput_mode="provisioned", provisioned_throughput_in_mibps=64, backup_policy="disabled", transition_to_ia=None, transition_to_primary_storage_class=None),
    )
    fs = aws_fs(world)
    assert (fs["ThroughputMode"], fs["ProvisionedThroughputInMibps"]) == ("provisioned", 64.0)
    assert aws_lifecycle(world, fs["FileSystemId"]) == []
    with pytest.raises(world["efs"].exceptions.PolicyNotFound):  # never enabled: AWS has no policy
        aws_backup(world, fs["FileSystemId"])
    assert result["file_system"]["backup_policy"] == "disabled"
    assert result["file_system"]["provisioned_throughput_in_mibps"] == 64.0


def test_second_run_is_idempotent_with_key_alias(world):
    first = run_module(efs_file_system, args(world))
    # the same key given by alias: resolved, not a difference
    with mock.patch.object(efs, "update_file_system") as update, mock.patch.object(efs, "put_lifecycle") as put:
        second = run_module(efs_file_system, args(world, kms_key_id="alias/streamflix-unit"))
    assert second["changed"] is False
    assert second["changes"] == []
    assert second["file_system"] == first["file_system"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert not update.called and not put.called
    assert len(world["efs"].describe_file_systems()["FileSystems"]) == 1


def test_check_mode_create_changes_nothing(world):
    result = run_module(efs_file_system, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["file_system"]["file_system_id"] is None
    assert result["file_system"]["kms_key_id"] == world["key"]["Arn"]
    assert result["file_system"]["throughput_mode"] == "elastic"
    assert result["file_system"]["transition_to_ia"] == "AFTER_30_DAYS"
    assert result["file_system"]["tags"] == {"Name": NAME, "Project": "streamflix"}
    assert result["diff"] == {"before": {}, "after": result["file_system"]}
    assert world["efs"].describe_file_systems()["FileSystems"] == []


def spies():
    names = ("put_lifecycle", "put_backup_policy", "update_file_system", "tag_resource", "untag_resource")
    return {name: mock.patch.object(efs, name, wraps=getattr(efs, name)) for name in names}


def test_modify_lifecycle_only_sends_lifecycle(world):
    first = run_module(efs_file_system, args(world))
    fs_id = first["file_system"]["file_system_id"]
    patches = spies()
    mocks = {name: patcher.start() for name, patcher in patches.items()}
    try:
        result = run_module(efs_file_system, args(world, transition_to_ia="AFTER_7_DAYS", transition_to_primary_storage_class=None))
    finally:
        for patcher in patches.values():
            patcher.stop()
    assert result["changed"] is True
    assert result["changes"] == ["lifecycle"]
    assert mocks["put_lifecycle"].call_count == 1
    assert not any(mocks[name].called for name in ("put_backup_policy", "update_file_system", "tag_resource", "untag_resource"))
    assert aws_lifecycle(world, fs_id) == [{"TransitionToIA": "AFTER_7_DAYS"}]
    assert result["file_system"]["file_system_id"] == fs_id
    assert result["diff"]["before"]["transition_to_ia"] == "AFTER_30_DAYS"
    assert result["diff"]["after"]["transition_to_ia"] == "AFTER_7_DAYS"
    assert result["diff"]["after"]["transition_to_primary_storage_class"] is None


def test_modify_throughput_backup_tags_and_archive(world):
    first = run_module(efs_file_system, args(world, throughput_mode="bursting"))
    fs_id = first["file_system"]["file_system_id"]
    result = run_module(
        efs_file_system,
        args(world, throughput_mode="elastic", transition_to_archive="AFTER_90_DAYS", backup_policy="disabled", tags={"Owner": "media"}),
    )
    assert result["changed"] is True
    assert sorted(result["changes"]) == ["backup_policy", "lifecycle", "tags", "throughput_mode"]
    fs = aws_fs(world)
    assert fs["FileSystemId"] == fs_id
    assert fs["ThroughputMode"] == "elastic"
    assert {"TransitionToArchive": "AFTER_90_DAYS"} in aws_lifecycle(world, fs_id)
    assert aws_backup(world, fs_id) == "DISABLED"
    assert aws_tags(world, fs_id) == {"Name": NAME, "Owner": "media"}
    again = run_module(
        efs_file_system,
        args(world, throughput_mode="elastic", transition_to_archive="AFTER_90_DAYS", backup_policy="disabled", tags={"Owner": "media"}),
    )
    assert again["changed"] is False


def test_provisioned_throughput_change_sends_only_mibps(world):
    run_module(efs_file_system, args(world, throughput_mode="provisioned", provisioned_throughput_in_mibps=64))
    with mock.patch.object(efs, "update_file_system", wraps=efs.update_file_system) as update:
        result = run_module(efs_file_system, args(world, throughput_mode="provisioned", provisioned_throughput_in_mibps=128))
    assert result["changes"] == ["provisioned_throughput_in_mibps"]
    assert update.call_args[0][2] == {"ProvisionedThroughputInMibps": 128.0}
    assert aws_fs(world)["ProvisionedThroughputInMibps"] == 128.0


def test_tags_without_purge_and_omitted(world):
    first = run_module(efs_file_system, args(world))
    fs_id = first["file_system"]["file_system_id"]
    result = run_module(efs_file_system, args(world, tags={"Owner": "media"}, purge_tags=False))
    assert result["changes"] == ["tags"]
    assert aws_tags(world, fs_id) == {"Name": NAME, "Project": "streamflix", "Owner": "media"}
    params = args(world)
    del params["tags"]
    assert run_module(efs_file_system, params)["changed"] is False
    assert aws_tags(world, fs_id) == {"Name": NAME, "Project": "streamflix", "Owner": "media"}


def test_check_mode_modify_changes_nothing(world):
    first = run_module(efs_file_system, args(world))
    fs_id = first["file_system"]["file_system_id"]
    result = run_module(efs_file_system, args(world, throughput_mode="bursting", transition_to_ia="AFTER_90_DAYS", backup_policy="disabled", tags={}), check_mode=True)
    assert result["changed"] is True
    assert sorted(result["changes"]) == ["backup_policy", "lifecycle", "tags", "throughput_mode"]
    after = result["file_system"]
    assert (after["throughput_mode"], after["transition_to_ia"], after["backup_policy"], after["tags"]) == ("bursting", "AFTER_90_DAYS", "disabled", {"Name": NAME})
    assert result["diff"]["before"] == first["file_system"]
    fs = aws_fs(world)
    assert fs["ThroughputMode"] == "elastic"
    assert aws_lifecycle(world, fs_id)[0] == {"TransitionToIA": "AFTER_30_DAYS"}
    assert aws_backup(world, fs_id) == "ENABLED"
    assert aws_tags(world, fs_id) == {"Name": NAME, "Project": "streamflix"}


@pytest.mark.parametrize(
    "change, named",
    [
        ({"performance_mode": "maxIO"}, "performance_mode"),
        ({"encrypted": False, "kms_key_id": None}, "encrypted"),
        ("other_key", "kms_key_arn"),
    ],
)
def test_immutable_change_fails_and_changes_nothing(world, change, named):
    run_module(efs_file_system, args(world))
    before = aws_fs(world)
    if change == "other_key":
        change = {"kms_key_id": world["other_key"]["KeyId"]}
    failure = fail_module(efs_file_system, args(world, **change))
    assert named in failure["msg"]
    assert "needs a new file system" in failure["msg"]
    assert failure["immutable"] == [named]
    after = aws_fs(world)
    assert (after["FileSystemId"], after["PerformanceMode"], after["Encrypted"]) == (before["FileSystemId"], before["PerformanceMode"], before["Encrypted"])


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"throughput_mode": "provisioned"}, "needs provisioned_throughput_in_mibps"),
        ({"throughput_mode": "bursting", "transition_to_archive": "AFTER_90_DAYS"}, "transition_to_archive needs throughput_mode=elastic"),
        ({"name": "x" * 65}, "1 to 64 characters"),
        ({"kms_key_id": "alias/does-not-exist"}, "Could not find KMS key alias/does-not-exist"),
    ],
)
def test_invalid_requests_fail_before_any_change(world, change, fragment):
    failure = fail_module(efs_file_system, args(world, **change))
    assert fragment in failure["msg"]
    assert world["efs"].describe_file_systems()["FileSystems"] == []


@pytest.fixture
def populated(world):
    """A file system with two mount targets and an access point."""
    fs_id = run_module(efs_file_system, args(world))["file_system"]["file_system_id"]
    vpc_id = world["ec2"].create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    for index, az in enumerate(("us-east-1a", "us-east-1b")):
        subnet_id = world["ec2"].create_subnet(VpcId=vpc_id, CidrBlock="10.30.{0}.0/24".format(index), AvailabilityZone=az)["Subnet"]["SubnetId"]
        world["efs"].create_mount_target(FileSystemId=fs_id, SubnetId=subnet_id)
    world["efs"].create_access_point(ClientToken="media", FileSystemId=fs_id, Tags=[{"Key": "Name", "Value": "media"}])
    return fs_id


def test_absent_deletes_mount_targets_access_points_then_file_system(world, populated):
    result = run_module(efs_file_system, {"name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert result["changes"] == ["file_system", "access_points", "mount_targets"]
    assert result["file_system"] == {}
    assert result["diff"]["before"]["file_system_id"] == populated
    assert result["diff"]["after"] == {}
    assert world["efs"].describe_file_systems()["FileSystems"] == []
    assert world["efs"].describe_access_points()["AccessPoints"] == []
    assert world["ec2"].describe_network_interfaces()["NetworkInterfaces"] == []  # the mount targets' interfaces


def test_absent_without_waiting_leaves_the_file_system_until_its_mount_targets_are_gone(world, populated):
    result = run_module(efs_file_system, {"name": NAME, "state": "absent", "wait": False})
    assert result["changed"] is True
    assert result["changes"] == ["access_points", "mount_targets"]
    assert result["file_system"]["file_system_id"] == populated  # left: AWS refuses it while mount targets exist
    assert world["efs"].describe_access_points()["AccessPoints"] == []
    assert aws_fs(world)["FileSystemId"] == populated
    finished = run_module(efs_file_system, {"name": NAME, "state": "absent"})
    assert finished["changes"] == ["file_system"]
    assert world["efs"].describe_file_systems()["FileSystems"] == []


def test_absent_twice(world):
    run_module(efs_file_system, args(world))
    assert run_module(efs_file_system, {"name": NAME, "state": "absent", "wait": False})["changed"] is True
    again = run_module(efs_file_system, {"name": NAME, "state": "absent"})
    assert again["changed"] is False
    assert again["diff"] == {"before": {}, "after": {}}


def test_check_mode_absent_changes_nothing(world, populated):
    result = run_module(efs_file_system, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["file_system", "access_points", "mount_targets"]
    assert aws_fs(world)["NumberOfMountTargets"] == 2
    assert len(world["efs"].describe_access_points(FileSystemId=populated)["AccessPoints"]) == 1


def test_recreate_after_delete_reuses_the_name(world):
    first = run_module(efs_file_system, args(world))
    run_module(efs_file_system, {"name": NAME, "state": "absent"})
    second = run_module(efs_file_system, args(world))
    assert second["changed"] is True
    assert second["file_system"]["file_system_id"] != first["file_system"]["file_system_id"]
    assert aws_fs(world)["FileSystemId"] == second["file_system"]["file_system_id"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, []),
        ({"transition_to_ia": None, "transition_to_archive": "AFTER_90_DAYS"}, []),
        ({"transition_to_ia": "AFTER_2_DAYS"}, ["transition_to_ia"]),
        ({"transition_to_primary_storage_class": "AFTER_30_DAYS"}, ["transition_to_primary_storage_class"]),
        ({"transition_to_ia": "30", "transition_to_archive": "never"}, ["transition_to_ia", "transition_to_archive"]),
    ],
)
def test_lifecycle_value_problems(params, expected):
    problems = efs.lifecycle_value_problems(params)
    assert [problem.split(" ")[0] for problem in problems] == expected


def test_unknown_lifecycle_value_fails(world):
    failure = fail_module(efs_file_system, args(world, transition_to_ia="AFTER_2_DAYS"))
    assert "transition_to_ia must be one of AFTER_1_DAY" in failure["msg"]
    assert world["efs"].describe_file_systems()["FileSystems"] == []
