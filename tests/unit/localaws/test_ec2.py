"""EC2 fill: a rule that references a security group is the same rule whatever its description."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def ec2(client):
    return client("ec2")


@pytest.fixture
def groups(ec2, name):
    vpc_id = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    made = [ec2.create_security_group(GroupName=name + suffix, Description="d", VpcId=vpc_id)["GroupId"] for suffix in ("-a", "-b")]
    yield made
    for group_id in made:
        rules = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
        if rules:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=rules)
    for group_id in made:
        ec2.delete_security_group(GroupId=group_id)
    ec2.delete_vpc(VpcId=vpc_id)


def from_group(source, description=None):
    pair = {"GroupId": source}
    if description is not None:
        pair["Description"] = description
    return [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [pair]}]


def pairs(ec2, group_id):
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return [pair.get("Description") for perm in group["IpPermissions"] for pair in perm["UserIdGroupPairs"]]


def test_the_description_of_a_group_pair_rule_is_updated_in_place(ec2, groups):
    target, source = groups
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=from_group(source, "old"))
    assert ec2.update_security_group_rule_descriptions_ingress(GroupId=target, IpPermissions=from_group(source, "new"))["Return"] is True
    assert pairs(ec2, target) == ["new"]


def test_a_group_pair_rule_is_revoked_without_its_description(ec2, groups):
    target, source = groups
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=from_group(source, "described"))
    ec2.revoke_security_group_ingress(GroupId=target, IpPermissions=from_group(source))
    assert pairs(ec2, target) == []


def test_the_same_group_pair_rule_with_another_description_is_a_duplicate(ec2, groups):
    target, source = groups
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=from_group(source, "first"))
    with pytest.raises(ClientError) as error:
        ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=from_group(source, "second"))
    assert error.value.response["Error"]["Code"] == "InvalidPermission.Duplicate"
    assert pairs(ec2, target) == ["first"]


def test_a_new_vpc_has_a_default_group_that_admits_itself_and_sends_anywhere(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.32.0.0/16")["Vpc"]["VpcId"]
    [group] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert [(p["IpProtocol"], [pair["GroupId"] for pair in p["UserIdGroupPairs"]]) for p in group["IpPermissions"]] == [
        ("-1", [group["GroupId"]])]
    assert [(p["IpProtocol"], p["IpRanges"]) for p in group["IpPermissionsEgress"]] == [("-1", [{"CidrIp": "0.0.0.0/0"}])]
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
