"""Several environments in one inventory converge in one run, in parallel, and stay apart; a teardown of one
leaves the others as they were.

The inventory is inventories/previews' (a host per environment, the host's name its suffix, the third in another
region) on the local environment's settings, with fresh suffixes. One site.yml with --forks 3 deploys the three;
every assertion reads localaws through boto3, region by region: each environment has its own VPC, cluster, queue,
database and API, tagged with its own suffix only, and nothing of one (no id, no name) appears in another's state.
Then teardown --limit the second leaves the first and third exactly as they were, and one teardown of those two
leaves nothing. One deploy of three plus two teardowns: the module's whole cost.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import resource_names
from integration_support import (
    REGION,
    REPO,
    SHARED_API_LOGS_ROLE,
    assert_succeeded,
    client_factory,
    is_empty,
    leftovers,
    run_playbook,
    snapshot,
    unique_suffix,
)

EXAMPLE = REPO / "inventories" / "previews"
# Runs that must not get past preflight: no task of a changing role may even start.
CHANGING_ROLE_TASK = ("TASK [streamflix.media_platform.network", "TASK [streamflix.media_platform.security")


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    """inventories/previews/hosts.yml with fresh host names, over the local inventory's group_vars.

    Only what makes an environment local changes: the settings (endpoint, dummy credentials) are local's, the
    suffix is the previews' ("{{ inventory_hostname }}"), and so are the hosts and their variables (regions).
    """
    hosts_doc = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())
    example_hosts = hosts_doc["streamflix"]["hosts"]
    assert len(example_hosts) == 3, "inventories/previews is the three-environment example"
    hosts = {unique_suffix("itme"): dict(variables or {}) for variables in example_hosts.values()}
    hosts_doc["streamflix"]["hosts"] = hosts
    directory = tmp_path_factory.mktemp("previews")
    (directory / "hosts.yml").write_text(yaml.safe_dump(hosts_doc, sort_keys=False))
    suffix_value = yaml.safe_load((EXAMPLE / "group_vars" / "all" / "environment.yml").read_text())["streamflix_env_suffix"]
    assert suffix_value == "{{ inventory_hostname }}"
    group_vars = directory / "group_vars" / "all"
    group_vars.mkdir(parents=True)
    for path in sorted((REPO / "inventories" / "local" / "group_vars" / "all").glob("*.yml")):
        text = path.read_text()
        if path.name == "environment.yml":
            text, count = re.subn(r"(?m)^streamflix_env_suffix: .*$", "streamflix_env_suffix: " + json.dumps(suffix_value), text)
            assert count == 1
        (group_vars / path.name).write_text(text)
    regions = {suffix: variables.get("streamflix_region", REGION) for suffix, variables in hosts.items()}
    assert len(set(regions.values())) == 2, "the example spans two regions"
    return {"path": directory, "suffixes": list(hosts), "regions": regions}


def own_resources(aws, suffix):
    """The cluster, queue, database and API of one environment, with their tags, looked up by name."""
    names = resource_names(suffix)
    ecs, sqs, rds, apigw = aws("ecs"), aws("sqs"), aws("rds"), aws("apigateway")
    clusters = ecs.describe_clusters(clusters=[names["ecs_cluster"]], include=["TAGS"])["clusters"]
    queue_url = sqs.get_queue_url(QueueName=names["jobs_queue"])["QueueUrl"]
    databases = rds.describe_db_clusters(DBClusterIdentifier=names["aurora"])["DBClusters"]
    apis = [api for api in apigw.get_rest_apis(limit=500)["items"] if api["name"] == names["api"]]
    return {
        "cluster": {"status": [c["status"] for c in clusters], "tags": {t["key"]: t["value"] for c in clusters for t in c.get("tags", [])}},
        "queue": {"url": queue_url, "tags": sqs.list_queue_tags(QueueUrl=queue_url).get("Tags", {})},
        "database": {"arns": [d["DBClusterArn"] for d in databases], "tags": {t["Key"]: t["Value"] for d in databases for t in d.get("TagList", [])}},
        "api": {"ids": [api["id"] for api in apis], "tags": apis[0].get("tags", {}) if apis else {}},
    }


@pytest.fixture(scope="module")
def many(endpoint, output_dir, inventory):
    logs = []

    def run(playbook, *extra):
        result = run_playbook(endpoint, playbook, None, extra, output_dir=output_dir, inventory=str(inventory["path"]))
        # The whole output of each run, for a failure that the tail in describe() does not show.
        log = inventory["path"] / "run-{0}-{1}.log".format(len(logs), playbook)
        log.write_text(result.output)
        logs.append(log)
        return result

    suffixes = inventory["suffixes"]
    first, second, third = suffixes
    aws_of = {suffix: client_factory(endpoint, inventory["regions"][suffix]) for suffix in suffixes}

    def state():
        return {suffix: snapshot(aws_of[suffix], suffix) for suffix in suffixes}

    steps = {"suffixes": suffixes, "regions": inventory["regions"], "aws_of": aws_of}
    # -e streamflix_env_suffix over three hosts would make them one environment three times: refused first.
    same = unique_suffix("itme")
    steps["same_suffix"] = run("site", "-e", "streamflix_env_suffix=" + same)
    steps["same_suffix_state"] = snapshot(aws_of[first], same)
    steps["deploy"] = run("site", "--forks", "3")
    steps["after_deploy"] = state()
    steps["own"] = {suffix: own_resources(aws_of[suffix], suffix) for suffix in suffixes} if steps["deploy"].rc == 0 else {}
    steps["outputs"] = {
        suffix: json.loads(path.read_text()) if path.exists() else None
        for suffix, path in ((suffix, output_dir / "outputs" / (suffix + ".json")) for suffix in suffixes)
    }
    rest = [first, third]
    try:
        steps["teardown_one"] = run("teardown", "--limit", second)
        steps["after_teardown_one"] = state()
    finally:
        if steps.get("teardown_one") is None or steps["teardown_one"].rc != 0:
            rest.append(second)
        steps["teardown_rest"] = run("teardown", "--forks", "3", "--limit", ",".join(rest))
        steps["after_teardown_rest"] = state()
    return steps


def test_two_hosts_with_one_suffix_are_refused_before_any_change(many):
    run = many["same_suffix"]
    assert run.rc != 0 and run.failed >= 1, "three hosts with one suffix were accepted:\n" + run.describe()
    assert "streamflix_env_suffix" in run.error_messages() and "nothing was changed" in run.error_messages(), run.describe()
    started = [marker for marker in CHANGING_ROLE_TASK if marker in run.output]
    assert not started, "tasks of {0} ran before the refusal:\n{1}".format(started, run.describe())
    assert is_empty(many["same_suffix_state"]), leftovers(many["same_suffix_state"])


def test_one_run_converges_every_environment(many):
    run = many["deploy"]
    assert run.rc == 0 and run.failed == 0, "the deploy of three failed:\n{0}\n--- failures ---\n{1}".format(
        run.describe(), run.error_messages()
    )
    for suffix in many["suffixes"]:
        assert re.search(r"(?m)^{0}\s*:\s*ok=\d+\s+changed=[1-9]\d*\s+unreachable=0\s+failed=0".format(suffix), run.output), (
            "no successful recap line for " + suffix + ":\n" + run.describe()
        )


def test_each_environment_has_its_own_resources_tagged_with_its_suffix(many):
    assert_succeeded(many["deploy"])
    for suffix in many["suffixes"]:
        state = many["after_deploy"][suffix]
        [vpc] = state["vpcs"].values()
        assert vpc["Tags"]["Environment"] == suffix
        assert len(state["subnets"]) == 4 and len(state["nat_gateways"]) == 1 and len(state["kms_keys"]) == 1
        own = many["own"][suffix]
        assert own["cluster"]["status"] == ["ACTIVE"] and own["cluster"]["tags"]["Environment"] == suffix, own
        assert own["queue"]["tags"]["Environment"] == suffix, own
        assert len(own["database"]["arns"]) == 1 and own["database"]["tags"]["Environment"] == suffix, own
        assert ":{0}:".format(many["regions"][suffix]) in own["database"]["arns"][0], own
        assert len(own["api"]["ids"]) == 1 and own["api"]["tags"]["Environment"] == suffix, own
        assert state["tagged"], "the tagging API finds nothing of " + suffix
        for arn, tags in state["tagged"].items():
            assert tags["Environment"] == suffix, (arn, tags)


def test_each_environment_lives_in_its_own_region(many):
    assert_succeeded(many["deploy"])
    for suffix in many["suffixes"]:
        for other_suffix, other_aws in many["aws_of"].items():
            if many["regions"][other_suffix] != many["regions"][suffix]:
                other_region = snapshot(other_aws, suffix)
                assert not other_region["vpcs"] and not other_region["kms_keys"] and not other_region["tagged"], (
                    suffix, leftovers(other_region)
                )


def test_nothing_of_one_environment_appears_in_another(many):
    """No id, name, tag or policy of one environment's state mentions another environment's suffix or ids."""
    assert_succeeded(many["deploy"])
    states = many["after_deploy"]
    for suffix in many["suffixes"]:
        text = json.dumps(states[suffix], sort_keys=True, default=str)
        for other in many["suffixes"]:
            if other == suffix:
                continue
            assert other not in text, "the state of {0} mentions {1}".format(suffix, other)
            foreign_ids = [key for kind in ("vpcs", "subnets", "security_groups", "kms_keys") for key in states[other][kind]]
            assert foreign_ids and not [key for key in foreign_ids if key in text], (suffix, other)


def test_each_outputs_file_names_its_own_environment(many):
    assert_succeeded(many["deploy"])
    for suffix in many["suffixes"]:
        outputs = many["outputs"][suffix]
        assert outputs is not None, "no outputs/{0}.json".format(suffix)
        [vpc_id] = many["after_deploy"][suffix]["vpcs"]
        assert outputs["suffix"] == suffix and outputs["region"] == many["regions"][suffix]
        assert outputs["network"]["vpc_id"] == vpc_id
        assert outputs["api"]["rest_api_id"] == many["own"][suffix]["api"]["ids"][0]
        text = json.dumps(outputs)
        for other in many["suffixes"]:
            if other != suffix:
                assert other not in text and not [key for key in many["after_deploy"][other]["vpcs"] if key in text]


def test_the_shared_api_logs_role_serves_both_regions(many):
    """The one account-level resource, converged by three hosts at once: one role, a policy per region."""
    assert_succeeded(many["deploy"])
    any_aws = many["aws_of"][many["suffixes"][0]]
    role = any_aws("iam").get_role(RoleName=SHARED_API_LOGS_ROLE)["Role"]
    policies = set(any_aws("iam").list_role_policies(RoleName=SHARED_API_LOGS_ROLE)["PolicyNames"])
    for region in set(many["regions"].values()):
        assert "streamflix-apigw-logs-" + region in policies, policies
    for suffix in many["suffixes"]:
        assert many["aws_of"][suffix]("apigateway").get_account()["cloudwatchRoleArn"] == role["Arn"]


def test_teardown_of_one_leaves_the_others_intact(many):
    first, second, third = many["suffixes"]
    assert_succeeded(many["teardown_one"])
    after = many["after_teardown_one"]
    assert is_empty(after[second]), "left after teardown --limit {0}: {1}".format(second, leftovers(after[second]))
    for suffix in (first, third):
        assert after[suffix] == many["after_deploy"][suffix], "teardown --limit {0} changed {1}".format(second, suffix)


def test_teardown_of_the_others_leaves_nothing(many):
    assert_succeeded(many["teardown_rest"])
    for suffix, state in many["after_teardown_rest"].items():
        assert is_empty(state), "left after teardown of {0}: {1}".format(suffix, leftovers(state))
