#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecs_cluster
short_description: Manage an ECS cluster with Container Insights and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one ECS cluster; turns Container Insights on or off in place and keeps the
    cluster's tags.
  - community.aws.ecs_cluster can set neither Container Insights nor tags, which is why this module exists.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The cluster's name.
    type: str
    required: true
  container_insights:
    description: The C(containerInsights) cluster setting.
    type: str
    choices: [enabled, disabled, enhanced]
    default: enabled
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Cluster with Container Insights
  streamflix.media_platform.ecs_cluster:
    name: streamflix-cluster-dev
    tags:
      Project: streamflix
"""

RETURN = r"""
cluster:
  description: The cluster after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The cluster name.
      type: str
    arn:
      description: The cluster ARN; C(null) for one check mode would create.
      type: str
    container_insights:
      description: The containerInsights setting.
      type: str
    tags:
      description: The cluster's tags.
      type: dict
changes:
  description: What the run changed.
  returned: always
  type: list
  elements: str
diff:
  description: The cluster before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def aws_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def ecs_tags(tags):
    return [{"key": key, "value": value} for key, value in tags.items()]


def cluster_view(cluster):
    if not cluster or cluster.get("status") == "INACTIVE":
        return {}
    settings = {item["name"]: item["value"] for item in cluster.get("settings", [])}
    return {
        "name": cluster["clusterName"],
        "arn": cluster["clusterArn"],
        "container_insights": settings.get("containerInsights", "disabled"),
        "tags": boto3_tag_list_to_ansible_dict(cluster.get("tags", []), "key", "value"),
    }


def find_cluster(module, client):
    try:
        clusters = client.describe_clusters(clusters=[module.params["name"]], include=["SETTINGS", "TAGS"], aws_retry=True)["clusters"]
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not describe cluster {0}".format(module.params["name"]))
    return cluster_view(clusters[0] if clusters else None)


def create(module, client):
    params = module.params
    desired = {"name": params["name"], "arn": None, "container_insights": params["container_insights"], "tags": params["tags"] or {}}
    if module.check_mode:
        return desired
    try:
        response = client.create_cluster(
            clusterName=params["name"],
            settings=[{"name": "containerInsights", "value": params["container_insights"]}],
            tags=ecs_tags(params["tags"] or {}),
            aws_retry=True,
        )
    except aws_errors() as e:
        module.fail_json_aws(e, msg="Could not create cluster {0}".format(params["name"]))
    return dict(desired, arn=response["cluster"]["clusterArn"])


def update(module, client, current):
    params = module.params
    after = dict(current)
    changes = []
    if current["container_insights"] != params["container_insights"]:
        changes.append("container_insights")
        after["container_insights"] = params["container_insights"]
        if not module.check_mode:
            try:
                client.update_cluster_settings(
                    cluster=current["arn"], settings=[{"name": "containerInsights", "value": params["container_insights"]}], aws_retry=True
                )
            except aws_errors() as e:
                module.fail_json_aws(e, msg="Could not change Container Insights of {0}".format(params["name"]))
    if params["tags"] is not None:
        to_set, to_unset = compare_aws_tags(current["tags"], params["tags"], params["purge_tags"])
        if to_set or to_unset:
            changes.append("tags")
            after["tags"] = dict((k, v) for k, v in current["tags"].items() if k not in to_unset)
            after["tags"].update(to_set)
            if not module.check_mode:
                try:
                    if to_unset:
                        client.untag_resource(resourceArn=current["arn"], tagKeys=to_unset, aws_retry=True)
                    if to_set:
                        client.tag_resource(resourceArn=current["arn"], tags=ecs_tags(to_set), aws_retry=True)
                except aws_errors() as e:
                    module.fail_json_aws(e, msg="Could not tag cluster {0}".format(params["name"]))
    return changes, after


def ensure_present(module, client, current):
    if not current:
        return ["created"], create(module, client)
    return update(module, client, current)


def ensure_absent(module, client, current):
    if not current:
        return [], {}
    if not module.check_mode:
        try:
            client.delete_cluster(cluster=current["arn"], aws_retry=True)
        except client.exceptions.ClusterNotFoundException:
            pass
        except aws_errors() as e:
            module.fail_json_aws(e, msg="Could not delete cluster {0}; delete its services first".format(module.params["name"]))
    return ["deleted"], {}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str", required=True),
            container_insights=dict(type="str", choices=["enabled", "disabled", "enhanced"], default="enabled"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    before = find_cluster(module, client)
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changes, after = ensure(module, client, before)
    module.exit_json(changed=bool(changes), cluster=after, changes=changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
