"""The boto3 floor: the platform's resources made, read once and deleted with plain boto3 calls, no Ansible.

    .venv/bin/python bench/floor.py [--runs 3] [--json build/bench-floor.json]

Starts its own localaws (plain: no latency model, no faults) on a free loopback port, and for each run makes one
environment as inventories/local sizes it (2 AZs, one NAT gateway, an Aurora writer and reader, two Redis nodes,
...), describes each resource once (the least a no-op re-run could do), then deletes everything. Prints JSON:
{"create_s", "noop_read_s", "delete_s", "api_calls": {"create", "noop_read", "delete"}, "resources": N} (the
medians of the runs), where "resources" is the number of managed resources the floor made: what
bench/deploy_cycle.py divides the re-run's API calls by. The floor does nothing the platform does not need, and
skips what the platform does on top (input checks, diffs, tag reconciliation, readiness waits, outputs): it is a
lower bound, not a target to equal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools" / "localaws"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from localaws.testing import request_counts, running_localaws  # noqa: E402

REGION = "us-east-1"
ALARMS = 16  # the monitoring role's alarms for inventories/local (Redis and Aurora alarms per node/instance)
ASSUME_ECS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


class Floor:
    """One environment's resources, made with plain boto3 calls; .made lists (kind, id) for the describe and delete."""

    def __init__(self, endpoint: str, suffix: str) -> None:
        config = Config(retries={"mode": "standard"})
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self._clients: dict[str, object] = {}
        self.client = lambda name: self._clients.setdefault(
            name, session.client(name, endpoint_url=endpoint, config=config)
        )
        self.suffix = suffix
        self.made: list[tuple[str, dict]] = []
        self.tags = [{"Key": "Project", "Value": "streamflix"}, {"Key": "Environment", "Value": suffix}, {"Key": "ManagedBy", "Value": "bench-floor"}]

    def name(self, component: str) -> str:
        return f"streamflix-{component}-{self.suffix}"

    def ec2_tags(self, kind: str, component: str) -> list[dict]:
        return [{"ResourceType": kind, "Tags": self.tags + [{"Key": "Name", "Value": self.name(component)}]}]

    def create(self) -> None:  # noqa: PLR0915 (one resource after the other, as a script would)
        ec2, made = self.client("ec2"), self.made
        zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"][:2]]
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=self.ec2_tags("vpc", "vpc"))["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        made.append(("vpc", {"id": vpc}))
        public, private = [], []
        for index, zone in enumerate(zones):
            for tier, cidr, bucket in (("public", f"10.40.{index}.0/24", public), ("private", f"10.40.{10 + index}.0/24", private)):
                subnet = ec2.create_subnet(
                    VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=self.ec2_tags("subnet", f"{tier}-{index}")
                )["Subnet"]["SubnetId"]
                bucket.append(subnet)
                made.append(("subnet", {"id": subnet}))
        igw = ec2.create_internet_gateway(TagSpecifications=self.ec2_tags("internet-gateway", "igw"))["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        made.append(("igw", {"id": igw, "vpc": vpc}))
        eip = ec2.allocate_address(Domain="vpc", TagSpecifications=self.ec2_tags("elastic-ip", "nat-eip"))["AllocationId"]
        made.append(("eip", {"id": eip}))
        nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=eip, TagSpecifications=self.ec2_tags("natgateway", "nat"))["NatGateway"]["NatGatewayId"]
        made.append(("nat", {"id": nat}))
        route_tables = [("public", public, {"GatewayId": igw})] + [(f"private-{i}", [s], {"NatGatewayId": nat}) for i, s in enumerate(private)]
        for component, subnets, target in route_tables:
            table = ec2.create_route_table(VpcId=vpc, TagSpecifications=self.ec2_tags("route-table", component))["RouteTable"]["RouteTableId"]
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)
            associations = [ec2.associate_route_table(RouteTableId=table, SubnetId=s)["AssociationId"] for s in subnets]
            made.append(("route_table", {"id": table, "associations": associations}))
        logs, iam = self.client("logs"), self.client("iam")
        flow_group = f"/streamflix/{self.suffix}/vpc-flow-logs"
        logs.create_log_group(logGroupName=flow_group, tags={t["Key"]: t["Value"] for t in self.tags})
        logs.put_retention_policy(logGroupName=flow_group, retentionInDays=7)
        made.append(("log_group", {"id": flow_group}))
        flow_role = self.role("flowlogs", "vpc-flow-logs.amazonaws.com")
        flow_log = ec2.create_flow_logs(
            ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName=flow_group, DeliverLogsPermissionArn=flow_role,
            TagSpecifications=self.ec2_tags("vpc-flow-log", "flow-log"),
        )["FlowLogIds"][0]
        made.append(("flow_log", {"id": flow_log}))

        kms = self.client("kms")
        key = kms.create_key(Description=self.name("key"), Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in self.tags])["KeyMetadata"]["KeyId"]
        kms.enable_key_rotation(KeyId=key)
        made.append(("kms_key", {"id": key}))
        alias = f"alias/streamflix-{self.suffix}"
        kms.create_alias(AliasName=alias, TargetKeyId=key)
        made.append(("kms_alias", {"id": alias}))
        groups = {}
        for component, port, source in (("alb", 443, None), ("service", 8080, "alb"), ("database", 5432, "service"), ("cache", 6379, "service"), ("efs", 2049, "service")):
            group = ec2.create_security_group(
                GroupName=self.name(component), Description=f"StreamFlix {component}", VpcId=vpc, TagSpecifications=self.ec2_tags("security-group", component)
            )["GroupId"]
            groups[component] = group
            permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
            permission.update({"UserIdGroupPairs": [{"GroupId": groups[source]}]} if source else {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
            made.append(("security_group", {"id": group}))

        secrets = self.client("secretsmanager")
        secret_arns = {}
        for component in ("api-keys", "redis-auth", "db-app", "app-config"):
            password = secrets.get_random_password(PasswordLength=32, ExcludePunctuation=True)["RandomPassword"]
            secret_arns[component] = secrets.create_secret(
                Name=self.name(component), KmsKeyId=key, SecretString=json.dumps({"value": password}), Tags=self.tags
            )["ARN"]
            made.append(("secret", {"id": secret_arns[component]}))

        rds = self.client("rds")
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=self.name("aurora-pg16"), DBParameterGroupFamily="aurora-postgresql16", Description="force ssl", Tags=self.tags
        )
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=self.name("aurora-pg16"),
            Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}],
        )
        made.append(("db_cluster_parameter_group", {"id": self.name("aurora-pg16")}))
        db_log_group = f"/aws/rds/cluster/{self.name('db')}/postgresql"
        logs.create_log_group(logGroupName=db_log_group)
        logs.put_retention_policy(logGroupName=db_log_group, retentionInDays=7)
        made.append(("log_group", {"id": db_log_group}))
        rds.create_db_subnet_group(DBSubnetGroupName=self.name("db"), DBSubnetGroupDescription="db", SubnetIds=private, Tags=self.tags)
        made.append(("db_subnet_group", {"id": self.name("db")}))
        rds.create_db_cluster(
            DBClusterIdentifier=self.name("db"), Engine="aurora-postgresql", EngineVersion="16.4", MasterUsername="streamflix_admin",
            ManageMasterUserPassword=True, DatabaseName="streamflix", DBSubnetGroupName=self.name("db"), VpcSecurityGroupIds=[groups["database"]],
            DBClusterParameterGroupName=self.name("aurora-pg16"), StorageEncrypted=True, KmsKeyId=key, EnableHttpEndpoint=True,
            ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2}, BackupRetentionPeriod=7,
            EnableCloudwatchLogsExports=["postgresql"], Tags=self.tags,
        )
        made.append(("db_cluster", {"id": self.name("db")}))
        for index in range(2):
            rds.create_db_instance(
                DBInstanceIdentifier=self.name(f"db-{index + 1}"), DBClusterIdentifier=self.name("db"), Engine="aurora-postgresql",
                DBInstanceClass="db.serverless", Tags=self.tags,
            )
            made.append(("db_instance", {"id": self.name(f"db-{index + 1}")}))

        elasticache = self.client("elasticache")
        elasticache.create_cache_subnet_group(CacheSubnetGroupName=self.name("cache"), CacheSubnetGroupDescription="cache", SubnetIds=private, Tags=self.tags)
        made.append(("cache_subnet_group", {"id": self.name("cache")}))
        elasticache.create_replication_group(
            ReplicationGroupId=self.name("cache"), ReplicationGroupDescription="cache", Engine="redis", EngineVersion="7.1",
            CacheNodeType="cache.t4g.micro", NumCacheClusters=2, AutomaticFailoverEnabled=True, MultiAZEnabled=True,
            CacheSubnetGroupName=self.name("cache"), SecurityGroupIds=[groups["cache"]], TransitEncryptionEnabled=True,
            AtRestEncryptionEnabled=True, KmsKeyId=key, AuthToken=uuid.uuid4().hex + uuid.uuid4().hex, SnapshotRetentionLimit=1, Tags=self.tags,
        )
        made.append(("replication_group", {"id": self.name("cache")}))

        efs = self.client("efs")
        file_system = efs.create_file_system(
            CreationToken=self.name("media"), Encrypted=True, KmsKeyId=key, PerformanceMode="generalPurpose", Tags=self.tags + [{"Key": "Name", "Value": self.name("media")}]
        )["FileSystemId"]
        made.append(("file_system", {"id": file_system}))
        for subnet in private:
            mount_target = efs.create_mount_target(FileSystemId=file_system, SubnetId=subnet, SecurityGroups=[groups["efs"]])["MountTargetId"]
            made.append(("mount_target", {"id": mount_target}))
        access_point = efs.create_access_point(
            FileSystemId=file_system, PosixUser={"Uid": 1000, "Gid": 1000},
            RootDirectory={"Path": "/media", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}}, Tags=self.tags,
        )["AccessPointId"]
        made.append(("access_point", {"id": access_point}))

        kinesis = self.client("kinesis")
        kinesis.create_stream(StreamName=self.name("ingest"), ShardCount=2)
        kinesis.start_stream_encryption(StreamName=self.name("ingest"), EncryptionType="KMS", KeyId=key)
        kinesis.add_tags_to_stream(StreamName=self.name("ingest"), Tags={t["Key"]: t["Value"] for t in self.tags})
        made.append(("stream", {"id": self.name("ingest")}))
        sqs = self.client("sqs")
        dlq = sqs.create_queue(QueueName=self.name("jobs-dlq"), Attributes={"KmsMasterKeyId": key}, tags={t["Key"]: t["Value"] for t in self.tags})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        made.append(("queue", {"id": dlq}))
        jobs = sqs.create_queue(
            QueueName=self.name("jobs"), tags={t["Key"]: t["Value"] for t in self.tags},
            Attributes={"KmsMasterKeyId": key, "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})},
        )["QueueUrl"]
        made.append(("queue", {"id": jobs}))

        execution_role = self.role("ecs-execution", "ecs-tasks.amazonaws.com")
        task_role = self.role("ecs-task", "ecs-tasks.amazonaws.com")
        app_group = f"/streamflix/{self.suffix}/app"
        logs.create_log_group(logGroupName=app_group, kmsKeyId=f"arn:aws:kms:{REGION}:123456789012:key/{key}")
        logs.put_retention_policy(logGroupName=app_group, retentionInDays=7)
        made.append(("log_group", {"id": app_group}))
        ecs = self.client("ecs")
        cluster = ecs.create_cluster(
            clusterName=self.name("cluster"), settings=[{"name": "containerInsights", "value": "enabled"}], tags=[{"key": t["Key"], "value": t["Value"]} for t in self.tags]
        )["cluster"]["clusterArn"]
        made.append(("ecs_cluster", {"id": cluster}))
        task_definition = ecs.register_task_definition(
            family=self.name("app"), networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="1024", memory="2048",
            executionRoleArn=execution_role, taskRoleArn=task_role,
            volumes=[{"name": "media", "efsVolumeConfiguration": {"fileSystemId": file_system, "transitEncryption": "ENABLED", "authorizationConfig": {"accessPointId": access_point, "iam": "ENABLED"}}}],
            containerDefinitions=[{
                "name": "app", "image": "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine", "essential": True,
                "portMappings": [{"containerPort": 8080}], "mountPoints": [{"sourceVolume": "media", "containerPath": "/media"}],
                "secrets": [{"name": "APP_CONFIG", "valueFrom": secret_arns["app-config"]}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": app_group, "awslogs-region": REGION, "awslogs-stream-prefix": "app"}},
            }],
            tags=[{"key": t["Key"], "value": t["Value"]} for t in self.tags],
        )["taskDefinition"]["taskDefinitionArn"]
        made.append(("task_definition", {"id": task_definition}))
        s3 = self.client("s3")
        bucket = f"streamflix-alb-logs-{self.suffix}"
        s3.create_bucket(Bucket=bucket)
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": self.tags})
        made.append(("bucket", {"id": bucket}))
        elbv2 = self.client("elbv2")
        alb = elbv2.create_load_balancer(Name=self.name("alb"), Subnets=public, SecurityGroups=[groups["alb"]], Scheme="internet-facing", Type="application", Tags=self.tags)["LoadBalancers"][0]["LoadBalancerArn"]
        made.append(("load_balancer", {"id": alb}))
        target_group = elbv2.create_target_group(
            Name=self.name("tg"), Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", HealthCheckPath="/", Tags=self.tags
        )["TargetGroups"][0]["TargetGroupArn"]
        made.append(("target_group", {"id": target_group}))
        listener = elbv2.create_listener(
            LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}], Tags=self.tags
        )["Listeners"][0]["ListenerArn"]
        made.append(("listener", {"id": listener}))
        service = ecs.create_service(
            cluster=cluster, serviceName=self.name("app"), taskDefinition=task_definition, desiredCount=2, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": private, "securityGroups": [groups["service"]], "assignPublicIp": "DISABLED"}},
            loadBalancers=[{"targetGroupArn": target_group, "containerName": "app", "containerPort": 8080}],
            tags=[{"key": t["Key"], "value": t["Value"]} for t in self.tags],
        )["service"]["serviceArn"]
        made.append(("ecs_service", {"id": service, "cluster": cluster}))
        autoscaling = self.client("application-autoscaling")
        resource_id = f"service/{self.name('cluster')}/{self.name('app')}"
        autoscaling.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=4
        )
        made.append(("scalable_target", {"id": resource_id}))
        for metric, target in (("ECSServiceAverageCPUUtilization", 70.0), ("ECSServiceAverageMemoryUtilization", 75.0)):
            autoscaling.put_scaling_policy(
                PolicyName=f"{self.name('app')}-{metric}", ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension="ecs:service:DesiredCount",
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={"TargetValue": target, "PredefinedMetricSpecification": {"PredefinedMetricType": metric}},
            )

        apigateway = self.client("apigateway")
        api = apigateway.create_rest_api(name=self.name("api"), endpointConfiguration={"types": ["REGIONAL"]}, tags={t["Key"]: t["Value"] for t in self.tags})["id"]
        root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
        proxy = apigateway.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
        apigateway.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE", apiKeyRequired=True)
        apigateway.put_integration(restApiId=api, resourceId=proxy, httpMethod="ANY", type="HTTP_PROXY", integrationHttpMethod="ANY", uri="http://alb.example/{proxy}")
        access_group = f"/streamflix/{self.suffix}/api-access"
        logs.create_log_group(logGroupName=access_group)
        logs.put_retention_policy(logGroupName=access_group, retentionInDays=7)
        made.append(("log_group", {"id": access_group}))
        apigateway.create_deployment(restApiId=api, stageName="v1")
        apigateway.update_stage(restApiId=api, stageName="v1", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"}, {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
        ])
        made.append(("rest_api", {"id": api}))
        plan = apigateway.create_usage_plan(name=self.name("api"), apiStages=[{"apiId": api, "stage": "v1"}], tags={t["Key"]: t["Value"] for t in self.tags})["id"]
        made.append(("usage_plan", {"id": plan}))
        for which in ("primary", "secondary"):
            api_key = apigateway.create_api_key(name=self.name(f"api-{which}"), enabled=True, tags={t["Key"]: t["Value"] for t in self.tags})["id"]
            apigateway.create_usage_plan_key(usagePlanId=plan, keyId=api_key, keyType="API_KEY")
            made.append(("api_key", {"id": api_key}))

        sns, cloudwatch = self.client("sns"), self.client("cloudwatch")
        topic = sns.create_topic(Name=self.name("alarms"), Attributes={"KmsMasterKeyId": key}, Tags=self.tags)["TopicArn"]
        made.append(("topic", {"id": topic}))
        for index in range(ALARMS):
            alarm = f"{self.name('alarm')}-{index}"
            cloudwatch.put_metric_alarm(
                AlarmName=alarm, Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average", Period=300, EvaluationPeriods=3,
                Threshold=90.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], Tags=self.tags,
            )
            made.append(("alarm", {"id": alarm}))
        cloudwatch.put_dashboard(DashboardName=self.name("dashboard"), DashboardBody=json.dumps({"widgets": []}))
        made.append(("dashboard", {"id": self.name("dashboard")}))

    def role(self, component: str, principal: str) -> str:
        iam = self.client("iam")
        trust = dict(ASSUME_ECS, Statement=[dict(ASSUME_ECS["Statement"][0], Principal={"Service": principal})])
        arn = iam.create_role(RoleName=self.name(component), AssumeRolePolicyDocument=json.dumps(trust), Tags=self.tags)["Role"]["Arn"]
        iam.put_role_policy(
            RoleName=self.name(component), PolicyName="inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}),
        )
        self.made.append(("iam_role", {"id": self.name(component)}))
        return arn

    def describe_each(self) -> None:
        """One read per resource: what a no-op re-run cannot do without."""
        c = self.client
        reads = {
            "vpc": lambda r: c("ec2").describe_vpcs(VpcIds=[r["id"]]),
            "subnet": lambda r: c("ec2").describe_subnets(SubnetIds=[r["id"]]),
            "igw": lambda r: c("ec2").describe_internet_gateways(InternetGatewayIds=[r["id"]]),
            "eip": lambda r: c("ec2").describe_addresses(AllocationIds=[r["id"]]),
            "nat": lambda r: c("ec2").describe_nat_gateways(NatGatewayIds=[r["id"]]),
            "route_table": lambda r: c("ec2").describe_route_tables(RouteTableIds=[r["id"]]),
            "log_group": lambda r: c("logs").describe_log_groups(logGroupNamePrefix=r["id"]),
            "iam_role": lambda r: c("iam").get_role(RoleName=r["id"]),
            "flow_log": lambda r: c("ec2").describe_flow_logs(FlowLogIds=[r["id"]]),
            "kms_key": lambda r: c("kms").describe_key(KeyId=r["id"]),
            "kms_alias": lambda r: c("kms").list_aliases(),
            "security_group": lambda r: c("ec2").describe_security_groups(GroupIds=[r["id"]]),
            "secret": lambda r: c("secretsmanager").describe_secret(SecretId=r["id"]),
            "db_cluster_parameter_group": lambda r: c("rds").describe_db_cluster_parameter_groups(DBClusterParameterGroupName=r["id"]),
            "db_subnet_group": lambda r: c("rds").describe_db_subnet_groups(DBSubnetGroupName=r["id"]),
            "db_cluster": lambda r: c("rds").describe_db_clusters(DBClusterIdentifier=r["id"]),
            "db_instance": lambda r: c("rds").describe_db_instances(DBInstanceIdentifier=r["id"]),
            "cache_subnet_group": lambda r: c("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=r["id"]),
            "replication_group": lambda r: c("elasticache").describe_replication_groups(ReplicationGroupId=r["id"]),
            "file_system": lambda r: c("efs").describe_file_systems(FileSystemId=r["id"]),
            "mount_target": lambda r: c("efs").describe_mount_targets(MountTargetId=r["id"]),
            "access_point": lambda r: c("efs").describe_access_points(AccessPointId=r["id"]),
            "stream": lambda r: c("kinesis").describe_stream_summary(StreamName=r["id"]),
            "queue": lambda r: c("sqs").get_queue_attributes(QueueUrl=r["id"], AttributeNames=["All"]),
            "ecs_cluster": lambda r: c("ecs").describe_clusters(clusters=[r["id"]]),
            "task_definition": lambda r: c("ecs").describe_task_definition(taskDefinition=r["id"]),
            "bucket": lambda r: c("s3").head_bucket(Bucket=r["id"]),
            "load_balancer": lambda r: c("elbv2").describe_load_balancers(LoadBalancerArns=[r["id"]]),
            "target_group": lambda r: c("elbv2").describe_target_groups(TargetGroupArns=[r["id"]]),
            "listener": lambda r: c("elbv2").describe_listeners(ListenerArns=[r["id"]]),
            "ecs_service": lambda r: c("ecs").describe_services(cluster=r["cluster"], services=[r["id"]]),
            "scalable_target": lambda r: c("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[r["id"]]),
            "rest_api": lambda r: c("apigateway").get_rest_api(restApiId=r["id"]),
            "usage_plan": lambda r: c("apigateway").get_usage_plan(usagePlanId=r["id"]),
            "api_key": lambda r: c("apigateway").get_api_key(apiKey=r["id"]),
            "topic": lambda r: c("sns").get_topic_attributes(TopicArn=r["id"]),
            "alarm": lambda r: c("cloudwatch").describe_alarms(AlarmNames=[r["id"]]),
            "dashboard": lambda r: c("cloudwatch").get_dashboard(DashboardName=r["id"]),
        }
        for kind, resource in self.made:
            reads[kind](resource)

    def delete(self) -> None:
        c = self.client
        deletes = {
            "vpc": lambda r: c("ec2").delete_vpc(VpcId=r["id"]),
            "subnet": lambda r: c("ec2").delete_subnet(SubnetId=r["id"]),
            "igw": lambda r: (c("ec2").detach_internet_gateway(InternetGatewayId=r["id"], VpcId=r["vpc"]), c("ec2").delete_internet_gateway(InternetGatewayId=r["id"])),
            "eip": lambda r: c("ec2").release_address(AllocationId=r["id"]),
            "nat": lambda r: c("ec2").delete_nat_gateway(NatGatewayId=r["id"]),
            "route_table": lambda r: ([c("ec2").disassociate_route_table(AssociationId=a) for a in r["associations"]], c("ec2").delete_route_table(RouteTableId=r["id"])),
            "log_group": lambda r: c("logs").delete_log_group(logGroupName=r["id"]),
            "iam_role": lambda r: (c("iam").delete_role_policy(RoleName=r["id"], PolicyName="inline"), c("iam").delete_role(RoleName=r["id"])),
            "flow_log": lambda r: c("ec2").delete_flow_logs(FlowLogIds=[r["id"]]),
            "kms_key": lambda r: c("kms").schedule_key_deletion(KeyId=r["id"], PendingWindowInDays=7),
            "kms_alias": lambda r: c("kms").delete_alias(AliasName=r["id"]),
            "security_group": lambda r: c("ec2").delete_security_group(GroupId=r["id"]),
            "secret": lambda r: c("secretsmanager").delete_secret(SecretId=r["id"], ForceDeleteWithoutRecovery=True),
            "db_cluster_parameter_group": lambda r: c("rds").delete_db_cluster_parameter_group(DBClusterParameterGroupName=r["id"]),
            "db_subnet_group": lambda r: c("rds").delete_db_subnet_group(DBSubnetGroupName=r["id"]),
            "db_cluster": lambda r: c("rds").delete_db_cluster(DBClusterIdentifier=r["id"], SkipFinalSnapshot=True),
            "db_instance": lambda r: c("rds").delete_db_instance(DBInstanceIdentifier=r["id"]),
            "cache_subnet_group": lambda r: c("elasticache").delete_cache_subnet_group(CacheSubnetGroupName=r["id"]),
            "replication_group": lambda r: c("elasticache").delete_replication_group(ReplicationGroupId=r["id"]),
            "file_system": lambda r: c("efs").delete_file_system(FileSystemId=r["id"]),
            "mount_target": lambda r: c("efs").delete_mount_target(MountTargetId=r["id"]),
            "access_point": lambda r: c("efs").delete_access_point(AccessPointId=r["id"]),
            "stream": lambda r: c("kinesis").delete_stream(StreamName=r["id"]),
            "queue": lambda r: c("sqs").delete_queue(QueueUrl=r["id"]),
            "ecs_cluster": lambda r: c("ecs").delete_cluster(cluster=r["id"]),
            "task_definition": lambda r: c("ecs").deregister_task_definition(taskDefinition=r["id"]),
            "bucket": lambda r: c("s3").delete_bucket(Bucket=r["id"]),
            "load_balancer": lambda r: c("elbv2").delete_load_balancer(LoadBalancerArn=r["id"]),
            "target_group": lambda r: c("elbv2").delete_target_group(TargetGroupArn=r["id"]),
            "listener": lambda r: c("elbv2").delete_listener(ListenerArn=r["id"]),
            "ecs_service": lambda r: c("ecs").delete_service(cluster=r["cluster"], service=r["id"], force=True),
            "scalable_target": lambda r: c("application-autoscaling").deregister_scalable_target(
                ServiceNamespace="ecs", ResourceId=r["id"], ScalableDimension="ecs:service:DesiredCount"
            ),
            "rest_api": lambda r: c("apigateway").delete_rest_api(restApiId=r["id"]),
            "usage_plan": lambda r: c("apigateway").delete_usage_plan(usagePlanId=r["id"]),
            "api_key": lambda r: c("apigateway").delete_api_key(apiKey=r["id"]),
            "topic": lambda r: c("sns").delete_topic(TopicArn=r["id"]),
            "alarm": lambda r: c("cloudwatch").delete_alarms(AlarmNames=[r["id"]]),
            "dashboard": lambda r: c("cloudwatch").delete_dashboards(DashboardNames=[r["id"]]),
        }
        # The reverse of the creation order: dependants go before what they depend on.
        for kind, resource in reversed(self.made):
            deletes[kind](resource)


def _timed(endpoint: str, step) -> tuple[float, int]:
    request_counts(endpoint, reset=True)
    started = time.perf_counter()
    step()
    seconds = time.perf_counter() - started
    return seconds, sum(request_counts(endpoint).values())


def measure_once(endpoint: str) -> dict:
    floor = Floor(endpoint, "floor" + uuid.uuid4().hex[:6])
    create_s, create_calls = _timed(endpoint, floor.create)
    read_s, read_calls = _timed(endpoint, floor.describe_each)
    delete_s, delete_calls = _timed(endpoint, floor.delete)
    return {
        "create_s": create_s, "noop_read_s": read_s, "delete_s": delete_s,
        "api_calls": {"create": create_calls, "noop_read": read_calls, "delete": delete_calls},
        "resources": len(floor.made),
    }


def measure(runs: int = 3, endpoint: str | None = None) -> dict:
    """The medians of `runs` floor runs, on `endpoint` or on a localaws started for them."""
    if endpoint is None:
        with running_localaws() as started:
            return measure(runs, started)
    samples = [measure_once(endpoint) for _ in range(runs)]
    report = {key: round(statistics.median(s[key] for s in samples), 2) for key in ("create_s", "noop_read_s", "delete_s")}
    report["api_calls"] = samples[0]["api_calls"]
    report["resources"] = samples[0]["resources"]
    report["runs"] = runs
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    report = measure(args.runs)
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
