"""SNS fill: email subscriptions wait for their confirmation, as on AWS; a pending one cannot be unsubscribed."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sns(client):
    return client("sns")


@pytest.fixture
def topic(sns, name):
    return sns.create_topic(Name=name)["TopicArn"]


def listed(sns, topic):
    return {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}


@pytest.mark.parametrize("protocol", ["email", "email-json"])
def test_email_subscription_is_pending(sns, topic, protocol):
    assert sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint="ops@example.com")["SubscriptionArn"] == "pending confirmation"
    assert listed(sns, topic) == {"ops@example.com": "PendingConfirmation"}
    everywhere = [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == topic]
    assert [s["SubscriptionArn"] for s in everywhere] == ["PendingConfirmation"]
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("1", "0")


def test_return_subscription_arn_gives_the_arn_of_a_pending_subscription(sns, topic):
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "true"
    # Subscribing again keeps the one subscription, still pending.
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == "pending confirmation"
    assert listed(sns, topic) == {"ops@example.com": "PendingConfirmation"}


def test_other_protocols_are_confirmed_at_once(sns, client, topic, name):
    queue_arn = client("sqs").get_queue_attributes(
        QueueUrl=client("sqs").create_queue(QueueName=name)["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert listed(sns, topic) == {queue_arn: arn}
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"
    sns.unsubscribe(SubscriptionArn=arn)
    assert listed(sns, topic) == {}


def test_unsubscribe_of_pending_confirmation_is_invalid(sns, topic):
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    with pytest.raises(ClientError) as info:
        sns.unsubscribe(SubscriptionArn="PendingConfirmation")
    error = info.value.response
    assert error["Error"]["Code"] == "InvalidParameter"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "An ARN must have at least 6 elements, not 1" in error["Error"]["Message"]
    assert listed(sns, topic) == {"ops@example.com": "PendingConfirmation"}


def test_delete_topic_removes_pending_subscriptions(sns, topic):
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.delete_topic(TopicArn=topic)
    assert [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == topic] == []
