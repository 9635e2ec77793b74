"""sqs_queue against in-process moto (with the localaws SQS fill), AWS state read back through boto3."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError

from ansible_collections.streamflix.media_platform.plugins.module_utils import sqs
from ansible_collections.streamflix.media_platform.plugins.modules import sqs_queue
from localaws.fills import sqs as sqs_fill
from module_harness import ACCOUNT_ID, REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-jobs-unit"
DLQ = "streamflix-jobs-dlq-unit"
ARN = "arn:aws:sqs:{0}:{1}:{2}".format(REGION, ACCOUNT_ID, NAME)
DLQ_ARN = "arn:aws:sqs:{0}:{1}:{2}".format(REGION, ACCOUNT_ID, DLQ)
TAGS = {"Project": "streamflix", "Environment": "unit"}
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = "arn:aws:kms:us-east-1:{0}:key/{1}".format(ACCOUNT_ID, KEY_ID)


# ---------------------------------------------------------------- pure functions


def params(**given):
    base = dict((option, None) for option in sqs.NUMBERS)
    base.update(name=NAME, state="present", kms_master_key_id=None, redrive_policy=None, redrive_allow_policy=None, policy=None)
    base.update(given)
    return base


@pytest.mark.parametrize(
    "given, naming",
    [
        ({}, None),
        ({"name": "a_B-9" * 16}, None),
        ({"name": "x" * 81}, "name"),
        ({"name": "jobs.fifo"}, "FIFO"),
        ({"name": "a b"}, "name"),
        ({"visibility_timeout": 43200, "delay_seconds": 900, "message_retention_period": 60}, None),
        ({"visibility_timeout": 43201}, "visibility_timeout must be an integer from 0 to 43200"),
        ({"message_retention_period": 59}, "message_retention_period"),
        ({"maximum_message_size": 1023}, "maximum_message_size"),
        ({"delay_seconds": -1}, "delay_seconds"),
        ({"receive_message_wait_time_seconds": 21}, "receive_message_wait_time_seconds"),
        ({"kms_master_key_id": KEY_ARN, "kms_data_key_reuse_period_seconds": 59}, "kms_data_key_reuse_period_seconds must"),
        ({"kms_data_key_reuse_period_seconds": 300}, "give kms_master_key_id"),
        ({"kms_master_key_id": "", "kms_data_key_reuse_period_seconds": 300}, "give kms_master_key_id"),
        ({"kms_master_key_id": "my-key"}, "kms_master_key_id 'my-key' is not a KMS key"),
        ({"kms_master_key_id": "alias/streamflix-unit"}, None),
        ({"kms_master_key_id": KEY_ID}, None),
        ({"redrive_policy": {"dead_letter_target_arn": DLQ_ARN, "max_receive_count": 5}}, None),
        ({"redrive_policy": {"dead_letter_target_arn": None, "max_receive_count": None}}, None),
        ({"redrive_policy": {"dead_letter_target_arn": DLQ_ARN, "max_receive_count": None}}, "needs both"),
        ({"redrive_policy": {"dead_letter_target_arn": DLQ, "max_receive_count": 5}}, "is not a queue ARN"),
        ({"redrive_policy": {"dead_letter_target_arn": DLQ_ARN, "max_receive_count": 0}}, "max_receive_count must"),
        ({"redrive_allow_policy": {"redrive_permission": "byQueue", "source_queue_arns": [ARN]}}, None),
        ({"redrive_allow_policy": {"redrive_permission": "byQueue", "source_queue_arns": []}}, "1 to 10"),
        ({"redrive_allow_policy": {"redrive_permission": "byQueue", "source_queue_arns": [ARN] * 11}}, "1 to 10"),
        ({"redrive_allow_policy": {"redrive_permission": "denyAll", "source_queue_arns": [ARN]}}, "only be given with"),
        ({"redrive_allow_policy": {"redrive_permission": "byQueue", "source_queue_arns": ["q"]}}, "is not a queue ARN"),
        ({"policy": '{"Statement": []}'}, None),
        ({"policy": ""}, None),
        ({"policy": "[1]"}, "policy must be a JSON object"),
        ({"policy": "{nope"}, "policy must be a JSON object"),
        ({"state": "absent", "visibility_timeout": 99999}, None),
    ],
)
def test_parameter_problems(given, naming):
    problems = sqs.parameter_problems(params(**given))
    if naming is None:
        assert problems == []
    else:
        assert len(problems) == 1 and naming in problems[0]


def test_attribute_view():
    raw = {
        "ApproximateNumberOfMessages": "3",
        "CreatedTimestamp": "1700000000",
        "LastModifiedTimestamp": "1700000001",
        "VisibilityTimeout": "300",
        "KmsDataKeyReusePeriodSeconds": "300",
        "SqsManagedSseEnabled": "false",
        "QueueArn": ARN,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": "5"}),
        "Policy": "",
    }
    assert sqs.attribute_view(raw) == {
        "VisibilityTimeout": 300,
        "KmsDataKeyReusePeriodSeconds": 300,
        "SqsManagedSseEnabled": False,
        "QueueArn": ARN,
        "RedrivePolicy": {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5},
    }


@pytest.mark.parametrize(
    "given, expected",
    [
        ({}, {}),
        ({"visibility_timeout": 0}, {"VisibilityTimeout": 0}),
        ({"kms_master_key_id": ""}, {"KmsMasterKeyId": None}),
        ({"kms_master_key_id": KEY_ARN, "kms_data_key_reuse_period_seconds": 600}, {"KmsMasterKeyId": KEY_ARN, "KmsDataKeyReusePeriodSeconds": 600}),
        ({"redrive_policy": {"dead_letter_target_arn": None, "max_receive_count": None}}, {"RedrivePolicy": None}),
        (
            {"redrive_policy": {"dead_letter_target_arn": DLQ_ARN, "max_receive_count": 5}},
            {"RedrivePolicy": {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}},
        ),
        ({"redrive_allow_policy": {"redrive_permission": "denyAll", "source_queue_arns": None}}, {"RedriveAllowPolicy": {"redrivePermission": "denyAll"}}),
        ({"policy": ""}, {"Policy": None}),
        ({"policy": "{}"}, {"Policy": None}),
        ({"policy": '{"Version": "2012-10-17"}'}, {"Policy": {"Version": "2012-10-17"}}),
    ],
)
def test_desired_attributes(given, expected):
    assert sqs.desired_attributes(params(**given)) == expected


OTHER_ACCOUNT_KEY = "arn:aws:kms:us-east-1:210987654321:key/" + KEY_ID
ALIAS_ARN = "arn:aws:kms:us-east-1:{0}:alias/streamflix-unit".format(ACCOUNT_ID)


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        (None, None, True),
        (None, "", True),
        (None, KEY_ARN, False),  # encryption removed by hand
        (KEY_ARN, None, False),
        (KEY_ARN, KEY_ARN, True),
        (KEY_ARN, KEY_ID, True),
        (KEY_ID, KEY_ARN, True),
        (OTHER_ACCOUNT_KEY, KEY_ID, False),  # a bare id is a key of the queue's own account
        ("arn:aws:kms:eu-west-2:{0}:key/{1}".format(ACCOUNT_ID, KEY_ID), KEY_ID, False),
        (KEY_ARN, "5678abcd-12ab-34cd-56ef-1234567890ab", False),
        ("alias/streamflix-unit", ALIAS_ARN, True),
        (ALIAS_ARN, "alias/streamflix-unit", True),
        ("alias/streamflix-unit", "alias/other", None),  # two aliases may name one key
        ("alias/streamflix-unit", KEY_ARN, None),
        (KEY_ID, "alias/aws/sqs", None),
    ],
)
def test_kms_keys_match(current, desired, expected):
    assert sqs.kms_keys_match(current, desired, REGION, ACCOUNT_ID) is expected


REDRIVE = {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}


@pytest.mark.parametrize(
    "current, desired, changes, undecided",
    [
        ({"VisibilityTimeout": 300}, {"VisibilityTimeout": 300}, {}, []),
        ({"VisibilityTimeout": "300"}, {"VisibilityTimeout": 300}, {}, []),
        ({"VisibilityTimeout": 30}, {"VisibilityTimeout": 300}, {"VisibilityTimeout": 300}, []),
        ({}, {"VisibilityTimeout": 30}, {"VisibilityTimeout": 30}, []),  # not reported: a difference
        ({"VisibilityTimeout": 30, "DelaySeconds": 5}, {}, {}, []),  # unset options are not managed
        ({}, {"KmsMasterKeyId": KEY_ARN, "KmsDataKeyReusePeriodSeconds": 300}, {"KmsMasterKeyId": KEY_ARN, "KmsDataKeyReusePeriodSeconds": 300}, []),
        ({"KmsMasterKeyId": KEY_ID}, {"KmsMasterKeyId": KEY_ARN}, {}, []),
        ({"KmsMasterKeyId": KEY_ARN}, {"KmsMasterKeyId": None}, {"KmsMasterKeyId": None}, []),
        ({"KmsMasterKeyId": "alias/x"}, {"KmsMasterKeyId": KEY_ARN}, {}, ["KmsMasterKeyId"]),
        ({"RedrivePolicy": dict(REDRIVE, maxReceiveCount="5")}, {"RedrivePolicy": REDRIVE}, {}, []),
        ({"RedrivePolicy": dict(REDRIVE, maxReceiveCount=4)}, {"RedrivePolicy": REDRIVE}, {"RedrivePolicy": REDRIVE}, []),
        ({}, {"RedrivePolicy": REDRIVE}, {"RedrivePolicy": REDRIVE}, []),
        ({}, {"RedrivePolicy": None}, {}, []),
        ({"RedrivePolicy": REDRIVE}, {"RedrivePolicy": None}, {"RedrivePolicy": None}, []),
        (
            {"RedriveAllowPolicy": {"redrivePermission": "byQueue", "sourceQueueArns": [DLQ_ARN, ARN]}},
            {"RedriveAllowPolicy": {"redrivePermission": "byQueue", "sourceQueueArns": [ARN, DLQ_ARN]}},
            {},
            [],
        ),
        ({}, {"RedriveAllowPolicy": {"redrivePermission": "allowAll"}}, {"RedriveAllowPolicy": {"redrivePermission": "allowAll"}}, []),
        ({"Policy": {"Version": "1", "Statement": []}}, {"Policy": {"Statement": [], "Version": "1"}}, {}, []),
        ({"Policy": {"Version": "1"}}, {"Policy": None}, {"Policy": None}, []),
        ({}, {"Policy": None}, {}, []),
    ],
)
def test_compare_attributes(current, desired, changes, undecided):
    assert sqs.compare_attributes(current, desired, REGION, ACCOUNT_ID) == (changes, undecided)


def test_wire_attributes():
    assert sqs.wire_attributes({"VisibilityTimeout": 60, "KmsMasterKeyId": None, "RedrivePolicy": REDRIVE}) == {
        "VisibilityTimeout": "60",
        "KmsMasterKeyId": "",
        "RedrivePolicy": '{"deadLetterTargetArn":"%s","maxReceiveCount":5}' % DLQ_ARN,
    }


def test_projected_attributes():
    current = {"VisibilityTimeout": 30, "KmsMasterKeyId": KEY_ARN, "KmsDataKeyReusePeriodSeconds": 300, "RedrivePolicy": REDRIVE}
    after = sqs.projected_attributes(current, {"VisibilityTimeout": 60, "KmsMasterKeyId": None, "RedrivePolicy": None})
    assert after == {"VisibilityTimeout": 60}
    assert current["VisibilityTimeout"] == 30  # not changed in place


def deleted_recently():
    return ClientError(
        {"Error": {"Code": "AWS.SimpleQueueService.QueueDeletedRecently", "QueryErrorCode": "QueueDeletedRecently", "Message": "wait"}},
        "CreateQueue",
    )


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_create_retries_queue_deleted_recently_until_it_works():
    client = mock.Mock()
    client.create_queue.side_effect = [deleted_recently(), deleted_recently(), {"QueueUrl": "https://q"}]
    clock = Clock()
    url = sqs.create_queue_when_allowed(client, NAME, {}, {}, deadline=60.0, sleep=clock.sleep, clock=clock)
    assert url == "https://q"
    assert clock.sleeps == [2.0, 4.0]


@pytest.mark.parametrize("deadline", [None, 5.0])
def test_create_gives_up_on_queue_deleted_recently_at_the_deadline(deadline):
    client = mock.Mock()
    client.create_queue.side_effect = deleted_recently()
    clock = Clock()
    with pytest.raises(ClientError):
        sqs.create_queue_when_allowed(client, NAME, {}, {}, deadline=deadline, sleep=clock.sleep, clock=clock)
    assert clock.now <= (deadline or 0)


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def aws(moto):
    sqs_fill.apply()
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=key["KeyId"])
    other = kms.create_key()["KeyMetadata"]
    return {"sqs": boto3.client("sqs", region_name=REGION), "key": key, "other_key": other}


def url_of(client, name=NAME):
    return client.get_queue_url(QueueName=name)["QueueUrl"]


def attributes(client, name=NAME):
    return client.get_queue_attributes(QueueUrl=url_of(client, name), AttributeNames=["All"])["Attributes"]


def tags(client, name=NAME):
    return client.list_queue_tags(QueueUrl=url_of(client, name)).get("Tags", {})


def make_dlq(aws):
    return run_module(sqs_queue, {"name": DLQ, "message_retention_period": 1209600, "kms_master_key_id": aws["key"]["Arn"]})["queue"]


def full_args(aws, **extra):
    args = {
        "name": NAME,
        "visibility_timeout": 300,
        "message_retention_period": 345600,
        "kms_master_key_id": aws["key"]["Arn"],
        "kms_data_key_reuse_period_seconds": 300,
        "redrive_policy": {"dead_letter_target_arn": DLQ_ARN, "max_receive_count": 5},
        "tags": TAGS,
    }
    args.update(extra)
    return args


def calls(name):
    """Count the module's calls of one sqs module_utils function."""
    return mock.patch.object(sqs, name, wraps=getattr(sqs, name))


def test_create(aws):
    client = aws["sqs"]
    make_dlq(aws)
    result = run_module(sqs_queue, full_args(aws))
    assert result["changed"] is True
    found = attributes(client)
    assert found["VisibilityTimeout"] == "300"
    assert found["MessageRetentionPeriod"] == "345600"
    assert found["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert found["KmsDataKeyReusePeriodSeconds"] == "300"
    assert found["SqsManagedSseEnabled"] == "false"
    assert json.loads(found["RedrivePolicy"]) == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}
    assert tags(client) == TAGS
    queue = result["queue"]
    assert queue["url"] == url_of(client)
    assert queue["arn"] == found["QueueArn"] == ARN
    assert queue["attributes"]["RedrivePolicy"] == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}
    assert queue["attributes"]["VisibilityTimeout"] == 300
    assert queue["tags"] == TAGS
    assert result["diff"] == {"before": {}, "after": queue}


def test_second_run_is_idempotent_and_sends_nothing(aws):
    make_dlq(aws)
    first = run_module(sqs_queue, full_args(aws))
    with calls("set_attributes") as setter, calls("tag_queue") as tagger, calls("create_queue") as creator, calls("describe_key_arn") as describer:
        second = run_module(sqs_queue, full_args(aws))
    assert (setter.call_count, tagger.call_count, creator.call_count, describer.call_count) == (0, 0, 0, 0)
    assert second["changed"] is False
    assert second["queue"] == first["queue"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_change_one_attribute_sets_only_it(aws):
    client = aws["sqs"]
    make_dlq(aws)
    run_module(sqs_queue, full_args(aws))
    with calls("set_attributes") as setter:
        result = run_module(sqs_queue, full_args(aws, visibility_timeout=60))
    assert result["changed"] is True
    assert result["changed_attributes"] == ["VisibilityTimeout"]
    assert setter.call_count == 1
    assert setter.call_args[0][2] == {"VisibilityTimeout": "60"}
    found = attributes(client)
    assert found["VisibilityTimeout"] == "60"
    assert found["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert result["diff"]["before"]["attributes"]["VisibilityTimeout"] == 300
    assert result["diff"]["after"]["attributes"]["VisibilityTimeout"] == 60


def test_encryption_removed_by_hand_is_detected_in_check_mode_and_repaired(aws):
    client = aws["sqs"]
    make_dlq(aws)
    run_module(sqs_queue, full_args(aws))
    client.set_queue_attributes(QueueUrl=url_of(client), Attributes={"KmsMasterKeyId": ""})
    assert "KmsMasterKeyId" not in attributes(client)

    with calls("set_attributes") as setter:
        plan = run_module(sqs_queue, full_args(aws), check_mode=True)
    assert setter.call_count == 0
    assert plan["changed"] is True
    assert "KmsMasterKeyId" in plan["changed_attributes"]
    assert "KmsMasterKeyId" not in plan["diff"]["before"]["attributes"]
    assert plan["diff"]["after"]["attributes"]["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert "KmsMasterKeyId" not in attributes(client)  # check mode changed nothing

    with calls("set_attributes") as setter:
        repair = run_module(sqs_queue, full_args(aws))
    assert repair["changed"] is True
    assert set(setter.call_args[0][2]) == {"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"}
    found = attributes(client)
    assert found["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert found["KmsDataKeyReusePeriodSeconds"] == "300"
    assert repair["diff"]["after"]["attributes"]["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert run_module(sqs_queue, full_args(aws))["changed"] is False


def test_check_mode_on_a_new_queue_creates_nothing_and_projects_the_arn(aws):
    client = aws["sqs"]
    with calls("create_queue") as creator:
        result = run_module(sqs_queue, full_args(aws), check_mode=True)
    assert creator.call_count == 0
    assert result["changed"] is True
    assert client.list_queues().get("QueueUrls", []) == []
    queue = result["queue"]
    assert queue["arn"] == ARN
    assert queue["url"] is None
    assert queue["attributes"]["KmsMasterKeyId"] == aws["key"]["Arn"]
    assert queue["attributes"]["RedrivePolicy"] == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}
    assert queue["tags"] == TAGS
    assert result["diff"]["before"] == {}


def test_check_mode_on_a_changed_queue_changes_nothing(aws):
    client = aws["sqs"]
    make_dlq(aws)
    run_module(sqs_queue, full_args(aws))
    result = run_module(sqs_queue, full_args(aws, visibility_timeout=60, tags={"Project": "other"}), check_mode=True)
    assert result["changed"] is True
    assert result["queue"]["attributes"]["VisibilityTimeout"] == 60
    assert result["queue"]["tags"] == {"Project": "other"}
    assert attributes(client)["VisibilityTimeout"] == "300"
    assert tags(client) == TAGS


def test_kms_key_forms_naming_the_same_key_are_no_change(aws):
    client = aws["sqs"]
    key = aws["key"]
    run_module(sqs_queue, {"name": NAME, "kms_master_key_id": key["Arn"]})
    # The bare key id: decided without KMS.
    with calls("describe_key_arn") as describer:
        assert run_module(sqs_queue, {"name": NAME, "kms_master_key_id": key["KeyId"]})["changed"] is False
    assert describer.call_count == 0
    # The alias: resolved with DescribeKey; the queue's current key is a key ARN already, which needs no call.
    with calls("describe_key_arn") as describer:
        assert run_module(sqs_queue, {"name": NAME, "kms_master_key_id": "alias/streamflix-unit"})["changed"] is False
    assert describer.call_count == 1
    describer.assert_called_once_with(mock.ANY, "alias/streamflix-unit")
    # Another key: changed.
    result = run_module(sqs_queue, {"name": NAME, "kms_master_key_id": aws["other_key"]["Arn"]})
    assert result["changed"] is True
    assert attributes(client)["KmsMasterKeyId"] == aws["other_key"]["Arn"]


def test_an_alias_naming_another_key_is_a_change(aws):
    client = aws["sqs"]
    run_module(sqs_queue, {"name": NAME, "kms_master_key_id": "alias/streamflix-unit"})
    result = run_module(sqs_queue, {"name": NAME, "kms_master_key_id": aws["other_key"]["KeyId"]})
    assert result["changed"] is True
    assert attributes(client)["KmsMasterKeyId"] == aws["other_key"]["KeyId"]


def test_an_unknown_kms_key_fails_naming_the_option(aws):
    run_module(sqs_queue, {"name": NAME, "kms_master_key_id": "alias/streamflix-unit"})
    result = fail_module(sqs_queue, {"name": NAME, "kms_master_key_id": "alias/missing"})
    assert "kms_master_key_id" in result["msg"] and "alias/missing" in result["msg"]


def test_encryption_turned_off_on_request(aws):
    client = aws["sqs"]
    run_module(sqs_queue, {"name": NAME, "kms_master_key_id": aws["key"]["Arn"]})
    result = run_module(sqs_queue, {"name": NAME, "kms_master_key_id": ""})
    assert result["changed"] is True
    assert "KmsMasterKeyId" not in attributes(client)
    assert run_module(sqs_queue, {"name": NAME, "kms_master_key_id": ""})["changed"] is False


def test_redrive_policy_camel_case_keys_and_removal(aws):
    client = aws["sqs"]
    make_dlq(aws)
    redrive = {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": "5"}
    assert run_module(sqs_queue, {"name": NAME, "redrive_policy": redrive})["changed"] is True
    assert json.loads(attributes(client)["RedrivePolicy"]) == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}
    assert run_module(sqs_queue, {"name": NAME, "redrive_policy": redrive})["changed"] is False
    result = run_module(sqs_queue, {"name": NAME, "redrive_policy": {}})
    assert result["changed"] is True and "RedrivePolicy" not in result["queue"]["attributes"]
    assert "RedrivePolicy" not in attributes(client)


def test_policy_and_redrive_allow_policy(aws):
    client = aws["sqs"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": ARN}]}
    allow = {"redrive_permission": "byQueue", "source_queue_arns": [DLQ_ARN]}
    args = {"name": NAME, "policy": policy, "redrive_allow_policy": allow}
    assert run_module(sqs_queue, args)["changed"] is True
    found = attributes(client)
    assert json.loads(found["Policy"]) == policy
    assert json.loads(found["RedriveAllowPolicy"]) == {"redrivePermission": "byQueue", "sourceQueueArns": [DLQ_ARN]}
    assert run_module(sqs_queue, dict(args, policy=json.dumps(policy)))["changed"] is False
    # Changing another attribute leaves the policy alone.
    with calls("set_attributes") as setter:
        run_module(sqs_queue, dict(args, visibility_timeout=45))
    assert setter.call_args[0][2] == {"VisibilityTimeout": "45"}
    assert json.loads(attributes(client)["Policy"]) == policy
    assert run_module(sqs_queue, {"name": NAME, "policy": {}})["changed"] is True
    assert "Policy" not in attributes(client)


def test_tags(aws):
    client = aws["sqs"]
    run_module(sqs_queue, {"name": NAME, "tags": TAGS})
    result = run_module(sqs_queue, {"name": NAME, "tags": {"Project": "streamflix", "Owner": "media"}})
    assert result["changed"] is True
    assert tags(client) == {"Project": "streamflix", "Owner": "media"}
    assert run_module(sqs_queue, {"name": NAME, "tags": {"Extra": "x"}, "purge_tags": False})["changed"] is True
    assert tags(client) == {"Project": "streamflix", "Owner": "media", "Extra": "x"}
    assert run_module(sqs_queue, {"name": NAME})["changed"] is False  # tags unset: left alone
    assert run_module(sqs_queue, {"name": NAME, "tags": {}})["changed"] is True
    assert tags(client) == {}


def test_absent_twice(aws):
    client = aws["sqs"]
    run_module(sqs_queue, {"name": NAME, "tags": TAGS})
    plan = run_module(sqs_queue, {"name": NAME, "state": "absent"}, check_mode=True)
    assert plan["changed"] is True and url_of(client)
    first = run_module(sqs_queue, {"name": NAME, "state": "absent"})
    assert first["changed"] is True
    assert first["queue"] == {} and first["diff"]["before"]["arn"] == ARN
    assert client.list_queues().get("QueueUrls", []) == []
    second = run_module(sqs_queue, {"name": NAME, "state": "absent"})
    assert second["changed"] is False


@pytest.mark.parametrize(
    "args, naming",
    [
        ({"name": "jobs.fifo"}, "FIFO"),
        ({"name": NAME, "visibility_timeout": 50000}, "visibility_timeout"),
        ({"name": NAME, "kms_data_key_reuse_period_seconds": 300}, "kms_master_key_id"),
        ({"name": NAME, "redrive_policy": {"max_receive_count": 5}}, "redrive_policy"),
    ],
)
def test_invalid_input_fails_before_any_call(aws, args, naming):
    with calls("find_queue_url") as finder:
        result = fail_module(sqs_queue, args)
    assert naming in result["msg"]
    assert finder.call_count == 0
    assert aws["sqs"].list_queues().get("QueueUrls", []) == []


def test_queue_deleted_recently_without_wait_fails_with_advice(aws):
    with mock.patch.object(sqs, "create_queue", side_effect=deleted_recently()):
        result = fail_module(sqs_queue, {"name": NAME, "wait": False})
    assert "deleted less than 60 seconds ago" in result["msg"] and "wait=true" in result["msg"]


def test_queue_deleted_recently_with_wait_is_retried(aws):
    client = aws["sqs"]
    real = sqs.create_queue
    answers = [deleted_recently()]

    def create_queue(*args, **kwargs):
        if answers:
            raise answers.pop()
        return real(*args, **kwargs)

    with mock.patch.object(sqs, "create_queue", side_effect=create_queue), mock.patch.object(sqs.time, "sleep") as sleep:
        result = run_module(sqs_queue, {"name": NAME, "visibility_timeout": 40, "wait": True, "wait_timeout": 60})
    assert result["changed"] is True and sleep.call_count == 1
    assert attributes(client)["VisibilityTimeout"] == "40"


def test_a_queue_that_appeared_meanwhile_is_updated_not_recreated(aws):
    client = aws["sqs"]
    client.create_queue(QueueName=NAME, Attributes={"VisibilityTimeout": "30"})
    real_find = sqs.find_queue_url
    answers = [None]  # the first look-up misses it, as if it was created just after

    def find_queue_url(*args, **kwargs):
        return answers.pop() if answers else real_find(*args, **kwargs)

    with mock.patch.object(sqs, "find_queue_url", side_effect=find_queue_url):
        result = run_module(sqs_queue, {"name": NAME, "visibility_timeout": 90})
    assert result["changed"] is True
    assert attributes(client)["VisibilityTimeout"] == "90"
