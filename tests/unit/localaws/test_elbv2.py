"""ELBv2 fills: every ALB attribute listed with its default, deletion protection refuses DeleteLoadBalancer,
access logs only to a bucket that exists and lets Elastic Load Balancing write."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

ELB_ACCOUNT = "127311923021"  # us-east-1


@pytest.fixture
def elbv2(client):
    return client("elbv2")


@pytest.fixture
def alb(elbv2, vpc):
    name = "t-" + uuid.uuid4().hex[:12]
    return elbv2.create_load_balancer(Name=name, Subnets=vpc["subnets"][:2])["LoadBalancers"][0]["LoadBalancerArn"]


def attributes(elbv2, arn):
    return {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}


def log_bucket(client, policy_principal=None, prefix="alb"):
    s3 = client("s3")
    name = "logs-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    if policy_principal is not None:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": policy_principal, "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::{0}/{1}/AWSLogs/123456789012/*".format(name, prefix),
        }]}))
    return name


def code_of(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_every_attribute_is_listed_with_its_default(elbv2, alb):
    attrs = attributes(elbv2, alb)
    assert attrs["access_logs.s3.enabled"] == "false"
    assert attrs["routing.http.drop_invalid_header_fields.enabled"] == "false"
    assert attrs["deletion_protection.enabled"] == "false"


def test_deletion_protection_refuses_delete_until_lifted(elbv2, alb):
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=alb, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}])
    with pytest.raises(ClientError) as excinfo:
        elbv2.delete_load_balancer(LoadBalancerArn=alb)
    assert code_of(excinfo) == "OperationNotPermitted" and "deletion protection" in str(excinfo.value)
    assert elbv2.describe_load_balancers(LoadBalancerArns=[alb])["LoadBalancers"]
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=alb, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
    elbv2.delete_load_balancer(LoadBalancerArn=alb)
    with pytest.raises(ClientError):
        elbv2.describe_load_balancers(LoadBalancerArns=[alb])


def enable_logs(elbv2, alb, bucket, prefix="alb"):
    return elbv2.modify_load_balancer_attributes(LoadBalancerArn=alb, Attributes=[
        {"Key": "access_logs.s3.enabled", "Value": "true"},
        {"Key": "access_logs.s3.bucket", "Value": bucket},
        {"Key": "access_logs.s3.prefix", "Value": prefix},
    ])


@pytest.mark.parametrize("principal", [{"AWS": "arn:aws:iam::{0}:root".format(ELB_ACCOUNT)},
                                       {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}])
def test_access_logs_to_a_bucket_that_lets_elb_write(client, elbv2, alb, principal):
    bucket = log_bucket(client, principal)
    enable_logs(elbv2, alb, bucket)
    attrs = attributes(elbv2, alb)
    assert (attrs["access_logs.s3.enabled"], attrs["access_logs.s3.bucket"]) == ("true", bucket)


def test_access_logs_refused_for_a_missing_bucket(elbv2, alb):
    with pytest.raises(ClientError) as excinfo:
        enable_logs(elbv2, alb, "no-such-bucket-" + uuid.uuid4().hex[:8])
    assert code_of(excinfo) == "InvalidConfigurationRequest"
    assert attributes(elbv2, alb)["access_logs.s3.enabled"] == "false"


@pytest.mark.parametrize("principal, prefix", [(None, "alb"), ({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, "other")])
def test_access_logs_refused_without_a_policy_for_the_prefix(client, elbv2, alb, principal, prefix):
    bucket = log_bucket(client, principal, prefix=prefix)
    with pytest.raises(ClientError) as excinfo:
        enable_logs(elbv2, alb, bucket, prefix="alb")
    assert code_of(excinfo) == "InvalidConfigurationRequest" and "Access Denied for bucket" in str(excinfo.value)
