"""CloudWatch fill: PutDashboard validates the dashboard name and the body structure as AWS does."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def cw(client):
    return client("cloudwatch")


def test_valid_body_is_saved(cw, name):
    body = {"widgets": [{"type": "text", "width": 6, "height": 3, "properties": {"markdown": "hi"}}]}
    assert cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))["DashboardValidationMessages"] == []
    assert json.loads(cw.get_dashboard(DashboardName=name)["DashboardBody"]) == body
    cw.put_dashboard(DashboardName=name + "-empty", DashboardBody='{"widgets": []}')  # an empty array is fine


@pytest.mark.parametrize(
    "body, path, message",
    [
        ({}, "", "Should have required property 'widgets'"),
        ([], "", "Should be object"),
        ({"widgets": {}}, "/widgets", "Should be array"),
        ({"widgets": [{"properties": {}}]}, "/widgets/0", "Should have required property 'type'"),
        ({"widgets": [{"type": "metric"}]}, "/widgets/0", "Should have required property 'properties'"),
        ({"widgets": [{"type": "text", "properties": {}, "width": 25}]}, "/widgets/0/width", "Should be an integer from 1 to 24"),
        ({"widgets": [{"type": "text", "properties": {}, "height": 0}]}, "/widgets/0/height", "Should be an integer from 1 to 1000"),
    ],
)
def test_invalid_body_is_rejected_with_validation_messages(cw, name, body, path, message):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    error = info.value.response
    assert error["Error"]["Code"] == "InvalidParameterInput"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert {"DataPath": path, "Message": message} in error["dashboardValidationMessages"]
    with pytest.raises(ClientError):
        cw.get_dashboard(DashboardName=name)


def test_invalid_json_still_rejected(cw, name):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName=name, DashboardBody="{not json")
    assert info.value.response["Error"]["Code"] == "InvalidParameterInput"


def test_invalid_name_is_rejected(cw):
    with pytest.raises(ClientError) as info:
        cw.put_dashboard(DashboardName="has space", DashboardBody='{"widgets": []}')
    assert info.value.response["Error"]["Code"] == "InvalidParameterInput"


def test_delete_of_unknown_dashboard_is_not_found(cw, name):
    with pytest.raises(ClientError) as info:
        cw.delete_dashboards(DashboardNames=[name])
    assert info.value.response["Error"]["Code"] == "ResourceNotFound"
