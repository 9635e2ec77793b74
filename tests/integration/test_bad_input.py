"""Wrong inputs fail in preflight, with a message naming the variable, and nothing is created anywhere.

Each case fails fast, so all of them run up front, two at a time, in one module fixture; the tests then
check one case each. "Nothing created" is checked twice: the case's own suffix has nothing on localaws,
and the ids of everything on the whole localaws are the same before and after all the cases.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from integration_support import global_counts, is_empty, leftovers, run_playbook, snapshot, unique_suffix
from localaws.testing import free_port

BAD_SUFFIXES = {
    "upper-case": "Dev",
    "too-long": "a" * 30,
    "double-hyphen": "a--b",
    "leading-digit": "1abc",
    "trailing-hyphen": "abc-",
    "empty": "",
    "underscore": "pr_42",
}


def extra(**variables):
    """-e in JSON form, so numbers and lists keep their types."""
    return ["-e", json.dumps(variables)]


# case id -> (extra arguments, the variable the message must name)
BAD_INPUTS = {
    "vpc-cidr-not-a-cidr": (extra(streamflix_vpc_cidr="10.0.0.0/33"), "streamflix_vpc_cidr"),
    "vpc-cidr-too-large": (extra(streamflix_vpc_cidr="10.0.0.0/8"), "streamflix_vpc_cidr"),
    "public-subnets-overlap": (
        extra(streamflix_public_subnet_cidrs=["10.40.0.0/24", "10.40.0.128/25"]),
        "streamflix_public_subnet_cidrs",
    ),
    "private-overlaps-public": (
        extra(streamflix_private_subnet_cidrs=["10.40.1.0/24", "10.40.11.0/24"]),
        "streamflix_private_subnet_cidrs",
    ),
    "subnet-outside-vpc": (
        extra(streamflix_public_subnet_cidrs=["10.41.0.0/24", "10.40.1.0/24"]),
        "streamflix_public_subnet_cidrs",
    ),
    "too-few-subnets": (extra(streamflix_az_count=4), "streamflix_public_subnet_cidrs"),
    "az-count-7": (extra(streamflix_az_count=7), "streamflix_az_count"),
    "log-retention-8": (extra(streamflix_log_retention_days=8), "streamflix_log_retention_days"),
    "nat-mode": (extra(streamflix_nat_mode="both"), "streamflix_nat_mode"),
    "app-port": (extra(streamflix_app_port=70000), "streamflix_app_port"),
    "kms-window": (extra(streamflix_kms_deletion_window_days=3), "streamflix_kms_deletion_window_days"),
    "reserved-extra-tag": (extra(streamflix_extra_tags={"Environment": "other"}), "streamflix_extra_tags"),
    # A real environment against this loopback localaws is refused before the account is asked for (test_first_day);
    # the wrong-account refusal itself is tests/unit/test_platform_inputs.py::test_wrong_account_fails (in-process moto).
    "real-environment-on-loopback": (
        extra(streamflix_environment="dev", streamflix_aws_account_id="111111111111"),
        "AWS_ENDPOINT_URL",
    ),
    "missing-account": (extra(streamflix_environment="dev"), "streamflix_aws_account_id"),
    "unknown-environment": (extra(streamflix_environment="qa"), "streamflix_environment"),
    "az-count-not-a-number": (extra(streamflix_az_count="two"), "streamflix_az_count"),
    "db-min-acu-over-max": (extra(streamflix_db_min_acu=4, streamflix_db_max_acu=2), "streamflix_db_min_acu"),
    "ecs-min-tasks-over-max": (extra(streamflix_ecs_min_tasks=5, streamflix_ecs_max_tasks=4), "streamflix_ecs_min_tasks"),
    "fargate-memory-for-cpu": (extra(streamflix_ecs_cpu=256, streamflix_ecs_memory=8192), "streamflix_ecs_memory"),
    "kinesis-mode-unknown": (extra(streamflix_kinesis_stream_mode="FAST"), "streamflix_kinesis_stream_mode"),
    "sqs-max-receive-zero": (extra(streamflix_sqs_max_receive_count=0), "streamflix_sqs_max_receive_count"),
    "waf-limit-too-low": (extra(streamflix_waf_enabled=True, streamflix_waf_rate_limit=5), "streamflix_waf_rate_limit"),
    "alarm-email-malformed": (extra(streamflix_alarm_emails=["ops-at-example"]), "streamflix_alarm_emails"),
}

# Runs that must not get past preflight: no task of a changing role may even start.
CHANGING_ROLE_TASK = ("TASK [streamflix.media_platform.network", "TASK [streamflix.media_platform.security")


@pytest.fixture(scope="module")
def results(playbook, aws):
    cases = {}
    for case, suffix in BAD_SUFFIXES.items():
        cases["suffix-" + case] = ("site", suffix, [], "streamflix_env_suffix")
    cases["teardown-suffix-upper-case"] = ("teardown", "Dev", [], "streamflix_env_suffix")
    cases["teardown-protected-unconfirmed"] = ("teardown", unique_suffix("itbad"), extra(streamflix_protected=True), "streamflix_confirm_teardown")
    for case, (arguments, variable) in BAD_INPUTS.items():
        cases[case] = ("site", unique_suffix("itbad"), arguments, variable)

    before = global_counts(aws)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            case: pool.submit(playbook, name, suffix, *arguments) for case, (name, suffix, arguments, _v) in cases.items()
        }
        runs = {case: future.result() for case, future in futures.items()}
    after = global_counts(aws)
    return {
        "before": before,
        "after": after,
        "cases": {
            case: {"run": runs[case], "variable": variable, "suffix": suffix, "state": snapshot(aws, suffix)}
            for case, (_name, suffix, _arguments, variable) in cases.items()
        },
    }


ALL_CASES = ["suffix-" + case for case in BAD_SUFFIXES] + ["teardown-suffix-upper-case", "teardown-protected-unconfirmed"] + list(BAD_INPUTS)


@pytest.mark.parametrize("case", ALL_CASES)
def test_bad_input_fails_in_preflight_naming_the_variable(results, case):
    result = results["cases"][case]
    run = result["run"]
    assert run.rc != 0, "a bad input was accepted:\n" + run.describe()
    assert run.failed >= 1, run.describe()
    messages = run.error_messages()
    assert result["variable"] in messages, "the error message does not name {0}:\n{1}\n--- messages ---\n{2}".format(
        result["variable"], run.describe(), messages
    )
    started = [marker for marker in CHANGING_ROLE_TASK if marker in run.output]
    assert not started, "tasks of {0} ran before the input was refused:\n{1}".format(started, run.describe())


@pytest.mark.parametrize("case", ALL_CASES)
def test_bad_input_creates_nothing_for_its_suffix(results, case):
    state = results["cases"][case]["state"]
    assert is_empty(state), "created for {0!r}: {1}".format(results["cases"][case]["suffix"], leftovers(state))


def test_bad_inputs_create_nothing_anywhere(results):
    before, after = results["before"], results["after"]
    added = {kind: sorted(set(after[kind]) - set(before[kind])) for kind in before}
    removed = {kind: sorted(set(before[kind]) - set(after[kind])) for kind in before}
    assert not any(added.values()), "created: {0}".format({k: v for k, v in added.items() if v})
    assert not any(removed.values()), "removed: {0}".format({k: v for k, v in removed.items() if v})


# ---------------------------------------------------------------------------------------------------------
# The first mistakes: one sentence that says what to do, in preflight, and no traceback.
# A real environment cannot be pointed at this localaws (refused as a loopback endpoint, above), so the wrong-account
# and refused-credential sentences are tested against in-process moto (tests/unit/test_platform_inputs.py); these
# runs need no AWS at all: nothing listens at the port, and without credentials boto3 sends nothing.

NO_CREDENTIALS = {
    "AWS_ENDPOINT_URL": None,
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="module")
def first_mistakes(tmp_path_factory, output_dir):
    empty = tmp_path_factory.mktemp("aws-config") / "empty"
    empty.write_text("")
    no_credentials = dict(NO_CREDENTIALS, AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty))
    port = free_port()
    closed = "http://127.0.0.1:{0}".format(port)
    cases = {
        "local-with-localaws-down": (
            closed, "inventories/local", {},
            ["Nothing answers at {0}, the local AWS".format(closed), "start it with `make localaws-up LOCALAWS_PORT={0}`".format(port)],
        ),
        "dev-without-credentials": (
            closed, "inventories/dev", no_credentials,
            ["Found no AWS credentials for environment dev: set AWS_PROFILE to a profile of account 111111111111"],
        ),
        "dev-with-an-unknown-profile": (
            closed, "inventories/dev", dict(no_credentials, AWS_PROFILE="streamflix-nosuch"),
            ["The AWS profile 'streamflix-nosuch' (AWS_PROFILE)", "set AWS_PROFILE to a profile of account 111111111111"],
        ),
    }
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {
            case: pool.submit(
                run_playbook, endpoint, "site", unique_suffix("itfm"), (), output_dir=output_dir, inventory=inventory,
                env_changes=env_changes,
            )
            for case, (endpoint, inventory, env_changes, _fragments) in cases.items()
        }
        return {case: (future.result(), cases[case][3]) for case, future in futures.items()}


@pytest.mark.parametrize("case", ["local-with-localaws-down", "dev-without-credentials", "dev-with-an-unknown-profile"])
def test_a_first_mistake_fails_in_preflight_with_one_sentence_saying_what_to_do(first_mistakes, case):
    run, fragments = first_mistakes[case]
    assert run.rc != 0 and run.failed == 1, run.describe()
    messages = run.error_messages()
    for fragment in fragments:
        assert fragment in messages, "the message does not say {0!r}:\n{1}".format(fragment, messages)
    assert "Traceback" not in run.output, run.describe()
    [sentence] = [line for line in messages.splitlines() if fragments[0] in line][:1]
    assert sentence.rstrip().endswith("nothing was changed."), sentence
    assert "TASK [streamflix.media_platform.preflight : Check inputs across fields and the AWS target" in run.output
    started = [marker for marker in CHANGING_ROLE_TASK if marker in run.output]
    assert not started, "tasks of {0} ran after the mistake:\n{1}".format(started, run.describe())
