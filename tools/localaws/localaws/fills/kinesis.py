"""Kinesis fills (moto 5.2.5).

- UpdateShardCount accepts any target; AWS refuses to "scale up to more than double your current shard
  count" or "scale down below half your current shard count" (of open shards) with LimitExceededException
  (HTTP 400). The fill enforces both (message ours).
- CreateStream ignores ``Tags``; AWS applies them to the new stream. The fill stores them (at most 50,
  as AWS allows: more is InvalidArgumentException).

Reference: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html and
https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kinesis.exceptions import InvalidArgumentError
from moto.kinesis.models import KinesisBackend
from moto.kinesis.responses import KinesisResponse

from . import patch

MAX_CREATE_TAGS = 50


class LimitExceededError(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("LimitExceededException", message)


def update_shard_count(self: KinesisBackend, stream_arn: str, stream_name: str, target_shard_count: int) -> int:
    stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
    open_shards = len([shard for shard in stream.shards.values() if shard.is_open])
    target = int(target_shard_count)
    if stream.stream_mode.get("StreamMode") == "PROVISIONED":
        if target > open_shards * 2:
            raise LimitExceededError(
                f"UpdateShardCount failed for {stream.arn}: the target shard count {target} is more than double "
                f"the current open shard count {open_shards}."
            )
        if target * 2 < open_shards:
            raise LimitExceededError(
                f"UpdateShardCount failed for {stream.arn}: the target shard count {target} is below half "
                f"the current open shard count {open_shards}."
            )
    return update_shard_count.original(self, stream_arn=stream_arn, stream_name=stream_name, target_shard_count=target)


def create_stream(self: KinesisResponse) -> Any:
    tags = self._get_param("Tags") or {}
    if len(tags) > MAX_CREATE_TAGS:
        raise InvalidArgumentError(f"A stream can be created with at most {MAX_CREATE_TAGS} tags.")
    result = create_stream.original(self)
    if tags:
        self.kinesis_backend.add_tags_to_stream(None, self._get_param("StreamName"), tags)
    return result


def apply() -> None:
    patch(KinesisBackend, "update_shard_count", update_shard_count)
    patch(KinesisResponse, "create_stream", create_stream)
