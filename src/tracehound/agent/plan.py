"""The offline plan: entities, time range, resolved devices and the hunts to run.

Retrieval ranks the hunt library with BM25 over the request; a hunt is kept when it scores
at least ``MIN_RELATIVE`` of the best one, and when none scores (a vague worry about a named
host) every hunt scoped to the named kind of entity runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracehound.backends.base import LogBackend

from . import timerange
from .devices import DeviceResolution, known_devices, resolve
from .entities import Entities, extract
from .generic_query import GenericQuery, build
from .library import Hunt, load_library
from .retrieval import BM25
from .tables import TableChoice, select_tables

MIN_RELATIVE = 0.5
MIN_SCORE = 1.0
MAX_HUNTS = 4


@dataclass(frozen=True)
class HuntPlan:
    request: str
    entities: Entities
    time_range: timerange.TimeRange
    devices: tuple[DeviceResolution, ...]
    hunts: tuple[Hunt, ...]
    intent: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    tables: TableChoice = field(default_factory=lambda: TableChoice((), {}, {}))

    def generic_queries(self) -> list[GenericQuery]:
        """A simple query per chosen table, scoped to the named entities: a resolved device
        name when there is one, else the name as asked (matched exactly, so never widened)."""
        hosts = [d.resolved for d in self.devices if d.resolved] or None
        return [build(t, self.entities, hosts) for t in self.tables.tables]

    def parameters_for(self, hunt: Hunt) -> dict[str, Any] | None:
        """Entity values for the scopes the hunt supports (resolved devices only).

        None when the request named a host that did not resolve and the hunt would otherwise
        run over every host: a guess is never widened into the whole estate.
        """
        params: dict[str, Any] = {}
        hosts = [d.resolved for d in self.devices if d.resolved]
        if self.entities.hosts and not hosts and self.devices and "host" in hunt.scope:
            return None
        if "host" in hunt.scope and hosts:
            params["host"] = hosts[0]
        if "account" in hunt.scope and self.entities.accounts:
            params["account"] = self.entities.accounts[0]
        if "ip" in hunt.scope and self.entities.ips:
            params["ip"] = self.entities.ips[0]
        return params

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "entities": self.entities.as_dict(),
            "devices": [
                {"asked": d.asked, "resolved": d.resolved, "suggestions": list(d.suggestions)}
                for d in self.devices
            ],
            "time_range": {
                "start": self.time_range.start.isoformat(),
                "end": self.time_range.end.isoformat(),
                "reason": self.time_range.reason,
            },
            "hunts": [h.id for h in self.hunts],
            "tables": self.tables.as_dict(),
        }


def choose_hunts(request: str, entities: Entities, hosts: list[str]) -> list[Hunt]:
    library = load_library()
    hits = BM25([h.text for h in library]).search(request, limit=MAX_HUNTS, min_score=MIN_SCORE)
    if hits:
        best = hits[0].score
        return [library[h.index] for h in hits if h.score >= best * MIN_RELATIVE]
    scopes = {"host"} if hosts else set()
    scopes |= {"account"} if entities.accounts else set()
    scopes |= {"ip"} if entities.ips else set()
    return [h for h in library if scopes & set(h.scope)]


def make_plan(request: str, backend: LogBackend, now: datetime) -> HuntPlan:
    entities = extract(request)
    window = timerange.parse(request, now)
    notes: list[str] = []
    devices: list[DeviceResolution] = []
    if entities.hosts:
        names = known_devices(backend)
        for asked in entities.hosts:
            found = resolve(asked, names)
            if found.resolved or found.suggestions:
                devices.append(found)
            if not found.resolved and found.suggestions:
                notes.append(found.reason + " (not used: confirm the name and ask again)")
    hosts = [d.resolved for d in devices if d.resolved]
    tables = select_tables(request, populated_tables(backend))
    hunts = choose_hunts(request, entities, hosts)
    if not hunts:
        notes.append("no hunt in the library matches the request; describe the behaviour")
    intent = hunts[0].title if hunts else "unknown"
    return HuntPlan(
        request, entities, window, tuple(devices), tuple(hunts), intent, tuple(notes), tables
    )


def populated_tables(backend: LogBackend) -> set[str] | None:
    """Tables holding rows: the selector chooses among them (all tables when none has rows)."""
    held = {t for t, n in backend.tables().items() if n}
    return held or None
