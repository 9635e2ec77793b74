"""kinesis_data_stream against in-process moto (with the localaws Kinesis fill), AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import kinesis
from ansible_collections.streamflix.media_platform.plugins.modules import kinesis_data_stream
from localaws.fills import kinesis as kinesis_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-unit-ingest"
SOME_METRICS = ["IncomingBytes", "IteratorAgeMilliseconds"]


# ---------------------------------------------------------------- pure comparison


@pytest.mark.parametrize(
    "current, target, steps",
    [
        (2, 2, []),
        (1, 2, [2]),
        (2, 4, [4]),
        (2, 10, [4, 8, 10]),
        (3, 5, [5]),
        (10, 2, [5, 3, 2]),
        (3, 2, [2]),
        (3, 1, [2, 1]),
        (4, 1, [2, 1]),
        (5, 3, [3]),
    ],
)
def test_shard_steps(current, target, steps):
    assert kinesis.shard_steps(current, target) == steps
    previous = current
    for step in steps:  # every step within AWS's double / half limits
        assert step <= previous * 2 and step * 2 >= previous
        previous = step


@pytest.mark.parametrize(
    "metrics, expected",
    [
        (None, None),
        ([], []),
        (["ALL"], sorted(kinesis.ALL_METRICS)),
        (["IncomingBytes", "ALL"], sorted(kinesis.ALL_METRICS)),
        (["OutgoingBytes", "IncomingBytes", "IncomingBytes"], ["IncomingBytes", "OutgoingBytes"]),
    ],
)
def test_normalize_metrics(metrics, expected):
    assert kinesis.normalize_metrics(metrics) == expected


CURRENT = {
    "name": NAME,
    "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/" + NAME,
    "status": "ACTIVE",
    "stream_mode": "PROVISIONED",
    "shard_count": 2,
    "retention_period_hours": 24,
    "encryption_type": "KMS",
    "key_id": "arn:key/1",
    "shard_level_metrics": ["IncomingBytes"],
    "tags": {"Project": "streamflix"},
}
UNCHANGED = {
    "name": NAME,
    "stream_mode": "PROVISIONED",
    "shard_count": 2,
    "retention_period_hours": 24,
    "encryption_type": "KMS",
    "key_id": "arn:key/1",
    "shard_level_metrics": ["IncomingBytes"],
    "tags": {"Project": "streamflix"},
}


@pytest.mark.parametrize(
    "change, same_key, purge, expected",
    [
        ({}, True, True, []),
        ({"shard_count": None, "retention_period_hours": None, "shard_level_metrics": None, "tags": None}, True, True, []),
        ({"encryption_type": None, "key_id": None}, False, True, []),
        ({"shard_count": 4}, True, True, ["shard_count"]),
        ({"stream_mode": "ON_DEMAND", "shard_count": None}, True, True, ["stream_mode"]),
        ({"retention_period_hours": 48}, True, True, ["retention_period_hours"]),
        ({"key_id": "alias/other"}, False, True, ["encryption"]),
        ({"key_id": "alias/same"}, True, True, []),
        ({"encryption_type": "NONE", "key_id": None}, True, True, ["encryption"]),
        ({"shard_level_metrics": []}, True, True, ["shard_level_metrics"]),
        ({"shard_level_metrics": sorted(kinesis.ALL_METRICS)}, True, True, ["shard_level_metrics"]),
        ({"tags": {}}, True, True, ["tags"]),
        ({"tags": {}}, True, False, []),
        ({"tags": {"Project": "streamflix", "Env": "dev"}}, True, False, ["tags"]),
        (
            {"shard_count": 3, "retention_period_hours": 72, "shard_level_metrics": [], "tags": {"A": "b"}},
            True,
            True,
            ["shard_count", "retention_period_hours", "shard_level_metrics", "tags"],
        ),
    ],
)
def test_planned_changes(change, same_key, purge, expected):
    desired = dict(UNCHANGED, **change)
    assert kinesis.planned_changes(CURRENT, desired, same_key, purge) == expected


def test_shard_count_ignored_for_on_demand_current():
    current = dict(CURRENT, stream_mode="ON_DEMAND", shard_count=4)
    desired = dict(UNCHANGED, stream_mode="ON_DEMAND", shard_count=None)
    assert kinesis.planned_changes(current, desired, True, True) == []


@pytest.mark.parametrize(
    "params, exists, fragment",
    [
        ({"retention_period_hours": 23}, True, "from 24 to 8760"),
        ({"retention_period_hours": 8761}, True, "from 24 to 8760"),
        ({"shard_count": 0}, True, "at least 1"),
        ({"stream_mode": "ON_DEMAND", "shard_count": 2}, True, "PROVISIONED streams only"),
        ({"stream_mode": "PROVISIONED"}, False, "required to create"),
        ({"encryption_type": "KMS"}, True, "kms_key_id is required"),
        ({"shard_level_metrics": ["Bogus"]}, True, "unknown metrics Bogus"),
    ],
)
def test_param_problems(params, exists, fragment):
    assert any(fragment in problem for problem in kinesis.param_problems(params, exists))


def test_param_problems_none_for_a_good_stream():
    params = {"stream_mode": "PROVISIONED", "shard_count": 2, "retention_period_hours": 24, "encryption_type": "KMS",
              "kms_key_id": "k", "shard_level_metrics": ["ALL"]}
    assert kinesis.param_problems(params, False) == []


def test_stream_view_maps_summary():
    summary = {
        "StreamName": NAME,
        "StreamARN": "arn:s",
        "StreamStatus": "UPDATING",
        "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
        "OpenShardCount": 4,
        "RetentionPeriodHours": 48,
        "EncryptionType": "KMS",
        "KeyId": "alias/k",
        "EnhancedMonitoring": [{"ShardLevelMetrics": ["OutgoingBytes", "IncomingBytes"]}],
    }
    assert kinesis.stream_view(summary, {"a": "b"}) == {
        "name": NAME,
        "arn": "arn:s",
        "status": "UPDATING",
        "stream_mode": "ON_DEMAND",
        "shard_count": 4,
        "retention_period_hours": 48,
        "encryption_type": "KMS",
        "key_id": "alias/k",
        "shard_level_metrics": ["IncomingBytes", "OutgoingBytes"],
        "tags": {"a": "b"},
    }
    assert kinesis.stream_view(None, {}) == {}


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    kinesis_fill.apply()
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="unit")["KeyMetadata"]
    other = kms.create_key(Description="other")["KeyMetadata"]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=key["KeyId"])
    return {"kinesis": boto3.client("kinesis", region_name=REGION), "key_arn": key["Arn"], "other_key_arn": other["Arn"]}


def args(world, **extra):
    base = {
        "name": NAME,
        "shard_count": 2,
        "retention_period_hours": 48,
        "encryption_type": "KMS",
        "kms_key_id": world["key_arn"],
        "shard_level_metrics": SOME_METRICS,
        "tags": {"Project": "streamflix"},
    }
    base.update(extra)
    return base


def summary(world):
    return world["kinesis"].describe_stream_summary(StreamName=NAME)["StreamDescriptionSummary"]


def aws_tags(world):
    return {t["Key"]: t["Value"] for t in world["kinesis"].list_tags_for_stream(StreamName=NAME)["Tags"]}


def aws_names(world):
    return world["kinesis"].list_streams()["StreamNames"]


def spy(name):
    return mock.patch.object(kinesis, name, wraps=getattr(kinesis, name))


def test_create(world):
    result = run_module(kinesis_data_stream, args(world))
    assert result["changed"] is True
    got = summary(world)
    assert got["StreamStatus"] == "ACTIVE"
    assert got["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert got["OpenShardCount"] == 2
    assert got["RetentionPeriodHours"] == 48
    assert (got["EncryptionType"], got["KeyId"]) == ("KMS", world["key_arn"])
    assert sorted(got["EnhancedMonitoring"][0]["ShardLevelMetrics"]) == SOME_METRICS
    assert aws_tags(world) == {"Project": "streamflix"}
    assert result["changes"] == ["created", "retention_period_hours", "encryption", "shard_level_metrics"]
    assert result["stream"] == {
        "name": NAME,
        "arn": got["StreamARN"],
        "status": "ACTIVE",
        "stream_mode": "PROVISIONED",
        "shard_count": 2,
        "retention_period_hours": 48,
        "encryption_type": "KMS",
        "key_id": world["key_arn"],
        "shard_level_metrics": SOME_METRICS,
        "tags": {"Project": "streamflix"},
    }
    assert result["diff"] == {"before": {}, "after": result["stream"]}


def test_create_on_demand_with_all_metrics(world):
    result = run_module(
        kinesis_data_stream,
        args(world, stream_mode="ON_DEMAND", shard_count=None, shard_level_metrics=["ALL"], retention_period_hours=None),
    )
    got = summary(world)
    assert got["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert got["RetentionPeriodHours"] == 24
    assert result["stream"]["stream_mode"] == "ON_DEMAND"
    assert result["stream"]["shard_level_metrics"] == sorted(kinesis.ALL_METRICS)
    again = run_module(kinesis_data_stream, args(world, stream_mode="ON_DEMAND", shard_count=None, shard_level_metrics=["ALL"],
                                                  retention_period_hours=None))
    assert again["changed"] is False


def test_second_run_is_idempotent_and_changes_nothing(world):
    first = run_module(kinesis_data_stream, args(world))
    with spy("update_shard_count") as scale, spy("start_encryption") as encrypt, spy("enable_metrics") as metrics:
        second = run_module(kinesis_data_stream, args(world))
    assert second["changed"] is False
    assert second["changes"] == []
    assert second["stream"] == first["stream"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert (scale.call_count, encrypt.call_count, metrics.call_count) == (0, 0, 0)


def test_key_named_by_alias_is_the_same_key(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, kms_key_id="alias/streamflix-unit"))
    assert result["changed"] is False
    assert summary(world)["KeyId"] == world["key_arn"]


def test_change_key(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, kms_key_id=world["other_key_arn"]))
    assert result["changes"] == ["encryption"]
    assert summary(world)["KeyId"] == world["other_key_arn"]


def test_modify_only_what_changed(world):
    run_module(kinesis_data_stream, args(world))
    with spy("update_shard_count") as scale, spy("set_retention") as retention, spy("start_encryption") as encrypt, \
            spy("enable_metrics") as enable, spy("disable_metrics") as disable, spy("add_tags") as tag:
        result = run_module(kinesis_data_stream, args(world, shard_count=3, retention_period_hours=24,
                                                       shard_level_metrics=["IncomingBytes", "OutgoingBytes"]))
    assert result["changed"] is True
    assert result["changes"] == ["shard_count", "retention_period_hours", "shard_level_metrics"]
    assert [c.args[2] for c in scale.call_args_list] == [3]
    assert retention.call_count == 1
    assert [c.args[2] for c in disable.call_args_list] == [["IteratorAgeMilliseconds"]]
    assert [c.args[2] for c in enable.call_args_list] == [["OutgoingBytes"]]
    assert (encrypt.call_count, tag.call_count) == (0, 0)
    got = summary(world)
    assert got["OpenShardCount"] == 3
    assert got["RetentionPeriodHours"] == 24
    assert sorted(got["EnhancedMonitoring"][0]["ShardLevelMetrics"]) == ["IncomingBytes", "OutgoingBytes"]
    assert result["diff"]["before"]["shard_count"] == 2
    assert result["diff"]["after"]["shard_count"] == 3


def test_large_shard_change_is_stepped(world):
    run_module(kinesis_data_stream, args(world))
    with spy("update_shard_count") as scale:
        result = run_module(kinesis_data_stream, args(world, shard_count=10))
    assert [c.args[2] for c in scale.call_args_list] == [4, 8, 10]
    assert summary(world)["OpenShardCount"] == 10
    assert result["stream"]["shard_count"] == 10
    with spy("update_shard_count") as scale:
        run_module(kinesis_data_stream, args(world, shard_count=2))
    assert [c.args[2] for c in scale.call_args_list] == [5, 3, 2]
    assert summary(world)["OpenShardCount"] == 2


def test_switch_to_on_demand_and_back(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, stream_mode="ON_DEMAND", shard_count=None))
    assert result["changes"] == ["stream_mode"]
    assert summary(world)["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    back = run_module(kinesis_data_stream, args(world, stream_mode="PROVISIONED", shard_count=2))
    assert back["changes"][0] == "stream_mode"
    assert summary(world)["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert summary(world)["OpenShardCount"] == 2


def test_stop_encryption(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, encryption_type="NONE", kms_key_id=None))
    assert result["changes"] == ["encryption"]
    assert summary(world)["EncryptionType"] == "NONE"


def test_tags(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, tags={"Env": "unit"}, purge_tags=False))
    assert result["changes"] == ["tags"]
    assert aws_tags(world) == {"Project": "streamflix", "Env": "unit"}
    result = run_module(kinesis_data_stream, args(world, tags={"Env": "unit"}))
    assert aws_tags(world) == {"Env": "unit"}
    assert result["stream"]["tags"] == {"Env": "unit"}
    assert run_module(kinesis_data_stream, args(world, tags=None))["changed"] is False


def test_unset_settings_are_left_alone(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, {"name": NAME})
    assert result["changed"] is False


def test_check_mode_create_changes_nothing(world):
    result = run_module(kinesis_data_stream, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["created", "retention_period_hours", "encryption", "shard_level_metrics"]
    assert result["stream"]["arn"] is None
    assert result["stream"]["shard_count"] == 2
    assert result["stream"]["retention_period_hours"] == 48
    assert result["stream"]["key_id"] == world["key_arn"]
    assert result["stream"]["shard_level_metrics"] == SOME_METRICS
    assert result["diff"]["before"] == {}
    assert aws_names(world) == []


def test_check_mode_modify_changes_nothing(world):
    first = run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, args(world, shard_count=8, retention_period_hours=72), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["shard_count", "retention_period_hours"]
    assert result["stream"] == dict(first["stream"], shard_count=8, retention_period_hours=72)
    assert result["diff"]["before"] == first["stream"]
    got = summary(world)
    assert (got["OpenShardCount"], got["RetentionPeriodHours"]) == (2, 48)


def test_no_wait_returns_projection(world):
    result = run_module(kinesis_data_stream, args(world, wait=False))
    assert result["changed"] is True
    assert result["stream"]["shard_count"] == 2
    assert result["stream"]["arn"] == summary(world)["StreamARN"]


def test_absent(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, {"name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert result["stream"] == {}
    assert result["diff"]["before"]["name"] == NAME
    assert aws_names(world) == []
    again = run_module(kinesis_data_stream, {"name": NAME, "state": "absent"})
    assert again["changed"] is False
    assert again["diff"] == {"before": {}, "after": {}}


def test_absent_check_mode_keeps_it(world):
    run_module(kinesis_data_stream, args(world))
    result = run_module(kinesis_data_stream, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert aws_names(world) == [NAME]


def test_bad_parameters_fail_before_any_change(world):
    failure = fail_module(kinesis_data_stream, args(world, retention_period_hours=12))
    assert "from 24 to 8760" in failure["msg"]
    failure = fail_module(kinesis_data_stream, args(world, shard_count=None))
    assert "shard_count is required" in failure["msg"]
    assert aws_names(world) == []


def test_aws_refusal_names_the_change(world):
    run_module(kinesis_data_stream, args(world))
    with mock.patch.object(kinesis, "update_shard_count", side_effect=_client_error("LimitExceededException", "Too many scalings")):
        failure = fail_module(kinesis_data_stream, args(world, shard_count=3, retention_period_hours=72))
    assert "Could not change shard_count of Kinesis stream " + NAME in failure["msg"]
    assert summary(world)["RetentionPeriodHours"] == 48  # later changes not made


def _client_error(code, message):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, "UpdateShardCount")


def test_waiter_times_out_with_an_actionable_message(world):
    run_module(kinesis_data_stream, args(world))
    updating = dict(summary(world), StreamStatus="UPDATING")
    with mock.patch.object(kinesis, "describe_stream_summary", return_value=updating), \
            mock.patch.object(kinesis, "wait_for", side_effect=_waiter_error()):
        failure = fail_module(kinesis_data_stream, args(world, shard_count=3, wait_timeout=1))
    assert "was not ACTIVE within 1 seconds" in failure["msg"]


def _waiter_error():
    from botocore.exceptions import WaiterError

    return WaiterError(name="stream_active", reason="Max attempts exceeded", last_response={})


def test_waiter_retries_throttling_and_succeeds(world):
    run_module(kinesis_data_stream, args(world))
    data = kinesis.KinesisWaiterFactory()._waiter_model_data["stream_active"]
    retried = {a["expected"] for a in data["acceptors"] if a["state"] == "retry" and a["matcher"] == "error"}
    assert {"LimitExceededException", "ThrottlingException"} <= retried
    kinesis.wait_for(world["kinesis"], "stream_active", 10, NAME)  # ACTIVE: returns at once
