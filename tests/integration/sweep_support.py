"""Helpers of the fault and interruption tests: a localaws of their own, an id-free signature of an account,
the counts a deploy of the local inventory must make, and a playbook run killed after its N-th task.

Both tests run against a localaws of their own, so everything on it is theirs: the signature covers the whole
account (minus what a fresh localaws already holds), and a duplicate made without a name or a tag still counts.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import yaml
from botocore.config import Config

from integration_support import ANSIBLE_PLAYBOOK, REGION, REPO, RUNS, SHARED_API_LOGS_ROLE, PlaybookRun, parse_recap
from integration_support import _pages
from integration_support import tag_dict as _tags

# Our own reads must survive the injected faults too: botocore's standard mode, ten attempts.
RETRYING = Config(retries={"mode": "standard", "max_attempts": 10})
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TASK_LINE = re.compile(r"^TASK \[(?P<name>.*)\] \**$")


def client_factory(endpoint_url: str):
    """aws("ec2") -> a cached boto3 client for endpoint_url that retries faults (standard mode, 10 attempts)."""
    cache = {}

    def factory(service: str):
        if service not in cache:
            cache[service] = boto3.client(
                service,
                endpoint_url=endpoint_url,
                region_name=REGION,
                aws_access_key_id="localaws",
                aws_secret_access_key="localaws",
                config=RETRYING,
            )
        return cache[service]

    return factory


# ---------------------------------------------------------------------------------------------------------
# What the local inventory asks for


def inventory_vars(environment: str = "local") -> dict:
    """group_vars/all of an inventory, merged in file order (as Ansible loads them)."""
    merged = {}
    for path in sorted((REPO / "inventories" / environment / "group_vars" / "all").glob("*.yml")):
        merged.update(yaml.safe_load(path.read_text()) or {})
    return merged


def expected_counts(variables: dict) -> dict:
    """How many of each kind a full deploy of these inventory variables makes, from the design.

    The numbers that vary with the inventory come from it; the others are what the roles always make.
    """
    zones = int(variables["streamflix_az_count"])
    nats = 1 if variables["streamflix_nat_mode"] == "single" else zones
    cache_nodes = int(variables["streamflix_cache_nodes"])
    readers = int(variables["streamflix_db_reader_count"])
    return {
        "vpcs": 1,
        "subnets": 2 * zones,  # one public and one private per zone
        "internet_gateways": 1,
        "nat_gateways": nats,
        "eips": nats,
        "route_tables": 2 + zones,  # the VPC's main table, the public one, one private per zone
        "security_groups": 6,  # the VPC's default + alb, service, database, cache, efs
        "flow_logs": 1,
        "kms_keys": 1,
        "kms_aliases": 1,
        "secrets": 5,  # api keys, Redis AUTH token, app config, the app's database login, the ALB origin-verify header
        "managed_secrets": 1,  # the Aurora master password, made by RDS (ManageMasterUserPassword)
        "db_clusters": 1,
        "db_instances": 1 + readers,  # the writer and the readers
        "replication_groups": 1,
        "cache_clusters": cache_nodes,
        "file_systems": 1,
        "mount_targets": zones,  # one per private subnet
        "access_points": 1,
        "kinesis_streams": 1,
        "sqs_queues": 2,  # jobs and its dead-letter queue
        "ecs_clusters": 1,
        "ecs_services": 1,
        "task_definition_revisions": 1,
        "load_balancers": 1,
        # HTTP; with a certificate HTTPS too (HTTP then redirects)
        "listeners": 1 if variables.get("streamflix_certificate_arn") in (None, "") else 2,
        "target_groups": 1,
        "scalable_targets": 1,
        "scaling_policies": 3,  # cpu, memory, requests per target
        "rest_apis": 1,
        "api_deployments": 1,
        "api_stages": 1,
        "web_acls": 1 if variables.get("streamflix_waf_enabled") else 0,
        # 3 streaming + 3 ECS + 3 ALB + 2 Aurora + 1 API, and 2 per Redis node (roles/monitoring/templates/alarms.yml.j2)
        "alarms": 12 + 2 * cache_nodes,
        "scaling_alarms": 2 * 3,  # AlarmHigh and AlarmLow of each target tracking policy
        "dashboards": 1,
        "sns_topics": 1,
        "iam_roles": 4,  # flow logs, task execution, task, the account's shared API Gateway logs role
        # flow logs, app, API access, API execution logs, the Aurora PostgreSQL export
        "log_groups": 5,
    }


# ---------------------------------------------------------------------------------------------------------
# The state of an account, without ids


def _name(item) -> str:
    return _tags(item.get("Tags")).get("Name", "<unnamed>")


def _sorted(items) -> list:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))


def raw_inventory(aws) -> dict:
    """kind -> {id: description} of everything on the account that a deploy can make (ids still in)."""
    ec2, kms, logs, iam = aws("ec2"), aws("kms"), aws("logs"), aws("iam")
    found = {}
    found["vpcs"] = {v["VpcId"]: v for v in _pages(ec2, "describe_vpcs", "Vpcs")}
    found["subnets"] = {s["SubnetId"]: s for s in _pages(ec2, "describe_subnets", "Subnets")}
    found["internet_gateways"] = {g["InternetGatewayId"]: g for g in _pages(ec2, "describe_internet_gateways", "InternetGateways")}
    found["nat_gateways"] = {
        n["NatGatewayId"]: n for n in _pages(ec2, "describe_nat_gateways", "NatGateways") if n["State"] not in ("deleted", "deleting")
    }
    found["eips"] = {a["AllocationId"]: a for a in ec2.describe_addresses()["Addresses"]}
    found["route_tables"] = {t["RouteTableId"]: t for t in _pages(ec2, "describe_route_tables", "RouteTables")}
    found["security_groups"] = {g["GroupId"]: g for g in _pages(ec2, "describe_security_groups", "SecurityGroups")}
    found["flow_logs"] = {f["FlowLogId"]: f for f in _pages(ec2, "describe_flow_logs", "FlowLogs")}
    keys = {}
    for key in _pages(kms, "list_keys", "Keys"):
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER" and metadata["KeyState"] != "PendingDeletion":
            metadata["RotationEnabled"] = kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
            keys[key["KeyId"]] = metadata
    found["kms_keys"] = keys
    found["kms_aliases"] = {
        a["AliasName"]: a for a in _pages(kms, "list_aliases", "Aliases") if not a["AliasName"].startswith("alias/aws/")
    }
    secrets = _pages(aws("secretsmanager"), "list_secrets", "SecretList")
    # RDS makes and owns the master password secret (ManageMasterUserPassword): rds!cluster-<uuid>.
    found["secrets"] = {s["ARN"]: s for s in secrets if not s["Name"].startswith("rds!")}
    found["managed_secrets"] = {s["ARN"]: s for s in secrets if s["Name"].startswith("rds!")}
    rds = aws("rds")
    found["db_clusters"] = {c["DBClusterIdentifier"]: c for c in _pages(rds, "describe_db_clusters", "DBClusters")}
    found["db_instances"] = {i["DBInstanceIdentifier"]: i for i in _pages(rds, "describe_db_instances", "DBInstances")}
    cache = aws("elasticache")
    found["replication_groups"] = {
        g["ReplicationGroupId"]: g for g in _pages(cache, "describe_replication_groups", "ReplicationGroups")
    }
    found["cache_clusters"] = {c["CacheClusterId"]: c for c in _pages(cache, "describe_cache_clusters", "CacheClusters")}
    efs = aws("efs")
    file_systems = {f["FileSystemId"]: f for f in _pages(efs, "describe_file_systems", "FileSystems")}
    found["file_systems"] = file_systems
    found["mount_targets"], found["access_points"] = {}, {}
    for fs_id in file_systems:
        for target in _pages(efs, "describe_mount_targets", "MountTargets", FileSystemId=fs_id):
            found["mount_targets"][target["MountTargetId"]] = target
        for point in _pages(efs, "describe_access_points", "AccessPoints", FileSystemId=fs_id):
            found["access_points"][point["AccessPointId"]] = point
    kinesis = aws("kinesis")
    found["kinesis_streams"] = {
        name: kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        for name in _pages(kinesis, "list_streams", "StreamNames")
    }
    sqs = aws("sqs")
    found["sqs_queues"] = {
        url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        for url in sqs.list_queues().get("QueueUrls", [])
    }
    ecs = aws("ecs")
    cluster_arns = _pages(ecs, "list_clusters", "clusterArns")
    # A deleted cluster stays INACTIVE (and listed) for a while, as AWS documents for DeleteCluster: not a leftover.
    found["ecs_clusters"] = {
        cluster["clusterArn"]: cluster
        for start in range(0, len(cluster_arns), 100)
        for cluster in ecs.describe_clusters(clusters=cluster_arns[start:start + 100])["clusters"]
        if cluster["status"] != "INACTIVE"
    }
    cluster_arns = list(found["ecs_clusters"])
    found["ecs_services"] = {}
    for cluster_arn in cluster_arns:
        arns = _pages(ecs, "list_services", "serviceArns", cluster=cluster_arn)
        for start in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster_arn, services=arns[start:start + 10])["services"]:
                if service["status"] != "INACTIVE":
                    found["ecs_services"][service["serviceArn"]] = service
    found["task_definition_revisions"] = {
        arn: ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        for arn in _pages(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
    }
    elbv2 = aws("elbv2")
    balancers = {b["LoadBalancerArn"]: b for b in _pages(elbv2, "describe_load_balancers", "LoadBalancers")}
    found["load_balancers"] = balancers
    found["listeners"] = {
        listener["ListenerArn"]: listener
        for arn in balancers
        for listener in _pages(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn)
    }
    found["target_groups"] = {g["TargetGroupArn"]: g for g in _pages(elbv2, "describe_target_groups", "TargetGroups")}
    scaling = aws("application-autoscaling")
    found["scalable_targets"] = {
        t["ResourceId"] + "|" + t["ScalableDimension"]: t
        for t in _pages(scaling, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs")
    }
    found["scaling_policies"] = {
        p["PolicyARN"]: p for p in _pages(scaling, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs")
    }
    apigw = aws("apigateway")
    apis = {a["id"]: a for a in _pages(apigw, "get_rest_apis", "items")}
    found["rest_apis"] = apis
    found["api_deployments"], found["api_stages"] = {}, {}
    for api_id, api in apis.items():
        for deployment in _pages(apigw, "get_deployments", "items", restApiId=api_id):
            found["api_deployments"][api_id + "/" + deployment["id"]] = dict(deployment, api=api["name"])
        for stage in apigw.get_stages(restApiId=api_id).get("item", []):
            found["api_stages"][api_id + "/" + stage["stageName"]] = dict(stage, api=api["name"])
    found["web_acls"] = {a["ARN"]: a for a in aws("wafv2").list_web_acls(Scope="REGIONAL").get("WebACLs", [])}
    cloudwatch = aws("cloudwatch")
    alarms = _pages(cloudwatch, "describe_alarms", "MetricAlarms")
    # Application Auto Scaling makes and owns two alarms per target tracking policy (TargetTracking-...).
    found["alarms"] = {a["AlarmName"]: a for a in alarms if not a["AlarmName"].startswith("TargetTracking-")}
    found["scaling_alarms"] = {a["AlarmName"]: a for a in alarms if a["AlarmName"].startswith("TargetTracking-")}
    found["dashboards"] = {d["DashboardName"]: d for d in _pages(cloudwatch, "list_dashboards", "DashboardEntries")}
    sns = aws("sns")
    topics = {}
    for topic in _pages(sns, "list_topics", "Topics"):
        attributes = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
        topics[topic["TopicArn"]] = attributes
    found["sns_topics"] = topics
    found["iam_roles"] = {r["RoleName"]: r for r in _pages(iam, "list_roles", "Roles")}
    found["log_groups"] = {g["logGroupName"]: g for g in _pages(logs, "describe_log_groups", "logGroups")}
    return found


def ids(raw: dict) -> dict:
    return {kind: set(items) for kind, items in raw.items()}


def minus(raw: dict, baseline_ids: dict) -> dict:
    """raw without what the baseline (a fresh localaws) already held."""
    return {kind: {key: item for key, item in items.items() if key not in baseline_ids.get(kind, ())} for kind, items in raw.items()}


def left_after_teardown(raw: dict, baseline_ids: dict) -> dict:
    """{kind: sorted ids} a teardown left on the account beyond the baseline, except the one resource every
    environment of an account shares on purpose (the API Gateway logs role, which no teardown deletes)."""
    left = minus(raw, baseline_ids)
    left["iam_roles"] = {name: role for name, role in left.get("iam_roles", {}).items() if name != SHARED_API_LOGS_ROLE}
    return {kind: sorted(items) for kind, items in left.items() if items}


def counts(raw: dict) -> dict:
    return {kind: len(items) for kind, items in raw.items()}


def _describe(kind: str, item: dict, names: dict) -> dict:
    """The id-free key settings of one resource; ids of other resources are replaced by their names."""
    def named(resource_id):
        return names.get(resource_id, "<unknown>" if resource_id else None)

    if kind == "vpcs":
        return {"name": _name(item), "cidr": item["CidrBlock"]}
    if kind == "subnets":
        return {"name": _name(item), "cidr": item["CidrBlock"], "az": item["AvailabilityZone"],
                "tier": _tags(item.get("Tags")).get("Tier"), "public_ip": item.get("MapPublicIpOnLaunch")}
    if kind == "internet_gateways":
        return {"name": _name(item), "vpcs": sorted(named(a["VpcId"]) for a in item.get("Attachments", []))}
    if kind == "nat_gateways":
        return {"name": _name(item), "subnet": named(item["SubnetId"]), "type": item.get("ConnectivityType")}
    if kind == "eips":
        return {"name": _name(item), "nat": bool(item.get("AssociationId") or item.get("NetworkInterfaceId"))}
    if kind == "route_tables":
        routes = _sorted(
            {"dest": r.get("DestinationCidrBlock"), "to": named(r.get("NatGatewayId") or r.get("GatewayId"))}
            for r in item.get("Routes", [])
        )
        subnets = sorted(named(a.get("SubnetId")) for a in item.get("Associations", []) if a.get("SubnetId"))
        return {"name": _name(item), "main": any(a.get("Main") for a in item.get("Associations", [])),
                "routes": routes, "subnets": subnets}
    if kind == "security_groups":
        def rules(permissions):
            return _sorted(
                {"proto": p.get("IpProtocol"), "from": p.get("FromPort"), "to": p.get("ToPort"),
                 "cidrs": sorted(r["CidrIp"] for r in p.get("IpRanges", [])),
                 "groups": sorted(named(g["GroupId"]) for g in p.get("UserIdGroupPairs", []))}
                for p in permissions
            )
        return {"name": item["GroupName"], "in": rules(item.get("IpPermissions", [])),
                "out": rules(item.get("IpPermissionsEgress", []))}
    if kind == "flow_logs":
        return {"log_group": item.get("LogGroupName"), "traffic": item.get("TrafficType"), "of": named(item.get("ResourceId"))}
    if kind == "kms_keys":
        return {"spec": item.get("KeySpec"), "usage": item.get("KeyUsage"), "state": item["KeyState"],
                "rotation": item["RotationEnabled"], "aliases": sorted(names.get("aliases_of:" + item["KeyId"], []))}
    if kind == "kms_aliases":
        return {"name": item["AliasName"], "has_key": bool(item.get("TargetKeyId"))}
    if kind == "managed_secrets":
        return {"name": UUID.sub("<uuid>", item["Name"]), "kms": bool(item.get("KmsKeyId"))}
    if kind == "scaling_alarms":
        return {"name": UUID.sub("<uuid>", item["AlarmName"]), "metric": item.get("MetricName"),
                "actions": len(item.get("AlarmActions", []))}
    if kind == "secrets":
        return {"name": item["Name"], "kms": bool(item.get("KmsKeyId"))}
    if kind == "db_clusters":
        scaling = item.get("ServerlessV2ScalingConfiguration", {})
        return {"id": item["DBClusterIdentifier"], "engine": item["Engine"], "version": item.get("EngineVersion"),
                "acu": [scaling.get("MinCapacity"), scaling.get("MaxCapacity")], "encrypted": item.get("StorageEncrypted"),
                "backup_days": item.get("BackupRetentionPeriod"), "deletion_protection": item.get("DeletionProtection"),
                "members": sorted(
                    (m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in item.get("DBClusterMembers", [])
                ), "data_api": item.get("HttpEndpointEnabled")}
    if kind == "db_instances":
        return {"id": item["DBInstanceIdentifier"], "class": item["DBInstanceClass"], "cluster": item.get("DBClusterIdentifier"),
                "public": item.get("PubliclyAccessible")}
    if kind == "replication_groups":
        return {"id": item["ReplicationGroupId"], "members": len(item.get("MemberClusters", [])),
                "failover": item.get("AutomaticFailover"), "multi_az": item.get("MultiAZ"),
                "transit": item.get("TransitEncryptionEnabled"), "at_rest": item.get("AtRestEncryptionEnabled"),
                "auth": item.get("AuthTokenEnabled"), "node_type": item.get("CacheNodeType"),
                "snapshot_days": item.get("SnapshotRetentionLimit")}
    if kind == "cache_clusters":
        return {"id": item["CacheClusterId"], "group": item.get("ReplicationGroupId"), "node_type": item.get("CacheNodeType"),
                "engine": item.get("Engine"), "version": item.get("EngineVersion")}
    if kind == "file_systems":
        return {"name": item.get("Name"), "encrypted": item.get("Encrypted"), "performance": item.get("PerformanceMode"),
                "throughput": item.get("ThroughputMode")}
    if kind == "mount_targets":
        return {"fs": named(item["FileSystemId"]), "subnet": named(item["SubnetId"]), "az": item.get("AvailabilityZoneName")}
    if kind == "access_points":
        return {"name": item.get("Name"), "fs": named(item["FileSystemId"]), "root": item.get("RootDirectory", {}).get("Path"),
                "posix": item.get("PosixUser")}
    if kind == "kinesis_streams":
        return {"name": item["StreamName"], "shards": item.get("OpenShardCount"), "hours": item.get("RetentionPeriodHours"),
                "encryption": item.get("EncryptionType"), "mode": item.get("StreamModeDetails", {}).get("StreamMode")}
    if kind == "sqs_queues":
        redrive = json.loads(item.get("RedrivePolicy") or "{}")
        return {"name": item["QueueArn"].rsplit(":", 1)[1], "visibility": item.get("VisibilityTimeout"),
                "kms": bool(item.get("KmsMasterKeyId")), "max_receive": redrive.get("maxReceiveCount"),
                "dlq": redrive.get("deadLetterTargetArn", "").rsplit(":", 1)[-1] or None}
    if kind == "ecs_clusters":
        return {"name": item["clusterArn"].rsplit("/", 1)[1]}
    if kind == "ecs_services":
        network = item.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        return {"name": item["serviceName"], "cluster": item["clusterArn"].rsplit("/", 1)[1], "launch": item.get("launchType"),
                "task_definition": item["taskDefinition"].rsplit("/", 1)[1],
                "subnets": sorted(named(s) for s in network.get("subnets", [])),
                "groups": sorted(named(g) for g in network.get("securityGroups", [])),
                "public_ip": network.get("assignPublicIp"), "balancers": len(item.get("loadBalancers", []))}
    if kind == "task_definition_revisions":
        return {"family": item["family"], "revision": item["revision"], "cpu": item.get("cpu"), "memory": item.get("memory"),
                "containers": sorted(c["name"] for c in item.get("containerDefinitions", []))}
    if kind == "load_balancers":
        return {"name": item["LoadBalancerName"], "scheme": item.get("Scheme"), "type": item.get("Type"),
                "subnets": sorted(named(z.get("SubnetId")) for z in item.get("AvailabilityZones", [])),
                "groups": sorted(named(g) for g in item.get("SecurityGroups", []))}
    if kind == "listeners":
        return {"port": item.get("Port"), "protocol": item.get("Protocol"),
                "actions": sorted(a["Type"] for a in item.get("DefaultActions", []))}
    if kind == "target_groups":
        return {"name": item["TargetGroupName"], "port": item.get("Port"), "protocol": item.get("Protocol"),
                "target_type": item.get("TargetType"), "health_path": item.get("HealthCheckPath")}
    if kind == "scalable_targets":
        return {"resource": item["ResourceId"], "min": item["MinCapacity"], "max": item["MaxCapacity"]}
    if kind == "scaling_policies":
        config = item.get("TargetTrackingScalingPolicyConfiguration", {})
        return {"name": item["PolicyName"], "resource": item["ResourceId"], "target": config.get("TargetValue"),
                "metric": config.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")}
    if kind == "rest_apis":
        return {"name": item["name"], "endpoint": item.get("endpointConfiguration", {}).get("types")}
    if kind == "api_deployments":
        # The description is "streamflix:sha256:<hash of the API definition>"; the definition holds the ALB's DNS
        # name, which differs per account and suffix, so only the form is compared.
        return {"api": item["api"], "description": re.sub(r"sha256:[0-9a-f]{64}", "sha256:<definition>",
                                                          item.get("description") or "")}
    if kind == "api_stages":
        settings = item.get("methodSettings", {}).get("*/*", {})
        return {"api": item["api"], "stage": item["stageName"], "burst": settings.get("throttlingBurstLimit"),
                "rate": settings.get("throttlingRateLimit"), "access_logs": bool(item.get("accessLogSettings"))}
    if kind == "web_acls":
        return {"name": item["Name"]}
    if kind == "alarms":
        return {"name": item["AlarmName"], "metric": item.get("MetricName"), "threshold": item.get("Threshold"),
                "actions": sorted(a.rsplit(":", 1)[1] for a in item.get("AlarmActions", []))}
    if kind == "dashboards":
        return {"name": item["DashboardName"]}
    if kind == "sns_topics":
        return {"name": item["TopicArn"].rsplit(":", 1)[1], "kms": bool(item.get("KmsMasterKeyId"))}
    if kind == "iam_roles":
        return {"name": item["RoleName"]}
    if kind == "log_groups":
        # API Gateway names the execution log group after the API's id: show the API's name instead.
        name = re.sub(r"^API-Gateway-Execution-Logs_([^/]+)/",
                      lambda match: "API-Gateway-Execution-Logs_{0}/".format(names.get(match.group(1), "<api>")),
                      item["logGroupName"])
        return {"name": name, "retention": item.get("retentionInDays"), "kms": bool(item.get("kmsKeyId"))}
    raise KeyError(kind)


def signature(raw: dict, suffix: str) -> dict:
    """kind -> sorted list of id-free descriptions (duplicates stay as repeated entries); suffix -> <suffix>."""
    names = {}
    for kind, items in raw.items():
        for key, item in items.items():
            if kind == "security_groups":
                names[key] = item["GroupName"]
            elif kind == "file_systems":
                names[key] = item.get("Name", "<unnamed>")
            elif kind in ("vpcs", "subnets", "internet_gateways", "nat_gateways"):
                names[key] = _name(item)
            elif kind == "rest_apis":
                names[key] = item["name"]
            elif kind == "kms_aliases" and item.get("TargetKeyId"):
                names.setdefault("aliases_of:" + item["TargetKeyId"], []).append(item["AliasName"])
    names["local"] = "local"
    result = {}
    for kind, items in raw.items():
        described = [_describe(kind, item, names) for item in items.values()]
        text = json.dumps(_sorted(described), sort_keys=True, default=str)
        result[kind] = json.loads(text.replace(suffix, "<suffix>"))
    return result


def signature_differences(left: dict, right: dict) -> dict:
    """kind -> (only in left, only in right), for the kinds whose entries differ (as multisets)."""
    differences = {}
    for kind in sorted(set(left) | set(right)):
        a = Counter(json.dumps(item, sort_keys=True) for item in left.get(kind, []))
        b = Counter(json.dumps(item, sort_keys=True) for item in right.get(kind, []))
        if a != b:
            differences[kind] = (sorted((a - b).elements()), sorted((b - a).elements()))
    return differences


# ---------------------------------------------------------------------------------------------------------
# Interrupted runs


@dataclass
class InterruptedRun:
    run: PlaybookRun
    task_index: int  # the N of "killed after the N-th TASK line"
    killed_in: str | None  # the task that was running when the kill came (None: the run ended first)
    delay: float
    tasks_seen: list = field(default_factory=list)


def playbook_env(endpoint_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint_url,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        PY_COLORS="0",
        PYTHONUNBUFFERED="1",
        # Every task's banner, as the default callback prints them: the interruption points count them.
        ANSIBLE_DISPLAY_OK_HOSTS="true",
        ANSIBLE_DISPLAY_SKIPPED_HOSTS="true",
    )
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        env.pop(key, None)
    return env


def run_interrupted(endpoint_url: str, playbook: str, suffix: str, task_index: int, delay: float,
                    outputs_dir: str, timeout: float = 900) -> InterruptedRun:
    """Run a playbook and SIGKILL its whole process group `delay` seconds after its task_index-th `TASK [` line.

    The kill comes inside that task (unless the task ends first: then it lands in a later one, which is as
    good a random point). If the playbook ends before, the run is returned whole (killed_in None).
    """
    args = ["-i", "inventories/local", "playbooks/{0}.yml".format(playbook), "-e", "streamflix_env_suffix=" + suffix,
            "-e", json.dumps({"outputs_dir": str(outputs_dir)})]
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(ANSIBLE_PLAYBOOK), *args], cwd=str(REPO), env=playbook_env(endpoint_url), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines, tasks = [], []
    current = {"task": None}
    kill_timer = None
    killed = threading.Event()

    def kill():
        killed.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(timeout, kill)
    watchdog.daemon = True
    watchdog.start()
    killed_in = None
    try:
        for line in proc.stdout:
            lines.append(line)
            header = TASK_LINE.match(line.rstrip("\n"))
            if header and not killed.is_set():
                tasks.append(header.group(1))
                current["task"] = header.group(1)
                if len(tasks) == task_index and kill_timer is None:
                    kill_timer = threading.Timer(delay, kill)
                    kill_timer.daemon = True
                    kill_timer.start()
            if killed.is_set() and killed_in is None:
                killed_in = current["task"]
        proc.wait()
    finally:
        watchdog.cancel()
        if kill_timer is not None:
            kill_timer.cancel()
        if proc.poll() is None:
            kill()
            proc.wait()
    if killed.is_set() and killed_in is None:
        killed_in = current["task"]
    output = "".join(lines)
    run = PlaybookRun(args=args, rc=proc.returncode, output=output, recap=parse_recap(output),
                      seconds=time.monotonic() - started)
    RUNS.append(run)
    return InterruptedRun(run=run, task_index=task_index, killed_in=killed_in if killed.is_set() else None,
                          delay=delay, tasks_seen=tasks)


def sweep_points(seed: int, count: int, task_count: int, max_delay: float = 3.0) -> list:
    """`count` distinct (task index, delay) points, spread over a full deploy's tasks, from the seed."""
    rng = random.Random(seed)
    # One point per equal slice of the run, so a small sample still reaches both early and late roles.
    bounds = [1 + (task_count - 1) * part // count for part in range(count + 1)]
    return [(rng.randint(bounds[part], max(bounds[part], bounds[part + 1] - 1)), round(rng.uniform(0, max_delay), 2))
            for part in range(count)]


# The signature of an uninterrupted full deploy, kept by the first module that makes one in this pytest process
# (test_faults), so that test_interruption need not deploy again: {"deploy": {"signature", "task_count", "source"}}.
REFERENCE: dict = {}
