"""CloudWatch Logs fill: Associate/DisassociateKmsKey, key checks, logGroupClass, retention enum, tagging ARNs,
tags deleted with the group."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def logs(client):
    return client("logs")


@pytest.fixture
def key_arn(client):
    return client("kms").create_key(Description="logs fill")["KeyMetadata"]["Arn"]


def group_of(logs, name):
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    assert len(found) == 1
    return found[0]


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"]


def test_associate_and_disassociate_kms_key(logs, name, key_arn):
    logs.create_log_group(logGroupName=name)
    assert "kmsKeyId" not in group_of(logs, name)
    logs.associate_kms_key(logGroupName=name, kmsKeyId=key_arn)
    assert group_of(logs, name)["kmsKeyId"] == key_arn
    logs.disassociate_kms_key(logGroupName=name)
    assert "kmsKeyId" not in group_of(logs, name)


def test_associate_by_resource_identifier(logs, name, key_arn):
    logs.create_log_group(logGroupName=name)
    arn = group_of(logs, name)["logGroupArn"]
    logs.associate_kms_key(resourceIdentifier=arn, kmsKeyId=key_arn)
    assert group_of(logs, name)["kmsKeyId"] == key_arn
    logs.disassociate_kms_key(resourceIdentifier=arn)
    assert "kmsKeyId" not in group_of(logs, name)


def test_associate_needs_exactly_one_target(logs, name, key_arn):
    logs.create_log_group(logGroupName=name)
    arn = group_of(logs, name)["logGroupArn"]
    assert error_code(logs.associate_kms_key, logGroupName=name, resourceIdentifier=arn, kmsKeyId=key_arn) == "InvalidParameterException"
    assert error_code(logs.associate_kms_key, kmsKeyId=key_arn) == "InvalidParameterException"
    assert error_code(logs.associate_kms_key, resourceIdentifier=arn + ":*", kmsKeyId=key_arn) == "InvalidParameterException"
    assert "kmsKeyId" not in group_of(logs, name)


def test_associate_unknown_group_is_not_found(logs, name, key_arn):
    assert error_code(logs.associate_kms_key, logGroupName=name, kmsKeyId=key_arn) == "ResourceNotFoundException"
    assert error_code(logs.disassociate_kms_key, logGroupName=name) == "ResourceNotFoundException"


def test_associate_refuses_missing_disabled_asymmetric_or_non_arn_keys(logs, client, name, key_arn):
    kms = client("kms")
    logs.create_log_group(logGroupName=name)
    missing = key_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    disabled = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=disabled["KeyId"])
    asymmetric = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["Arn"]
    for bad in (missing, disabled["Arn"], asymmetric, key_arn.rsplit("/", 1)[1]):
        assert error_code(logs.associate_kms_key, logGroupName=name, kmsKeyId=bad) == "InvalidParameterException", bad
        assert error_code(logs.create_log_group, logGroupName=name + "-new", kmsKeyId=bad) == "InvalidParameterException", bad
    assert "kmsKeyId" not in group_of(logs, name)
    assert logs.describe_log_groups(logGroupNamePrefix=name + "-new")["logGroups"] == []


def test_create_with_key_is_reported(logs, name, key_arn):
    logs.create_log_group(logGroupName=name, kmsKeyId=key_arn)
    assert group_of(logs, name)["kmsKeyId"] == key_arn


def test_log_group_class_kept_and_reported(logs, name):
    logs.create_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name + "-ia", logGroupClass="INFREQUENT_ACCESS")
    assert group_of(logs, name)["logGroupClass"] == "STANDARD"
    assert group_of(logs, name + "-ia")["logGroupClass"] == "INFREQUENT_ACCESS"
    assert error_code(logs.create_log_group, logGroupName=name + "-x", logGroupClass="COLD") == "InvalidParameterException"


@pytest.mark.parametrize("days", [0, 2, 8, 29, 366, 1000, 3654])
def test_retention_outside_the_enum_is_refused(logs, name, days):
    logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=7)
    assert error_code(logs.put_retention_policy, logGroupName=name, retentionInDays=days) == "InvalidParameterException"
    assert group_of(logs, name)["retentionInDays"] == 7


@pytest.mark.parametrize("days", [1, 30, 1096, 3653])
def test_retention_in_the_enum_is_applied(logs, name, days):
    logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=days)
    assert group_of(logs, name)["retentionInDays"] == days


def test_tagging_takes_the_arn_without_the_trailing_star(logs, name):
    logs.create_log_group(logGroupName=name, tags={"a": "1"})
    group = group_of(logs, name)
    assert group["arn"] == group["logGroupArn"] + ":*"
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"a": "1"}
    for call, kwargs in (
        (logs.list_tags_for_resource, {}),
        (logs.tag_resource, {"tags": {"b": "2"}}),
        (logs.untag_resource, {"tagKeys": ["a"]}),
    ):
        assert error_code(call, resourceArn=group["arn"], **kwargs) == "InvalidParameterException"
    logs.tag_resource(resourceArn=group["logGroupArn"], tags={"b": "2"})
    logs.untag_resource(resourceArn=group["logGroupArn"], tagKeys=["a"])
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"b": "2"}


def test_tagging_a_missing_group_is_not_found(logs, name):
    logs.create_log_group(logGroupName=name)
    arn = group_of(logs, name)["logGroupArn"]
    logs.delete_log_group(logGroupName=name)
    assert error_code(logs.list_tags_for_resource, resourceArn=arn) == "ResourceNotFoundException"
    assert error_code(logs.tag_resource, resourceArn=arn, tags={"a": "1"}) == "ResourceNotFoundException"


def test_more_than_50_tags_are_refused(logs, name):
    logs.create_log_group(logGroupName=name, tags={f"k{i}": "v" for i in range(45)})
    arn = group_of(logs, name)["logGroupArn"]
    assert error_code(logs.tag_resource, resourceArn=arn, tags={f"n{i}": "v" for i in range(6)}) == "TooManyTagsException"
    logs.tag_resource(resourceArn=arn, tags={f"n{i}": "v" for i in range(5)})
    assert len(logs.list_tags_for_resource(resourceArn=arn)["tags"]) == 50


def test_tags_are_deleted_with_the_group(logs, name):
    logs.create_log_group(logGroupName=name, tags={"old": "yes"})
    logs.delete_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name)
    assert logs.list_tags_for_resource(resourceArn=group_of(logs, name)["logGroupArn"])["tags"] == {}
