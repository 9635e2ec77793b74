"""kms_alias against in-process moto, with the AWS state read back through boto3."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import full_alias_name
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn
from ansible_collections.streamflix.media_platform.plugins.modules import kms_alias
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

ALIAS = "alias/streamflix-unit"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("streamflix-dev", "alias/streamflix-dev"),
        ("alias/streamflix-dev", "alias/streamflix-dev"),
        ("alias/alias-x", "alias/alias-x"),
        ("aliasx", "alias/aliasx"),
    ],
)
def test_full_alias_name(name, expected):
    assert full_alias_name(name) == expected


@pytest.fixture
def kms(moto):
    client = boto3.client("kms", region_name=REGION)
    keys = [client.create_key(Description="unit {0}".format(n))["KeyMetadata"] for n in range(2)]
    return {"client": client, "key": keys[0], "other_key": keys[1]}


def aws_alias(kms, name=ALIAS):
    pages = kms["client"].get_paginator("list_aliases").paginate()
    aliases = [alias for page in pages for alias in page["Aliases"]]
    matches = [alias for alias in aliases if alias["AliasName"] == name]
    assert len(matches) <= 1
    return matches[0] if matches else None


def present(key_id, name=ALIAS):
    return {"name": name, "target_key_id": key_id}


def test_create(kms):
    result = run_module(kms_alias, present(kms["key"]["KeyId"]))
    assert result["changed"] is True
    assert result["alias"] == {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}
    assert result["diff"] == {"before": {}, "after": result["alias"]}
    assert aws_alias(kms)["TargetKeyId"] == kms["key"]["KeyId"]


def test_create_without_prefix_and_with_key_arn(kms):
    result = run_module(kms_alias, present(kms["key"]["Arn"], name="streamflix-unit"))
    assert result["changed"] is True
    # the module resolves the ARN to the key id, so a re-run with the id is idempotent
    assert result["alias"] == {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}
    assert aws_alias(kms)["TargetKeyId"] == kms["key"]["KeyId"]
    assert run_module(kms_alias, present(kms["key"]["KeyId"]))["changed"] is False


def test_idempotent(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    result = run_module(kms_alias, present(kms["key"]["KeyId"]))
    assert result["changed"] is False
    assert result["alias"] == {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}
    assert result["diff"]["before"] == result["diff"]["after"]
    assert aws_alias(kms)["TargetKeyId"] == kms["key"]["KeyId"]


def test_move_to_other_key(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    result = run_module(kms_alias, present(kms["other_key"]["KeyId"]))
    assert result["changed"] is True
    assert result["diff"]["before"] == {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}
    assert result["diff"]["after"] == {"name": ALIAS, "target_key_id": kms["other_key"]["KeyId"]}
    assert aws_alias(kms)["TargetKeyId"] == kms["other_key"]["KeyId"]
    assert run_module(kms_alias, present(kms["other_key"]["KeyId"]))["changed"] is False


def test_check_mode_create_changes_nothing(kms):
    result = run_module(kms_alias, present(kms["key"]["KeyId"]), check_mode=True)
    assert result["changed"] is True
    assert result["alias"] == {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}
    assert result["diff"] == {"before": {}, "after": result["alias"]}
    assert aws_alias(kms) is None


def test_check_mode_move_changes_nothing(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    result = run_module(kms_alias, present(kms["other_key"]["KeyId"]), check_mode=True)
    assert result["changed"] is True
    assert result["alias"]["target_key_id"] == kms["other_key"]["KeyId"]
    assert aws_alias(kms)["TargetKeyId"] == kms["key"]["KeyId"]


def test_absent(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    result = run_module(kms_alias, {"name": ALIAS, "state": "absent"})
    assert result["changed"] is True
    assert result["alias"] == {}
    assert result["diff"] == {"before": {"name": ALIAS, "target_key_id": kms["key"]["KeyId"]}, "after": {}}
    assert aws_alias(kms) is None
    # the key itself stays
    assert kms["client"].describe_key(KeyId=kms["key"]["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_absent_twice(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    run_module(kms_alias, {"name": ALIAS, "state": "absent"})
    result = run_module(kms_alias, {"name": ALIAS, "state": "absent"})
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert aws_alias(kms) is None


def test_check_mode_absent_deletes_nothing(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    result = run_module(kms_alias, {"name": ALIAS, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert result["alias"] == {}
    assert aws_alias(kms)["TargetKeyId"] == kms["key"]["KeyId"]


def test_absent_leaves_other_aliases(kms):
    run_module(kms_alias, present(kms["key"]["KeyId"]))
    run_module(kms_alias, present(kms["key"]["KeyId"], name="alias/streamflix-other"))
    run_module(kms_alias, {"name": ALIAS, "state": "absent"})
    assert aws_alias(kms) is None
    assert aws_alias(kms, "alias/streamflix-other")["TargetKeyId"] == kms["key"]["KeyId"]


def test_present_without_key_fails(kms):
    result = fail_module(kms_alias, {"name": ALIAS})
    assert "target_key_id" in result["msg"]
    assert aws_alias(kms) is None


def test_unknown_key_fails(kms):
    result = fail_module(kms_alias, present("00000000-0000-0000-0000-000000000000"))
    assert "00000000-0000-0000-0000-000000000000" in result["msg"]
    assert aws_alias(kms) is None


@pytest.mark.parametrize(
    "key_id, expected",
    [
        ("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        ("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab", True),
        ("arn:aws:kms:us-east-1:123456789012:alias/streamflix-dev", False),
        ("alias/streamflix-dev", False),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", False),
        ("arn:aws:kms:us-east-1:12345:key/1234abcd", False),
        ("", False),
        (None, False),
    ],
)
def test_is_key_arn_only_for_what_describe_key_would_answer_unchanged(key_id, expected):
    assert is_key_arn(key_id) is expected


def test_describe_key_answers_a_key_arn_with_itself(kms):
    key = kms["key"]
    assert is_key_arn(key["Arn"])
    assert kms["client"].describe_key(KeyId=key["Arn"])["KeyMetadata"]["Arn"] == key["Arn"]
