# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kinesis data streams: the pure comparison, the API calls and the waiters of the kinesis_data_stream module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

# The shard-level metrics EnableEnhancedMonitoring knows; ALL stands for every one of them.
ALL_METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
)
RETENTION_HOURS = (24, 8760)

# Kinesis answers a control-plane call over its rate (DescribeStreamSummary: 20 per second per account,
# ListTagsForStream: 5 ...) with LimitExceededException. For reads that is throttling and retried; for
# changes it can also be a hard limit (UpdateShardCount: more than 10 scalings a day), so it is not.
READ_RETRY_CODES = ["LimitExceededException"]
read_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=READ_RETRY_CODES)
change_retry = AWSRetry.jittered_backoff()


# ---------------------------------------------------------------- pure comparison


def normalize_metrics(metrics):
    """A sorted list of metric names; ALL expands to every metric."""
    if metrics is None:
        return None
    if "ALL" in metrics:
        return sorted(ALL_METRICS)
    return sorted(set(metrics))


def metric_problems(metrics):
    unknown = sorted(set(metrics or []) - set(ALL_METRICS) - {"ALL"})
    if not unknown:
        return []
    return ["shard_level_metrics has unknown metrics {0}: use ALL or any of {1}".format(", ".join(unknown), ", ".join(ALL_METRICS))]


def desired_stream(params):
    """What the parameters ask for; None for settings left as they are."""
    encryption_type = params.get("encryption_type")
    return {
        "name": params["name"],
        "stream_mode": params.get("stream_mode"),
        "shard_count": params.get("shard_count") if params.get("stream_mode") != "ON_DEMAND" else None,
        "retention_period_hours": params.get("retention_period_hours"),
        "encryption_type": encryption_type,
        "key_id": params.get("kms_key_id") if encryption_type == "KMS" else None,
        "shard_level_metrics": normalize_metrics(params.get("shard_level_metrics")),
        "tags": params.get("tags"),
    }


def param_problems(params, exists):
    """What AWS would refuse, or what cannot be done, as sentences a person can act on."""
    problems = []
    retention = params.get("retention_period_hours")
    if retention is not None and not RETENTION_HOURS[0] <= retention <= RETENTION_HOURS[1]:
        problems.append("retention_period_hours must be from 24 to 8760 (365 days), not {0}".format(retention))
    shards = params.get("shard_count")
    if shards is not None and shards < 1:
        problems.append("shard_count must be at least 1, not {0}".format(shards))
    if params.get("stream_mode") == "ON_DEMAND" and shards is not None:
        problems.append("shard_count applies to PROVISIONED streams only: Kinesis scales an ON_DEMAND stream itself")
    if params.get("stream_mode") == "PROVISIONED" and shards is None and not exists:
        problems.append("shard_count is required to create a PROVISIONED stream")
    if params.get("encryption_type") == "KMS" and not params.get("kms_key_id"):
        problems.append("kms_key_id is required when encryption_type is KMS")
    problems.extend(metric_problems(params.get("shard_level_metrics")))
    return problems


def stream_view(summary, tags):
    """The module's view of a DescribeStreamSummary StreamDescriptionSummary and its tags."""
    if not summary:
        return {}
    monitoring = summary.get("EnhancedMonitoring") or [{}]
    metrics = []
    for entry in monitoring:
        metrics.extend(entry.get("ShardLevelMetrics") or [])
    encryption_type = summary.get("EncryptionType") or "NONE"
    return {
        "name": summary["StreamName"],
        "arn": summary["StreamARN"],
        "status": summary.get("StreamStatus"),
        "stream_mode": (summary.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED"),
        "shard_count": summary.get("OpenShardCount"),
        "retention_period_hours": summary.get("RetentionPeriodHours"),
        "encryption_type": encryption_type,
        "key_id": summary.get("KeyId") if encryption_type == "KMS" else None,
        "shard_level_metrics": normalize_metrics(metrics),
        "tags": tags,
    }


def shard_steps(current, target):
    """The UpdateShardCount targets from current to target open shards. One call can at most double the
    open shards or halve them (rounding up: AWS refuses to scale below half), so larger changes are steps."""
    steps = []
    while current != target:
        if target > current:
            current = min(target, current * 2)
        else:
            current = max(target, (current + 1) // 2)
        steps.append(current)
    return steps


def metrics_changes(current, desired):
    """(to_enable, to_disable) shard-level metrics; nothing when desired is None (left as it is)."""
    if desired is None:
        return [], []
    current = set(current or [])
    return sorted(set(desired) - current), sorted(current - set(desired))


def tag_changes(current, desired, purge):
    """(to_set, to_remove), as compare_aws_tags would, with desired None leaving the tags alone."""
    if desired is None:
        return {}, []
    to_set = dict((key, value) for key, value in desired.items() if current.get(key) != value)
    to_remove = sorted(key for key in current if key not in desired) if purge else []
    return to_set, to_remove


def planned_changes(current, desired, same_key, purge_tags):
    """The changes, in the order they are made, for an existing stream; each needs the stream ACTIVE.

    ``same_key`` says whether the current KMS key is the desired one (the key may be named by id, ARN
    or alias, so the caller resolves it)."""
    changes = []
    if desired["stream_mode"] and desired["stream_mode"] != current["stream_mode"]:
        changes.append("stream_mode")
    mode = desired["stream_mode"] or current["stream_mode"]
    if mode == "PROVISIONED" and desired["shard_count"] is not None and desired["shard_count"] != current["shard_count"]:
        changes.append("shard_count")
    if desired["retention_period_hours"] is not None and desired["retention_period_hours"] != current["retention_period_hours"]:
        changes.append("retention_period_hours")
    if desired["encryption_type"] == "KMS" and (current["encryption_type"] != "KMS" or not same_key):
        changes.append("encryption")
    if desired["encryption_type"] == "NONE" and current["encryption_type"] != "NONE":
        changes.append("encryption")
    enable, disable = metrics_changes(current["shard_level_metrics"], desired["shard_level_metrics"])
    if enable or disable:
        changes.append("shard_level_metrics")
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], purge_tags)
    if to_set or to_remove:
        changes.append("tags")
    return changes


def projected_stream(current, desired, purge_tags):
    """The stream once the changes are made (check mode, and the return value when not waiting)."""
    projected = dict(current)
    for key in ("stream_mode", "retention_period_hours", "shard_level_metrics"):
        if desired[key] is not None:
            projected[key] = desired[key]
    if projected["stream_mode"] == "PROVISIONED" and desired["shard_count"] is not None:
        projected["shard_count"] = desired["shard_count"]
    if desired["encryption_type"] == "KMS":
        projected["encryption_type"], projected["key_id"] = "KMS", desired["key_id"]
    elif desired["encryption_type"] == "NONE":
        projected["encryption_type"], projected["key_id"] = "NONE", None
    to_set, to_remove = tag_changes(current.get("tags") or {}, desired["tags"], purge_tags)
    tags = dict((key, value) for key, value in (current.get("tags") or {}).items() if key not in to_remove)
    tags.update(to_set)
    projected["tags"] = tags
    return projected


def new_stream(desired):
    """The projected view of a stream that create would make (before any AWS id exists)."""
    mode = desired["stream_mode"] or "PROVISIONED"
    return {
        "name": desired["name"],
        "arn": None,
        "status": "CREATING",
        "stream_mode": mode,
        "shard_count": desired["shard_count"] if mode == "PROVISIONED" else None,
        "retention_period_hours": 24,
        "encryption_type": "NONE",
        "key_id": None,
        "shard_level_metrics": [],
        "tags": desired["tags"] or {},
    }


# ---------------------------------------------------------------- API calls


@read_retry
def describe_stream_summary(client, name):
    """The StreamDescriptionSummary, or None when there is no such stream."""
    try:
        return client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@read_retry
def list_tags(client, name):
    tags = []
    start = None
    while True:
        kwargs = dict(StreamName=name)
        if start:
            kwargs["ExclusiveStartTagKey"] = start
        response = client.list_tags_for_stream(**kwargs)
        tags.extend(response.get("Tags", []))
        if not response.get("HasMoreTags") or not response.get("Tags"):
            return boto3_tag_list_to_ansible_dict(tags)
        start = response["Tags"][-1]["Key"]


@change_retry
def create_stream(client, desired):
    kwargs = dict(StreamName=desired["name"], StreamModeDetails={"StreamMode": desired["stream_mode"] or "PROVISIONED"})
    if (desired["stream_mode"] or "PROVISIONED") == "PROVISIONED":
        kwargs["ShardCount"] = desired["shard_count"]
    if desired["tags"]:
        kwargs["Tags"] = desired["tags"]
    client.create_stream(**kwargs)


@change_retry
def update_stream_mode(client, arn, mode):
    client.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": mode})


@change_retry
def update_shard_count(client, name, target):
    client.update_shard_count(StreamName=name, TargetShardCount=target, ScalingType="UNIFORM_SCALING")


@change_retry
def set_retention(client, name, current_hours, hours):
    if hours > current_hours:
        client.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=hours)
    else:
        client.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=hours)


@change_retry
def start_encryption(client, name, key_id):
    client.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key_id)


@change_retry
def stop_encryption(client, name, key_id):
    client.stop_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key_id)


@change_retry
def enable_metrics(client, name, metrics):
    client.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=metrics)


@change_retry
def disable_metrics(client, name, metrics):
    client.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=metrics)


@change_retry
def add_tags(client, name, tags):
    # AddTagsToStream takes at most 10 tags per call.
    items = sorted(tags.items())
    for start in range(0, len(items), 10):
        client.add_tags_to_stream(StreamName=name, Tags=dict(items[start:start + 10]))


@change_retry
def remove_tags(client, name, keys):
    for start in range(0, len(keys), 10):
        client.remove_tags_from_stream(StreamName=name, TagKeys=keys[start:start + 10])


@change_retry
def delete_stream(client, name):
    try:
        client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        pass  # removed meanwhile: the goal is met


# ---------------------------------------------------------------- waiters


def _retry_on_throttling():
    # BaseWaiterFactory adds AWSRetry's codes; Kinesis answers over-rate describes with these.
    return [dict(state="retry", matcher="error", expected=code) for code in READ_RETRY_CODES + ["ThrottlingException"]]


class KinesisWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        data = dict(
            # botocore's stream_exists waiter, on the lighter DescribeStreamSummary (no shard listing),
            # that retries throttling instead of failing on it.
            stream_active=dict(
                operation="DescribeStreamSummary",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="path", argument="StreamDescriptionSummary.StreamStatus", expected="ACTIVE"),
                    dict(state="failure", matcher="path", argument="StreamDescriptionSummary.StreamStatus", expected="DELETING"),
                    dict(state="retry", matcher="error", expected="ResourceNotFoundException"),
                ],
            ),
            stream_deleted=dict(
                operation="DescribeStreamSummary",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="error", expected="ResourceNotFoundException"),
                    dict(state="retry", matcher="path", argument="StreamDescriptionSummary.StreamStatus", expected="DELETING"),
                ],
            ),
        )
        for waiter in data.values():
            waiter["acceptors"].extend(_retry_on_throttling())
        return data


def wait_for(client, waiter_name, timeout, name):
    """Wait with one of the Kinesis waiters for at most ``timeout`` seconds; raises botocore's WaiterError."""
    factory = KinesisWaiterFactory()
    pause = factory._waiter_model_data[waiter_name]["delay"]
    waiter = factory.get_waiter(client, waiter_name)
    waiter.wait(StreamName=name, WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=pause))
