# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: concise
type: stdout
short_description: The default output, showing only what changed, what failed, messages and the recap
version_added: 0.1.0
description:
  - The ansible-core C(default) stdout callback with the collection's C(ansible.cfg) settings
    (C(display_ok_hosts) and C(display_skipped_hosts) off) and three differences.
  - The results of C(ansible.builtin.debug) tasks are shown although C(display_ok_hosts) is off, since a debug task
    exists to tell the user something (the outputs summary, the verify table, the teardown summary).
  - Warnings and deprecations of results that are not shown (ok, not changed) are still shown, under the task's name.
  - Before the recap, a C(CHANGED) section names, per role, the tasks that changed something (on a teardown, what
    was deleted), one line per role.
  - C(included:) lines and the banners of include tasks are shown only with C(-v) or more, or with
    C(display_ok_hosts) on (C(ANSIBLE_DISPLAY_OK_HOSTS=true)), which gives the C(default) callback's output.
  - amazon.aws 10.x C(iam_role) announces on every call, whatever its options, that it will stop returning
    C(assume_role_policy_document_raw); the collection never reads that value, so that one deprecation is not shown.
    Every other warning and deprecation is.
extends_documentation_fragment:
  - default_callback
  - result_format_callback
requirements:
  - set as stdout in configuration
"""

from ansible import constants as C
from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallback

DEBUG_ACTIONS = frozenset(("debug", "ansible.builtin.debug", "ansible.legacy.debug"))
# The start of the one deprecation amazon.aws.iam_role emits unconditionally (see the description).
UNACTIONABLE_DEPRECATIONS = ("In a release after 2026-05-01 iam_role.assume_role_policy_document_raw",)


def _message(deprecation):
    """The text of a deprecation, whether a summary object (ansible-core 2.19) or a dict (older)."""
    event = getattr(deprecation, "event", None)
    if event is not None:
        return getattr(event, "msg", "") or ""
    if isinstance(deprecation, dict):
        return deprecation.get("msg", "") or ""
    return str(deprecation)


def _is_actionable(deprecation):
    return not _message(deprecation).startswith(UNACTIONABLE_DEPRECATIONS)


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "streamflix.media_platform.concise"

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._changes = {}  # role (or "play") -> names of its tasks that changed, in order

    def _record_change(self, result):
        if not result.result.get("changed", False) or isinstance(result.task, TaskInclude):
            return
        role = result.task._role.get_name(include_role_fqcn=False) if result.task._role else "play"
        names = self._changes.setdefault(role, [])
        name = (result.task.name or result.task.action).strip()
        if name not in names:
            names.append(name)

    def _display_changes(self):
        if not self._changes:
            return
        self._display.banner("CHANGED")
        for role, names in self._changes.items():
            self._display.display("{0}: {1}".format(role, "; ".join(names)), color=C.COLOR_CHANGED)

    def _drop_unactionable_deprecations(self, result):
        """Removes the result's deprecations when none is actionable (the base class then shows none)."""
        deprecations = result.result.get("deprecations")
        if deprecations and not any(_is_actionable(d) for d in deprecations):
            result.result.pop("deprecations")

    def _hides_includes(self):
        return not self.get_option("display_ok_hosts") and not self._display.verbosity

    def _shows_hidden_ok(self, result):
        """A debug message is shown although ok results are hidden."""
        return result.task.action in DEBUG_ACTIONS and not self.get_option("display_ok_hosts")

    def _show_warnings_of_hidden(self, result):
        if result.result.get("warnings") or result.result.get("deprecations"):
            if self._last_task_banner != result.task._uuid:
                self._print_task_banner(result.task)
            self._handle_warnings_and_exception(result)

    def _ok(self, result, show):
        self._record_change(result)
        if isinstance(result.task, TaskInclude) and self._hides_includes():
            return  # an include's banner alone says nothing; its tasks show what they changed
        self._drop_unactionable_deprecations(result)
        hidden = not result.result.get("changed", False) and not self.get_option("display_ok_hosts")
        if hidden and self._shows_hidden_ok(result):
            self.set_option("display_ok_hosts", True)
            try:
                show(result)
            finally:
                self.set_option("display_ok_hosts", False)
            return
        if hidden:
            self._show_warnings_of_hidden(result)
        show(result)

    def v2_runner_on_ok(self, result):
        self._ok(result, super(CallbackModule, self).v2_runner_on_ok)

    def v2_runner_item_on_ok(self, result):
        self._ok(result, super(CallbackModule, self).v2_runner_item_on_ok)

    def v2_playbook_on_include(self, included_file):
        if not self._hides_includes():
            super(CallbackModule, self).v2_playbook_on_include(included_file)

    def v2_playbook_on_stats(self, stats):
        self._display_changes()
        super(CallbackModule, self).v2_playbook_on_stats(stats)
