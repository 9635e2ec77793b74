"""efs_access_point against in-process moto (with the localaws EFS fill), AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import efs
from ansible_collections.streamflix.media_platform.plugins.modules import efs_access_point
from localaws.fills import efs as efs_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-media-unit"


# ---------------------------------------------------------------- pure comparison


CURRENT = {
    "posix_user": {"uid": 1000, "gid": 1000, "secondary_gids": []},
    "root_directory": {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}},
}


@pytest.mark.parametrize(
    "posix_user, root_directory, expected",
    [
        ({"uid": 1000, "gid": 1000}, {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "755"}}, []),
        ({"uid": 1001, "gid": 1000}, {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}}, ["posix_user"]),
        ({"uid": 1000, "gid": 1000, "secondary_gids": [5]}, {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}}, ["posix_user"]),
        (None, {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}}, ["posix_user"]),
        ({"uid": 1000, "gid": 1000}, {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"}}, ["root_directory"]),
        ({"uid": 1000, "gid": 1000}, {"path": "/other", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}}, ["root_directory"]),
        ({"uid": 1000, "gid": 1000}, {"path": "/media"}, ["root_directory"]),
        ({"uid": 2, "gid": 2}, None, ["posix_user", "root_directory"]),
    ],
)
def test_access_point_differences(posix_user, root_directory, expected):
    desired = {"posix_user": efs.posix_user_from_params(posix_user), "root_directory": efs.root_directory_from_params(root_directory)}
    assert efs.access_point_differences(CURRENT, desired) == expected


@pytest.mark.parametrize("given, expected", [("755", "0755"), ("0755", "0755"), ("0700", "0700"), ("1777", "1777"), (493, "0755")])
def test_normalise_permissions(given, expected):
    assert efs.normalise_permissions(given) == expected


@pytest.mark.parametrize(
    "posix_user, root_directory, fragments",
    [
        ({"uid": 1000, "gid": 1000}, {"path": "/media", "creation_info": {"owner_uid": 1, "owner_gid": 1, "permissions": "0755"}}, []),
        (None, None, []),
        ({"uid": -1, "gid": 1000}, None, ["posix_user.uid"]),
        ({"uid": 1, "gid": 1, "secondary_gids": list(range(17))}, None, ["at most 16"]),
        (None, {"path": "media"}, ["root_directory.path"]),
        (None, {"path": "/a/b/c/d/e"}, ["root_directory.path"]),
        (None, {"path": "/.hidden"}, ["root_directory.path"]),
        (None, {"path": "/me;dia"}, ["root_directory.path"]),
        (None, {"path": "/media", "creation_info": {"owner_uid": 1, "owner_gid": 1, "permissions": "493"}}, ["permissions '493'"]),
        (None, {"path": "/media", "creation_info": {"owner_uid": 1, "owner_gid": 1, "permissions": "rwx"}}, ["permissions 'rwx'"]),
    ],
)
def test_access_point_problems(posix_user, root_directory, fragments):
    problems = efs.access_point_problems(posix_user, root_directory)
    assert len(problems) == len(fragments)
    for problem, fragment in zip(problems, fragments):
        assert fragment in problem


def test_create_request_shape():
    desired = {
        "posix_user": efs.posix_user_from_params({"uid": 1000, "gid": 1000, "secondary_gids": [7, 3]}),
        "root_directory": efs.root_directory_from_params({"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "755"}}),
        "tags": {"Name": "n", "a": "b"},
    }
    assert efs.create_access_point_request("fs-1", "n", desired) == {
        "ClientToken": "n",
        "FileSystemId": "fs-1",
        "Tags": [{"Key": "Name", "Value": "n"}, {"Key": "a", "Value": "b"}],
        "PosixUser": {"Uid": 1000, "Gid": 1000, "SecondaryGids": [3, 7]},
        "RootDirectory": {"Path": "/media", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}},
    }


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    efs_fill.apply()
    client = boto3.client("efs", region_name=REGION)
    fs_id = client.create_file_system(CreationToken="ap-unit", Encrypted=True)["FileSystemId"]
    return {"efs": client, "fs_id": fs_id}


def args(world, **extra):
    base = {
        "file_system_id": world["fs_id"],
        "name": NAME,
        "posix_user": {"uid": 1000, "gid": 1000},
        "root_directory": {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0755"}},
        "tags": {"Project": "streamflix"},
    }
    base.update(extra)
    return base


def aws_access_points(world):
    return world["efs"].describe_access_points(FileSystemId=world["fs_id"])["AccessPoints"]


def aws_tags(world, access_point_id):
    return {t["Key"]: t["Value"] for t in world["efs"].list_tags_for_resource(ResourceId=access_point_id)["Tags"]}


def test_create(world):
    result = run_module(efs_access_point, args(world))
    assert result["changed"] is True
    assert result["replaced"] == []
    [created] = aws_access_points(world)
    assert created["AccessPointId"] == result["access_point"]["access_point_id"]
    assert created["ClientToken"] == NAME
    assert created["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert created["RootDirectory"] == {"Path": "/media", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}}
    assert aws_tags(world, created["AccessPointId"]) == {"Name": NAME, "Project": "streamflix"}
    view = result["access_point"]
    assert view["name"] == NAME
    assert view["file_system_id"] == world["fs_id"]
    assert view["posix_user"] == {"uid": 1000, "gid": 1000, "secondary_gids": []}
    assert view["root_directory"]["creation_info"]["permissions"] == "0755"
    assert view["life_cycle_state"] == "available"
    assert result["diff"] == {"before": {}, "after": view}


def test_second_run_is_idempotent(world):
    first = run_module(efs_access_point, args(world))
    same = args(world, root_directory={"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "755"}})
    with mock.patch.object(efs, "create_access_point") as create, mock.patch.object(efs, "tag_resource") as tag:
        second = run_module(efs_access_point, same)
    assert second["changed"] is False
    assert not create.called and not tag.called
    assert second["access_point"] == first["access_point"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert len(aws_access_points(world)) == 1


def test_check_mode_create_changes_nothing(world):
    result = run_module(efs_access_point, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["access_point"]["access_point_id"] is None
    assert result["access_point"]["root_directory"]["path"] == "/media"
    assert result["access_point"]["tags"] == {"Name": NAME, "Project": "streamflix"}
    assert result["diff"] == {"before": {}, "after": result["access_point"]}
    assert aws_access_points(world) == []


def test_tags_change_in_place(world):
    first = run_module(efs_access_point, args(world))
    ap_id = first["access_point"]["access_point_id"]
    with mock.patch.object(efs, "create_access_point") as create, mock.patch.object(efs, "delete_access_point") as delete:
        result = run_module(efs_access_point, args(world, tags={"Owner": "media"}))
    assert not create.called and not delete.called
    assert result["changed"] is True
    assert result["access_point"]["access_point_id"] == ap_id
    assert aws_tags(world, ap_id) == {"Name": NAME, "Owner": "media"}
    assert result["diff"]["before"]["tags"] == {"Name": NAME, "Project": "streamflix"}
    assert result["diff"]["after"]["tags"] == {"Name": NAME, "Owner": "media"}
    assert run_module(efs_access_point, args(world, tags={"Extra": "x"}, purge_tags=False))["changed"] is True
    assert aws_tags(world, ap_id) == {"Name": NAME, "Owner": "media", "Extra": "x"}


def test_check_mode_tags_change_nothing(world):
    first = run_module(efs_access_point, args(world))
    result = run_module(efs_access_point, args(world, tags={}), check_mode=True)
    assert result["changed"] is True
    assert result["access_point"]["tags"] == {"Name": NAME}
    assert aws_tags(world, first["access_point"]["access_point_id"]) == {"Name": NAME, "Project": "streamflix"}


def test_immutable_change_without_replace_fails_naming_settings(world):
    first = run_module(efs_access_point, args(world))
    failure = fail_module(efs_access_point, args(world, posix_user={"uid": 2000, "gid": 2000}))
    assert failure["replaced"] == ["posix_user"]
    assert "posix_user" in failure["msg"] and "replace_on_change=true" in failure["msg"]
    [still] = aws_access_points(world)
    assert still["AccessPointId"] == first["access_point"]["access_point_id"]
    assert still["PosixUser"]["Uid"] == 1000


def test_immutable_change_with_replace(world):
    first = run_module(efs_access_point, args(world))
    old_id = first["access_point"]["access_point_id"]
    new_root = {"path": "/media", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"}}
    result = run_module(efs_access_point, args(world, root_directory=new_root, replace_on_change=True))
    assert result["changed"] is True
    assert result["replaced"] == ["root_directory"]
    [created] = aws_access_points(world)
    assert created["AccessPointId"] == result["access_point"]["access_point_id"] != old_id
    assert created["RootDirectory"]["CreationInfo"]["Permissions"] == "0750"
    assert aws_tags(world, created["AccessPointId"]) == {"Name": NAME, "Project": "streamflix"}
    assert result["diff"]["before"]["access_point_id"] == old_id


def test_check_mode_replace_changes_nothing(world):
    first = run_module(efs_access_point, args(world))
    result = run_module(efs_access_point, args(world, posix_user={"uid": 2000, "gid": 2000}, replace_on_change=True), check_mode=True)
    assert result["changed"] is True
    assert result["replaced"] == ["posix_user"]
    assert result["access_point"]["posix_user"]["uid"] == 2000
    assert [ap["AccessPointId"] for ap in aws_access_points(world)] == [first["access_point"]["access_point_id"]]


def test_absent(world):
    run_module(efs_access_point, args(world))
    other = world["efs"].create_access_point(ClientToken="other", FileSystemId=world["fs_id"], Tags=[{"Key": "Name", "Value": "other"}])
    result = run_module(efs_access_point, {"file_system_id": world["fs_id"], "name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert result["access_point"] == {}
    assert result["diff"]["after"] == {}
    assert [ap["AccessPointId"] for ap in aws_access_points(world)] == [other["AccessPointId"]]  # only ours went


def test_absent_twice_and_on_a_missing_file_system(world):
    run_module(efs_access_point, args(world))
    assert run_module(efs_access_point, {"file_system_id": world["fs_id"], "name": NAME, "state": "absent"})["changed"] is True
    assert run_module(efs_access_point, {"file_system_id": world["fs_id"], "name": NAME, "state": "absent"})["changed"] is False
    assert run_module(efs_access_point, {"file_system_id": "fs-00000000", "name": NAME, "state": "absent"})["changed"] is False


def test_check_mode_absent_changes_nothing(world):
    run_module(efs_access_point, args(world))
    result = run_module(efs_access_point, {"file_system_id": world["fs_id"], "name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert len(aws_access_points(world)) == 1


def test_recreate_after_delete_reuses_the_name(world):
    first = run_module(efs_access_point, args(world))
    run_module(efs_access_point, {"file_system_id": world["fs_id"], "name": NAME, "state": "absent"})
    second = run_module(efs_access_point, args(world))
    assert second["changed"] is True
    assert second["access_point"]["access_point_id"] != first["access_point"]["access_point_id"]


def test_missing_file_system_fails(world):
    failure = fail_module(efs_access_point, args(world, file_system_id="fs-00000000"))
    assert "fs-00000000 does not exist; create it first" in failure["msg"]


def test_duplicate_names_fail(world):
    for token in ("a", "b"):
        world["efs"].create_access_point(ClientToken=token, FileSystemId=world["fs_id"], Tags=[{"Key": "Name", "Value": NAME}])
    failure = fail_module(efs_access_point, args(world))
    assert "has 2 access points named {0}".format(NAME) in failure["msg"]


def test_invalid_permissions_fail_before_any_change(world):
    failure = fail_module(efs_access_point, args(world, root_directory={"path": "/media", "creation_info": {"owner_uid": 1, "owner_gid": 1, "permissions": 493}}))
    assert "quote it in YAML" in failure["msg"]
    assert aws_access_points(world) == []
