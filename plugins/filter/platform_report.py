# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: platform_report
short_description: Render an environment's report as one self-contained HTML page
version_added: 0.1.0
description:
  - Renders the page verify.yml's report step writes to C(reports/<suffix>-report.html) - the verdict and the failed
    checks, an architecture diagram (inline SVG) of what is deployed (VPC and CIDR, public, private and data tiers per
    availability zone, the data stores, compute and edge, with their ids and endpoints), the alarms with their
    thresholds, the last deploy's slow-resource timeline (inline SVG) when one was recorded, and every verify finding.
  - Self-contained - inline CSS and SVG, no script, no external asset. Every value is HTML-escaped.
  - Only the fields it names are shown (ids, names, endpoints, numbers); secret values are never in its input (the
    outputs file and the audit hold none), and it prints no secret ARN either.
options:
  _input:
    description:
      - C(outputs), the outputs file's content (outputs/<suffix>.json), or null when there is none.
      - C(verify), what the audit returned - C(summary), C(findings), C(placement), C(alarms), and C(checked_at).
      - C(timeline), reports/<suffix>-timeline.json's content (the readiness role writes it), or null.
      - C(environment), C(suffix), C(region), C(account_id) and C(generated_at) for the heading.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the report
  ansible.builtin.copy:
    content: "{{ {'outputs': outputs, 'verify': audit, 'timeline': none, 'suffix': 'dev'} | streamflix.media_platform.platform_report }}"
    dest: reports/dev-report.html
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The HTML page.
  type: str
"""

import datetime
from html import escape

COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": "\u2265",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "\u2264",
}

CSS = """
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;margin:24px;color:#1f2933;background:#f7f9fb}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #cbd2d9;padding-bottom:4px}
.meta{color:#52606d;font-size:13px;margin-bottom:12px}.meta span{margin-right:18px}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:bold;font-size:13px}
.badge.pass{background:#e3f9e5;color:#1f7a3a}.badge.fail{background:#ffe3e3;color:#b42318}
table{border-collapse:collapse;background:#fff;font-size:12.5px;width:100%}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#fff1f0}td.status-fail{color:#b42318;font-weight:bold}td.status-pass{color:#1f7a3a}
td.state-ALARM{color:#b42318;font-weight:bold}code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.note{color:#52606d;font-size:13px;font-style:italic}#failed{color:#b42318;font-size:13px;margin:8px 0}
svg{background:#fff;border:1px solid #d9e2ec;max-width:100%;height:auto}
"""

FONT = 'font-family="DejaVu Sans,Liberation Sans,Arial,sans-serif"'


def _e(value):
    return escape("-" if value is None or value == "" else str(value), quote=True)


def _text(x, y, value, size=11, width=None, weight=None, anchor=None, fill="#1f2933", mono=False):
    """An SVG text, squeezed (textLength) when it would be wider than ``width``."""
    content = "-" if value is None or value == "" else str(value)
    attrs = ['x="{0:.0f}"'.format(x), 'y="{0:.0f}"'.format(y), 'font-size="{0}"'.format(size), 'fill="{0}"'.format(fill)]
    attrs.append('font-family="DejaVu Sans Mono,monospace"' if mono else FONT)
    if weight:
        attrs.append('font-weight="{0}"'.format(weight))
    if anchor:
        attrs.append('text-anchor="{0}"'.format(anchor))
    estimate = len(content) * size * (0.61 if mono else 0.58)
    if width is not None and estimate > width:
        attrs.append('textLength="{0:.0f}" lengthAdjust="spacingAndGlyphs"'.format(width))
    return "<text {0}>{1}</text>".format(" ".join(attrs), escape(content, quote=True))


def _box(x, y, w, h, fill, stroke, dash=False, radius=6):
    return '<rect x="{0:.0f}" y="{1:.0f}" width="{2:.0f}" height="{3:.0f}" rx="{4}" fill="{5}" stroke="{6}"{7}/>'.format(
        x, y, w, h, radius, fill, stroke, ' stroke-dasharray="6 4"' if dash else "")


def _card(x, y, w, lines, fill="#ffffff", stroke="#7b8794", title_fill="#1f2933"):
    """A box with a bold title line and monospace detail lines; returns (svg, height)."""
    height = 22 + 15 * (len(lines) - 1) + 8
    parts = [_box(x, y, w, height, fill, stroke)]
    parts.append(_text(x + 8, y + 16, lines[0], size=12, width=w - 16, weight="bold", fill=title_fill))
    for index, line in enumerate(lines[1:]):
        parts.append(_text(x + 8, y + 32 + 15 * index, line, size=10.5, width=w - 16, mono=True))
    return "".join(parts), height


def _section(d, key):
    value = (d or {}).get(key)
    return value if isinstance(value, dict) else {}


def architecture_svg(outputs, placement):
    """The deployed architecture: edge, the VPC with one column per zone (public, private, data tiers), the stores."""
    outputs = outputs or {}
    placement = placement or {}
    network, compute, api = _section(outputs, "network"), _section(outputs, "compute"), _section(outputs, "api")
    database, cache, storage = _section(outputs, "database"), _section(outputs, "cache"), _section(outputs, "storage")
    streaming, security, monitoring = _section(outputs, "streaming"), _section(outputs, "security"), _section(outputs, "monitoring")
    subnets = placement.get("subnets") or []
    zones = sorted(set(s.get("az") for s in subnets if s.get("az")) | set(network.get("availability_zones") or []))
    zones = zones or ["(no zone)"]
    width, margin = 1180, 20
    parts = []

    # Edge: clients -> API Gateway -> the ALB in the VPC.
    y = margin
    edge, edge_h = _card(margin + 300, y, 560, [
        "API Gateway (edge): " + str(api.get("api_name") or "-"),
        "rest api {0}  stage {1}".format(api.get("rest_api_id") or "-", api.get("stage_name") or "-"),
        str(api.get("invoke_url") or "-"),
    ], fill="#fff8e6", stroke="#d69e2e")
    parts.append(edge)
    parts.append(_box(margin, y, 200, edge_h, "#f0f4f8", "#9aa5b1"))
    parts.append(_text(margin + 100, y + edge_h / 2 + 4, "Clients (API key)", size=12, anchor="middle"))
    parts.append('<line x1="{0}" y1="{1:.0f}" x2="{2}" y2="{1:.0f}" stroke="#52606d" stroke-width="2" marker-end="url(#arrow)"/>'.format(
        margin + 200, y + edge_h / 2, margin + 298))
    y += edge_h + 18

    # The VPC, one column per zone.
    vpc_x, vpc_w = margin, width - 2 * margin
    column_w = (vpc_w - 20 - 10 * (len(zones) - 1)) / len(zones)
    vpc_top = y
    inner = []
    cy = vpc_top + 34
    # The ALB spans the public tier, the ECS service the private tier.
    alb, alb_h = _card(vpc_x + 10, cy, vpc_w - 20, [
        "Application Load Balancer " + str(compute.get("alb_arn_suffix") or ""),
        "dns {0}".format(compute.get("alb_dns_name") or "-"),
    ], fill="#eaf4ff", stroke="#3b82c4")
    inner.append(alb)
    parts_arrow_to_alb = (vpc_x + 10 + (vpc_w - 20) / 2, cy)
    cy += alb_h + 8

    def tier_row(top, tier, fill, stroke, extra_lines):
        row, tallest = [], 0
        for index, zone in enumerate(zones):
            x = vpc_x + 10 + index * (column_w + 10)
            lines = ["{0} subnet, {1}".format(tier, zone)]
            for subnet in [s for s in subnets if s.get("az") == zone and s.get("tier") == tier]:
                lines.append("{0}  {1}".format(subnet.get("id"), subnet.get("cidr") or ""))
            if len(lines) == 1:
                lines.append("(none)")
            lines.extend(extra_lines(zone))
            card, h = _card(x, top, column_w, lines, fill=fill, stroke=stroke)
            row.append(card)
            tallest = max(tallest, h)
        return row, tallest

    nat_ids = network.get("nat_gateway_ids") or []
    row, h = tier_row(cy, "public", "#effaf3", "#2f9e5f", lambda zone: [])
    inner.extend(row)
    cy += h + 6
    if nat_ids:
        inner.append(_text(vpc_x + 14, cy + 10, "NAT gateways: " + ", ".join(nat_ids), size=10.5, width=vpc_w - 30, mono=True))
        cy += 18

    service, service_h = _card(vpc_x + 10, cy, vpc_w - 20, [
        "ECS cluster {0} / service {1}".format(compute.get("cluster_name") or "-", compute.get("service_name") or "-"),
        "Fargate tasks {0}-{1} in the private subnets; task definition {2}".format(
            compute.get("min_tasks", "-"), compute.get("max_tasks", "-"), compute.get("task_definition_arn") or "-"),
    ], fill="#f3efff", stroke="#7c5cc4")
    inner.append(service)
    cy += service_h + 8

    mount_targets = placement.get("efs_mount_targets") or []
    row, h = tier_row(cy, "private", "#f5f7fa", "#616e7c", lambda zone: [
        "EFS mount target " + t.get("id") for t in mount_targets if t.get("az") == zone])
    inner.extend(row)
    cy += h + 8

    # The data tier: Aurora and Redis members in each zone (they live in the private subnets).
    aurora = placement.get("aurora_instances") or []
    redis = placement.get("redis_nodes") or []
    data_rows, tallest = [], 0
    for index, zone in enumerate(zones):
        x = vpc_x + 10 + index * (column_w + 10)
        lines = ["data tier, " + zone]
        lines += ["Aurora {0} {1}".format(i.get("role"), i.get("id")) for i in aurora if i.get("az") == zone]
        lines += ["Redis {0} {1}".format(n.get("role"), n.get("id")) for n in redis if n.get("az") == zone]
        if len(lines) == 1:
            lines.append("(none)")
        card, h = _card(x, cy, column_w, lines, fill="#fff5f5", stroke="#c05656")
        data_rows.append(card)
        tallest = max(tallest, h)
    inner.extend(data_rows)
    cy += tallest + 8

    half = (vpc_w - 30) / 2
    aurora_card, ah = _card(vpc_x + 10, cy, half, [
        "Aurora PostgreSQL Serverless v2: " + str(database.get("cluster_identifier") or "-"),
        "writer " + str(database.get("writer_endpoint") or "-"),
        "reader " + str(database.get("reader_endpoint") or "-"),
        "port {0}  database {1}".format(database.get("port", "-"), database.get("database_name") or "-"),
    ], fill="#fff5f5", stroke="#c05656")
    redis_card, rh = _card(vpc_x + 20 + half, cy, half, [
        "ElastiCache Redis: " + str(cache.get("replication_group_id") or "-"),
        "primary " + str(cache.get("primary_endpoint") or "-"),
        "reader " + str(cache.get("reader_endpoint") or "-"),
        "port {0}  (TLS, AUTH)".format(cache.get("port", "-")),
    ], fill="#fff5f5", stroke="#c05656")
    inner.extend([aurora_card, redis_card])
    cy += max(ah, rh) + 10

    vpc_h = cy - vpc_top
    parts.append(_box(vpc_x, vpc_top, vpc_w, vpc_h, "#fbfdff", "#2b6cb0", dash=True, radius=10))
    parts.append(_text(vpc_x + 10, vpc_top + 20, "VPC {0}  {1}  (region {2})".format(
        placement.get("vpc_id") or network.get("vpc_id") or "-", placement.get("vpc_cidr") or network.get("vpc_cidr") or "-",
        outputs.get("region") or "-"), size=13, weight="bold", width=vpc_w - 20, fill="#2b6cb0"))
    parts.extend(inner)
    parts.append('<line x1="{0:.0f}" y1="{1:.0f}" x2="{2:.0f}" y2="{3:.0f}" stroke="#52606d" stroke-width="2" marker-end="url(#arrow)"/>'.format(
        margin + 580, vpc_top - 18, parts_arrow_to_alb[0], parts_arrow_to_alb[1] - 2))
    y = cy + 14

    # Regional services outside the VPC.
    parts.append(_text(margin, y + 4, "Regional services (reached through the VPC's NAT or endpoints)", size=12, weight="bold"))
    y += 12
    cards = [
        (["Amazon EFS " + str(storage.get("file_system_id") or "-"), "access point " + str(storage.get("access_point_id") or "-")],
         "#f5f7fa", "#616e7c"),
        (["Kinesis stream", str(streaming.get("stream_name") or "-")], "#eefaff", "#0b7285"),
        (["SQS jobs queue + DLQ", str(streaming.get("queue_name") or "-"), "DLQ " + str(streaming.get("dlq_name") or "-")],
         "#eefaff", "#0b7285"),
        (["KMS key " + str(security.get("kms_alias") or "-"), str(security.get("kms_key_id") or "-")], "#fffbea", "#b7791f"),
        (["Alarms (SNS topic)", str((monitoring.get("topic_arn") or "-").split(":")[-1]),
          "{0} alarms".format(len(monitoring.get("alarm_names") or []))], "#fffbea", "#b7791f"),
    ]
    card_w = (width - 2 * margin - 4 * 10) / 5
    tallest = 0
    for index, (lines, fill, stroke) in enumerate(cards):
        card, h = _card(margin + index * (card_w + 10), y, card_w, lines, fill=fill, stroke=stroke)
        parts.append(card)
        tallest = max(tallest, h)
    height = y + tallest + margin
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" id="architecture" width="{0}" height="{1:.0f}" viewBox="0 0 {0} {1:.0f}"'
            ' role="img" aria-label="Architecture">{2}{3}</svg>').format(width, height, defs, "".join(parts))


def _parse_time(value):
    if not value:
        return None
    text = str(value).rstrip("Z")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def _seconds(value):
    minutes, seconds = divmod(int(round(value)), 60)
    return "{0}m{1:02d}s".format(minutes, seconds) if minutes else "{0}s".format(seconds)


def timeline_svg(timeline):
    """One row per slow resource: a bar from its creation to when the readiness wait saw it ready."""
    resources = [dict(r) for r in (timeline.get("resources") or [])]
    for resource in resources:
        resource["_created"], resource["_ready"] = _parse_time(resource.get("created_at")), _parse_time(resource.get("ready_at"))
    moments = [m for r in resources for m in (r["_created"], r["_ready"]) if m is not None]
    started = _parse_time(timeline.get("started_at"))
    if started is not None:
        moments.append(started)
    if not moments:
        return None
    first, last = min(moments), max(moments)
    span = max((last - first).total_seconds(), 1.0)
    label_w, width, row_h, top = 330, 1180, 24, 30
    plot_w = width - label_w - 100

    def x_of(moment):
        return label_w + (moment - first).total_seconds() / span * plot_w

    parts = [_text(label_w, 18, "0s", size=10, fill="#52606d"),
             _text(label_w + plot_w, 18, _seconds(span), size=10, anchor="end", fill="#52606d")]
    for index, resource in enumerate(resources):
        y = top + index * row_h
        parts.append(_text(8, y + 15, resource.get("resource"), size=11, width=label_w - 16, mono=True))
        created, ready = resource["_created"], resource["_ready"]
        if created is not None and ready is not None:
            x1, x2 = x_of(created), x_of(ready)
            fill = "#93c5fd" if resource.get("ready_at_first_look") else "#2b6cb0"
            parts.append(_box(x1, y + 4, max(x2 - x1, 3), 14, fill, fill, radius=3))
            note = _seconds((ready - created).total_seconds())
            if resource.get("ready_at_first_look"):
                note = "\u2264 " + note + " (ready at the first look)"
            parts.append(_text(min(x2 + 6, width - 95), y + 15, note, size=10, fill="#52606d"))
        elif ready is not None:
            parts.append('<circle cx="{0:.0f}" cy="{1}" r="5" fill="#2b6cb0"/>'.format(x_of(ready), y + 11))
            parts.append(_text(min(x_of(ready) + 8, width - 95), y + 15, "ready (no creation time from the API)", size=10, fill="#52606d"))
        else:
            parts.append(_text(label_w, y + 15, "not seen ready", size=10, fill="#b42318"))
    height = top + len(resources) * row_h + 10
    if started is not None:
        x = x_of(started)
        parts.append('<line x1="{0:.0f}" y1="22" x2="{0:.0f}" y2="{1}" stroke="#d69e2e" stroke-dasharray="4 3"/>'.format(x, height - 6))
        parts.append(_text(x + 4, 28, "wait started", size=10, fill="#b7791f"))
    return ('<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img"'
            ' aria-label="Readiness timeline">{2}</svg>').format(width, height, "".join(parts))


def _resources_table(outputs):
    network, compute, api = _section(outputs, "network"), _section(outputs, "compute"), _section(outputs, "api")
    database, cache, storage = _section(outputs, "database"), _section(outputs, "cache"), _section(outputs, "storage")
    streaming, security, monitoring = _section(outputs, "streaming"), _section(outputs, "security"), _section(outputs, "monitoring")
    rows = [
        ("VPC", network.get("vpc_id"), network.get("vpc_cidr")),
        ("Public subnets", ", ".join(network.get("public_subnet_ids") or []), ", ".join(network.get("availability_zones") or [])),
        ("Private subnets", ", ".join(network.get("private_subnet_ids") or []), ""),
        ("NAT gateways", ", ".join(network.get("nat_gateway_ids") or []), ""),
        ("KMS key", security.get("kms_key_id"), security.get("kms_alias")),
        ("Aurora cluster", database.get("cluster_identifier"), database.get("writer_endpoint")),
        ("Aurora reader endpoint", database.get("cluster_identifier"), database.get("reader_endpoint")),
        ("Redis replication group", cache.get("replication_group_id"), "{0}:{1}".format(cache.get("primary_endpoint") or "-", cache.get("port") or "-")),
        ("EFS", storage.get("file_system_id"), "access point " + str(storage.get("access_point_id") or "-")),
        ("Kinesis stream", streaming.get("stream_name"), streaming.get("stream_arn")),
        ("SQS jobs queue", streaming.get("queue_name"), streaming.get("queue_url")),
        ("SQS dead-letter queue", streaming.get("dlq_name"), streaming.get("dlq_url")),
        ("ECS cluster / service", "{0} / {1}".format(compute.get("cluster_name") or "-", compute.get("service_name") or "-"),
         "tasks {0}-{1}".format(compute.get("min_tasks", "-"), compute.get("max_tasks", "-"))),
        ("ALB", compute.get("alb_arn_suffix"), compute.get("alb_dns_name")),
        ("API Gateway", api.get("rest_api_id"), api.get("invoke_url")),
        ("Alarm topic", monitoring.get("topic_arn"), monitoring.get("dashboard_url")),
    ]
    body = "".join("<tr><td>{0}</td><td><code>{1}</code></td><td><code>{2}</code></td></tr>".format(_e(a), _e(b), _e(c)) for a, b, c in rows)
    return '<table id="resources"><thead><tr><th>part</th><th>id / name</th><th>endpoint / detail</th></tr></thead><tbody>{0}</tbody></table>'.format(body)


def _findings_table(findings):
    rows = []
    for finding in findings:
        status = str(finding.get("status") or "-")
        rows.append('<tr class="{0}"><td class="status-{0}">{1}</td><td>{2}</td><td><code>{3}</code></td><td>{4}</td></tr>'.format(
            _e(status), _e(status.upper()), _e(finding.get("rule")), _e(finding.get("resource")), _e(finding.get("detail"))))
    return ('<table id="findings"><thead><tr><th>status</th><th>rule</th><th>resource</th><th>detail</th></tr></thead>'
            '<tbody>{0}</tbody></table>').format("".join(rows))


def _number(value):
    if value is None:
        return "-"
    return "{0:g}".format(value) if isinstance(value, float) else str(value)


def _alarms_table(alarms):
    rows = []
    for alarm in alarms:
        dimensions = ", ".join("{0}={1}".format(k, v) for k, v in sorted((alarm.get("dimensions") or {}).items()))
        if alarm.get("expression"):
            dimensions = "{0} of {1}".format(alarm["expression"], dimensions) if dimensions else alarm["expression"]
        topics = ", ".join(arn.split(":")[-1] for arn in alarm.get("alarm_actions") or [])
        rows.append(
            '<tr><td><code>{0}</code></td><td>{1}/{2}<br><small>{3}</small></td><td>{4}</td><td>{5}</td><td class="num threshold">{6}</td>'
            '<td class="num">{7} s \u00d7 {8}</td><td class="state-{9}">{9}</td><td>{10}{11}</td></tr>'.format(
                _e(alarm.get("name")), _e(alarm.get("namespace")), _e(alarm.get("metric")), _e(dimensions), _e(alarm.get("statistic")),
                _e(COMPARISONS.get(alarm.get("comparison"), alarm.get("comparison"))), _e(_number(alarm.get("threshold"))),
                _e(alarm.get("period")), _e(alarm.get("evaluation_periods")), _e(alarm.get("state")), _e(topics),
                "" if alarm.get("actions_enabled") else " (actions disabled)"))
    return ('<table id="alarms"><thead><tr><th>alarm</th><th>metric</th><th>statistic</th><th>comparison</th><th>threshold</th>'
            '<th>period \u00d7 periods</th><th>state</th><th>notifies</th></tr></thead><tbody>{0}</tbody></table>').format("".join(rows))


def platform_report(data):
    data = data or {}
    outputs, verify, timeline = data.get("outputs"), data.get("verify") or {}, data.get("timeline")
    suffix = data.get("suffix") or (outputs or {}).get("suffix")
    summary = verify.get("summary") or {}
    findings = verify.get("findings") or []
    alarms = verify.get("alarms") or []
    failing = int(summary.get("fail") or 0)
    badge = '<span class="badge {0}" id="verdict">{1}</span>'.format(
        "fail" if failing else "pass", _e("{0} of {1} checks failed".format(failing, summary.get("total", len(findings)))
                                          if failing else "all {0} checks pass".format(summary.get("total", len(findings)))))
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>StreamFlix {0} report</title><style>{1}</style></head><body>".format(_e(suffix), CSS),
        "<h1>StreamFlix environment {0}</h1>".format(_e(suffix)),
        '<div class="meta"><span>environment {0}</span><span>region {1}</span><span>account {2}</span><span>verified {3}</span>'
        "<span>generated {4}</span></div>".format(
            _e(data.get("environment")), _e(data.get("region")), _e(data.get("account_id")), _e(verify.get("checked_at")),
            _e(data.get("generated_at"))),
        badge,
    ]
    failed = [f for f in findings if f.get("status") == "fail"]
    if failed:
        parts.append('<ul id="failed">{0}</ul>'.format("".join(
            "<li><code>{0}</code> [{1}]: {2}</li>".format(_e(f.get("resource")), _e(f.get("rule")), _e(f.get("detail"))) for f in failed)))
    parts.append("<h2>Architecture</h2>")
    if outputs:
        parts.append(architecture_svg(outputs, verify.get("placement")))
        parts.append(_resources_table(outputs))
    else:
        parts.append('<p class="note" id="no-outputs">No outputs file for {0}: nothing deployed by site.yml from this directory '
                     "(outputs/{0}.json under streamflix_output_dir). Run site.yml, then the report again.</p>".format(_e(suffix)))
    parts.append("<h2>Alarms and thresholds ({0})</h2>".format(len(alarms)))
    parts.append(_alarms_table(alarms) if alarms else '<p class="note" id="no-alarms">No alarm found for this environment.</p>')
    parts.append("<h2>Last deploy: slow-resource timeline</h2>")
    svg = timeline_svg(timeline) if timeline else None
    if svg:
        parts.append('<p class="meta">wait from {0} to {1}, {2}{3}</p>'.format(
            _e(timeline.get("started_at")), _e(timeline.get("finished_at")),
            _e(_seconds(float(timeline.get("waited_seconds") or 0))),
            "" if timeline.get("waited") else _e("; everything was ready at the wait's first look (bars end at that look)")))
        parts.append(svg)
    else:
        parts.append('<p class="note" id="no-timeline">No readiness timeline recorded for {0}: the readiness role writes '
                     "reports/{0}-timeline.json when site.yml waits for the slow resources.</p>".format(_e(suffix)))
    # The longest part last: every check, failures first.
    parts.append("<h2>Verify findings ({0} pass, {1} fail)</h2>".format(_e(summary.get("pass", 0)), _e(failing)))
    parts.append(_findings_table(findings) if findings else '<p class="note">No findings.</p>')
    parts.append("</body></html>\n")
    return "".join(parts)


class FilterModule(object):
    def filters(self):
        return {"platform_report": platform_report}
