"""One deploy of site.yml on its own suffix, then the resulting state checked resource by resource via boto3."""

from __future__ import annotations

import ipaddress
import json

import pytest

from integration_support import STANDARD_TAGS, assert_succeeded, tag_dict, unique_suffix

VPC_CIDR = "10.40.0.0/16"  # inventories/local/group_vars/all/network.yml
APP_PORT = 8080
WORLD = "0.0.0.0/0"


@pytest.fixture(scope="module")
def deployed(playbook, aws):
    suffix = unique_suffix("itst")
    assert_succeeded(playbook("site", suffix))
    ec2 = aws("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["streamflix-vpc-" + suffix]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    vpc = vpcs[0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    yield {
        "suffix": suffix,
        "vpc": vpc,
        "subnets": ec2.describe_subnets(Filters=in_vpc)["Subnets"],
        "nats": [
            nat for nat in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"] if nat["State"] not in ("deleted", "deleting")
        ],
        "route_tables": ec2.describe_route_tables(Filters=in_vpc)["RouteTables"],
        "groups": {group["GroupName"]: group for group in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]},
        "igws": ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])[
            "InternetGateways"
        ],
    }


def expected_tags(suffix):
    return dict(STANDARD_TAGS, Environment=suffix)


def assert_standard_tags(tags, suffix, what):
    tags = tag_dict(tags)
    missing = {key: value for key, value in expected_tags(suffix).items() if tags.get(key) != value}
    assert not missing, "{0} lacks or has wrong tags {1}; has {2}".format(what, missing, tags)


def by_tier(deployed, tier):
    return [subnet for subnet in deployed["subnets"] if tag_dict(subnet.get("Tags")).get("Tier") == tier]


def default_route(table):
    routes = [route for route in table["Routes"] if route.get("DestinationCidrBlock") == WORLD]
    assert len(routes) == 1, "route table {0} has {1} default routes".format(table["RouteTableId"], routes)
    return routes[0]


def table_of_subnet(deployed, subnet_id):
    tables = [
        table
        for table in deployed["route_tables"]
        if any(assoc.get("SubnetId") == subnet_id for assoc in table.get("Associations", []))
    ]
    assert len(tables) == 1, "subnet {0} is associated with {1} route tables".format(subnet_id, len(tables))
    return tables[0]


# ------------------------------------------------------------------------------------------------- network


def test_vpc_cidr_dns_and_name(deployed, aws):
    vpc = deployed["vpc"]
    assert vpc["CidrBlock"] == VPC_CIDR
    assert tag_dict(vpc["Tags"])["Name"] == "streamflix-vpc-" + deployed["suffix"]
    ec2 = aws("ec2")
    assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
    assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]


def test_two_public_and_two_private_subnets_over_two_zones(deployed):
    suffix = deployed["suffix"]
    public, private = by_tier(deployed, "public"), by_tier(deployed, "private")
    assert len(public) == 2 and len(private) == 2, [tag_dict(s.get("Tags")) for s in deployed["subnets"]]
    assert len(deployed["subnets"]) == 4, "subnets other than the platform's in the VPC"
    public_azs = {subnet["AvailabilityZone"] for subnet in public}
    private_azs = {subnet["AvailabilityZone"] for subnet in private}
    assert len(public_azs) == 2 and public_azs == private_azs
    vpc = ipaddress.ip_network(VPC_CIDR)
    for subnet in public + private:
        tier = tag_dict(subnet["Tags"])["Tier"]
        assert subnet["MapPublicIpOnLaunch"] is False, subnet["SubnetId"]
        assert ipaddress.ip_network(subnet["CidrBlock"]).subnet_of(vpc)
        assert tag_dict(subnet["Tags"])["Name"] == "streamflix-{0}-{1}-{2}".format(tier, suffix, subnet["AvailabilityZone"])
    cidrs = [ipaddress.ip_network(subnet["CidrBlock"]) for subnet in public + private]
    assert all(not a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:])


def test_internet_gateway_attached(deployed):
    assert len(deployed["igws"]) == 1
    attachments = deployed["igws"][0]["Attachments"]
    assert [(a["VpcId"], a["State"]) for a in attachments] == [(deployed["vpc"]["VpcId"], "available")]


def test_single_nat_in_a_public_subnet_with_a_tagged_eip(deployed, aws):
    suffix = deployed["suffix"]
    assert len(deployed["nats"]) == 1, [(n["NatGatewayId"], n["State"]) for n in deployed["nats"]]
    nat = deployed["nats"][0]
    assert nat["State"] == "available"
    public = {subnet["SubnetId"]: subnet for subnet in by_tier(deployed, "public")}
    assert nat["SubnetId"] in public
    zone = public[nat["SubnetId"]]["AvailabilityZone"]
    assert tag_dict(nat["Tags"])["Name"] == "streamflix-nat-{0}-{1}".format(suffix, zone)
    allocation_ids = [address["AllocationId"] for address in nat["NatGatewayAddresses"]]
    assert len(allocation_ids) == 1
    address = aws("ec2").describe_addresses(AllocationIds=allocation_ids)["Addresses"][0]
    assert address["Domain"] == "vpc"
    assert tag_dict(address["Tags"])["Name"] == "streamflix-nat-eip-{0}-{1}".format(suffix, zone)
    assert_standard_tags(address["Tags"], suffix, "NAT EIP")


def test_public_route_table_routes_to_the_igw_for_both_public_subnets(deployed):
    igw_id = deployed["igws"][0]["InternetGatewayId"]
    tables = {table_of_subnet(deployed, subnet["SubnetId"])["RouteTableId"] for subnet in by_tier(deployed, "public")}
    assert len(tables) == 1, "public subnets use different route tables"
    table = next(t for t in deployed["route_tables"] if t["RouteTableId"] in tables)
    assert tag_dict(table["Tags"])["Name"] == "streamflix-public-rt-" + deployed["suffix"]
    assert default_route(table).get("GatewayId") == igw_id
    assert not any(assoc.get("Main") for assoc in table["Associations"]), "the public table must not be the main one"


def test_each_private_subnet_reaches_the_world_only_through_the_nat(deployed):
    nat_id = deployed["nats"][0]["NatGatewayId"]
    for subnet in by_tier(deployed, "private"):
        table = table_of_subnet(deployed, subnet["SubnetId"])
        assert tag_dict(table["Tags"])["Name"] == "streamflix-private-rt-{0}-{1}".format(
            deployed["suffix"], subnet["AvailabilityZone"]
        )
        route = default_route(table)
        assert route.get("NatGatewayId") == nat_id, route
        assert not any(r.get("GatewayId", "").startswith("igw-") for r in table["Routes"]), table["Routes"]


def test_main_route_table_has_no_route_to_the_world(deployed):
    main = [t for t in deployed["route_tables"] if any(a.get("Main") for a in t.get("Associations", []))]
    assert len(main) == 1
    assert not [r for r in main[0]["Routes"] if r.get("DestinationCidrBlock") == WORLD]


def test_flow_log_on_the_vpc_to_the_log_group(deployed, aws):
    suffix = deployed["suffix"]
    flow_logs = aws("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [deployed["vpc"]["VpcId"]]}])[
        "FlowLogs"
    ]
    assert len(flow_logs) == 1, flow_logs
    flow_log = flow_logs[0]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"
    assert flow_log["LogGroupName"] == "/streamflix/{0}/vpc-flow-logs".format(suffix)
    role = aws("iam").get_role(RoleName="streamflix-flowlogs-" + suffix)["Role"]
    assert flow_log["DeliverLogsPermissionArn"] == role["Arn"]
    assert_standard_tags(flow_log.get("Tags"), suffix, "flow log")


def test_log_group_retention_and_tags(deployed, aws):
    logs = aws("logs")
    name = "/streamflix/{0}/vpc-flow-logs".format(deployed["suffix"])
    groups = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    assert len(groups) == 1
    assert groups[0]["retentionInDays"] == 7
    tags = logs.list_tags_for_resource(resourceArn=groups[0]["logGroupArn"])["tags"]
    assert_standard_tags(tags, deployed["suffix"], "flow-log group")


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_flow_logs_role_trusts_only_the_flow_logs_service_and_writes_only_its_group(deployed, aws):
    suffix = deployed["suffix"]
    iam = aws("iam")
    role_name = "streamflix-flowlogs-" + suffix
    role = iam.get_role(RoleName=role_name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    principals = [statement["Principal"] for statement in trust["Statement"] if statement["Effect"] == "Allow"]
    assert principals == [{"Service": "vpc-flow-logs.amazonaws.com"}]
    assert_standard_tags(role.get("Tags"), suffix, "flow-logs role")
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert names, "the delivery role has no inline policy"
    group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/streamflix/{0}/vpc-flow-logs".format(suffix)
    write_actions = {"logs:CreateLogStream", "logs:PutLogEvents"}
    granted = set()
    for name in names:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        for statement in document["Statement"]:
            actions = set(as_list(statement["Action"]))
            resources = as_list(statement["Resource"])
            assert "*" not in actions and "logs:*" not in actions, statement
            if actions & write_actions or "logs:DescribeLogStreams" in actions:
                granted |= actions & write_actions
                for resource in resources:
                    assert resource in (group_arn, group_arn + ":*", group_arn + ":log-stream:*"), (
                        "write access beyond the flow-log group: {0}".format(statement)
                    )
            else:
                assert "*" not in resources, statement
    assert granted == write_actions


# ------------------------------------------------------------------------------------------------ security


@pytest.fixture(scope="module")
def kms_key(deployed, aws):
    kms = aws("kms")
    alias = "alias/streamflix-" + deployed["suffix"]
    aliases = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == alias]
    assert len(aliases) == 1, "alias {0} not found".format(alias)
    return kms.describe_key(KeyId=aliases[0]["TargetKeyId"])["KeyMetadata"]


def test_kms_key_customer_managed_enabled_with_rotation(kms_key, aws):
    assert kms_key["KeyManager"] == "CUSTOMER"
    assert kms_key["KeyState"] == "Enabled" and kms_key["Enabled"] is True
    assert kms_key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert aws("kms").get_key_rotation_status(KeyId=kms_key["KeyId"])["KeyRotationEnabled"] is True


def test_kms_key_policy_has_the_account_root_and_the_logs_service(kms_key, aws, deployed):
    policy = json.loads(aws("kms").get_key_policy(KeyId=kms_key["KeyId"], PolicyName="default")["Policy"])
    statements = policy["Statement"]
    root = [
        s
        for s in statements
        if s["Effect"] == "Allow" and s.get("Principal") == {"AWS": "arn:aws:iam::123456789012:root"}
        and "kms:*" in as_list(s["Action"])
    ]
    assert root, "no statement lets the account administer the key"
    logs = [
        s
        for s in statements
        if s["Effect"] == "Allow" and "logs.us-east-1.amazonaws.com" in as_list(s.get("Principal", {}).get("Service", []))
    ]
    assert logs, "CloudWatch Logs may not use the key"
    actions = set(as_list(logs[0]["Action"]))
    assert actions & {"kms:Encrypt*", "kms:Encrypt"} and actions & {"kms:GenerateDataKey*", "kms:GenerateDataKey"}
    # Anything granted to every principal must be held to this account.
    for statement in statements:
        if statement.get("Principal") in ("*", {"AWS": "*"}):
            condition = json.dumps(statement.get("Condition", {}))
            assert "123456789012" in condition, statement


def test_kms_key_tags(kms_key, aws, deployed):
    tags = aws("kms").list_resource_tags(KeyId=kms_key["KeyId"])["Tags"]
    assert_standard_tags(tags, deployed["suffix"], "KMS key")


def sg_name(kind, suffix):
    return "streamflix-{0}-sg-{1}".format(kind, suffix)


def rules(permissions, groups_by_id):
    """Each permission as (protocol, from, to, source), source a CIDR or the other group's name."""
    found = set()
    for permission in permissions:
        key = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        for ip_range in permission.get("IpRanges", []):
            found.add(key + (ip_range["CidrIp"],))
        for ip_range in permission.get("Ipv6Ranges", []):
            found.add(key + (ip_range["CidrIpv6"],))
        for pair in permission.get("UserIdGroupPairs", []):
            found.add(key + (groups_by_id.get(pair["GroupId"], pair["GroupId"]),))
        for prefix_list in permission.get("PrefixListIds", []):
            found.add(key + (prefix_list["PrefixListId"],))
    return found


def test_security_groups_exist_and_are_tagged(deployed):
    suffix = deployed["suffix"]
    groups = deployed["groups"]
    expected = {sg_name(kind, suffix) for kind in ("alb", "service", "database", "cache", "efs")}
    assert expected <= set(groups), sorted(groups)
    assert set(groups) - expected == {"default"}
    for name in expected:
        assert_standard_tags(groups[name]["Tags"], suffix, name)
        assert tag_dict(groups[name]["Tags"])["Name"] == name


def test_security_group_rules_exactly_as_designed(deployed):
    suffix = deployed["suffix"]
    groups = deployed["groups"]
    names = {group["GroupId"]: name for name, group in groups.items()}
    alb, service = sg_name("alb", suffix), sg_name("service", suffix)
    expected = {
        alb: (
            {("tcp", 80, 80, WORLD), ("tcp", 443, 443, WORLD)},
            {("tcp", APP_PORT, APP_PORT, VPC_CIDR)},
        ),
        service: ({("tcp", APP_PORT, APP_PORT, alb)}, {("-1", None, None, WORLD)}),
        sg_name("database", suffix): ({("tcp", 5432, 5432, service)}, set()),
        sg_name("cache", suffix): ({("tcp", 6379, 6379, service)}, set()),
        sg_name("efs", suffix): ({("tcp", 2049, 2049, service)}, set()),
    }
    for name, (ingress, egress) in expected.items():
        assert rules(groups[name]["IpPermissions"], names) == ingress, name + " ingress"
        assert rules(groups[name]["IpPermissionsEgress"], names) == egress, name + " egress"


def test_no_ingress_from_the_world_except_alb_http_and_https(deployed, aws):
    alb = sg_name("alb", deployed["suffix"])
    every_group = aws("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [deployed["vpc"]["VpcId"]]}]
    )["SecurityGroups"]
    for group in every_group:
        for permission in group["IpPermissions"]:
            open_to_world = [r for r in permission.get("IpRanges", []) if r["CidrIp"] == WORLD] + [
                r for r in permission.get("Ipv6Ranges", []) if r["CidrIpv6"] == "::/0"
            ]
            if not open_to_world:
                continue
            assert group["GroupName"] == alb, "{0} admits the world: {1}".format(group["GroupName"], permission)
            assert (permission["IpProtocol"], permission["FromPort"], permission["ToPort"]) in (
                ("tcp", 80, 80),
                ("tcp", 443, 443),
            ), permission


# ------------------------------------------------------------------------------------------------------ tags


def test_standard_tags_on_every_network_resource(deployed):
    suffix = deployed["suffix"]
    assert_standard_tags(deployed["vpc"]["Tags"], suffix, "VPC")
    assert_standard_tags(deployed["igws"][0]["Tags"], suffix, "IGW")
    for subnet in deployed["subnets"]:
        assert_standard_tags(subnet["Tags"], suffix, subnet["SubnetId"])
    for nat in deployed["nats"]:
        assert_standard_tags(nat["Tags"], suffix, nat["NatGatewayId"])
    platform_tables = [t for t in deployed["route_tables"] if not any(a.get("Main") for a in t.get("Associations", []))]
    assert len(platform_tables) == 3  # one public, one private per zone
    for table in platform_tables:
        assert_standard_tags(table["Tags"], suffix, table["RouteTableId"])
