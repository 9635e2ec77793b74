"""RDS Data API fill: statements run on a real PostgreSQL server, with the Data API's validation."""

from __future__ import annotations

import json
import os
import time

import psutil
import pytest
from botocore.exceptions import ClientError

from conftest import make_client
from localaws.testing import running_localaws

UUID = "6f1c6c3c-5b7e-4d9c-9a0e-9a3a1f1f7b11"


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def make_cluster(client, name, http_endpoint=True, instance=True, engine="aurora-postgresql"):
    rds = client("rds")
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine=engine,
        EngineVersion="16.4" if engine == "aurora-postgresql" else "8.0.mysql_aurora.3.05.2",
        MasterUsername="streamflix",
        ManageMasterUserPassword=True,
        DatabaseName="media",
        EnableHttpEndpoint=http_endpoint,
    )["DBCluster"]
    if instance:
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-w", DBClusterIdentifier=name, Engine=engine, DBInstanceClass="db.serverless")
    return {"resourceArn": cluster["DBClusterArn"], "secretArn": cluster["MasterUserSecret"]["SecretArn"]}


@pytest.fixture
def data(client):
    return client("rds-data")


@pytest.fixture
def target(client, name):
    return dict(make_cluster(client, name), database="media")


def test_select_returns_typed_records_and_metadata(data, target):
    response = data.execute_statement(
        **target,
        sql="SELECT 1 AS n, 'x'::text AS s, 1.5::float8 AS f, 2.50::numeric AS d, true AS b, NULL::int AS z, "
        "'2024-05-01 12:30:00+02'::timestamptz AS t, CAST(:u AS uuid) AS u, '{\"a\": 1}'::jsonb AS j, ARRAY[1, 2] AS a",
        parameters=[{"name": "u", "value": {"stringValue": UUID}}],
        includeResultMetadata=True,
    )
    assert response["records"] == [[
        {"longValue": 1}, {"stringValue": "x"}, {"doubleValue": 1.5}, {"stringValue": "2.50"}, {"booleanValue": True},
        {"isNull": True}, {"stringValue": "2024-05-01 10:30:00"}, {"stringValue": UUID}, {"stringValue": '{"a": 1}'},
        {"arrayValue": {"longValues": [1, 2]}},
    ]]
    assert response["numberOfRecordsUpdated"] == 0
    metadata = response["columnMetadata"]
    assert [(c["name"], c["typeName"]) for c in metadata] == [
        ("n", "int4"), ("s", "text"), ("f", "float8"), ("d", "numeric"), ("b", "bool"), ("z", "int4"),
        ("t", "timestamptz"), ("u", "uuid"), ("j", "jsonb"), ("a", "_int4"),
    ]


def test_parameters_types_and_type_hints(data, target):
    data.execute_statement(**target, sql="CREATE TABLE items (id uuid PRIMARY KEY, n bigint, at timestamp, note text)")
    insert = "INSERT INTO items VALUES (:id, :n, :at, :note)"
    params = [
        {"name": "id", "value": {"stringValue": UUID}, "typeHint": "UUID"},
        {"name": "n", "value": {"longValue": 7}},
        {"name": "at", "value": {"stringValue": "2024-01-02 03:04:05"}, "typeHint": "TIMESTAMP"},
        {"name": "note", "value": {"isNull": True}},
    ]
    assert data.execute_statement(**target, sql=insert, parameters=params)["numberOfRecordsUpdated"] == 1
    assert "records" not in data.execute_statement(**target, sql="UPDATE items SET n = n + 1")
    # Without the hint the string is a varchar, which PostgreSQL will not put in a uuid column (as on AWS).
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**target, sql=insert, parameters=[{"name": "id", "value": {"stringValue": UUID}}] + params[1:])
    assert error_of(excinfo) == ("DatabaseErrorException", 400)
    assert "is of type uuid but expression is of type character varying" in excinfo.value.response["Error"]["Message"]
    rows = data.execute_statement(**target, sql="SELECT n, at, note FROM items", resultSetOptions={"longReturnType": "STRING"})
    assert rows["records"] == [[{"stringValue": "8"}, {"stringValue": "2024-01-02 03:04:05"}, {"isNull": True}]]


def test_sql_errors_are_database_errors(data, target):
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**target, sql="SELECT * FROM missing")
    assert error_of(excinfo) == ("DatabaseErrorException", 400)
    assert excinfo.value.response["Error"]["Message"].startswith('ERROR: relation "missing" does not exist')
    assert "SQLState: 42P01" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**target, sql="SELECT 1; SELECT 2")
    assert error_of(excinfo) == ("DatabaseErrorException", 400)


def test_transaction_commit_and_rollback(data, target):
    data.execute_statement(**target, sql="CREATE TABLE t (n int)")
    arns = {k: target[k] for k in ("resourceArn", "secretArn")}
    tx = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**arns, sql="INSERT INTO t VALUES (1)", transactionId=tx)
    assert data.execute_statement(**target, sql="SELECT count(*) FROM t")["records"] == [[{"longValue": 0}]]  # not visible yet
    assert data.commit_transaction(**arns, transactionId=tx)["transactionStatus"] == "Transaction Committed"
    assert data.execute_statement(**target, sql="SELECT count(*) FROM t")["records"] == [[{"longValue": 1}]]

    tx = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**arns, sql="DELETE FROM t", transactionId=tx)
    assert data.rollback_transaction(**arns, transactionId=tx)["transactionStatus"] == "Rollback Complete"
    assert data.execute_statement(**target, sql="SELECT count(*) FROM t")["records"] == [[{"longValue": 1}]]
    with pytest.raises(ClientError) as excinfo:  # ended transactions are gone
        data.commit_transaction(**arns, transactionId=tx)
    assert error_of(excinfo) == ("TransactionNotFoundException", 404)


def test_error_in_transaction_aborts_it(data, target):
    arns = {k: target[k] for k in ("resourceArn", "secretArn")}
    data.execute_statement(**target, sql="CREATE TABLE t (n int)")
    tx = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**arns, sql="INSERT INTO t VALUES (1)", transactionId=tx)
    with pytest.raises(ClientError):
        data.execute_statement(**arns, sql="INSERT INTO t VALUES ('x')", transactionId=tx)
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**arns, sql="SELECT 1", transactionId=tx)
    assert error_of(excinfo) == ("TransactionNotFoundException", 404)
    assert "aborted due to an error from a previous call" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        data.rollback_transaction(**arns, transactionId=tx)
    assert error_of(excinfo) == ("TransactionNotFoundException", 404)
    assert data.execute_statement(**target, sql="SELECT count(*) FROM t")["records"] == [[{"longValue": 0}]]


def test_unknown_transaction_and_transaction_of_another_cluster(client, data, target, name):
    arns = {k: target[k] for k in ("resourceArn", "secretArn")}
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**arns, sql="SELECT 1", transactionId="bm90LWEtdHJhbnNhY3Rpb24=")
    assert error_of(excinfo) == ("TransactionNotFoundException", 404)
    other = make_cluster(client, f"{name}-other")
    tx = data.begin_transaction(**other)["transactionId"]
    with pytest.raises(ClientError) as excinfo:
        data.commit_transaction(**arns, transactionId=tx)
    assert error_of(excinfo) == ("TransactionNotFoundException", 404)
    data.rollback_transaction(**other, transactionId=tx)


def test_batch_execute_statement(data, target):
    data.execute_statement(**target, sql="CREATE TABLE t (n int)")
    sets = [[{"name": "n", "value": {"longValue": i}}] for i in (1, 2, 3)]
    response = data.batch_execute_statement(**target, sql="INSERT INTO t VALUES (:n)", parameterSets=sets)
    assert response["updateResults"] == [{"generatedFields": []}] * 3
    # A failing set outside a transaction leaves nothing of the batch behind.
    with pytest.raises(ClientError):
        data.batch_execute_statement(**target, sql="INSERT INTO t VALUES (:n)", parameterSets=sets[:1] + [[{"name": "n", "value": {"stringValue": "x"}}]])
    assert data.execute_statement(**target, sql="SELECT sum(n) FROM t")["records"] == [[{"longValue": 6}]]


def test_format_records_as_json(data, target):
    response = data.execute_statement(**target, sql="SELECT 1 AS a, 'b' AS b, NULL::text AS c", formatRecordsAs="JSON")
    assert json.loads(response["formattedRecords"]) == [{"a": 1, "b": "b", "c": None}]
    assert "records" not in response


def test_clusters_and_databases_are_isolated(client, data, target, name):
    other = dict(make_cluster(client, f"{name}-iso"), database="media")
    data.execute_statement(**target, sql="CREATE TABLE only_here (n int)")
    probe = "SELECT to_regclass('only_here') IS NOT NULL"
    assert data.execute_statement(**target, sql=probe)["records"] == [[{"booleanValue": True}]]
    assert data.execute_statement(**other, sql=probe)["records"] == [[{"booleanValue": False}]]
    assert data.execute_statement(**dict(target, database="postgres"), sql=probe)["records"] == [[{"booleanValue": False}]]
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**dict(target, database="nope"), sql="SELECT 1")
    assert error_of(excinfo) == ("DatabaseErrorException", 400)


def test_http_endpoint_must_be_enabled(client, data, name):
    target = make_cluster(client, name, http_endpoint=False)
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**target, sql="SELECT 1")
    assert error_of(excinfo) == ("HttpEndpointNotEnabledException", 400)
    assert excinfo.value.response["Error"]["Message"] == f"HttpEndpoint is not enabled for cluster {name}"
    client("rds").enable_http_endpoint(ResourceArn=target["resourceArn"])
    assert data.execute_statement(**target, sql="SELECT 1")["records"] == [[{"longValue": 1}]]


def test_cluster_must_exist_and_have_an_instance(client, data, target, name):
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(resourceArn=target["resourceArn"] + "x", secretArn=target["secretArn"], sql="SELECT 1")
    assert error_of(excinfo) == ("BadRequestException", 400)
    empty = make_cluster(client, f"{name}-empty", instance=False)
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(**empty, sql="SELECT 1")
    assert error_of(excinfo) == ("DatabaseNotFoundException", 404)


def test_secret_must_exist_and_hold_credentials(client, data, target, name):
    with pytest.raises(ClientError) as excinfo:
        data.execute_statement(resourceArn=target["resourceArn"], secretArn=target["secretArn"] + "-missing", sql="SELECT 1")
    assert error_of(excinfo) == ("SecretsErrorException", 400)
    plain = client("secretsmanager").create_secret(Name=f"{name}-plain", SecretString="not json")["ARN"]
    with pytest.raises(ClientError) as excinfo:
        data.begin_transaction(resourceArn=target["resourceArn"], secretArn=plain)
    assert error_of(excinfo) == ("InvalidSecretException", 400)


def _postgres_children(pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if p.name() == "postgres"]
    except psutil.NoSuchProcess:
        return []


def _localaws_pid(endpoint: str) -> int:
    port = int(endpoint.rsplit(":", 1)[1])
    for child in psutil.Process().children(recursive=True):
        if "localaws.cli" in " ".join(child.cmdline()) and str(port) in child.cmdline():
            return child.pid
    raise AssertionError("localaws process not found")


def test_server_starts_lazily_and_stops_with_localaws(name):
    with running_localaws() as endpoint:
        pid = _localaws_pid(endpoint)
        assert _postgres_children(pid) == []  # localaws starts without PostgreSQL
        client = lambda service: make_client(endpoint, service)  # noqa: E731
        target = make_cluster(client, name)
        assert client("rds-data").execute_statement(**target, sql="SELECT 1")["records"] == [[{"longValue": 1}]]
        postgres = _postgres_children(pid)
        assert postgres
        data_dir = next(arg for arg in postgres[0].cmdline() if "localaws-pg-" in arg)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in postgres):
        time.sleep(0.1)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in postgres)
    assert not os.path.exists(data_dir)
