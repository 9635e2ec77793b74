"""api_gateway_api_key_rotation against in-process moto: after a rotation the usage plan holds the current and the
previous value of every entry, the new key is on the plan before any old one goes, and no value is returned."""

from __future__ import annotations

import json

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import api_gateway_api_key_rotation as rotation
from localaws.fills import secretsmanager as secretsmanager_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

PLAN = "streamflix-api-unit"
SECRET = "streamflix-api-keys-unit"


@pytest.mark.parametrize(
    "keys, current, previous, expected",
    [
        # Nothing rotated yet: the keys hold the current values.
        ([{"id": "1", "name": "p-a", "value": "A1"}], {"a": "A1"}, {}, {"create": [], "rename": [], "delete": []}),
        # Rotated: create the new one, rename the old current to -previous.
        ([{"id": "1", "name": "p-a", "value": "A1"}], {"a": "A2"}, {"a": "A1"},
         {"create": [("p-a", "A2")], "rename": [("1", "p-a", "p-a-previous")], "delete": []}),
        # Rotated again: the value before the previous one goes, after the new one is there.
        ([{"id": "1", "name": "p-a-previous", "value": "A1"}, {"id": "2", "name": "p-a", "value": "A2"}], {"a": "A3"}, {"a": "A2"},
         {"create": [("p-a", "A3")], "rename": [("2", "p-a", "p-a-previous")], "delete": [("1", "p-a-previous")]}),
    ],
)
def test_plan_keys(keys, current, previous, expected):
    assert rotation.plan_keys("p", keys, current, previous) == expected


@pytest.fixture
def world(moto):  # noqa: F811
    secretsmanager_fill.apply()
    apigw, sm = boto3.client("apigateway", region_name=REGION), boto3.client("secretsmanager", region_name=REGION)
    plan = apigw.create_usage_plan(name=PLAN)["id"]
    values = {"primary": "P1" * 10, "secondary": "S1" * 10}
    sm.create_secret(Name=SECRET, SecretString=json.dumps(values))
    for entry, value in values.items():  # as the api role makes them: <plan>-<entry>, on the plan
        key = apigw.create_api_key(name=f"{PLAN}-{entry}", value=value, enabled=True)["id"]
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    return {"apigw": apigw, "sm": sm, "plan": plan}


def plan_keys(world):
    """{name: value} of the keys on the usage plan."""
    on_plan = world["apigw"].get_usage_plan_keys(usagePlanId=world["plan"])["items"]
    keys = [world["apigw"].get_api_key(apiKey=key["id"], includeValue=True) for key in on_plan]
    return {key["name"]: key["value"] for key in keys}


def rotate(world, values):
    world["sm"].put_secret_value(SecretId=SECRET, SecretString=json.dumps(values))


def test_unrotated_keys_change_nothing(world):
    result = run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})
    assert result["changed"] is False and result["api_keys"] == [f"{PLAN}-primary", f"{PLAN}-secondary"]


def test_after_a_rotation_the_plan_accepts_the_new_and_the_old_values(world):
    rotate(world, {"primary": "P2" * 10, "secondary": "S2" * 10})
    planned = run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET}, check_mode=True)
    assert planned["changed"] is True and len(plan_keys(world)) == 2  # check mode changed nothing
    result = run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})
    assert plan_keys(world) == {
        f"{PLAN}-primary": "P2" * 10, f"{PLAN}-secondary": "S2" * 10,
        f"{PLAN}-primary-previous": "P1" * 10, f"{PLAN}-secondary-previous": "S1" * 10,
    }
    assert result["api_keys"] == planned["api_keys"] == sorted(plan_keys(world))
    assert "P2" * 10 not in json.dumps(result) and "P1" * 10 not in json.dumps(result)
    assert run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})["changed"] is False
    rotate(world, {"primary": "P3" * 10, "secondary": "S3" * 10})
    run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})
    assert plan_keys(world) == {
        f"{PLAN}-primary": "P3" * 10, f"{PLAN}-secondary": "S3" * 10,
        f"{PLAN}-primary-previous": "P2" * 10, f"{PLAN}-secondary-previous": "S2" * 10,
    }
    assert len(world["apigw"].get_api_keys(nameQuery=PLAN)["items"]) == 4  # the oldest keys are deleted


def test_the_new_key_is_on_the_plan_before_an_old_one_goes(world, monkeypatch):
    rotate(world, {"primary": "P2" * 10, "secondary": "S2" * 10})
    run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})
    rotate(world, {"primary": "P3" * 10, "secondary": "S3" * 10})
    seen = []
    real = rotation.apply_plan

    def spy(module, client, plan_id, plan):
        original_delete = client.delete_api_key

        def delete_api_key(**kwargs):
            seen.append(sorted(plan_keys(world).values()))  # what the plan accepts just before each deletion
            return original_delete(**kwargs)

        client.delete_api_key = delete_api_key
        return real(module, client, plan_id, plan)

    monkeypatch.setattr(rotation, "apply_plan", spy)
    run_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})
    assert seen and all({"P3" * 10, "S3" * 10, "P2" * 10, "S2" * 10} <= set(values) for values in seen)


def test_without_the_usage_plan_nothing_changes(world):
    result = run_module(rotation, {"usage_plan_name": "streamflix-api-other", "api_keys_secret_id": SECRET})
    assert result["changed"] is False and result["usage_plan_id"] is None


def test_a_secret_that_is_not_a_json_object_fails(world):
    world["sm"].put_secret_value(SecretId=SECRET, SecretString="plain")
    assert "is not a JSON object of API keys" in fail_module(rotation, {"usage_plan_name": PLAN, "api_keys_secret_id": SECRET})["msg"]
