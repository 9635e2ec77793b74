"""Cross-field input checks: every malformed input is refused with a message naming its variable."""

from __future__ import annotations

import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import inputs as checks
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import max_suffix_length


def valid_inputs(**changes):
    inputs = {
        "streamflix_environment": "dev",
        "streamflix_env_suffix": "pr42",
        "streamflix_region": "us-east-1",
        "streamflix_aws_account_id": "123456789012",
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
        "streamflix_ecs_cpu": 1024,
        "streamflix_ecs_memory": 2048,
        "streamflix_ecs_min_tasks": 2,
        "streamflix_ecs_max_tasks": 4,
        "streamflix_ecs_cpu_target": 70,
        "streamflix_ecs_memory_target": 75,
        "streamflix_ecs_requests_per_target": 1000,
        "streamflix_kinesis_stream_mode": "PROVISIONED",
        "streamflix_kinesis_shards": 2,
        "streamflix_kinesis_retention_hours": 24,
        "streamflix_sqs_visibility_timeout": 300,
        "streamflix_sqs_max_receive_count": 5,
        "streamflix_api_stage_name": "v1",
        "streamflix_api_throttle_burst": 100,
        "streamflix_api_throttle_rate": 50,
        "streamflix_waf_enabled": True,
        "streamflix_waf_rate_limit": 2000,
        "streamflix_alarm_emails": ["ops@example.com"],
    }
    inputs.update(changes)
    return inputs


PUBLIC = "streamflix_public_subnet_cidrs"
PRIVATE = "streamflix_private_subnet_cidrs"
TOO_LONG_SUFFIX = "a" * (max_suffix_length() + 1)

# (changes, the variable every resulting message must name)
MALFORMED = [
    # the VPC block
    pytest.param({"streamflix_vpc_cidr": "not-a-cidr"}, "streamflix_vpc_cidr", id="vpc-cidr-garbage"),
    pytest.param({"streamflix_vpc_cidr": "10.20.0.1/16"}, "streamflix_vpc_cidr", id="vpc-cidr-host-bits"),
    pytest.param({"streamflix_vpc_cidr": "10.0.0.0/8"}, "streamflix_vpc_cidr", id="vpc-cidr-too-large"),
    pytest.param({"streamflix_vpc_cidr": "10.20.0.0/29"}, "streamflix_vpc_cidr", id="vpc-cidr-too-small"),
    pytest.param({"streamflix_vpc_cidr": "10.20.0.0/33"}, "streamflix_vpc_cidr", id="vpc-cidr-prefix-33"),
    pytest.param({"streamflix_vpc_cidr": "fd00:20::/56"}, "streamflix_vpc_cidr", id="vpc-cidr-ipv6"),
    pytest.param({"streamflix_vpc_cidr": None}, "streamflix_vpc_cidr", id="vpc-cidr-none"),
    pytest.param({"streamflix_vpc_cidr": 168034304}, "streamflix_vpc_cidr", id="vpc-cidr-int"),
    # the subnets
    pytest.param({PUBLIC: ["10.30.0.0/24", "10.20.1.0/24"]}, PUBLIC, id="public-outside-vpc"),
    pytest.param({PRIVATE: ["10.20.10.0/24", "192.168.0.0/24"]}, PRIVATE, id="private-outside-vpc"),
    pytest.param({PRIVATE: ["10.20.10.0/33", "10.20.11.0/24"]}, PRIVATE, id="private-bad-prefix"),
    pytest.param({PUBLIC: ["10.20.0.0/24", "10.20.1.5/24"]}, PUBLIC, id="public-host-bits"),
    pytest.param({PUBLIC: ["10.20.0.0/24", "10.20.1.0/29"]}, PUBLIC, id="public-subnet-too-small"),
    pytest.param({PUBLIC: ["10.20.0.0/24", "banana"]}, PUBLIC, id="public-garbage"),
    pytest.param({PRIVATE: ["10.20.0.0/24", "10.20.11.0/24"]}, PRIVATE, id="private-overlaps-public"),
    pytest.param({PUBLIC: ["10.20.0.0/23", "10.20.1.0/24"]}, PUBLIC, id="public-overlap-each-other"),
    pytest.param({PRIVATE: ["10.20.10.0/24", "10.20.10.0/24"]}, PRIVATE, id="private-duplicate"),
    pytest.param({PUBLIC: ["10.20.0.0/24"]}, PUBLIC, id="public-fewer-than-az-count"),
    pytest.param({PRIVATE: []}, PRIVATE, id="private-empty"),
    pytest.param({PUBLIC: "10.20.0.0/24,10.20.1.0/24"}, PUBLIC, id="public-string-not-list"),
    pytest.param({PRIVATE: None}, PRIVATE, id="private-none"),
    # the AZ count
    pytest.param({"streamflix_az_count": 1}, "streamflix_az_count", id="az-count-1"),
    pytest.param({"streamflix_az_count": 7}, "streamflix_az_count", id="az-count-7"),
    pytest.param({"streamflix_az_count": "2"}, "streamflix_az_count", id="az-count-string"),
    pytest.param({"streamflix_az_count": True}, "streamflix_az_count", id="az-count-bool"),
    pytest.param({"streamflix_az_count": 2.0}, "streamflix_az_count", id="az-count-float"),
    pytest.param({"streamflix_az_count": None}, "streamflix_az_count", id="az-count-none"),
    # the suffix
    pytest.param({"streamflix_env_suffix": "Dev"}, "streamflix_env_suffix", id="suffix-upper-case"),
    pytest.param({"streamflix_env_suffix": TOO_LONG_SUFFIX}, "streamflix_env_suffix", id="suffix-too-long"),
    pytest.param({"streamflix_env_suffix": "a--b"}, "streamflix_env_suffix", id="suffix-double-hyphen"),
    pytest.param({"streamflix_env_suffix": "dev-"}, "streamflix_env_suffix", id="suffix-trailing-hyphen"),
    pytest.param({"streamflix_env_suffix": "-dev"}, "streamflix_env_suffix", id="suffix-leading-hyphen"),
    pytest.param({"streamflix_env_suffix": "1dev"}, "streamflix_env_suffix", id="suffix-leading-digit"),
    pytest.param({"streamflix_env_suffix": ""}, "streamflix_env_suffix", id="suffix-empty"),
    pytest.param({"streamflix_env_suffix": None}, "streamflix_env_suffix", id="suffix-none"),
    pytest.param({"streamflix_env_suffix": 42}, "streamflix_env_suffix", id="suffix-int"),
    pytest.param({"streamflix_env_suffix": "pr_42"}, "streamflix_env_suffix", id="suffix-underscore"),
    pytest.param({"streamflix_env_suffix": "pr 42"}, "streamflix_env_suffix", id="suffix-space"),
    pytest.param({"streamflix_env_suffix": "prä"}, "streamflix_env_suffix", id="suffix-non-ascii"),
    pytest.param({"streamflix_env_suffix": "dev\n"}, "streamflix_env_suffix", id="suffix-trailing-newline"),
    # the environment, account and region
    pytest.param({"streamflix_environment": "qa"}, "streamflix_environment", id="environment-unknown"),
    pytest.param({"streamflix_environment": "Dev"}, "streamflix_environment", id="environment-upper-case"),
    pytest.param({"streamflix_environment": None}, "streamflix_environment", id="environment-none"),
    pytest.param({"streamflix_aws_account_id": "12345678901"}, "streamflix_aws_account_id", id="account-11-digits"),
    pytest.param({"streamflix_aws_account_id": "1234567890123"}, "streamflix_aws_account_id", id="account-13-digits"),
    pytest.param({"streamflix_aws_account_id": "12345678901a"}, "streamflix_aws_account_id", id="account-letter"),
    pytest.param({"streamflix_aws_account_id": 123456789012}, "streamflix_aws_account_id", id="account-int"),
    pytest.param({"streamflix_aws_account_id": None}, "streamflix_aws_account_id", id="account-missing-outside-local"),
    pytest.param({"streamflix_aws_account_id": ""}, "streamflix_aws_account_id", id="account-empty-outside-local"),
    pytest.param({"streamflix_aws_account_id": "123456789012\n"}, "streamflix_aws_account_id", id="account-trailing-newline"),
    pytest.param({"streamflix_region": "US-EAST-1"}, "streamflix_region", id="region-upper-case"),
    pytest.param({"streamflix_region": "useast1"}, "streamflix_region", id="region-no-hyphens"),
    pytest.param({"streamflix_region": "us-east"}, "streamflix_region", id="region-no-number"),
    pytest.param({"streamflix_region": "us-east-1\n"}, "streamflix_region", id="region-trailing-newline"),
    pytest.param({"streamflix_region": None}, "streamflix_region", id="region-none"),
    pytest.param({"streamflix_region": 1}, "streamflix_region", id="region-int"),
    # ranges and choices
    pytest.param({"streamflix_log_retention_days": 10}, "streamflix_log_retention_days", id="retention-not-allowed"),
    pytest.param({"streamflix_log_retention_days": 0}, "streamflix_log_retention_days", id="retention-0"),
    pytest.param({"streamflix_log_retention_days": "7"}, "streamflix_log_retention_days", id="retention-string"),
    pytest.param({"streamflix_log_retention_days": True}, "streamflix_log_retention_days", id="retention-bool"),
    pytest.param({"streamflix_app_port": 0}, "streamflix_app_port", id="app-port-0"),
    pytest.param({"streamflix_app_port": 70000}, "streamflix_app_port", id="app-port-70000"),
    pytest.param({"streamflix_app_port": "8080"}, "streamflix_app_port", id="app-port-string"),
    pytest.param({"streamflix_app_port": True}, "streamflix_app_port", id="app-port-bool"),
    pytest.param({"streamflix_kms_deletion_window_days": 6}, "streamflix_kms_deletion_window_days", id="kms-window-6"),
    pytest.param({"streamflix_kms_deletion_window_days": 31}, "streamflix_kms_deletion_window_days", id="kms-window-31"),
    pytest.param({"streamflix_kms_deletion_window_days": 7.5}, "streamflix_kms_deletion_window_days", id="kms-window-float"),
    pytest.param({"streamflix_kms_deletion_window_days": False}, "streamflix_kms_deletion_window_days", id="kms-window-bool"),
    pytest.param({"streamflix_nat_mode": "multi"}, "streamflix_nat_mode", id="nat-mode-unknown"),
    pytest.param({"streamflix_nat_mode": "Single"}, "streamflix_nat_mode", id="nat-mode-upper-case"),
    pytest.param({"streamflix_nat_mode": None}, "streamflix_nat_mode", id="nat-mode-none"),
    pytest.param({"streamflix_protected": "yes"}, "streamflix_protected", id="protected-string"),
    pytest.param({"streamflix_protected": 1}, "streamflix_protected", id="protected-int"),
    pytest.param({"streamflix_protected": None}, "streamflix_protected", id="protected-none"),
    # extra tags
    pytest.param({"streamflix_extra_tags": {"Project": "other"}}, "streamflix_extra_tags", id="tag-reserved-project"),
    pytest.param({"streamflix_extra_tags": {"Environment": "x"}}, "streamflix_extra_tags", id="tag-reserved-environment"),
    pytest.param({"streamflix_extra_tags": {"ManagedBy": "x"}}, "streamflix_extra_tags", id="tag-reserved-managedby"),
    pytest.param({"streamflix_extra_tags": {"Name": "x"}}, "streamflix_extra_tags", id="tag-reserved-name"),
    pytest.param({"streamflix_extra_tags": {"aws:createdBy": "x"}}, "streamflix_extra_tags", id="tag-aws-prefix"),
    pytest.param({"streamflix_extra_tags": {"AWS:createdBy": "x"}}, "streamflix_extra_tags", id="tag-aws-prefix-upper"),
    pytest.param({"streamflix_extra_tags": {"": "x"}}, "streamflix_extra_tags", id="tag-key-empty"),
    pytest.param({"streamflix_extra_tags": {"k" * 129: "x"}}, "streamflix_extra_tags", id="tag-key-too-long"),
    pytest.param({"streamflix_extra_tags": {"CostCenter": 42}}, "streamflix_extra_tags", id="tag-value-int"),
    pytest.param({"streamflix_extra_tags": {"CostCenter": None}}, "streamflix_extra_tags", id="tag-value-none"),
    pytest.param({"streamflix_extra_tags": {"CostCenter": True}}, "streamflix_extra_tags", id="tag-value-bool"),
    pytest.param({"streamflix_extra_tags": {"CostCenter": ["a"]}}, "streamflix_extra_tags", id="tag-value-list"),
    pytest.param({"streamflix_extra_tags": {"CostCenter": "v" * 257}}, "streamflix_extra_tags", id="tag-value-too-long"),
    pytest.param({"streamflix_extra_tags": ["CostCenter=media"]}, "streamflix_extra_tags", id="tags-list"),
    pytest.param({"streamflix_extra_tags": None}, "streamflix_extra_tags", id="tags-none"),
    # processing and edge
    pytest.param({"streamflix_ecs_cpu": 1000}, "streamflix_ecs_cpu", id="ecs-cpu-not-a-fargate-size"),
    pytest.param({"streamflix_ecs_memory": 1024}, "streamflix_ecs_memory", id="ecs-memory-too-small-for-cpu"),
    pytest.param({"streamflix_ecs_cpu": 256, "streamflix_ecs_memory": 4096}, "streamflix_ecs_memory", id="ecs-memory-too-large-for-cpu"),
    pytest.param({"streamflix_ecs_min_tasks": 5, "streamflix_ecs_max_tasks": 4}, "streamflix_ecs_min_tasks", id="ecs-min-over-max"),
    pytest.param({"streamflix_ecs_max_tasks": 0}, "streamflix_ecs_max_tasks", id="ecs-max-zero"),
    pytest.param({"streamflix_ecs_min_tasks": "two"}, "streamflix_ecs_min_tasks", id="ecs-min-string"),
    pytest.param({"streamflix_ecs_cpu_target": 150}, "streamflix_ecs_cpu_target", id="ecs-cpu-target-over-100"),
    pytest.param({"streamflix_ecs_requests_per_target": 0}, "streamflix_ecs_requests_per_target", id="ecs-requests-zero"),
    pytest.param({"streamflix_kinesis_stream_mode": "FAST"}, "streamflix_kinesis_stream_mode", id="kinesis-mode-unknown"),
    pytest.param({"streamflix_kinesis_shards": 0}, "streamflix_kinesis_shards", id="kinesis-shards-zero"),
    pytest.param({"streamflix_kinesis_retention_hours": 12}, "streamflix_kinesis_retention_hours", id="kinesis-retention-short"),
    pytest.param({"streamflix_sqs_visibility_timeout": 50000}, "streamflix_sqs_visibility_timeout", id="sqs-visibility-long"),
    pytest.param({"streamflix_sqs_max_receive_count": 0}, "streamflix_sqs_max_receive_count", id="sqs-receive-zero"),
    pytest.param({"streamflix_api_stage_name": "v 1"}, "streamflix_api_stage_name", id="api-stage-space"),
    pytest.param({"streamflix_api_throttle_burst": -1}, "streamflix_api_throttle_burst", id="api-burst-negative"),
    pytest.param({"streamflix_api_throttle_rate": "fast"}, "streamflix_api_throttle_rate", id="api-rate-string"),
    pytest.param({"streamflix_waf_rate_limit": 5}, "streamflix_waf_rate_limit", id="waf-limit-low"),
    pytest.param({"streamflix_origin_verify_header": "X Origin"}, "streamflix_origin_verify_header", id="origin-header-space"),
    pytest.param({"streamflix_certificate_arn": "my-cert"}, "streamflix_certificate_arn", id="certificate-not-an-arn"),
    pytest.param({"streamflix_certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-1"},
                 "streamflix_certificate_arn", id="certificate-other-region"),
    pytest.param({"streamflix_alarm_emails": ["ops"]}, "streamflix_alarm_emails", id="email-no-at"),
    pytest.param({"streamflix_alarm_emails": "ops@example.com"}, "streamflix_alarm_emails", id="emails-not-a-list"),
]


@pytest.mark.parametrize("changes, variable", MALFORMED)
def test_malformed_input_is_refused_naming_the_variable(changes, variable):
    errors = checks.input_errors(valid_inputs(**changes))
    assert errors, "expected {0} to be refused".format(changes)
    for error in errors:
        assert variable in error, error


def test_there_are_enough_malformed_cases():
    assert len({param.id for param in MALFORMED}) >= 25


def test_valid_baseline_has_no_errors():
    assert checks.input_errors(valid_inputs()) == []


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"streamflix_environment": "local", "streamflix_aws_account_id": None}, id="local-without-account"),
        pytest.param({"streamflix_environment": "local", "streamflix_aws_account_id": ""}, id="local-empty-account"),
        pytest.param({"streamflix_environment": "prod", "streamflix_nat_mode": "per_az"}, id="prod-per-az"),
        pytest.param({"streamflix_env_suffix": "a" * max_suffix_length()}, id="suffix-at-max-length"),
        pytest.param({"streamflix_env_suffix": "pr-42-b"}, id="suffix-single-hyphens"),
        pytest.param({"streamflix_env_suffix": "x"}, id="suffix-one-letter"),
        pytest.param({"streamflix_region": "us-gov-west-1"}, id="region-gov"),
        pytest.param({"streamflix_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b-2c"}, id="certificate-in-region"),
        pytest.param({"streamflix_region": "ap-southeast-2"}, id="region-ap"),
        pytest.param(
            {
                "streamflix_az_count": 3,
                PUBLIC: ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"],
                PRIVATE: ["10.20.10.0/24", "10.20.11.0/24", "10.20.12.0/24"],
            },
            id="three-azs",
        ),
        pytest.param({PUBLIC: ["10.20.0.0/24", "10.20.1.0/24", "junk"]}, id="cidrs-beyond-az-count-ignored"),
        pytest.param({PUBLIC: ["10.20.0.0/28", "10.20.0.16/28"]}, id="subnets-slash-28"),
        pytest.param({"streamflix_log_retention_days": 1}, id="retention-1"),
        pytest.param({"streamflix_log_retention_days": 3653}, id="retention-3653"),
        pytest.param({"streamflix_app_port": 1}, id="port-1"),
        pytest.param({"streamflix_app_port": 65535}, id="port-65535"),
        pytest.param({"streamflix_kms_deletion_window_days": 30}, id="kms-window-30"),
        pytest.param({"streamflix_extra_tags": {}}, id="no-extra-tags"),
        pytest.param({"streamflix_extra_tags": {"project": "lower-case key is not reserved", "Team": ""}}, id="tags-case"),
        pytest.param({"streamflix_extra_tags": {"k" * 128: "v" * 256}}, id="tag-at-limits"),
        pytest.param({"streamflix_protected": True}, id="protected-true"),
        pytest.param({"streamflix_ecs_cpu": 256, "streamflix_ecs_memory": 512}, id="fargate-smallest"),
        pytest.param({"streamflix_ecs_cpu": 16384, "streamflix_ecs_memory": 122880}, id="fargate-largest"),
        pytest.param({"streamflix_ecs_min_tasks": 0, "streamflix_ecs_max_tasks": 1}, id="ecs-scale-to-zero"),
        pytest.param({"streamflix_ecs_min_tasks": 3, "streamflix_ecs_max_tasks": 3}, id="ecs-min-equals-max"),
        pytest.param({"streamflix_kinesis_stream_mode": "ON_DEMAND", "streamflix_kinesis_shards": 0}, id="on-demand-ignores-shards"),
        pytest.param({"streamflix_waf_enabled": False, "streamflix_waf_rate_limit": 5}, id="waf-off-ignores-limit"),
        pytest.param({"streamflix_alarm_emails": []}, id="no-emails"),
        pytest.param({"streamflix_api_throttle_rate": 0.5}, id="api-rate-fraction"),
        pytest.param({"streamflix_ecs_cpu": "", "streamflix_ecs_min_tasks": ""}, id="not-set-in-inventory"),
    ],
)
def test_valid_variants_have_no_errors(changes):
    assert checks.input_errors(valid_inputs(**changes)) == []


def test_extra_tags_may_be_omitted():
    inputs = valid_inputs()
    del inputs["streamflix_extra_tags"]
    assert checks.input_errors(inputs) == []


@pytest.mark.parametrize("days", checks.LOG_RETENTION_DAYS)
def test_every_cloudwatch_retention_is_accepted(days):
    assert checks.input_errors(valid_inputs(streamflix_log_retention_days=days)) == []


def test_all_errors_are_reported_at_once():
    errors = checks.input_errors(
        valid_inputs(
            streamflix_environment="qa",
            streamflix_env_suffix="Bad",
            streamflix_app_port=0,
            streamflix_kms_deletion_window_days=31,
            streamflix_nat_mode="multi",
        )
    )
    for variable in ("streamflix_environment", "streamflix_env_suffix", "streamflix_app_port",
                     "streamflix_kms_deletion_window_days", "streamflix_nat_mode"):
        assert sum(variable in error for error in errors) == 1, (variable, errors)


def test_messages_state_the_allowed_form():
    [suffix] = checks.input_errors(valid_inputs(streamflix_env_suffix="a--b"))
    assert "lower-case letters" in suffix and "'a--b'" in suffix
    [port] = checks.input_errors(valid_inputs(streamflix_app_port=70000))
    assert "from 1 to 65535" in port and "70000" in port
    [window] = checks.input_errors(valid_inputs(streamflix_kms_deletion_window_days=6))
    assert "from 7 to 30" in window
    [retention] = checks.input_errors(valid_inputs(streamflix_log_retention_days=10))
    assert "1, 3, 5, 7, 14" in retention
    [account] = checks.input_errors(valid_inputs(streamflix_aws_account_id=123456789012))
    assert "12-digit" in account and "string" in account


def test_too_long_suffix_names_the_limit():
    errors = checks.input_errors(valid_inputs(streamflix_env_suffix=TOO_LONG_SUFFIX))
    assert any("alb" in error and "32" in error for error in errors)
    assert all(str(max_suffix_length()) in error for error in errors)


def test_overlap_names_both_subnets():
    [error] = checks.input_errors(valid_inputs(**{PRIVATE: ["10.20.10.0/24", "10.20.1.0/24"]}))
    assert "streamflix_public_subnet_cidrs[1]" in error
    assert "streamflix_private_subnet_cidrs[1]" in error


def test_bad_vpc_cidr_stops_subnet_checks():
    assert len(checks.input_errors(valid_inputs(streamflix_vpc_cidr="bad"))) == 1


# ---------------------------------------------------------------- the target


@pytest.mark.parametrize(
    "environment, expected, actual, az_count, zones, fragments",
    [
        pytest.param("dev", "123456789012", "123456789012", 2, ["a", "b"], [], id="right-account"),
        pytest.param("prod", "123456789012", "123456789012", 3, ["a", "b", "c"], [], id="prod-enough-azs"),
        pytest.param("dev", "123456789012", "999999999999", 2, ["a", "b"],
                     ["999999999999", "123456789012", "dev", "wrong account"], id="wrong-account-dev"),
        pytest.param("prod", "123456789012", "999999999999", 2, ["a", "b"], ["999999999999", "prod"], id="wrong-account-prod"),
        pytest.param("staging", None, "999999999999", 2, ["a", "b"], ["streamflix_aws_account_id"], id="no-account-staging"),
        pytest.param("local", None, "123456789012", 2, ["a", "b"], [], id="local-ignores-missing-account"),
        pytest.param("local", "111111111111", "123456789012", 2, ["a", "b"], [], id="local-ignores-other-account"),
        pytest.param("dev", "123456789012", "123456789012", 3, ["us-east-1a", "us-east-1b"],
                     ["streamflix_az_count is 3", "only 2", "us-east-1a, us-east-1b"], id="too-few-azs"),
        pytest.param("local", None, "123456789012", 2, [], ["streamflix_az_count", "only 0"], id="no-azs-local"),
    ],
)
def test_target_errors(environment, expected, actual, az_count, zones, fragments):
    errors = checks.target_errors(environment, expected, actual, az_count, zones)
    if not fragments:
        assert errors == []
    else:
        assert len(errors) == 1
        for fragment in fragments:
            assert fragment in errors[0]


def test_target_errors_reports_account_and_azs_together():
    errors = checks.target_errors("dev", "123456789012", "999999999999", 3, ["a", "b"])
    assert len(errors) == 2


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:4566", True),
    ("http://127.9.8.7", True),
    ("https://localhost:4566/", True),
    ("http://LOCALHOST.:4566", True),
    ("http://s3.localhost", True),
    ("http://[::1]:4566", True),
    ("http://[::ffff:127.0.0.1]:4566", True),
    ("http://0.0.0.0:4566", True),
    ("127.0.0.1:4566", True),
    ("https://sts.us-east-1.amazonaws.com", False),
    ("https://10.0.0.5:443", False),
    ("https://localhost-proxy.example.com", False),
    ("", False),
    ("http://[::1", False),
])
def test_loopback_urls_are_recognised(url, loopback):
    assert checks.is_loopback_url(url) is loopback


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_a_loopback_endpoint_from_the_environment_is_refused_outside_local(environment):
    errors = checks.endpoint_errors(environment, "", {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "HOME": "/root"})
    assert len(errors) == 1
    assert errors[0].startswith("AWS_ENDPOINT_URL is http://127.0.0.1:4566, a loopback address")
    assert "unset AWS_ENDPOINT_URL" in errors[0] and environment in errors[0]


def test_a_loopback_endpoint_from_the_inventory_is_refused_outside_local():
    errors = checks.endpoint_errors("dev", "http://localhost:4566", {})
    assert errors == [
        "streamflix_aws_endpoint_url is http://localhost:4566, a loopback address, but environment dev is real AWS: "
        "unset streamflix_aws_endpoint_url (set in the inventory or -e; it is for the local environment only) and run again."
    ]


def test_a_service_endpoint_variable_is_named_too():
    errors = checks.endpoint_errors("prod", None, {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566"})
    assert len(errors) == 1 and "unset AWS_ENDPOINT_URL_STS" in errors[0]


@pytest.mark.parametrize("environment, inventory, environ", [
    pytest.param("local", "http://127.0.0.1:4566", {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, id="local-may-use-loopback"),
    pytest.param("dev", "", {}, id="no-endpoint"),
    pytest.param("dev", None, {"AWS_ENDPOINT_URL": ""}, id="empty-variable"),
    pytest.param("dev", "https://vpce-1234.sts.us-east-1.vpce.amazonaws.com", {}, id="vpc-endpoint"),
    pytest.param("staging", "", {"AWS_ENDPOINT_URL": "https://proxy.internal.example.com"}, id="remote-proxy"),
    pytest.param("dev", "", {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
                 id="botocore-told-to-ignore-it"),
])
def test_endpoints_that_are_allowed(environment, inventory, environ):
    assert checks.endpoint_errors(environment, inventory, environ) == []


# ---------------------------------------------------------------- the caller cannot be identified


@pytest.mark.parametrize(
    "environment, names, code, fragments",
    [
        pytest.param("local", ["EndpointConnectionError", "ConnectionError", "BotoCoreError"], None,
                     ["Nothing answers at http://127.0.0.1:4566", "`make localaws-up`"], id="local-down"),
        pytest.param("local", ["NoCredentialsError", "BotoCoreError"], None,
                     ["The local AWS at http://127.0.0.1:4566", "`make localaws-up`"], id="local-other"),
        pytest.param("dev", ["NoCredentialsError", "BotoCoreError"], None,
                     ["Found no AWS credentials for environment dev", "AWS_PROFILE", "account 123456789012"], id="no-credentials"),
        pytest.param("dev", ["PartialCredentialsError", "BotoCoreError"], None, ["Found no AWS credentials"], id="partial-credentials"),
        pytest.param("staging", ["ClientError"], "InvalidClientTokenId",
                     ["AWS refused the credentials for environment staging", "valid credentials of account 123456789012"], id="refused"),
        pytest.param("prod", ["ClientError"], "SignatureDoesNotMatch", ["AWS refused the credentials"], id="wrong-secret"),
        pytest.param("dev", ["ClientError"], "ExpiredToken", ["have expired", "`aws sso login --profile media-dev`"], id="expired"),
        pytest.param("dev", ["UnauthorizedSSOTokenError", "SSOError", "BotoCoreError"], None, ["have expired"], id="sso-expired"),
        pytest.param("dev", ["EndpointConnectionError", "ConnectionError", "BotoCoreError"], None,
                     ["Could not reach AWS STS in us-east-1", "HTTPS_PROXY"], id="no-network"),
        pytest.param("dev", ["ClientError"], "InternalFailure", ["Could not identify the caller", "AWS_PROFILE"], id="other"),
    ],
)
def test_caller_error_says_what_to_do(environment, names, code, fragments):
    message = checks.caller_error_message(
        environment, "123456789012", "http://127.0.0.1:4566", "us-east-1", "media-dev", names, code, "the error's text"
    )
    assert message.endswith("nothing was changed."), message
    for fragment in fragments:
        assert fragment in message, message


def test_local_start_hint_names_a_port_other_than_the_makefiles():
    assert checks.localaws_start_hint("http://127.0.0.1:4566") == "`make localaws-up` (or `make localaws` in another terminal)"
    assert "`make localaws-up LOCALAWS_PORT=4599`" in checks.localaws_start_hint("http://127.0.0.1:4599")
