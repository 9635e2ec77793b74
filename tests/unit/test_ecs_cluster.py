"""ecs_cluster against in-process moto, state read back through boto3."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import ecs_cluster
from module_harness import REGION, aws_env, moto, run_module  # noqa: F401

NAME = "streamflix-cluster-unit"


@pytest.fixture
def ecs(moto):
    from localaws.fills import ecs as ecs_fill

    ecs_fill.apply()
    return boto3.client("ecs", region_name=REGION)


def aws_cluster(ecs):
    clusters = ecs.describe_clusters(clusters=[NAME], include=["SETTINGS", "TAGS"])["clusters"]
    return clusters[0] if clusters and clusters[0]["status"] == "ACTIVE" else None


def settings(cluster):
    return {item["name"]: item["value"] for item in cluster.get("settings", [])}


def test_create_with_insights_and_tags(ecs):
    result = run_module(ecs_cluster, {"name": NAME, "tags": {"Project": "streamflix"}})
    cluster = aws_cluster(ecs)
    assert result["changed"] is True and result["changes"] == ["created"]
    assert settings(cluster)["containerInsights"] == "enabled"
    assert {"key": "Project", "value": "streamflix"} in cluster["tags"]
    assert result["cluster"]["arn"] == cluster["clusterArn"]


def test_second_run_changes_nothing(ecs):
    run_module(ecs_cluster, {"name": NAME, "tags": {"Project": "streamflix"}})
    result = run_module(ecs_cluster, {"name": NAME, "tags": {"Project": "streamflix"}})
    assert result["changed"] is False and result["changes"] == []


def test_insights_and_tags_change_in_place(ecs):
    run_module(ecs_cluster, {"name": NAME, "tags": {"Project": "streamflix"}})
    arn = aws_cluster(ecs)["clusterArn"]
    result = run_module(ecs_cluster, {"name": NAME, "container_insights": "disabled", "tags": {"Team": "media"}})
    cluster = aws_cluster(ecs)
    assert result["changes"] == ["container_insights", "tags"]
    assert cluster["clusterArn"] == arn
    assert settings(cluster)["containerInsights"] == "disabled"
    assert cluster["tags"] == [{"key": "Team", "value": "media"}]
    assert result["diff"]["before"]["container_insights"] == "enabled"


def test_check_mode_creates_nothing(ecs):
    result = run_module(ecs_cluster, {"name": NAME}, check_mode=True)
    assert result["changed"] is True and result["cluster"]["arn"] is None
    assert aws_cluster(ecs) is None


def test_check_mode_change_is_reported_not_made(ecs):
    run_module(ecs_cluster, {"name": NAME})
    result = run_module(ecs_cluster, {"name": NAME, "container_insights": "disabled"}, check_mode=True)
    assert result["changed"] is True
    assert settings(aws_cluster(ecs))["containerInsights"] == "enabled"


def test_absent_twice(ecs):
    run_module(ecs_cluster, {"name": NAME})
    assert run_module(ecs_cluster, {"name": NAME, "state": "absent"})["changed"] is True
    assert aws_cluster(ecs) is None
    assert run_module(ecs_cluster, {"name": NAME, "state": "absent"})["changed"] is False
