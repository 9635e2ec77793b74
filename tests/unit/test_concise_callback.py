"""The concise stdout callback: which deprecations it leaves out, and the CHANGED recap."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

from ansible.playbook.task_include import TaskInclude

from ansible_collections.streamflix.media_platform.plugins.callback import concise

IAM_ROLE_RAW = (
    "In a release after 2026-05-01 iam_role.assume_role_policy_document_raw will no longer be returned.  Since release "
    "8.0.0 assume_role_policy_document has been returned with the same format"
)
OTHER = "In a release after 2026-05-01 the 'delete_instance_profile' option will be removed."


def summary(msg):
    return SimpleNamespace(event=SimpleNamespace(msg=msg))


def test_only_the_unconditional_iam_role_deprecation_is_unactionable():
    assert concise._is_actionable(summary(IAM_ROLE_RAW)) is False
    assert concise._is_actionable(summary(OTHER)) is True
    assert concise._is_actionable({"msg": IAM_ROLE_RAW}) is False
    assert concise._is_actionable({"msg": OTHER}) is True


def result(changed=True, deprecations=None, role="network", name="Create the VPC"):
    task = mock.MagicMock(spec=["name", "action", "_role", "_uuid"])
    task.name, task.action = name, "amazon.aws.ec2_vpc_net"
    task._role = mock.MagicMock()
    task._role.get_name.return_value = role
    data = {"changed": changed}
    if deprecations is not None:
        data["deprecations"] = deprecations
    return SimpleNamespace(task=task, result=data)


def test_deprecations_are_dropped_only_when_none_is_actionable():
    plugin = concise.CallbackModule()
    alone = result(deprecations=[summary(IAM_ROLE_RAW)])
    plugin._drop_unactionable_deprecations(alone)
    assert "deprecations" not in alone.result
    mixed = result(deprecations=[summary(IAM_ROLE_RAW), summary(OTHER)])
    plugin._drop_unactionable_deprecations(mixed)
    assert len(mixed.result["deprecations"]) == 2


def test_changes_are_recorded_once_per_task_by_role():
    plugin = concise.CallbackModule()
    for item in (result(), result(), result(name="Create the subnets"), result(role="security", name="Create the key"),
                 result(changed=False, name="Find the VPC")):
        plugin._record_change(item)
    assert plugin._changes == {"network": ["Create the VPC", "Create the subnets"], "security": ["Create the key"]}


def test_includes_are_not_changes():
    plugin = concise.CallbackModule()
    include = result()
    include.task = mock.MagicMock(spec=TaskInclude)
    plugin._record_change(include)
    assert plugin._changes == {}
