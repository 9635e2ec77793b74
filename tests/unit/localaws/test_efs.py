"""EFS fills: DescribeTags/CreateTags/DeleteTags, PutBackupPolicy, UpdateFileSystem."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def efs(client):
    return client("efs")


@pytest.fixture
def file_system(efs, name):
    fs = efs.create_file_system(
        CreationToken=name,
        Encrypted=True,
        Tags=[{"Key": "Name", "Value": name}, {"Key": "Project", "Value": "streamflix"}, {"Key": "Env", "Value": "t"}],
    )
    return fs["FileSystemId"]


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_describe_tags_lists_the_tags(efs, file_system, name):
    response = efs.describe_tags(FileSystemId=file_system)
    assert {t["Key"]: t["Value"] for t in response["Tags"]} == {"Name": name, "Project": "streamflix", "Env": "t"}
    assert "NextMarker" not in response


def test_describe_tags_pages_with_markers(efs, file_system):
    first = efs.describe_tags(FileSystemId=file_system, MaxItems=2)
    assert len(first["Tags"]) == 2
    second = efs.describe_tags(FileSystemId=file_system, MaxItems=2, Marker=first["NextMarker"])
    assert second["Marker"] == first["NextMarker"]
    assert len(second["Tags"]) == 1
    assert "NextMarker" not in second
    keys = [t["Key"] for t in first["Tags"] + second["Tags"]]
    assert sorted(keys) == ["Env", "Name", "Project"]

    paginated = efs.get_paginator("describe_tags").paginate(FileSystemId=file_system, PaginationConfig={"PageSize": 1})
    assert sum(len(page["Tags"]) for page in paginated) == 3


def test_describe_tags_of_missing_file_system_is_not_found(efs):
    with pytest.raises(ClientError) as excinfo:
        efs.describe_tags(FileSystemId="fs-00000000")
    assert error_of(excinfo) == ("FileSystemNotFound", 404)


def test_describe_tags_with_bad_marker_is_bad_request(efs, file_system):
    with pytest.raises(ClientError) as excinfo:
        efs.describe_tags(FileSystemId=file_system, Marker="not-a-marker")
    assert error_of(excinfo) == ("BadRequest", 400)


def test_create_and_delete_tags(efs, file_system):
    efs.create_tags(FileSystemId=file_system, Tags=[{"Key": "Owner", "Value": "media"}])
    tags = {t["Key"]: t["Value"] for t in efs.describe_tags(FileSystemId=file_system)["Tags"]}
    assert tags["Owner"] == "media"
    efs.delete_tags(FileSystemId=file_system, TagKeys=["Owner", "Env"])
    tags = {t["Key"] for t in efs.list_tags_for_resource(ResourceId=file_system)["Tags"]}
    assert tags == {"Name", "Project"}
    with pytest.raises(ClientError) as excinfo:
        efs.create_tags(FileSystemId="fs-00000000", Tags=[{"Key": "a", "Value": "b"}])
    assert error_of(excinfo) == ("FileSystemNotFound", 404)


def test_put_backup_policy(efs, file_system):
    assert efs.put_backup_policy(FileSystemId=file_system, BackupPolicy={"Status": "ENABLED"})["BackupPolicy"] == {
        "Status": "ENABLED"
    }
    assert efs.describe_backup_policy(FileSystemId=file_system)["BackupPolicy"]["Status"] == "ENABLED"
    efs.put_backup_policy(FileSystemId=file_system, BackupPolicy={"Status": "DISABLED"})
    assert efs.describe_backup_policy(FileSystemId=file_system)["BackupPolicy"]["Status"] == "DISABLED"


def test_put_backup_policy_rejects_bad_input(efs, file_system):
    with pytest.raises(ClientError) as excinfo:
        efs.put_backup_policy(FileSystemId=file_system, BackupPolicy={"Status": "ENABLING"})
    assert error_of(excinfo) == ("BadRequest", 400)
    with pytest.raises(ClientError) as excinfo:
        efs.put_backup_policy(FileSystemId="fs-00000000", BackupPolicy={"Status": "ENABLED"})
    assert error_of(excinfo) == ("FileSystemNotFound", 404)


def test_update_file_system_throughput(efs, file_system):
    updated = efs.update_file_system(FileSystemId=file_system, ThroughputMode="elastic")
    assert updated["ThroughputMode"] == "elastic"
    described = efs.describe_file_systems(FileSystemId=file_system)["FileSystems"][0]
    assert described["ThroughputMode"] == "elastic"
    with pytest.raises(ClientError) as excinfo:
        efs.update_file_system(FileSystemId=file_system, ThroughputMode="provisioned")
    assert error_of(excinfo) == ("BadRequest", 400)
    updated = efs.update_file_system(
        FileSystemId=file_system, ThroughputMode="provisioned", ProvisionedThroughputInMibps=64.0
    )
    assert updated["ProvisionedThroughputInMibps"] == 64.0
