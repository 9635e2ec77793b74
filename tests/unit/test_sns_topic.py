"""sns_topic against in-process moto (with the localaws SNS fill), AWS state read back through boto3."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import sns
from ansible_collections.streamflix.media_platform.plugins.modules import sns_topic
from localaws.fills import sns as sns_fill
from module_harness import ACCOUNT_ID, REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-alarms-unit"
TOPIC_ARN = "arn:aws:sns:{0}:{1}:{2}".format(REGION, ACCOUNT_ID, NAME)
TAGS = {"Project": "streamflix", "Environment": "unit"}


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    "name, ok",
    [("streamflix-alarms-dev", True), ("a_B-9", True), ("x" * 256, True), ("x" * 257, False), ("", False), ("t.fifo", False), ("a b", False)],
)
def test_name_problems(name, ok):
    assert (sns.name_problems(name) == []) is ok


@pytest.mark.parametrize("emails, bad", [(None, 0), ([], 0), (["a@b.c"], 0), (["a@b.c", "nope", "x@"], 2), (["a b@c.d"], 1)])
def test_email_problems(emails, bad):
    assert len(sns.email_problems(emails)) == bad


def test_cloudwatch_statement_is_scoped_to_the_account_and_region():
    statement = sns.cloudwatch_statement("arn:aws-cn:sns:cn-north-1:210987654321:t")
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == "arn:aws-cn:sns:cn-north-1:210987654321:t"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "210987654321"},
        "ArnLike": {"aws:SourceArn": "arn:aws-cn:cloudwatch:cn-north-1:210987654321:alarm:*"},
    }


OWNER = {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["SNS:Publish"], "Resource": TOPIC_ARN}
OURS = sns.cloudwatch_statement(TOPIC_ARN)
# The same statement as IAM would accept it written differently: one-element lists, other key order.
OURS_REWRITTEN = dict(
    reversed(list(dict(OURS, Action=["sns:Publish"], Resource=[TOPIC_ARN], Principal={"Service": ["cloudwatch.amazonaws.com"]}).items()))
)


@pytest.mark.parametrize(
    "statements, allow, expected",
    [
        ([OWNER], True, [OWNER, OURS]),
        ([OWNER, OURS], True, None),
        ([OURS_REWRITTEN, OWNER], True, None),
        ([OWNER, dict(OURS, Resource="arn:aws:sns:us-east-1:123456789012:other")], True, [OWNER, OURS]),
        ([OWNER, OURS, OURS], True, [OWNER, OURS]),
        ([OWNER, OURS], False, [OWNER]),
        ([OWNER], False, None),
        ([], True, [OURS]),
    ],
)
def test_desired_policy(statements, allow, expected):
    result = sns.desired_policy({"Version": "2008-10-17", "Id": "x", "Statement": statements}, TOPIC_ARN, allow)
    if expected is None:
        assert result is None
    else:
        assert result == {"Version": "2008-10-17", "Id": "x", "Statement": expected}


def test_desired_policy_accepts_a_single_statement_object():
    assert sns.desired_policy({"Statement": OWNER}, TOPIC_ARN, True)["Statement"] == [OWNER, OURS]


def sub(endpoint, pending=False):
    return {"endpoint": endpoint, "subscription_arn": None if pending else TOPIC_ARN + ":" + endpoint, "pending": pending}


@pytest.mark.parametrize(
    "current, emails, purge, expected",
    [
        ([], None, True, ([], [], [])),
        ([sub("a@x")], None, True, ([], [], [])),
        ([], ["a@x", "b@x", "a@x"], True, (["a@x", "b@x"], [], [])),
        ([sub("a@x")], ["a@x"], True, ([], [], [])),
        ([sub("a@x", pending=True)], ["a@x"], True, ([], [], [])),  # pending and declared: not subscribed again
        ([sub("a@x"), sub("b@x")], ["a@x"], True, ([], [sub("b@x")], [])),
        ([sub("a@x"), sub("b@x")], ["a@x"], False, ([], [], [])),
        ([sub("b@x", pending=True), sub("c@x", pending=True)], ["a@x"], True, (["a@x"], [], ["b@x", "c@x"])),
        ([sub("b@x", pending=True)], [], False, ([], [], [])),
        ([sub("a@x"), sub("b@x", pending=True)], [], True, ([], [sub("a@x")], ["b@x"])),
    ],
)
def test_subscription_changes(current, emails, purge, expected):
    assert sns.subscription_changes(current, emails, purge) == expected


@pytest.mark.parametrize(
    "entry, view",
    [
        ({"Endpoint": "a@x", "SubscriptionArn": "PendingConfirmation"}, {"endpoint": "a@x", "subscription_arn": None, "pending": True}),
        ({"Endpoint": "a@x", "SubscriptionArn": TOPIC_ARN + ":1"}, {"endpoint": "a@x", "subscription_arn": TOPIC_ARN + ":1", "pending": False}),
        ({"Endpoint": "a@x", "SubscriptionArn": "Deleted"}, {"endpoint": "a@x", "subscription_arn": None, "pending": True}),
    ],
)
def test_subscription_view(entry, view):
    assert sns.subscription_view(entry) == view


def test_projected_subscriptions():
    result = sns.projected_subscriptions([sub("a@x"), sub("c@x")], ["b@x"], [sub("c@x")])
    assert result == [sub("a@x"), sub("b@x", pending=True)]


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def aws(moto):
    sns_fill.apply()
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=key["KeyId"])
    other = kms.create_key()["KeyMetadata"]
    return {"sns": boto3.client("sns", region_name=REGION), "key": key, "other_key": other}


def topic_arn(client, name=NAME):
    return sns.find_topic_arn(client, name)


def attributes(client):
    return client.get_topic_attributes(TopicArn=topic_arn(client))["Attributes"]


def statements(client):
    return json.loads(attributes(client)["Policy"])["Statement"]


def email_subscriptions(client):
    found = client.list_subscriptions_by_topic(TopicArn=topic_arn(client))["Subscriptions"]
    return sorted((s["Endpoint"], s["SubscriptionArn"]) for s in found if s["Protocol"] == "email")


def confirm(email):
    """Confirm the pending subscription of an address, as its recipient would."""
    from moto.sns.models import sns_backends

    for subscription in sns_backends[ACCOUNT_ID][REGION].subscriptions.values():
        if subscription.endpoint == email:
            subscription._localaws_pending = False


def full_args(**extra):
    args = {
        "name": NAME,
        "display_name": "StreamFlix unit alarms",
        "kms_master_key_id": "alias/streamflix-unit",
        "allow_cloudwatch_alarms": True,
        "email_subscriptions": ["ops@example.com"],
        "tags": TAGS,
    }
    args.update(extra)
    return args


def calls(name):
    """Count the module's calls of one sns module_utils function."""
    return mock.patch.object(sns, name, wraps=getattr(sns, name))


def test_create(aws):
    client = aws["sns"]
    result = run_module(sns_topic, full_args())
    assert result["changed"] is True
    attrs = attributes(client)
    assert attrs["DisplayName"] == "StreamFlix unit alarms"
    assert attrs["KmsMasterKeyId"] == "alias/streamflix-unit"
    assert sns.cloudwatch_statement(attrs["TopicArn"]) in statements(client)
    assert email_subscriptions(client) == [("ops@example.com", "PendingConfirmation")]
    tags = client.list_tags_for_resource(ResourceArn=attrs["TopicArn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == TAGS
    topic = result["topic"]
    assert topic["arn"] == attrs["TopicArn"] == TOPIC_ARN
    assert topic["email_subscriptions"] == [{"endpoint": "ops@example.com", "subscription_arn": None, "pending": True}]
    assert result["pending_confirmation"] == ["ops@example.com"]
    assert result["diff"] == {"before": {}, "after": topic}


def test_second_run_is_idempotent_and_sends_nothing(aws):
    first = run_module(sns_topic, full_args())
    with calls("set_attribute") as setter, calls("subscribe_email") as subscriber, calls("tag_topic") as tagger:
        second = run_module(sns_topic, full_args())
    assert (setter.call_count, subscriber.call_count, tagger.call_count) == (0, 0, 0)
    assert second["changed"] is False
    assert second["topic"] == first["topic"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_key_named_otherwise_is_no_change(aws):
    run_module(sns_topic, full_args())
    key = aws["key"]
    for same in (key["Arn"], key["KeyId"], "arn:aws:kms:{0}:{1}:alias/streamflix-unit".format(REGION, ACCOUNT_ID)):
        with calls("set_attribute") as setter:
            result = run_module(sns_topic, full_args(kms_master_key_id=same))
        assert result["changed"] is False, same
        assert setter.call_count == 0
    assert attributes(aws["sns"])["KmsMasterKeyId"] == "alias/streamflix-unit"


def test_modify_sends_only_what_changed(aws):
    run_module(sns_topic, full_args())
    with calls("set_attribute") as setter, calls("untag_topic") as untagger, calls("tag_topic") as tagger:
        result = run_module(sns_topic, full_args(kms_master_key_id=aws["other_key"]["Arn"], tags={"Project": "streamflix", "Owner": "sre"}))
    assert result["changed"] is True
    assert [c.args[2] for c in setter.call_args_list] == ["KmsMasterKeyId"]
    assert untagger.call_args.args[2] == ["Environment"]
    assert tagger.call_args.args[2] == {"Owner": "sre"}
    client = aws["sns"]
    assert attributes(client)["KmsMasterKeyId"] == aws["other_key"]["Arn"]
    assert attributes(client)["DisplayName"] == "StreamFlix unit alarms"
    tags = client.list_tags_for_resource(ResourceArn=topic_arn(client))["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Project": "streamflix", "Owner": "sre"}
    assert result["diff"]["before"]["kms_master_key_id"] == "alias/streamflix-unit"
    assert result["diff"]["after"]["kms_master_key_id"] == aws["other_key"]["Arn"]


def test_unset_options_leave_the_topic_alone(aws):
    run_module(sns_topic, full_args())
    with calls("set_attribute") as setter:
        result = run_module(sns_topic, {"name": NAME, "allow_cloudwatch_alarms": True})
    assert result["changed"] is False
    assert setter.call_count == 0
    assert email_subscriptions(aws["sns"]) == [("ops@example.com", "PendingConfirmation")]


def test_encryption_off_and_display_name_cleared(aws):
    run_module(sns_topic, full_args())
    result = run_module(sns_topic, full_args(kms_master_key_id="", display_name=""))
    assert result["changed"] is True
    attrs = attributes(aws["sns"])
    assert "KmsMasterKeyId" not in attrs
    assert attrs["DisplayName"] == ""
    assert result["topic"]["kms_master_key_id"] is None


def test_cloudwatch_statement_removed_and_other_statements_kept(aws):
    run_module(sns_topic, full_args())
    client = aws["sns"]
    owner_statements = [s for s in statements(client) if s.get("Sid") != sns.CLOUDWATCH_SID]
    assert owner_statements  # the default policy
    result = run_module(sns_topic, full_args(allow_cloudwatch_alarms=False))
    assert result["changed"] is True
    assert statements(client) == owner_statements
    assert run_module(sns_topic, full_args(allow_cloudwatch_alarms=False))["changed"] is False


def test_subscriptions_added_and_confirmed_ones_purged(aws):
    run_module(sns_topic, full_args(email_subscriptions=["ops@example.com", "old@example.com"]))
    confirm("old@example.com")
    with calls("unsubscribe") as unsubscriber:
        result = run_module(sns_topic, full_args(email_subscriptions=["ops@example.com", "new@example.com"]))
    assert unsubscriber.call_count == 1
    assert result["changed"] is True
    assert email_subscriptions(aws["sns"]) == [("new@example.com", "PendingConfirmation"), ("ops@example.com", "PendingConfirmation")]
    assert [s["endpoint"] for s in result["topic"]["email_subscriptions"]] == ["new@example.com", "ops@example.com"]


def test_purge_false_keeps_undeclared(aws):
    run_module(sns_topic, full_args(email_subscriptions=["ops@example.com", "old@example.com"]))
    confirm("old@example.com")
    result = run_module(sns_topic, full_args(email_subscriptions=["ops@example.com"], purge_subscriptions=False))
    assert result["changed"] is False
    assert len(email_subscriptions(aws["sns"])) == 2


def test_pending_undeclared_subscription_warns_and_is_kept(aws):
    run_module(sns_topic, full_args(email_subscriptions=["ops@example.com", "typo@example.con"]))
    with mock.patch.object(sns_topic.AnsibleAWSModule, "warn") as warn, calls("unsubscribe") as unsubscriber:
        result = run_module(sns_topic, full_args())
    assert result["changed"] is False
    assert unsubscriber.call_count == 0
    message = warn.call_args.args[0]
    assert "typo@example.con" in message and "48 hours" in message
    assert ("typo@example.con", "PendingConfirmation") in email_subscriptions(aws["sns"])


def test_other_protocols_are_left_alone(aws):
    run_module(sns_topic, full_args())
    client = aws["sns"]
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client.subscribe(TopicArn=topic_arn(client), Protocol="sqs", Endpoint=queue_arn)
    result = run_module(sns_topic, full_args(email_subscriptions=[]))
    protocols = [s["Protocol"] for s in client.list_subscriptions_by_topic(TopicArn=topic_arn(client))["Subscriptions"]]
    assert "sqs" in protocols
    assert result["changed"] is False  # the email one is pending: warned about, not deletable


def test_check_mode_create_changes_nothing(aws):
    result = run_module(sns_topic, full_args(), check_mode=True)
    assert result["changed"] is True
    topic = result["topic"]
    assert topic["arn"] is None
    assert topic["kms_master_key_id"] == "alias/streamflix-unit"
    assert topic["display_name"] == "StreamFlix unit alarms"
    assert topic["email_subscriptions"] == [{"endpoint": "ops@example.com", "subscription_arn": None, "pending": True}]
    assert topic["tags"] == TAGS
    assert result["diff"] == {"before": {}, "after": topic}
    assert aws["sns"].list_topics()["Topics"] == []


def test_check_mode_modify_changes_nothing(aws):
    first = run_module(sns_topic, full_args())
    result = run_module(sns_topic, full_args(display_name="New", email_subscriptions=["ops@example.com", "b@example.com"]), check_mode=True)
    assert result["changed"] is True
    assert result["topic"]["display_name"] == "New"
    assert [s["endpoint"] for s in result["topic"]["email_subscriptions"]] == ["b@example.com", "ops@example.com"]
    assert result["diff"]["before"] == first["topic"]
    assert attributes(aws["sns"])["DisplayName"] == "StreamFlix unit alarms"
    assert email_subscriptions(aws["sns"]) == [("ops@example.com", "PendingConfirmation")]


def test_check_mode_unchanged(aws):
    run_module(sns_topic, full_args())
    assert run_module(sns_topic, full_args(), check_mode=True)["changed"] is False


def test_absent(aws):
    run_module(sns_topic, full_args())
    run_module(sns_topic, full_args(name="streamflix-other"))
    client = aws["sns"]
    result = run_module(sns_topic, {"name": NAME, "state": "absent"})
    assert result["changed"] is True
    assert result["topic"] == {}
    assert result["diff"]["before"]["arn"] == TOPIC_ARN
    assert [t["TopicArn"].split(":")[-1] for t in client.list_topics()["Topics"]] == ["streamflix-other"]
    assert [s for s in client.list_subscriptions()["Subscriptions"] if s["TopicArn"] == TOPIC_ARN] == []
    again = run_module(sns_topic, {"name": NAME, "state": "absent"})
    assert again["changed"] is False
    assert again["diff"] == {"before": {}, "after": {}}


def test_absent_check_mode_keeps_it(aws):
    run_module(sns_topic, full_args())
    result = run_module(sns_topic, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert topic_arn(aws["sns"]) == TOPIC_ARN


def test_unknown_key_fails_with_an_actionable_message(aws):
    run_module(sns_topic, full_args())
    failure = fail_module(sns_topic, full_args(kms_master_key_id="alias/does-not-exist"))
    assert "alias/does-not-exist" in failure["msg"] and "kms:DescribeKey" in failure["msg"]
    assert attributes(aws["sns"])["KmsMasterKeyId"] == "alias/streamflix-unit"


def test_invalid_name_and_addresses_fail_before_any_call(aws):
    failure = fail_module(sns_topic, {"name": "bad name", "email_subscriptions": ["not-an-address"]})
    assert "letters, digits, hyphens" in failure["msg"]
    assert "'not-an-address'" in failure["msg"]
    assert aws["sns"].list_topics()["Topics"] == []
