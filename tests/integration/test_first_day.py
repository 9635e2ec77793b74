"""What a user meets on the first day, cheaply (no deploy): a loopback endpoint outside local, no inventory, and a
run from another directory without the checkout's ansible.cfg.

Each run stops in preflight, or runs preflight and the outputs role alone, so the module takes seconds.
"""

from __future__ import annotations

import socket
import threading

import pytest

from integration_support import REPO, assert_succeeded, run_playbook, unique_suffix

# Credentials that only a listener on this machine could see; no real AWS setting may leak into these runs.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "itfirstdayaccesskey",
    "AWS_SECRET_ACCESS_KEY": "itfirstdaysecretaccesskey",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that counts the connections made to it (any AWS call would be one)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _address = server.accept()
            except socket.timeout:
                continue
            accepted.append(connection.getpeername())
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield {"url": "http://127.0.0.1:{0}".format(server.getsockname()[1]), "accepted": accepted}
    stop.set()
    thread.join()
    server.close()


def test_dev_with_a_loopback_aws_endpoint_url_is_refused_before_any_call(listener):
    run = run_playbook(listener["url"], "site", None, inventory="inventories/dev", env_changes=DUMMY_CREDENTIALS)
    assert run.rc != 0 and run.failed == 1, run.describe()
    messages = run.error_messages()
    expected = ("AWS_ENDPOINT_URL is {0}, a loopback address, but environment dev is real AWS: unset AWS_ENDPOINT_URL"
                .format(listener["url"]))
    assert expected in messages, messages
    assert listener["accepted"] == [], "an AWS call reached the loopback endpoint"
    assert "TASK [streamflix.media_platform.network" not in run.output


def test_dev_with_a_loopback_inventory_endpoint_is_refused_before_any_call(listener):
    local_url = listener["url"].replace("127.0.0.1", "localhost")
    run = run_playbook(
        "", "teardown", None, ["-e", "streamflix_aws_endpoint_url=" + local_url], inventory="inventories/dev",
        env_changes=dict(DUMMY_CREDENTIALS, AWS_ENDPOINT_URL=None),
    )
    assert run.rc != 0 and run.failed == 1, run.describe()
    assert "unset streamflix_aws_endpoint_url" in run.error_messages(), run.describe()
    assert listener["accepted"] == [], "an AWS call reached the loopback endpoint"


@pytest.mark.parametrize("playbook", ["site", "teardown", "verify"])
def test_no_inventory_fails_saying_to_pass_one(playbook, tmp_path):
    """From another directory without the checkout's ansible.cfg (whose inventory is local) and an empty inventory."""
    empty = tmp_path / "hosts.ini"
    empty.write_text("")
    run = run_playbook("", playbook, None, inventory=str(empty), cwd=str(tmp_path), env_changes={"ANSIBLE_CONFIG": None})
    assert run.rc != 0 and run.failed == 1, run.describe()
    assert ("No host in group streamflix: pass an environment's inventory with -i inventories/<env> (local, dev, staging or "
            "prod), for example ansible-playbook -i inventories/local streamflix.media_platform.{0}.".format(playbook)
            in run.flat_output()), run.describe()
    assert "PLAY [" + playbook not in run.output


def test_teardown_from_another_directory_removes_only_its_own_files(endpoint, tmp_path):
    """No ansible.cfg: the roles come from the playbook-adjacent collections/ link; the default output dir is the cwd."""
    suffix = unique_suffix("itday")
    own = [tmp_path / "outputs" / (suffix + ".json"), tmp_path / "reports" / (suffix + "-verify.json")]
    others = [tmp_path / "outputs" / "itkeep.json", tmp_path / "reports" / "itkeep-verify.json", tmp_path / "notes.txt"]
    for path in own + others:
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}\n")
    run = assert_succeeded(run_playbook(
        endpoint, "teardown", suffix, ["--tags", "outputs"], cwd=str(tmp_path), env_changes={"ANSIBLE_CONFIG": None},
    ))
    assert "TASK [streamflix.media_platform.outputs" in run.output, run.describe()
    assert [path.exists() for path in own + others] == [False, False, True, True, True]
