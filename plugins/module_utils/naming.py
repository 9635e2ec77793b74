# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names and tags of every StreamFlix resource, derived from the environment suffix.

One table is the single source of truth: roles read the names preflight computes from it, and
preflight checks each name against the limit of the AWS API that receives it before anything is made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

PROJECT = "streamflix"

# key: (component, maximum length of the resulting name, the AWS limit it comes from)
COMPONENTS = {
    "vpc": ("vpc", 255, "EC2 Name tag"),
    "igw": ("igw", 255, "EC2 Name tag"),
    "public_route_table": ("public-rt", 255, "EC2 Name tag"),
    "private_route_table": ("private-rt", 255, "EC2 Name tag"),
    "public_subnet": ("public", 255, "EC2 Name tag"),
    "private_subnet": ("private", 255, "EC2 Name tag"),
    "nat": ("nat", 255, "EC2 Name tag"),
    "nat_eip": ("nat-eip", 255, "EC2 Name tag"),
    "flow_logs_role": ("flowlogs", 64, "IAM role name"),
    "flow_log": ("flowlog", 255, "EC2 Name tag"),
    "kms_alias": ("kms", 250, "KMS alias name"),
    "alb_sg": ("alb-sg", 255, "EC2 security group name"),
    "service_sg": ("service-sg", 255, "EC2 security group name"),
    "database_sg": ("database-sg", 255, "EC2 security group name"),
    "cache_sg": ("cache-sg", 255, "EC2 security group name"),
    "efs_sg": ("efs-sg", 255, "EC2 security group name"),
    "alb": ("alb", 32, "Elastic Load Balancing load balancer name"),
    "target_group": ("tg", 32, "Elastic Load Balancing target group name"),
    "origin_verify_secret": ("origin-verify", 512, "Secrets Manager secret name"),
    # The bucket name gets "-<account id>" (13 characters) for global uniqueness: 63 - 13.
    "alb_logs_bucket": ("alb-logs", 50, "S3 bucket name (63, with -<account id>)"),
    "redis": ("redis", 40, "ElastiCache replication group id"),
    "aurora": ("aurora", 63, "RDS DB cluster identifier"),
    "ecs_cluster": ("cluster", 255, "ECS cluster name"),
    "ecs_service": ("service", 255, "ECS service name"),
    "task_execution_role": ("task-exec", 64, "IAM role name"),
    "task_role": ("task", 64, "IAM role name"),
    "jobs_queue": ("jobs", 80, "SQS queue name"),
    "jobs_dlq": ("jobs-dlq", 80, "SQS queue name"),
    "ingest_stream": ("ingest", 128, "Kinesis stream name"),
    "api": ("api", 1024, "API Gateway REST API name"),
    "alarm_topic": ("alarms", 256, "SNS topic name"),
    "dashboard": ("dashboard", 255, "CloudWatch dashboard name"),
    "api_keys_secret": ("api-keys", 512, "Secrets Manager secret name"),
    "redis_auth_secret": ("redis-auth", 512, "Secrets Manager secret name"),
    "app_config_secret": ("app-config", 512, "Secrets Manager secret name"),
    "db_app_secret": ("db-app", 512, "Secrets Manager secret name"),
    "task_family": ("app", 255, "ECS task definition family"),
    "api_logs_role": ("apigw-logs", 64, "IAM role name"),
    "web_acl": ("waf", 128, "WAFv2 web ACL name"),
    "efs": ("efs", 255, "EFS Name tag"),
    "media_access_point": ("media", 255, "EFS access point Name tag"),
}

SUFFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")  # \Z: "$" would accept a trailing newline
SUFFIX_FORM = (
    "lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen "
    "(for example 'dev' or 'pr42')"
)


def resource_name(component, suffix):
    return "{0}-{1}-{2}".format(PROJECT, component, suffix)


def log_group_name(suffix, purpose):
    """CloudWatch log groups are paths rather than dashed names."""
    return "/{0}/{1}/{2}".format(PROJECT, suffix, purpose)


def max_suffix_length():
    """The longest suffix for which every name stays within its AWS limit."""
    return min(limit - len(resource_name(component, "")) for component, limit, _source in COMPONENTS.values())


def resource_names(suffix):
    names = {key: resource_name(component, suffix) for key, (component, _limit, _source) in COMPONENTS.items()}
    names["kms_alias"] = "alias/{0}-{1}".format(PROJECT, suffix)
    names["flow_logs_log_group"] = log_group_name(suffix, "vpc-flow-logs")
    names["app_log_group"] = log_group_name(suffix, "app")
    names["api_access_log_group"] = log_group_name(suffix, "api-access")
    return names


def suffix_errors(suffix, variable="streamflix_env_suffix"):
    """Every reason the suffix is unusable, as messages that name the variable and the allowed form."""
    if not isinstance(suffix, str) or not suffix:
        return ["{0} must be a non-empty string of {1}.".format(variable, SUFFIX_FORM)]
    errors = []
    if not SUFFIX_PATTERN.match(suffix):
        errors.append("{0}={1!r} is not allowed: use {2}.".format(variable, suffix, SUFFIX_FORM))
    for key, (component, limit, source) in COMPONENTS.items():
        name = resource_name(component, suffix)
        if len(name) > limit:
            errors.append(
                "{0}={1!r} makes the {2} name {3!r} {4} characters long; the {5} limit is {6}. "
                "Use a suffix of at most {7} characters.".format(
                    variable, suffix, key, name, len(name), source, limit, max_suffix_length()
                )
            )
    return errors


def standard_tags(suffix, extra_tags=None):
    """The tags every taggable resource carries; the platform's own keys win over extra tags."""
    tags = dict(extra_tags or {})
    tags.update({"Project": PROJECT, "Environment": suffix, "ManagedBy": "ansible"})
    return tags
