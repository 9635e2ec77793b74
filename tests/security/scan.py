"""Runs Prowler against an environment on localaws and fails on findings nobody accepted.

    build/prowler-venv/bin/python tests/security/scan.py --suffix local          # what `make scan` runs

1. Finds the environment's resources on the endpoint (by tag Environment=<suffix>, by the name
   streamflix-<component>-<suffix>, in the environment's VPC, the environment's key); with --deploy it runs
   playbooks/site.yml first when the environment is not there.
2. Runs Prowler (pinned in tools/scan/requirements-prowler.txt, its own virtual environment) for the services
   the platform uses, region us-east-1, dummy credentials, every AWS call to the endpoint (boto3 honours
   AWS_ENDPOINT_URL), output JSON-OCSF, nothing else reached: no version check, no banner, no external lookups.
3. Keeps the findings on the environment's resources, prints PASS/FAIL counts per check, the FAILs not listed
   in tests/security/prowler-accepted.yaml, and every error Prowler logged (a check that crashed against the
   endpoint checked nothing, so it counts against the scan, like a FAIL).

Exit 0 only when every FAIL on the environment is accepted and Prowler logged no error; 1 otherwise; 2 when
the scan could not run. A machine-readable summary goes to <output-dir>/summary.json.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import yaml

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
PROJECT = "streamflix"
DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
# The services the platform's roles use (Prowler's service names). vpc and cloudwatch cover flow logs,
# the default security group, log groups and alarms; ssm/secretsmanager the secrets; s3 the ALB logs bucket.
SERVICES = (
    "ec2", "vpc", "kms", "secretsmanager", "rds", "elasticache", "efs", "kinesis", "sqs", "ecs", "elbv2",
    "apigateway", "cloudwatch", "iam", "sns", "wafv2", "s3", "acm",
)
# Every name the platform gives: streamflix-<component>-<suffix> (log groups /streamflix/<suffix>/...).
NAME_PATTERN = r"(?:^|[/:])streamflix-[a-z0-9-]+-{suffix}(?:$|[/:.])|/streamflix/{suffix}/"
# Checks that ask a service outside AWS (Shodan); the scan reaches nothing but the endpoint.
EXTERNAL_CHECKS = ("ec2_elastic_ip_shodan",)
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b")


# ---------------------------------------------------------------------------------------------------------
# The environment's resources


def client(endpoint: str, service: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="localaws", aws_secret_access_key="localaws",
    )


def _tag_value(tags, key: str) -> str | None:
    for tag in tags or []:
        if tag.get("Key") == key:
            return tag.get("Value")
    return None


def environment_ids(endpoint: str, suffix: str) -> set[str]:
    """Ids and ARNs of the environment's resources that do not carry its name: VPC, subnets, groups, key..."""
    ec2 = client(endpoint, "ec2")
    ids: set[str] = set()
    vpcs = [vpc for vpc in ec2.describe_vpcs()["Vpcs"] if _tag_value(vpc.get("Tags"), "Environment") == suffix]
    vpc_ids = {vpc["VpcId"] for vpc in vpcs}
    ids |= vpc_ids
    listings = (
        ("describe_subnets", "Subnets", "SubnetId"),
        ("describe_security_groups", "SecurityGroups", "GroupId"),
        ("describe_route_tables", "RouteTables", "RouteTableId"),
        ("describe_network_acls", "NetworkAcls", "NetworkAclId"),
        ("describe_nat_gateways", "NatGateways", "NatGatewayId"),
        ("describe_network_interfaces", "NetworkInterfaces", "NetworkInterfaceId"),
    )
    for operation, key, id_key in listings:
        for item in getattr(ec2, operation)()[key]:
            if item.get("VpcId") in vpc_ids or _tag_value(item.get("Tags"), "Environment") == suffix:
                ids.add(item[id_key])
    for gateway in ec2.describe_internet_gateways()["InternetGateways"]:
        if any(attachment.get("VpcId") in vpc_ids for attachment in gateway.get("Attachments", [])):
            ids.add(gateway["InternetGatewayId"])
    for flow_log in ec2.describe_flow_logs()["FlowLogs"]:
        if flow_log.get("ResourceId") in vpc_ids:
            ids.add(flow_log["FlowLogId"])
    # The master secret RDS manages for the cluster carries RDS's name (rds!cluster-...), not ours.
    pattern = re.compile(NAME_PATTERN.format(suffix=re.escape(suffix)))
    for cluster in client(endpoint, "rds").describe_db_clusters()["DBClusters"]:
        secret = cluster.get("MasterUserSecret", {}).get("SecretArn")
        if secret and pattern.search(":" + cluster["DBClusterIdentifier"]):
            ids.add(secret)
    tagging = client(endpoint, "resourcegroupstaggingapi")
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": "Environment", "Values": [suffix]}]):
        for mapping in page["ResourceTagMappingList"]:
            arn = mapping["ResourceARN"]
            ids.add(arn)
            if ":key/" in arn:
                ids.add(arn.rsplit("/", 1)[1])
    return ids


def environment_exists(endpoint: str, suffix: str) -> bool:
    vpcs = client(endpoint, "ec2").describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"]
    return bool(vpcs)


def deploy(endpoint: str, env: str, suffix: str, ansible_bin: Path, outputs_dir: Path | None = None) -> None:
    command = [str(ansible_bin / "ansible-playbook"), "-i", f"inventories/{env}", "playbooks/site.yml",
               "-e", f"streamflix_env_suffix={suffix}"]
    if outputs_dir is not None:
        command += ["-e", json.dumps({"outputs_dir": str(outputs_dir)})]
    print("scan: deploying", suffix, "with", " ".join(command[1:]), flush=True)
    environ = {key: value for key, value in os.environ.items() if key not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
    environ.update(AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    subprocess.run(command, cwd=REPO, env=environ, check=True)


# ---------------------------------------------------------------------------------------------------------
# Prowler


def prowler_environment(endpoint: str, home: Path) -> dict:
    """Dummy credentials, every AWS call to the endpoint, HOME inside the build directory."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="localaws",
        AWS_SECRET_ACCESS_KEY="localaws",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(home),
        # No proxy detour: the endpoint is on loopback.
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return environ


def prowler_command(prowler: Path, output_dir: Path, log_file: Path, services) -> list[str]:
    return [
        str(prowler), "aws",
        "--region", REGION,
        "--service", *services,
        "--output-formats", "json-ocsf",
        "--output-directory", str(output_dir),
        "--output-filename", "prowler",
        "--excluded-check", *EXTERNAL_CHECKS,
        "--no-banner",
        "--log-level", "ERROR",
        "--log-file", str(log_file),
    ]


def run_prowler(prowler: Path, endpoint: str, output_dir: Path, services) -> tuple[int, float, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    for old in output_dir.glob("prowler*"):
        old.unlink()
    log_file = output_dir / "prowler.log"
    command = prowler_command(prowler, output_dir, log_file, services)
    print("scan:", " ".join(command[1:]), flush=True)
    started = time.monotonic()
    completed = subprocess.run(command, env=prowler_environment(endpoint, output_dir / "home"), cwd=output_dir)
    return completed.returncode, time.monotonic() - started, log_file


def read_findings(output_dir: Path) -> list[dict]:
    files = sorted(output_dir.glob("prowler*.ocsf.json"))
    if not files:
        raise SystemExit(f"scan: Prowler wrote no OCSF output in {output_dir}")
    findings = []
    for path in files:
        text = path.read_text().strip()
        findings += json.loads(text) if text else []
    return findings


def read_errors(log_file: Path) -> list[dict]:
    """Every ERROR/CRITICAL record Prowler logged: a crashed check or service is a hole in the scan.

    Prowler's log file holds one JSON object per record, with raw newlines inside messages."""
    text = log_file.read_text() if log_file.exists() else ""
    records = []
    for chunk in re.split(r"\n(?=\{\"timestamp\")", text.strip()):
        if not chunk:
            continue
        try:
            record = json.loads(chunk, strict=False)
        except ValueError:
            record = _loose_record(chunk)
        if str(record.get("level", "")).upper() in ("ERROR", "CRITICAL"):
            message = " ".join(str(record.get("message", "")).split())
            records.append({"where": record.get("filename", "?"), "message": message[:400]})
    return records


def _loose_record(chunk: str) -> dict:
    """A record whose message holds unescaped quotes (Prowler writes some URLs raw)."""
    fields = dict(re.findall(r'"(filename|level)": "([^"]*)"', chunk))
    message = chunk.split('"message": "', 1)[-1].rstrip().removesuffix('"}')
    level = fields.get("level") or ("ERROR" if ERROR_LINE.search(chunk) else "")
    return {"filename": fields.get("filename", "?"), "level": level, "message": message}


@dataclass
class KnownError:
    where: str
    message: str
    why: str

    def covers(self, error: dict) -> bool:
        return fnmatch.fnmatchcase(error["where"], self.where) and re.search(self.message, error["message"]) is not None


def load_known_errors(path: Path) -> list[KnownError]:
    document = yaml.safe_load(path.read_text()) if path.exists() else {}
    known = []
    for index, entry in enumerate((document or {}).get("known_errors") or []):
        missing = [key for key in ("where", "message", "why") if not str(entry.get(key, "")).strip()]
        if missing:
            raise SystemExit(f"scan: {path} known_errors entry {index} lacks {', '.join(missing)}")
        known.append(KnownError(entry["where"], entry["message"], " ".join(entry["why"].split())))
    return known


def group_errors(errors: list[dict], known: list[KnownError]) -> tuple[list[dict], list[dict]]:
    """(new, known) error groups: one per place and message, with a count."""
    groups: dict[tuple[str, str], dict] = {}
    for error in errors:
        key = (error["where"], re.sub(r"\d{4}-\d\d-\d\d[ T][\d:.,]+", "", error["message"])[:200])
        group = groups.setdefault(key, dict(error, count=0))
        group["count"] += 1
    new, old = [], []
    for group in groups.values():
        match = next((entry for entry in known if entry.covers(group)), None)
        if match:
            old.append(dict(group, why=match.why))
        else:
            new.append(group)
    return new, old


# ---------------------------------------------------------------------------------------------------------
# Findings on the environment, accepted or not


@dataclass
class Finding:
    check: str
    status: str
    resource: str
    name: str
    message: str
    severity: str

    @classmethod
    def from_ocsf(cls, record: dict) -> "Finding":
        resource = (record.get("resources") or [{}])[0]
        return cls(
            check=record.get("metadata", {}).get("event_code", "?"),
            status=record.get("status_code", "?"),
            resource=resource.get("uid", ""),
            name=resource.get("name", ""),
            message=record.get("status_detail") or record.get("message", ""),
            severity=record.get("severity", ""),
        )


def on_environment(finding: Finding, suffix: str, ids: set[str]) -> bool:
    pattern = re.compile(NAME_PATTERN.format(suffix=re.escape(suffix)))
    for text in (finding.resource, finding.name):
        if not text:
            continue
        if text in ids or pattern.search(text):
            return True
        if any(identifier in text for identifier in ids if identifier.startswith(("vpc-", "sg-", "subnet-", "acl-", "eni-"))):
            return True
    return False


@dataclass
class Acceptance:
    check: str
    resource: str
    environments: list = field(default_factory=list)
    reason: str = ""

    def covers(self, finding: Finding, environment: str, suffix: str) -> bool:
        if self.environments and environment not in self.environments:
            return False
        if not fnmatch.fnmatchcase(finding.check, self.check):
            return False
        resource = self.resource.replace("<suffix>", suffix)
        return fnmatch.fnmatchcase(finding.resource, resource) or fnmatch.fnmatchcase(finding.name, resource)


def load_accepted(path: Path) -> list[Acceptance]:
    document = yaml.safe_load(path.read_text()) or {}
    accepted = []
    for index, entry in enumerate(document.get("accepted") or []):
        missing = [key for key in ("check", "resource", "reason") if not str(entry.get(key, "")).strip()]
        if missing:
            raise SystemExit(f"scan: {path} entry {index} lacks {', '.join(missing)} (every acceptance needs a reason)")
        accepted.append(Acceptance(entry["check"], entry["resource"], list(entry.get("environments") or []),
                                   entry["reason"].strip()))
    return accepted


def summarise(findings: list[Finding], accepted: list[Acceptance], environment: str, suffix: str) -> dict:
    by_check: dict[str, dict[str, int]] = {}
    unaccepted, accepted_found = [], []
    for finding in findings:
        counts = by_check.setdefault(finding.check, {})
        counts[finding.status] = counts.get(finding.status, 0) + 1
        if finding.status != "FAIL":
            continue
        match = next((entry for entry in accepted if entry.covers(finding, environment, suffix)), None)
        (accepted_found if match else unaccepted).append((finding, match))
    totals: dict[str, int] = {}
    for finding in findings:
        totals[finding.status] = totals.get(finding.status, 0) + 1
    return {
        "totals": totals,
        "by_check": by_check,
        "unaccepted": [vars(finding) for finding, _ in unaccepted],
        "accepted": [dict(vars(finding), reason=match.reason) for finding, match in accepted_found],
    }


def print_report(summary: dict, seconds: float, all_count: int) -> None:
    totals = summary["totals"]
    print(f"\nscan: Prowler took {seconds:.0f} s; {all_count} findings in all, "
          f"{sum(totals.values())} on the environment's resources")
    print("scan: on the environment: " + ", ".join(f"{status} {count}" for status, count in sorted(totals.items())))
    if summary["accepted"]:
        print(f"\nscan: {len(summary['accepted'])} accepted FAIL(s):")
        for item in summary["accepted"]:
            print(f"  {item['check']}  {item['resource'] or item['name']}  -- {item['reason']}")
    if summary["unaccepted"]:
        print(f"\nscan: {len(summary['unaccepted'])} FAIL(s) not in tests/security/prowler-accepted.yaml:")
        for item in sorted(summary["unaccepted"], key=lambda item: (item["check"], item["resource"])):
            print(f"  FAIL {item['check']}  {item['resource'] or item['name']}\n       {item['message']}")
    if summary["known_errors"]:
        print(f"\nscan: {len(summary['known_errors'])} known Prowler error(s) (tests/security/prowler-known-errors.yaml):")
        for group in summary["known_errors"]:
            print(f"  {group['count']}x {group['where']}: {group['message'][:160]}\n       known: {group['why']}")
    if summary["errors"]:
        print(f"\nscan: {len(summary['errors'])} Prowler error(s) nobody explained (a check or service that did not run):")
        for group in summary["errors"]:
            print(f"  {group['count']}x {group['where']}: {group['message'][:300]}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suffix", default=os.environ.get("SUFFIX") or "local")
    parser.add_argument("--environment", default="local", help="the inventory (local is the only one on localaws)")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT)
    parser.add_argument("--prowler", type=Path, default=REPO / "build" / "prowler-venv" / "bin" / "prowler")
    parser.add_argument("--ansible-bin", type=Path, default=REPO / ".venv" / "bin")
    parser.add_argument("--output-dir", type=Path, default=REPO / "build" / "scan")
    parser.add_argument("--accepted", type=Path, default=REPO / "tests" / "security" / "prowler-accepted.yaml")
    parser.add_argument("--known-errors", type=Path,
                        default=REPO / "tests" / "security" / "prowler-known-errors.yaml")
    parser.add_argument("--deploy", action="store_true", help="run site.yml first when the environment is missing")
    parser.add_argument("--outputs-dir", type=Path, help="where a --deploy writes <suffix>.json (default outputs/)")
    parser.add_argument("--services", nargs="+", default=list(SERVICES))
    parser.add_argument("--reuse-output", action="store_true", help="filter the last run's output, do not run Prowler")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    accepted = load_accepted(args.accepted)
    if not environment_exists(args.endpoint, args.suffix):
        if not args.deploy:
            print(f"scan: no environment {args.suffix} on {args.endpoint} (deploy it, or pass --deploy)")
            return 2
        deploy(args.endpoint, args.environment, args.suffix, args.ansible_bin, args.outputs_dir)
    ids = environment_ids(args.endpoint, args.suffix)
    if args.reuse_output:
        rc, seconds, log_file = 0, 0.0, args.output_dir / "prowler.log"
    else:
        rc, seconds, log_file = run_prowler(args.prowler, args.endpoint, args.output_dir, args.services)
    # Prowler exits 3 when it found a FAIL; anything else but 0 means it did not finish.
    if rc not in (0, 3):
        print(f"scan: Prowler exited {rc}; see {log_file}")
        return 2
    records = read_findings(args.output_dir)
    findings = [Finding.from_ocsf(record) for record in records]
    ours = [finding for finding in findings if on_environment(finding, args.suffix, ids)]
    summary = summarise(ours, accepted, args.environment, args.suffix)
    new_errors, known_errors = group_errors(read_errors(log_file), load_known_errors(args.known_errors))
    summary.update(seconds=round(seconds, 1), errors=new_errors, known_errors=known_errors,
                   all_findings=len(findings), suffix=args.suffix)
    (args.output_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print_report(summary, seconds, len(findings))
    ok = not summary["unaccepted"] and not new_errors
    print("\nscan: " + ("PASSED" if ok else "FAILED") + f" (summary in {args.output_dir / 'summary.json'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
