"""Names, suffix limits and tags."""

from __future__ import annotations

import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import naming


def test_max_suffix_length_is_set_by_the_shortest_limit():
    # The ALB name (32 characters, "streamflix-alb-" takes 15) is the tightest limit.
    assert naming.max_suffix_length() == 32 - len("streamflix-alb-") == 17


@pytest.mark.parametrize(
    "key, suffix, expected",
    [
        ("vpc", "dev", "streamflix-vpc-dev"),
        ("alb", "pr42", "streamflix-alb-pr42"),
        ("target_group", "pr42", "streamflix-tg-pr42"),
        ("redis", "staging", "streamflix-redis-staging"),
        ("aurora", "prod", "streamflix-aurora-prod"),
        ("flow_logs_role", "dev", "streamflix-flowlogs-dev"),
        ("public_route_table", "dev", "streamflix-public-rt-dev"),
        ("jobs_dlq", "dev", "streamflix-jobs-dlq-dev"),
        ("kms_alias", "dev", "alias/streamflix-dev"),
        ("flow_logs_log_group", "dev", "/streamflix/dev/vpc-flow-logs"),
    ],
)
def test_resource_names(key, suffix, expected):
    assert naming.resource_names(suffix)[key] == expected


def test_resource_names_cover_every_component():
    names = naming.resource_names("dev")
    assert set(naming.COMPONENTS) | {"flow_logs_log_group", "app_log_group", "api_access_log_group"} == set(names)
    # no two resources of the same kind share a name
    assert len(set(names.values())) == len(names)


def test_log_group_name():
    assert naming.log_group_name("pr42", "ecs") == "/streamflix/pr42/ecs"


@pytest.mark.parametrize(
    "suffix",
    ["dev", "local", "staging", "prod", "pr42", "a", "a1", "pr-42", "a-b-c", "x" * 17, "a" + "-b" * 8],
)
def test_valid_suffixes(suffix):
    assert naming.suffix_errors(suffix) == []


@pytest.mark.parametrize(
    "suffix",
    [
        "Dev", "DEV", "a--b", "dev-", "-dev", "1dev", "9", "pr_42", "pr.42", "pr 42", "prä", "dev\n", "\ndev",
        "x" * 18, "a" * 64,
    ],
)
def test_invalid_suffixes_name_the_variable(suffix):
    errors = naming.suffix_errors(suffix)
    assert errors
    assert all(error.startswith("streamflix_env_suffix") for error in errors)


@pytest.mark.parametrize("suffix", ["", None, 42, ["dev"], True])
def test_non_string_or_empty_suffix(suffix):
    [error] = naming.suffix_errors(suffix)
    assert error.startswith("streamflix_env_suffix must be a non-empty string")


def test_custom_variable_name():
    [error] = naming.suffix_errors("BAD", variable="my_suffix")
    assert error.startswith("my_suffix=")


def test_too_long_suffix_reports_each_name_over_its_limit():
    errors = naming.suffix_errors("x" * 18)
    # "streamflix-alb-" + 18 = 33 > 32; "streamflix-tg-" + 18 = 32 is still fine
    assert len(errors) == 1
    assert "alb" in errors[0] and "33 characters" in errors[0] and "limit is 32" in errors[0]
    assert "at most 17 characters" in errors[0]
    errors = naming.suffix_errors("x" * 19)
    assert {error.split(" name ")[0].rsplit(" ", 1)[1] for error in errors} == {"alb", "target_group"}


@pytest.mark.parametrize("key", sorted(naming.COMPONENTS))
def test_max_suffix_keeps_every_name_within_its_limit(key):
    component, limit, _source = naming.COMPONENTS[key]
    assert len(naming.resource_name(component, "x" * naming.max_suffix_length())) <= limit


@pytest.mark.parametrize(
    "extra, expected",
    [
        (None, {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible"}),
        ({}, {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible"}),
        ({"CostCenter": "media"}, {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible", "CostCenter": "media"}),
        ({"Project": "other", "Environment": "x"}, {"Project": "streamflix", "Environment": "pr42", "ManagedBy": "ansible"}),
    ],
)
def test_standard_tags(extra, expected):
    assert naming.standard_tags("pr42", extra) == expected


def test_standard_tags_do_not_change_the_input():
    extra = {"CostCenter": "media"}
    naming.standard_tags("pr42", extra)
    assert extra == {"CostCenter": "media"}
