"""The job-state schema (roles/database/files/migrations) against a real PostgreSQL server on loopback:
the migrations apply statement by statement, re-apply harmlessly, and support the worker's queries."""

from __future__ import annotations

import datetime

import pg8000.exceptions
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import split_statements
from postgres import migration_files, pg_database  # noqa: F401

CLAIM = """
UPDATE processing_jobs SET status = 'running', attempts = attempts + 1, locked_by = :worker, locked_at = now()
 WHERE id = (SELECT id FROM processing_jobs
              WHERE status IN ('queued', 'failed') AND next_attempt_at <= now()
              ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id::text, kind, attempts
"""
FAIL = """
UPDATE processing_jobs
   SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
       next_attempt_at = CASE WHEN attempts >= max_attempts THEN next_attempt_at
                              ELSE now() + processing_job_retry_delay(attempts) END,
       last_error = :error, locked_by = NULL, locked_at = NULL
 WHERE id = CAST(:id AS uuid) AND status = 'running' AND locked_by = :worker
"""
SUCCEED = """
UPDATE processing_jobs SET status = 'succeeded', locked_by = NULL, locked_at = NULL, last_error = NULL
 WHERE id = CAST(:id AS uuid) AND status = 'running' AND locked_by = :worker
"""


def apply_all(con):
    for migration in migration_files():
        con.run("BEGIN")
        for statement in split_statements(migration["sql"]):
            con.execute_unnamed(statement)  # one statement per call, as through the Data API
        con.run("COMMIT")


@pytest.fixture
def db(pg_database):  # noqa: F811
    con = pg_database()
    apply_all(con)
    return con


def add_video(con, uri="s3://media/in/a.mp4"):
    return con.run("INSERT INTO videos (title, source_uri) VALUES ('A', :uri) RETURNING id::text", uri=uri)[0][0]


def add_job(con, video_id, kind="transcode", max_attempts=3, due_in_seconds=0):
    return con.run(
        "INSERT INTO processing_jobs (video_id, kind, max_attempts, next_attempt_at) "
        "VALUES (CAST(:v AS uuid), :k, :m, now() + make_interval(secs => :d)) RETURNING id::text",
        v=video_id, k=kind, m=max_attempts, d=due_in_seconds,
    )[0][0]


def job(con, job_id):
    row = con.run(
        "SELECT status, attempts, locked_by, last_error, next_attempt_at - now() FROM processing_jobs WHERE id = CAST(:id AS uuid)",
        id=job_id,
    )[0]
    return dict(status=row[0], attempts=row[1], locked_by=row[2], last_error=row[3], due_in=row[4])


def make_due(con, job_id):
    con.run("UPDATE processing_jobs SET next_attempt_at = now() - interval '1 second' WHERE id = CAST(:id AS uuid)", id=job_id)


def test_migrations_are_named_and_split_into_statements():
    migrations = migration_files()
    assert [m["version"] for m in migrations] == ["0001", "0002", "0003"]
    assert [m["name"] for m in migrations] == ["create_videos", "create_processing_jobs", "create_app_role"]
    for migration in migrations:
        statements = split_statements(migration["sql"])
        assert statements and all(";" != s[-1] for s in statements)


def test_schema_has_tables_indexes_and_triggers(db):
    tables = {row[0] for row in db.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"videos", "processing_jobs"}
    indexes = {row[0]: row[1] for row in db.run("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'processing_jobs'")}
    assert "WHERE (status = ANY (ARRAY['queued'::text, 'failed'::text]))" in indexes["processing_jobs_due_idx"]
    assert {"processing_jobs_video_id_idx", "processing_jobs_status_idx", "processing_jobs_stale_lock_idx"} <= set(indexes)
    triggers = {row[0] for row in db.run("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    assert triggers == {"videos_set_updated_at", "processing_jobs_set_updated_at"}


def test_migrations_can_run_again_without_error(db):
    apply_all(db)  # IF NOT EXISTS / CREATE OR REPLACE everywhere
    assert db.run("SELECT count(*) FROM processing_jobs") == [[0]]


def test_defaults(db):
    video_id = add_video(db)
    job_id = add_job(db, video_id)
    row = db.run(
        "SELECT v.status, j.status, j.attempts, j.max_attempts, j.payload, j.next_attempt_at <= now(), length(v.id::text) "
        "FROM videos v JOIN processing_jobs j ON j.video_id = v.id WHERE j.id = CAST(:id AS uuid)",
        id=job_id,
    )[0]
    assert row == ["uploaded", "queued", 0, 3, {}, True, 36]


def test_claim_takes_the_due_job_and_locks_it(db):
    video_id = add_video(db)
    later = add_job(db, video_id, kind="thumbnail", due_in_seconds=3600)
    due = add_job(db, video_id, kind="transcode")
    claimed = db.run(CLAIM, worker="w1")
    assert claimed == [[due, "transcode", 1]]
    assert job(db, due)["status"] == "running" and job(db, due)["locked_by"] == "w1"
    assert db.run(CLAIM, worker="w2") == []  # the other job is not due yet
    assert job(db, later)["status"] == "queued"


def test_claim_skips_rows_locked_by_another_worker(db, pg_database):  # noqa: F811
    video_id = add_video(db)
    first = add_job(db, video_id, kind="transcode")
    second = add_job(db, video_id, kind="thumbnail", due_in_seconds=-10)  # due earlier: claimed first
    other = pg_database()
    other.run("BEGIN")
    assert other.run(CLAIM, worker="w1")[0][0] == second  # w1's claim is not committed yet
    # w2 does not wait for w1's row lock: it skips to the next due job.
    assert db.run(CLAIM, worker="w2")[0][0] == first
    other.run("COMMIT")
    statuses = dict(db.run("SELECT id::text, locked_by FROM processing_jobs"))
    assert statuses == {first: "w2", second: "w1"}


def test_failure_backs_off_exponentially_then_dead_letters(db):
    video_id = add_video(db)
    job_id = add_job(db, video_id, max_attempts=3)
    delays = []
    for attempt in (1, 2):
        assert db.run(CLAIM, worker="w1")[0][2] == attempt
        db.run(FAIL, id=job_id, worker="w1", error=f"boom {attempt}")
        state = job(db, job_id)
        assert state["status"] == "failed" and state["locked_by"] is None and state["last_error"] == f"boom {attempt}"
        delays.append(state["due_in"])
        assert db.run(CLAIM, worker="w1") == []  # not due during its backoff
        make_due(db, job_id)
    assert datetime.timedelta(seconds=25) < delays[0] <= datetime.timedelta(seconds=30)
    assert datetime.timedelta(seconds=55) < delays[1] <= datetime.timedelta(seconds=60)
    assert db.run(CLAIM, worker="w1")[0][2] == 3
    db.run(FAIL, id=job_id, worker="w1", error="boom 3")
    state = job(db, job_id)
    assert state["status"] == "dead" and state["attempts"] == 3 and state["last_error"] == "boom 3"
    make_due(db, job_id)
    assert db.run(CLAIM, worker="w1") == []  # dead jobs are never claimed


@pytest.mark.parametrize("attempts, seconds", [(0, 30), (1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)])
def test_retry_delay(db, attempts, seconds):
    assert db.run("SELECT extract(epoch FROM processing_job_retry_delay(:a))::int", a=attempts) == [[seconds]]


def test_success_unlocks(db):
    job_id = add_job(db, add_video(db))
    db.run(CLAIM, worker="w1")
    db.run(SUCCEED, id=job_id, worker="w2")  # not w2's job: no change
    assert job(db, job_id)["status"] == "running"
    db.run(SUCCEED, id=job_id, worker="w1")
    assert job(db, job_id)["status"] == "succeeded" and job(db, job_id)["locked_by"] is None


def test_updated_at_trigger(db):
    video_id = add_video(db)
    db.run("UPDATE videos SET created_at = now() - interval '1 day', updated_at = now() - interval '1 day' WHERE id = CAST(:id AS uuid)", id=video_id)
    db.run("UPDATE videos SET status = 'processing' WHERE id = CAST(:id AS uuid)", id=video_id)
    created, updated = db.run("SELECT created_at, updated_at FROM videos WHERE id = CAST(:id AS uuid)", id=video_id)[0]
    assert updated - created > datetime.timedelta(hours=23)


def test_one_open_job_per_kind_and_video(db):
    video_id = add_video(db)
    first = add_job(db, video_id)
    enqueue = (
        "INSERT INTO processing_jobs (video_id, kind) VALUES (CAST(:v AS uuid), 'transcode') "
        "ON CONFLICT (video_id, kind) WHERE status IN ('queued', 'running', 'failed') DO NOTHING RETURNING id"
    )
    assert db.run(enqueue, v=video_id) == []
    db.run("UPDATE processing_jobs SET status = 'succeeded' WHERE id = CAST(:id AS uuid)", id=first)
    assert len(db.run(enqueue, v=video_id)) == 1  # a finished job does not block a new one


def test_deleting_a_video_deletes_its_jobs(db):
    video_id = add_video(db)
    add_job(db, video_id)
    db.run("DELETE FROM videos WHERE id = CAST(:id AS uuid)", id=video_id)
    assert db.run("SELECT count(*) FROM processing_jobs") == [[0]]


@pytest.mark.parametrize(
    "sql, constraint",
    [
        ("UPDATE processing_jobs SET status = 'paused'", "processing_jobs_status_valid"),
        ("UPDATE processing_jobs SET status = 'running'", "processing_jobs_locked_while_running"),
        ("UPDATE processing_jobs SET locked_by = 'w1', locked_at = now()", "processing_jobs_locked_while_running"),
        ("UPDATE processing_jobs SET attempts = 4", "processing_jobs_attempts_within_max"),
        ("UPDATE processing_jobs SET attempts = -1", "processing_jobs_attempts_not_negative"),
        ("UPDATE processing_jobs SET max_attempts = 0", "processing_jobs_max_attempts_positive"),
        ("UPDATE processing_jobs SET kind = 'Trans Code'", "processing_jobs_kind_valid"),
        ("UPDATE processing_jobs SET video_id = gen_random_uuid()", "processing_jobs_video_id_fkey"),
        ("UPDATE videos SET status = 'deleted'", "videos_status_valid"),
        ("UPDATE videos SET title = '  '", "videos_title_not_blank"),
        ("UPDATE videos SET source_uri = 'a.mp4'", "videos_source_uri_is_uri"),
        ("UPDATE videos SET duration_seconds = -1", "videos_duration_not_negative"),
        ("INSERT INTO videos (title, source_uri) VALUES ('B', 's3://media/in/a.mp4')", "videos_source_uri_unique"),
    ],
)
def test_constraints_reject_bad_rows(db, sql, constraint):
    add_job(db, add_video(db))
    with pytest.raises(pg8000.exceptions.DatabaseError) as info:
        db.run(sql)
    assert info.value.args[0]["n"] == constraint


# ---------------------------------------------------------------- the application's role (0003)

APP_ROLE = "streamflix_app"


def test_app_role_has_exactly_the_job_state_privileges(db):
    attributes = db.run(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :r", r=APP_ROLE
    )
    assert attributes == [[False, False, False, False, False, True]]
    grants = db.run("SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = :r", r=APP_ROLE)
    assert sorted(map(tuple, grants)) == [(t, p) for t in ("processing_jobs", "videos") for p in ("DELETE", "INSERT", "SELECT", "UPDATE")]
    assert db.run(
        "SELECT has_schema_privilege(:r, 'public', 'USAGE'), has_schema_privilege(:r, 'public', 'CREATE'), "
        "has_function_privilege(:r, 'processing_job_retry_delay(integer)', 'EXECUTE'), "
        "has_function_privilege(:r, 'set_updated_at()', 'EXECUTE')",
        r=APP_ROLE,
    ) == [[True, False, True, False]]
    assert db.run("SELECT count(*) FROM pg_auth_members WHERE member = CAST(:r AS regrole)", r=APP_ROLE) == [[0]]


def test_app_role_works_the_jobs_and_can_do_nothing_else(db):
    db.run(f"SET ROLE {APP_ROLE}")
    video_id = add_video(db)
    job_id = add_job(db, video_id, max_attempts=2)
    assert db.run(CLAIM, worker="w1")[0][0] == job_id
    db.run(FAIL, id=job_id, worker="w1", error="boom")  # calls processing_job_retry_delay
    db.run("UPDATE videos SET status = 'processing' WHERE id = CAST(:id AS uuid)", id=video_id)  # fires the trigger
    db.run("DELETE FROM videos WHERE id = CAST(:id AS uuid)", id=video_id)  # cascades to its jobs
    assert db.run("SELECT count(*) FROM processing_jobs") == [[0]]
    for forbidden in (
        "CREATE TABLE intruder (id int)",
        "DROP TABLE processing_jobs",
        "ALTER TABLE videos ADD COLUMN extra int",
        "TRUNCATE videos",
        "CREATE ROLE intruder",
        "SELECT set_updated_at()",
    ):
        with pytest.raises(pg8000.exceptions.DatabaseError, match="permission denied|must be owner"):
            db.run(forbidden)
