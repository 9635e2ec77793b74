"""EFS fills: DescribeTags/CreateTags/DeleteTags, PutBackupPolicy, UpdateFileSystem."""

from __future__ import annotations

import json

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


@pytest.fixture
def subnet(client, name):
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    return {"vpc_id": vpc_id, "subnet_id": subnet_id}


def test_mount_target_without_security_groups_gets_the_vpc_default(client, efs, file_system, subnet):
    ec2 = client("ec2")
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [subnet["vpc_id"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    mount_target = efs.create_mount_target(FileSystemId=file_system, SubnetId=subnet["subnet_id"])
    groups = efs.describe_mount_target_security_groups(MountTargetId=mount_target["MountTargetId"])["SecurityGroups"]
    assert groups == [default]
    efs.delete_mount_target(MountTargetId=mount_target["MountTargetId"])


def test_mount_target_in_unknown_subnet_is_still_subnet_not_found(efs, file_system):
    with pytest.raises(ClientError) as excinfo:
        efs.create_mount_target(FileSystemId=file_system, SubnetId="subnet-00000000")
    assert error_of(excinfo) == ("SubnetNotFound", 404)


def test_access_point_client_token_and_file_system_are_checked(efs, file_system, name):
    created = efs.create_access_point(ClientToken=name, FileSystemId=file_system)
    with pytest.raises(ClientError) as excinfo:
        efs.create_access_point(ClientToken=name, FileSystemId=file_system)
    assert error_of(excinfo) == ("AccessPointAlreadyExists", 409)
    assert excinfo.value.response["AccessPointId"] == created["AccessPointId"]
    with pytest.raises(ClientError) as excinfo:
        efs.create_access_point(ClientToken=name + "-x", FileSystemId="fs-00000000")
    assert error_of(excinfo) == ("FileSystemNotFound", 404)
    efs.delete_access_point(AccessPointId=created["AccessPointId"])
    # the token is free again once the access point is gone
    again = efs.create_access_point(ClientToken=name, FileSystemId=file_system)
    efs.delete_access_point(AccessPointId=again["AccessPointId"])


def test_delete_unknown_access_point_is_not_found(efs):
    with pytest.raises(ClientError) as excinfo:
        efs.delete_access_point(AccessPointId="fsap-00000000")
    assert error_of(excinfo) == ("AccessPointNotFound", 404)


def test_lifecycle_policy_takes_one_transition_each(efs, file_system):
    with pytest.raises(ClientError) as excinfo:
        efs.put_lifecycle_configuration(
            FileSystemId=file_system,
            LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS", "TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}],
        )
    assert error_of(excinfo) == ("BadRequest", 400)
    policies = [{"TransitionToIA": "AFTER_30_DAYS"}, {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}]
    efs.put_lifecycle_configuration(FileSystemId=file_system, LifecyclePolicies=policies)
    assert efs.describe_lifecycle_configuration(FileSystemId=file_system)["LifecyclePolicies"] == policies


def test_delete_file_system_policy_removes_it(efs, file_system):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
                                                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    efs.put_file_system_policy(FileSystemId=file_system, Policy=json.dumps(policy))
    efs.delete_file_system_policy(FileSystemId=file_system)
    with pytest.raises(ClientError) as excinfo:
        efs.describe_file_system_policy(FileSystemId=file_system)
    assert error_of(excinfo) == ("PolicyNotFound", 404)


def test_delete_file_system_policy_of_an_unknown_file_system_is_not_found(efs):
    with pytest.raises(ClientError) as excinfo:
        efs.delete_file_system_policy(FileSystemId="fs-00000000")
    assert error_of(excinfo) == ("FileSystemNotFound", 404)
