"""The data, processing and edge tiers on localaws: what a deploy makes, in-place changes, and teardown.

One environment of its own: deployed once, checked through boto3, changed with -e overrides (as an inventory
edit would), checked again (same resources, only the changed settings differ), then torn down.
"""

from __future__ import annotations

import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import scram_matches
from integration_support import SHARED_API_LOGS_ROLE, assert_succeeded, is_empty, leftovers, unique_suffix

CHANGES = {
    "streamflix_db_min_acu": 1,
    "streamflix_db_max_acu": 4,
    "streamflix_db_reader_count": 2,
    "streamflix_cache_snapshot_retention_days": 3,
    "streamflix_efs_transition_to_ia": "AFTER_60_DAYS",
    "streamflix_ecs_cpu": 2048,
    "streamflix_ecs_memory": 4096,
    "streamflix_ecs_min_tasks": 3,
    "streamflix_ecs_max_tasks": 6,
    "streamflix_ecs_cpu_target": 60,
    "streamflix_kinesis_shards": 4,
    "streamflix_api_throttle_burst": 200,
    "streamflix_api_throttle_rate": 120,
    "streamflix_alarm_thresholds": {"api_5xx_count": 7},
}
# The optional edge features, switched on for this environment: WAF, alarm e-mails, HTTPS with a certificate.
ALARM_EMAILS = ["ops@example.com", "oncall@example.com"]
SHARD_LEVEL_METRICS = {
    "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords", "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}
# The ALB DNS names of the region (<name>-<id>.us-east-1.elb.amazonaws.com): the HTTPS listener's certificate covers them.
ALB_DNS_WILDCARD = "*.us-east-1.elb.amazonaws.com"
ORIGIN_HEADER = "X-Origin-Verify"
# Autoscaling (or a person) moved the service to this count; a re-run must keep it (it is inside the new range).
HAND_SET_DESIRED_COUNT = 4


def names(suffix):
    return {
        "aurora": "streamflix-aurora-" + suffix,
        "redis": "streamflix-redis-" + suffix,
        "efs": "streamflix-efs-" + suffix,
        "alias": "alias/streamflix-" + suffix,
    }


def data_state(aws, suffix):
    """The data tier as AWS reports it, keyed for comparison."""
    n = names(suffix)
    rds, cache, efs = aws("rds"), aws("elasticache"), aws("efs")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=n["aurora"])["DBClusters"][0]
    instances = {
        member["DBInstanceIdentifier"]: rds.describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])["DBInstances"][0]
        for member in cluster["DBClusterMembers"]
    }
    group = cache.describe_replication_groups(ReplicationGroupId=n["redis"])["ReplicationGroups"][0]
    file_system = next(fs for fs in efs.describe_file_systems()["FileSystems"] if fs.get("Name") == n["efs"])
    fs_id = file_system["FileSystemId"]
    ecs, apigw = aws("ecs"), aws("apigateway")
    service = ecs.describe_services(cluster="streamflix-cluster-" + suffix, services=["streamflix-service-" + suffix])["services"][0]
    task_definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    targets = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=["service/streamflix-cluster-{0}/streamflix-service-{0}".format(suffix)]
    )["ScalableTargets"]
    policies = aws("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId="service/streamflix-cluster-{0}/streamflix-service-{0}".format(suffix)
    )["ScalingPolicies"]
    api = next(a for a in apigw.get_rest_apis()["items"] if a["name"] == "streamflix-api-" + suffix)
    stream = aws("kinesis").describe_stream_summary(StreamName="streamflix-ingest-" + suffix)["StreamDescriptionSummary"]
    alarm = aws("cloudwatch").describe_alarms(AlarmNames=["streamflix-{0}-api-5xx".format(suffix)])["MetricAlarms"]
    [usage_plan] = [plan for plan in apigw.get_usage_plans()["items"] if plan["name"] == "streamflix-api-" + suffix]
    return {
        "usage_plan": usage_plan,
        "service": service,
        "task_definition": task_definition,
        "scalable_target": targets[0] if targets else None,
        "policies": {p["PolicyName"]: p for p in policies},
        "api": api,
        "stage": apigw.get_stage(restApiId=api["id"], stageName="v1"),
        "stream": stream,
        "api_5xx_alarm": alarm[0] if alarm else None,
        "cluster": cluster,
        "instances": instances,
        "group": group,
        "cache_clusters": [cache.describe_cache_clusters(CacheClusterId=c)["CacheClusters"][0] for c in group["MemberClusters"]],
        "file_system": file_system,
        "lifecycle": efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"],
        "mount_targets": efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"],
        "access_points": efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"],
    }


def import_certificate(aws, domain):
    """A self-signed certificate imported into ACM, as a person would bring their own for the HTTPS listener; it also
    names the region's ALB DNS names (the host the API's integrations call over https, checked against it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName(ALB_DNS_WILDCARD)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return aws("acm").import_certificate(
        Certificate=certificate.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )["CertificateArn"]


@pytest.fixture(scope="module")
def environment(playbook, aws):
    suffix = unique_suffix("itdata")
    edge = {
        "streamflix_waf_enabled": True,
        "streamflix_alarm_emails": ALARM_EMAILS,
        "streamflix_certificate_arn": import_certificate(aws, suffix + ".media.example.com"),
    }
    assert_succeeded(playbook("site", suffix, "-e", json.dumps(edge)))
    key_arn = aws("kms").describe_key(KeyId=names(suffix)["alias"])["KeyMetadata"]["Arn"]
    vpc = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["streamflix-vpc-" + suffix]}])["Vpcs"][0]
    subnets = aws("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    private = sorted(s["SubnetId"] for s in subnets if {"Key": "Tier", "Value": "private"} in s.get("Tags", []))
    groups = aws("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    sg = {g["GroupName"]: g["GroupId"] for g in groups}
    public = sorted(s["SubnetId"] for s in subnets if {"Key": "Tier", "Value": "public"} in s.get("Tags", []))
    env = {
        "suffix": suffix, "key_arn": key_arn, "private": private, "public": public, "sg": sg, "edge": edge,
        "state": data_state(aws, suffix),
    }
    yield env
    assert_succeeded(playbook("teardown", suffix))


def test_aurora_serverless_v2_cluster(environment):
    cluster, suffix = environment["state"]["cluster"], environment["suffix"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["StorageEncrypted"] is True and cluster["KmsKeyId"] == environment["key_arn"]
    assert cluster["MasterUserSecret"]["KmsKeyId"] in (environment["key_arn"], environment["key_arn"].split("/")[-1])
    assert cluster["BackupRetentionPeriod"] >= 7
    assert cluster["PreferredBackupWindow"] == "03:00-04:00"
    assert cluster["PreferredMaintenanceWindow"] == "sun:04:30-sun:05:30"
    assert cluster["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [environment["sg"]["streamflix-database-sg-" + suffix]]
    assert cluster["HttpEndpointEnabled"] is True
    assert cluster["CopyTagsToSnapshot"] is True
    assert cluster["IAMDatabaseAuthenticationEnabled"] is True


def test_aurora_writer_and_reader_are_private_serverless_instances(environment, aws):
    state = environment["state"]
    roles = sorted(m["IsClusterWriter"] for m in state["cluster"]["DBClusterMembers"])
    assert roles == [False, True]
    for instance in state["instances"].values():
        assert instance["DBInstanceClass"] == "db.serverless"
        assert instance["PubliclyAccessible"] is False
    subnet_group = aws("rds").describe_db_subnet_groups(DBSubnetGroupName=state["cluster"]["DBSubnetGroup"])["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == environment["private"]


def test_redis_replication_group(environment, aws):
    group, suffix = environment["state"]["group"], environment["suffix"]
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert group["AtRestEncryptionEnabled"] is True and group["TransitEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    assert group["KmsKeyId"] == environment["key_arn"]
    assert group["SnapshotRetentionLimit"] >= 1
    assert len(group["MemberClusters"]) == 2
    subnet_group_name = environment["state"]["cache_clusters"][0]["CacheSubnetGroupName"]
    subnet_group = aws("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group_name)["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == environment["private"]
    for member in environment["state"]["cache_clusters"]:
        assert [g["SecurityGroupId"] for g in member["SecurityGroups"]] == [environment["sg"]["streamflix-cache-sg-" + suffix]]


def test_efs_with_mount_targets_lifecycle_and_media_access_point(environment):
    state, suffix = environment["state"], environment["suffix"]
    assert state["file_system"]["Encrypted"] is True and state["file_system"]["KmsKeyId"] == environment["key_arn"]
    assert {"TransitionToIA": "AFTER_30_DAYS"} in state["lifecycle"]
    assert sorted(t["SubnetId"] for t in state["mount_targets"]) == environment["private"]
    [access_point] = state["access_points"]
    assert access_point["PosixUser"]["Uid"] == 1000 and access_point["PosixUser"]["Gid"] == 1000
    assert access_point["RootDirectory"]["Path"] == "/media"
    assert access_point["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}


def test_secrets_are_generated_under_our_key(environment, aws):
    sm, suffix = aws("secretsmanager"), environment["suffix"]
    for name in ("streamflix-api-keys-" + suffix, "streamflix-redis-auth-" + suffix):
        described = sm.describe_secret(SecretId=name)
        assert described["KmsKeyId"] in (environment["key_arn"], "alias/streamflix-" + suffix)
        value = sm.get_secret_value(SecretId=name)["SecretString"]
        assert len(value) >= 40
    api_keys = json.loads(sm.get_secret_value(SecretId="streamflix-api-keys-" + suffix)["SecretString"])
    assert sorted(api_keys) == ["primary", "secondary"] and api_keys["primary"] != api_keys["secondary"]


def test_job_state_schema_was_applied_once_through_the_data_api(environment, aws):
    cluster = environment["state"]["cluster"]
    answer = aws("rds-data").execute_statement(
        resourceArn=cluster["DBClusterArn"],
        secretArn=cluster["MasterUserSecret"]["SecretArn"],
        database="streamflix",
        sql="SELECT version FROM schema_migrations ORDER BY version",
    )
    assert [record[0]["stringValue"] for record in answer["records"]] == ["0001", "0002", "0003"]
    tables = aws("rds-data").execute_statement(
        resourceArn=cluster["DBClusterArn"],
        secretArn=cluster["MasterUserSecret"]["SecretArn"],
        database="streamflix",
        sql="SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
    assert {"processing_jobs", "videos"} <= {record[0]["stringValue"] for record in tables["records"]}


def data_api(aws, cluster, sql, transaction_id=None):
    """A statement through the Data API with the master secret (the migrations' path); the records as values."""
    args = dict(resourceArn=cluster["DBClusterArn"], secretArn=cluster["MasterUserSecret"]["SecretArn"], database="streamflix", sql=sql)
    if transaction_id:
        args["transactionId"] = transaction_id
    answer = aws("rds-data").execute_statement(**args)
    return [[next(iter(field.values())) for field in record] for record in answer.get("records", [])]


def test_app_has_its_own_least_privilege_database_role(environment, aws):
    cluster, suffix = environment["state"]["cluster"], environment["suffix"]
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId="streamflix-db-app-" + suffix)["SecretString"])
    assert secret["username"] == "streamflix_app" and len(secret["password"]) >= 40
    described = aws("secretsmanager").describe_secret(SecretId="streamflix-db-app-" + suffix)
    assert described["KmsKeyId"] in (environment["key_arn"], "alias/streamflix-" + suffix)
    attributes = data_api(aws, cluster, "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = 'streamflix_app'")
    assert attributes == [[False, False, False, True]]
    grants = data_api(aws, cluster, "SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants WHERE grantee = 'streamflix_app'")
    assert sorted(g[0] for g in grants) == sorted(f"{t}:{p}" for t in ("processing_jobs", "videos") for p in ("DELETE", "INSERT", "SELECT", "UPDATE"))
    # The password in the database is the secret's (as a SCRAM verifier; the local server lets the master read it).
    verifier = data_api(aws, cluster, "SELECT rolpassword FROM pg_authid WHERE rolname = 'streamflix_app'")[0][0]
    assert verifier.startswith("SCRAM-SHA-256$") and scram_matches(verifier, secret["password"])
    # As that role: the job tables work, the migrations' bookkeeping and DDL are refused.
    data = aws("rds-data")
    transaction = data.begin_transaction(resourceArn=cluster["DBClusterArn"], secretArn=cluster["MasterUserSecret"]["SecretArn"], database="streamflix")["transactionId"]
    data_api(aws, cluster, "SET LOCAL ROLE streamflix_app", transaction)
    assert data_api(aws, cluster, "SELECT count(*) FROM processing_jobs", transaction) == [[0]]
    with pytest.raises(data.exceptions.DatabaseErrorException, match="permission denied"):
        data_api(aws, cluster, "SELECT * FROM schema_migrations", transaction)


def test_app_config_secret_was_filled_before_the_running_deployment(environment, aws):
    suffix, service = environment["suffix"], environment["state"]["service"]
    sm = aws("secretsmanager")
    config = json.loads(sm.get_secret_value(SecretId="streamflix-app-config-" + suffix)["SecretString"])
    assert config["database"]["writer_endpoint"] and config["cache"]["primary_endpoint"] and config["jobs_queue_url"]
    assert config["database_secret_arn"] == sm.describe_secret(SecretId="streamflix-db-app-" + suffix)["ARN"]
    assert "master_user_secret_arn" not in config["database"]
    changed = sm.describe_secret(SecretId="streamflix-app-config-" + suffix)["LastChangedDate"]
    [primary] = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    # Compute made the service before outputs filled the secret; outputs rolled it once afterwards.
    assert primary["createdAt"] >= changed, (primary["createdAt"], changed)


def test_kinesis_stream_publishes_shard_level_metrics_under_our_key(environment, aws):
    stream = aws("kinesis").describe_stream_summary(StreamName="streamflix-ingest-" + environment["suffix"])["StreamDescriptionSummary"]
    assert stream["EncryptionType"] == "KMS" and stream["KeyId"] in (environment["key_arn"], "alias/streamflix-" + environment["suffix"])
    [monitoring] = stream["EnhancedMonitoring"]
    assert set(monitoring["ShardLevelMetrics"]) == SHARD_LEVEL_METRICS


def alb_of(aws, suffix):
    [alb] = aws("elbv2").describe_load_balancers(Names=["streamflix-alb-" + suffix])["LoadBalancers"]
    return alb


def secret_value(aws, name):
    return aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def test_alb_answers_only_requests_from_the_api_over_https(environment, aws):
    suffix, elbv2 = environment["suffix"], aws("elbv2")
    alb = alb_of(aws, suffix)
    assert alb["Scheme"] == "internet-facing" and alb["Type"] == "application"
    assert sorted(zone["SubnetId"] for zone in alb["AvailabilityZones"]) == environment["public"]
    assert alb["SecurityGroups"] == [environment["sg"]["streamflix-alb-sg-" + suffix]]
    # With a certificate: HTTPS only, no HTTP listener (a redirect would be handed back to the API's clients).
    [https] = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert (https["Protocol"], https["Port"]) == ("HTTPS", 443)
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert [c["CertificateArn"] for c in https["Certificates"]] == [environment["edge"]["streamflix_certificate_arn"]]
    # Without the header only the API sends: a fixed 403.
    [reject] = https["DefaultActions"]
    assert reject["Type"] == "fixed-response" and reject["FixedResponseConfig"]["StatusCode"] == "403"
    rules = [r for r in elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    [rule] = rules
    [condition] = rule["Conditions"]
    origin_value = secret_value(aws, "streamflix-origin-verify-" + suffix)
    assert len(origin_value) == 64
    assert condition["Field"] == "http-header"
    assert condition["HttpHeaderConfig"] == {"HttpHeaderName": ORIGIN_HEADER, "Values": [origin_value]}
    [target_group] = elbv2.describe_target_groups(Names=["streamflix-tg-" + suffix])["TargetGroups"]
    [forward] = rule["Actions"]
    assert forward["Type"] == "forward" and forward["TargetGroupArn"] == target_group["TargetGroupArn"]
    assert target_group["TargetType"] == "ip" and target_group["Port"] == 8080 and target_group["HealthCheckPath"] == "/"
    # The certificate covers the host the integrations call.
    certificate = aws("acm").describe_certificate(CertificateArn=environment["edge"]["streamflix_certificate_arn"])["Certificate"]
    assert ALB_DNS_WILDCARD in certificate["SubjectAlternativeNames"]
    assert alb["DNSName"].endswith(ALB_DNS_WILDCARD[1:]) and "." not in alb["DNSName"][: -len(ALB_DNS_WILDCARD) + 1]


def test_alb_is_hardened_and_logs_to_its_own_bucket(environment, aws):
    suffix = environment["suffix"]
    alb = alb_of(aws, suffix)
    attributes = {a["Key"]: a["Value"] for a in aws("elbv2").describe_load_balancer_attributes(
        LoadBalancerArn=alb["LoadBalancerArn"])["Attributes"]}
    account = alb["LoadBalancerArn"].split(":")[4]
    bucket = "streamflix-alb-logs-{0}-{1}".format(suffix, account)
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert (attributes["access_logs.s3.enabled"], attributes["access_logs.s3.bucket"], attributes["access_logs.s3.prefix"]) == (
        "true", bucket, "alb")
    assert attributes["deletion_protection.enabled"] == "false"  # local: streamflix_deletion_protection false
    s3 = aws("s3")
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # the only SSE ELB log delivery supports
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    [ownership] = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership["ObjectOwnership"] == "BucketOwnerEnforced"
    statements = {st["Sid"]: st for st in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]}
    write = statements["ElbLogDeliveryWritesAccessLogs"]
    assert write["Effect"] == "Allow" and write["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}  # us-east-1
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == "arn:aws:s3:::{0}/alb/AWSLogs/{1}/*".format(bucket, account)
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(deny["Resource"]) == ["arn:aws:s3:::" + bucket, "arn:aws:s3:::{0}/*".format(bucket)]
    [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["Status"] == "Enabled" and lifecycle["Expiration"] == {"Days": 7}
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["Environment"] == suffix and tags["Project"] == "streamflix"
    # WAF guards the ALB too.
    acl = aws("wafv2").get_web_acl_for_resource(ResourceArn=alb["LoadBalancerArn"])["WebACL"]
    assert acl["Name"] == "streamflix-waf-" + suffix


def test_api_needs_a_key_of_the_usage_plan_and_sends_the_origin_header_over_https(environment, aws):
    suffix, state, apigw = environment["suffix"], environment["state"], aws("apigateway")
    api_id, alb = state["api"]["id"], alb_of(aws, suffix)
    origin_value = secret_value(aws, "streamflix-origin-verify-" + suffix)
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]}
    assert set(resources) == {"/", "/content", "/{proxy+}"}
    for path, resource in resources.items():
        method = resource["resourceMethods"]["ANY"]  # '/' has a method: it answers instead of 403
        assert method["apiKeyRequired"] is True, path
        integration = method["methodIntegration"]
        assert integration["type"] == "HTTP_PROXY"
        assert integration["uri"].startswith("https://{0}/".format(alb["DNSName"])), integration["uri"]
        assert integration["requestParameters"]["integration.request.header." + ORIGIN_HEADER] == "'{0}'".format(origin_value)
    plan = state["usage_plan"]
    assert plan["throttle"] == {"burstLimit": 100, "rateLimit": 50.0}  # the stage's
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "v1"}]
    keys = {k["id"]: k for k in apigw.get_api_keys(includeValues=True)["items"] if k["name"].startswith("streamflix-api-{0}-".format(suffix))}
    assert sorted(k["name"] for k in keys.values()) == ["streamflix-api-{0}-primary".format(suffix), "streamflix-api-{0}-secondary".format(suffix)]
    generated = json.loads(secret_value(aws, "streamflix-api-keys-" + suffix))
    assert {k["name"].rsplit("-", 1)[1]: k["value"] for k in keys.values()} == generated
    assert all(k["enabled"] for k in keys.values())
    assert {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]} == set(keys)


def test_app_log_group_keeps_the_inventory_retention_under_our_key(environment, aws):
    [group] = aws("logs").describe_log_groups(logGroupNamePrefix="/streamflix/{0}/app".format(environment["suffix"]))["logGroups"]
    assert group["logGroupName"] == "/streamflix/{0}/app".format(environment["suffix"])
    assert group["retentionInDays"] == 7 and group["kmsKeyId"] == environment["key_arn"]
    container = environment["state"]["task_definition"]["containerDefinitions"][0]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["logConfiguration"]["options"]["awslogs-group"] == group["logGroupName"]
    # Non-blocking delivery, read back from ECS: a slow CloudWatch Logs must not stall the app's writes.
    family = "streamflix-app-{0}".format(environment["suffix"])
    registered = aws("ecs").describe_task_definition(taskDefinition=family)["taskDefinition"]["containerDefinitions"][0]
    assert registered["logConfiguration"]["options"]["mode"] == "non-blocking"
    assert registered["logConfiguration"]["options"]["max-buffer-size"] == "25m"


def test_waf_web_acl_rate_limits_per_ip_and_guards_the_stage(environment, aws):
    suffix, wafv2 = environment["suffix"], aws("wafv2")
    [summary] = [acl for acl in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] if acl["Name"] == "streamflix-waf-" + suffix]
    acl = wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["WebACL"]
    [rule] = acl["Rules"]
    assert rule["Statement"]["RateBasedStatement"]["Limit"] == 2000
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP" and "Block" in rule["Action"]
    assert "Allow" in acl["DefaultAction"]
    stage_arn = "arn:aws:apigateway:us-east-1::/restapis/{0}/stages/v1".format(environment["state"]["api"]["id"])
    assert wafv2.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == acl["ARN"]
    assert environment["state"]["stage"]["webAclArn"] == acl["ARN"]


def test_alarm_topic_has_exactly_the_inventory_email_subscriptions(environment, aws):
    topic_arn = environment["state"]["api_5xx_alarm"]["AlarmActions"][0]
    subscriptions = aws("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == sorted(("email", e) for e in ALARM_EMAILS)


def test_outputs_file_says_where_everything_is(environment, aws, outputs_dir):
    suffix, state = environment["suffix"], environment["state"]
    outputs = json.loads((outputs_dir / (suffix + ".json")).read_text())
    cluster, group = state["cluster"], state["group"]
    assert outputs["database"]["writer_endpoint"] == cluster["Endpoint"]
    assert outputs["database"]["reader_endpoint"] == cluster["ReaderEndpoint"]
    assert int(outputs["database"]["port"]) == cluster["Port"]
    assert outputs["database"]["master_user_secret_arn"] == cluster["MasterUserSecret"]["SecretArn"]
    assert outputs["cache"]["primary_endpoint"] == group["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
    assert int(outputs["cache"]["port"]) == group["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    [alb] = aws("elbv2").describe_load_balancers(Names=["streamflix-alb-" + suffix])["LoadBalancers"]
    assert outputs["compute"]["alb_dns_name"] == alb["DNSName"]
    assert (outputs["compute"]["cluster_name"], outputs["compute"]["service_name"]) == (
        "streamflix-cluster-" + suffix, state["service"]["serviceName"])
    api_id = state["api"]["id"]
    assert outputs["api"]["rest_api_id"] == api_id and api_id in outputs["api"]["invoke_url"]
    assert outputs["api"]["invoke_url"].endswith("/v1")
    assert outputs["streaming"]["stream_name"] == state["stream"]["StreamName"]
    assert outputs["streaming"]["stream_arn"] == state["stream"]["StreamARN"]
    sqs = aws("sqs")
    assert outputs["streaming"]["queue_url"] == sqs.get_queue_url(QueueName="streamflix-jobs-" + suffix)["QueueUrl"]
    assert outputs["streaming"]["dlq_url"] == sqs.get_queue_url(QueueName="streamflix-jobs-dlq-" + suffix)["QueueUrl"]
    assert outputs["storage"]["file_system_id"] == state["file_system"]["FileSystemId"]
    assert outputs["storage"]["access_point_id"] == state["access_points"][0]["AccessPointId"]
    assert outputs["monitoring"]["dashboard_name"] == "streamflix-dashboard-" + suffix
    assert "#dashboards:name=streamflix-dashboard-" + suffix in outputs["monitoring"]["dashboard_url"]
    # The app reads the same connection information from its config secret; no credential value is in either.
    config = json.loads(aws("secretsmanager").get_secret_value(SecretId="streamflix-app-config-" + suffix)["SecretString"])
    assert config["database"]["writer_endpoint"] == cluster["Endpoint"]
    assert config["cache"]["primary_endpoint"] == outputs["cache"]["primary_endpoint"]
    assert config["jobs_queue_url"] == outputs["streaming"]["queue_url"]
    text = json.dumps(outputs) + json.dumps(config)
    for secret in ("streamflix-api-keys-" + suffix, "streamflix-redis-auth-" + suffix, "streamflix-origin-verify-" + suffix,
                   cluster["MasterUserSecret"]["SecretArn"]):
        value = aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        assert value not in text
        for part in json.loads(value).values() if value.startswith("{") else []:
            assert str(part) not in text


# ------------------------------------------------------------------------- TLS, policies, log groups (issue 9)

ACCOUNT = "123456789012"  # moto's account


def test_aurora_requires_tls_through_its_own_parameter_group(environment, aws):
    rds, suffix = aws("rds"), environment["suffix"]
    name = "streamflix-aurora-{0}-pg16".format(suffix)
    cluster = rds.describe_db_clusters(DBClusterIdentifier=names(suffix)["aurora"])["DBClusters"][0]
    assert cluster["DBClusterParameterGroup"] == name
    [group] = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)["DBClusterParameterGroups"]
    family = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion=cluster["EngineVersion"])["DBEngineVersions"][0]
    assert group["DBParameterGroupFamily"] == family["DBParameterGroupFamily"] == "aurora-postgresql16"
    parameters = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=name, Source="user")["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in parameters} == {"rds.force_ssl": "1"}


def test_efs_mounts_only_through_the_access_point_by_the_task_role_over_tls(environment, aws):
    efs, suffix = aws("efs"), environment["suffix"]
    file_system = environment["state"]["file_system"]
    [access_point] = environment["state"]["access_points"]
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=file_system["FileSystemId"])["Policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    task_role = aws("iam").get_role(RoleName="streamflix-task-" + suffix)["Role"]["Arn"]
    assert [s["Principal"] for s in allows] == [{"AWS": task_role}]
    assert sorted(allows[0]["Action"]) == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert allows[0]["Resource"] == file_system["FileSystemArn"]
    assert allows[0]["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": access_point["AccessPointArn"]},
        "Bool": {"aws:SecureTransport": "true"},
    }
    assert [(s["Action"], s["Condition"]) for s in denies] == [("*", {"Bool": {"aws:SecureTransport": "false"}})]


def test_every_log_group_of_the_data_and_edge_tiers_is_under_our_key_with_retention(environment, aws):
    logs, suffix = aws("logs"), environment["suffix"]
    api_id = environment["state"]["api"]["id"]
    wanted = [
        "/streamflix/{0}/vpc-flow-logs".format(suffix),
        "/streamflix/{0}/app".format(suffix),
        "/streamflix/{0}/api-access".format(suffix),
        "API-Gateway-Execution-Logs_{0}/v1".format(api_id),
        "/aws/rds/cluster/streamflix-aurora-{0}/postgresql".format(suffix),
    ]
    for name in wanted:
        [group] = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
        assert group.get("kmsKeyId") == environment["key_arn"], name
        assert group.get("retentionInDays") == 7, name


def test_api_gateway_writes_logs_through_one_shared_role_trusted_for_this_account_only(environment, aws):
    iam, suffix = aws("iam"), environment["suffix"]
    role = iam.get_role(RoleName=SHARED_API_LOGS_ROLE)["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws:apigateway:")
    assert "Environment" not in {t["Key"] for t in role.get("Tags", [])}
    assert aws("apigateway").get_account()["cloudwatchRoleArn"] == role["Arn"]
    assert "streamflix-apigw-logs-" + suffix not in {r["RoleName"] for r in iam.list_roles()["Roles"]}


def acu_alarm_instances(aws, suffix):
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=["streamflix-{0}-aurora-acu-high".format(suffix)])["MetricAlarms"]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    [watched] = [q for q in queries.values() if q.get("ReturnData", True)]
    instances = sorted(q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in queries.values() if "MetricStat" in q)
    for query in queries.values():
        if "MetricStat" in query:
            assert query["MetricStat"]["Metric"]["MetricName"] == "ACUUtilization" and query["MetricStat"]["Stat"] == "Maximum"
            assert query["MetricStat"]["Metric"]["Dimensions"][0]["Name"] == "DBInstanceIdentifier"
    assert watched["Expression"] == "MAX([{0}])".format(", ".join(sorted(i for i in queries if i != watched["Id"])))
    return instances


def test_acu_alarm_watches_the_busiest_instance(environment, aws):
    members = sorted(m["DBInstanceIdentifier"] for m in environment["state"]["cluster"]["DBClusterMembers"])
    assert acu_alarm_instances(aws, environment["suffix"]) == members


def test_inventory_changes_apply_in_place(environment, playbook, aws):
    suffix, before = environment["suffix"], environment["state"]
    aws("ecs").update_service(cluster="streamflix-cluster-" + suffix, service="streamflix-service-" + suffix, desiredCount=HAND_SET_DESIRED_COUNT)
    extra = ["-e", json.dumps(dict(CHANGES, **environment["edge"]))]
    run = assert_succeeded(playbook("site", suffix, *extra))
    assert run.changed > 0
    after = data_state(aws, suffix)
    # The same resources...
    assert after["cluster"]["DBClusterArn"] == before["cluster"]["DBClusterArn"]
    assert after["group"]["ARN"] == before["group"]["ARN"]
    assert after["file_system"]["FileSystemId"] == before["file_system"]["FileSystemId"]
    assert set(before["instances"]) < set(after["instances"])
    # ...with exactly the changed settings.
    assert after["cluster"]["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1.0, "MaxCapacity": 4.0}
    assert len(after["cluster"]["DBClusterMembers"]) == 3
    assert after["group"]["SnapshotRetentionLimit"] == 3
    assert {"TransitionToIA": "AFTER_60_DAYS"} in after["lifecycle"]
    for unchanged in ("BackupRetentionPeriod", "EnabledCloudwatchLogsExports", "KmsKeyId", "PreferredBackupWindow"):
        assert after["cluster"][unchanged] == before["cluster"][unchanged]
    assert after["group"]["MemberClusters"] == before["group"]["MemberClusters"]
    assert after["mount_targets"] == before["mount_targets"]
    # Processing and edge: a new task revision with the new size, the same service keeping the hand-set count,
    # new autoscaling limits and CPU target, more shards, new throttling, the one alarm's new threshold.
    assert (after["task_definition"]["cpu"], after["task_definition"]["memory"]) == ("2048", "4096")
    assert after["task_definition"]["revision"] == before["task_definition"]["revision"] + 1
    assert after["service"]["serviceArn"] == before["service"]["serviceArn"]
    assert after["service"]["desiredCount"] == HAND_SET_DESIRED_COUNT
    assert (after["scalable_target"]["MinCapacity"], after["scalable_target"]["MaxCapacity"]) == (3, 6)
    cpu_policy = after["policies"]["cpu"]["TargetTrackingScalingPolicyConfiguration"]
    assert cpu_policy["TargetValue"] == 60
    assert after["policies"]["memory"] == before["policies"]["memory"]
    assert after["stream"]["OpenShardCount"] == 4 and after["stream"]["StreamARN"] == before["stream"]["StreamARN"]
    assert after["stage"]["methodSettings"]["*/*"]["throttlingBurstLimit"] == 200
    assert after["stage"]["methodSettings"]["*/*"]["throttlingRateLimit"] == 120
    assert after["stage"]["deploymentId"] == before["stage"]["deploymentId"]
    assert after["usage_plan"]["throttle"] == {"burstLimit": 200, "rateLimit": 120.0}
    assert after["usage_plan"]["id"] == before["usage_plan"]["id"]
    assert after["api_5xx_alarm"]["Threshold"] == 7 and before["api_5xx_alarm"]["Threshold"] != 7
    # A re-run with the same inventory changes nothing more.
    again = assert_succeeded(playbook("site", suffix, *extra))
    assert again.changed == 0, again.changed_tasks()


def test_processing_and_edge(environment, aws):
    state, suffix = environment["state"], environment["suffix"]
    key_arn = environment["key_arn"]
    service, task = state["service"], state["task_definition"]
    cluster = aws("ecs").describe_clusters(clusters=[service["clusterArn"]], include=["SETTINGS"])["clusters"][0]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(network["subnets"]) == environment["private"] and network["assignPublicIp"] == "DISABLED"
    assert network["securityGroups"] == [environment["sg"]["streamflix-service-sg-" + suffix]]
    assert service["launchType"] == "FARGATE" and service["loadBalancers"][0]["containerPort"] == 8080
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("1024", "2048", "awsvpc")
    container = task["containerDefinitions"][0]
    # No injected secret (ECS never refreshes one): the app reads these ARNs at connect time through its task role.
    assert not container.get("secrets")
    sm = aws("secretsmanager")
    app_secrets = {
        "API_KEYS_SECRET_ARN": "streamflix-api-keys-" + suffix, "REDIS_AUTH_SECRET_ARN": "streamflix-redis-auth-" + suffix,
        "APP_CONFIG_SECRET_ARN": "streamflix-app-config-" + suffix, "DATABASE_SECRET_ARN": "streamflix-db-app-" + suffix,
    }
    environment_values = {e["name"]: e["value"] for e in container["environment"]}
    arns = {variable: sm.describe_secret(SecretId=name)["ARN"] for variable, name in app_secrets.items()}
    assert {variable: environment_values.get(variable) for variable in arns} == arns
    secret_values = [sm.get_secret_value(SecretId=arn)["SecretString"] for arn in arns.values()]
    assert not any(v in json.dumps(container["environment"]) for v in secret_values if len(v) > 2)
    iam = aws("iam")
    task_policy = iam.get_role_policy(RoleName="streamflix-task-" + suffix, PolicyName="streamflix-task")["PolicyDocument"]
    reads = [st for st in task_policy["Statement"] if st["Action"] == "secretsmanager:GetSecretValue"]
    assert len(reads) == 1 and sorted(reads[0]["Resource"]) == sorted(arns.values())
    decrypt = next(st for st in task_policy["Statement"] if st.get("Sid") == "DecryptThemWithTheEnvironmentKeyThroughSecretsManager")
    assert decrypt["Resource"] == key_arn and decrypt["Condition"]["StringEquals"]["kms:ViaService"].startswith("secretsmanager.")
    execution_policy = json.dumps(iam.get_role_policy(RoleName="streamflix-task-exec-" + suffix, PolicyName="streamflix-task-execution")["PolicyDocument"])
    assert "secretsmanager" not in execution_policy and "kms:" not in execution_policy
    # Hardened as far as Fargate allows: non-root, read-only root, no capabilities, writable scratch only.
    assert container["user"] == "101:101" and container["readonlyRootFilesystem"] is True
    assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"] and not container.get("privileged")
    volumes = {v["name"]: v for v in task["volumes"]}
    assert {"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False} in container["mountPoints"]
    assert "host" not in volumes["scratch"] or not volumes["scratch"]["host"]
    efs_volume = volumes["media"]["efsVolumeConfiguration"]
    assert efs_volume["transitEncryption"] == "ENABLED" and efs_volume["authorizationConfig"]["iam"] == "ENABLED"
    assert efs_volume["authorizationConfig"]["accessPointId"] == state["access_points"][0]["AccessPointId"]
    for role in ("streamflix-task-" + suffix, "streamflix-task-exec-" + suffix):
        iam = aws("iam")
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            assert all(statement["Resource"] != "*" for statement in document["Statement"]), (role, document)
    assert (state["scalable_target"]["MinCapacity"], state["scalable_target"]["MaxCapacity"]) == (2, 4)
    assert state["policies"]["cpu"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70
    assert set(state["policies"]) == {"cpu", "memory", "requests"}
    stream = state["stream"]
    assert stream["OpenShardCount"] == 2 and stream["RetentionPeriodHours"] >= 24
    assert stream["EncryptionType"] == "KMS"
    sqs = aws("sqs")
    queue = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="streamflix-jobs-" + suffix)["QueueUrl"], AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="streamflix-jobs-dlq-" + suffix)["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert json.loads(queue["RedrivePolicy"])["deadLetterTargetArn"] == dlq["QueueArn"]
    assert int(json.loads(queue["RedrivePolicy"])["maxReceiveCount"]) == 5
    assert dlq["MessageRetentionPeriod"] == "1209600" and queue.get("KmsMasterKeyId") and dlq.get("KmsMasterKeyId")
    assert state["api"]["endpointConfiguration"]["types"] == ["REGIONAL"]
    paths = {r["path"] for r in aws("apigateway").get_resources(restApiId=state["api"]["id"])["items"]}
    assert {"/content", "/{proxy+}"} <= paths
    stage = state["stage"]
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100 and stage["tracingEnabled"] is True
    assert "api-access" in stage["accessLogSettings"]["destinationArn"]
    topic_arn = state["api_5xx_alarm"]["AlarmActions"][0]
    assert aws("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]["KmsMasterKeyId"] in (key_arn, "alias/streamflix-" + suffix)
    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix="streamflix-{0}-".format(suffix))["MetricAlarms"]
    assert len(alarms) >= 12 and all(topic_arn in a["AlarmActions"] for a in alarms)
    for alarm in alarms:
        tags = {t["Key"]: t["Value"] for t in aws("cloudwatch").list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        assert tags.get("Environment") == suffix and tags.get("Project") == "streamflix", alarm["AlarmName"]
    assert aws("cloudwatch").get_dashboard(DashboardName="streamflix-dashboard-" + suffix)["DashboardBody"]


def test_rotate_replaces_api_keys_and_redis_token_with_overlap(environment, playbook, aws):
    suffix = environment["suffix"]
    sm, cache = aws("secretsmanager"), aws("elasticache")
    names = {"api": "streamflix-api-keys-" + suffix, "redis": "streamflix-redis-auth-" + suffix}
    before = {key: sm.get_secret_value(SecretId=name)["SecretString"] for key, name in names.items()}
    group_before = cache.describe_replication_groups(ReplicationGroupId="streamflix-redis-" + suffix)["ReplicationGroups"][0]
    run = playbook("rotate", suffix)
    assert_succeeded(run)
    for key, name in names.items():
        current = sm.get_secret_value(SecretId=name)["SecretString"]
        previous = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"]
        assert current != before[key] and previous == before[key], key
        labels = sorted(label for stages in sm.describe_secret(SecretId=name)["VersionIdsToStages"].values() for label in stages)
        assert labels == ["AWSCURRENT", "AWSPREVIOUS"], (key, labels)  # no AWSPENDING left behind
        assert current not in run.output and before[key] not in run.output
    api_keys = json.loads(sm.get_secret_value(SecretId=names["api"])["SecretString"])
    old_keys = json.loads(before["api"])
    assert sorted(api_keys) == sorted(old_keys) and all(api_keys[k] != old_keys[k] for k in api_keys)
    group = cache.describe_replication_groups(ReplicationGroupId="streamflix-redis-" + suffix)["ReplicationGroups"][0]
    assert group["Status"] == "available" and group["AuthTokenEnabled"] is True
    assert group["AuthTokenLastModifiedDate"] > group_before["AuthTokenLastModifiedDate"]
    assert "AuthTokenStatus" not in group.get("PendingModifiedValues", {})  # ROTATE and SET both done
    # SET happened: another SET without a new ROTATE is refused, as AWS refuses it.
    with pytest.raises(cache.exceptions.ClientError, match="InvalidParameterCombination"):
        cache.modify_replication_group(ReplicationGroupId="streamflix-redis-" + suffix, ApplyImmediately=True,
                                       AuthToken=sm.get_secret_value(SecretId=names["redis"])["SecretString"], AuthTokenUpdateStrategy="SET")


def test_acu_alarm_follows_the_readers_added_in_place(environment, aws):
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier=names(environment["suffix"])["aurora"])["DBClusters"][0]
    members = sorted(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"])
    assert len(members) == 3
    assert acu_alarm_instances(aws, environment["suffix"]) == members


def test_teardown_leaves_no_data_tier(environment, playbook, aws, take_snapshot):
    suffix = environment["suffix"]
    assert_succeeded(playbook("teardown", suffix))
    rds, cache, efs = aws("rds"), aws("elasticache"), aws("efs")
    assert [c for c in rds.describe_db_clusters()["DBClusters"] if suffix in c["DBClusterIdentifier"]] == []
    assert [i for i in rds.describe_db_instances()["DBInstances"] if suffix in i["DBInstanceIdentifier"]] == []
    assert [g for g in cache.describe_replication_groups()["ReplicationGroups"] if suffix in g["ReplicationGroupId"]] == []
    assert [f for f in efs.describe_file_systems()["FileSystems"] if suffix in (f.get("Name") or "")] == []
    state = take_snapshot(suffix)
    assert is_empty(state), leftovers(state)
    assert state["s3_buckets"] == {} and state["usage_plans"] == {} and state["api_keys"] == {}
    # The one expected remainder: the account's shared API Gateway logs role (other environments log through it).
    assert aws("iam").get_role(RoleName=SHARED_API_LOGS_ROLE)["Role"]["RoleName"] == SHARED_API_LOGS_ROLE
