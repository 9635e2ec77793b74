"""platform_inputs against in-process moto: validation, target checks, and the derived names and tags."""

from __future__ import annotations

import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import inputs as checks
from ansible_collections.streamflix.media_platform.plugins.modules import platform_inputs
from localaws.testing import free_port
from module_harness import ACCOUNT_ID, aws_env, fail_module, moto, run_module  # noqa: F401


def valid_inputs(**changes):
    inputs = {
        "streamflix_environment": "dev",
        "streamflix_env_suffix": "pr42",
        "streamflix_region": "us-east-1",
        "streamflix_aws_account_id": ACCOUNT_ID,
        "streamflix_az_count": 2,
        "streamflix_nat_mode": "single",
        "streamflix_vpc_cidr": "10.20.0.0/16",
        "streamflix_public_subnet_cidrs": ["10.20.0.0/24", "10.20.1.0/24"],
        "streamflix_private_subnet_cidrs": ["10.20.10.0/24", "10.20.11.0/24"],
        "streamflix_log_retention_days": 7,
        "streamflix_app_port": 8080,
        "streamflix_kms_deletion_window_days": 7,
        "streamflix_extra_tags": {"CostCenter": "media"},
        "streamflix_protected": False,
    }
    inputs.update(changes)
    return inputs


def test_valid_inputs(moto):
    result = run_module(platform_inputs, {"inputs": valid_inputs()})
    assert result["changed"] is False
    assert result["account_id"] == ACCOUNT_ID
    assert result["availability_zones"] == ["us-east-1a", "us-east-1b"]
    assert result["tags"] == {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible", "CostCenter": "media"}
    names = result["names"]
    assert names["vpc"] == "streamflix-vpc-pr42"
    assert names["alb"] == "streamflix-alb-pr42"
    assert names["target_group"] == "streamflix-tg-pr42"
    assert names["kms_alias"] == "alias/streamflix-pr42"
    assert names["flow_logs_log_group"] == "/streamflix/pr42/vpc-flow-logs"


def test_zones_are_sorted_and_cut_to_az_count(moto):
    inputs = valid_inputs(
        streamflix_az_count=3,
        streamflix_public_subnet_cidrs=["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"],
        streamflix_private_subnet_cidrs=["10.20.10.0/24", "10.20.11.0/24", "10.20.12.0/24"],
    )
    result = run_module(platform_inputs, {"inputs": inputs})
    assert result["availability_zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_check_mode_validates_too(moto):
    result = run_module(platform_inputs, {"inputs": valid_inputs()}, check_mode=True)
    assert result["availability_zones"] == ["us-east-1a", "us-east-1b"]


def test_local_needs_no_account(moto):
    inputs = valid_inputs(streamflix_environment="local", streamflix_env_suffix="local")
    del inputs["streamflix_aws_account_id"]
    result = run_module(platform_inputs, {"inputs": inputs})
    assert result["account_id"] == ACCOUNT_ID
    assert result["names"]["vpc"] == "streamflix-vpc-local"


def test_local_ignores_a_different_account(moto):
    inputs = valid_inputs(streamflix_environment="local", streamflix_aws_account_id="000000000000")
    assert run_module(platform_inputs, {"inputs": inputs})["account_id"] == ACCOUNT_ID


def test_bad_suffix_fails_before_any_aws_call(moto, monkeypatch):
    def no_call(*args):
        raise AssertionError("no AWS call may happen when an input is wrong")

    monkeypatch.setattr(platform_inputs, "caller_account", no_call)
    monkeypatch.setattr(platform_inputs, "available_zones", no_call)
    result = fail_module(platform_inputs, {"inputs": valid_inputs(streamflix_env_suffix="PR_42")})
    assert "streamflix_env_suffix" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert any("streamflix_env_suffix" in error for error in result["errors"])


def test_several_errors_are_reported_together(moto):
    result = fail_module(
        platform_inputs, {"inputs": valid_inputs(streamflix_env_suffix="a--b", streamflix_app_port=0, streamflix_nat_mode="none")}
    )
    assert len(result["errors"]) == 3
    for variable in ("streamflix_env_suffix", "streamflix_app_port", "streamflix_nat_mode"):
        assert variable in result["msg"]


def test_wrong_account_fails(moto):
    result = fail_module(platform_inputs, {"inputs": valid_inputs(streamflix_aws_account_id="111122223333")})
    assert "Wrong target" in result["msg"]
    assert "111122223333" in result["msg"]
    assert ACCOUNT_ID in result["msg"]
    assert "dev" in result["msg"]
    assert "set AWS_PROFILE" in result["msg"] and "credentials of account 111122223333" in result["msg"]


# ---------------------------------------------------------------- the caller cannot be identified: one sentence


def one_sentence(message):
    """What a person reads first: one sentence (no traceback, no second sentence), ending in 'nothing was changed.'"""
    assert "Traceback" not in message
    assert message.endswith("nothing was changed."), message
    assert message.count(". ") == 0, "more than one sentence: " + message
    return message


def test_local_with_nothing_at_the_endpoint_says_start_localaws(moto, monkeypatch):
    monkeypatch.setattr(platform_inputs, "available_zones", lambda module: pytest.fail("no AWS call after the probe"))
    port = free_port()
    endpoint = "http://127.0.0.1:{0}".format(port)
    inputs = valid_inputs(streamflix_environment="local", streamflix_aws_endpoint_url=endpoint)
    result = fail_module(platform_inputs, {"inputs": inputs, "endpoint_url": endpoint})
    message = one_sentence(result["msg"])
    assert "Nothing answers at " + endpoint in message
    assert "`make localaws-up LOCALAWS_PORT={0}`".format(port) in message
    assert "exception" not in result


def test_local_on_the_default_port_says_plain_make_localaws_up():
    message = one_sentence(checks.local_unreachable_message("http://127.0.0.1:4566"))
    assert "`make localaws-up` (or `make localaws` in another terminal)" in message


def test_no_credentials_says_set_aws_profile(moto, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = fail_module(platform_inputs, {"inputs": valid_inputs()})
    message = one_sentence(result["msg"])
    assert message.startswith("Found no AWS credentials for environment dev: set AWS_PROFILE to a profile of account " + ACCOUNT_ID)


def test_an_unknown_profile_is_named(moto):
    result = fail_module(platform_inputs, {"inputs": valid_inputs(), "profile": "nosuch"})
    message = one_sentence(result["msg"])
    assert "The AWS profile 'nosuch' (AWS_PROFILE)" in message
    assert "a profile of account " + ACCOUNT_ID in message


def test_refused_credentials_say_set_valid_ones(moto):
    from moto.core import set_initial_no_auth_action_count

    # moto then checks the access key like IAM does: the dummy key belongs to no user (InvalidClientTokenId).
    result = set_initial_no_auth_action_count(0)(lambda: fail_module(platform_inputs, {"inputs": valid_inputs()}))()
    message = one_sentence(result["msg"])
    assert message.startswith("AWS refused the credentials for environment dev (InvalidClientTokenId: ")
    assert "valid credentials of account " + ACCOUNT_ID in message


def test_too_few_zones_fails(moto):
    inputs = valid_inputs(
        streamflix_region="eu-west-2",
        streamflix_az_count=6,
        streamflix_public_subnet_cidrs=["10.20.{0}.0/24".format(n) for n in range(6)],
        streamflix_private_subnet_cidrs=["10.20.{0}.0/24".format(10 + n) for n in range(6)],
    )
    result = fail_module(platform_inputs, {"inputs": inputs, "region": "eu-west-2"})
    assert "streamflix_az_count is 6" in result["msg"]
    assert "only 3" in result["msg"]
    assert "eu-west-2a" in result["msg"]


def test_inputs_are_required(moto):
    result = fail_module(platform_inputs, {})
    assert "inputs" in result["msg"]


@pytest.mark.parametrize("missing", ["streamflix_environment", "streamflix_vpc_cidr", "streamflix_az_count", "streamflix_protected"])
def test_missing_input_is_named(moto, missing):
    inputs = valid_inputs()
    del inputs[missing]
    result = fail_module(platform_inputs, {"inputs": inputs})
    assert missing in result["msg"]


def test_a_loopback_endpoint_outside_local_fails_before_any_aws_call(moto, monkeypatch):
    def no_call(*args):
        raise AssertionError("no AWS call may happen with a loopback endpoint outside local")

    monkeypatch.setattr(platform_inputs, "caller_account", no_call)
    monkeypatch.setattr(platform_inputs, "available_zones", no_call)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    result = fail_module(platform_inputs, {"inputs": valid_inputs()})
    assert "unset AWS_ENDPOINT_URL" in result["msg"]
    assert "nothing was changed" in result["msg"]


def test_a_loopback_inventory_endpoint_outside_local_is_named(moto):
    result = fail_module(platform_inputs, {"inputs": valid_inputs(streamflix_aws_endpoint_url="http://localhost:4566")})
    assert "unset streamflix_aws_endpoint_url" in result["msg"]


def test_local_accepts_a_loopback_endpoint(moto, monkeypatch):
    # moto does not answer for a custom endpoint, so the target is read from fixed answers: local is not refused.
    monkeypatch.setattr(platform_inputs, "caller_account", lambda module, inputs: ACCOUNT_ID)
    monkeypatch.setattr(platform_inputs, "available_zones", lambda module: ["us-east-1a", "us-east-1b"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    inputs = valid_inputs(streamflix_environment="local", streamflix_env_suffix="local", streamflix_aws_endpoint_url="http://127.0.0.1:4566")
    assert run_module(platform_inputs, {"inputs": inputs})["availability_zones"] == ["us-east-1a", "us-east-1b"]
