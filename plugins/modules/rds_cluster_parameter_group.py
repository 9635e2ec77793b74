#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rds_cluster_parameter_group
short_description: Manage an RDS DB cluster parameter group, its family (from the engine version), parameters and tags
version_added: 0.2.0
description:
  - Creates, converges or deletes one DB cluster parameter group.
  - The family is O(family), or derived from O(engine) and O(engine_version) with C(DescribeDBEngineVersions)
    (its C(DBParameterGroupFamily), for example C(aurora-postgresql16) for 16.4). AWS cannot change the family of a
    group, so the module fails (and changes nothing) when an existing group has another family.
  - O(parameters) are compared with the parameters set in the group (C(Source=user)) and only those that differ are
    sent (C(ModifyDBClusterParameterGroup), at most 20 per call); parameters not named are left alone.
  - In check mode it calls nothing that changes AWS and returns the group it would leave, with a diff.
  - "Why this module: amazon.aws.rds_cluster_param_group (10.1.2) compares the apply method along with the value
    (so a converged parameter can be reported as changed), fails when the parameter is at its engine default and
    not listed, only warns when the family differs, returns no diff, and in check mode returns no projected group."
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The DB cluster parameter group name, 1-255 letters, digits or hyphens, starting with a letter, without a
        trailing or double hyphen. AWS keeps it in lower case.
    type: str
    required: true
  family:
    description: The DB parameter group family, for example V(aurora-postgresql16). Or give O(engine) and O(engine_version).
    type: str
  engine:
    description: The engine whose O(engine_version) gives the family.
    type: str
  engine_version:
    description: The engine version whose family the group gets (C(DescribeDBEngineVersions)).
    type: str
  description:
    description: The group's description (fixed at creation).
    type: str
  parameters:
    description: 'Parameter names and the values they must have, for example V({"rds.force_ssl": "1"}).'
    type: dict
    default: {}
  apply_method:
    description:
      - How AWS applies the parameters it is sent. V(immediate) works for dynamic parameters only; a static one needs
        V(pending-reboot).
    type: str
    choices: [immediate, pending-reboot]
    default: immediate
notes:
  - AWS refuses to delete a group that a cluster still uses (C(InvalidDBParameterGroupState)); delete the cluster first.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Aurora PostgreSQL 16 parameters that refuse connections without TLS
  streamflix.media_platform.rds_cluster_parameter_group:
    name: streamflix-aurora-dev-aurora-postgresql16
    engine: aurora-postgresql
    engine_version: "16.4"
    description: StreamFlix dev Aurora - TLS required
    parameters:
      rds.force_ssl: "1"
    tags:
      Project: streamflix
      Environment: dev

- name: Remove it once no cluster uses it
  streamflix.media_platform.rds_cluster_parameter_group:
    name: streamflix-aurora-dev-aurora-postgresql16
    state: absent
"""

RETURN = r"""
parameter_group:
  description: The group after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The group's name.
      type: str
      sample: streamflix-aurora-dev-aurora-postgresql16
    arn:
      description: The group's ARN; C(null) for one check mode would create.
      type: str
    family:
      description: The DB parameter group family.
      type: str
      sample: aurora-postgresql16
    description:
      description: The group's description.
      type: str
    parameters:
      description: The parameters set in the group (C(Source=user)), by name.
      type: dict
      sample: {"rds.force_ssl": "1"}
    tags:
      description: The group's tags.
      type: dict
changes:
  description: What the module changed (or, in check mode, would change), in order.
  returned: always
  type: list
  elements: str
diff:
  description: The group before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import rds

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


class Run:
    """The module, the RDS client and the changes made so far."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.changes = []

    def call(self, description, function, *args):
        """Record ``description``; in check mode call nothing, else call ``function`` and fail with the description."""
        self.changes.append(description)
        if self.module.check_mode:
            return None
        try:
            return function(self.client, *args)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not {0}".format(description))

    def read(self, description, function, *args):
        try:
            return function(self.client, *args)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="Could not {0}".format(description))


def current_view(run, name):
    group = run.read("describe DB cluster parameter group " + name, rds.describe_parameter_group, name)
    if not group:
        return {}
    parameters = run.read("list the parameters of " + name, rds.user_parameters, name)
    tags = run.read("list the tags of " + name, rds.list_tags, group["DBClusterParameterGroupArn"])
    return rds.parameter_group_view(group, parameters, tags)


def desired_family(run, params):
    if params["family"]:
        return params["family"]
    engine, version = params["engine"], params["engine_version"]
    family = run.read("look up engine {0} {1}".format(engine, version), rds.engine_family, engine, version)
    if not family:
        run.module.fail_json(
            msg="AWS has no {0} engine version {1} (DescribeDBEngineVersions), so the parameter group's family is not "
            "known. Give engine_version as AWS lists it (for example 16.4), or family.".format(engine, version)
        )
    return family


def sync_tags(run, before, desired):
    if desired is None:
        return before["tags"]
    to_set, to_unset = compare_aws_tags(before["tags"], desired, run.module.params["purge_tags"])
    if to_unset:
        run.call("remove tags {0} from {1}".format(", ".join(sorted(to_unset)), before["name"]), rds.remove_tags, before["arn"], to_unset)
    if to_set:
        run.call("set tags {0} on {1}".format(", ".join(sorted(to_set)), before["name"]), rds.add_tags, before["arn"], to_set)
    after = {k: v for k, v in before["tags"].items() if k not in to_unset}
    after.update(to_set)
    return after


def ensure_present(run, params, name):
    before = current_view(run, name)
    family = desired_family(run, params)
    wanted = {key: str(value) for key, value in params["parameters"].items()}
    if not before:
        description = params["description"] or "StreamFlix DB cluster parameters ({0})".format(family)
        run.call("create DB cluster parameter group {0} ({1})".format(name, family), rds.create_parameter_group, name, family, description, params["tags"])
        after = {"name": name, "arn": None, "family": family, "description": description, "parameters": {}, "tags": params["tags"] or {}}
    else:
        if before["family"] != family:
            run.module.fail_json(
                msg="DB cluster parameter group {0} has family {1}, {2} asked. AWS cannot change a group's family: give "
                "the group of another family another name (for example with the family in it).".format(name, before["family"], family)
            )
        after = dict(before, tags=sync_tags(run, before, params["tags"]))
    changes = rds.parameter_changes(after["parameters"], wanted)
    if changes:
        description = "set {0} in {1}".format(", ".join("{0}={1}".format(k, v) for k, v in sorted(changes.items())), name)
        run.call(description, rds.modify_parameters, name, changes, params["apply_method"])
        after["parameters"] = dict(after["parameters"], **changes)
    changed = bool(run.changes)
    if changed and not run.module.check_mode:
        after = current_view(run, name)
    return changed, before, after


def ensure_absent(run, name):
    before = current_view(run, name)
    if before:
        run.call("delete DB cluster parameter group " + name, rds.delete_parameter_group, name)
    return bool(run.changes), before, {}


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        family=dict(type="str"),
        engine=dict(type="str"),
        engine_version=dict(type="str"),
        description=dict(type="str"),
        parameters=dict(type="dict", default={}),
        apply_method=dict(type="str", choices=["immediate", "pending-reboot"], default="immediate"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("family", "engine"), ("family", "engine_version")],
        required_together=[("engine", "engine_version")],
        supports_check_mode=True,
    )
    name = module.params["name"]
    if not rds.PARAMETER_GROUP_PATTERN.match(name):
        module.fail_json(
            msg="name {0!r} is not a valid DB cluster parameter group name: 1-255 letters, digits or hyphens, starting "
            "with a letter, without a trailing or double hyphen".format(name)
        )
    if module.params["state"] == "present" and not (module.params["family"] or module.params["engine"]):
        module.fail_json(msg="state=present needs family, or engine and engine_version to derive it from")

    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    run = Run(module, client)
    if module.params["state"] == "absent":
        changed, before, after = ensure_absent(run, name.lower())
    else:
        changed, before, after = ensure_present(run, module.params, name.lower())
    module.exit_json(changed=changed, parameter_group=after, changes=run.changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
