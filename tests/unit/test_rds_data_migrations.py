"""rds_data_migrations: the pure parts in tables, and the module in-process against moto with the
localaws rds_data fill, so the SQL runs on a real PostgreSQL server; the state is read back through
the Data API (boto3 rds-data)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from ansible_collections.streamflix.media_platform.plugins.module_utils import rds_data
from ansible_collections.streamflix.media_platform.plugins.modules import rds_data_migrations
from localaws.fills import rds as rds_fill
from localaws.fills import rds_data as rds_data_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401
from postgres import migration_files

# ---------------------------------------------------------------- pure: statement splitting


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("", []),
        ("  ;; \n", []),
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1;SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("-- a; comment\nSELECT 1; -- trailing;\n", ["SELECT 1"]),
        ("/* a; /* nested; */ still; */ SELECT 1;", ["SELECT 1"]),
        ("SELECT 'a;b', 'it''s;';", ["SELECT 'a;b', 'it''s;'"]),
        ("SELECT E'a\\';b';", ["SELECT E'a\\';b'"]),
        ('SELECT 1 AS "a;b";', ['SELECT 1 AS "a;b"']),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; SELECT 2;",
         ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$", "SELECT 2"]),
        ("DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$; SELECT 3",
         ["DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$", "SELECT 3"]),
        ("SELECT $1::int; SELECT 'x'::text;", ["SELECT $1::int", "SELECT 'x'::text"]),
        ("SELECT '--not a comment;';", ["SELECT '--not a comment;'"]),
    ],
)
def test_split_statements(sql, expected):
    assert rds_data.split_statements(sql) == expected


@pytest.mark.parametrize("sql", ["SELECT 'open", "SELECT $$ open", 'SELECT "open', "/* open"])
def test_split_statements_rejects_unterminated(sql):
    with pytest.raises(ValueError):
        rds_data.split_statements(sql)


# ---------------------------------------------------------------- pure: plan and checks


def migration(version, sql="SELECT 1;", name="m"):
    return {"version": version, "name": name, "sql": sql}


def row(version, sql="SELECT 1;"):
    return {"version": version, "name": "m", "checksum": rds_data.checksum(sql)}


@pytest.mark.parametrize(
    "migrations, applied, pending, problem",
    [
        ([], [], [], None),
        ([migration("0002"), migration("0001")], [], ["0001", "0002"], None),
        ([migration("0001"), migration("0002")], [row("0001")], ["0002"], None),
        ([migration("0001"), migration("0002")], [row("0001"), row("0002")], [], None),
        ([migration("0001", "SELECT 2;")], [row("0001")], [], "was applied with checksum"),
        ([migration("0001"), migration("0003")], [row("0001"), row("0002")], ["0003"], None),  # unknown applied: kept
        ([migration("0001"), migration("0002")], [row("0002")], ["0001"], "is pending but the newer migration 0002"),
        ([migration("0999"), migration("1000"), migration("10000")], [row("0999")], ["1000", "10000"], None),
    ],
)
def test_plan(migrations, applied, pending, problem):
    result, problems = rds_data.plan(migrations, applied)
    assert [m["version"] for m in result] == pending
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize(
    "migrations, problem",
    [
        ([migration("0001"), migration("0002")], None),
        ([migration("1")], "not a number of at least four digits"),
        ([migration("v001")], "not a number of at least four digits"),
        ([migration("0001"), migration("0001")], "given twice"),
        ([migration("0001", "-- nothing\n")], "no SQL statement"),
        ([migration("0001", "SELECT 'x")], "unterminated"),
    ],
)
def test_check_migrations(migrations, problem):
    problems = rds_data.check_migrations(migrations)
    assert problems == [] if problem is None else (len(problems) == 1 and problem in problems[0])


@pytest.mark.parametrize(
    "field, value",
    [({"isNull": True}, None), ({"stringValue": "a"}, "a"), ({"longValue": 3}, 3), ({"booleanValue": False}, False), ({}, None)],
)
def test_field_value(field, value):
    assert rds_data.field_value(field) == value


# ---------------------------------------------------------------- retries


class FlakyClient:
    """Fails the first calls with an Aurora resume error, then answers."""

    def __init__(self, code, failures):
        self.code = code
        self.failures = failures
        self.calls = 0

    def execute_statement(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise ClientError({"Error": {"Code": self.code, "Message": "resuming"}}, "ExecuteStatement")
        return {"records": [[{"longValue": 1}]]}

    def begin_transaction(self, **kwargs):
        return {"transactionId": "t"}


@pytest.fixture
def no_sleep(monkeypatch):
    import time

    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.mark.parametrize("code", ["DatabaseResumingException", "DatabaseUnavailableException", "StatementTimeoutException", "ThrottlingException"])
def test_reads_retry_while_the_database_resumes(no_sleep, code):
    client = FlakyClient(code, failures=2)
    assert rds_data.Target(client, "arn", "secret", "db").query("SELECT 1") == [[1]]
    assert client.calls == 3


def test_statements_in_a_transaction_do_not_retry_timeouts(no_sleep):
    client = FlakyClient("StatementTimeoutException", failures=1)
    with pytest.raises(ClientError):
        rds_data.Target(client, "arn", "secret", "db").execute("t", "UPDATE x SET y = 1")
    assert client.calls == 1


def test_other_errors_are_not_retried(no_sleep):
    client = FlakyClient("DatabaseErrorException", failures=1)
    with pytest.raises(ClientError):
        rds_data.Target(client, "arn", "secret", "db").query("SELECT 1")
    assert client.calls == 1


# ---------------------------------------------------------------- the module against moto + a real PostgreSQL


@pytest.fixture
def cluster(moto):  # noqa: F811
    rds_fill.apply()
    rds_data_fill.apply()
    rds = boto3.client("rds", region_name=REGION)
    name = f"streamflix-unit-{uuid.uuid4().hex[:8]}"
    created = rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="streamflix",
        ManageMasterUserPassword=True,
        DatabaseName="streamflix",
        EnableHttpEndpoint=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-writer", DBClusterIdentifier=name, Engine="aurora-postgresql", DBInstanceClass="db.serverless"
    )
    return {"arn": created["DBClusterArn"], "secret": created["MasterUserSecret"]["SecretArn"]}


def sql(cluster, statement):
    """Read through the Data API: the records as lists of Python values."""
    data = boto3.client("rds-data", region_name=REGION)
    response = data.execute_statement(resourceArn=cluster["arn"], secretArn=cluster["secret"], database="streamflix", sql=statement)
    return [[rds_data.field_value(field) for field in record] for record in response.get("records", [])]


def table_exists(cluster, table):
    return sql(cluster, f"SELECT to_regclass('{table}') IS NOT NULL") == [[True]]


# The role's own migrations, and versions above them for the tests' extra ones.
ROLE_VERSIONS = [m["version"] for m in migration_files()]
NEXT = "{0:04d}".format(int(ROLE_VERSIONS[-1]) + 1)
AFTER_NEXT = "{0:04d}".format(int(ROLE_VERSIONS[-1]) + 2)


def args(cluster, migrations):
    return {"resource_arn": cluster["arn"], "secret_arn": cluster["secret"], "database": "streamflix", "migrations": migrations}


def test_applies_the_role_migrations_in_order_and_records_them(cluster):
    result = run_module(rds_data_migrations, args(cluster, list(reversed(migration_files()))))
    assert result["changed"] is True
    assert result["applied"] == ROLE_VERSIONS
    assert result["pending"] == []
    assert result["current_version"] == ROLE_VERSIONS[-1]
    assert result["diff"] == {"before": {"applied_versions": []}, "after": {"applied_versions": ROLE_VERSIONS}}
    rows = sql(cluster, "SELECT version, name, checksum, applied_at IS NOT NULL FROM schema_migrations ORDER BY version")
    assert rows == [[m["version"], m["name"], rds_data.checksum(m["sql"]), True] for m in migration_files()]
    assert table_exists(cluster, "processing_jobs") and table_exists(cluster, "videos")


def test_second_run_changes_nothing(cluster):
    run_module(rds_data_migrations, args(cluster, migration_files()))
    applied_at = sql(cluster, "SELECT applied_at::text FROM schema_migrations ORDER BY version")
    result = run_module(rds_data_migrations, args(cluster, migration_files()))
    assert result["changed"] is False and result["applied"] == [] and result["pending"] == []
    assert result["diff"]["before"] == result["diff"]["after"] == {"applied_versions": ROLE_VERSIONS}
    assert sql(cluster, "SELECT applied_at::text FROM schema_migrations ORDER BY version") == applied_at


def test_a_new_migration_applies_alone(cluster):
    first = migration_files()
    run_module(rds_data_migrations, args(cluster, first))
    added = first + [migration(NEXT, "ALTER TABLE videos ADD COLUMN IF NOT EXISTS language text;", "add_language")]
    result = run_module(rds_data_migrations, args(cluster, added))
    assert result["changed"] is True and result["applied"] == [NEXT] and result["current_version"] == NEXT
    assert sql(cluster, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'videos' AND column_name = 'language'") == [[1]]


def test_check_mode_reports_pending_and_changes_nothing(cluster):
    result = run_module(rds_data_migrations, args(cluster, migration_files()), check_mode=True)
    assert result["changed"] is True
    assert result["applied"] == ROLE_VERSIONS and result["pending"] == ROLE_VERSIONS
    assert result["current_version"] == ROLE_VERSIONS[-1]
    assert result["diff"]["after"] == {"applied_versions": ROLE_VERSIONS}
    assert not table_exists(cluster, "schema_migrations") and not table_exists(cluster, "videos")


def test_check_mode_after_apply_is_unchanged(cluster):
    run_module(rds_data_migrations, args(cluster, migration_files()))
    result = run_module(rds_data_migrations, args(cluster, migration_files()), check_mode=True)
    assert result["changed"] is False and result["pending"] == [] and result["current_version"] == ROLE_VERSIONS[-1]


def test_changed_checksum_of_applied_migration_fails_and_changes_nothing(cluster):
    run_module(rds_data_migrations, args(cluster, migration_files()))
    edited = migration_files()
    edited[1]["sql"] += "\nCREATE INDEX IF NOT EXISTS extra_idx ON processing_jobs (kind);\n"
    edited.append(migration(NEXT, "CREATE TABLE t3 (id int);"))
    failure = fail_module(rds_data_migrations, args(cluster, edited))
    assert "migration 0002 (create_processing_jobs) was applied with checksum" in failure["msg"]
    assert "add a new migration" in failure["msg"]
    assert not table_exists(cluster, "t3") and not table_exists(cluster, "extra_idx")


def test_failing_statement_rolls_back_the_whole_migration(cluster):
    broken = migration_files() + [
        migration(NEXT, "CREATE TABLE t3 (id int);\nINSERT INTO t3 VALUES (1);\nINSERT INTO missing_table VALUES (1);\n", "broken"),
        migration(AFTER_NEXT, "CREATE TABLE t4 (id int);"),
    ]
    failure = fail_module(rds_data_migrations, args(cluster, broken))
    assert f"Migration {NEXT} (broken) failed at statement 3 of 3: INSERT INTO missing_table VALUES (1)" in failure["msg"]
    assert "relation \"missing_table\" does not exist" in failure["msg"]
    assert failure["applied"] == ROLE_VERSIONS
    assert not table_exists(cluster, "t3") and not table_exists(cluster, "t4")
    assert sql(cluster, "SELECT version FROM schema_migrations ORDER BY version") == [[v] for v in ROLE_VERSIONS]


def test_pending_migration_older_than_applied_fails(cluster):
    run_module(rds_data_migrations, args(cluster, [migration("0002", "CREATE TABLE t2 (id int);")]))
    failure = fail_module(rds_data_migrations, args(cluster, [migration("0001", "CREATE TABLE t1 (id int);"), migration("0002", "CREATE TABLE t2 (id int);")]))
    assert "migration 0001 (m) is pending but the newer migration 0002 is already applied" in failure["msg"]
    assert not table_exists(cluster, "t1")


def test_invalid_migrations_fail_before_any_call(cluster):
    failure = fail_module(rds_data_migrations, args(cluster, [migration("1", "SELECT 1;"), migration("0002", "SELECT 'x")]))
    assert "version '1' is not a number of at least four digits" in failure["msg"]
    assert "unterminated" in failure["msg"]
    assert not table_exists(cluster, "schema_migrations")


def test_data_api_disabled_fails_with_the_aws_error(cluster):
    boto3.client("rds", region_name=REGION).disable_http_endpoint(ResourceArn=cluster["arn"])
    failure = fail_module(rds_data_migrations, args(cluster, migration_files()))
    assert "Could not read schema_migrations of database streamflix" in failure["msg"]
    assert failure["error"]["code"] == "HttpEndpointNotEnabledException"


def test_unknown_secret_fails(cluster):
    bad = dict(cluster, secret=cluster["secret"].replace("rds!", "missing!"))
    failure = fail_module(rds_data_migrations, args(bad, migration_files()))
    assert failure["error"]["code"] == "SecretsErrorException"


def test_a_migration_applied_by_a_concurrent_run_is_skipped(cluster):
    run_module(rds_data_migrations, args(cluster, migration_files()[:1]))
    # Another run recorded 0002 after this run read schema_migrations: simulated by reading first.
    from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import Target

    client = boto3.client("rds-data", region_name=REGION)
    target = Target(client, cluster["arn"], cluster["secret"], "streamflix")
    run_module(rds_data_migrations, args(cluster, migration_files()))
    from unittest import mock

    module = mock.Mock(check_mode=False)
    assert rds_data_migrations.apply_migration(module, target, migration_files()[1], []) is False
    module.fail_json_aws.assert_not_called()


# ---------------------------------------------------------------- login roles (the application's password)


@pytest.fixture
def app_secret(cluster):
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name=f"db-app-{uuid.uuid4().hex[:8]}", SecretString='{"username": "streamflix_app", "password": "Abc123unitPassword"}')["ARN"]
    return {"arn": arn, "client": secrets}


def stored_verifier(cluster):
    # The local server runs the Data API as superuser, which may read pg_authid (Aurora's master may not).
    return sql(cluster, "SELECT rolpassword FROM pg_authid WHERE rolname = 'streamflix_app'")[0][0]


def with_app_role(cluster, app_secret):
    return dict(args(cluster, migration_files()), login_roles=[{"name": "streamflix_app", "secret_arn": app_secret["arn"]}])


def test_scram_verifier_round_trip():
    verifier = rds_data.scram_sha256_verifier("Abc123", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
    assert rds_data.scram_matches(verifier, "Abc123") and not rds_data.scram_matches(verifier, "Abc124")


def test_login_role_password_is_set_from_its_secret_once(cluster, app_secret):
    result = run_module(rds_data_migrations, with_app_role(cluster, app_secret))
    assert result["changed"] is True and result["login_roles_set"] == ["streamflix_app"]
    assert rds_data.scram_matches(stored_verifier(cluster), "Abc123unitPassword")
    assert "Abc123unitPassword" not in repr(result)
    version = app_secret["client"].describe_secret(SecretId=app_secret["arn"])["VersionIdsToStages"]
    assert sql(cluster, "SELECT role_name, secret_version_id FROM schema_login_roles") == [["streamflix_app", next(iter(version))]]
    again = run_module(rds_data_migrations, with_app_role(cluster, app_secret))
    assert again["changed"] is False and again["login_roles_set"] == []
    assert run_module(rds_data_migrations, with_app_role(cluster, app_secret), check_mode=True)["changed"] is False


def test_a_rotated_secret_sets_the_password_again_and_check_mode_plans_it(cluster, app_secret):
    run_module(rds_data_migrations, with_app_role(cluster, app_secret))
    app_secret["client"].put_secret_value(SecretId=app_secret["arn"], SecretString='{"username": "streamflix_app", "password": "Rotated456pw"}')
    planned = run_module(rds_data_migrations, with_app_role(cluster, app_secret), check_mode=True)
    assert planned["changed"] is True and planned["login_roles_set"] == ["streamflix_app"]
    assert rds_data.scram_matches(stored_verifier(cluster), "Abc123unitPassword")  # check mode changed nothing
    assert run_module(rds_data_migrations, with_app_role(cluster, app_secret))["login_roles_set"] == ["streamflix_app"]
    assert rds_data.scram_matches(stored_verifier(cluster), "Rotated456pw")


def test_a_secret_for_another_user_or_a_missing_role_fails(cluster, app_secret):
    app_secret["client"].put_secret_value(SecretId=app_secret["arn"], SecretString='{"username": "admin", "password": "Abc123unitPassword"}')
    failure = fail_module(rds_data_migrations, with_app_role(cluster, app_secret))
    assert "names user 'admin', not login role streamflix_app" in failure["msg"] and "Abc123" not in repr(failure)
    missing = dict(with_app_role(cluster, app_secret), login_roles=[{"name": "nobody_here", "secret_arn": app_secret["arn"]}])
    app_secret["client"].put_secret_value(SecretId=app_secret["arn"], SecretString='{"username": "nobody_here", "password": "Abc123unitPassword"}')
    assert "Login role nobody_here does not exist" in fail_module(rds_data_migrations, missing)["msg"]
    bad = dict(with_app_role(cluster, app_secret), login_roles=[{"name": "Bad-Name", "secret_arn": app_secret["arn"]}])
    assert "is not a lower-case PostgreSQL identifier" in fail_module(rds_data_migrations, bad)["msg"]
