"""The latency model: resources pass through AWS's intermediate states for AWS's durations times a scale.

Off by default (scale 0): every create, change and deletion takes effect at once, as moto does. With
``--latency-model aws --time-scale S`` a fill starts a *timeline* on a moto object: a list of
(state, AWS seconds) phases that the object's status attribute reports in turn, each lasting its AWS
duration times S, then a final state and an optional completion (a deletion removes the object). The
refusals live in the fills and look at the status only, so they hold whatever makes the status.

A fresh resource can also be *invisible* for the first moments after its creation (EC2's eventual
consistency): that window is not scaled, since it is API propagation, not provisioning.

    timed_attribute(NatGateway, "state")                     # once, in a fill's apply()
    MODEL.start(gateway, "state", [("pending", 90)], final="available")
    MODEL.settle()                                          # the server calls it before each request

Each timeline started is also kept in a *log* (``MODEL.timeline()``, served as ``/_localaws/timeline``): the
resource's type and id, the state it entered, when it was requested and when its last phase ends (epoch seconds),
so a benchmark can see what the model made wait, and for how long.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

MODELS = ("off", "aws")
ENV_MODEL = "LOCALAWS_LATENCY_MODEL"
ENV_SCALE = "LOCALAWS_TIME_SCALE"
ENV_CONSISTENCY = "LOCALAWS_CONSISTENCY_SECONDS"
DEFAULT_CONSISTENCY_SECONDS = 5.0

# The attributes that name a modelled object in the timeline log, the first one it has.
ID_ATTRIBUTES = (
    "replication_group_id", "db_instance_identifier", "db_cluster_identifier", "mount_target_id", "snapshot_name",
    "arn", "id", "name",
)

# AWS durations in seconds (the middle of the ranges in tools/localaws/README.md, "Latency model", with sources).
AWS_SECONDS = {
    "nat_gateway.pending": 90,
    "nat_gateway.deleting": 60,
    "replication_group.creating": 600,
    "replication_group.modifying": 300,
    "replication_group.snapshotting": 300,
    "replication_group.deleting": 300,
    "db_instance.creating": 540,
    "db_instance.deleting": 300,
    # The cluster is "deleting" until its last instance has gone (DeleteDBCluster accepts deleting instances): no
    # time of its own; fills/rds.py gives it the instances' remaining time.
    "db_cluster.deleting": 0,
    "db_cluster.modifying": 60,
    "load_balancer.provisioning": 150,
    "mount_target.creating": 90,
    "mount_target.deleting": 60,
}


@dataclass
class Timeline:
    obj: Any
    attr: str
    phases: list[tuple[str, float]]  # (state, seconds already scaled)
    final: Optional[str]
    on_done: Optional[Callable[[], None]]
    started: float = field(default_factory=time.monotonic)

    def state_at(self, now: float) -> Optional[str]:
        """The phase's state at ``now``, or None once every phase has passed."""
        elapsed = now - self.started
        for state, seconds in self.phases:
            if elapsed < seconds:
                return state
            elapsed -= seconds
        return None


class LatencyModel:
    def __init__(self) -> None:
        self.name = "off"
        self.scale = 0.0
        self.consistency_seconds = 0.0
        self._lock = threading.RLock()
        self._timelines: dict[tuple[int, str], Timeline] = {}
        self._born: dict[int, tuple[Any, float]] = {}
        self._log: list[dict[str, Any]] = []

    @property
    def enabled(self) -> bool:
        return self.name == "aws" and self.scale > 0

    def configure(self, name: str = "off", scale: float = 0.0, consistency_seconds: Optional[float] = None) -> None:
        if name not in MODELS:
            raise ValueError(f"latency model must be one of {', '.join(MODELS)}, got {name!r}")
        if scale < 0:
            raise ValueError(f"time scale must be >= 0, got {scale}")
        with self._lock:
            self.name, self.scale = name, float(scale)
            if consistency_seconds is None:
                consistency_seconds = DEFAULT_CONSISTENCY_SECONDS if self.enabled else 0.0
            self.consistency_seconds = float(consistency_seconds) if self.enabled else 0.0
            self._timelines.clear()
            self._born.clear()
            self._log.clear()

    def seconds(self, key: str) -> float:
        """AWS's duration of ``key`` (see AWS_SECONDS) under the model's scale."""
        return AWS_SECONDS[key] * self.scale

    def start(
        self,
        obj: Any,
        attr: str,
        phases: Sequence[tuple[str, str]],
        final: Optional[str] = None,
        on_done: Optional[Callable[[], None]] = None,
        at_least: float = 0.0,
    ) -> None:
        """Let ``obj.attr`` report each (state, AWS_SECONDS key) phase in turn, then ``final``, then run ``on_done``.

        With the model off the final state and the completion apply at once. ``at_least`` (unscaled seconds) is
        the shortest the phases may last together (a resource is not ready before it is visible)."""
        if not self.enabled:
            if final is not None:
                setattr(obj, attr, final)
            if on_done is not None:
                on_done()
            return
        scaled = [(state, self.seconds(key)) for state, key in phases]
        total = sum(seconds for _state, seconds in scaled)
        if scaled and total < at_least:
            scaled[-1] = (scaled[-1][0], scaled[-1][1] + at_least - total)
        with self._lock:
            self._timelines[(id(obj), attr)] = Timeline(obj, attr, scaled, final, on_done)
            requested = time.time()
            self._log.append({
                "type": phases[0][1].split(".", 1)[0] if phases else type(obj).__name__,
                "id": _name_of(obj),
                "state": scaled[0][0] if scaled else final,
                "final": final,
                "requested_at": requested,
                "ready_at": requested + sum(seconds for _state, seconds in scaled),
            })

    def timeline(self) -> list[dict[str, Any]]:
        """Every timeline started since the model was configured, in the order they were started."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def current(self, obj: Any, attr: str) -> tuple[bool, Optional[str]]:
        """(True, state) while a timeline of ``obj.attr`` runs or has ended unsettled, else (False, None)."""
        timeline = self._timelines.get((id(obj), attr))
        if timeline is None:
            return False, None
        state = timeline.state_at(time.monotonic())
        if state is None:
            return (timeline.final is not None), timeline.final
        return True, state

    def remaining(self, obj: Any, attr: str) -> float:
        """Seconds until the timeline of ``obj.attr`` ends (0 when none runs)."""
        timeline = self._timelines.get((id(obj), attr))
        if timeline is None:
            return 0.0
        return max(0.0, sum(seconds for _state, seconds in timeline.phases) - (time.monotonic() - timeline.started))

    def busy(self, obj: Any, attr: str) -> Optional[str]:
        """The intermediate state ``obj.attr`` is in, or None when no phase runs."""
        timeline = self._timelines.get((id(obj), attr))
        return timeline.state_at(time.monotonic()) if timeline is not None else None

    def settle(self) -> None:
        """Apply the final state and completion of every timeline that has ended, and forget old births."""
        now = time.monotonic()
        with self._lock:
            ended = [key for key, timeline in self._timelines.items() if timeline.state_at(now) is None]
            done = [self._timelines.pop(key) for key in ended]
            for key in [key for key, (_obj, born) in self._born.items() if now - born >= self.consistency_seconds]:
                del self._born[key]
        for timeline in done:
            if timeline.final is not None:
                setattr(timeline.obj, timeline.attr, timeline.final)
            if timeline.on_done is not None:
                timeline.on_done()

    def born(self, obj: Any) -> None:
        """Mark ``obj`` as created now: invisible to lookups by id for the consistency window."""
        if self.enabled and self.consistency_seconds > 0:
            with self._lock:
                self._born[id(obj)] = (obj, time.monotonic())

    def invisible(self, obj: Any) -> bool:
        entry = self._born.get(id(obj))
        return entry is not None and time.monotonic() - entry[1] < self.consistency_seconds


def _name_of(obj: Any) -> str:
    for attr in ID_ATTRIBUTES:
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return repr(obj)


MODEL = LatencyModel()


class _TimedAttribute:
    """A data descriptor: the model's state while a timeline runs on the object, else the stored value."""

    def __init__(self, attr: str, underlying: Any) -> None:
        self.attr = attr
        # The stored value keeps the attribute's own name in the instance dict (a data descriptor wins over it), so
        # moto code that reads __dict__ (EFS info_json, RDS copies) still finds the attribute.
        self.store = attr
        self.underlying = underlying  # a property the class had (moto's RDS cluster status), or None

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        running, state = MODEL.current(obj, self.attr)
        if running:
            return state
        if self.underlying is not None:
            return self.underlying.__get__(obj, owner)
        try:
            return obj.__dict__[self.store]
        except KeyError:
            raise AttributeError(self.attr) from None

    def __set__(self, obj: Any, value: Any) -> None:
        if self.underlying is not None:
            self.underlying.__set__(obj, value)
        else:
            obj.__dict__[self.store] = value


def timed_attribute(cls: type, attr: str) -> None:
    """Let MODEL drive ``cls.attr`` (idempotent). Existing instances keep their value."""
    if isinstance(cls.__dict__.get(attr), _TimedAttribute):
        return
    underlying = cls.__dict__.get(attr)
    if underlying is not None and not hasattr(underlying, "__get__"):
        underlying = None
    descriptor = _TimedAttribute(attr, underlying)
    setattr(cls, attr, descriptor)


def configure_from_env(environ: Optional[dict[str, str]] = None) -> tuple[str, float, Optional[float]]:
    """(model, scale, consistency seconds or None) from LOCALAWS_LATENCY_MODEL / _TIME_SCALE / _CONSISTENCY_SECONDS."""
    environ = os.environ if environ is None else environ
    name = environ.get(ENV_MODEL) or "off"
    scale = float(environ.get(ENV_SCALE) or 0.0)
    consistency = environ.get(ENV_CONSISTENCY)
    return name, scale, float(consistency) if consistency else None
