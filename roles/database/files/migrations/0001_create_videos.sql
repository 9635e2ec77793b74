-- 0001 create_videos: video metadata and the shared updated_at trigger function.
--
-- Conventions for every file in this directory (applied by streamflix.media_platform.rds_data_migrations
-- through the RDS Data API, one statement per ExecuteStatement call, all statements of a file in one
-- transaction, recorded in schema_migrations so each file applies once; never edit an applied file,
-- add a new one):
--   * The file name is <version>_<name>.sql; versions are four digits and applied in order.
--   * Statements end with a semicolon. The module splits on semicolons outside comments, quoted strings,
--     quoted identifiers and dollar-quoted bodies ($$ ... $$ or $tag$ ... $tag$), so function bodies may
--     contain semicolons. No psql meta-commands (\set, \i ...), no COPY FROM STDIN.
--   * Statements are idempotent-safe (IF NOT EXISTS, CREATE OR REPLACE) so a file can be re-run by
--     hand; they work on PostgreSQL 16 (Aurora PostgreSQL 16) and 18 (the local test server).
--   * gen_random_uuid() is built in since PostgreSQL 13: no extension needed.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS videos (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text        NOT NULL CONSTRAINT videos_title_not_blank CHECK (btrim(title) <> ''),
    source_uri       text        NOT NULL CONSTRAINT videos_source_uri_is_uri CHECK (source_uri ~ '^[a-z][a-z0-9+.-]*://.+'),
    duration_seconds numeric(10, 3) CONSTRAINT videos_duration_not_negative CHECK (duration_seconds >= 0),
    status           text        NOT NULL DEFAULT 'uploaded'
                                 CONSTRAINT videos_status_valid CHECK (status IN ('uploaded', 'processing', 'ready', 'failed')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT videos_source_uri_unique UNIQUE (source_uri)
);

CREATE INDEX IF NOT EXISTS videos_status_idx ON videos (status);

CREATE OR REPLACE TRIGGER videos_set_updated_at
    BEFORE UPDATE ON videos
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
