"""ec2_security_groups against in-process moto, the AWS state read back through boto3, and the calls the module
makes recorded; the pure normalisation and comparison in parametrized tables."""

from __future__ import annotations

import copy
import difflib
from unittest import mock

import boto3
import botocore.client
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import ec2_security_groups as sg
from ansible_collections.streamflix.media_platform.plugins.modules import ec2_security_groups
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

TAGS = {"Project": "streamflix", "Environment": "unit", "ManagedBy": "ansible"}
CHANGING = {
    "CreateSecurityGroup", "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "UpdateSecurityGroupRuleDescriptionsIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress", "CreateTags", "DeleteTags",
}
WORLD_POSTGRES = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def declared():
    """The platform's shape: alb -> service -> data stores, with the ALB's egress to the VPC only."""
    return [
        {"name": "alb", "description": "ALB", "tags": {"Name": "alb"},
         "rules": [{"proto": "tcp", "ports": ["80", "443"], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "Web"}],
         "rules_egress": [{"proto": "tcp", "ports": ["8080"], "cidr_ip": ["10.0.0.0/16"], "rule_desc": "To the tasks"}]},
        {"name": "service", "description": "Service",
         "rules": [{"proto": "tcp", "ports": ["8080"], "group_name": ["alb"], "rule_desc": "From the ALB"}],
         "rules_egress": [{"proto": "all", "cidr_ip": ["0.0.0.0/0"], "rule_desc": "Through NAT"}]},
        {"name": "database", "description": "Database",
         "rules": [{"proto": "tcp", "ports": ["5432"], "group_name": ["service"], "rule_desc": "PostgreSQL from the service"}],
         "rules_egress": []},
    ]


@pytest.fixture
def ec2(moto):
    from localaws.fills import ec2 as ec2_fill

    ec2_fill.apply()
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def calls():
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation_name, api_params):
        recorded.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        yield recorded


def changing(calls):
    return [name for name, _params in calls if name in CHANGING]


def args(vpc_id, groups=None, **extra):
    base = {"vpc_id": vpc_id, "groups": declared() if groups is None else groups, "tags": dict(TAGS)}
    base.update(extra)
    return base


def aws_groups(ec2, vpc_id):
    found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {group["GroupName"]: group for group in found}


def changed_lines(diff):
    """The lines a unified diff of the module's diff marks as removed or added."""
    lines = difflib.unified_diff(diff["before"].splitlines(), diff["after"].splitlines(), lineterm="")
    return [line for line in lines if line[:1] in ("+", "-") and line[:3] not in ("+++", "---")]


def by_name(result, name):
    [group] = [g for g in result["groups"] if g["name"] == name]
    return group


def rules_of(group, field, ids):
    return sg.current_permissions(group[field], ids)


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"proto": "tcp", "ports": ["5432"], "cidr_ip": ["10.0.0.0/16"]}, []),
        ({"proto": "6", "from_port": 1000, "to_port": 2000, "cidr_ip": ["10.0.0.0/16"]}, []),
        ({"proto": "tcp", "ports": ["1000-2000"], "group_name": ["x"]}, []),
        ({"proto": "icmp", "from_port": 8, "to_port": 0, "cidr_ip": ["0.0.0.0/0"]}, []),
        ({"proto": "icmp", "cidr_ip": ["0.0.0.0/0"]}, []),
        ({"proto": "all", "cidr_ipv6": ["::/0"]}, []),
        ({"proto": "50", "ip_prefix": ["pl-123"]}, []),
        ({"proto": "tcp", "cidr_ip": ["10.0.0.0/16"]}, ["tcp needs ports"]),
        ({"proto": "tcp", "ports": ["http"], "cidr_ip": ["10.0.0.0/16"]}, ["ports must be port numbers or ranges"]),
        ({"proto": "tcp", "ports": ["2000-1000"], "cidr_ip": ["10.0.0.0/16"]}, ["start not above the end"]),
        ({"proto": "tcp", "ports": ["70000"], "cidr_ip": ["10.0.0.0/16"]}, ["0-65535"]),
        ({"proto": "tcp", "ports": ["80"], "from_port": 80, "to_port": 80, "cidr_ip": ["10.0.0.0/16"]}, ["not both"]),
        ({"proto": "icmp", "ports": ["8"], "cidr_ip": ["0.0.0.0/0"]}, ["not ports"]),
        ({"proto": "icmp", "from_port": -1, "to_port": 3, "cidr_ip": ["0.0.0.0/0"]}, ["must be -1 too"]),
        ({"proto": "icmp", "from_port": 300, "to_port": 0, "cidr_ip": ["0.0.0.0/0"]}, ["-1 (all) or 0-255"]),
        ({"proto": "all", "ports": ["80"], "cidr_ip": ["0.0.0.0/0"]}, ["allows every port"]),
        ({"proto": "gre", "cidr_ip": ["0.0.0.0/0"]}, ["proto must be tcp, udp"]),
        ({"proto": "256", "cidr_ip": ["0.0.0.0/0"]}, ["proto must be tcp, udp"]),
        ({"proto": "tcp", "ports": ["80"]}, ["needs a source or destination"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ip": ["10.0.0.300/16"]}, ["is not a valid IPv4 CIDR"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ip": ["::/0"]}, ["is not a valid IPv4 CIDR"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ipv6": ["0.0.0.0/0"]}, ["is not a valid IPv6 CIDR"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "d" * 256}, ["at most 255"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "A & B"}, []),
        ({"proto": "tcp", "ports": ["80"], "group_name": ["x"], "rule_desc": "A & B"}, ["rule_desc may contain only"]),
        ({"proto": "tcp", "ports": ["80"], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "caf\u00e9"}, ["rule_desc may contain only"]),
    ],
)
def test_rule_problems(rule, expected):
    problems = sg.rule_problems(rule, "r")
    assert len(problems) == len(expected), problems
    for problem, text in zip(problems, expected):
        assert text in problem


@pytest.mark.parametrize(
    "groups, state, expected",
    [
        (declared(), "present", []),
        ([{"name": "sg-web", "description": "x"}], "present", ["must not start with sg-"]),
        ([{"name": "a" * 256, "description": "x"}], "present", ["name must be at most 255"]),
        ([{"name": "web", "description": "caf\u00e9"}], "present", ["description may contain only"]),
        ([{"name": "web", "description": "x"}, {"name": "WEB", "description": "y"}], "present", ["declared more than once"]),
        ([{"name": "default"}], "absent", ["default group cannot be deleted"]),
        ([{"name": "web"}], "absent", []),
    ],
)
def test_group_problems(groups, state, expected):
    problems = sg.set_problems(groups, state)
    assert len(problems) == len(expected), problems
    for problem, text in zip(problems, expected):
        assert text in problem


def test_declared_and_described_rules_meet_in_one_form():
    """The false differences amazon.aws.ec2_security_group showed: string ports, number protocols, host bits."""
    ids = {"sg-1": "service"}
    declared_rules = [
        {"proto": "TCP", "ports": ["5432"], "group_id": ["sg-1"], "rule_desc": "PostgreSQL"},
        {"proto": "-1", "cidr_ip": ["10.0.0.1/16"]},
        {"proto": "tcp", "ports": ["80", "8000-8080"], "cidr_ipv6": ["2001:DB8::/32"]},
    ]
    described = [
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "PostgreSQL"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
        {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8080, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
    ]
    assert sg.declared_permissions(declared_rules, ids) == sg.current_permissions(described, ids)


@pytest.mark.parametrize(
    "current, desired, purge, expected",
    [
        ({}, {}, True, ({}, {}, {}, {})),
        ({"a": "x"}, {"a": "x"}, True, ({}, {}, {}, {"a": "x"})),
        ({"a": "x"}, {"a": "y"}, True, ({}, {"a": "y"}, {}, {"a": "y"})),
        ({"a": "x", "b": ""}, {"a": "x"}, True, ({}, {}, {"b": ""}, {"a": "x"})),
        ({"a": "x", "b": ""}, {"a": "x"}, False, ({}, {}, {}, {"a": "x", "b": ""})),
        ({}, {"a": "x"}, True, ({"a": "x"}, {}, {}, {"a": "x"})),
    ],
)
def test_rule_changes(current, desired, purge, expected):
    assert sg.rule_changes(current, desired, purge) == expected


@pytest.mark.parametrize(
    "key, description, direction, text",
    [
        (("tcp", 5432, 5432, "group", "svc"), "PostgreSQL", "ingress", "tcp 5432 from group svc (PostgreSQL)"),
        (("tcp", 1000, 2000, "cidr_ip", "10.0.0.0/16"), "", "ingress", "tcp 1000-2000 from 10.0.0.0/16"),
        (("all", None, None, "cidr_ip", "0.0.0.0/0"), "NAT", "egress", "all traffic to 0.0.0.0/0 (NAT)"),
        (("icmp", 8, -1, "cidr_ipv6", "::/0"), "", "ingress", "icmp type 8 code -1 from ::/0"),
        (("50", None, None, "prefix_list", "pl-1"), "", "egress", "protocol 50 to prefix list pl-1"),
    ],
)
def test_rule_text(key, description, direction, text):
    assert sg.rule_text(key, description, direction) == text


def test_ip_permissions_use_group_ids_and_keep_descriptions():
    request = sg.ip_permissions({("tcp", 5432, 5432, "group", "svc"): "PostgreSQL", ("all", None, None, "cidr_ip", "0.0.0.0/0"): ""},
                                {"svc": "sg-9"})
    assert request == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-9", "Description": "PostgreSQL"}]},
    ]


# ---------------------------------------------------------------- against moto


def test_check_mode_on_an_empty_vpc_plans_every_group_and_calls_nothing_changing(ec2, vpc_id, calls):
    result = run_module(ec2_security_groups, args(vpc_id), check_mode=True)
    assert result["changed"] is True
    assert result["created"] == ["alb", "service", "database"]
    assert changing(calls) == []
    assert set(aws_groups(ec2, vpc_id)) == {"default"}
    assert result["diff"]["before"] == ""
    assert by_name(result, "database")["ingress"] == ["tcp 5432 from group service (PostgreSQL from the service)"]
    # AWS's default egress rule of a new group is revoked, so the plan shows none.
    assert by_name(result, "database")["egress"] == []
    after = result["diff"]["after"]
    assert "database:\n  description: Database\n  ingress:\n    - tcp 5432 from group service (PostgreSQL from the service)\n" \
        "  egress:\n  tags:\n" in after
    assert "    Name: alb\n" in after and "    Project: streamflix\n" in after
    assert [g["group_id"] for g in result["groups"]] == [None, None, None]


def test_creates_the_groups_with_their_rules_and_tags_then_converges_to_nothing(ec2, vpc_id, calls):
    result = run_module(ec2_security_groups, args(vpc_id))
    assert result["changed"] is True and result["created"] == ["alb", "service", "database"]
    groups = aws_groups(ec2, vpc_id)
    ids = {g["GroupId"]: name for name, g in groups.items()}
    assert result["group_ids"] == {name: groups[name]["GroupId"] for name in ("alb", "service", "database")}
    assert rules_of(groups["database"], "IpPermissions", ids) == {("tcp", 5432, 5432, "group", "service"): "PostgreSQL from the service"}
    assert rules_of(groups["database"], "IpPermissionsEgress", ids) == {}
    assert rules_of(groups["alb"], "IpPermissions", ids) == {
        ("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): "Web", ("tcp", 443, 443, "cidr_ip", "0.0.0.0/0"): "Web"}
    assert rules_of(groups["alb"], "IpPermissionsEgress", ids) == {("tcp", 8080, 8080, "cidr_ip", "10.0.0.0/16"): "To the tasks"}
    assert rules_of(groups["service"], "IpPermissionsEgress", ids) == {("all", None, None, "cidr_ip", "0.0.0.0/0"): "Through NAT"}
    assert {t["Key"]: t["Value"] for t in groups["alb"]["Tags"]} == dict(TAGS, Name="alb")
    assert {t["Key"]: t["Value"] for t in groups["service"]["Tags"]} == TAGS
    # Tags go with CreateSecurityGroup: no separate tagging call.
    assert "CreateTags" not in changing(calls)

    del calls[:]
    again = run_module(ec2_security_groups, args(vpc_id))
    assert again["changed"] is False and again["diff"] == {"before": "", "after": ""}
    assert changing(calls) == []
    plan = run_module(ec2_security_groups, args(vpc_id), check_mode=True)
    assert plan["changed"] is False


def test_a_rule_opened_by_hand_is_the_only_difference_planned_then_revoked(ec2, vpc_id, calls):
    run_module(ec2_security_groups, args(vpc_id))
    database = aws_groups(ec2, vpc_id)["database"]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=database, IpPermissions=[WORLD_POSTGRES])

    del calls[:]
    plan = run_module(ec2_security_groups, args(vpc_id), check_mode=True)
    assert changing(calls) == []
    assert plan["changed"] is True and plan["updated"] == ["database"]
    # One line, the rule opened by hand; nothing else of any group is shown as changing.
    assert changed_lines(plan["diff"]) == ["-    - tcp 5432 from 0.0.0.0/0"]
    assert plan["diff"]["before"].startswith("database:\n")

    run_module(ec2_security_groups, args(vpc_id))
    ids = {g["GroupId"]: n for n, g in aws_groups(ec2, vpc_id).items()}
    assert rules_of(aws_groups(ec2, vpc_id)["database"], "IpPermissions", ids) == {
        ("tcp", 5432, 5432, "group", "service"): "PostgreSQL from the service"}


def test_a_changed_description_is_updated_in_place_and_a_new_port_authorized_before_the_old_is_revoked(ec2, vpc_id, calls):
    run_module(ec2_security_groups, args(vpc_id))
    groups = declared()
    groups[2]["rules"][0]["rule_desc"] = "Postgres from the tasks"
    groups[0]["rules"][0]["ports"] = ["80", "8443"]
    del calls[:]
    result = run_module(ec2_security_groups, args(vpc_id, groups))
    assert result["updated"] == ["alb", "database"]
    names = changing(calls)
    assert "UpdateSecurityGroupRuleDescriptionsIngress" in names
    assert names.index("AuthorizeSecurityGroupIngress") < names.index("RevokeSecurityGroupIngress")
    ids = {g["GroupId"]: n for n, g in aws_groups(ec2, vpc_id).items()}
    assert rules_of(aws_groups(ec2, vpc_id)["database"], "IpPermissions", ids) == {
        ("tcp", 5432, 5432, "group", "service"): "Postgres from the tasks"}
    assert set(rules_of(aws_groups(ec2, vpc_id)["alb"], "IpPermissions", ids)) == {
        ("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"), ("tcp", 8443, 8443, "cidr_ip", "0.0.0.0/0")}


def test_without_purge_an_unmanaged_rule_stays(ec2, vpc_id):
    run_module(ec2_security_groups, args(vpc_id))
    database = aws_groups(ec2, vpc_id)["database"]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=database, IpPermissions=[WORLD_POSTGRES])
    result = run_module(ec2_security_groups, args(vpc_id, purge_rules=False))
    assert result["changed"] is False
    assert "tcp 5432 from 0.0.0.0/0" in result["groups"][2]["ingress"]


def test_tags_are_converged_and_purged(ec2, vpc_id):
    run_module(ec2_security_groups, args(vpc_id))
    alb = aws_groups(ec2, vpc_id)["alb"]["GroupId"]
    ec2.create_tags(Resources=[alb], Tags=[{"Key": "Owner", "Value": "someone"}, {"Key": "Environment", "Value": "x"}])
    result = run_module(ec2_security_groups, args(vpc_id))
    assert result["updated"] == ["alb"] and result["groups"][0]["changes"] == ["tags"]
    assert {t["Key"]: t["Value"] for t in aws_groups(ec2, vpc_id)["alb"]["Tags"]} == dict(TAGS, Name="alb")


def test_the_default_group_is_stripped_of_its_rules_and_never_created(ec2, vpc_id):
    default = aws_groups(ec2, vpc_id)["default"]
    assert default["IpPermissions"] and default["IpPermissionsEgress"]
    groups = [{"name": "default", "rules": [], "rules_egress": []}]
    plan = run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": groups}, check_mode=True)
    assert plan["changed"] is True and plan["created"] == []
    assert plan["diff"]["after"] == "default:\n  description: default VPC security group\n  ingress:\n  egress:\n"
    assert sorted(changed_lines(plan["diff"])) == ["-    - all traffic from group default", "-    - all traffic to 0.0.0.0/0"]
    result = run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": groups})
    assert result["updated"] == ["default"]
    default = aws_groups(ec2, vpc_id)["default"]
    assert default["IpPermissions"] == [] and default["IpPermissionsEgress"] == []
    assert run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": groups})["changed"] is False


def test_bad_input_and_unknown_references_fail_before_any_change(ec2, vpc_id, calls):
    groups = declared()
    groups[1]["rules"][0]["group_name"] = ["nowhere"]
    failure = fail_module(ec2_security_groups, args(vpc_id, groups))
    assert "neither declared nor in VPC" in failure["msg"] and "nowhere" in failure["msg"]
    groups = declared()
    groups[2]["rules"][0]["ports"] = ["postgres"]
    failure = fail_module(ec2_security_groups, args(vpc_id, groups))
    assert "group 'database' rules[0]: ports must be port numbers" in failure["msg"]
    groups = declared()
    del groups[0]["description"]
    failure = fail_module(ec2_security_groups, args(vpc_id, groups))
    assert "need a description: alb" in failure["msg"]
    assert changing(calls) == []


def test_absent_deletes_groups_that_refer_to_each_other_and_twice_is_fine(ec2, vpc_id):
    groups = declared()
    # A cycle: the ALB sends to the service group, which admits the ALB group.
    groups[0]["rules_egress"] = [{"proto": "tcp", "ports": ["8080"], "group_name": ["service"]}]
    run_module(ec2_security_groups, args(vpc_id, groups))
    names = [{"name": g["name"]} for g in reversed(groups)]
    plan = run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": copy.deepcopy(names), "state": "absent"}, check_mode=True)
    assert plan["deleted"] == ["alb", "database", "service"] and set(aws_groups(ec2, vpc_id)) == {"default", "alb", "service", "database"}
    result = run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": names, "state": "absent"})
    assert result["changed"] is True and result["diff"]["after"] == ""
    assert [line for line in result["diff"]["before"].splitlines() if not line.startswith(" ")] == ["alb:", "database:", "service:"]
    assert set(aws_groups(ec2, vpc_id)) == {"default"}
    assert run_module(ec2_security_groups, {"vpc_id": vpc_id, "groups": names, "state": "absent"})["changed"] is False


def test_a_lost_answer_to_a_create_or_an_authorize_is_no_failure(ec2, vpc_id):
    """CreateSecurityGroup has no idempotency token: a retry after a lost answer meets the group the first call made."""
    client = boto3.client("ec2", region_name=REGION)
    group_id = client.create_security_group(GroupName="lost", Description="d", VpcId=vpc_id)["GroupId"]
    assert sg.create_group(client, vpc_id, "lost", "d", None) == group_id
    rule = {("tcp", 22, 22, "cidr_ip", "10.0.0.0/16"): ""}
    sg.authorize(client, group_id, "ingress", sg.ip_permissions(rule, {}))
    sg.authorize(client, group_id, "ingress", sg.ip_permissions(rule, {}))
    sg.revoke(client, group_id, "ingress", sg.ip_permissions(rule, {}))
    sg.revoke(client, group_id, "ingress", sg.ip_permissions(rule, {}))
    assert client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"] == []
