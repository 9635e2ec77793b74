"""Which AWS operation a request calls, for the request counter (GET /_localaws/requests).

The service is the signing name in the request's SigV4 credential scope (``ec2``, ``rds``, ``elasticfilesystem``,
``monitoring``, ...). The operation comes, by protocol, from:
- the ``X-Amz-Target`` header (awsJson: ``AmazonSQS.ReceiveMessage`` -> ``ReceiveMessage``),
- the ``Action`` parameter of the query string or of the form body (query and ec2 protocols),
- the method and path matched against the service's botocore model (``requestUri`` of each operation) for the
  rest-json and rest-xml protocols (EFS, API Gateway, S3, ...).
What none of these names is counted as ``<service>.<METHOD>`` so that every request is counted once.
"""

from __future__ import annotations

import io
import re
import threading
from typing import Any
from urllib.parse import parse_qs

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Signing names whose botocore service model has another name (only the rest protocols need the model).
_MODEL_NAMES = {"elasticfilesystem": "efs", "execute-api": "apigateway", "monitoring": "cloudwatch"}
_FORM = "application/x-www-form-urlencoded"


class _RestRoutes:
    """The operations of a rest service's botocore model, by method, path pattern and the query keys they need.

    Several operations can share a path (S3's ``GET /{Bucket}`` is ListObjects, ``GET /{Bucket}?tagging``
    GetBucketTagging): the one whose query keys are all in the request and that names the most of them wins, then
    the one with the longest literal path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, list[tuple[str, re.Pattern[str], frozenset[str], str]]] = {}

    def _load(self, service: str) -> list[tuple[str, re.Pattern[str], frozenset[str], str]]:
        import botocore.session

        routes: list[tuple[int, int, tuple[str, re.Pattern[str], frozenset[str], str]]] = []
        try:
            model = botocore.session.get_session().get_service_model(_MODEL_NAMES.get(service, service))
        except Exception:  # an unknown service: counted by method only
            return []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri, _, query = http.get("requestUri", "/").partition("?")
            keys = frozenset(part.split("=", 1)[0] for part in query.split("&") if part)
            literal = len(re.sub(r"\{[^}]+\}", "", uri))
            pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
            pattern = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", pattern)
            route = (http.get("method", "POST"), re.compile(pattern.rstrip("/") + "/?$"), keys, name)
            routes.append((len(keys), literal, route))
        routes.sort(key=lambda item: (-item[0], -item[1]))
        return [route for _keys, _literal, route in routes]

    def match(self, service: str, method: str, path: str, query_keys: frozenset[str]) -> str | None:
        with self._lock:
            routes = self._routes.get(service)
            if routes is None:
                routes = self._routes[service] = self._load(service)
        for route_method, pattern, keys, name in routes:
            if route_method == method and keys <= query_keys and pattern.match(path):
                return name
        return None


_REST = _RestRoutes()


def _form_action(environ: dict[str, Any]) -> str | None:
    """The Action of a form-encoded body; the body is put back for the backend to read."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return None
    body = stream.read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    values = parse_qs(body.decode("utf-8", errors="replace")).get("Action")
    return values[0] if values else None


def operation_of(environ: dict[str, Any]) -> str:
    """``<service>.<Operation>`` of an AWS request."""
    found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION") or "")
    service = found.group(1) if found else "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    query = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True)
    action = query.get("Action")
    if action:
        return f"{service}.{action[0]}"
    method = environ.get("REQUEST_METHOD", "GET")
    if (environ.get("CONTENT_TYPE") or "").lower().startswith(_FORM):
        body_action = _form_action(environ)
        if body_action:
            return f"{service}.{body_action}"
    name = _REST.match(service, method, environ.get("PATH_INFO") or "/", frozenset(query))
    return f"{service}.{name or method}"


class RequestCounter:
    """AWS requests by operation since the start or the last reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def count(self, environ: dict[str, Any]) -> None:
        operation = operation_of(environ)
        with self._lock:
            self._counts[operation] = self._counts.get(operation, 0) + 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> dict[str, int]:
        """The counts so far, and start again from zero."""
        with self._lock:
            counts, self._counts = dict(sorted(self._counts.items())), {}
        return counts
