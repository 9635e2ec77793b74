"""The resource_readiness action plugin: one wait in slices, a progress line after each, one deadline."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible_collections.streamflix.media_platform.plugins.action import resource_readiness as action

NAT, DB = "nat_gateway/nat-1", "db_instance/streamflix-aurora-unit-1"


@pytest.mark.parametrize("seconds, expected", [(0, "0s"), (5.4, "5s"), (60, "1m00s"), (90, "1m30s"), (1261, "21m01s")])
def test_duration(seconds, expected):
    assert action.duration(seconds) == expected


def test_progress_line_names_what_is_pending_with_its_state():
    line = action.progress_line(130, {NAT: "available", DB: "creating"}, {DB: "creating"})
    assert line == "readiness 2m10s: 1 of 2 ready; waiting for {0} (creating)".format(DB)


def answer(pending, failed=False, msg=None):
    states = {NAT: "available", DB: pending.get(DB, "available")}
    result = {"states": states, "pending": pending, "ready": not pending}
    if failed:
        result.update(failed=True, msg=msg)
    return result


def run_plugin(answers, args=None, check_mode=False):
    """Runs the plugin with the module's answers given in order; returns (result, printed lines, module calls)."""
    task = mock.MagicMock()
    task.args = dict({"nat_gateway_ids": ["nat-1"], "wait_timeout": 1800, "progress_interval": 60}, **(args or {}))
    task.async_val = 0
    play_context = mock.MagicMock(check_mode=check_mode)
    plugin = action.ActionModule(task, mock.MagicMock(), play_context, mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    calls = []

    def execute_module(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return dict(answers.pop(0))

    with mock.patch.object(action.ActionBase, "run", return_value={}), \
            mock.patch.object(plugin, "_execute_module", side_effect=execute_module), \
            mock.patch.object(action.display, "display") as display:
        result = plugin.run(task_vars={})
    return result, [c.args[0] for c in display.call_args_list], calls


def test_ready_at_once_prints_nothing_and_looks_once():
    result, lines, calls = run_plugin([answer({})])
    assert result["ready"] is True and not result.get("failed")
    assert lines == []
    assert [c[1]["wait_timeout"] for c in calls] == [0]


def test_prints_what_it_waits_for_then_each_slice_then_done():
    result, lines, calls = run_plugin([answer({DB: "creating"}), answer({DB: "backing-up"}), answer({})])
    assert result["ready"] is True
    assert lines[0].startswith("readiness 0s: 1 of 2 ready; waiting for {0} (creating)".format(DB))
    assert "waiting for {0} (backing-up)".format(DB) in lines[1]
    assert lines[2].endswith(": all 2 ready")
    # Each slice is the module waiting for everything for at most progress_interval, answering instead of failing.
    assert [c[1]["on_timeout"] for c in calls] == ["report"] * 3
    assert [c[1]["wait_timeout"] for c in calls][1:] == [60, 60]
    assert all(c[0] == "streamflix.media_platform.resource_readiness" for c in calls)


def test_a_failed_resource_fails_at_once():
    result, _lines, calls = run_plugin([answer({DB: "creating"}), answer({DB: "failed"}, failed=True, msg="Resources failed")])
    assert result["failed"] is True and result["msg"] == "Resources failed"
    assert len(calls) == 2


def test_one_deadline_for_the_whole_wait():
    result, lines, calls = run_plugin([answer({DB: "creating"})], args={"wait_timeout": 0})
    assert result["failed"] is True
    assert result["msg"] == "Still not ready after 0 s: {0}".format({DB: "creating"})
    assert len(calls) == 1 and len(lines) == 1


def test_check_mode_looks_once_without_waiting():
    result, lines, calls = run_plugin([answer({DB: "creating"})], check_mode=True)
    assert result["ready"] is False and not result.get("failed")
    assert len(calls) == 1 and lines == []


def test_timeline_keeps_the_first_time_each_resource_was_seen_ready():
    first = dict(answer({DB: "creating"}), created_at={NAT: "2026-01-05T10:00:00Z", DB: None}, ready_at={NAT: "2026-01-05T10:02:00Z"})
    later = dict(answer({}), created_at={NAT: "2026-01-05T10:00:00Z", DB: "2026-01-05T10:01:00Z"},
                 ready_at={NAT: "2026-01-05T10:03:00Z", DB: "2026-01-05T10:09:00Z"})
    result, _lines, _calls = run_plugin([first, later])
    timeline = result["timeline"]
    assert timeline["waited"] is True and timeline["started_at"] <= timeline["finished_at"]
    assert timeline["resources"] == [
        {"resource": DB, "created_at": "2026-01-05T10:01:00Z", "ready_at": "2026-01-05T10:09:00Z", "ready_at_first_look": False},
        {"resource": NAT, "created_at": "2026-01-05T10:00:00Z", "ready_at": "2026-01-05T10:02:00Z", "ready_at_first_look": True},
    ]


def test_timeline_of_a_run_that_found_everything_ready():
    result, _lines, _calls = run_plugin([dict(answer({}), created_at={NAT: None, DB: None}, ready_at={NAT: "t", DB: "t"})])
    assert result["timeline"]["waited"] is False
    assert all(r["ready_at_first_look"] for r in result["timeline"]["resources"])


def test_a_resource_an_earlier_wait_saw_ready_is_not_a_first_look():
    seen = {DB: "2026-01-05T10:09:00Z"}
    first = dict(answer({}), created_at={NAT: None, DB: "2026-01-05T10:01:00Z"}, ready_at={NAT: "2026-01-05T10:20:00Z", DB: seen[DB]})
    result, _lines, calls = run_plugin([first], args={"seen_ready_at": seen})
    assert calls[0][1]["seen_ready_at"] == seen
    by_name = {r["resource"]: r for r in result["timeline"]["resources"]}
    assert by_name[DB]["ready_at"] == seen[DB] and by_name[DB]["ready_at_first_look"] is False
    assert by_name[NAT]["ready_at_first_look"] is True
