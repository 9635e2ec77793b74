# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs resource_readiness in slices and prints progress between them, so a long wait is never silent.

It is still one wait for every resource together, with one deadline (wait_timeout): each slice is the module
polling everything for at most progress_interval seconds and reporting the states it saw last.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

MODULE = "streamflix.media_platform.resource_readiness"


def duration(seconds):
    """90 -> '1m30s', 5 -> '5s'."""
    minutes, seconds = divmod(int(round(seconds)), 60)
    return "{0}m{1:02d}s".format(minutes, seconds) if minutes else "{0}s".format(seconds)


def progress_line(elapsed, states, pending, done="ready"):
    waiting = ", ".join("{0} ({1})".format(name, state) for name, state in sorted(pending.items()))
    return "readiness {0}: {1} of {2} {3}; waiting for {4}".format(
        duration(elapsed), len(states) - len(pending), len(states), done, waiting
    )


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def timeline(started_at, finished_at, waited, states, created, ready_at, first_look):
    """The wait as the report draws it: each resource's creation (from the API) and the time it was seen ready."""
    resources = [
        {
            "resource": name,
            "created_at": created.get(name),
            "ready_at": ready_at.get(name),
            "ready_at_first_look": name in first_look,
        }
        for name in sorted(states)
    ]
    return {"started_at": started_at, "finished_at": finished_at, "waited": waited, "resources": resources}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _look(self, task_vars, seconds):
        """The module polling for at most ``seconds``, returning instead of failing when time is up."""
        args = dict(self._task.args, wait_timeout=max(0, int(seconds)), on_timeout="report")
        return self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        timeout = int(self._task.args.get("wait_timeout", 1800))
        progress = max(1, int(self._task.args.get("progress_interval", 60)))
        done = "gone" if self._task.args.get("wait_for") == "deleted" else "ready"
        started, started_at = time.monotonic(), utc_now()
        answer, waited = self._look(task_vars, 0), False
        # Resources an earlier wait of this run saw ready (seen_ready_at) carry that time, not this first look.
        first_look = set(answer.get("ready_at") or {}) - set(self._task.args.get("seen_ready_at") or {})
        created, ready_at = dict(answer.get("created_at") or {}), dict(answer.get("ready_at") or {})
        while not answer.get("failed") and not answer.get("ready") and not self._play_context.check_mode:
            elapsed = time.monotonic() - started
            display.display(progress_line(elapsed, answer["states"], answer["pending"], done))
            waited = True
            if elapsed >= timeout:
                answer.update(
                    failed=True,
                    msg="Still not {0} after {1} s: {2}".format(done, timeout, answer["pending"]),
                )
                break
            answer = self._look(task_vars, min(progress, timeout - elapsed))
            created.update(answer.get("created_at") or {})
            for name, moment in (answer.get("ready_at") or {}).items():
                ready_at.setdefault(name, moment)
        if answer.get("ready") and waited:
            display.display("readiness {0}: all {1} {2}".format(duration(time.monotonic() - started), len(answer["states"]), done))
        answer["waited_seconds"] = round(time.monotonic() - started, 1)
        answer["created_at"], answer["ready_at"] = created, ready_at
        answer["timeline"] = timeline(started_at, utc_now(), waited, answer.get("states") or {}, created, ready_at, first_look)
        result.update(answer)
        return result
