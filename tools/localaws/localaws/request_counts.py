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
    """(method, compiled path regex, operation) of a rest service's botocore model, longest literal first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, list[tuple[str, re.Pattern[str], int, str]]] = {}

    def _load(self, service: str) -> list[tuple[str, re.Pattern[str], int, str]]:
        import botocore.session

        routes: list[tuple[str, re.Pattern[str], int, str]] = []
        try:
            model = botocore.session.get_session().get_service_model(_MODEL_NAMES.get(service, service))
        except Exception:  # an unknown service: counted by method only
            return routes
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http.get("requestUri", "/").split("?", 1)[0]
            literal = len(re.sub(r"\{[^}]+\}", "", uri))
            pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
            pattern = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", pattern)
            routes.append((http.get("method", "POST"), re.compile(pattern.rstrip("/") + "/?$"), literal, name))
        routes.sort(key=lambda route: -route[2])
        return routes

    def match(self, service: str, method: str, path: str) -> str | None:
        with self._lock:
            routes = self._routes.get(service)
            if routes is None:
                routes = self._routes[service] = self._load(service)
        for route_method, pattern, _literal, name in routes:
            if route_method == method and pattern.match(path):
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
    action = parse_qs(environ.get("QUERY_STRING") or "").get("Action")
    if action:
        return f"{service}.{action[0]}"
    method = environ.get("REQUEST_METHOD", "GET")
    if (environ.get("CONTENT_TYPE") or "").lower().startswith(_FORM):
        body_action = _form_action(environ)
        if body_action:
            return f"{service}.{body_action}"
    name = _REST.match(service, method, environ.get("PATH_INFO") or "/")
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
