"""cloudwatch_log_group against in-process moto (with the localaws logs fill), the AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import cloudwatch_logs
from ansible_collections.streamflix.media_platform.plugins.modules import cloudwatch_log_group
from localaws.fills import logs as logs_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "/streamflix/unit/app"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TAGS = {"Project": "streamflix", "Environment": "unit"}


# ---------------------------------------------------------------- pure functions


def params(**extra):
    base = {"name": NAME, "retention_days": None, "kms_key_id": None, "log_group_class": None, "tags": None, "purge_tags": True}
    base.update(extra)
    return base


CURRENT = {
    "name": NAME,
    "arn": "arn:aws:logs:us-east-1:123456789012:log-group:" + NAME,
    "retention_days": 7,
    "kms_key_id": KEY_ARN,
    "log_group_class": "STANDARD",
    "tags": {"Project": "streamflix", "Old": "x"},
}


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, {}),
        ({"retention_days": 7, "kms_key_id": KEY_ARN, "log_group_class": "STANDARD"}, {}),
        ({"retention_days": 30}, {"retention_days": 30}),
        ({"retention_days": 0}, {"retention_days": 0}),
        ({"kms_key_id": ""}, {"kms_key_id": None}),
        ({"kms_key_id": KEY_ARN.replace("1234abcd", "99999999")}, {"kms_key_id": KEY_ARN.replace("1234abcd", "99999999")}),
        ({"log_group_class": "INFREQUENT_ACCESS"}, {"log_group_class": "INFREQUENT_ACCESS"}),
        ({"tags": {"Project": "streamflix", "Old": "x"}}, {}),
        ({"tags": {"Project": "streamflix"}}, {"tags_to_unset": ["Old"]}),
        ({"tags": {"Project": "streamflix"}, "purge_tags": False}, {}),
        ({"tags": {"Project": "other", "New": "y"}, "purge_tags": False}, {"tags_to_set": {"Project": "other", "New": "y"}}),
        ({"tags": {}}, {"tags_to_unset": ["Old", "Project"]}),
        (
            {"retention_days": 14, "kms_key_id": "", "tags": {"New": "y"}},
            {"retention_days": 14, "kms_key_id": None, "tags_to_set": {"New": "y"}, "tags_to_unset": ["Old", "Project"]},
        ),
    ],
)
def test_changes(options, expected):
    desired = cloudwatch_logs.desired_log_group(params(**options), CURRENT)
    assert cloudwatch_logs.changes(CURRENT, desired) == expected


def test_changes_from_a_group_without_key_or_retention():
    current = dict(CURRENT, retention_days=0, kms_key_id=None)
    desired = cloudwatch_logs.desired_log_group(params(retention_days=7, kms_key_id=KEY_ARN), current)
    assert cloudwatch_logs.changes(current, desired) == {"retention_days": 7, "kms_key_id": KEY_ARN}
    # '' and 0 on a group that has neither: nothing to do
    desired = cloudwatch_logs.desired_log_group(params(retention_days=0, kms_key_id=""), current)
    assert cloudwatch_logs.changes(current, desired) == {}


def test_desired_new_group_defaults():
    assert cloudwatch_logs.desired_log_group(params(), None) == {
        "name": NAME,
        "arn": None,
        "retention_days": 0,
        "kms_key_id": None,
        "log_group_class": "STANDARD",
        "tags": {},
    }


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"retention_days": 2}, "retention_days must be 0 (never expire) or one of"),
        ({"retention_days": -1}, "retention_days"),
        ({"retention_days": 4000}, "retention_days"),
        ({"kms_key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "kms_key_id must be a KMS key ARN"),
        ({"kms_key_id": "alias/streamflix"}, "kms_key_id must be a KMS key ARN"),
        ({"kms_key_id": "arn:aws:kms:us-east-1:123456789012:alias/streamflix"}, "kms_key_id must be a KMS key ARN"),
        ({"name": "bad name with spaces"}, "name must be 1-512 characters"),
        ({"name": "x" * 513}, "name must be 1-512 characters"),
        ({"name": "a:b"}, "name must be 1-512 characters"),
    ],
)
def test_input_errors(options, fragment):
    errors = cloudwatch_logs.input_errors(params(**options))
    assert len(errors) == 1 and fragment in errors[0]


@pytest.mark.parametrize("options", [{}, {"retention_days": 0}, {"retention_days": 3653}, {"kms_key_id": ""}, {"kms_key_id": KEY_ARN}])
def test_input_accepted(options):
    assert cloudwatch_logs.input_errors(params(**options)) == []


@pytest.mark.parametrize(
    "entry, expected",
    [
        ({"logGroupArn": "arn:x:log-group:n", "arn": "arn:x:log-group:n:*"}, "arn:x:log-group:n"),
        ({"arn": "arn:x:log-group:n:*"}, "arn:x:log-group:n"),
    ],
)
def test_tagging_arn_has_no_trailing_star(entry, expected):
    assert cloudwatch_logs.tagging_arn(entry) == expected


def test_current_log_group_maps_describe_entry():
    entry = {"logGroupName": NAME, "arn": CURRENT["arn"] + ":*", "logGroupArn": CURRENT["arn"], "retentionInDays": 7, "kmsKeyId": KEY_ARN}
    assert cloudwatch_logs.current_log_group(entry, {"Project": "streamflix", "Old": "x"}) == CURRENT
    bare = cloudwatch_logs.current_log_group({"logGroupName": NAME, "logGroupArn": CURRENT["arn"]}, {})
    assert (bare["retention_days"], bare["kms_key_id"], bare["log_group_class"]) == (0, None, "STANDARD")
    assert cloudwatch_logs.current_log_group(None, {}) is None


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    logs_fill.apply()
    kms = boto3.client("kms", region_name=REGION)
    return {
        "logs": boto3.client("logs", region_name=REGION),
        "key": kms.create_key(Description="unit")["KeyMetadata"]["Arn"],
        "other_key": kms.create_key(Description="unit other")["KeyMetadata"]["Arn"],
    }


def args(world, **extra):
    base = {"name": NAME, "retention_days": 7, "kms_key_id": world["key"], "tags": TAGS}
    base.update(extra)
    return base


def aws_groups(world, name=NAME):
    return [g for g in world["logs"].describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]


def aws_group(world, name=NAME):
    [group] = aws_groups(world, name)
    group["tags"] = world["logs"].list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"]
    return group


class CallRecorder:
    """Records the CloudWatch Logs operations the module sends (every client call goes through _make_api_call)."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        original = botocore.client.BaseClient._make_api_call
        recorder = self

        def record(client, operation_name, api_params):
            if client.meta.service_model.service_name == "logs":
                recorder.calls.append(operation_name)
            return original(client, operation_name, api_params)

        self._patch = mock.patch.object(botocore.client.BaseClient, "_make_api_call", record)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()

    @property
    def changing(self):
        return [call for call in self.calls if not call.startswith(("Describe", "List"))]


def test_create_with_key_retention_and_tags(world):
    result = run_module(cloudwatch_log_group, args(world))
    assert result["changed"] is True
    group = aws_group(world)
    assert group["retentionInDays"] == 7
    assert group["kmsKeyId"] == world["key"]
    assert group["logGroupClass"] == "STANDARD"
    assert group["tags"] == TAGS
    assert result["log_group"] == {
        "name": NAME,
        "arn": group["logGroupArn"],
        "retention_days": 7,
        "kms_key_id": world["key"],
        "log_group_class": "STANDARD",
        "tags": TAGS,
    }
    assert result["diff"] == {"before": {}, "after": result["log_group"]}


def test_create_with_class_and_never_expire(world):
    result = run_module(cloudwatch_log_group, args(world, retention_days=0, kms_key_id="", log_group_class="INFREQUENT_ACCESS"))
    group = aws_group(world)
    assert "retentionInDays" not in group and "kmsKeyId" not in group
    assert group["logGroupClass"] == "INFREQUENT_ACCESS"
    assert (result["log_group"]["retention_days"], result["log_group"]["kms_key_id"]) == (0, None)


def test_second_run_is_idempotent_and_sends_nothing(world):
    first = run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        second = run_module(cloudwatch_log_group, args(world, log_group_class="STANDARD"))
    assert second["changed"] is False
    assert second["log_group"] == first["log_group"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert recorder.changing == []


def test_check_mode_create_changes_nothing(world):
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["log_group"]["arn"] is None
    assert result["log_group"]["retention_days"] == 7
    assert result["diff"] == {"before": {}, "after": result["log_group"]}
    assert recorder.changing == []
    assert aws_groups(world) == []


def test_check_mode_retention_change_changes_nothing(world):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world, retention_days=30), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["retention_days"] == 7
    assert result["diff"]["after"]["retention_days"] == 30
    assert result["log_group"]["retention_days"] == 30
    assert recorder.changing == []
    assert aws_group(world)["retentionInDays"] == 7


def test_retention_change_applied(world):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world, retention_days=30))
    assert result["changed"] is True
    assert recorder.changing == ["PutRetentionPolicy"]
    assert aws_group(world)["retentionInDays"] == 30
    assert aws_group(world)["kmsKeyId"] == world["key"]
    assert run_module(cloudwatch_log_group, args(world, retention_days=30))["changed"] is False


def test_never_expire_deletes_the_retention_policy(world):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world, retention_days=0))
    assert recorder.changing == ["DeleteRetentionPolicy"]
    assert "retentionInDays" not in aws_group(world)
    assert result["diff"]["after"]["retention_days"] == 0
    assert run_module(cloudwatch_log_group, args(world, retention_days=0))["changed"] is False


def test_retention_left_out_is_left_alone(world):
    run_module(cloudwatch_log_group, args(world))
    world["logs"].put_retention_policy(logGroupName=NAME, retentionInDays=90)
    result = run_module(cloudwatch_log_group, args(world, retention_days=None))
    assert result["changed"] is False
    assert aws_group(world)["retentionInDays"] == 90


def test_key_disassociated_by_hand_is_detected_and_reassociated(world):
    run_module(cloudwatch_log_group, args(world))
    world["logs"].disassociate_kms_key(logGroupName=NAME)
    planned = run_module(cloudwatch_log_group, args(world), check_mode=True)
    assert planned["changed"] is True
    assert planned["diff"]["before"]["kms_key_id"] is None
    assert planned["diff"]["after"]["kms_key_id"] == world["key"]
    assert "kmsKeyId" not in aws_group(world)
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world))
    assert result["changed"] is True
    assert recorder.changing == ["AssociateKmsKey"]
    assert aws_group(world)["kmsKeyId"] == world["key"]


def test_changed_key_is_associated(world):
    run_module(cloudwatch_log_group, args(world))
    result = run_module(cloudwatch_log_group, args(world, kms_key_id=world["other_key"]))
    assert result["changed"] is True
    assert aws_group(world)["kmsKeyId"] == world["other_key"]


def test_key_left_out_is_left_alone_and_empty_removes_it(world):
    run_module(cloudwatch_log_group, args(world))
    assert run_module(cloudwatch_log_group, args(world, kms_key_id=None))["changed"] is False
    assert aws_group(world)["kmsKeyId"] == world["key"]
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world, kms_key_id=""))
    assert recorder.changing == ["DisassociateKmsKey"]
    assert result["log_group"]["kms_key_id"] is None
    assert "kmsKeyId" not in aws_group(world)
    assert run_module(cloudwatch_log_group, args(world, kms_key_id=""))["changed"] is False


def test_key_that_does_not_exist_fails_with_the_group_name(world):
    run_module(cloudwatch_log_group, args(world))
    missing = world["key"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    result = fail_module(cloudwatch_log_group, args(world, kms_key_id=missing))
    assert "associate the KMS key" in result["msg"] and NAME in result["msg"]
    assert aws_group(world)["kmsKeyId"] == world["key"]


def test_tags(world):
    run_module(cloudwatch_log_group, args(world))
    result = run_module(cloudwatch_log_group, args(world, tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changed"] is True
    assert aws_group(world)["tags"] == {"Project": "streamflix", "Owner": "media"}
    assert result["diff"]["before"]["tags"] == TAGS
    assert result["diff"]["after"]["tags"] == {"Project": "streamflix", "Owner": "media"}
    result = run_module(cloudwatch_log_group, args(world, tags={"Extra": "1"}, purge_tags=False))
    assert aws_group(world)["tags"] == {"Project": "streamflix", "Owner": "media", "Extra": "1"}
    assert result["log_group"]["tags"] == {"Project": "streamflix", "Owner": "media", "Extra": "1"}
    assert run_module(cloudwatch_log_group, args(world, tags=None))["changed"] is False
    assert aws_group(world)["tags"] == {"Project": "streamflix", "Owner": "media", "Extra": "1"}


def test_check_mode_tags_change_nothing(world):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = run_module(cloudwatch_log_group, args(world, tags={"Owner": "media"}), check_mode=True)
    assert result["changed"] is True
    assert result["log_group"]["tags"] == {"Owner": "media"}
    assert recorder.changing == []
    assert aws_group(world)["tags"] == TAGS


def test_log_group_class_differs_fails_without_change(world):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = fail_module(cloudwatch_log_group, args(world, retention_days=30, log_group_class="INFREQUENT_ACCESS"))
    assert "log_group_class" in result["msg"] and "STANDARD" in result["msg"] and "cannot change" in result["msg"]
    assert recorder.changing == []
    group = aws_group(world)
    assert (group["logGroupClass"], group["retentionInDays"]) == ("STANDARD", 7)


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({"retention_days": 2}, "retention_days must be 0 (never expire) or one of"),
        ({"kms_key_id": "alias/streamflix"}, "kms_key_id must be a KMS key ARN"),
        ({"name": "no spaces allowed"}, "name must be"),
    ],
)
def test_validation_fails_before_any_call(world, extra, fragment):
    run_module(cloudwatch_log_group, args(world))
    with CallRecorder() as recorder:
        result = fail_module(cloudwatch_log_group, args(world, **extra))
    assert fragment in result["msg"]
    assert recorder.calls == []
    group = aws_group(world)  # the existing group is untouched (the stock module deletes it on a bad retention)
    assert (group["retentionInDays"], group["kmsKeyId"]) == (7, world["key"])


def test_exact_name_match_with_a_similarly_prefixed_group(world):
    longer = NAME + "-old"
    world["logs"].create_log_group(logGroupName=longer, tags={"Keep": "me"})
    world["logs"].put_retention_policy(logGroupName=longer, retentionInDays=1)
    result = run_module(cloudwatch_log_group, args(world))
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert aws_group(world)["retentionInDays"] == 7
    other = aws_group(world, longer)
    assert (other["retentionInDays"], other["tags"], "kmsKeyId" in other) == (1, {"Keep": "me"}, False)
    assert run_module(cloudwatch_log_group, args(world, state="absent"))["changed"] is True
    assert aws_groups(world) == []
    assert len(aws_groups(world, longer)) == 1
    # absent for a name that only prefixes an existing group: nothing to delete
    assert run_module(cloudwatch_log_group, {"name": "/streamflix/unit", "state": "absent"})["changed"] is False
    assert len(aws_groups(world, longer)) == 1


def test_absent_twice(world):
    run_module(cloudwatch_log_group, args(world))
    first = run_module(cloudwatch_log_group, {"name": NAME, "state": "absent"})
    assert first["changed"] is True
    assert first["diff"]["before"]["name"] == NAME and first["diff"]["after"] == {}
    assert aws_groups(world) == []
    second = run_module(cloudwatch_log_group, {"name": NAME, "state": "absent"})
    assert second["changed"] is False
    assert second["diff"] == {"before": {}, "after": {}}


def test_check_mode_absent_changes_nothing(world):
    run_module(cloudwatch_log_group, args(world))
    result = run_module(cloudwatch_log_group, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert len(aws_groups(world)) == 1


def test_recreated_group_has_only_the_asked_tags(world):
    run_module(cloudwatch_log_group, args(world, tags={"Old": "tag"}))
    run_module(cloudwatch_log_group, {"name": NAME, "state": "absent"})
    run_module(cloudwatch_log_group, args(world))
    assert aws_group(world)["tags"] == TAGS
