"""kms_key against in-process moto, with the AWS state read back through boto3."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import kms_key
from module_harness import ACCOUNT_ID, REGION, aws_env, fail_module, moto, run_module  # noqa: F401

ALIAS = "alias/streamflix-unit"
TAGS = {"Project": "streamflix", "Environment": "unit", "ManagedBy": "ansible"}


def policy(*extra_sids):
    statements = [{"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{0}:root".format(ACCOUNT_ID)}, "Action": "kms:*", "Resource": "*"}]
    statements += [
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{0}:root".format(ACCOUNT_ID)}, "Action": ["kms:Decrypt"], "Resource": "*"}
        for sid in extra_sids
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def args(**extra):
    base = {"alias": ALIAS, "description": "unit key", "enable_key_rotation": True, "policy": policy(), "tags": TAGS, "purge_tags": True}
    base.update(extra)
    return base


@pytest.fixture
def client(moto):
    return boto3.client("kms", region_name=REGION)


def live(client):
    metadata = client.describe_key(KeyId=ALIAS)["KeyMetadata"]
    tags = {tag["TagKey"]: tag["TagValue"] for tag in client.list_resource_tags(KeyId=metadata["KeyId"])["Tags"]}
    return {
        "metadata": metadata,
        "rotation": client.get_key_rotation_status(KeyId=metadata["KeyId"])["KeyRotationEnabled"],
        "policy": json.loads(client.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]),
        "tags": tags,
    }


@pytest.fixture
def operations():
    """The AWS operations the module calls, in order."""
    called = []
    real = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        called.append(operation_name)
        return real(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield called


def test_create(client):
    result = run_module(kms_key, args())
    assert result["changed"] is True and result["changes"] == ["created"]
    state = live(client)
    assert result["key_arn"] == state["metadata"]["Arn"] and result["key_id"] == state["metadata"]["KeyId"]
    assert state["metadata"]["Description"] == "unit key"
    assert state["metadata"]["KeySpec"] == "SYMMETRIC_DEFAULT" and state["metadata"]["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert state["rotation"] is True
    assert state["tags"] == TAGS
    assert state["policy"] == json.loads(policy())
    assert result["key_state"] == "Enabled"
    assert result["diff"]["before"] == {}


def test_no_op_reads_the_key_once_with_four_calls(client, operations):
    run_module(kms_key, args())
    del operations[:]
    result = run_module(kms_key, args())
    assert result["changed"] is False and result["changes"] == []
    assert sorted(operations) == ["DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["key"]["tags"] == TAGS and result["key"]["enable_key_rotation"] is True
    assert result["key_arn"] == live(client)["metadata"]["Arn"]


def test_same_policy_in_another_form_is_no_change(client):
    run_module(kms_key, args(policy=policy("A", "B")))
    reordered = json.loads(policy("B", "A"))
    reordered["Statement"].reverse()
    for statement in reordered["Statement"]:
        if statement["Action"] == ["kms:Decrypt"]:
            statement["Action"] = "kms:Decrypt"
    assert run_module(kms_key, args(policy=json.dumps(reordered, indent=4)))["changed"] is False


def test_check_mode_plans_a_key_and_makes_none(client):
    result = run_module(kms_key, args(), check_mode=True)
    assert result["changed"] is True and result["changes"] == ["created"]
    assert "key_arn" not in result and "key_id" not in result
    assert result["key"]["tags"] == TAGS
    assert_no_key(client)


def assert_no_key(client):
    assert ALIAS not in [alias["AliasName"] for alias in client.list_aliases()["Aliases"]]
    assert [key for key in client.list_keys()["Keys"] if not is_aws_managed(client, key["KeyId"])] == []


def key_state(client, key_id):
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def is_aws_managed(client, key_id):
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyManager"] == "AWS"


def test_drift_by_hand_is_planned_then_put_back(client):
    run_module(kms_key, args())
    key_id = live(client)["metadata"]["KeyId"]
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "Project", "TagValue": "by-hand"}, {"TagKey": "Extra", "TagValue": "x"}])
    client.disable_key_rotation(KeyId=key_id)
    client.update_key_description(KeyId=key_id, Description="by hand")
    client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy("Opened"))

    plan = run_module(kms_key, args(), check_mode=True)
    assert plan["changed"] is True
    assert plan["changes"] == ["description", "policy", "rotation", "tags"]
    assert plan["diff"]["before"]["tags"] == dict(TAGS, Project="by-hand", Extra="x")
    assert plan["diff"]["after"]["tags"] == TAGS
    assert live(client)["rotation"] is False and live(client)["tags"]["Project"] == "by-hand"

    result = run_module(kms_key, args())
    assert result["changes"] == plan["changes"] and result["key"] == plan["key"]
    state = live(client)
    assert state["tags"] == TAGS and state["rotation"] is True
    assert state["metadata"]["Description"] == "unit key"
    assert state["policy"] == json.loads(policy())
    assert run_module(kms_key, args())["changed"] is False


def test_tags_are_kept_without_purge(client):
    run_module(kms_key, args())
    key_id = live(client)["metadata"]["KeyId"]
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "Extra", "TagValue": "x"}])
    assert run_module(kms_key, args(purge_tags=False))["changed"] is False
    assert live(client)["tags"] == dict(TAGS, Extra="x")


def test_a_key_scheduled_for_deletion_is_restored_and_enabled(client):
    run_module(kms_key, args())
    key_id = live(client)["metadata"]["KeyId"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    plan = run_module(kms_key, args(), check_mode=True)
    assert plan["changes"] == ["deletion cancelled", "enabled"]
    assert key_state(client, key_id) == "PendingDeletion"
    result = run_module(kms_key, args())
    assert result["changes"] == ["deletion cancelled", "enabled"] and result["key_state"] == "Enabled"
    assert result["key_id"] == key_id
    assert key_state(client, key_id) == "Enabled"
    assert run_module(kms_key, args())["changed"] is False


def test_a_disabled_key_is_enabled(client):
    run_module(kms_key, args())
    key_id = live(client)["metadata"]["KeyId"]
    client.disable_key(KeyId=key_id)
    assert run_module(kms_key, args())["changes"] == ["enabled"]
    assert key_state(client, key_id) == "Enabled"


def test_absent_schedules_the_deletion_once(client):
    run_module(kms_key, args())
    key_id = live(client)["metadata"]["KeyId"]
    plan = run_module(kms_key, {"alias": ALIAS, "state": "absent", "pending_window": 7}, check_mode=True)
    assert plan["changed"] is True and key_state(client, key_id) == "Enabled"
    result = run_module(kms_key, {"alias": ALIAS, "state": "absent", "pending_window": 7})
    assert result["changes"] == ["deletion scheduled in 7 days"] and result["key_state"] == "PendingDeletion"
    assert key_state(client, key_id) == "PendingDeletion"
    assert run_module(kms_key, {"alias": ALIAS, "state": "absent", "pending_window": 7})["changed"] is False


def test_absent_without_a_key_is_no_change(client):
    result = run_module(kms_key, {"alias": ALIAS, "state": "absent"})
    assert result["changed"] is False and result["key"] == {}


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"alias": "alias/aws/s3"}, "alias must be"),
        ({"alias": "alias/has space"}, "alias must be"),
        ({"alias": "alias/" + "a" * 251}, "alias must be"),
        ({"pending_window": 3}, "pending_window must be from 7 to 30"),
        ({"policy": "[1]"}, "policy must be a JSON object"),
        ({"description": "d" * 8193}, "description must be at most 8192"),
    ],
)
def test_bad_input_fails_before_any_call(client, operations, bad, message):
    failure = fail_module(kms_key, args(**bad))
    assert message in failure["msg"]
    assert operations == []
    assert_no_key(client)
