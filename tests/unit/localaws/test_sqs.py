"""SQS fill: one SSE option per queue, SetQueueAttributes changes only what it is given, RedriveAllowPolicy reported."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sqs(client):
    return client("sqs")


@pytest.fixture
def key_arn(client):
    return client("kms").create_key()["KeyMetadata"]["Arn"]


def attributes(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_a_queue_under_a_kms_key_is_not_also_sse_sqs(sqs, name, key_arn):
    url = sqs.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": key_arn})["QueueUrl"]
    found = attributes(sqs, url)
    assert (found["KmsMasterKeyId"], found["SqsManagedSseEnabled"]) == (key_arn, "false")


def test_removing_the_kms_key_leaves_the_queue_unencrypted(sqs, name, key_arn):
    url = sqs.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": key_arn})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": ""})
    found = attributes(sqs, url)
    assert "KmsMasterKeyId" not in found
    assert found["SqsManagedSseEnabled"] == "false"


def test_setting_a_kms_key_on_an_sse_sqs_queue_replaces_sse_sqs(sqs, name, key_arn):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert attributes(sqs, url)["SqsManagedSseEnabled"] == "true"  # the default for a new queue
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": key_arn})
    found = attributes(sqs, url)
    assert (found["KmsMasterKeyId"], found["SqsManagedSseEnabled"]) == (key_arn, "false")


def test_set_queue_attributes_keeps_the_policy_it_is_not_given(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = attributes(sqs, url)["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    found = attributes(sqs, url)
    assert found["VisibilityTimeout"] == "45"
    assert json.loads(found["Policy"]) == policy
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in attributes(sqs, url)


def test_redrive_allow_policy_is_reported(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert "RedriveAllowPolicy" not in attributes(sqs, url)
    policy = {"redrivePermission": "byQueue", "sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:source"]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": json.dumps(policy)})
    assert json.loads(attributes(sqs, url)["RedriveAllowPolicy"]) == policy
    by_name = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy", "VisibilityTimeout"])["Attributes"]
    assert json.loads(by_name["RedriveAllowPolicy"]) == policy and by_name["VisibilityTimeout"] == "30"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    assert "RedriveAllowPolicy" not in attributes(sqs, url)


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        json.dumps(["allowAll"]),
        json.dumps({"redrivePermission": "allowSome"}),
        json.dumps({"redrivePermission": "allowAll", "sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:a"]}),
        json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:q%d" % i for i in range(11)]}),
    ],
)
def test_invalid_redrive_allow_policy_is_rejected(sqs, name, value):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(ClientError) as info:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": value})
    assert info.value.response["Error"]["Code"] == "InvalidAttributeValue"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "RedriveAllowPolicy" not in attributes(sqs, url)
