# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC flow logs: the pure comparison and the EC2 calls the vpc_flow_log module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

# Flow logs cannot be modified in place (there is no ModifyFlowLogs): these settings need a replacement.
REPLACED_ON_CHANGE = ("traffic_type", "deliver_logs_permission_arn", "max_aggregation_interval")


def desired_flow_log(params):
    return {
        "resource_id": params["resource_id"],
        "log_group_name": params["log_group_name"],
        "traffic_type": params["traffic_type"],
        "deliver_logs_permission_arn": params["deliver_logs_permission_arn"],
        "max_aggregation_interval": params["max_aggregation_interval"],
        "tags": params["tags"] or {},
    }


def current_flow_log(flow_log):
    """The module's view of a DescribeFlowLogs entry."""
    if flow_log is None:
        return None
    return {
        "flow_log_id": flow_log["FlowLogId"],
        "resource_id": flow_log["ResourceId"],
        "log_group_name": flow_log.get("LogGroupName"),
        "traffic_type": flow_log.get("TrafficType"),
        "deliver_logs_permission_arn": flow_log.get("DeliverLogsPermissionArn"),
        "max_aggregation_interval": flow_log.get("MaxAggregationInterval", 600),
        "tags": boto3_tag_list_to_ansible_dict(flow_log.get("Tags", [])),
    }


def settings_to_replace(current, desired):
    """The settings that differ and can only change by replacing the flow log."""
    return sorted(key for key in REPLACED_ON_CHANGE if current.get(key) != desired.get(key))


@AWSRetry.jittered_backoff()
def describe_flow_logs(client, resource_id, log_group_name):
    filters = [
        {"Name": "resource-id", "Values": [resource_id]},
        {"Name": "log-group-name", "Values": [log_group_name]},
    ]
    paginator = client.get_paginator("describe_flow_logs")
    return paginator.paginate(Filters=filters).build_full_result()["FlowLogs"]


@AWSRetry.jittered_backoff()
def create_flow_log(client, desired, resource_type, client_token):
    response = client.create_flow_logs(
        ResourceIds=[desired["resource_id"]],
        ResourceType=resource_type,
        TrafficType=desired["traffic_type"],
        LogDestinationType="cloud-watch-logs",
        LogGroupName=desired["log_group_name"],
        DeliverLogsPermissionArn=desired["deliver_logs_permission_arn"],
        MaxAggregationInterval=desired["max_aggregation_interval"],
        TagSpecifications=boto3_tag_specifications(desired["tags"], ["vpc-flow-log"]) or [],
        ClientToken=client_token,
    )
    return response


@AWSRetry.jittered_backoff()
def delete_flow_logs(client, flow_log_ids):
    return client.delete_flow_logs(FlowLogIds=flow_log_ids)
