"""Kinesis fill: UpdateShardCount's double / half limits, and CreateStream's Tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def kinesis(client):
    return client("kinesis")


def open_shards(kinesis, name):
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["OpenShardCount"]


def test_create_stream_keeps_its_tags(kinesis, name):
    kinesis.create_stream(StreamName=name, ShardCount=1, Tags={"Project": "streamflix", "Env": "unit"})
    tags = kinesis.list_tags_for_stream(StreamName=name)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Project": "streamflix", "Env": "unit"}


def test_create_stream_with_too_many_tags_is_refused(kinesis, name):
    with pytest.raises(ClientError) as info:
        kinesis.create_stream(StreamName=name, ShardCount=1, Tags={f"k{i}": "v" for i in range(51)})
    assert info.value.response["Error"]["Code"] == "InvalidArgumentException"


@pytest.mark.parametrize("start, target", [(3, 7), (2, 5), (5, 2), (4, 1)])
def test_update_shard_count_beyond_double_or_half_is_refused(endpoint, name, start, target):
    from conftest import make_client

    kinesis = make_client(endpoint, "kinesis", retries={"max_attempts": 1, "mode": "standard"})
    kinesis.create_stream(StreamName=name, ShardCount=start)
    with pytest.raises(ClientError) as info:
        kinesis.update_shard_count(StreamName=name, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    assert info.value.response["Error"]["Code"] == "LimitExceededException"
    assert open_shards(kinesis, name) == start


@pytest.mark.parametrize("start, target", [(3, 6), (2, 4), (5, 3), (4, 2), (3, 2)])
def test_update_shard_count_within_limits(kinesis, name, start, target):
    kinesis.create_stream(StreamName=name, ShardCount=start)
    response = kinesis.update_shard_count(StreamName=name, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    assert (response["CurrentShardCount"], response["TargetShardCount"]) == (start, target)
    assert open_shards(kinesis, name) == target


def test_on_demand_stream_cannot_be_scaled(endpoint, name):
    from conftest import make_client

    kinesis = make_client(endpoint, "kinesis", retries={"max_attempts": 1, "mode": "standard"})
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(ClientError):
        kinesis.update_shard_count(StreamName=name, TargetShardCount=8, ScalingType="UNIFORM_SCALING")
