# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQS queues: the pure comparisons and the SQS calls of the sqs_queue module.

Attribute values come in three forms here:

- the wire form: what GetQueueAttributes returns and SetQueueAttributes takes (every value a string,
  the policies JSON text);
- the view: what the module returns and shows in its diff, keyed by the AWS attribute names, with numbers
  as int, flags as bool and the policies as dicts (see ``attribute_view``);
- the desired form: the declared attributes in the view's types, with ``None`` for "remove it"
  (``KmsMasterKeyId``, ``RedrivePolicy``, ``Policy``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# CreateQueue: "A queue name can have up to 80 characters. Valid values: alphanumeric characters, hyphens (-),
# and underscores (_). A FIFO queue name must end with the .fifo suffix." FIFO queues are not managed here.
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}\Z")
SQS_ARN = re.compile(r"^arn:[a-z0-9-]+:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?\Z")
KEY_ID = re.compile(r"^(mrk-[0-9a-f]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\Z")
KMS_ARN = re.compile(r"^arn:(?P<partition>[a-z0-9-]+):kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):(?P<kind>key|alias)/(?P<name>.+)\Z")

# option -> (AWS attribute, lowest, highest), ranges from the CreateQueue / SetQueueAttributes reference.
NUMBERS = {
    "delay_seconds": ("DelaySeconds", 0, 900),
    "maximum_message_size": ("MaximumMessageSize", 1024, 1048576),
    "message_retention_period": ("MessageRetentionPeriod", 60, 1209600),
    "receive_message_wait_time_seconds": ("ReceiveMessageWaitTimeSeconds", 0, 20),
    "visibility_timeout": ("VisibilityTimeout", 0, 43200),
    "kms_data_key_reuse_period_seconds": ("KmsDataKeyReusePeriodSeconds", 60, 86400),
}
NUMBER_ATTRIBUTES = frozenset(spec[0] for spec in NUMBERS.values())
FLAG_ATTRIBUTES = frozenset(["SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication"])
JSON_ATTRIBUTES = frozenset(["Policy", "RedrivePolicy", "RedriveAllowPolicy"])
# Counters and timestamps change without anyone changing the queue: not part of the view or the diff.
VOLATILE_ATTRIBUTES = frozenset(
    [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
    ]
)
REDRIVE_PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_RECEIVE_COUNT = (1, 1000)  # the SQS console's range for "Maximum receives"
MAX_SOURCE_QUEUES = 10

# With the JSON protocol boto3 reports the query-compatible codes (Error.Code) and the shape names (QueryErrorCode).
NONEXISTENT_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
DELETED_RECENTLY = ("AWS.SimpleQueueService.QueueDeletedRecently", "QueueDeletedRecently")
NAME_EXISTS = ("QueueAlreadyExists", "QueueNameExists")
THROTTLED = ["RequestThrottled", "AWS.SimpleQueueService.RequestThrottled", "ThrottlingException"]


# ---------------------------------------------------------------- pure functions


def _removal(value):
    return value is None or value == "" or value == {}


def parameter_problems(params):
    """Messages (naming the option and the allowed form) for every invalid input of a present queue."""
    problems = []
    name = params.get("name") or ""
    if name.endswith(".fifo"):
        problems.append("name {0!r}: FIFO queues are not managed by this module; use a standard queue name.".format(name))
    elif not QUEUE_NAME.match(name):
        problems.append("name {0!r} is not a valid queue name: use 1 to 80 letters, digits, hyphens (-) and underscores (_).".format(name))
    if params.get("state", "present") != "present":
        return problems
    for option, (_attribute, low, high) in sorted(NUMBERS.items()):
        value = params.get(option)
        if value is not None and not low <= value <= high:
            problems.append("{0} must be an integer from {1} to {2} (got {3}).".format(option, low, high, value))
    key = params.get("kms_master_key_id")
    if params.get("kms_data_key_reuse_period_seconds") is not None and not key:
        problems.append(
            "kms_data_key_reuse_period_seconds applies to SSE-KMS only: give kms_master_key_id (a key id, key ARN, "
            "alias name or alias ARN) with it, or leave it unset."
        )
    if key and not (KEY_ID.match(key) or KMS_ARN.match(key) or key.startswith("alias/")):
        problems.append(
            "kms_master_key_id {0!r} is not a KMS key: give a key id, a key ARN, an alias name (alias/...) or an "
            "alias ARN, or '' for no SSE-KMS.".format(key)
        )
    problems.extend(_redrive_problems(params.get("redrive_policy")))
    problems.extend(_redrive_allow_problems(params.get("redrive_allow_policy")))
    policy = params.get("policy")
    if isinstance(policy, str) and policy:
        try:
            parsed = json.loads(policy)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            problems.append("policy must be a JSON object (an IAM policy document), or '' / {} for no policy.")
    return problems


def _redrive_problems(redrive):
    if redrive is None:
        return []
    arn, count = redrive.get("dead_letter_target_arn"), redrive.get("max_receive_count")
    if arn is None and count is None:
        return []  # {}: no redrive policy
    problems = []
    if arn is None or count is None:
        problems.append(
            "redrive_policy needs both dead_letter_target_arn and max_receive_count (or {} for no redrive policy)."
        )
    if arn is not None and not SQS_ARN.match(arn):
        problems.append(
            "redrive_policy.dead_letter_target_arn {0!r} is not a queue ARN (arn:aws:sqs:<region>:<account>:<name>).".format(arn)
        )
    if count is not None and not MAX_RECEIVE_COUNT[0] <= count <= MAX_RECEIVE_COUNT[1]:
        problems.append("redrive_policy.max_receive_count must be an integer from 1 to 1000 (got {0}).".format(count))
    return problems


def _redrive_allow_problems(allow):
    if allow is None:
        return []
    permission, sources = allow.get("redrive_permission"), allow.get("source_queue_arns") or []
    problems = []
    if permission == "byQueue" and not 1 <= len(sources) <= MAX_SOURCE_QUEUES:
        problems.append(
            "redrive_allow_policy.source_queue_arns must list 1 to {0} queue ARNs when redrive_permission is "
            "byQueue (got {1}); use allowAll for more.".format(MAX_SOURCE_QUEUES, len(sources))
        )
    if permission != "byQueue" and sources:
        problems.append("redrive_allow_policy.source_queue_arns can only be given with redrive_permission byQueue.")
    problems.extend(
        "redrive_allow_policy.source_queue_arns: {0!r} is not a queue ARN (arn:aws:sqs:<region>:<account>:<name>).".format(arn)
        for arn in sources
        if not SQS_ARN.match(arn or "")
    )
    return problems


def _parse_json(text):
    if isinstance(text, dict):
        return text
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text  # shown as it is


def attribute_view(attributes):
    """The readable view of GetQueueAttributes(All): numbers as int, flags as bool, policies as dicts,
    without the counters and timestamps."""
    view = {}
    for name, value in (attributes or {}).items():
        if name in VOLATILE_ATTRIBUTES:
            continue
        if name in NUMBER_ATTRIBUTES:
            try:
                value = int(value)
            except (TypeError, ValueError):
                pass
        elif name in FLAG_ATTRIBUTES:
            value = str(value).lower() == "true"
        elif name in JSON_ATTRIBUTES:
            value = _parse_json(value)
            if value is None:
                continue  # an empty policy is no policy
            if name == "RedrivePolicy" and isinstance(value, dict) and "maxReceiveCount" in value:
                try:
                    value = dict(value, maxReceiveCount=int(value["maxReceiveCount"]))
                except (TypeError, ValueError):
                    pass
        view[name] = value
    return view


def desired_attributes(params):
    """The declared attributes in the view's types; None stands for "remove it". Unset options are absent."""
    desired = {}
    for option, (attribute, _low, _high) in NUMBERS.items():
        if params.get(option) is not None:
            desired[attribute] = int(params[option])
    if params.get("kms_master_key_id") is not None:
        desired["KmsMasterKeyId"] = params["kms_master_key_id"] or None
    redrive = params.get("redrive_policy")
    if redrive is not None:
        if redrive.get("dead_letter_target_arn") is None and redrive.get("max_receive_count") is None:
            desired["RedrivePolicy"] = None
        else:
            desired["RedrivePolicy"] = {
                "deadLetterTargetArn": redrive["dead_letter_target_arn"],
                "maxReceiveCount": int(redrive["max_receive_count"]),
            }
    allow = params.get("redrive_allow_policy")
    if allow is not None:
        desired["RedriveAllowPolicy"] = {"redrivePermission": allow["redrive_permission"]}
        if allow.get("source_queue_arns"):
            desired["RedriveAllowPolicy"]["sourceQueueArns"] = list(allow["source_queue_arns"])
    policy = params.get("policy")
    if policy is not None:
        policy = _parse_json(policy) if isinstance(policy, str) else policy
        desired["Policy"] = None if _removal(policy) else policy
    return desired


def parse_kms_key(key, region, account):
    """(kind, name, region, account) of a KmsMasterKeyId: kind 'key' or 'alias'. A bare id or alias name lives
    in the queue's own account and region (where SQS resolves it)."""
    match = KMS_ARN.match(key)
    if match:
        return match.group("kind"), match.group("name"), match.group("region"), match.group("account")
    if key.startswith("alias/"):
        return "alias", key[len("alias/"):], region, account
    return "key", key, region, account


def kms_keys_match(current, desired, region, account):
    """Whether two KmsMasterKeyId values name the same key: True, False, or None when only KMS can tell
    (an alias on one side, unless both name the same alias). Empty values mean no SSE-KMS."""
    if not current or not desired:
        return not current and not desired
    if current == desired:
        return True
    current_key = parse_kms_key(current, region, account)
    desired_key = parse_kms_key(desired, region, account)
    if current_key == desired_key:
        return True
    if current_key[0] == "key" and desired_key[0] == "key":
        return False  # two different key ids or ARNs are two different keys
    return None


def redrive_policies_match(current, desired):
    if not current or not desired:
        return not current and not desired
    if not isinstance(current, dict):
        return False
    try:
        count = int(current.get("maxReceiveCount"))
    except (TypeError, ValueError):
        return False
    return current.get("deadLetterTargetArn") == desired["deadLetterTargetArn"] and count == desired["maxReceiveCount"]


def redrive_allow_policies_match(current, desired):
    if not isinstance(current, dict):
        return False
    return current.get("redrivePermission") == desired["redrivePermission"] and sorted(
        current.get("sourceQueueArns") or []
    ) == sorted(desired.get("sourceQueueArns") or [])


def compare_attributes(current, desired, region, account):
    """Compare every declared attribute with the queue's view. An attribute the queue does not report counts as
    different (unless removal is what is declared).

    Returns (changes, undecided): ``changes`` maps the attributes to set to their desired value (desired form);
    ``undecided`` lists the attributes only KMS DescribeKey can decide (``KmsMasterKeyId`` naming an alias).
    """
    changes, undecided = {}, []
    for name, wanted in sorted(desired.items()):
        have = current.get(name)
        if name == "KmsMasterKeyId":
            same = kms_keys_match(have, wanted, region, account)
            if same is None:
                undecided.append(name)
                continue
        elif name == "RedrivePolicy":
            same = redrive_policies_match(have, wanted)
        elif name == "RedriveAllowPolicy":
            same = redrive_allow_policies_match(have, wanted)
        elif name == "Policy":
            same = (not have and wanted is None) or have == wanted
        elif name in NUMBER_ATTRIBUTES:
            try:
                same = have is not None and int(have) == wanted
            except (TypeError, ValueError):
                same = False
        else:
            same = have == wanted
        if not same:
            changes[name] = wanted
    return changes, undecided


def wire_attributes(changes):
    """SetQueueAttributes / CreateQueue ``Attributes`` for the changes: strings, JSON for policies, '' to remove."""
    wire = {}
    for name, value in changes.items():
        if value is None:
            wire[name] = ""
        elif isinstance(value, dict):
            wire[name] = json.dumps(value, sort_keys=True, separators=(",", ":"))
        else:
            wire[name] = str(value)
    return wire


def projected_attributes(current, changes):
    """The view after the changes (check mode)."""
    after = dict(current)
    for name, value in changes.items():
        if value is None:
            after.pop(name, None)
            if name == "KmsMasterKeyId":
                after.pop("KmsDataKeyReusePeriodSeconds", None)  # reported for SSE-KMS queues only
        else:
            after[name] = value
    return after


def queue_arn(partition, region, account, name):
    return "arn:{0}:sqs:{1}:{2}:{3}".format(partition, region, account, name)


# ---------------------------------------------------------------- SQS calls


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def find_queue_url(client, name):
    """The queue's URL, or None when there is no queue of that name."""
    try:
        return client.get_queue_url(QueueName=name)["QueueUrl"]
    except is_boto3_error_code(list(NONEXISTENT_QUEUE)):
        return None


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def get_attributes(client, url):
    """GetQueueAttributes(All), or None when the queue is gone."""
    try:
        return client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
    except is_boto3_error_code(list(NONEXISTENT_QUEUE)):
        return None


# "After you create a queue, you must wait at least one second after the queue is created to be able to use the
# queue": right after CreateQueue, a NonExistentQueue answer is retried.
@AWSRetry.jittered_backoff(retries=6, delay=1, catch_extra_error_codes=THROTTLED + list(NONEXISTENT_QUEUE))
def get_new_queue_attributes(client, url):
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})


@AWSRetry.jittered_backoff(retries=6, delay=1, catch_extra_error_codes=THROTTLED + list(NONEXISTENT_QUEUE))
def list_new_queue_tags(client, url):
    return client.list_queue_tags(QueueUrl=url).get("Tags", {})


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def list_tags(client, url):
    return client.list_queue_tags(QueueUrl=url).get("Tags", {})


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def create_queue(client, name, attributes, tags):
    params = {"QueueName": name, "Attributes": attributes}
    if tags:
        params["tags"] = tags
    return client.create_queue(**params)["QueueUrl"]


def create_queue_when_allowed(client, name, attributes, tags, deadline, sleep=None, clock=None):
    """CreateQueue, retried with backoff while SQS answers QueueDeletedRecently ("you must wait at least 60 seconds
    before creating a queue with the same name") until ``deadline`` (a ``clock`` value, by default
    time.monotonic; None: no retry)."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    delay = 2.0
    while True:
        try:
            return create_queue(client, name, attributes, tags)
        except is_boto3_error_code(list(DELETED_RECENTLY)):
            if deadline is None or clock() + delay > deadline:
                raise
            sleep(delay)
            delay = min(delay * 2, 15.0)


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def set_attributes(client, url, attributes):
    client.set_queue_attributes(QueueUrl=url, Attributes=attributes)


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def tag_queue(client, url, tags):
    client.tag_queue(QueueUrl=url, Tags=tags)


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def untag_queue(client, url, keys):
    client.untag_queue(QueueUrl=url, TagKeys=list(keys))


@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLED)
def delete_queue(client, url):
    try:
        client.delete_queue(QueueUrl=url)
    except is_boto3_error_code(list(NONEXISTENT_QUEUE)):
        pass  # removed meanwhile: the goal is met


@AWSRetry.jittered_backoff()
def caller_identity(sts):
    return sts.get_caller_identity()


@AWSRetry.jittered_backoff()
def describe_key_arn(kms, key_id):
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
