"""Secrets Manager fill: GetSecretValue answers the AWSCURRENT version after UpdateSecretVersionStage moved it."""

from __future__ import annotations

import pytest


@pytest.fixture
def secrets(client):
    return client("secretsmanager")


def test_moving_awscurrent_changes_what_get_secret_value_returns(secrets, name):
    first = secrets.create_secret(Name=name, SecretString="one")["VersionId"]
    pending = secrets.put_secret_value(SecretId=name, SecretString="two", VersionStages=["AWSPENDING"])["VersionId"]
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == "one"
    secrets.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=pending, RemoveFromVersionId=first)
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == "two"
    assert secrets.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "one"
    stages = secrets.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {first: ["AWSPREVIOUS"], pending: ["AWSPENDING", "AWSCURRENT"]}


def test_moving_awscurrent_without_removing_it_is_refused(secrets, name):
    secrets.create_secret(Name=name, SecretString="one")
    pending = secrets.put_secret_value(SecretId=name, SecretString="two", VersionStages=["AWSPENDING"])["VersionId"]
    with pytest.raises(secrets.exceptions.InvalidParameterException):
        secrets.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=pending)
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == "one"
