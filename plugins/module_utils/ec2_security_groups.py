# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC security groups: declared rules and DescribeSecurityGroups permissions in one normalised form, their
comparison, the one-line text the diff shows, and the EC2 calls the ec2_security_groups module makes.

A permission is the key ``(protocol, from, to, kind, source)`` with its description as the value: one rule of
AWS (a protocol, a port range and exactly one source). ``kind`` is ``cidr_ip``, ``cidr_ipv6``, ``group`` or
``prefix_list``; a group source is the group's name when it is in the VPC (its id otherwise), so a group that
check mode would create can be referred to before it has an id, and the diff reads as the design does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

PORTED = ("tcp", "udp")
ICMP = ("icmp", "icmpv6")
# DescribeSecurityGroups answers with names for these; a declaration may use either.
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all"}
MAX_TEXT = 255
# CreateSecurityGroup (GroupName, Description) and IpRange.Description; UserIdGroupPair.Description has no '&'.
_TEXT = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")
_GROUP_PAIR_TEXT = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]*$")
ALLOWED_TEXT = "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*"
SOURCE_OPTIONS = (("cidr_ip", "cidr_ip"), ("cidr_ipv6", "cidr_ipv6"), ("group_name", "group"),
                  ("group_id", "group"), ("ip_prefix", "prefix_list"))
# A group just created may not be visible to the next call yet (EC2 is eventually consistent).
NOT_YET_VISIBLE = ["InvalidGroup.NotFound"]
# A group still used by a network interface that is being released (an ALB's, a database's) cannot go yet.
STILL_IN_USE = ["DependencyViolation"]
DEFAULT_GROUP = "default"


# ---------------------------------------------------------------- declared rules


def normalise_protocol(value):
    text = str(value if value is not None else "tcp").strip().lower()
    return PROTOCOL_NAMES.get(text, text)


def _protocol_problem(proto):
    if proto in PORTED + ICMP + ("all",):
        return None
    if proto.isdigit() and 0 <= int(proto) <= 255:
        return None
    return "proto must be tcp, udp, icmp, icmpv6, all (or -1) or a protocol number 0-255; got {0!r}".format(proto)


def _port_range(text):
    """'80' -> (80, 80); '1000-2000' -> (1000, 2000); None when it is not a port or range."""
    low, sep, high = str(text).strip().partition("-")
    if not low.isdigit() or (sep and not high.isdigit()):
        return None
    return int(low), int(high if sep else low)


def port_ranges(rule):
    """The (from, to) ranges of a declared rule (protocol already known to be valid); raises ValueError."""
    proto = normalise_protocol(rule.get("proto"))
    ports, low, high = rule.get("ports"), rule.get("from_port"), rule.get("to_port")
    if proto in PORTED:
        if ports and (low is not None or high is not None):
            raise ValueError("give ports or from_port/to_port, not both")
        if ports:
            ranges = [_port_range(port) for port in ports]
            if None in ranges:
                raise ValueError("ports must be port numbers or ranges such as 1000-2000; got {0!r}".format(list(ports)))
        elif low is not None and high is not None:
            ranges = [(low, high)]
        else:
            raise ValueError("{0} needs ports (or from_port and to_port)".format(proto))
        for low, high in ranges:
            if not 0 <= low <= high <= 65535:
                raise ValueError("ports must lie in 0-65535 with the start not above the end; got {0}-{1}".format(low, high))
        return ranges
    if proto in ICMP:
        if ports:
            raise ValueError("{0} takes from_port (the ICMP type) and to_port (the code), not ports".format(proto))
        low = -1 if low is None else low
        high = -1 if high is None else high
        if not (-1 <= low <= 255 and -1 <= high <= 255):
            raise ValueError("the ICMP type and code must be -1 (all) or 0-255; got {0} and {1}".format(low, high))
        if low == -1 and high != -1:
            raise ValueError("when the ICMP type (from_port) is -1 the code (to_port) must be -1 too")
        return [(low, high)]
    if ports or low is not None or high is not None:
        raise ValueError("proto {0} allows every port: leave ports, from_port and to_port out".format(proto))
    return [(None, None)]


def _canonical_cidr(value, version):
    """AWS keeps a CIDR in canonical form (host bits cleared, IPv6 compressed): compare in that form."""
    network = ipaddress.ip_network(str(value).strip(), strict=False)
    if network.version != version:
        raise ValueError("{0} is not an IPv{1} CIDR".format(value, version))
    return str(network)


def _text_problem(field, value, pattern=_TEXT):
    if value is None:
        return None
    if len(value) > MAX_TEXT:
        return "{0} must be at most {1} characters long (got {2})".format(field, MAX_TEXT, len(value))
    if not pattern.match(value):
        return "{0} may contain only {1}; got {2!r}".format(field, ALLOWED_TEXT, value)
    return None


def rule_problems(rule, label):
    """What is wrong with one declared rule, as '<label>: ...' messages."""
    problems = []
    proto = normalise_protocol(rule.get("proto"))
    problem = _protocol_problem(proto)
    if problem:
        return ["{0}: {1}".format(label, problem)]
    try:
        port_ranges(rule)
    except ValueError as e:
        problems.append("{0}: {1}".format(label, e))
    if not any(rule.get(option) for option, _kind in SOURCE_OPTIONS):
        problems.append("{0}: needs a source or destination: cidr_ip, cidr_ipv6, group_name, group_id or ip_prefix".format(label))
    for option, version in (("cidr_ip", 4), ("cidr_ipv6", 6)):
        for value in rule.get(option) or []:
            try:
                _canonical_cidr(value, version)
            except ValueError:
                problems.append("{0}: {1} {2!r} is not a valid IPv{3} CIDR block".format(label, option, value, version))
    pattern = _GROUP_PAIR_TEXT if (rule.get("group_name") or rule.get("group_id")) else _TEXT
    problem = _text_problem("rule_desc", rule.get("rule_desc"), pattern)
    if problem:
        problems.append("{0}: {1}".format(label, problem))
    return problems


def group_problems(group, state):
    """What is wrong with one declared group and its rules."""
    name = group.get("name") or ""
    label = "group {0!r}".format(name)
    problems = []
    if not name:
        return ["every group needs a name"]
    if name.lower().startswith("sg-"):
        problems.append("{0}: the name must not start with sg-".format(label))
    problem = _text_problem("name", name)
    if problem:
        problems.append("{0}: {1}".format(label, problem))
    if state == "absent":
        if name == DEFAULT_GROUP:
            problems.append("{0}: a VPC's default group cannot be deleted (it goes with the VPC)".format(label))
        return problems
    problem = _text_problem("description", group.get("description"))
    if problem:
        problems.append("{0}: {1}".format(label, problem))
    for direction, option in (("ingress", "rules"), ("egress", "rules_egress")):
        for index, rule in enumerate(group.get(option) or []):
            problems.extend(rule_problems(rule, "{0} {1}[{2}]".format(label, option, index)))
    return problems


def set_problems(groups, state):
    problems, seen = [], set()
    for group in groups:
        problems.extend(group_problems(group, state))
        key = (group.get("name") or "").lower()
        if key in seen:
            problems.append("group {0!r}: declared more than once (names are case-insensitive)".format(group.get("name")))
        seen.add(key)
    return problems


def referenced_group_names(groups):
    """Every group_name the declared rules refer to."""
    names = set()
    for group in groups:
        for option in ("rules", "rules_egress"):
            for rule in group.get(option) or []:
                names.update(rule.get("group_name") or [])
    return names


def declared_permissions(rules, names_by_id):
    """Declared rules (valid) -> {key: description}; group ids of the VPC become their names."""
    found = {}
    for rule in rules or []:
        proto = normalise_protocol(rule.get("proto"))
        description = rule.get("rule_desc") or ""
        sources = []
        for option, kind in SOURCE_OPTIONS:
            for value in rule.get(option) or []:
                if kind == "cidr_ip":
                    value = _canonical_cidr(value, 4)
                elif kind == "cidr_ipv6":
                    value = _canonical_cidr(value, 6)
                elif option == "group_id":
                    value = names_by_id.get(value, value)
                sources.append((kind, value))
        for low, high in port_ranges(rule):
            for kind, source in sources:
                found[(proto, low, high, kind, source)] = description
    return found


# ---------------------------------------------------------------- current rules


def current_permissions(ip_permissions, names_by_id):
    """DescribeSecurityGroups IpPermissions(Egress) -> {key: description}, in the declared form."""
    found = {}
    for perm in ip_permissions or []:
        proto = normalise_protocol(perm.get("IpProtocol", "-1"))
        if proto in PORTED + ICMP:
            low, high = perm.get("FromPort"), perm.get("ToPort")
        else:
            low, high = None, None
        for entry in perm.get("IpRanges") or []:
            found[(proto, low, high, "cidr_ip", entry["CidrIp"])] = entry.get("Description") or ""
        for entry in perm.get("Ipv6Ranges") or []:
            found[(proto, low, high, "cidr_ipv6", entry["CidrIpv6"])] = entry.get("Description") or ""
        for entry in perm.get("UserIdGroupPairs") or []:
            group_id = entry.get("GroupId")
            found[(proto, low, high, "group", names_by_id.get(group_id, group_id))] = entry.get("Description") or ""
        for entry in perm.get("PrefixListIds") or []:
            found[(proto, low, high, "prefix_list", entry["PrefixListId"])] = entry.get("Description") or ""
    return found


def rule_changes(current, desired, purge):
    """(to_authorize, to_describe, to_revoke) as {key: description} dicts, and the rules after the change."""
    to_authorize = dict((key, text) for key, text in desired.items() if key not in current)
    to_describe = dict((key, text) for key, text in desired.items() if key in current and current[key] != text)
    to_revoke = dict((key, text) for key, text in current.items() if key not in desired) if purge else {}
    after = dict((key, text) for key, text in current.items() if key not in to_revoke)
    after.update(desired)
    return to_authorize, to_describe, to_revoke, after


# ---------------------------------------------------------------- what the diff shows


def rule_text(key, description, direction):
    """One rule on one line, as a person reads it: 'tcp 5432 from group streamflix-service-sg-dev (PostgreSQL ...)'."""
    proto, low, high, kind, source = key
    if proto == "all":
        what = "all traffic"
    elif proto in PORTED:
        what = "{0} {1}".format(proto, low) if low == high else "{0} {1}-{2}".format(proto, low, high)
    elif proto in ICMP:
        what = "{0} type {1} code {2}".format(proto, low, high)
    else:
        what = "protocol {0}".format(proto)
    where = {"group": "group " + str(source), "prefix_list": "prefix list " + str(source)}.get(kind, source)
    text = "{0} {1} {2}".format(what, "from" if direction == "ingress" else "to", where)
    return "{0} ({1})".format(text, description) if description else text


def rule_lines(permissions, direction):
    return sorted(rule_text(key, text, direction) for key, text in permissions.items())


def group_view(description, ingress, egress, tags):
    """A group as the diff and the result show it; ``tags`` None when the task does not manage them."""
    view = {"description": description, "ingress": rule_lines(ingress, "ingress"), "egress": rule_lines(egress, "egress")}
    if tags is not None:
        view["tags"] = dict(tags)
    return view


def render_groups(views):
    """Groups (name -> group_view) as the text the diff compares: one line per rule and per tag, and no line
    that changes because another did (no commas, no brackets), so a plan shows each real change on its own line."""
    lines = []
    for name in sorted(views):
        view = views[name]
        lines.append("{0}:".format(name))
        lines.append("  description: {0}".format(view["description"]))
        for direction in ("ingress", "egress"):
            lines.append("  {0}:".format(direction))
            lines.extend("    - {0}".format(rule) for rule in view[direction])
        if "tags" in view:
            lines.append("  tags:")
            lines.extend("    {0}: {1}".format(key, value) for key, value in sorted(view["tags"].items()))
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- requests


def ip_permissions(permissions, group_ids):
    """{key: description} -> the IpPermissions of an Authorize/Revoke/UpdateDescriptions call, one rule each."""
    request = []
    for key in sorted(permissions, key=str):
        proto, low, high, kind, source = key
        description = permissions[key]
        perm = {"IpProtocol": "-1" if proto == "all" else proto}
        if low is not None:
            perm["FromPort"], perm["ToPort"] = low, high
        if kind == "cidr_ip":
            entry, field = {"CidrIp": source}, "IpRanges"
        elif kind == "cidr_ipv6":
            entry, field = {"CidrIpv6": source}, "Ipv6Ranges"
        elif kind == "group":
            entry, field = {"GroupId": group_ids.get(source, source)}, "UserIdGroupPairs"
        else:
            entry, field = {"PrefixListId": source}, "PrefixListIds"
        if description:
            entry["Description"] = description
        perm[field] = [entry]
        request.append(perm)
    return request


# ---------------------------------------------------------------- EC2 calls


@AWSRetry.jittered_backoff()
def describe_vpc_groups(client, vpc_id):
    paginator = client.get_paginator("describe_security_groups")
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    return paginator.paginate(Filters=filters).build_full_result()["SecurityGroups"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_YET_VISIBLE)
def describe_groups_by_id(client, group_ids):
    return client.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]


@AWSRetry.jittered_backoff()
def _create_group(client, params):
    return client.create_security_group(**params)["GroupId"]


def create_group(client, vpc_id, name, description, tags):
    """The new group's id. CreateSecurityGroup takes no idempotency token: when a retried call finds the group
    its lost first answer made, that group is the one."""
    params = {"GroupName": name, "Description": description, "VpcId": vpc_id}
    if tags:
        params["TagSpecifications"] = boto3_tag_specifications(tags, ["security-group"])
    try:
        return _create_group(client, params)
    except is_boto3_error_code("InvalidGroup.Duplicate"):
        found = [g for g in describe_vpc_groups(client, vpc_id) if g["GroupName"].lower() == name.lower()]
        if not found:
            raise
        return found[0]["GroupId"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_YET_VISIBLE)
def _authorize(client, group_id, direction, permissions):
    call = client.authorize_security_group_ingress if direction == "ingress" else client.authorize_security_group_egress
    call(GroupId=group_id, IpPermissions=permissions)


def authorize(client, group_id, direction, permissions):
    """Only missing rules are authorized: a duplicate means a retried call whose first answer was lost took effect."""
    try:
        _authorize(client, group_id, direction, permissions)
    except is_boto3_error_code("InvalidPermission.Duplicate"):
        pass


@AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_YET_VISIBLE)
def update_descriptions(client, group_id, direction, permissions):
    call = (client.update_security_group_rule_descriptions_ingress if direction == "ingress"
            else client.update_security_group_rule_descriptions_egress)
    call(GroupId=group_id, IpPermissions=permissions)


@AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_YET_VISIBLE)
def _revoke(client, group_id, direction, permissions):
    call = client.revoke_security_group_ingress if direction == "ingress" else client.revoke_security_group_egress
    call(GroupId=group_id, IpPermissions=permissions)


def revoke(client, group_id, direction, permissions):
    """Only existing rules are revoked: not found means a retried call whose first answer was lost took effect."""
    try:
        _revoke(client, group_id, direction, permissions)
    except is_boto3_error_code("InvalidPermission.NotFound"):
        pass


@AWSRetry.jittered_backoff()
def create_tags(client, group_id, tags):
    client.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


@AWSRetry.jittered_backoff()
def delete_tags(client, group_id, keys):
    client.delete_tags(Resources=[group_id], Tags=[{"Key": k} for k in sorted(keys)])


@AWSRetry.jittered_backoff(retries=12, delay=3, max_delay=30, catch_extra_error_codes=STILL_IN_USE)
def delete_group(client, group_id):
    client.delete_security_group(GroupId=group_id)
