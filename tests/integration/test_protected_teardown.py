"""Protected teardown: confirmation, deletion protection lifted only when confirmed, final snapshots, re-runs.

One environment, deployed once as prod would be (`streamflix_protected` and `streamflix_deletion_protection` on),
goes through every step in the module fixture: AWS itself refuses to delete the cluster; three unconfirmed teardowns
(the environment marked protected, a confirmation naming another suffix, and the inventory's plain local settings
with only the live cluster protected) are refused before anything changes; the confirmed teardown removes everything
but the two final snapshots and the KMS key they are encrypted with (kept enabled, with its alias, so they stay
restorable); a second confirmed teardown changes nothing; a redeploy of the key (`--tags security`) adopts the kept
key instead of making another. The snapshots are then deleted with boto3, and one more teardown schedules the key's
deletion, leaving nothing.

The explicitly skipped path (-e streamflix_skip_final_snapshots=true) runs on a second, data-tier-only environment
(`--tags network,security,secrets,database,cache`, not a full deploy), deployed with the same protected settings and
torn down (confirmed, same tags) in the background while the main one goes through its steps: everything goes, the
deletion protection is lifted, no snapshot is taken, and the key is scheduled for deletion.
"""

from __future__ import annotations

import datetime
import json
import re
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from integration_support import assert_succeeded, is_empty, kms_keys, leftovers, unique_suffix

PROTECTED = {"streamflix_protected": True, "streamflix_deletion_protection": True}
DATA_TIER_TAGS = "network,security,secrets,database,cache"
# Any task of a role other than preflight: the refused teardowns must not reach one.
ROLE_TASK = re.compile(r"^TASK \[streamflix\.media_platform\.(?!preflight : )", re.MULTILINE)


def extra(**variables):
    """-e in JSON form, so booleans stay booleans."""
    return ["-e", json.dumps(dict(PROTECTED, **variables))]


def aurora_name(suffix):
    return "streamflix-aurora-" + suffix


def redis_name(suffix):
    return "streamflix-redis-" + suffix


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def cluster_of(aws, suffix):
    try:
        return aws("rds").describe_db_clusters(DBClusterIdentifier=aurora_name(suffix))["DBClusters"][0]
    except aws("rds").exceptions.DBClusterNotFoundFault:
        return None


def group_of(aws, suffix):
    try:
        return aws("elasticache").describe_replication_groups(ReplicationGroupId=redis_name(suffix))["ReplicationGroups"][0]
    except aws("elasticache").exceptions.ReplicationGroupNotFoundFault:
        return None


def final_snapshots(aws, suffix):
    """(Aurora manual cluster snapshots, Redis snapshots) taken of the environment's cluster and group, by name."""
    rds, cache = aws("rds"), aws("elasticache")
    aurora = rds.describe_db_cluster_snapshots(DBClusterIdentifier=aurora_name(suffix), SnapshotType="manual")["DBClusterSnapshots"]
    redis = cache.describe_snapshots(ReplicationGroupId=redis_name(suffix))["Snapshots"]
    return {s["DBClusterSnapshotIdentifier"]: s for s in aurora}, {s["SnapshotName"]: s for s in redis}


def delete_final_snapshots(aws, suffix):
    aurora, redis = final_snapshots(aws, suffix)
    for name in aurora:
        aws("rds").delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=name)
    for name in redis:
        aws("elasticache").delete_snapshot(SnapshotName=name)


def key_state(aws, key_id):
    """KeyState of a key (by id or ARN), e.g. Enabled or PendingDeletion."""
    return aws("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def environment_keys(aws, suffix):
    """KeyId -> KeyState of every customer key tagged Environment=<suffix>."""
    return {key_id: metadata["KeyState"] for key_id, (metadata, _tags) in kms_keys(aws, suffix).items()}


def alias_target(aws, suffix):
    aliases = aws("kms").list_aliases()["Aliases"]
    return next((a.get("TargetKeyId") for a in aliases if a["AliasName"] == "alias/streamflix-" + suffix), None)


def try_delete_cluster(aws, suffix):
    """What AWS answers to a plain DeleteDBCluster of the protected cluster: the error code, or None if it deleted it."""
    try:
        aws("rds").delete_db_cluster(DBClusterIdentifier=aurora_name(suffix), SkipFinalSnapshot=True)
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]
    return None


def try_delete_alb(aws, suffix):
    """(deletion_protection.enabled, what AWS answers to a plain DeleteLoadBalancer: the error code or None)."""
    elbv2 = aws("elbv2")
    [alb] = elbv2.describe_load_balancers(Names=["streamflix-alb-" + suffix])["LoadBalancers"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])["Attributes"]}
    try:
        elbv2.delete_load_balancer(LoadBalancerArn=alb["LoadBalancerArn"])
    except botocore.exceptions.ClientError as error:
        return attributes["deletion_protection.enabled"], error.response["Error"]["Code"]
    return attributes["deletion_protection.enabled"], None


def skipped_snapshots_lifecycle(playbook, aws, take_snapshot, suffix):
    """The data tier deployed protected, then torn down confirmed with the final snapshots skipped explicitly."""
    steps = {"deploy": playbook("site", suffix, "--tags", DATA_TIER_TAGS, *extra())}
    steps["cluster"] = cluster_of(aws, suffix)
    skip = extra(streamflix_confirm_teardown=suffix, streamflix_skip_final_snapshots=True)
    steps["teardown"] = playbook("teardown", suffix, "--tags", DATA_TIER_TAGS, *skip)
    steps["after_teardown"] = take_snapshot(suffix)
    steps["data_tier_after_teardown"] = (cluster_of(aws, suffix), group_of(aws, suffix))
    steps["snapshots"] = final_snapshots(aws, suffix)
    steps["key_state_after_teardown"] = key_state(aws, steps["cluster"]["KmsKeyId"])
    delete_final_snapshots(aws, suffix)  # none, unless the skip failed: leave nothing behind either way
    return steps


@pytest.fixture(scope="module")
def protected(playbook, aws, take_snapshot):
    """Runs every step once, in order; the tests below each check one of them."""
    suffix, skip_suffix = unique_suffix("itprot"), unique_suffix("itskip")
    steps = {"suffix": suffix, "skip_suffix": skip_suffix}
    confirmed = extra(streamflix_confirm_teardown=suffix)
    with ThreadPoolExecutor(max_workers=1) as pool:
        skipped = pool.submit(skipped_snapshots_lifecycle, playbook, aws, take_snapshot, skip_suffix)
        try:
            steps["deploy"] = assert_succeeded(playbook("site", suffix, *extra()))
            steps["cluster_after_deploy"] = cluster_of(aws, suffix)
            steps["after_deploy"] = take_snapshot(suffix)
            steps["direct_delete"] = try_delete_cluster(aws, suffix)
            steps["alb_direct_delete"] = try_delete_alb(aws, suffix)
            steps["refused"] = {
                "protected": playbook("teardown", suffix, *extra()),
                "other-suffix": playbook("teardown", suffix, *extra(streamflix_confirm_teardown=skip_suffix)),
                # The inventory as is (nothing protected): only the live cluster's deletion protection stops it.
                "live-protection": playbook("teardown", suffix),
            }
            steps["after_refused"] = take_snapshot(suffix)
            steps["cluster_after_refused"] = cluster_of(aws, suffix)
        finally:
            # Whatever happened above, the environment goes away (confirmed), and the background deploy ends.
            steps["teardown_started"] = utc_now()
            steps["teardown"] = playbook("teardown", suffix, *confirmed)
            steps["teardown_ended"] = utc_now()
            steps["after_teardown"] = take_snapshot(suffix)
            steps["data_tier_after_teardown"] = (cluster_of(aws, suffix), group_of(aws, suffix))
            steps["snapshots"] = final_snapshots(aws, suffix)
            steps["key_states_after_teardown"] = {
                name: key_state(aws, snapshot["KmsKeyId"]) for found in steps["snapshots"] for name, snapshot in found.items()
            }
            steps["alias_after_teardown"] = alias_target(aws, suffix)
            steps["teardown_again"] = playbook("teardown", suffix, *confirmed)
            steps["after_teardown_again"] = take_snapshot(suffix)
            steps["snapshots_again"] = final_snapshots(aws, suffix)
            # The kept key is adopted by a redeploy (by its alias), not duplicated; its teardown keeps it again.
            steps["keys_before_redeploy"] = environment_keys(aws, suffix)
            steps["redeploy_key"] = playbook("site", suffix, "--tags", "security", *extra())
            steps["keys_after_redeploy"] = environment_keys(aws, suffix)
            steps["teardown_redeployed_key"] = playbook("teardown", suffix, "--tags", "security", *confirmed)
            steps["keys_after_redeployed_teardown"] = environment_keys(aws, suffix)
            delete_final_snapshots(aws, suffix)
            # With no snapshot under it any more, the next teardown schedules the key's deletion.
            steps["teardown_after_cleanup"] = playbook("teardown", suffix, *confirmed)
            steps["keys_after_cleanup"] = environment_keys(aws, suffix)
            steps["after_cleanup"] = take_snapshot(suffix)
            steps["skipped"] = skipped.result()
    return steps


def test_protected_deploy_turns_deletion_protection_on(protected):
    cluster = protected["cluster_after_deploy"]
    assert cluster is not None and cluster["DeletionProtection"] is True


def test_aws_refuses_to_delete_the_protected_cluster(protected):
    assert protected["direct_delete"] == "InvalidParameterCombination"
    assert protected["cluster_after_refused"]["DeletionProtection"] is True


def test_aws_refuses_to_delete_the_protected_alb(protected):
    # The ALB's deletion protection follows streamflix_deletion_protection; only the confirmed teardown lifts it
    # (test_confirmed_teardown_leaves_only_the_final_snapshots: the ALB is gone after it).
    assert protected["alb_direct_delete"] == ("true", "OperationNotPermitted")


@pytest.mark.parametrize("case", ["protected", "other-suffix", "live-protection"])
def test_unconfirmed_teardown_is_refused_before_any_change(protected, case):
    run, suffix = protected["refused"][case], protected["suffix"]
    assert run.rc != 0 and run.failed >= 1, "an unconfirmed teardown went through:\n" + run.describe()
    assert "-e streamflix_confirm_teardown={0}".format(suffix) in run.error_messages(), run.describe()
    assert run.changed == 0, run.describe()
    started = ROLE_TASK.findall(run.output)
    assert not started, "a role ran after an unconfirmed teardown was refused:\n" + run.describe()


def test_unconfirmed_teardowns_remove_nothing(protected):
    assert protected["after_refused"] == protected["after_deploy"]
    assert protected["cluster_after_refused"]["Status"] == "available"


def test_confirmed_teardown_takes_one_final_aurora_snapshot_named_for_the_suffix(protected):
    assert_succeeded(protected["teardown"])
    suffix = protected["suffix"]
    aurora, _redis = protected["snapshots"]
    [(name, snapshot)] = aurora.items()
    match = re.match(r"^streamflix-aurora-{0}-final-(\d{{14}})$".format(re.escape(suffix)), name)
    assert match, name
    taken = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)
    assert protected["teardown_started"] <= taken <= protected["teardown_ended"], "not the UTC time of the teardown"
    assert len(name) <= 63
    assert snapshot["DBClusterIdentifier"] == aurora_name(suffix)
    assert snapshot["SnapshotType"] == "manual" and snapshot["Status"] == "available"


def test_confirmed_teardown_takes_one_final_redis_snapshot_named_for_the_suffix(protected):
    assert_succeeded(protected["teardown"])
    suffix = protected["suffix"]
    _aurora, redis = protected["snapshots"]
    [(name, snapshot)] = redis.items()
    match = re.match(r"^streamflix-redis-{0}-final-(\d{{14}})$".format(re.escape(suffix)), name)
    assert match, name
    taken = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)
    assert protected["teardown_started"] <= taken <= protected["teardown_ended"], "not the UTC time of the teardown"
    assert snapshot["ReplicationGroupId"] == redis_name(suffix)
    assert snapshot["SnapshotSource"] == "manual" and snapshot["SnapshotStatus"] == "available"


def test_confirmed_teardown_leaves_only_the_final_snapshots_and_their_key(protected):
    state = protected["after_teardown"]
    # The Aurora snapshot carries the cluster's tags (copy_tags_to_snapshot), so the tagging scan finds it; the Redis
    # snapshot would be found too if it carried any. Besides them only the key they are encrypted with, and its alias.
    aurora, redis = protected["snapshots"]
    [key_id] = state["kms_keys"]
    key_arn = state["kms_keys"][key_id]["Arn"]
    kept_arns = {s["DBClusterSnapshotArn"] for s in aurora.values()} | {s["ARN"] for s in redis.values()} | {key_arn}
    tagged = set(state["tagged"])
    assert {s["DBClusterSnapshotArn"] for s in aurora.values()} <= tagged
    assert tagged <= kept_arns, "left after teardown besides the final snapshots and their key: {0}".format(
        sorted(tagged - kept_arns)
    )
    assert list(state["kms_aliases"]) == ["alias/streamflix-" + protected["suffix"]]
    rest = {kind: resources for kind, resources in state.items() if kind not in ("tagged", "kms_keys", "kms_aliases")}
    assert is_empty(rest), "left after teardown: {0}".format(leftovers(rest))
    assert protected["data_tier_after_teardown"] == (None, None)


def test_the_final_snapshots_key_is_kept_not_pending_deletion(protected):
    aurora, redis = protected["snapshots"]
    snapshot_keys = {s["KmsKeyId"].rsplit("/", 1)[-1] for found in (aurora, redis) for s in found.values()}
    assert len(snapshot_keys) == 1, "the final snapshots are not all under the environment key: {0}".format(snapshot_keys)
    assert set(protected["key_states_after_teardown"].values()) == {"Enabled"}, protected["key_states_after_teardown"]
    assert protected["alias_after_teardown"] in snapshot_keys, "the alias no longer names the snapshots' key"


def test_a_redeploy_adopts_the_kept_key_and_its_teardown_keeps_it(protected):
    assert_succeeded(protected["redeploy_key"])
    assert_succeeded(protected["teardown_redeployed_key"])
    kept = protected["keys_before_redeploy"]
    assert list(kept.values()) == ["Enabled"], kept
    assert protected["keys_after_redeploy"] == kept, "the redeploy made another key instead of adopting the kept one"
    assert protected["keys_after_redeployed_teardown"] == kept, "the snapshots' key was scheduled for deletion"


def test_teardown_after_the_snapshots_are_deleted_schedules_the_key(protected):
    run = assert_succeeded(protected["teardown_after_cleanup"])
    assert run.changed > 0
    assert set(protected["keys_after_cleanup"].values()) == {"PendingDeletion"}, protected["keys_after_cleanup"]


def test_second_confirmed_teardown_changes_nothing_and_takes_no_snapshot(protected):
    run = assert_succeeded(protected["teardown_again"])
    assert run.changed == 0, "a second teardown reported changes:\n" + run.describe()
    assert protected["after_teardown_again"] == protected["after_teardown"]
    assert [sorted(found) for found in protected["snapshots_again"]] == [sorted(found) for found in protected["snapshots"]]


def test_snapshots_cleaned_up_leave_nothing(protected):
    state = protected["after_cleanup"]
    assert is_empty(state), "left after deleting the final snapshots: {0}".format(leftovers(state))


def test_skipped_final_snapshots_are_not_taken(protected):
    skipped = protected["skipped"]
    assert_succeeded(skipped["deploy"])
    assert skipped["cluster"]["DeletionProtection"] is True
    assert_succeeded(skipped["teardown"])
    assert skipped["teardown"].changed > 0
    assert skipped["data_tier_after_teardown"] == (None, None)
    assert skipped["snapshots"] == ({}, {})
    assert skipped["key_state_after_teardown"] == "PendingDeletion", "no snapshot needs the key, yet it was kept"
    state = skipped["after_teardown"]
    assert is_empty(state), "left after a teardown that skipped the final snapshots: {0}".format(leftovers(state))
