"""--fault-rate: AWS-shaped, retryable errors for a fraction of AWS requests."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from conftest import make_client

from localaws.testing import fault_counts, running_localaws

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


def test_faults_are_counted_per_code(always_faulty):
    before = fault_counts(always_faulty)
    assert before["fault_rate"] == 1.0
    sts = make_client(always_faulty, "sts", **NO_RETRIES)
    seen = _errors(sts.get_caller_identity, times=10)
    after = fault_counts(always_faulty)
    assert after["aws_requests"] - before["aws_requests"] == 10
    assert after["faults"] - before["faults"] == 10
    assert set(after["by_code"]) >= {code for code, _status in seen}
    assert sum(after["by_code"].values()) == after["faults"]


def test_counts_without_faults(endpoint):
    before = fault_counts(endpoint)
    make_client(endpoint, "sts").get_caller_identity()
    after = fault_counts(endpoint)
    assert before["fault_rate"] == 0.0
    assert after["aws_requests"] == before["aws_requests"] + 1
    assert after["faults"] == before["faults"] == 0 and after["by_code"] == {}


def test_sometimes_faulty_counts_match_the_retries_seen(sometimes_faulty):
    """Every retry botocore reports was an injected fault: the counts are what a run's report can trust."""
    before = fault_counts(sometimes_faulty)
    sts = make_client(sometimes_faulty, "sts", retries={"mode": "standard", "max_attempts": 10})
    retried = sum(sts.get_caller_identity()["ResponseMetadata"]["RetryAttempts"] for _ in range(20))
    after = fault_counts(sometimes_faulty)
    assert after["faults"] - before["faults"] == retried
    assert after["aws_requests"] - before["aws_requests"] == 20 + retried


@pytest.fixture(scope="module")
def loses_every_answer():
    with running_localaws(["--lost-answer-rate", "1.0", "--fault-seed", "3"]) as url:
        yield url


def _moto_state(endpoint: str) -> dict:
    """moto's own view of its backends (/moto-api is never faulted)."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as resp:
        return json.load(resp)


def test_a_lost_answer_is_a_server_fault_after_the_call_took_effect(loses_every_answer):
    sqs = make_client(loses_every_answer, "sqs", **NO_RETRIES)
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName="lost-answer")
    response = excinfo.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) in {
        ("ServiceUnavailable", 503), ("InternalError", 500)
    }
    queues = _moto_state(loses_every_answer)["sqs"]["Queue"]
    assert any(queue["name"] == "lost-answer" for queue in queues), queues
    counted = fault_counts(loses_every_answer)
    assert counted["lost_answer_rate"] == 1.0 and counted["lost_answers"] >= 1 and counted["faults"] == 0


def test_a_retried_create_after_a_lost_answer_makes_a_duplicate(loses_every_answer):
    """What the option is for: a create without an idempotency token, retried by botocore, runs twice."""
    ec2 = make_client(loses_every_answer, "ec2", retries={"mode": "standard", "total_max_attempts": 2})
    with pytest.raises(ClientError):
        ec2.allocate_address(Domain="vpc")
    assert len(_moto_state(loses_every_answer)["ec2"]["ElasticAddress"]) == 2


def test_lost_answer_rate_is_validated():
    from localaws.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--lost-answer-rate", "1.5"])
    assert build_parser().parse_args(["--lost-answer-rate", "0.05"]).lost_answer_rate == 0.05
