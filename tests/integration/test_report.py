"""The report page (verify.yml's report step, `make report`), rendered by headless Chromium and read from its DOM.

The environment is conftest's verified_environment (test_verify goes on from it after this module; no deploy of
its own). One tampering made through boto3 (the app log group keeps 1 day) gives verify a finding; it is undone
(and read back) before this module ends, so test_verify finds the environment as deployed. Two verify runs:
`--tags report` (what `make report` runs: page written, no failure) and the full verify.yml (fails on the finding,
after its report step wrote the page). The page is rendered with `chromium --headless --dump-dom` and every
assertion about AWS compares it with what boto3 reads from localaws.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from html.parser import HTMLParser

import pytest

CHROMIUM = shutil.which("chromium")
RETENTION_DAYS = 7  # inventories/local's streamflix_log_retention_days
COMPARISONS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "\u2265", "LessThanThreshold": "<",
               "LessThanOrEqualToThreshold": "\u2264"}


class Page(HTMLParser):
    """The rendered DOM: text per element id (svg and tables), table rows as lists of cell texts, every tag name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.texts, self.rows = set(), [], {}, {}
        self._ids, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.attributes.extend((tag, key, value) for key, value in attrs.items())
        if attrs.get("id") and tag in ("svg", "table"):
            self._ids.append((tag, attrs["id"]))
            self.texts.setdefault(attrs["id"], [])
            self.rows.setdefault(attrs["id"], [])
        if tag == "tr" and self._ids:
            self._row = {"class": attrs.get("class"), "cells": []}
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row["cells"] and self._ids[-1][0] == "table":
                self.rows[self._ids[-1][1]].append(self._row)
            self._row = None
        elif self._ids and tag == self._ids[-1][0]:
            self._ids.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _tag, element_id in self._ids:
            self.texts[element_id].append(data)

    def text(self, element_id):
        return "\n".join(self.texts.get(element_id, []))

    def body_rows(self, table_id):
        """The table's rows after its heading row."""
        return self.rows.get(table_id, [])[1:]


def chromium(*args, cwd):
    """Headless Chromium with a profile of its own (other Chromium runs on the machine do not share it)."""
    assert CHROMIUM, "chromium is missing: `make browser` installs Debian's chromium package"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--user-data-dir={0}".format(cwd / "chromium-profile"), *args]
    return subprocess.run(command, cwd=str(cwd), capture_output=True, text=True, timeout=180, check=False)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def app_log_group(aws, suffix):
    name = "/streamflix/{0}/app".format(suffix)
    return name, aws("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]


@pytest.fixture(scope="module")
def report(verified_environment, aws, output_dir, tmp_path_factory):
    suffix = verified_environment["suffix"]
    page = output_dir / "reports" / (suffix + "-report.html")
    name, _group = app_log_group(aws, suffix)
    aws("logs").put_retention_policy(logGroupName=name, retentionInDays=1)
    try:
        assert app_log_group(aws, suffix)[1]["retentionInDays"] == 1
        report_only = verified_environment["verify"]("--tags", "report")  # make report
        report_only_page = page.read_text() if page.is_file() else None
        page.unlink(missing_ok=True)
        full = verified_environment["verify"]()
    finally:
        aws("logs").put_retention_policy(logGroupName=name, retentionInDays=RETENTION_DAYS)
    assert app_log_group(aws, suffix)[1]["retentionInDays"] == RETENTION_DAYS
    work = tmp_path_factory.mktemp("chromium")
    dom = chromium("--dump-dom", page.as_uri(), cwd=work)
    screenshot = work / "report.png"
    shot = chromium("--window-size=1240,2200", "--screenshot={0}".format(screenshot), page.as_uri(), cwd=work)
    parsed = Page()
    parsed.feed(dom.stdout)
    verify_json = json.loads((output_dir / "reports" / (suffix + "-verify.json")).read_text())
    return {"suffix": suffix, "report_only": report_only, "report_only_page": report_only_page, "full": full, "page": page,
            "dom": dom, "html": page.read_text(), "parsed": parsed, "shot": shot, "screenshot": screenshot,
            "verify_json": verify_json, "log_group": name}


def test_make_report_writes_the_page_and_does_not_fail_on_a_finding(report):
    run = report["report_only"]
    assert run.rc == 0 and run.failed == 0 and run.changed == 0, run.describe()
    assert report["report_only_page"] and "log-retention" in report["report_only_page"]


def test_verify_writes_the_page_before_it_fails_on_the_finding(report):
    run = report["full"]
    assert run.rc != 0 and run.changed == 0, run.describe()
    assert "{0} [log-retention]".format(report["log_group"]) in run.error_messages()
    assert report["page"].is_file()


def test_chromium_renders_the_page(report):
    assert report["dom"].returncode == 0, report["dom"].stderr[-2000:]
    assert {"svg", "table"} <= report["parsed"].tags
    assert "architecture" in report["parsed"].texts and "timeline" in report["parsed"].texts


def test_the_page_is_self_contained(report):
    parsed = report["parsed"]
    assert not parsed.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert [a for a in parsed.attributes if a[1] in ("src", "href") or a[1].startswith("on")] == []
    assert "<script" not in report["html"] and "url(http" not in report["html"]


def test_architecture_shows_the_vpc_and_its_subnets_as_boto3_reads_them(report, aws):
    suffix, text = report["suffix"], report["parsed"].text("architecture")
    vpc = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["streamflix-vpc-" + suffix]}])["Vpcs"][0]
    assert "VPC {0}  {1}".format(vpc["VpcId"], vpc["CidrBlock"]) in text
    subnets = aws("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert len(subnets) == 4
    for subnet in subnets:
        assert "{0}  {1}".format(subnet["SubnetId"], subnet["CidrBlock"]) in text
    for zone in {subnet["AvailabilityZone"] for subnet in subnets}:
        for tier in ("public subnet", "private subnet", "data tier"):
            assert "{0}, {1}".format(tier, zone) in text


def test_architecture_shows_the_data_stores_compute_and_edge(report, aws):
    suffix, text = report["suffix"], report["parsed"].text("architecture")
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier="streamflix-aurora-" + suffix)["DBClusters"][0]
    assert "writer " + cluster["Endpoint"] in text and "reader " + cluster["ReaderEndpoint"] in text
    for member in cluster["DBClusterMembers"]:
        instance = aws("rds").describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])["DBInstances"][0]
        assert "Aurora {0} {1}".format("writer" if member["IsClusterWriter"] else "reader", instance["DBInstanceIdentifier"]) in text
    group = aws("elasticache").describe_replication_groups(ReplicationGroupId="streamflix-redis-" + suffix)["ReplicationGroups"][0]
    assert "primary " + group["NodeGroups"][0]["PrimaryEndpoint"]["Address"] in text
    file_system = next(f for f in aws("efs").describe_file_systems()["FileSystems"] if f.get("Name") == "streamflix-efs-" + suffix)
    assert "Amazon EFS " + file_system["FileSystemId"] in text
    for target in aws("efs").describe_mount_targets(FileSystemId=file_system["FileSystemId"])["MountTargets"]:
        assert "EFS mount target " + target["MountTargetId"] in text
    assert "streamflix-ingest-" + suffix in text
    assert "streamflix-jobs-{0}\nDLQ streamflix-jobs-dlq-{0}".format(suffix) in text
    key = aws("kms").describe_key(KeyId="alias/streamflix-" + suffix)["KeyMetadata"]
    assert key["KeyId"] in text
    balancer = aws("elbv2").describe_load_balancers(Names=["streamflix-alb-" + suffix])["LoadBalancers"][0]
    assert "dns " + balancer["DNSName"] in text
    service = aws("ecs").describe_services(cluster="streamflix-cluster-" + suffix, services=["streamflix-service-" + suffix])["services"][0]
    assert "ECS cluster streamflix-cluster-{0} / service {1}".format(suffix, service["serviceName"]) in text
    api = next(a for a in aws("apigateway").get_rest_apis()["items"] if a["name"] == "streamflix-api-" + suffix)
    assert "rest api {0} ".format(api["id"]) in text


def test_findings_table_is_the_audit_with_the_failure_first(report):
    rows = report["parsed"].body_rows("findings")
    findings = report["verify_json"]["findings"]
    assert [(r["cells"][0], r["cells"][1], r["cells"][2]) for r in rows] == [
        (f["status"].upper(), f["rule"], f["resource"]) for f in findings]
    assert (rows[0]["class"], rows[0]["cells"][:3]) == ("fail", ["FAIL", "log-retention", report["log_group"]])
    assert [r["cells"][0] for r in rows[1:]] == ["PASS"] * (len(rows) - 1)
    assert len(rows) > 50
    assert "1 of {0} checks failed".format(len(rows)) in report["dom"].stdout
    # ... and the failed check is listed right under the verdict.
    assert '<ul id="failed"><li><code>{0}</code> [log-retention]: '.format(report["log_group"]) in report["dom"].stdout


def test_alarms_table_has_every_alarm_with_its_threshold_as_cloudwatch_has_it(report, aws):
    prefix = "streamflix-{0}-".format(report["suffix"])
    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])["MetricAlarms"]
    rows = {r["cells"][0]: r["cells"] for r in report["parsed"].body_rows("alarms")}
    assert len(alarms) >= 10 and sorted(rows) == sorted(a["AlarmName"] for a in alarms)
    for alarm in alarms:
        cells = rows[alarm["AlarmName"]]
        assert float(cells[4]) == alarm["Threshold"], (alarm["AlarmName"], cells)
        assert cells[3] == COMPARISONS[alarm["ComparisonOperator"]]
        stats = [m["MetricStat"] for m in alarm.get("Metrics", []) if "MetricStat" in m]  # a metric math alarm
        if stats:
            expression = next(m["Expression"] for m in alarm["Metrics"] if m.get("Expression") and m.get("ReturnData", True))
            assert cells[1].startswith("{0}/{1}".format(stats[0]["Metric"]["Namespace"], stats[0]["Metric"]["MetricName"]))
            assert expression in cells[1]
            period = stats[0]["Period"]
        else:
            assert cells[1].startswith("{0}/{1}".format(alarm["Namespace"], alarm["MetricName"]))
            period = alarm["Period"]
        assert cells[5] == "{0} s \u00d7 {1}".format(period, alarm["EvaluationPeriods"])


def test_timeline_shows_the_deploys_slow_resources(report, aws, output_dir):
    suffix, text = report["suffix"], report["parsed"].text("timeline")
    timeline = json.loads((output_dir / "reports" / (suffix + "-timeline.json")).read_text())
    by_name = {r["resource"]: r for r in timeline["resources"]}
    for name in by_name:  # every resource the deploy's readiness wait recorded is drawn
        assert name in text, name
    # A NAT gateway drawn carries boto3's creation time. (In one full-suite run the readiness timeline listed no
    # NAT gateway, though it passed alone: the gateways are also awaited in the network role's private-routes step.)
    nats = aws("ec2").describe_nat_gateways(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["NatGateways"]
    assert nats
    for nat in nats:
        entry = by_name.get("nat_gateway/" + nat["NatGatewayId"])
        if entry is not None:
            created = nat["CreateTime"].astimezone(tz=None).utctimetuple()
            assert entry["created_at"][:19] == "{0:04d}-{1:02d}-{2:02d}T{3:02d}:{4:02d}:{5:02d}".format(*created[:6])
    members = aws("rds").describe_db_clusters(DBClusterIdentifier="streamflix-aurora-" + suffix)["DBClusters"][0]["DBClusterMembers"]
    for member in members:
        assert "db_instance/" + member["DBInstanceIdentifier"] in text
    assert "replication_group/streamflix-redis-" + suffix in text
    assert "load_balancer/streamflix-alb-" + suffix in text


def test_no_secret_value_is_on_the_page(report, aws):
    html, suffix = report["html"], report["suffix"]
    values = []
    # The app config secret holds connection information (endpoints the page shows), not a credential.
    names = [s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]
             if s["Name"].endswith("-" + suffix) and s["Name"] != "streamflix-app-config-" + suffix]
    assert "streamflix-redis-auth-" + suffix in names and "streamflix-api-keys-" + suffix in names
    for name in names:
        secret = aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
        try:
            parsed = json.loads(secret)
        except ValueError:
            parsed = secret
        if isinstance(parsed, dict):
            values.extend(str(v) for v in parsed.values() if isinstance(v, str) and len(v) >= 12)
        elif isinstance(parsed, list):
            values.extend(str(v) for v in parsed if isinstance(v, str) and len(v) >= 12)
        else:
            values.append(secret)
    assert values
    assert [value for value in values if value in html] == []


def test_screenshot_is_a_real_picture(report):
    assert report["shot"].returncode == 0, report["shot"].stderr[-2000:]
    assert png_size(report["screenshot"]) == (1240, 2200)
    # A blank page of that size compresses to a few kilobytes; the diagram and tables make far more.
    assert report["screenshot"].stat().st_size > 60000
    print("report screenshot: {0} ({1} bytes)".format(report["screenshot"], report["screenshot"].stat().st_size))
