"""A deploy killed at a random point: a re-run converges to the state of an uninterrupted deploy, and a teardown
from the partial state leaves nothing.

Each scenario has a localaws of its own (so the whole account is its, and a duplicate counts even without a
name or a tag). site.yml runs until `delay` seconds after its N-th `TASK [` line, then its whole process group
gets SIGKILL (as a lost CI runner or a closed laptop would). Then either
  - "rerun": site.yml again must succeed and leave an account whose id-free signature (sweep_support.signature:
    counts, names and key settings of every kind of resource) equals that of an uninterrupted deploy; site.yml
    once more must succeed too; then a teardown must leave nothing; or
  - "teardown": teardown.yml straight from the partial state must succeed and leave nothing.

The uninterrupted deploy is test_faults' when it ran in this pytest process (sweep_support.REFERENCE), or one made
here. Points (N, delay) come from a seed: STREAMFLIX_SWEEP_SEED (default 1 for the CI sample; random for the full
sweep, and printed). STREAMFLIX_SWEEP=full runs STREAMFLIX_SWEEP_POINTS points (default 8), each both ways;
otherwise 2 points, the first re-run and the second torn down. Scenarios run two at a time.

Reproduce a failure: STREAMFLIX_SWEEP=full STREAMFLIX_SWEEP_SEED=<seed> pytest tests/integration/test_interruption.py
(the seed and the points are in every failure message).
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from integration_support import is_empty, leftovers, run_playbook, snapshot, unique_suffix
from localaws.testing import running_localaws
from sweep_support import (
    REFERENCE,
    client_factory,
    ids,
    left_after_teardown,
    minus,
    raw_inventory,
    run_interrupted,
    signature,
    signature_differences,
    sweep_points,
)

FULL = os.environ.get("STREAMFLIX_SWEEP", "") == "full"
SEED = int(os.environ.get("STREAMFLIX_SWEEP_SEED") or (random.SystemRandom().randrange(1, 10**6) if FULL else 1))
POINTS = int(os.environ.get("STREAMFLIX_SWEEP_POINTS") or (8 if FULL else 2))
PARALLEL = 2


def scenarios(points):
    if FULL:
        return [(index, point, way) for index, point in enumerate(points) for way in ("rerun", "teardown")]
    return [(index, point, "rerun" if index % 2 == 0 else "teardown") for index, point in enumerate(points)]


def reproduce(extra: str = "") -> str:
    return "[sweep seed={0} points={1} full={2}{3}] reproduce: STREAMFLIX_SWEEP={4} STREAMFLIX_SWEEP_SEED={0} " \
           "STREAMFLIX_SWEEP_POINTS={5} .venv/bin/python -m pytest tests/integration/test_interruption.py".format(
               SEED, SWEEP.get("points"), FULL, extra, "full" if FULL else "sample", POINTS)


SWEEP: dict = {}


def reference_deploy(tmp_path):
    """The signature and the task count of an uninterrupted full deploy (test_faults', or one made here)."""
    if "deploy" in REFERENCE:
        return REFERENCE["deploy"]
    suffix = unique_suffix("itref")
    with running_localaws() as endpoint:
        aws = client_factory(endpoint)
        baseline = ids(raw_inventory(aws))
        run = run_playbook(endpoint, "site", suffix, outputs_dir=tmp_path)
        assert run.rc == 0, "the uninterrupted reference deploy failed:\n" + run.describe()
        REFERENCE["deploy"] = {
            "signature": signature(minus(raw_inventory(aws), baseline), suffix),
            "task_count": run.output.count("\nTASK ["),
            "source": "test_interruption's own deploy",
        }
    return REFERENCE["deploy"]


def run_scenario(index, point, way, tmp_path):
    task_index, delay = point
    suffix = unique_suffix("itcut")
    result = {"index": index, "point": point, "way": way, "suffix": suffix}
    with running_localaws() as endpoint:
        aws = client_factory(endpoint)
        baseline = ids(raw_inventory(aws))
        cut = run_interrupted(endpoint, "site", suffix, task_index, delay, outputs_dir=tmp_path)
        result["cut"] = cut
        result["partial"] = {kind: len(items) for kind, items in minus(raw_inventory(aws), baseline).items() if items}
        try:
            if way == "rerun":
                result["rerun"] = run_playbook(endpoint, "site", suffix, outputs_dir=tmp_path)
                result["signature"] = signature(minus(raw_inventory(aws), baseline), suffix)
                if result["rerun"].rc == 0:
                    result["rerun_again"] = run_playbook(endpoint, "site", suffix, outputs_dir=tmp_path)
        finally:
            result["teardown"] = run_playbook(endpoint, "teardown", suffix, outputs_dir=tmp_path)
            result["snapshot_after_teardown"] = snapshot(aws, suffix)
            result["after_teardown"] = left_after_teardown(raw_inventory(aws), baseline)
    return result


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    reference = reference_deploy(tmp_path_factory.mktemp("reference"))
    points = sweep_points(SEED, POINTS, reference["task_count"])
    SWEEP.update(points=points, reference=reference)
    print("\ninterruption sweep: seed={0} points={1} (task index, delay s) over {2} tasks; reference: {3}".format(
        SEED, points, reference["task_count"], reference["source"]))
    outputs = tmp_path_factory.mktemp("cut-outputs")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = [pool.submit(run_scenario, index, point, way, outputs) for index, point, way in scenarios(points)]
        results = [future.result() for future in futures]
    for result in results:
        cut = result["cut"]
        print("  point {0} {1} {2} ({3}): killed after TASK #{4} + {5}s in [{6}] after {7:.0f}s; partial state {8}; {9}".format(
            result["index"], result["point"], result["way"], result["suffix"], cut.task_index, cut.delay, cut.killed_in,
            cut.run.seconds, result["partial"],
            ", ".join("{0} rc={1} {2:.0f}s".format(step, result[step].rc, result[step].seconds)
                      for step in ("rerun", "rerun_again", "teardown") if step in result)))
    SWEEP["results"] = results
    return SWEEP


def describe(result) -> str:
    cut = result["cut"]
    return reproduce(" point {0} {1}: TASK #{2} + {3}s, killed in [{4}]".format(
        result["index"], result["way"], cut.task_index, cut.delay, cut.killed_in))


def test_every_point_interrupts_the_deploy(sweep):
    for result in sweep["results"]:
        cut = result["cut"]
        assert cut.killed_in is not None and cut.run.rc != 0, describe(result) + "\nthe deploy was not interrupted:\n" + \
            cut.run.describe()
        assert len(cut.tasks_seen) >= cut.task_index, describe(result)


def test_rerun_after_an_interruption_converges_to_the_uninterrupted_state(sweep):
    reruns = [result for result in sweep["results"] if result["way"] == "rerun"]
    assert reruns
    for result in reruns:
        run = result["rerun"]
        assert run.rc == 0 and run.failed == 0, describe(result) + "\nthe re-run failed:\n" + run.describe()
        differences = signature_differences(result["signature"], sweep["reference"]["signature"])
        assert not differences, describe(result) + "\n(only after the interrupted run, only in the reference): {0}".format(
            differences)


def test_a_further_rerun_succeeds(sweep):
    for result in sweep["results"]:
        if result["way"] == "rerun":
            run = result["rerun_again"]
            assert run.rc == 0 and run.failed == 0, describe(result) + "\nthe second re-run failed:\n" + run.describe()


def test_teardown_from_every_state_leaves_nothing(sweep):
    for result in sweep["results"]:
        run = result["teardown"]
        assert run.rc == 0 and run.failed == 0, describe(result) + "\nteardown failed:\n" + run.describe()
        state = result["snapshot_after_teardown"]
        assert is_empty(state), describe(result) + "\nleft after teardown: {0}".format(leftovers(state))
        assert result["after_teardown"] == {}, describe(result) + "\nthe account still holds: {0}".format(
            result["after_teardown"])
