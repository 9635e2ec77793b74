"""--fault-rate: AWS-shaped, retryable errors for a fraction of AWS requests."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from conftest import make_client

from localaws.testing import running_localaws

# botocore: retries.max_attempts counts retries, total_max_attempts counts every attempt.
NO_RETRIES = {"retries": {"mode": "standard", "total_max_attempts": 1}}
XML_CODES = {("Throttling", 400), ("ServiceUnavailable", 503), ("InternalError", 500)}
JSON_CODES = {("ThrottlingException", 400), ("ServiceUnavailable", 503), ("InternalError", 500)}


@pytest.fixture(scope="module")
def always_faulty():
    with running_localaws(["--fault-rate", "1.0", "--fault-seed", "7"]) as url:
        yield url


@pytest.fixture(scope="module")
def sometimes_faulty():
    with running_localaws(["--fault-rate", "0.3", "--fault-seed", "42"]) as url:
        yield url


def _errors(call, times=24) -> set[tuple[str, int]]:
    seen = set()
    for _ in range(times):
        with pytest.raises(ClientError) as excinfo:
            call()
        response = excinfo.value.response
        seen.add((response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]))
    return seen


def test_query_protocol_faults_are_xml_errors(always_faulty):
    sts = make_client(always_faulty, "sts", **NO_RETRIES)
    seen = _errors(sts.get_caller_identity)
    assert seen <= XML_CODES
    assert ("Throttling", 400) in seen and seen - {("Throttling", 400)}


def test_json_protocol_faults_are_json_errors(always_faulty):
    ecs = make_client(always_faulty, "ecs", **NO_RETRIES)
    seen = _errors(ecs.list_clusters)
    assert seen <= JSON_CODES
    assert ("ThrottlingException", 400) in seen and seen - {("ThrottlingException", 400)}


def test_rest_json_faults_carry_the_error_type_header(always_faulty):
    efs = make_client(always_faulty, "efs", **NO_RETRIES)
    assert _errors(efs.describe_file_systems) <= XML_CODES | JSON_CODES


def test_faults_are_retried_by_botocore(always_faulty):
    sts = make_client(always_faulty, "sts", retries={"mode": "standard", "total_max_attempts": 3})
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert excinfo.value.response["Error"]["Code"] in {"Throttling", "ServiceUnavailable", "InternalError"}
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 2


def test_health_and_moto_api_are_never_faulted(always_faulty):
    for _ in range(10):
        with urllib.request.urlopen(f"{always_faulty}/_localaws/health", timeout=5) as resp:
            assert resp.status == 200
            assert json.load(resp)["status"] == "ok"
    request = urllib.request.Request(f"{always_faulty}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200


def test_standard_retries_absorb_a_30_percent_fault_rate(sometimes_faulty):
    """30 calls, all successful. They run on 6 threads (one client each) only to keep
    the wall time of botocore's up-to-seconds throttling backoff short."""
    retries = {"retries": {"mode": "standard", "max_attempts": 10}}

    def five_calls(worker: int) -> int:
        sts = make_client(sometimes_faulty, "sts", **retries)
        ecs = make_client(sometimes_faulty, "ecs", **retries)
        attempts = 0
        for i in range(5):
            response = sts.get_caller_identity() if (worker + i) % 2 else ecs.list_clusters()
            assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
            attempts += response["ResponseMetadata"]["RetryAttempts"]
        return attempts

    with ThreadPoolExecutor(max_workers=6) as pool:
        retried = sum(pool.map(five_calls, range(6)))
    assert retried > 0  # faults did happen and were retried
