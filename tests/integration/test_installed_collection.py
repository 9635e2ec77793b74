"""The collection as a platform team runs it: built, installed, and driven by ansible-runner as AWX drives a job.

One module, one deploy cycle (issue 10, points 1 and 4 together, to save CI time):

1. `ansible-galaxy collection build` makes the tarball from this checkout and `ansible-galaxy collection install
   --offline <tarball> -p DIR` installs it into a temporary path. There is no Galaxy server here, nor in an
   execution environment at job time: the dependencies (amazon.aws, community.aws) are already installed with the
   `ansible` package (as in an EE's base image), and `--offline` makes the installer check galaxy.yml's version
   ranges against those installed copies instead of asking a server; a missing or out-of-range one fails the install.
2. An AWX-style private data dir: inventory/ (the local environment's hosts.yml and group_vars, a copy outside the
   collection, as a team keeps its inventories in its own repository), env/extravars, env/envvars (the job's
   environment: localaws endpoint, dummy credentials, ANSIBLE_COLLECTIONS_PATH = the install dir only,
   ANSIBLE_CONFIG = the project's own ansible.cfg), env/settings, and project/ with the two small playbooks a job
   template would name (they import streamflix.media_platform.site / .teardown by FQCN). verify runs as
   `ansible-runner run -p streamflix.media_platform.verify` does, the playbook given by FQCN.
3. ansible_runner.run() (the Python API, the engine AWX uses) drives site, verify and teardown from a directory
   outside the checkout; the tests read the job's events (status, rc, changed, failed tasks, task paths: every
   collection task must come from the installed copy) and assert the AWS state through boto3 on localaws.

ansible-doc for every module and the filter, from the installed copy, needs no AWS and runs first.

Its wall time (printed with -s, and in the session's "playbook runs" summary), to re-run on a quiet machine:
    .venv/bin/python -m pytest tests/integration/test_installed_collection.py -q -s --durations=5
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import ansible_runner
import pytest
import yaml

from integration_support import (
    PLAYBOOK_TIMEOUT_SECONDS, REPO, RUNS, PlaybookRun, is_empty, leftovers, make_client, snapshot, tag_dict, unique_suffix,
)

BIN = Path(sys.executable).parent
COLLECTION = "streamflix.media_platform"
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
FILTERS = ["subnet_plan"]  # plugins/filter/network.py, documented in the file (DOCUMENTATION names it)
CALLBACKS = ["concise"]
# What AWX takes from a project: a job template names one of its playbooks; these import ours by FQCN.
PROJECT_PLAYBOOKS = {
    "site.yml": COLLECTION + ".site",
    "teardown.yml": COLLECTION + ".teardown",
}
# The job's environment comes from env/envvars only: nothing of the developer's shell or of the checkout's test
# setup (tests/conftest.py points ANSIBLE_CONFIG at the checkout's ansible.cfg, which finds the collection through
# build/collections) may reach the runs.
LEAKING = ("ANSIBLE_", "AWS_", "PYTHONPATH")


def clean_environ() -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKING)}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def run_tool(args, cwd, env) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300,
    )
    assert proc.returncode == 0, "{0} failed (rc={1}):\n{2}".format(" ".join(args), proc.returncode, proc.stdout[-4000:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The built tarball installed into a temporary collections path, from a directory outside the checkout."""
    work = tmp_path_factory.mktemp("installed")
    env = clean_environ()
    started = time.monotonic()
    run_tool(["ansible-galaxy", "collection", "build", "--output-path", str(work / "dist"), str(REPO)], work, env)
    [tarball] = (work / "dist").glob("*.tar.gz")
    collections = work / "collections"
    install = run_tool(
        ["ansible-galaxy", "collection", "install", "--offline", str(tarball), "-p", str(collections)], work, env
    )
    return {
        "tarball": tarball,
        "collections": collections,
        "root": collections / "ansible_collections" / "streamflix" / "media_platform",
        "install_output": install.stdout,
        "env": dict(env, ANSIBLE_COLLECTIONS_PATH=str(collections)),
        "work": work,
        "seconds": time.monotonic() - started,
    }


def test_the_tarball_installs_with_its_dependencies_offline(installed):
    root = installed["root"]
    manifest = json.loads((root / "MANIFEST.json").read_text())["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        GALAXY["namespace"], GALAXY["name"], GALAXY["version"]
    )
    assert manifest["dependencies"] == GALAXY["dependencies"]
    # The installed copy is a copy, not the checkout's link back to itself.
    assert not root.is_symlink() and root.resolve() != REPO.resolve()
    for playbook in ("site", "verify", "teardown"):
        assert (root / "playbooks" / (playbook + ".yml")).is_file()
    # The dependency ranges were checked against the installed amazon.aws and community.aws, none fetched.
    for dependency in GALAXY["dependencies"]:
        assert "'{0}:".format(dependency) in installed["install_output"], installed["install_output"]


def test_the_offline_install_refuses_missing_dependencies(installed, tmp_path):
    """Where amazon.aws is installed nowhere (sys.path not scanned), --offline fails instead of skipping the check."""
    env = dict(installed["env"], ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "empty"))
    target = tmp_path / "collections"
    proc = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", str(installed["tarball"]), "-p", str(target)],
        cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=300,
    )
    assert proc.returncode != 0, proc.stdout
    expected = "amazon.aws:{0} (dependency of streamflix.media_platform".format(GALAXY["dependencies"]["amazon.aws"])
    assert expected in proc.stdout, proc.stdout
    assert not (target / "ansible_collections" / "streamflix").exists()


def _docs(installed, plugin_type, names):
    proc = run_tool(
        ["ansible-doc", "-t", plugin_type, "--json", *("{0}.{1}".format(COLLECTION, name) for name in names)],
        installed["work"], installed["env"],
    )
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "plugin_type, names, directory",
    [("module", MODULES, "modules"), ("filter", FILTERS, "filter"), ("callback", CALLBACKS, "callback")],
)
def test_ansible_doc_documents_every_plugin_from_the_installed_copy(installed, plugin_type, names, directory):
    docs = _docs(installed, plugin_type, names)
    # ansible-doc leaves out (with a warning, rc 0) a plugin whose documentation does not load.
    assert sorted(docs) == sorted("{0}.{1}".format(COLLECTION, name) for name in names)
    for fqcn, entry in docs.items():
        doc = entry["doc"]
        assert doc["short_description"].strip(), fqcn
        assert Path(doc["filename"]).resolve().parent == (installed["root"] / "plugins" / directory).resolve(), doc["filename"]
        if plugin_type == "module":
            assert doc["options"] and entry["return"] is not None and entry["examples"].strip(), fqcn


# ---------------------------------------------------------------------------------------------------------
# The AWX-style job


def private_data_dir(root: Path, installed: dict, endpoint: str, suffix: str) -> Path:
    """The directory AWX lays out for a job (ansible-runner's input): inventory, env, project."""
    inventory = root / "inventory"
    shutil.copytree(REPO / "inventories" / "local", inventory)
    (root / "env").mkdir()
    (root / "env" / "extravars").write_text(
        yaml.safe_dump({"streamflix_env_suffix": suffix, "streamflix_output_dir": str(root / "output")})
    )
    project = root / "project"
    project.mkdir()
    (project / "ansible.cfg").write_text(
        "[defaults]\n"
        "# The project's own configuration: the collection comes from the job's ANSIBLE_COLLECTIONS_PATH.\n"
        "interpreter_python = auto_silent\n"
        "retry_files_enabled = false\n"
    )
    (root / "env" / "envvars").write_text(yaml.safe_dump({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "localaws",
        "AWS_SECRET_ACCESS_KEY": "localaws",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Only the install dir: amazon.aws and community.aws come from the ansible package (sys.path), as in an EE.
        "ANSIBLE_COLLECTIONS_PATH": str(installed["collections"]),
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
        "PATH": installed["env"]["PATH"],
    }))
    (root / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": PLAYBOOK_TIMEOUT_SECONDS}))
    for name, fqcn in PROJECT_PLAYBOOKS.items():
        (project / name).write_text(
            "---\n# A job template's playbook: the collection's, by its FQCN.\n- name: Run {0}\n"
            "  ansible.builtin.import_playbook: {0}\n".format(fqcn)
        )
    return root


class Job:
    """One ansible_runner.run() and what its events say."""

    def __init__(self, runner, seconds: float):
        self.status, self.rc, self.seconds = runner.status, runner.rc, seconds
        self.events = list(runner.events)
        self.stats = runner.stats or {}
        self.stdout = runner.stdout.read()

    def total(self, key: str) -> int:
        return sum(self.stats.get(key, {}).values())

    @property
    def changed(self) -> int:
        return self.total("changed")

    def of(self, *kinds) -> list:
        return [event for event in self.events if event.get("event") in kinds]

    @property
    def failed_tasks(self) -> list:
        return [
            event["event_data"].get("task") for event in self.of("runner_on_failed", "runner_on_unreachable")
            if not event["event_data"].get("ignore_errors")
        ]

    @property
    def changed_tasks(self) -> list:
        return [event["event_data"].get("task") for event in self.of("runner_on_ok") if event["event_data"]["res"].get("changed")]

    def task_paths(self) -> set:
        return {
            event["event_data"]["task_path"].rsplit(":", 1)[0]
            for event in self.of("playbook_on_task_start") if event["event_data"].get("task_path")
        }

    def describe(self) -> str:
        return "status={0} rc={1} after {2:.0f}s stats={3} failed tasks={4}\n--- stdout tail ---\n{5}".format(
            self.status, self.rc, self.seconds, self.stats, self.failed_tasks, "\n".join(self.stdout.splitlines()[-60:])
        )


def run_job(pdd: Path, playbook: str, ident: str) -> Job:
    started = time.monotonic()
    runner = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, ident=ident, quiet=True)
    job = Job(runner, time.monotonic() - started)
    recap = {
        "ok": job.total("ok"), "changed": job.changed, "failed": job.total("failures"), "unreachable": job.total("dark"),
    }
    # The session's timing summary (conftest.py) lists these with the ansible-playbook runs.
    RUNS.append(PlaybookRun(["ansible-runner", "-p", "{0} (installed copy, {1})".format(playbook, ident)], job.rc, job.stdout, recap, job.seconds))
    return job


def core_resources(aws, suffix: str) -> dict:
    """The VPC, Aurora cluster, Redis replication group and ECS service of an environment -> their tags."""
    ec2, rds, cache, ecs = aws("ec2"), aws("rds"), aws("elasticache"), aws("ecs")
    found = {
        "vpc": {vpc["VpcId"]: tag_dict(vpc.get("Tags")) for vpc in ec2.describe_vpcs(
            Filters=[{"Name": "tag:Name", "Values": ["streamflix-vpc-" + suffix]}])["Vpcs"]},
        "db_cluster": {}, "replication_group": {}, "ecs_service": {},
    }
    try:
        for cluster in rds.describe_db_clusters(DBClusterIdentifier="streamflix-aurora-" + suffix)["DBClusters"]:
            if cluster["Status"] != "deleting":
                found["db_cluster"][cluster["DBClusterIdentifier"]] = tag_dict(cluster.get("TagList"))
    except rds.exceptions.DBClusterNotFoundFault:
        pass
    try:
        for group in cache.describe_replication_groups(ReplicationGroupId="streamflix-redis-" + suffix)["ReplicationGroups"]:
            if group["Status"] != "deleting":
                found["replication_group"][group["ReplicationGroupId"]] = tag_dict(
                    cache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
                )
    except cache.exceptions.ReplicationGroupNotFoundFault:
        pass
    try:
        services = ecs.describe_services(
            cluster="streamflix-cluster-" + suffix, services=["streamflix-service-" + suffix], include=["TAGS"]
        )["services"]
    except ecs.exceptions.ClusterNotFoundException:
        services = []
    for service in services:
        if service["status"] == "ACTIVE":
            found["ecs_service"][service["serviceName"]] = {tag["key"]: tag["value"] for tag in service.get("tags", [])}
    return found


@pytest.fixture(scope="module")
def awx_job(installed, endpoint, tmp_path_factory):
    """site, verify (by FQCN) and teardown of one environment, each an ansible-runner job on one private data dir."""
    cache = {}

    def aws(service):
        if service not in cache:
            cache[service] = make_client(endpoint, service)
        return cache[service]

    suffix = unique_suffix("itawx")
    pdd = private_data_dir(tmp_path_factory.mktemp("awx-job"), installed, endpoint, suffix)
    steps = {"suffix": suffix, "pdd": pdd}
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        # ansible-runner seeds the job's environment with this process's: keep only what env/envvars says.
        for key in list(os.environ):
            if key.startswith(LEAKING):
                patch.delenv(key)
        patch.chdir(installed["work"])
        try:
            steps["site"] = run_job(pdd, "site.yml", "site")
            steps["after_site"] = core_resources(aws, suffix)
            steps["outputs_file"] = pdd / "output" / "outputs" / (suffix + ".json")
            steps["outputs_written"] = steps["outputs_file"].is_file()
            steps["verify"] = run_job(pdd, COLLECTION + ".verify", "verify")
            steps["report_written"] = (pdd / "output" / "reports" / (suffix + "-verify.json")).is_file()
        finally:
            steps["teardown"] = run_job(pdd, "teardown.yml", "teardown")
            steps["after_teardown"] = core_resources(aws, suffix)
            steps["snapshot_after_teardown"] = snapshot(aws, suffix)
    steps["seconds"] = time.monotonic() - started
    print("\nAWX-style cycle (site + verify + teardown) from the installed copy: {0:.0f}s (site {1:.0f}s, verify {2:.0f}s, "
          "teardown {3:.0f}s)".format(steps["seconds"], steps["site"].seconds, steps["verify"].seconds, steps["teardown"].seconds))
    return steps


def assert_job_succeeded(job: Job):
    assert job.status == "successful" and job.rc == 0, job.describe()
    assert job.failed_tasks == [] and job.total("failures") == 0 and job.total("dark") == 0, job.describe()
    assert job.of("playbook_on_stats"), "no playbook_on_stats event:\n" + job.describe()


def test_site_job_deploys_the_environment(awx_job):
    job = awx_job["site"]
    assert_job_succeeded(job)
    assert job.changed > 0 and job.changed_tasks, job.describe()
    suffix, state = awx_job["suffix"], awx_job["after_site"]
    assert {kind: len(found) for kind, found in state.items()} == {
        "vpc": 1, "db_cluster": 1, "replication_group": 1, "ecs_service": 1,
    }, state
    for kind, found in state.items():
        for name, tags in found.items():
            assert tags.get("Environment") == suffix and tags.get("Project") == "streamflix", (kind, name, tags)
    assert awx_job["outputs_written"], "site wrote no {0}".format(awx_job["outputs_file"])


def test_every_collection_task_comes_from_the_installed_copy(awx_job, installed):
    root = str(installed["root"].resolve())
    for step in ("site", "verify", "teardown"):
        paths = awx_job[step].task_paths()
        ours = {path for path in paths if "/streamflix/media_platform/" in path}
        assert ours, "no task of the collection ran in " + step
        assert {path for path in ours if not str(Path(path).resolve()).startswith(root + os.sep)} == set(), step
        assert not any(str(REPO) in path for path in paths), step


def test_verify_job_by_fqcn_passes_and_changes_nothing(awx_job):
    job = awx_job["verify"]
    assert_job_succeeded(job)
    assert job.changed == 0 and job.changed_tasks == [], job.describe()
    assert awx_job["report_written"]


def test_teardown_job_removes_the_environment(awx_job):
    job = awx_job["teardown"]
    assert_job_succeeded(job)
    assert job.changed > 0, job.describe()
    assert all(not found for found in awx_job["after_teardown"].values()), awx_job["after_teardown"]
    state = awx_job["snapshot_after_teardown"]
    assert is_empty(state), "left after teardown: {0}".format(leftovers(state))
