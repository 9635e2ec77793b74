#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_security_groups
short_description: Manage a declared set of VPC security groups and their rules in one task
version_added: 0.1.0
description:
  - Creates, converges and deletes the security groups of one VPC that O(groups) declares, with their ingress and
    egress rules and tags, in one task. The groups may refer to each other (O(groups[].rules[].group_name)) in
    any order and in cycles; every group is created before any rule is authorized.
  - The VPC's groups are read with one paginated DescribeSecurityGroups call. Declared and current rules are
    compared in one normalised form (protocol names, port numbers, canonical CIDRs, one rule per source, group
    ids shown as the group names), so only real differences are changed and shown in the diff.
  - Missing rules are authorized, rules whose description alone differs get the new description
    (UpdateSecurityGroupRuleDescriptions*, no revoke and re-authorize), and with O(purge_rules) /
    O(purge_rules_egress) rules not declared are revoked, after the new ones are in place.
  - A new group gets AWS's default egress rule (all traffic to 0.0.0.0/0); it is read back after creation and
    revoked when O(groups[].rules_egress) does not declare it.
  - The VPC's C(default) group can be named to strip its rules (it always exists, so it is never created, and
    it cannot be deleted).
  - Why this module exists, rather than amazon.aws.ec2_security_group; that module's diff shows false changes
    (a port as a string, a rule description moved to another rule, C(security_group_arn) dropped) beside the
    real one, it sleeps 3 seconds after creating each group and up to 10 seconds a try while waiting for rules
    to propagate, and manages one group per task.
  - Every input is validated against the EC2 API reference before any call (names, descriptions, protocols,
    ports, ICMP type and code, CIDRs, references to groups that neither exist nor are declared).
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description:
      - V(present) creates or converges the declared groups.
      - V(absent) deletes the declared groups that exist. Rules between them are revoked first, so they can be
        deleted in any order; a group still used by a network interface being released is retried with backoff
        (C(DependencyViolation)).
    type: str
    choices: [present, absent]
    default: present
  vpc_id:
    description: The VPC the groups belong to.
    type: str
    required: true
  groups:
    description: The security groups. With O(state=absent) only their names are used.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The group name, unique in the VPC (case-insensitive), up to 255 characters, not starting with C(sg-).
        type: str
        required: true
      description:
        description:
          - The group description, up to 255 characters. Needed to create the group.
          - AWS cannot change the description of an existing group; a different one gives a warning.
        type: str
      rules:
        description: The ingress rules.
        type: list
        elements: dict
        default: []
        suboptions: &rule_options
          proto:
            description:
              - V(tcp), V(udp), V(icmp), V(icmpv6), V(all) (or V(-1)), or an IP protocol number.
              - V(all) and protocol numbers other than 6, 17, 1 and 58 allow every port, so they take no ports.
            type: str
            default: tcp
          ports:
            description: For V(tcp) and V(udp), the ports or ranges (V(80), V(1000-2000)); one rule each.
            type: list
            elements: str
          from_port:
            description:
              - For V(tcp) and V(udp), the first port of the range (instead of O(groups[].rules[].ports)).
              - For V(icmp) and V(icmpv6), the ICMP type; V(-1) (the default) for all types.
            type: int
          to_port:
            description:
              - For V(tcp) and V(udp), the last port of the range.
              - For V(icmp) and V(icmpv6), the ICMP code; V(-1) (the default) for all codes.
            type: int
          cidr_ip:
            description: IPv4 CIDR blocks the rule admits (ingress) or reaches (egress).
            type: list
            elements: str
          cidr_ipv6:
            description: IPv6 CIDR blocks.
            type: list
            elements: str
          group_name:
            description: Names of security groups of the same VPC, declared in this task or existing.
            type: list
            elements: str
          group_id:
            description: Ids of security groups.
            type: list
            elements: str
          ip_prefix:
            description: Ids of managed prefix lists.
            type: list
            elements: str
          rule_desc:
            description: The rule description, up to 255 characters.
            type: str
      rules_egress:
        description:
          - The egress rules; an empty list means none (AWS's default all-traffic rule is revoked).
        type: list
        elements: dict
        default: []
        suboptions: *rule_options
      tags:
        description: Tags of this group, merged over O(tags) (for example its C(Name)).
        type: dict
  purge_rules:
    description: Revoke the ingress rules that O(groups[].rules) does not declare.
    type: bool
    default: true
  purge_rules_egress:
    description: Revoke the egress rules that O(groups[].rules_egress) does not declare.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags), with each group's O(groups[].tags) merged over them, apply to every declared group; with
    O(purge_tags=true) other tags are removed. When neither is given, a group's tags are left alone.
  - Rule changes take effect at once (AWS propagates them to network interfaces as quickly as it can), so there
    is nothing to wait for.
"""

EXAMPLES = r"""
- name: The environment's groups, each reachable only from the one in front of it
  streamflix.media_platform.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    tags:
      Project: streamflix
      Environment: dev
    groups:
      - name: streamflix-alb-sg-dev
        description: HTTP and HTTPS from the internet
        rules:
          - {proto: tcp, ports: [80, 443], cidr_ip: 0.0.0.0/0, rule_desc: Web from the internet}
        rules_egress:
          - {proto: tcp, ports: [8080], group_name: streamflix-service-sg-dev, rule_desc: To the service tasks}
        tags:
          Name: streamflix-alb-sg-dev
      - name: streamflix-service-sg-dev
        description: The app port from the ALB only
        rules:
          - {proto: tcp, ports: [8080], group_name: streamflix-alb-sg-dev, rule_desc: App port from the ALB}
        rules_egress:
          - {proto: all, cidr_ip: 0.0.0.0/0, rule_desc: AWS APIs through NAT}

- name: The VPC's default group admits and sends nothing
  streamflix.media_platform.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    groups:
      - name: default
        rules: []
        rules_egress: []

- name: Remove the groups
  streamflix.media_platform.ec2_security_groups:
    state: absent
    vpc_id: vpc-0123456789abcdef0
    groups:
      - name: streamflix-alb-sg-dev
      - name: streamflix-service-sg-dev
"""

RETURN = r"""
groups:
  description: The declared groups after the run (projected in check mode); empty when O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The group name.
      type: str
      sample: streamflix-database-sg-dev
    group_id:
      description: The group id; C(null) for a group that check mode would create.
      type: str
      sample: sg-0123456789abcdef0
    changed:
      description: Whether the group was (or, in check mode, would be) created or changed.
      type: bool
    changes:
      description: What changed; C(created), C(ingress), C(egress), C(tags).
      type: list
      elements: str
      sample: [ingress]
    ingress:
      description: The ingress rules, one line each, sorted.
      type: list
      elements: str
      sample: ["tcp 5432 from group streamflix-service-sg-dev (PostgreSQL from the service)"]
    egress:
      description: The egress rules, one line each, sorted.
      type: list
      elements: str
      sample: []
group_ids:
  description: Group name to id of the declared groups that exist (all of them after a real run).
  returned: always
  type: dict
  sample: {"streamflix-database-sg-dev": "sg-0123456789abcdef0"}
created:
  description: The names of the groups created.
  returned: always
  type: list
  elements: str
updated:
  description: The names of the existing groups whose rules or tags changed.
  returned: always
  type: list
  elements: str
deleted:
  description: The names of the groups deleted.
  returned: always
  type: list
  elements: str
diff:
  description:
    - The changed groups only, before and after, as text in which each group is its name, its description, its
      ingress and egress rules one line each (sorted) and its tags when managed, so each real change is one line
      of the diff; a group created is missing from C(before), one deleted from C(after).
  returned: always
  type: dict
  contains:
    before:
      description: The changed groups before the run.
      type: str
      sample: "streamflix-database-sg-dev:\n  description: 5432 from the service only\n  ingress:\n    - tcp 5432 from 0.0.0.0/0\n"
    after:
      description: The changed groups after the run (projected in check mode).
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import ec2_security_groups as sg

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:
    pass  # handled by AnsibleAWSModule

DIRECTIONS = (("ingress", "rules", "IpPermissions", "purge_rules"),
              ("egress", "rules_egress", "IpPermissionsEgress", "purge_rules_egress"))


def validate(module):
    problems = sg.set_problems(module.params["groups"], module.params["state"])
    if problems:
        module.fail_json(msg="Fix the security group declarations: " + "; ".join(problems), problems=problems)


def find_groups(module, client):
    """Lower-case name -> DescribeSecurityGroups entry of every group in the VPC."""
    try:
        groups = sg.describe_vpc_groups(client, module.params["vpc_id"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not list the security groups of VPC {0}".format(module.params["vpc_id"]))
    return dict((group["GroupName"].lower(), group) for group in groups)


def check_references(module, found):
    """Every group a rule names must exist or be declared here: fail before any change otherwise."""
    declared = set(group["name"].lower() for group in module.params["groups"])
    unknown = sorted(name for name in sg.referenced_group_names(module.params["groups"])
                     if name.lower() not in declared and name.lower() not in found)
    if unknown:
        module.fail_json(msg="Rules refer to security groups that are neither declared nor in VPC {0}: {1}".format(
            module.params["vpc_id"], ", ".join(unknown)))
    missing_default = [g["name"] for g in module.params["groups"] if g["name"] == sg.DEFAULT_GROUP and sg.DEFAULT_GROUP not in found]
    if missing_default:
        module.fail_json(msg="VPC {0} has no default security group to converge (is the VPC id right?)".format(module.params["vpc_id"]))
    undescribed = sorted(g["name"] for g in module.params["groups"] if g["name"].lower() not in found and not g.get("description"))
    if undescribed:
        module.fail_json(msg="Groups to be created need a description: {0}".format(", ".join(undescribed)))


def desired_tags(module, group):
    if module.params["tags"] is None and group.get("tags") is None:
        return None
    tags = dict(module.params["tags"] or {})
    tags.update(group.get("tags") or {})
    return dict((str(k), str(v)) for k, v in tags.items())


def create_missing(module, client, found):
    """Create the declared groups that do not exist (not in check mode); returns {lower name: entry} of them."""
    new_ids = {}
    for group in module.params["groups"]:
        if group["name"].lower() in found or module.check_mode:
            continue
        try:
            new_ids[group["name"]] = sg.create_group(
                client, module.params["vpc_id"], group["name"], group["description"], desired_tags(module, group))
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="Could not create security group {0}".format(group["name"]))
    if not new_ids:
        return {}
    # Read back once: the new groups' rules (AWS's default egress rule) and tags as AWS reports them.
    try:
        created = sg.describe_groups_by_id(client, new_ids.values())
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not read back the security groups created")
    return dict((entry["GroupName"].lower(), entry) for entry in created)


def planned_group(module, group):
    """A group check mode would create: AWS gives a new group one egress rule, all traffic to 0.0.0.0/0."""
    return {
        "GroupName": group["name"], "GroupId": None, "Description": group["description"],
        "IpPermissions": [], "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "Tags": [{"Key": k, "Value": v} for k, v in (desired_tags(module, group) or {}).items()],
    }


def apply_rules(module, client, group_id, direction, changes, group_ids):
    to_authorize, to_describe, to_revoke = changes
    if module.check_mode:
        return
    # New rules first, then the unwanted ones go: a changed port never leaves a gap.
    for call, permissions in ((sg.authorize, to_authorize), (sg.update_descriptions, to_describe), (sg.revoke, to_revoke)):
        if permissions:
            call(client, group_id, direction, sg.ip_permissions(permissions, group_ids))


def apply_tags(module, client, group_id, to_set, to_unset):
    if module.check_mode:
        return
    if to_set:
        sg.create_tags(client, group_id, to_set)
    if to_unset:
        sg.delete_tags(client, group_id, to_unset)


def converge_group(module, client, group, current, was_created, names_by_id, group_ids):
    """Returns (changes, before, after) for one declared group; before is None for one created."""
    name = group["name"]
    changes = ["created"] if was_created else []
    rules_before, rules_after = {}, {}
    for direction, option, field, purge_option in DIRECTIONS:
        have = sg.current_permissions(current.get(field), names_by_id)
        want = sg.declared_permissions(group.get(option), names_by_id)
        to_authorize, to_describe, to_revoke, after = sg.rule_changes(have, want, module.params[purge_option])
        rules_before[direction], rules_after[direction] = have, after
        if to_authorize or to_describe or to_revoke:
            if not was_created:
                changes.append(direction)
            try:
                apply_rules(module, client, current["GroupId"], direction, (to_authorize, to_describe, to_revoke), group_ids)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg="Could not change the {0} rules of security group {1}".format(direction, name))

    wanted_tags = desired_tags(module, group)
    tags_now = boto3_tag_list_to_ansible_dict(current.get("Tags") or [])
    tags_after = None
    if wanted_tags is not None:
        to_set, to_unset = compare_aws_tags(tags_now, wanted_tags, module.params["purge_tags"])
        tags_after = dict((k, v) for k, v in tags_now.items() if k not in to_unset)
        tags_after.update(to_set)
        if to_set or to_unset:
            changes.append("tags")
            try:
                apply_tags(module, client, current["GroupId"], to_set, to_unset)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg="Could not tag security group {0}".format(name))

    description = current.get("Description")
    if group.get("description") and description != group["description"] and name != sg.DEFAULT_GROUP:
        module.warn("Security group {0} keeps its description {1!r}: AWS cannot change a group's description "
                    "(delete and re-create the group to get {2!r})".format(name, description, group["description"]))
    before = None if was_created else sg.group_view(
        description, rules_before["ingress"], rules_before["egress"], tags_now if wanted_tags is not None else None)
    after = sg.group_view(description, rules_after["ingress"], rules_after["egress"], tags_after)
    return changes, before, after


def text_diff(before, after):
    return dict(before=sg.render_groups(before), after=sg.render_groups(after))


def ensure_present(module, client, found):
    check_references(module, found)
    created = create_missing(module, client, found)
    everything = dict(found, **created)
    names_by_id = dict((entry["GroupId"], entry["GroupName"]) for entry in everything.values())
    group_ids = dict((entry["GroupName"], entry["GroupId"]) for entry in everything.values())
    results, created_names, updated, before, after = [], [], [], {}, {}
    for group in module.params["groups"]:
        key = group["name"].lower()
        was_created = key not in found
        current = everything.get(key) or planned_group(module, group)
        changes, group_before, group_after = converge_group(module, client, group, current, was_created, names_by_id, group_ids)
        name = current["GroupName"]
        if changes:
            (created_names if was_created else updated).append(name)
            if group_before is not None:
                before[name] = group_before
            after[name] = group_after
        results.append(dict(name=name, group_id=current["GroupId"], changed=bool(changes), changes=changes,
                            ingress=group_after["ingress"], egress=group_after["egress"]))
    ids = dict((r["name"], r["group_id"]) for r in results if r["group_id"])
    changed = bool(created_names or updated)
    return changed, dict(groups=results, group_ids=ids, created=created_names, updated=updated, deleted=[],
                         diff=text_diff(before, after))


def ensure_absent(module, client, found):
    doomed = [found[g["name"].lower()] for g in module.params["groups"] if g["name"].lower() in found]
    names_by_id = dict((entry["GroupId"], entry["GroupName"]) for entry in found.values())
    doomed_names = set(entry["GroupName"] for entry in doomed)
    before = {}
    for entry in doomed:
        ingress = sg.current_permissions(entry.get("IpPermissions"), names_by_id)
        egress = sg.current_permissions(entry.get("IpPermissionsEgress"), names_by_id)
        before[entry["GroupName"]] = sg.group_view(entry.get("Description"), ingress, egress,
                                                   boto3_tag_list_to_ansible_dict(entry.get("Tags") or []))
    if not module.check_mode:
        # The groups refer to each other: drop those references first, so any deletion order works.
        for entry in doomed:
            revoke_references(module, client, entry, names_by_id, doomed_names)
        for entry in doomed:
            try:
                sg.delete_group(client, entry["GroupId"])
            except is_boto3_error_code("InvalidGroup.NotFound"):
                pass  # already gone: the goal is met
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg=("Could not delete security group {0} (is it still attached to a network "
                                             "interface or referenced by another group?)").format(entry["GroupName"]))
    deleted = sorted(doomed_names)
    return bool(deleted), dict(groups=[], group_ids={}, created=[], updated=[], deleted=deleted,
                               diff=text_diff(before, {}))


def revoke_references(module, client, entry, names_by_id, doomed_names):
    for direction, _option, field, _purge in DIRECTIONS:
        permissions = sg.current_permissions(entry.get(field), names_by_id)
        references = dict((key, text) for key, text in permissions.items() if key[3] == "group" and key[4] in doomed_names)
        if not references:
            continue
        group_ids = dict((name, group_id) for group_id, name in names_by_id.items())
        try:
            sg.revoke(client, entry["GroupId"], direction, sg.ip_permissions(references, group_ids))
        except is_boto3_error_code("InvalidGroup.NotFound"):
            pass  # the group is already gone
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not revoke the rules of security group {0}".format(entry["GroupName"]))


def main():
    rule_spec = dict(
        proto=dict(type="str", default="tcp"),
        ports=dict(type="list", elements="str"),
        from_port=dict(type="int"),
        to_port=dict(type="int"),
        cidr_ip=dict(type="list", elements="str"),
        cidr_ipv6=dict(type="list", elements="str"),
        group_name=dict(type="list", elements="str"),
        group_id=dict(type="list", elements="str"),
        ip_prefix=dict(type="list", elements="str"),
        rule_desc=dict(type="str"),
    )
    group_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        rules=dict(type="list", elements="dict", options=rule_spec, default=[]),
        rules_egress=dict(type="list", elements="dict", options=rule_spec, default=[]),
        tags=dict(type="dict"),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            vpc_id=dict(type="str", required=True),
            groups=dict(type="list", elements="dict", options=group_spec, required=True),
            purge_rules=dict(type="bool", default=True),
            purge_rules_egress=dict(type="bool", default=True),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    validate(module)
    client = module.client("ec2")
    found = find_groups(module, client)
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    changed, result = ensure(module, client, found)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
