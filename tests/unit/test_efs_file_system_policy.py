"""efs_file_system_policy against in-process moto (with the localaws EFS fill), AWS state read back through boto3."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import efs_file_system_policy
from localaws.fills import efs as efs_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

ROLE = "arn:aws:iam::123456789012:role/streamflix-task-unit"
CHANGING = {"PutFileSystemPolicy", "DeleteFileSystemPolicy"}


def policy(file_system_arn, access_point_arn="arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TaskRole",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": file_system_arn,
                "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}, "Bool": {"aws:SecureTransport": "true"}},
            },
            {"Sid": "Tls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": file_system_arn,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }


@pytest.fixture
def client(moto):
    efs_fill.apply()
    return boto3.client("efs", region_name=REGION)


@pytest.fixture
def file_system(client):
    return client.create_file_system(CreationToken="unit", Encrypted=True)


@pytest.fixture
def calls():
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation_name, api_params):
        recorded.append(operation_name)
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        yield recorded


def aws_policy(client, file_system_id):
    return json.loads(client.describe_file_system_policy(FileSystemId=file_system_id)["Policy"])


def test_put_then_idempotent(client, file_system, calls):
    document = policy(file_system["FileSystemArn"])
    result = run_module(efs_file_system_policy, {"file_system_id": file_system["FileSystemId"], "policy": document})
    assert result["changed"] is True and result["diff"]["before"] is None
    assert aws_policy(client, file_system["FileSystemId"]) == document
    del calls[:]
    # Statement order and a one-element list against a string are not differences.
    reordered = dict(document, Statement=[dict(document["Statement"][1], Action=["*"]), document["Statement"][0]])
    again = run_module(efs_file_system_policy, {"file_system_id": file_system["FileSystemId"], "policy": reordered})
    assert again["changed"] is False and not CHANGING & set(calls)


def test_check_mode_plans_without_putting(client, file_system, calls):
    result = run_module(efs_file_system_policy, {"file_system_id": file_system["FileSystemId"], "policy": policy(file_system["FileSystemArn"])}, check_mode=True)
    assert result["changed"] is True and result["policy"]["Statement"][0]["Principal"] == {"AWS": ROLE}
    assert not CHANGING & set(calls)
    with pytest.raises(client.exceptions.PolicyNotFound):
        client.describe_file_system_policy(FileSystemId=file_system["FileSystemId"])


def test_a_changed_policy_is_put_back(client, file_system):
    fs_id = file_system["FileSystemId"]
    run_module(efs_file_system_policy, {"file_system_id": fs_id, "policy": policy(file_system["FileSystemArn"])})
    client.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount", "Resource": file_system["FileSystemArn"]}]}))
    result = run_module(efs_file_system_policy, {"file_system_id": fs_id, "policy": policy(file_system["FileSystemArn"])})
    assert result["changed"] is True and aws_policy(client, fs_id) == policy(file_system["FileSystemArn"])


def test_absent_deletes_and_twice_changes_nothing(client, file_system):
    fs_id = file_system["FileSystemId"]
    run_module(efs_file_system_policy, {"file_system_id": fs_id, "policy": policy(file_system["FileSystemArn"])})
    assert run_module(efs_file_system_policy, {"file_system_id": fs_id, "state": "absent"})["changed"] is True
    with pytest.raises(client.exceptions.PolicyNotFound):
        client.describe_file_system_policy(FileSystemId=fs_id)
    assert run_module(efs_file_system_policy, {"file_system_id": fs_id, "state": "absent"})["changed"] is False


def test_an_unknown_file_system_fails_naming_it(client):
    failure = fail_module(efs_file_system_policy, {"file_system_id": "fs-00000000", "policy": policy("arn:x")})
    assert "fs-00000000" in failure["msg"]


def test_a_document_without_statements_fails(client, file_system):
    failure = fail_module(efs_file_system_policy, {"file_system_id": file_system["FileSystemId"], "policy": {"Version": "2012-10-17"}})
    assert "Statement" in failure["msg"]
