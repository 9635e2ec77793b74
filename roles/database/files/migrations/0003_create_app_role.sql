-- 0003 create_app_role: the application's own login role, with exactly the privileges the job-state schema needs.
--
-- The application connects as streamflix_app, never as the master user (whose AWS-managed secret RDS rotates
-- every 7 days; migrations keep using it through the Data API). This file creates the role WITHOUT a
-- password: rds_data_migrations (option login_roles) sets it afterwards from the secret
-- streamflix-db-app-<suffix>, as a SCRAM-SHA-256 verifier computed inside the module, so the password is in
-- no SQL text, no schema_migrations row and no log, and a rotated secret is applied on the next run.
--
-- What the application may do: read and write videos and processing_jobs (claim, retry, dead-letter,
-- delete a video with its jobs) and call processing_job_retry_delay(). Nothing else: no DDL, no
-- schema_migrations, no CREATE in the schema, no other function, no role or database attributes.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'streamflix_app') THEN
        CREATE ROLE streamflix_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END;
$$;

-- Nobody but the owner creates objects in the schema (the default since PostgreSQL 15; explicit for clarity).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO streamflix_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE videos, processing_jobs TO streamflix_app;

-- Functions are executable by PUBLIC by default: keep them to the roles that need them. The trigger function
-- needs no grant (triggers fire whatever the caller's EXECUTE privilege).
REVOKE EXECUTE ON FUNCTION set_updated_at() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION processing_job_retry_delay(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION processing_job_retry_delay(integer) TO streamflix_app;
