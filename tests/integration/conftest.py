"""Integration fixtures: one localaws per test session, playbook runs, and state read back through boto3.

The playbooks run as `ansible-playbook` subprocesses from the repository root, exactly as a person runs
them; every assertion about AWS state goes through boto3 against the same localaws, never through the
playbook's own output (DESIGN.md, "Tests"). Helpers live in integration_support.py.
"""

from __future__ import annotations

from typing import Callable

import pytest

from integration_support import (
    RUNS, PlaybookRun, assert_succeeded, lift_deletion_protection, make_client, run_playbook, snapshot, unique_suffix,
)
from localaws.testing import running_localaws


@pytest.fixture(scope="session")
def endpoint() -> str:
    """One localaws for the whole session; it stops (and dies with pytest) when the session ends."""
    with running_localaws() as url:
        yield url


@pytest.fixture(scope="session")
def aws(endpoint) -> Callable[[str], object]:
    """aws("ec2") -> a boto3 client for localaws (dummy credentials, us-east-1); clients are cached."""
    cache = {}

    def factory(service: str):
        if service not in cache:
            cache[service] = make_client(endpoint, service)
        return cache[service]

    return factory


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory):
    """streamflix_output_dir of this session's playbooks: outputs/ and reports/ land here, not in the checkout."""
    return tmp_path_factory.mktemp("output")


@pytest.fixture(scope="session")
def outputs_dir(output_dir):
    """Where the playbooks of this session write <suffix>.json (outputs/ in the checkout is for people)."""
    return output_dir / "outputs"


@pytest.fixture(scope="session")
def playbook(endpoint, output_dir) -> Callable[..., PlaybookRun]:
    """playbook("site", suffix, "-e", "x=y") -> PlaybookRun (does not assert; see assert_succeeded)."""

    def runner(name: str, suffix: str | None, *extra: str) -> PlaybookRun:
        return run_playbook(endpoint, name, suffix, extra, output_dir=output_dir)

    return runner


@pytest.fixture(scope="session")
def take_snapshot(aws) -> Callable[[str], dict]:
    return lambda suffix: snapshot(aws, suffix)



@pytest.fixture(scope="session")
def single_nat_environment(playbook, take_snapshot):
    """One environment deployed with the local inventory as is (NAT single), shared by the modules that read it.

    Its state is captured right after the deploy, so test_deploy_state reads it whatever runs later;
    test_lifecycle goes on from it (re-run, plan, teardown) and is the only one that changes it.
    """
    suffix = unique_suffix("itenv")
    run = assert_succeeded(playbook("site", suffix))
    return {"suffix": suffix, "deploy": run, "state": take_snapshot(suffix)}


@pytest.fixture(scope="session")
def verified_environment(playbook, aws):
    """One environment for the modules that run verify.yml on it: test_report (first), then test_verify.

    test_report verifies it with one tampering it undoes; test_verify tampers with it for good and tears it down
    (its last test, which sets torn_down); whatever is left at the end of the session goes here.
    """
    suffix = unique_suffix("itverify")
    assert_succeeded(playbook("site", suffix))

    def verify(*extra):
        return playbook("verify", suffix, *extra)

    env = {"suffix": suffix, "verify": verify, "torn_down": False}
    yield env
    if not env["torn_down"]:  # a test failed before test_verify's teardown test ran, or test_verify did not run
        lift_deletion_protection(aws, suffix)
        assert_succeeded(playbook("teardown", suffix))


def pytest_terminal_summary(terminalreporter):
    """How long each playbook run took (concurrent runs overlap), to keep an eye on the suite's wall time."""
    if not RUNS:
        return
    terminalreporter.section("playbook runs")
    for run in RUNS:
        words = list(run.args[2:])
        for index, word in enumerate(words):
            if word.startswith(('{"outputs_dir"', '{"streamflix_output_dir"')):
                del words[index - 1:index + 1]
                break
        shown = " ".join(words)
        terminalreporter.write_line(
            "{0:6.1f}s rc={1} changed={2:<3} {3}".format(run.seconds, run.rc, run.recap.get("changed", "-"), shown)
        )
