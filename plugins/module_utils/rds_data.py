# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL migrations through the RDS Data API: the pure parts (statement splitting, checksums, the plan)
and the Data API calls the rds_data_migrations module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import os
import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

MIGRATIONS_TABLE = "schema_migrations"
VERSION_PATTERN = re.compile(r"^[0-9]{4,}$")

# Errors worth another try. DatabaseResumingException: an Aurora Serverless v2 instance paused at 0 ACU
# is resuming ("Wait a few seconds and try again"); DatabaseUnavailableException: the writer is not
# available (failover, resume); StatementTimeoutException: the call timed out, typically while the
# instance scales up. Only calls that are safe to repeat use the timeout retry: reads, BeginTransaction,
# the CREATE TABLE IF NOT EXISTS of the migrations table. Statements inside a transaction do not (a
# timed-out statement may have run, and the Data API aborts the transaction on an error anyway).
# ThrottlingException (the JSON protocols' code) is not in AWSRetry's list, which has "Throttling".
RESUMING_ERRORS = ["DatabaseResumingException", "DatabaseUnavailableException", "ServiceUnavailableError", "ThrottlingException"]
REPEATABLE_ERRORS = RESUMING_ERRORS + ["StatementTimeoutException"]

_retry_repeatable = AWSRetry.jittered_backoff(retries=10, delay=2, max_delay=30, catch_extra_error_codes=REPEATABLE_ERRORS)
_retry_in_transaction = AWSRetry.jittered_backoff(retries=10, delay=2, max_delay=30, catch_extra_error_codes=RESUMING_ERRORS)
_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])

CREATE_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version text PRIMARY KEY, "
    "name text NOT NULL, "
    "checksum text NOT NULL, "
    "applied_at timestamptz NOT NULL DEFAULT now())"
)
TABLE_EXISTS_SQL = "SELECT to_regclass('schema_migrations') IS NOT NULL"
APPLIED_SQL = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
# Serialises concurrent runs against one database: the lock is held until the transaction ends.
LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('schema_migrations'))"
IS_APPLIED_SQL = "SELECT 1 FROM schema_migrations WHERE version = :version"
RECORD_SQL = "INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum)"

# Login roles: which secret version each role's password was last set from (the version id, never the value).
ROLE_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
CREATE_LOGIN_ROLES_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_login_roles ("
    "role_name text PRIMARY KEY, "
    "secret_version_id text NOT NULL, "
    "set_at timestamptz NOT NULL DEFAULT now())"
)
LOGIN_ROLES_TABLE_EXISTS_SQL = "SELECT to_regclass('schema_login_roles') IS NOT NULL"
LOGIN_ROLE_VERSIONS_SQL = "SELECT role_name, secret_version_id FROM schema_login_roles"
ROLE_EXISTS_SQL = "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :role"
RECORD_LOGIN_ROLE_SQL = (
    "INSERT INTO schema_login_roles (role_name, secret_version_id) VALUES (:role, :version) "
    "ON CONFLICT (role_name) DO UPDATE SET secret_version_id = EXCLUDED.secret_version_id, set_at = now()"
)
SCRAM_ITERATIONS = 4096  # PostgreSQL's scram_iterations default


# ---------------------------------------------------------------- pure functions


def split_statements(sql):
    """Split ``sql`` into statements at semicolons outside comments, quoted strings ('...', E'...'),
    quoted identifiers ("...") and dollar-quoted bodies ($$...$$, $tag$...$tag$).

    Comments outside those are dropped; empty statements are skipped; the trailing semicolon is removed.
    """
    statements = []
    current = []
    i = 0
    length = len(sql)
    while i < length:
        char = sql[i]
        if char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = length if end < 0 else end  # keep the newline as whitespace
            continue
        if char == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2  # PostgreSQL block comments nest
            while i < length and depth:
                if sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            if depth:
                raise ValueError("unterminated /* comment")
            current.append(" ")
            continue
        if char in ("'", '"'):
            escapes = char == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            end = _quoted_end(sql, i, char, escapes)
            current.append(sql[i:end])
            i = end
            continue
        if char == "$":
            match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])
            if match and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = match.group(0)
                end = sql.find(tag, i + len(tag))
                if end < 0:
                    raise ValueError("unterminated dollar-quoted string {0}".format(tag))
                end += len(tag)
                current.append(sql[i:end])
                i = end
                continue
        if char == ";":
            _flush(current, statements)
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    _flush(current, statements)
    return statements


def _quoted_end(sql, start, quote, escapes):
    i = start + 1
    while i < len(sql):
        if escapes and sql[i] == "\\":
            i += 2
            continue
        if sql[i] == quote:
            if sql.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    raise ValueError("unterminated quoted string starting at offset {0}".format(start))


def _flush(current, statements):
    statement = "".join(current).strip()
    if statement:
        statements.append(statement)


def checksum(sql):
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def check_migrations(migrations):
    """Problems with the list the caller gave (versions, duplicates, empty SQL); empty when fine."""
    problems = []
    seen = set()
    for migration in migrations:
        version = migration["version"]
        if not VERSION_PATTERN.match(version):
            problems.append("version {0!r} is not a number of at least four digits".format(version))
        if version in seen:
            problems.append("version {0} is given twice".format(version))
        seen.add(version)
        try:
            if not split_statements(migration["sql"]):
                problems.append("migration {0} has no SQL statement".format(version))
        except ValueError as e:
            problems.append("migration {0}: {1}".format(version, e))
    return problems


def plan(migrations, applied):
    """Compare the migrations with the rows of schema_migrations.

    Returns ``(pending, problems)``: ``pending`` the migrations to apply, in version order; ``problems``
    messages that must stop the run (an applied migration whose SQL changed, a pending migration older
    than an applied one).
    """
    applied_by_version = dict((row["version"], row) for row in applied)
    ordered = sorted(migrations, key=lambda m: (len(m["version"]), m["version"]))
    problems = []
    pending = []
    for migration in ordered:
        row = applied_by_version.get(migration["version"])
        if row is None:
            pending.append(migration)
        elif row["checksum"] != checksum(migration["sql"]):
            problems.append(
                "migration {0} ({1}) was applied with checksum {2} but its SQL now has checksum {3}: applied "
                "migrations must not change; restore the file and add a new migration for the change".format(
                    migration["version"], migration["name"], row["checksum"], checksum(migration["sql"])
                )
            )
    newest = max([row["version"] for row in applied], key=lambda v: (len(v), v)) if applied else None
    for migration in pending:
        if newest is not None and (len(migration["version"]), migration["version"]) < (len(newest), newest):
            problems.append(
                "migration {0} ({1}) is pending but the newer migration {2} is already applied: give it a "
                "version above {2}".format(migration["version"], migration["name"], newest)
            )
    return pending, problems


def scram_sha256_verifier(password, salt=None, iterations=SCRAM_ITERATIONS):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677, PostgreSQL's format).

    ALTER ROLE ... PASSWORD with a verifier stores it as is: the server never sees the password, and a
    verifier in a statement log lets nobody log in (that needs the client key, which it does not contain).
    ``password`` must be ASCII letters and digits, which SASLprep leaves unchanged.
    """
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return "SCRAM-SHA-256${0}:{1}${2}:{3}".format(
        iterations, base64.b64encode(salt).decode("ascii"), base64.b64encode(stored_key).decode("ascii"),
        base64.b64encode(server_key).decode("ascii"))


def scram_matches(verifier, password):
    """Whether ``verifier`` (as pg_authid.rolpassword holds it) was made from ``password``."""
    match = re.match(r"^SCRAM-SHA-256\$([0-9]+):([^$]+)\$([^:]+):(.+)$", verifier or "")
    if not match:
        return False
    iterations, salt = int(match.group(1)), base64.b64decode(match.group(2))
    return hmac.compare_digest(scram_sha256_verifier(password, salt, iterations), verifier)


def set_password_sql(role, verifier):
    """ALTER ROLE takes no bind parameters: the role is checked against ROLE_NAME_PATTERN and the
    verifier (base64 and punctuation only) contains no quote."""
    if not ROLE_NAME_PATTERN.match(role) or "'" in verifier:
        raise ValueError("refusing to build ALTER ROLE for role {0!r}".format(role))
    return "ALTER ROLE \"{0}\" WITH LOGIN PASSWORD '{1}'".format(role, verifier)


def login_role_problems(login_roles):
    problems = []
    seen = set()
    for entry in login_roles or []:
        if not ROLE_NAME_PATTERN.match(entry["name"]):
            problems.append("login role {0!r} is not a lower-case PostgreSQL identifier (a-z, 0-9, _; 1-63 characters)".format(entry["name"]))
        if entry["name"] in seen:
            problems.append("login role {0} is given twice".format(entry["name"]))
        seen.add(entry["name"])
    return problems


def versions(rows):
    return sorted((row["version"] for row in rows), key=lambda v: (len(v), v))


def field_value(field):
    """The Python value of a Data API Field."""
    if field.get("isNull"):
        return None
    for key in ("stringValue", "longValue", "doubleValue", "booleanValue", "blobValue"):
        if key in field:
            return field[key]
    return None


def string_parameters(**values):
    return [dict(name=name, value=dict(stringValue=value)) for name, value in sorted(values.items())]


# ---------------------------------------------------------------- Data API calls


class Target(object):
    """The cluster, secret and database every call names."""

    def __init__(self, client, resource_arn, secret_arn, database):
        self.client = client
        self.resource_arn = resource_arn
        self.secret_arn = secret_arn
        self.database = database

    def _args(self, **kwargs):
        args = dict(resourceArn=self.resource_arn, secretArn=self.secret_arn)
        if self.database:
            args["database"] = self.database
        args.update(kwargs)
        return args

    def query(self, sql, parameters=None):
        """A read outside any transaction: the records as lists of Python values."""
        response = _execute_repeatable(self.client, self._args(sql=sql, parameters=parameters or []))
        return [[field_value(field) for field in record] for record in response.get("records", [])]

    def execute_repeatable(self, sql):
        return _execute_repeatable(self.client, self._args(sql=sql))

    def begin(self):
        return _begin_transaction(self.client, self._args())["transactionId"]

    def execute(self, transaction_id, sql, parameters=None):
        args = dict(resourceArn=self.resource_arn, secretArn=self.secret_arn, sql=sql, transactionId=transaction_id)
        if parameters:
            args["parameters"] = parameters
        return _execute_in_transaction(self.client, args)

    def commit(self, transaction_id):
        return _commit_transaction(self.client, dict(resourceArn=self.resource_arn, secretArn=self.secret_arn, transactionId=transaction_id))

    def rollback(self, transaction_id):
        return _rollback_transaction(self.client, dict(resourceArn=self.resource_arn, secretArn=self.secret_arn, transactionId=transaction_id))


@_retry_repeatable
def _execute_repeatable(client, args):
    return client.execute_statement(**args)


@_retry_repeatable
def _begin_transaction(client, args):
    return client.begin_transaction(**args)


@_retry_in_transaction
def _execute_in_transaction(client, args):
    return client.execute_statement(**args)


@_retry
def _commit_transaction(client, args):
    return client.commit_transaction(**args)


@_retry
def _rollback_transaction(client, args):
    return client.rollback_transaction(**args)
