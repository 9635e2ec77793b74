"""tests/security/scan.py without Prowler: which findings are the environment's, what an acceptance covers,
how Prowler's log is read, and that an unexplained error or an unaccepted FAIL fails the scan."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("security_scan", REPO / "tests" / "security" / "scan.py")
scan = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = scan
_SPEC.loader.exec_module(scan)

IDS = {"vpc-0abc", "sg-0def", "arn:aws:kms:us-east-1:123456789012:key/k-1", "k-1"}


def finding(check="c", status="FAIL", resource="", name=""):
    return scan.Finding(check=check, status=status, resource=resource, name=name, message="m", severity="high")


@pytest.mark.parametrize("resource, name, ours", [
    ("arn:aws:rds:us-east-1:123456789012:cluster:streamflix-aurora-pr1", "", True),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/streamflix/pr1/app:*", "", True),
    ("arn:aws:ec2:us-east-1:123456789012:security-group/sg-0def", "", True),
    ("arn:aws:kms:us-east-1:123456789012:key/k-1", "", True),
    ("arn:aws:iam::123456789012:role/streamflix-ecs-task-pr1", "", True),
    # Another environment whose suffix starts with ours, and account-level resources, are not ours.
    ("arn:aws:rds:us-east-1:123456789012:cluster:streamflix-aurora-pr12", "", False),
    ("arn:aws:iam::123456789012:root", "<root_account>", False),
    ("arn:aws:ec2:us-east-1:123456789012:security-group/sg-other", "default", False),
])
def test_on_environment(resource, name, ours):
    assert scan.on_environment(finding(resource=resource, name=name), "pr1", IDS) is ours


def test_acceptance_needs_check_environment_and_resource():
    entry = scan.Acceptance("rds_*_deletion_protection", "*:cluster:streamflix-aurora-<suffix>", ["local"], "why")
    db = finding("rds_cluster_deletion_protection", resource="arn:aws:rds:us-east-1:1:cluster:streamflix-aurora-pr1")
    assert entry.covers(db, "local", "pr1")
    assert not entry.covers(db, "prod", "pr1")
    assert not entry.covers(finding("rds_cluster_iam_authentication_enabled", resource=db.resource), "local", "pr1")
    assert not entry.covers(db, "local", "pr2")


def test_acceptance_without_reason_is_refused(tmp_path):
    path = tmp_path / "accepted.yaml"
    path.write_text("accepted:\n  - check: x\n    resource: '*'\n")
    with pytest.raises(SystemExit, match="reason"):
        scan.load_accepted(path)


def test_the_repository_lists_are_well_formed():
    assert all(entry.reason for entry in scan.load_accepted(REPO / "tests" / "security" / "prowler-accepted.yaml"))
    assert all(entry.why for entry in scan.load_known_errors(REPO / "tests" / "security" / "prowler-known-errors.yaml"))


def test_summary_separates_accepted_and_unaccepted_fails():
    accepted = [scan.Acceptance("a", "*", [], "deliberate")]
    findings = [finding("a"), finding("b"), finding("b", status="PASS")]
    summary = scan.summarise(findings, accepted, "local", "pr1")
    assert summary["totals"] == {"FAIL": 2, "PASS": 1}
    assert [item["check"] for item in summary["unaccepted"]] == ["b"]
    assert [item["reason"] for item in summary["accepted"]] == ["deliberate"]


def test_prowler_log_records_are_read_and_grouped(tmp_path):
    log = tmp_path / "prowler.log"
    records = [
        {"timestamp": "2026-01-01 00:00:00,000", "filename": "rds_service.py:186", "level": "ERROR", "message": "boom\nmore"},
        {"timestamp": "2026-01-01 00:00:01,000", "filename": "rds_service.py:186", "level": "ERROR", "message": "boom\nmore"},
        {"timestamp": "2026-01-01 00:00:02,000", "filename": "x.py:1", "level": "WARNING", "message": "ignored"},
    ]
    # Prowler writes raw newlines inside messages, and some messages with unescaped quotes.
    text = "\n".join(json.dumps(r).replace("\\n", "\n") for r in records)
    text += '\n{"timestamp": "t", "filename": "s3_service.py:622", "level": "ERROR", "message": "url "http://x" down"}'
    log.write_text(text)
    errors = scan.read_errors(log)
    assert [e["where"] for e in errors] == ["rds_service.py:186", "rds_service.py:186", "s3_service.py:622"]
    known = [scan.KnownError("s3_service.py:*", "down", "not ours")]
    new, old = scan.group_errors(errors, known)
    assert [(g["where"], g["count"]) for g in new] == [("rds_service.py:186", 2)]
    assert [g["why"] for g in old] == ["not ours"]
