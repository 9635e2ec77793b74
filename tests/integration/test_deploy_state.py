"""The state one deploy of site.yml leaves, checked resource by resource.

The deploy is the session's `single_nat_environment` (conftest.py): its state was read through boto3 right
after the deploy, so these tests need no deploy of their own and hold whatever test_lifecycle does later.
"""

from __future__ import annotations

import ipaddress

import pytest

from integration_support import STANDARD_TAGS, tag_dict

VPC_CIDR = "10.40.0.0/16"  # inventories/local/group_vars/all/network.yml
APP_PORT = 8080  # inventories/local/group_vars/all/security.yml
LOG_RETENTION_DAYS = 7
ACCOUNT = "123456789012"  # moto's account
WORLD = "0.0.0.0/0"


@pytest.fixture(scope="module")
def env(single_nat_environment):
    return single_nat_environment


@pytest.fixture(scope="module")
def state(env):
    return env["state"]


@pytest.fixture(scope="module")
def suffix(env):
    return env["suffix"]


@pytest.fixture(scope="module")
def vpc(state):
    assert len(state["vpcs"]) == 1, sorted(state["vpcs"])
    return next(iter(state["vpcs"].values()))


def only(mapping, what):
    assert len(mapping) == 1, "expected one {0}, found {1}".format(what, sorted(mapping))
    return next(iter(mapping.values()))


def assert_standard_tags(tags, suffix, what):
    tags = tag_dict(tags)
    expected = dict(STANDARD_TAGS, Environment=suffix)
    wrong = {key: value for key, value in expected.items() if tags.get(key) != value}
    assert not wrong, "{0} lacks or has wrong tags {1}; has {2}".format(what, wrong, tags)


def by_tier(state, tier):
    return [subnet for subnet in state["subnets"].values() if tag_dict(subnet.get("Tags")).get("Tier") == tier]


def is_main(table):
    return any(assoc.get("Main") for assoc in table.get("Associations", []))


def table_of_subnet(state, subnet_id):
    tables = [
        table
        for table in state["route_tables"].values()
        if any(assoc.get("SubnetId") == subnet_id for assoc in table.get("Associations", []))
    ]
    assert len(tables) == 1, "subnet {0} is associated with {1} route tables".format(subnet_id, len(tables))
    return tables[0]


def default_route(table):
    routes = [route for route in table["Routes"] if route.get("DestinationCidrBlock") == WORLD]
    assert len(routes) == 1, "route table {0} has default routes {1}".format(table["RouteTableId"], routes)
    return routes[0]


def as_list(value):
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------------------------------------- network


def test_vpc_cidr_dns_and_name(vpc, suffix):
    assert vpc["CidrBlock"] == VPC_CIDR
    assert vpc["State"] == "available"
    assert tag_dict(vpc["Tags"])["Name"] == "streamflix-vpc-" + suffix
    assert vpc["enableDnsSupport"] == {"Value": True}
    assert vpc["enableDnsHostnames"] == {"Value": True}


def test_two_public_and_two_private_subnets_over_two_zones(state, vpc, suffix):
    public, private = by_tier(state, "public"), by_tier(state, "private")
    assert len(public) == 2 and len(private) == 2, [tag_dict(s.get("Tags")) for s in state["subnets"].values()]
    assert len(state["subnets"]) == 4, "the VPC holds subnets that are not the platform's"
    public_azs = {subnet["AvailabilityZone"] for subnet in public}
    assert len(public_azs) == 2
    assert {subnet["AvailabilityZone"] for subnet in private} == public_azs
    network = ipaddress.ip_network(VPC_CIDR)
    cidrs = []
    for subnet in public + private:
        tags = tag_dict(subnet["Tags"])
        assert subnet["VpcId"] == vpc["VpcId"]
        assert subnet["MapPublicIpOnLaunch"] is False, subnet["SubnetId"]
        assert tags["Name"] == "streamflix-{0}-{1}-{2}".format(tags["Tier"], suffix, subnet["AvailabilityZone"])
        cidrs.append(ipaddress.ip_network(subnet["CidrBlock"]))
        assert cidrs[-1].subnet_of(network)
    assert all(not a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:])


def test_internet_gateway_attached(state, vpc, suffix):
    igw = only(state["internet_gateways"], "internet gateway")
    assert [(a["VpcId"], a["State"]) for a in igw["Attachments"]] == [(vpc["VpcId"], "available")]
    assert tag_dict(igw["Tags"])["Name"] == "streamflix-igw-" + suffix


def test_single_nat_in_a_public_subnet_with_a_tagged_eip(state, suffix):
    nat = only(state["nat_gateways"], "NAT gateway")
    assert nat["State"] == "available"
    public = {subnet["SubnetId"]: subnet for subnet in by_tier(state, "public")}
    assert nat["SubnetId"] in public
    zone = public[nat["SubnetId"]]["AvailabilityZone"]
    assert tag_dict(nat["Tags"])["Name"] == "streamflix-nat-{0}-{1}".format(suffix, zone)
    assert [address["AllocationId"] for address in nat["NatGatewayAddresses"]] == list(state["eips"])
    eip = only(state["eips"], "EIP")
    assert eip["Domain"] == "vpc"
    assert tag_dict(eip["Tags"])["Name"] == "streamflix-nat-eip-{0}-{1}".format(suffix, zone)


def test_public_route_table_routes_to_the_igw_for_both_public_subnets(state, suffix):
    igw_id = only(state["internet_gateways"], "internet gateway")["InternetGatewayId"]
    tables = {table_of_subnet(state, subnet["SubnetId"])["RouteTableId"] for subnet in by_tier(state, "public")}
    assert len(tables) == 1, "the public subnets use different route tables"
    table = state["route_tables"][tables.pop()]
    assert tag_dict(table["Tags"])["Name"] == "streamflix-public-rt-" + suffix
    assert default_route(table).get("GatewayId") == igw_id
    assert not is_main(table), "the public route table must not be the VPC's main table"


def test_each_private_subnet_reaches_the_world_only_through_the_nat(state, suffix):
    nat_id = only(state["nat_gateways"], "NAT gateway")["NatGatewayId"]
    private_tables = set()
    for subnet in by_tier(state, "private"):
        table = table_of_subnet(state, subnet["SubnetId"])
        private_tables.add(table["RouteTableId"])
        assert tag_dict(table["Tags"])["Name"] == "streamflix-private-rt-{0}-{1}".format(suffix, subnet["AvailabilityZone"])
        assert default_route(table).get("NatGatewayId") == nat_id
        assert not [r for r in table["Routes"] if r.get("GatewayId", "").startswith("igw-")], table["Routes"]
    assert len(private_tables) == 2, "one private route table per zone"


def test_main_route_table_has_no_route_to_the_world(state):
    main = [table for table in state["route_tables"].values() if is_main(table)]
    assert len(main) == 1
    assert not [route for route in main[0]["Routes"] if route.get("DestinationCidrBlock") == WORLD]


def test_flow_log_on_the_vpc_to_the_log_group_with_the_delivery_role(state, vpc, suffix):
    flow_log = only(state["flow_logs"], "flow log")
    assert flow_log["ResourceId"] == vpc["VpcId"]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"
    assert flow_log["LogGroupName"] == "/streamflix/{0}/vpc-flow-logs".format(suffix)
    assert flow_log["DeliverLogsPermissionArn"] == state["iam_roles"]["streamflix-flowlogs-" + suffix]["Arn"]


@pytest.fixture(scope="module")
def flow_logs_role(state, suffix):
    name = "streamflix-flowlogs-" + suffix
    assert name in state["iam_roles"], sorted(state["iam_roles"])
    return state["iam_roles"][name]


def test_log_group_retention(state, suffix):
    name = "/streamflix/{0}/vpc-flow-logs".format(suffix)
    assert name in state["log_groups"], sorted(state["log_groups"])
    assert state["log_groups"][name]["retentionInDays"] == LOG_RETENTION_DAYS


def test_flow_logs_role_trusts_only_the_flow_logs_service(flow_logs_role):
    role = flow_logs_role
    statements = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in statements if s["Effect"] == "Allow"] == [{"Service": "vpc-flow-logs.amazonaws.com"}]
    assert role["AttachedPolicies"] == []


def test_flow_logs_role_writes_only_to_its_log_group(flow_logs_role, suffix):
    role = flow_logs_role
    assert role["InlinePolicies"], "the delivery role has no inline policy"
    group_arn = "arn:aws:logs:us-east-1:{0}:log-group:/streamflix/{1}/vpc-flow-logs".format(ACCOUNT, suffix)
    write_actions = {"logs:CreateLogStream", "logs:PutLogEvents"}
    granted = set()
    for document in role["InlinePolicies"].values():
        for statement in as_list(document["Statement"]):
            actions, resources = set(as_list(statement["Action"])), as_list(statement["Resource"])
            assert not actions & {"*", "logs:*"}, statement
            assert "*" not in resources, "a statement on every resource: {0}".format(statement)
            if actions & (write_actions | {"logs:DescribeLogStreams"}):
                granted |= actions & write_actions
                allowed = (group_arn, group_arn + ":*", group_arn + ":log-stream:*")
                assert set(resources) <= set(allowed), "write access beyond the flow-log group: {0}".format(statement)
    assert granted == write_actions


# ------------------------------------------------------------------------------------------------ security


@pytest.fixture(scope="module")
def kms_key(state, suffix):
    alias = only(state["kms_aliases"], "KMS alias")
    assert alias["AliasName"] == "alias/streamflix-" + suffix
    assert alias["TargetKeyId"] in state["kms_keys"], "the alias names a key that is not the environment's"
    return state["kms_keys"][alias["TargetKeyId"]]


def test_kms_key_customer_managed_enabled_with_rotation(kms_key):
    assert kms_key["KeyManager"] == "CUSTOMER"
    assert kms_key["KeyState"] == "Enabled" and kms_key["Enabled"] is True
    assert kms_key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert kms_key["RotationEnabled"] is True


def test_kms_key_policy_has_the_account_root_and_the_logs_service(kms_key):
    statements = kms_key["Policy"]["Statement"]
    root = [
        s
        for s in statements
        if s["Effect"] == "Allow"
        and s.get("Principal") == {"AWS": "arn:aws:iam::{0}:root".format(ACCOUNT)}
        and "kms:*" in as_list(s["Action"])
    ]
    assert root, "no statement lets the account administer the key through IAM"
    logs = [
        s
        for s in statements
        if s["Effect"] == "Allow" and "logs.us-east-1.amazonaws.com" in as_list(s.get("Principal", {}).get("Service", []))
    ]
    assert logs, "CloudWatch Logs may not use the key"
    actions = set(as_list(logs[0]["Action"]))
    assert actions & {"kms:Encrypt*", "kms:Encrypt"} and actions & {"kms:GenerateDataKey*", "kms:GenerateDataKey"}
    for statement in statements:
        if statement.get("Principal") in ("*", {"AWS": "*"}) and statement["Effect"] == "Allow":
            assert ACCOUNT in str(statement.get("Condition")), "open to every account: {0}".format(statement)


def test_kms_key_policy_lets_only_the_app_roles_use_the_key_without_iam(kms_key, suffix):
    statements = kms_key["Policy"]["Statement"]
    open_allows = [s for s in statements if s["Effect"] == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})]
    principals = {}
    for statement in open_allows:
        condition = statement["Condition"]
        [arn] = as_list(condition["ArnEquals"]["aws:PrincipalArn"])
        principals[arn] = set(as_list(condition["StringEquals"]["kms:ViaService"]))
        assert condition["StringEquals"]["kms:CallerAccount"] == ACCOUNT
        assert not {"kms:*", "kms:CreateGrant"} & set(as_list(statement["Action"])), statement
    role = "arn:aws:iam::{0}:role/streamflix-{1}-{2}".format
    assert principals == {
        role(ACCOUNT, "task", suffix): {"secretsmanager.us-east-1.amazonaws.com", "kinesis.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"},
        role(ACCOUNT, "task-exec", suffix): {"secretsmanager.us-east-1.amazonaws.com"},
    }
    # Grants only for AWS resources (the services that encrypt with the key), whoever asks.
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert as_list(deny["Action"]) == ["kms:CreateGrant"]
    assert deny["Condition"] == {"BoolIfExists": {"kms:GrantIsForAWSResource": "false"}}
    logs = [s for s in statements if "logs.us-east-1.amazonaws.com" in as_list(s.get("Principal", {}).get("Service", []))]
    groups = set(as_list(logs[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]))
    prefix = "arn:aws:logs:us-east-1:{0}:log-group:".format(ACCOUNT)
    assert groups == {
        prefix + "/streamflix/{0}/*".format(suffix),
        prefix + "/aws/rds/cluster/streamflix-aurora-{0}/*".format(suffix),
        prefix + "API-Gateway-Execution-Logs_*/v1",
    }


def test_every_log_group_is_under_the_key_with_retention(state, kms_key, suffix):
    groups = state["log_groups"]
    assert {"/streamflix/{0}/vpc-flow-logs".format(suffix), "/aws/rds/cluster/streamflix-aurora-{0}/postgresql".format(suffix)} <= set(groups)
    assert [name for name in groups if name.startswith("API-Gateway-Execution-Logs_")], sorted(groups)
    for name, group in groups.items():
        assert group.get("kmsKeyId") == kms_key["Arn"], name
        assert group.get("retentionInDays") == LOG_RETENTION_DAYS, name


def test_aurora_has_its_own_parameter_group_that_forces_tls(state, suffix):
    group = only(state["db_cluster_parameter_groups"], "cluster parameter group")
    assert group["DBClusterParameterGroupName"] == "streamflix-aurora-{0}-pg16".format(suffix)
    assert group["DBParameterGroupFamily"] == "aurora-postgresql16"
    assert group["Parameters"] == {"rds.force_ssl": "1"}


def sg_name(kind, suffix):
    return "streamflix-{0}-sg-{1}".format(kind, suffix)


@pytest.fixture(scope="module")
def groups(state):
    return {group["GroupName"]: group for group in state["security_groups"].values()}


def rules(permissions, names_by_id):
    """Each permission as (protocol, from, to, source); the source is a CIDR or the other group's name."""
    found = set()
    for permission in permissions:
        key = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        found |= {key + (r["CidrIp"],) for r in permission.get("IpRanges", [])}
        found |= {key + (r["CidrIpv6"],) for r in permission.get("Ipv6Ranges", [])}
        found |= {key + (names_by_id.get(p["GroupId"], p["GroupId"]),) for p in permission.get("UserIdGroupPairs", [])}
        found |= {key + (p["PrefixListId"],) for p in permission.get("PrefixListIds", [])}
    return found


def test_security_groups_exist_and_are_named(groups, suffix):
    expected = {sg_name(kind, suffix) for kind in ("alb", "service", "database", "cache", "efs")}
    assert set(groups) == expected | {"default"}
    for name in expected:
        assert tag_dict(groups[name]["Tags"])["Name"] == name


def test_security_group_rules_exactly_as_designed(groups, suffix):
    names = {group["GroupId"]: name for name, group in groups.items()}
    alb, service = sg_name("alb", suffix), sg_name("service", suffix)
    expected = {
        alb: ({("tcp", 80, 80, WORLD), ("tcp", 443, 443, WORLD)}, {("tcp", APP_PORT, APP_PORT, VPC_CIDR)}),
        service: ({("tcp", APP_PORT, APP_PORT, alb)}, {("-1", None, None, WORLD)}),
        sg_name("database", suffix): ({("tcp", 5432, 5432, service)}, set()),
        sg_name("cache", suffix): ({("tcp", 6379, 6379, service)}, set()),
        sg_name("efs", suffix): ({("tcp", 2049, 2049, service)}, set()),
    }
    for name, (ingress, egress) in expected.items():
        assert rules(groups[name]["IpPermissions"], names) == ingress, name + " ingress"
        assert rules(groups[name]["IpPermissionsEgress"], names) == egress, name + " egress"


def test_the_vpcs_default_security_group_admits_and_sends_nothing(groups):
    # localaws gives a new VPC's default group AWS's two rules (all from itself, all to anywhere); the network
    # role revokes both.
    default = groups["default"]
    assert (default["IpPermissions"], default["IpPermissionsEgress"]) == ([], [])


def test_no_ingress_from_the_world_except_alb_http_and_https(groups, suffix):
    for name, group in groups.items():
        for permission in group["IpPermissions"]:
            world = [r for r in permission.get("IpRanges", []) if r["CidrIp"] == WORLD]
            world += [r for r in permission.get("Ipv6Ranges", []) if r["CidrIpv6"] == "::/0"]
            if world:
                assert name == sg_name("alb", suffix), "{0} admits the world: {1}".format(name, permission)
                assert (permission["IpProtocol"], permission["FromPort"], permission["ToPort"]) in (
                    ("tcp", 80, 80),
                    ("tcp", 443, 443),
                ), permission


# ------------------------------------------------------------------------------------------------------ tags


def test_standard_tags_on_every_taggable_resource(state, suffix, groups, kms_key):
    tagged = [("VPC", vpc["Tags"]) for vpc in state["vpcs"].values()]
    tagged += [("subnet " + s["SubnetId"], s["Tags"]) for s in state["subnets"].values()]
    tagged += [("IGW", igw["Tags"]) for igw in state["internet_gateways"].values()]
    tagged += [("NAT " + n["NatGatewayId"], n["Tags"]) for n in state["nat_gateways"].values()]
    tagged += [("EIP " + a["AllocationId"], a["Tags"]) for a in state["eips"].values()]
    tagged += [
        ("route table " + t["RouteTableId"], t["Tags"]) for t in state["route_tables"].values() if not is_main(t)
    ]
    tagged += [("SG " + name, group["Tags"]) for name, group in groups.items() if name != "default"]
    tagged += [("flow log", f.get("Tags")) for f in state["flow_logs"].values()]
    tagged += [("log group " + name, g["tags"]) for name, g in state["log_groups"].items()]
    tagged += [("IAM role " + name, r.get("Tags")) for name, r in state["iam_roles"].items()]
    tagged += [("KMS key", kms_key["Tags"])]
    assert len(tagged) >= 1 + 4 + 1 + 1 + 1 + 3 + 5 + 1 + 1 + 1 + 1
    for what, tags in tagged:
        assert_standard_tags(tags, suffix, what)
