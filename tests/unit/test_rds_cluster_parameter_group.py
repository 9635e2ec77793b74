"""rds_cluster_parameter_group against in-process moto (with the localaws RDS fills), AWS state read back through boto3."""

from __future__ import annotations

from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import rds as rds_utils
from ansible_collections.streamflix.media_platform.plugins.modules import rds_cluster_parameter_group
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

NAME = "streamflix-aurora-unit-pg16"
TAGS = {"Project": "streamflix", "Environment": "unit"}
CHANGING = {"CreateDBClusterParameterGroup", "ModifyDBClusterParameterGroup", "DeleteDBClusterParameterGroup", "AddTagsToResource", "RemoveTagsFromResource"}


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ({}, {"rds.force_ssl": "1"}, {"rds.force_ssl": "1"}),
        ({"rds.force_ssl": "1"}, {"rds.force_ssl": "1"}, {}),
        ({"rds.force_ssl": "0", "other": "x"}, {"rds.force_ssl": "1"}, {"rds.force_ssl": "1"}),
        ({"rds.force_ssl": "1"}, {}, {}),
    ],
)
def test_parameter_changes(current, desired, expected):
    assert rds_utils.parameter_changes(current, desired) == expected


@pytest.fixture
def client(moto):
    from localaws.fills import rds_parameter_groups, scan_reads

    rds_parameter_groups.apply()
    scan_reads.apply()  # DescribeDBEngineVersions, which the module reads for the family
    return boto3.client("rds", region_name=REGION)


@pytest.fixture
def calls():
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation_name, api_params):
        recorded.append(operation_name)
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        yield recorded


def args(**extra):
    base = {"name": NAME, "engine": "aurora-postgresql", "engine_version": "16.4", "parameters": {"rds.force_ssl": "1"}, "tags": TAGS}
    base.update(extra)
    return base


def user_parameters(client, name=NAME):
    parameters = client.describe_db_cluster_parameters(DBClusterParameterGroupName=name, Source="user")["Parameters"]
    return {p["ParameterName"]: p["ParameterValue"] for p in parameters}


def test_create_derives_the_family_and_sets_the_parameters(client):
    result = run_module(rds_cluster_parameter_group, args())
    assert result["changed"] is True
    [group] = client.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=NAME)["DBClusterParameterGroups"]
    assert group["DBParameterGroupFamily"] == "aurora-postgresql16"
    assert user_parameters(client) == {"rds.force_ssl": "1"}
    tags = client.list_tags_for_resource(ResourceName=group["DBClusterParameterGroupArn"])["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == TAGS
    assert result["parameter_group"]["parameters"] == {"rds.force_ssl": "1"}
    assert result["diff"]["before"] == {}


def test_second_run_changes_nothing_and_calls_nothing_that_changes(client, calls):
    run_module(rds_cluster_parameter_group, args())
    del calls[:]
    result = run_module(rds_cluster_parameter_group, args())
    assert result["changed"] is False and result["changes"] == []
    assert not CHANGING & set(calls)


def test_a_parameter_changed_by_hand_is_put_back(client):
    run_module(rds_cluster_parameter_group, args())
    client.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=NAME, Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"}]
    )
    plan = run_module(rds_cluster_parameter_group, args(), check_mode=True)
    assert plan["changed"] is True and plan["changes"] == ["set rds.force_ssl=1 in " + NAME]
    assert user_parameters(client) == {"rds.force_ssl": "0"}
    assert plan["diff"]["before"]["parameters"] == {"rds.force_ssl": "0"} and plan["diff"]["after"]["parameters"] == {"rds.force_ssl": "1"}
    run_module(rds_cluster_parameter_group, args())
    assert user_parameters(client) == {"rds.force_ssl": "1"}


def test_check_mode_creates_nothing_and_projects_the_group(client, calls):
    result = run_module(rds_cluster_parameter_group, args(), check_mode=True)
    assert result["changed"] is True
    assert result["parameter_group"]["family"] == "aurora-postgresql16" and result["parameter_group"]["arn"] is None
    assert not CHANGING & set(calls)
    assert client.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"] == []


def test_an_unknown_engine_version_fails_naming_it(client):
    failure = fail_module(rds_cluster_parameter_group, args(engine_version="16.99"))
    assert "16.99" in failure["msg"] and "engine_version" in failure["msg"]


def test_another_family_fails_and_changes_nothing(client, calls):
    run_module(rds_cluster_parameter_group, args())
    del calls[:]
    failure = fail_module(rds_cluster_parameter_group, args(engine_version="15.4"))
    assert "aurora-postgresql16" in failure["msg"] and "aurora-postgresql15" in failure["msg"]
    assert not CHANGING & set(calls)


def test_an_invalid_name_fails_before_any_call(client, calls):
    failure = fail_module(rds_cluster_parameter_group, args(name="1-bad--name"))
    assert "name" in failure["msg"] and calls == []


def test_absent_deletes_and_twice_changes_nothing(client):
    run_module(rds_cluster_parameter_group, args())
    assert run_module(rds_cluster_parameter_group, {"name": NAME, "state": "absent"})["changed"] is True
    assert client.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"] == []
    assert run_module(rds_cluster_parameter_group, {"name": NAME, "state": "absent"})["changed"] is False
