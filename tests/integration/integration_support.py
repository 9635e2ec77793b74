"""Helpers of the integration tests: playbook runs, boto3 clients, and the state of an environment.

The playbooks run as `ansible-playbook` subprocesses from the repository root, exactly as a person runs
them; every assertion about AWS state goes through boto3 against the same localaws, never through the
playbook's own output (DESIGN.md, "Tests").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import boto3
import botocore.exceptions
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
REGION = "us-east-1"
PROJECT = "streamflix"
STANDARD_TAGS = {"Project": "streamflix", "ManagedBy": "ansible", "CostCenter": "media-local"}
PLAYBOOK_TIMEOUT_SECONDS = 900
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


# Every playbook run of the session, for the timing summary conftest.py prints at the end.
RUNS: list = []


# The one resource shared by every environment of an account (roles/api): no suffix, kept by teardown.
SHARED_API_LOGS_ROLE = "streamflix-apigw-cloudwatch"


def unique_suffix(prefix: str = "it") -> str:
    """A valid environment suffix no other test uses: lower-case, starts with a letter, short."""
    return prefix + secrets.token_hex(3)


# ---------------------------------------------------------------------------------------------------------
# localaws and boto3


def make_client(endpoint_url: str, service: str, region: str = REGION):
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="localaws",
        aws_secret_access_key="localaws",
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )


def client_factory(endpoint_url: str, region: str = REGION):
    """factory("ec2") -> a cached boto3 client of one region of localaws (the `aws` fixture: us-east-1)."""
    cache = {}

    def factory(service: str):
        if service not in cache:
            cache[service] = make_client(endpoint_url, service, region)
        return cache[service]

    return factory


# ---------------------------------------------------------------------------------------------------------
# Running playbooks


@dataclass
class PlaybookRun:
    args: list
    rc: int
    output: str
    recap: dict  # ok/changed/unreachable/failed/skipped/rescued/ignored summed over hosts; {} if no recap
    seconds: float = 0.0  # wall time, for diagnostics only: tests never assert on it

    @property
    def changed(self) -> int:
        return self.recap.get("changed", -1)

    @property
    def failed(self) -> int:
        return self.recap.get("failed", -1)

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.output.splitlines()[-lines:])

    def flat_output(self) -> str:
        """The output with the callback's line wrapping undone, for searching messages."""
        return re.sub(r"\s+", " ", self.output)

    def error_messages(self) -> str:
        """Only what the run says went wrong: `[ERROR]:` texts and the `msg:` of failed results, unwrapped.

        The whole output is no good for "does the message name the variable": a failed validate_argument_spec
        result dumps the role's entire spec, which names every variable.
        """
        found, lines, index = [], self.output.splitlines(), 0
        while index < len(lines):
            line = lines[index]
            error = re.match(r"^\[ERROR\]: ?(.*)$", line)
            key = re.match(r"^(\s*)msg: ?(.*)$", line)
            if error:
                text = [error.group(1)]
                index += 1
                while index < len(lines) and lines[index].strip() and not lines[index].startswith("Origin:"):
                    text.append(lines[index])
                    index += 1
                found.append(" ".join(part.strip() for part in text))
                continue
            if key and self._in_failed_result(lines, index):
                indent, text = len(key.group(1)), [key.group(2)]
                index += 1
                while index < len(lines) and (len(lines[index]) - len(lines[index].lstrip()) > indent or not lines[index].strip()):
                    text.append(lines[index])
                    index += 1
                found.append(" ".join(part.strip() for part in text if part.strip()))
                continue
            index += 1
        return "\n".join(found)

    @staticmethod
    def _in_failed_result(lines, index) -> bool:
        """Whether lines[index] belongs to a `fatal:`/`failed:` result block (the nearest result header above)."""
        for line in reversed(lines[:index]):
            if re.match(r"^(fatal|failed|ok|changed|skipping|included): \[", line) or line.startswith("TASK ["):
                return line.startswith(("fatal:", "failed:"))
        return False

    def changed_tasks(self) -> list:
        """The names of the tasks that reported a change (once each, in order)."""
        names, task = [], None
        for line in self.output.splitlines():
            header = re.match(r"^TASK \[(.*)\] \**$", line)
            if header:
                task = header.group(1)
            elif line.startswith("changed: [") and task and task not in names:
                names.append(task)
        return names

    def describe(self) -> str:
        return "ansible-playbook {0}\nrc={1} after {2:.0f}s recap={3} changed tasks={4}\n--- output tail ---\n{5}".format(
            " ".join(self.args), self.rc, self.seconds, self.recap, self.changed_tasks(), self.tail()
        )


def parse_recap(output: str) -> dict:
    totals = {}
    for match in RECAP_LINE.finditer(output):
        for key, value in match.groupdict().items():
            if key != "host":
                totals[key] = totals.get(key, 0) + int(value)
    return totals


def run_playbook(
    endpoint_url: str, playbook: str, suffix: str | None, extra: Sequence[str] = (), outputs_dir: str | None = None,
    output_dir: str | None = None, inventory: str = "inventories/local", cwd: str | None = None, env_changes: dict | None = None,
    on_line: Callable[[str], None] | None = None,
) -> PlaybookRun:
    """Run playbooks/<playbook>.yml against localaws from the repository root, as a person would.

    output_dir (streamflix_output_dir) or outputs_dir (the outputs role's own directory) keep <suffix>.json and the
    reports out of the checkout (outputs/ and reports/ are for people's runs). cwd runs from another directory, with
    the inventory and playbook named by absolute path; env_changes sets variables, or removes those given None.
    on_line is called with each output line as the run prints it (to act on AWS when a given task starts).
    """
    if cwd is None:
        args = ["-i", inventory, "playbooks/{0}.yml".format(playbook)]
    else:
        args = ["-i", str(REPO / inventory), str(REPO / "playbooks" / (playbook + ".yml"))]  # REPO / an absolute path is that path
    if suffix is not None:
        args += ["-e", "streamflix_env_suffix={0}".format(suffix)]
    if outputs_dir is not None:
        args += ["-e", json.dumps({"outputs_dir": str(outputs_dir)})]
    if output_dir is not None:
        args += ["-e", json.dumps({"streamflix_output_dir": str(output_dir)})]
    args += list(extra)
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint_url,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        # Every task's banner and result, as the default callback prints them: tests find tasks by their banners.
        ANSIBLE_DISPLAY_OK_HOSTS="true",
        ANSIBLE_DISPLAY_SKIPPED_HOSTS="true",
        PY_COLORS="0",
    )
    # Never let a developer's real AWS settings leak into a run against localaws.
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        env.pop(key, None)
    for key, value in (env_changes or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    started = time.monotonic()
    if on_line is None:
        proc = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), *args],
            cwd=str(REPO if cwd is None else cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=PLAYBOOK_TIMEOUT_SECONDS,
        )
        rc, output = proc.returncode, proc.stdout
    else:
        rc, output = _run_reading_lines([str(ANSIBLE_PLAYBOOK), *args], str(REPO if cwd is None else cwd), env, on_line)
    run = PlaybookRun(args=args, rc=rc, output=output, recap=parse_recap(output), seconds=time.monotonic() - started)
    RUNS.append(run)
    return run


def _run_reading_lines(command: list, cwd: str, env: dict, on_line: Callable[[str], None]) -> tuple[int, str]:
    """(rc, output) of ``command``, calling on_line with each line as it comes (Ansible flushes every message).

    An on_line that raises stops nothing: the run goes on to its end, then the error is raised."""
    lines, error = [], None
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        killer = threading.Timer(PLAYBOOK_TIMEOUT_SECONDS, proc.kill)
        killer.start()
        try:
            for line in proc.stdout:
                lines.append(line)
                if error is None:
                    try:
                        on_line(line.rstrip("\n"))
                    except Exception as e:  # noqa: BLE001 - raised once the run has ended
                        error = e
        finally:
            killer.cancel()
        rc = proc.wait()
    if error is not None:
        raise error
    return rc, "".join(lines)


def assert_succeeded(run: PlaybookRun) -> PlaybookRun:
    assert run.rc == 0 and run.failed == 0 and run.recap.get("unreachable", 0) == 0, (
        "playbook failed unexpectedly:\n" + run.describe()
    )
    return run


# ---------------------------------------------------------------------------------------------------------
# Reading state back


def tag_dict(tags) -> dict:
    """EC2-style [{'Key','Value'}], KMS-style [{'TagKey','TagValue'}] or a plain dict, as a dict."""
    if isinstance(tags, dict):
        return dict(tags)
    result = {}
    for tag in tags or []:
        if "Key" in tag:
            result[tag["Key"]] = tag["Value"]
        else:
            result[tag["TagKey"]] = tag["TagValue"]
    return result


def normalise(value):
    """A comparable form of an AWS description: tag lists become dicts, lists become order-free."""
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and set(item) == {"Key", "Value"} for item in value):
            return tag_dict(value)
        items = [normalise(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _pages(client, operation: str, key: str, **kwargs) -> list:
    if client.can_paginate(operation):
        items = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items += page.get(key, [])
        return items
    return getattr(client, operation)(**kwargs).get(key, [])


def _mentions(tags, suffix: str) -> bool:
    tags = tag_dict(tags)
    name = tags.get("Name", "")
    return tags.get("Environment") == suffix or name.endswith("-" + suffix) or ("-" + suffix + "-") in name


def _vpc_of(item) -> str | None:
    if "VpcId" in item:
        return item["VpcId"]
    attachments = item.get("Attachments") or [{}]
    return attachments[0].get("VpcId")


def _ec2_by_tag_or_vpc(ec2, operation, key, id_key, suffix, vpc_ids):
    """Filtered here rather than by the server: moto ignores some tag filters (NAT gateways)."""
    return {
        item[id_key]: item
        for item in _pages(ec2, operation, key)
        if _mentions(item.get("Tags"), suffix) or _vpc_of(item) in vpc_ids
    }


def kms_keys(aws, suffix: str | None = None) -> dict:
    """Every KMS key (optionally only those tagged Environment=suffix) -> (metadata, tags)."""
    kms = aws("kms")
    keys = {}
    for key in _pages(kms, "list_keys", "Keys"):
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") != "CUSTOMER":
            continue
        tags = tag_dict(_pages(kms, "list_resource_tags", "Tags", KeyId=key["KeyId"]))
        if suffix is None or tags.get("Environment") == suffix:
            keys[key["KeyId"]] = (metadata, tags)
    return keys


def snapshot(aws, suffix: str) -> dict:
    """Everything on localaws tagged Environment=<suffix> or named after the suffix, in comparable form.

    Keys are resource kinds, values map resource id -> normalised description. An empty environment gives
    a snapshot whose every value is empty (see is_empty). KMS keys scheduled for deletion are left out: that
    is what teardown does to a key; aliases and everything else must be gone.
    """
    ec2, logs, iam, kms = aws("ec2"), aws("logs"), aws("iam"), aws("kms")
    state = {}

    vpcs = {vpc["VpcId"]: vpc for vpc in _pages(ec2, "describe_vpcs", "Vpcs") if _mentions(vpc.get("Tags"), suffix)}
    state["vpcs"] = vpcs
    vpc_ids = set(vpcs)
    for vpc_id in vpc_ids:
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
            vpcs[vpc_id] = dict(vpcs[vpc_id], **{attribute: next(v for k, v in answer.items() if k.startswith("Enable"))})
    state["subnets"] = _ec2_by_tag_or_vpc(ec2, "describe_subnets", "Subnets", "SubnetId", suffix, vpc_ids)
    state["internet_gateways"] = _ec2_by_tag_or_vpc(
        ec2, "describe_internet_gateways", "InternetGateways", "InternetGatewayId", suffix, vpc_ids
    )
    nats = _ec2_by_tag_or_vpc(ec2, "describe_nat_gateways", "NatGateways", "NatGatewayId", suffix, vpc_ids)
    state["nat_gateways"] = {key: nat for key, nat in nats.items() if nat["State"] not in ("deleted", "deleting")}
    state["eips"] = {
        address["AllocationId"]: address
        for address in ec2.describe_addresses()["Addresses"]
        if _mentions(address.get("Tags"), suffix)
    }
    state["route_tables"] = _ec2_by_tag_or_vpc(ec2, "describe_route_tables", "RouteTables", "RouteTableId", suffix, vpc_ids)
    state["security_groups"] = {
        group["GroupId"]: group
        for group in _pages(ec2, "describe_security_groups", "SecurityGroups")
        if _mentions(group.get("Tags"), suffix) or group["VpcId"] in vpc_ids or group["GroupName"].endswith("-" + suffix)
    }
    state["flow_logs"] = {
        flow_log["FlowLogId"]: flow_log
        for flow_log in _pages(ec2, "describe_flow_logs", "FlowLogs")
        if flow_log.get("ResourceId") in vpc_ids
        or _mentions(flow_log.get("Tags"), suffix)
        or flow_log.get("LogGroupName", "").startswith("/{0}/{1}/".format(PROJECT, suffix))
    }
    log_groups = {}
    for group in _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix="/{0}/{1}/".format(PROJECT, suffix)):
        group = dict(group)
        group["tags"] = logs.list_tags_for_resource(resourceArn=group["logGroupArn"]).get("tags", {})
        group.pop("storedBytes", None)
        log_groups[group["logGroupName"]] = group
    # The groups other services name: the Aurora cluster's export group, and the API stage's execution group
    # (named by the API id, so it is found by its Environment tag).
    for prefix in ("/aws/rds/cluster/{0}-aurora-{1}/".format(PROJECT, suffix), "API-Gateway-Execution-Logs_"):
        for group in _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
            group = dict(group)
            group["tags"] = logs.list_tags_for_resource(resourceArn=group["logGroupArn"]).get("tags", {})
            group.pop("storedBytes", None)
            if prefix.startswith("/aws/rds/") or group["tags"].get("Environment") == suffix:
                log_groups[group["logGroupName"]] = group
    state["log_groups"] = log_groups
    rds = aws("rds")
    parameter_group_name = re.compile(r"^{0}-aurora-{1}-pg[0-9]+$".format(PROJECT, re.escape(suffix)))
    state["db_cluster_parameter_groups"] = {
        group["DBClusterParameterGroupName"]: dict(
            group,
            Parameters={
                p["ParameterName"]: p.get("ParameterValue")
                for p in _pages(rds, "describe_db_cluster_parameters", "Parameters",
                                DBClusterParameterGroupName=group["DBClusterParameterGroupName"], Source="user")
            },
        )
        for group in _pages(rds, "describe_db_cluster_parameter_groups", "DBClusterParameterGroups")
        if parameter_group_name.match(group["DBClusterParameterGroupName"])
    }
    role_name = re.compile(r"^{0}-[a-z0-9-]+-{1}$".format(PROJECT, re.escape(suffix)))
    roles = {}
    for role in _pages(iam, "list_roles", "Roles"):
        if role_name.match(role["RoleName"]):
            name = role["RoleName"]
            role = dict(iam.get_role(RoleName=name)["Role"])
            role.pop("RoleLastUsed", None)
            role["InlinePolicies"] = {
                policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
            }
            role["AttachedPolicies"] = _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
            roles[name] = role
    state["iam_roles"] = roles
    state["kms_aliases"] = {
        alias["AliasName"]: alias
        for alias in _pages(kms, "list_aliases", "Aliases")
        if alias["AliasName"] == "alias/{0}-{1}".format(PROJECT, suffix)
    }
    keys = {}
    for key_id, (metadata, tags) in kms_keys(aws, suffix).items():
        if metadata["KeyState"] == "PendingDeletion":
            continue
        keys[key_id] = dict(
            metadata,
            Tags=tags,
            RotationEnabled=kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
            Policy=json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]),
        )
    state["kms_keys"] = keys
    state.update(edge_resources(aws, suffix))
    state["tagged"] = tagged_elsewhere(aws, suffix, keys_pending_deletion={
        metadata["Arn"] for metadata, _tags in kms_keys(aws, suffix).values() if metadata["KeyState"] == "PendingDeletion"
    })
    return normalise(state)


def edge_resources(aws, suffix: str) -> dict:
    """The environment's S3 buckets (streamflix-<component>-<suffix>-<account>), usage plan and API keys (never
    their values): the tagging API of localaws does not list them."""
    bucket_name = re.compile(r"^{0}-[a-z0-9-]+-{1}(-[0-9]{{12}})?$".format(PROJECT, re.escape(suffix)))
    apigw, api_name = aws("apigateway"), "{0}-api-{1}".format(PROJECT, suffix)
    return {
        "s3_buckets": {b["Name"]: b for b in aws("s3").list_buckets()["Buckets"] if bucket_name.match(b["Name"])},
        "usage_plans": {p["id"]: p for p in _pages(apigw, "get_usage_plans", "items") if p["name"] == api_name},
        "api_keys": {
            key["id"]: {"name": key["name"], "enabled": key.get("enabled")}
            for key in _pages(apigw, "get_api_keys", "items") if key["name"].startswith(api_name + "-")
        },
    }


def tagged_elsewhere(aws, suffix: str, keys_pending_deletion=frozenset()) -> dict:
    """ARN -> tags of everything the Resource Groups Tagging API finds with Environment=<suffix>.

    This catches what the kinds above do not list (the resources of later roles: secrets, queues, ...), so a
    teardown that forgets one is noticed. Scheduled key deletions and deleted NAT gateways are not leftovers.
    """
    ec2 = aws("ec2")
    found = {}
    for mapping in _pages(
        aws("resourcegroupstaggingapi"), "get_resources", "ResourceTagMappingList",
        TagFilters=[{"Key": "Environment", "Values": [suffix]}],
    ):
        arn = mapping["ResourceARN"]
        if arn in keys_pending_deletion:
            continue
        if ":natgateway/" in arn:
            nat_id = arn.rsplit("/", 1)[1]
            try:
                nats = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"]
            except botocore.exceptions.ClientError:
                nats = []
            if not nats or nats[0]["State"] in ("deleted", "deleting"):
                continue
        found[arn] = tag_dict(mapping.get("Tags"))
    return found


def lift_deletion_protection(aws, suffix: str) -> None:
    """A test turned the Aurora cluster's deletion protection on; lift it so the (unprotected) environment can go."""
    aws("rds").modify_db_cluster(DBClusterIdentifier="streamflix-aurora-" + suffix, DeletionProtection=False, ApplyImmediately=True)


def is_empty(state: dict) -> bool:
    return all(not resources for resources in state.values())


def leftovers(state: dict) -> dict:
    return {kind: sorted(resources) for kind, resources in state.items() if resources}


def global_counts(aws) -> dict:
    """Ids of everything on the whole localaws that a deploy would add to, for 'nothing was created'."""
    ec2, logs, iam, kms = aws("ec2"), aws("logs"), aws("iam"), aws("kms")
    return {
        "vpcs": sorted(vpc["VpcId"] for vpc in _pages(ec2, "describe_vpcs", "Vpcs")),
        "subnets": sorted(subnet["SubnetId"] for subnet in _pages(ec2, "describe_subnets", "Subnets")),
        "security_groups": sorted(group["GroupId"] for group in _pages(ec2, "describe_security_groups", "SecurityGroups")),
        "internet_gateways": sorted(
            igw["InternetGatewayId"] for igw in _pages(ec2, "describe_internet_gateways", "InternetGateways")
        ),
        "nat_gateways": sorted(nat["NatGatewayId"] for nat in _pages(ec2, "describe_nat_gateways", "NatGateways")),
        "eips": sorted(address["AllocationId"] for address in ec2.describe_addresses()["Addresses"]),
        "route_tables": sorted(table["RouteTableId"] for table in _pages(ec2, "describe_route_tables", "RouteTables")),
        "flow_logs": sorted(flow["FlowLogId"] for flow in _pages(ec2, "describe_flow_logs", "FlowLogs")),
        "log_groups": sorted(group["logGroupName"] for group in _pages(logs, "describe_log_groups", "logGroups")),
        "iam_roles": sorted(role["RoleName"] for role in _pages(iam, "list_roles", "Roles")),
        "kms_keys": sorted(key["KeyId"] for key in _pages(kms, "list_keys", "Keys")),
        "kms_aliases": sorted(alias["AliasName"] for alias in _pages(kms, "list_aliases", "Aliases")),
        "s3_buckets": sorted(bucket["Name"] for bucket in aws("s3").list_buckets()["Buckets"]),
        "usage_plans": sorted(plan["id"] for plan in _pages(aws("apigateway"), "get_usage_plans", "items")),
        "api_keys": sorted(key["id"] for key in _pages(aws("apigateway"), "get_api_keys", "items")),
        "db_cluster_parameter_groups": sorted(
            group["DBClusterParameterGroupName"]
            for group in _pages(aws("rds"), "describe_db_cluster_parameter_groups", "DBClusterParameterGroups")
        ),
    }
