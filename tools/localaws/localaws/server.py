"""The localaws WSGI server: moto's domain dispatcher behind a thin layer that adds
a health endpoint, optional fault injection, and idle/parent-exit watchdogs."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from typing import Any, Callable, Iterable

from .model import MODEL
from .request_counts import RequestCounter

HEALTH_PATH = "/_localaws/health"
# Counts of the fault injection so far: {"aws_requests": N, "faults": N, "by_code": {code: N}}.
FAULTS_PATH = "/_localaws/faults"
# AWS requests by operation since the start or the last reset: GET {"<service>.<Operation>": N}; DELETE (or POST)
# answers the same counts and starts again from zero.
REQUESTS_PATH = "/_localaws/requests"
# Every resource timeline the latency model started: [{"type", "id", "state", "final", "requested_at", "ready_at"}].
TIMELINE_PATH = "/_localaws/timeline"
# Paths that are never faulted: moto's own control API and our health check.
_UNFAULTED_PREFIXES = ("/moto-api", "/_localaws")

# (HTTP status, code, message) of the injected faults. Half of the faults are
# throttling, the other half server-side errors; botocore's standard and legacy
# retry modes retry all of them (throttling codes, and HTTP 500/503).
_THROTTLE = (400, "Throttling", "Rate exceeded")
_JSON_THROTTLE_CODE = "ThrottlingException"
_SERVER_FAULTS = (
    (503, "ServiceUnavailable", "Service is unable to handle request."),
    (500, "InternalError", "We encountered an internal error. Please try again."),
)

StartResponse = Callable[..., Any]


def _is_json_protocol(environ: dict[str, Any]) -> bool:
    """JSON-protocol request (awsJson1.x or rest-json), judged from its headers."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return True
    content_type = (environ.get("CONTENT_TYPE") or "").lower()
    return content_type.startswith("application/x-amz-json") or content_type.startswith(
        "application/json"
    )


def fault_response(environ: dict[str, Any], status: int, code: str, message: str):
    """An AWS-shaped error response for the protocol of the request."""
    request_id = str(uuid.uuid4())
    reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
    if _is_json_protocol(environ):
        if code == _THROTTLE[1]:
            code = _JSON_THROTTLE_CODE
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
    else:
        fault_type = "Sender" if status < 500 else "Receiver"
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{fault_type}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        # rest-json parsers read the code from this header whatever the body.
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", request_id),
        ("x-amz-request-id", request_id),
    ]
    return f"{status} {reason}", headers, body


class LocalAwsApp:
    """WSGI middleware around moto's DomainDispatcherApplication."""

    def __init__(
        self,
        inner: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
        fills: list[str],
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
        lost_answer_rate: float = 0.0,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if not 0.0 <= lost_answer_rate <= 1.0:
            raise ValueError("lost_answer_rate must be between 0 and 1")
        self.inner = inner
        self.fills = list(fills)
        self.fault_rate = fault_rate
        self.lost_answer_rate = lost_answer_rate
        self.lost_answers = 0
        self._random = random.Random(fault_seed)
        self._lock = threading.Lock()
        self.last_activity = time.monotonic()
        self.in_flight = 0
        self.aws_requests = 0
        self.faults_by_code: dict[str, int] = {}
        self.requests = RequestCounter()

    def fault_counts(self) -> dict[str, Any]:
        """How many AWS requests arrived and how many of them were answered with an injected fault."""
        with self._lock:
            return {
                "fault_rate": self.fault_rate,
                "lost_answer_rate": self.lost_answer_rate,
                "aws_requests": self.aws_requests,
                "lost_answers": self.lost_answers,
                "faults": sum(self.faults_by_code.values()),
                "by_code": dict(sorted(self.faults_by_code.items())),
            }

    def _pick_fault(self) -> tuple[int, str, str] | None:
        with self._lock:
            self.aws_requests += 1
            if self.fault_rate <= 0 or self._random.random() >= self.fault_rate:
                return None
            fault = _THROTTLE if self._random.random() < 0.5 else self._random.choice(_SERVER_FAULTS)
            self.faults_by_code[fault[1]] = self.faults_by_code.get(fault[1], 0) + 1
            return fault

    def _lose_answer(self) -> tuple[int, str, str] | None:
        """Whether to replace the answer of a request that moto has executed by a server fault."""
        if self.lost_answer_rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= self.lost_answer_rate:
                return None
            self.lost_answers += 1
            return self._random.choice(_SERVER_FAULTS)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse):
        with self._lock:
            self.in_flight += 1
            self.last_activity = time.monotonic()
        try:
            path = environ.get("PATH_INFO", "")
            if path == HEALTH_PATH:
                health: dict[str, Any] = {"status": "ok", "fills": self.fills}
                if MODEL.enabled:
                    health["latency_model"] = latency_summary()
                body = json.dumps(health).encode()
                start_response(
                    "200 OK",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                )
                return [body]
            if path in (FAULTS_PATH, TIMELINE_PATH):
                body = json.dumps(self.fault_counts() if path == FAULTS_PATH else MODEL.timeline()).encode()
                start_response(
                    "200 OK",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                )
                return [body]
            if path == REQUESTS_PATH:
                method = environ.get("REQUEST_METHOD", "GET")
                if method in ("DELETE", "POST"):
                    counts = self.requests.reset()
                elif method == "GET":
                    counts = self.requests.snapshot()
                else:
                    start_response("405 Method Not Allowed", [("Allow", "GET, POST, DELETE"), ("Content-Length", "0")])
                    return [b""]
                body = json.dumps(counts).encode()
                start_response(
                    "200 OK",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                )
                return [body]
            if not path.startswith(_UNFAULTED_PREFIXES):
                self.requests.count(environ)
                MODEL.settle()  # resources whose intermediate states have passed reach their final state
                fault = self._pick_fault()
                if fault is not None:
                    _drain_body(environ)
                    status, headers, body = fault_response(environ, *fault)
                    start_response(status, headers)
                    return [body]
                lost = self._lose_answer()
                if lost is not None:
                    # Executed, but the answer never reaches the caller (a dropped connection, a gateway timeout
                    # after the backend acted): the caller sees a server fault and retries a call that took effect.
                    list(self.inner(environ, lambda *_args, **_kwargs: None))
                    status, headers, body = fault_response(environ, *lost)
                    start_response(status, headers)
                    return [body]
            # Materialise the response so that the in-flight count covers it.
            return list(self.inner(environ, start_response))
        finally:
            with self._lock:
                self.in_flight -= 1
                self.last_activity = time.monotonic()


def latency_summary() -> dict[str, Any]:
    return {"model": MODEL.name, "time_scale": MODEL.scale, "consistency_seconds": MODEL.consistency_seconds}


def _drain_body(environ: dict[str, Any]) -> None:
    """Read the request body so a keep-alive connection stays in sync."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is not None and length > 0:
        stream.read(length)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(
    host: str = "127.0.0.1",
    port: int = 4566,
    idle_timeout: float = 0.0,
    parent_pid: int | None = None,
    fault_rate: float = 0.0,
    fault_seed: int | None = None,
    out=None,
    lost_answer_rate: float = 0.0,
    latency_model: str = "off",
    time_scale: float = 0.0,
    consistency_seconds: float | None = None,
) -> int:
    """Run localaws until SIGTERM/SIGINT, idle timeout or parent exit. Returns 0."""
    out = out or sys.stdout
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.server import DomainDispatcherApplication, create_backend_app

    from .fills import apply_all

    MODEL.configure(latency_model, time_scale, consistency_seconds)
    fills = apply_all()
    app = LocalAwsApp(
        DomainDispatcherApplication(create_backend_app), fills, fault_rate, fault_seed, lost_answer_rate
    )
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    bound_port = server.server_port
    # moto builds some URLs (SQS queue URLs, ...) from MOTO_PORT, as moto_server does.
    os.environ.setdefault("MOTO_PORT", str(bound_port))

    stopping = threading.Event()

    def stop(reason: str) -> None:
        if stopping.is_set():
            return
        stopping.set()
        print(f"localaws stopping: {reason}", file=sys.stderr, flush=True)
        if app.fault_rate > 0 or app.lost_answer_rate > 0:
            counts = app.fault_counts()
            print(
                f"localaws injected {counts['faults']} faults and lost {counts['lost_answers']} answers"
                f" in {counts['aws_requests']} AWS requests {counts['by_code']}",
                file=sys.stderr,
                flush=True,
            )
        # shutdown() blocks until serve_forever() returns: never call it on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    def on_signal(signum: int, _frame: Any) -> None:
        stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    original_ppid = os.getppid()

    def watchdog() -> None:
        while not stopping.is_set():
            time.sleep(1.0 if idle_timeout <= 0 else min(1.0, max(idle_timeout / 4, 0.05)))
            if parent_pid is not None:
                # A dead parent may linger as a zombie: being re-parented also counts.
                reparented = parent_pid == original_ppid and os.getppid() != parent_pid
                if reparented or not _process_exists(parent_pid):
                    stop(f"parent process {parent_pid} exited")
                    return
            if idle_timeout > 0:
                with app._lock:
                    idle_for = time.monotonic() - app.last_activity
                    busy = app.in_flight > 0
                if not busy and idle_for >= idle_timeout:
                    stop(f"idle for {idle_for:.1f}s")
                    return

    if parent_pid is not None or idle_timeout > 0:
        threading.Thread(target=watchdog, name="localaws-watchdog", daemon=True).start()

    if MODEL.enabled:
        print(
            f"localaws latency model {MODEL.name}: AWS durations x {MODEL.scale:g},"
            f" new resources invisible by id for {MODEL.consistency_seconds:g}s",
            file=sys.stderr,
            flush=True,
        )
    print(f"localaws listening on http://{host}:{bound_port}", file=out, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
