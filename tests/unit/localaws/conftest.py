"""Fixtures for the localaws tests: one localaws subprocess per session, boto3
clients with dummy credentials pointed at it."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

# Make `localaws` importable here and in the server subprocess even when the
# package has not been pip-installed (`pip install -e tools/localaws`).
_TOOL_DIR = str(Path(__file__).resolve().parents[3] / "tools" / "localaws")
if _TOOL_DIR not in sys.path:
    sys.path.insert(0, _TOOL_DIR)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_TOOL_DIR, os.environ.get("PYTHONPATH")) if p
)

from localaws.testing import running_localaws  # noqa: E402

REGION = "us-east-1"


def make_client(endpoint: str, service: str, **config: object):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=Config(**config) if config else None,
    )


@pytest.fixture(scope="session")
def endpoint():
    with running_localaws() as url:
        yield url


@pytest.fixture(scope="session")
def client(endpoint):
    """client("ecs") -> a boto3 client for the session's localaws."""
    cache: dict[str, object] = {}

    def get(service: str):
        if service not in cache:
            cache[service] = make_client(endpoint, service)
        return cache[service]

    return get


@pytest.fixture
def name():
    """A unique resource name per test (tests share one server)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def vpc(client):
    """A VPC with two subnets in different AZs and the VPC's default security group."""
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return {"id": vpc_id, "subnets": subnets, "default_sg": groups[0]["GroupId"]}
