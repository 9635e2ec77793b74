"""GET /_localaws/requests: AWS requests by <service>.<Operation>, for every protocol; DELETE or POST resets."""

from __future__ import annotations

import json
import urllib.request

import pytest
from conftest import make_client

from localaws.testing import request_counts, running_localaws


@pytest.fixture(scope="module")
def counted():
    # Its own server: the session's server counts the other tests' requests too.
    with running_localaws() as url:
        yield url


def test_counts_each_protocol_by_operation(counted, name):
    request_counts(counted, reset=True)
    ec2 = make_client(counted, "ec2")  # ec2 protocol: Action in the form body
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    make_client(counted, "sqs").create_queue(QueueName=name)  # awsJson: X-Amz-Target
    make_client(counted, "rds").describe_db_clusters()  # query protocol
    efs = make_client(counted, "efs")  # rest-json: method and path against the botocore model
    file_system = efs.create_file_system(CreationToken=name)["FileSystemId"]
    efs.describe_mount_targets(FileSystemId=file_system)
    efs.describe_file_systems(FileSystemId=file_system)
    make_client(counted, "apigateway").get_rest_apis()
    make_client(counted, "cloudwatch").describe_alarms()
    assert request_counts(counted) == {
        "apigateway.GetRestApis": 1,
        "ec2.DescribeVpcs": 2,
        "elasticfilesystem.CreateFileSystem": 1,
        "elasticfilesystem.DescribeFileSystems": 1,
        "elasticfilesystem.DescribeMountTargets": 1,
        "monitoring.DescribeAlarms": 1,
        "rds.DescribeDBClusters": 1,
        "sqs.CreateQueue": 1,
    }


def test_rest_operations_sharing_a_path_are_told_apart_by_their_query(counted, name):
    # S3: GET /{Bucket} is ListObjects, GET /{Bucket}?tagging GetBucketTagging, ?list-type=2 ListObjectsV2.
    request_counts(counted, reset=True)
    s3 = make_client(counted, "s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.get_bucket_tagging(Bucket=name)
    s3.head_bucket(Bucket=name)
    s3.list_objects(Bucket=name)
    s3.list_objects_v2(Bucket=name)
    assert request_counts(counted) == {
        "s3.CreateBucket": 1,
        "s3.GetBucketTagging": 1,
        "s3.HeadBucket": 1,
        "s3.ListObjects": 1,
        "s3.ListObjectsV2": 1,
        "s3.PutBucketTagging": 1,
    }


def test_the_form_body_still_reaches_the_backend(counted, name):
    # Reading Action from the body must leave the body for moto: the call takes effect with its parameters.
    ec2 = make_client(counted, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": name}])
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc]


def test_reset_answers_the_counts_and_starts_from_zero(counted):
    request_counts(counted, reset=True)
    make_client(counted, "sts").get_caller_identity()
    request = urllib.request.Request(f"{counted}/_localaws/requests", method="POST")
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.load(resp) == {"sts.GetCallerIdentity": 1}
    assert request_counts(counted) == {}


def test_control_paths_are_not_counted(counted):
    request_counts(counted, reset=True)
    for path in ("/_localaws/health", "/_localaws/faults", "/_localaws/requests"):
        with urllib.request.urlopen(f"{counted}{path}", timeout=5) as resp:
            assert resp.status == 200
    assert request_counts(counted) == {}
