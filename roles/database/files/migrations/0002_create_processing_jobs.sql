-- 0002 create_processing_jobs: the worker's job queue with retries, exponential backoff and dead-lettering.
--
-- Life of a job:  queued --claim--> running --success--> succeeded
--                                   running --error, attempts < max_attempts--> failed (due again at
--                                            next_attempt_at = now() + processing_job_retry_delay(attempts))
--                                   running --error, attempts = max_attempts--> dead (kept for inspection)
--                 failed --claim--> running ...
-- A claim increments attempts and sets locked_by/locked_at; running jobs whose lock is older than the
-- worker's visibility timeout are reclaimed by setting them back to failed.
--
-- Claim the next due job (one statement; SKIP LOCKED lets workers claim concurrently without waiting):
--   UPDATE processing_jobs SET status = 'running', attempts = attempts + 1, locked_by = :worker, locked_at = now()
--    WHERE id = (SELECT id FROM processing_jobs
--                 WHERE status IN ('queued', 'failed') AND next_attempt_at <= now()
--                 ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
--   RETURNING id, video_id, kind, payload, attempts, max_attempts;
-- Record a failure (retry later, or dead after the last attempt):
--   UPDATE processing_jobs
--      SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
--          next_attempt_at = CASE WHEN attempts >= max_attempts THEN next_attempt_at
--                                 ELSE now() + processing_job_retry_delay(attempts) END,
--          last_error = :error, locked_by = NULL, locked_at = NULL
--    WHERE id = :id AND status = 'running' AND locked_by = :worker;

CREATE OR REPLACE FUNCTION processing_job_retry_delay(attempts integer) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- 30 s, 1 min, 2 min, 4 min ... doubling per attempt, capped at 1 hour.
    SELECT least(interval '30 seconds' * power(2, greatest(attempts, 1) - 1), interval '1 hour');
$$;

CREATE TABLE IF NOT EXISTS processing_jobs (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id        uuid        NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    kind            text        NOT NULL CONSTRAINT processing_jobs_kind_valid CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    payload         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status          text        NOT NULL DEFAULT 'queued'
                                CONSTRAINT processing_jobs_status_valid
                                CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0 CONSTRAINT processing_jobs_attempts_not_negative CHECK (attempts >= 0),
    max_attempts    integer     NOT NULL DEFAULT 5 CONSTRAINT processing_jobs_max_attempts_positive CHECK (max_attempts >= 1),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_by       text,
    locked_at       timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT processing_jobs_attempts_within_max CHECK (attempts <= max_attempts),
    -- A job is locked exactly while it runs.
    CONSTRAINT processing_jobs_locked_while_running CHECK (
        (status = 'running') = (locked_by IS NOT NULL AND locked_at IS NOT NULL)
        AND (locked_by IS NULL) = (locked_at IS NULL)
    )
);

-- "Claim the next due job": only claimable rows are indexed, in due order.
CREATE INDEX IF NOT EXISTS processing_jobs_due_idx
    ON processing_jobs (next_attempt_at)
    WHERE status IN ('queued', 'failed');

-- Jobs of a video (the API's video detail page, the cascade from videos).
CREATE INDEX IF NOT EXISTS processing_jobs_video_id_idx ON processing_jobs (video_id);

-- Counts by status (dashboards, the dead-letter list).
CREATE INDEX IF NOT EXISTS processing_jobs_status_idx ON processing_jobs (status);

-- Reaping stale locks of workers that died: running jobs by lock age.
CREATE INDEX IF NOT EXISTS processing_jobs_stale_lock_idx
    ON processing_jobs (locked_at)
    WHERE status = 'running';

-- At most one unfinished job of a kind per video (enqueueing twice is a no-op with ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX IF NOT EXISTS processing_jobs_one_open_per_kind
    ON processing_jobs (video_id, kind)
    WHERE status IN ('queued', 'running', 'failed');

CREATE OR REPLACE TRIGGER processing_jobs_set_updated_at
    BEFORE UPDATE ON processing_jobs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
