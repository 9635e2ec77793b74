"""generated_secret against in-process moto: the value is generated once, kept, and never returned."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import secretsmanager as sm
from ansible_collections.streamflix.media_platform.plugins.modules import generated_secret
from localaws.fills import secretsmanager as secretsmanager_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-unit-secret"


@pytest.mark.parametrize(
    "current, keys, expected",
    [
        (None, ["a"], ["a"]),
        ('{"a": "x"}', ["a", "b"], ["b"]),
        ('{"a": "x", "b": "y"}', ["a", "b"], []),
        ("plain", ["a"], ["a"]),
        ("[1]", ["a"], ["a"]),
    ],
)
def test_missing_keys(current, keys, expected):
    assert sm.missing_keys(current, keys) == expected


def test_merged_value_keeps_existing_keys_and_adds_new_ones():
    merged = json.loads(sm.merged_value('{"a": "kept"}', ["a", "b"], 20, "alphanumeric", regenerate=False))
    assert merged["a"] == "kept" and len(merged["b"]) == 20 and merged["b"].isalnum()
    rotated = json.loads(sm.merged_value('{"a": "kept"}', ["a"], 20, "hex", regenerate=True))
    assert rotated["a"] != "kept" and set(rotated["a"]) <= set("0123456789abcdef")


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ({"description": "d", "kms_key_arn": "k"}, {"description": "d", "kms_key_arn": "k"}, []),
        ({"description": "d", "kms_key_arn": "k"}, {"description": None, "kms_key_arn": "k"}, []),
        ({"description": "d", "kms_key_arn": "k"}, {"description": "e", "kms_key_arn": "k2"}, ["description", "kms_key_arn"]),
    ],
)
def test_metadata_changes(current, desired, expected):
    assert sm.metadata_changes(current, desired) == expected


@pytest.fixture
def aws(moto):
    kms = boto3.client("kms", region_name=REGION)
    keys = [kms.create_key()["KeyMetadata"] for _ in range(2)]
    kms.create_alias(AliasName="alias/unit", TargetKeyId=keys[0]["KeyId"])
    return {"sm": boto3.client("secretsmanager", region_name=REGION), "key": keys[0], "other_key": keys[1]}


def args(**extra):
    base = {"name": NAME, "kms_key_id": "alias/unit", "description": "unit", "tags": {"Project": "streamflix"}}
    base.update(extra)
    return base


def stored(aws):
    return aws["sm"].get_secret_value(SecretId=NAME)["SecretString"]


def test_create_generates_a_value_that_is_never_returned(aws):
    result = run_module(generated_secret, args(length=48))
    value = stored(aws)
    assert result["changed"] is True
    assert len(value) == 48 and value.isalnum()
    assert value not in json.dumps(result)
    described = aws["sm"].describe_secret(SecretId=NAME)
    assert aws["key"]["Arn"] in (described["KmsKeyId"], described.get("KmsKeyId"))
    assert {"Key": "Project", "Value": "streamflix"} in described["Tags"]
    assert result["secret"]["kms_key_arn"] == aws["key"]["Arn"]


def test_second_run_keeps_the_value(aws):
    run_module(generated_secret, args())
    first = stored(aws)
    result = run_module(generated_secret, args())
    assert result["changed"] is False and result["changes"] == []
    assert stored(aws) == first


def test_check_mode_creates_nothing(aws):
    result = run_module(generated_secret, args(), check_mode=True)
    assert result["changed"] is True
    assert result["secret"]["arn"] is None
    assert aws["sm"].list_secrets()["SecretList"] == []


def test_json_keys_added_later_are_generated_and_old_ones_kept(aws):
    run_module(generated_secret, args(keys=["primary"]))
    primary = json.loads(stored(aws))["primary"]
    result = run_module(generated_secret, args(keys=["primary", "secondary"]))
    value = json.loads(stored(aws))
    assert result["changed"] is True and result["changes"] == ["generated keys secondary"]
    assert value["primary"] == primary and len(value["secondary"]) == 40
    assert run_module(generated_secret, args(keys=["primary", "secondary"]))["changed"] is False


def test_rotate_replaces_the_value(aws):
    run_module(generated_secret, args())
    first = stored(aws)
    result = run_module(generated_secret, args(rotate=True))
    assert result["changed"] is True and stored(aws) != first


def test_fixed_values_are_stored_beside_generated_keys_and_put_back(aws):
    login = args(keys=["password"], values={"username": "streamflix_app", "engine": "postgres"})
    result = run_module(generated_secret, login)
    value = json.loads(stored(aws))
    assert value["username"] == "streamflix_app" and value["engine"] == "postgres" and len(value["password"]) == 40
    assert value["password"] not in json.dumps(result)
    assert run_module(generated_secret, login)["changed"] is False
    aws["sm"].put_secret_value(SecretId=NAME, SecretString=json.dumps(dict(value, username="admin")))
    repaired = run_module(generated_secret, login)
    assert repaired["changes"] == ["values username"]
    assert json.loads(stored(aws)) == value  # the password kept, the username put back


def test_rotate_keeps_the_previous_value_as_awsprevious_and_the_fixed_values(aws):
    login = args(keys=["password"], values={"username": "streamflix_app"})
    run_module(generated_secret, login)
    first = json.loads(stored(aws))
    assert run_module(generated_secret, dict(login, rotate=True), check_mode=True)["changed"] is True
    assert json.loads(stored(aws)) == first  # check mode rotated nothing
    run_module(generated_secret, dict(login, rotate=True))
    rotated = json.loads(stored(aws))
    assert rotated["password"] != first["password"] and rotated["username"] == "streamflix_app"
    previous = aws["sm"].get_secret_value(SecretId=NAME, VersionStage="AWSPREVIOUS")["SecretString"]
    assert json.loads(previous) == first


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"values": {"username": "u"}}, "values needs keys"),
        ({"keys": ["password"], "values": {"password": "x"}}, "password cannot be both a generated key"),
    ],
)
def test_bad_fixed_values_fail(aws, bad, message):
    assert message in fail_module(generated_secret, args(**bad))["msg"]


def test_metadata_and_tags_update_in_place(aws):
    run_module(generated_secret, args())
    value = stored(aws)
    result = run_module(generated_secret, args(description="new", kms_key_id=aws["other_key"]["KeyId"], tags={"Team": "media"}))
    described = aws["sm"].describe_secret(SecretId=NAME)
    assert result["changed"] is True
    assert described["Description"] == "new"
    assert aws["other_key"]["KeyId"] in described["KmsKeyId"]
    assert described["Tags"] == [{"Key": "Team", "Value": "media"}]
    assert stored(aws) == value
    assert result["diff"]["before"]["description"] == "unit" and result["diff"]["after"]["description"] == "new"


def test_absent_deletes_at_once_with_window_zero_and_twice_is_fine(aws):
    run_module(generated_secret, args())
    result = run_module(generated_secret, {"name": NAME, "state": "absent", "recovery_window_in_days": 0})
    assert result["changed"] is True
    assert aws["sm"].list_secrets()["SecretList"] == []
    assert run_module(generated_secret, {"name": NAME, "state": "absent", "recovery_window_in_days": 0})["changed"] is False


def test_scheduled_deletion_is_restored_with_its_value(aws):
    run_module(generated_secret, args())
    value = stored(aws)
    run_module(generated_secret, {"name": NAME, "state": "absent", "recovery_window_in_days": 7})
    assert "DeletedDate" in aws["sm"].describe_secret(SecretId=NAME)
    assert run_module(generated_secret, {"name": NAME, "state": "absent", "recovery_window_in_days": 7})["changed"] is False
    result = run_module(generated_secret, args())
    assert result["changed"] is True and "restored from scheduled deletion" in result["changes"]
    assert "DeletedDate" not in aws["sm"].describe_secret(SecretId=NAME)
    assert stored(aws) == value


def test_check_mode_absent_deletes_nothing(aws):
    run_module(generated_secret, args())
    result = run_module(generated_secret, {"name": NAME, "state": "absent", "recovery_window_in_days": 0}, check_mode=True)
    assert result["changed"] is True
    assert "DeletedDate" not in aws["sm"].describe_secret(SecretId=NAME)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"kms_key_id": None}, "kms_key_id is required"),
        ({"length": 8}, "length must be from 16"),
        ({"recovery_window_in_days": 3, "state": "absent"}, "recovery_window_in_days must be 0 or from 7 to 30"),
        ({"kms_key_id": "alias/missing"}, "Could not find KMS key alias/missing"),
    ],
)
def test_bad_input_fails_with_an_actionable_message(aws, bad, message):
    failure = fail_module(generated_secret, args(**bad))
    assert message in failure["msg"]
    assert aws["sm"].list_secrets()["SecretList"] == []


def test_check_mode_plans_a_secret_whose_key_is_only_planned(aws):
    result = run_module(generated_secret, args(kms_key_id="alias/planned"), check_mode=True)
    assert result["changed"] is True and result["secret"]["kms_key_arn"] == "alias/planned"
    assert aws["sm"].list_secrets()["SecretList"] == []


def stages(aws):
    return aws["sm"].describe_secret(SecretId=NAME)["VersionIdsToStages"]


def test_pending_stage_then_promote_rotates_in_two_steps(aws):
    secretsmanager_fill.apply()  # GetSecretValue answers AWSCURRENT after UpdateSecretVersionStage, as AWS does
    run_module(generated_secret, args())
    first = stored(aws)
    assert run_module(generated_secret, args(pending="stage"), check_mode=True)["changed"] is True
    assert sorted(s for v in stages(aws).values() for s in v) == ["AWSCURRENT"]  # check mode staged nothing
    staged = run_module(generated_secret, args(pending="stage"))
    assert staged["changes"] == ["new value staged as AWSPENDING"] and stored(aws) == first
    pending = aws["sm"].get_secret_value(SecretId=NAME, VersionStage="AWSPENDING")["SecretString"]
    assert pending != first and pending not in json.dumps(staged)
    # An interrupted rotation resumes with the same pending value.
    assert run_module(generated_secret, args(pending="stage"))["changed"] is False
    assert aws["sm"].get_secret_value(SecretId=NAME, VersionStage="AWSPENDING")["SecretString"] == pending
    promoted = run_module(generated_secret, args(pending="promote"))
    assert promoted["changes"] == ["pending value made AWSCURRENT"] and stored(aws) == pending
    assert aws["sm"].get_secret_value(SecretId=NAME, VersionStage="AWSPREVIOUS")["SecretString"] == first
    assert sorted(s for v in stages(aws).values() for s in v) == ["AWSCURRENT", "AWSPREVIOUS"]
    assert run_module(generated_secret, args(pending="promote"))["changed"] is False


def test_pending_and_rotate_are_exclusive(aws):
    assert "mutually exclusive" in fail_module(generated_secret, args(pending="stage", rotate=True))["msg"]


def counted(name):
    """Count the module's calls of one of the secretsmanager helpers it imports."""
    return mock.patch.object(generated_secret, name, wraps=getattr(generated_secret, name))


def test_no_op_run_reads_the_secret_once_and_resolves_an_alias_once(aws):
    run_module(generated_secret, args(keys=["a"]))
    with counted("describe_secret") as describer, counted("key_arn") as resolver, counted("current_secret_string") as reader:
        result = run_module(generated_secret, args(keys=["a"]))
    assert result["changed"] is False
    assert describer.call_count == 1
    # The secret's own key is stored as a key ARN: only the desired alias needs DescribeKey.
    resolver.assert_called_once_with(mock.ANY, "alias/unit")
    assert reader.call_count == 1  # the stored keys, read inside the module only
    assert result["secret"]["kms_key_arn"] == aws["key"]["Arn"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_a_key_arn_needs_no_describe_key(aws):
    run_module(generated_secret, args(kms_key_id=aws["key"]["Arn"]))
    with counted("key_arn") as resolver:
        result = run_module(generated_secret, args(kms_key_id=aws["key"]["Arn"]))
        moved = run_module(generated_secret, args(kms_key_id=aws["other_key"]["Arn"]))
    assert result["changed"] is False
    assert resolver.call_count == 0
    assert moved["changed"] is True and moved["changes"] == ["kms_key_arn"]
    assert aws["sm"].describe_secret(SecretId=NAME)["KmsKeyId"] == aws["other_key"]["Arn"]


def test_a_tag_changed_by_hand_is_put_back_and_read_again(aws):
    run_module(generated_secret, args())
    arn = aws["sm"].describe_secret(SecretId=NAME)["ARN"]
    aws["sm"].tag_resource(SecretId=arn, Tags=[{"Key": "Project", "Value": "by-hand"}])
    with counted("describe_secret") as describer:
        result = run_module(generated_secret, args())
    assert result["changed"] is True and result["changes"] == ["tags"]
    assert describer.call_count == 2  # after a change the module reads what AWS now has
    assert result["diff"]["before"]["tags"] == {"Project": "by-hand"}
    assert result["secret"]["tags"] == {"Project": "streamflix"}
    assert {"Key": "Project", "Value": "streamflix"} in aws["sm"].describe_secret(SecretId=NAME)["Tags"]
