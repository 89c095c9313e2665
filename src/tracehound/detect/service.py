"""``detect`` end to end: choose the window, run enabled rules, suppress, score, save, group.

With no explicit window the first run scans the whole store and each later run only rows
ingested since the previous complete run (the ``_IngestedAt`` watermark), so re-running
``detect`` after an ingest costs only the new data.

On a remote backend (Log Analytics, Azure Data Explorer) the queries go there while alerts,
incidents and runs stay in the local store; with no window such a run reads the last
``REMOTE_LOOKBACK`` of event time, because Tracehound's ``_IngestedAt`` watermark is not a
column those services have.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracehound.backends.base import LogBackend
from tracehound.backends.local import LocalBackend
from tracehound.detect.alerts import Alert
from tracehound.detect.db import SCHEMA, ensure_tables
from tracehound.detect.queries import ScanWindow
from tracehound.detect.runner import DetectionResult, RuleOutcome, run_rules, table_counts
from tracehound.errors import UsageError
from tracehound.rules.library import Library, library, suppressions
from tracehound.rules.model import Rule
from tracehound.score import DetectionSettings, ScoringContext, load_assets, score_all
from tracehound.store import Store, quote_ident


@dataclass
class DetectReport:
    run_id: str
    window: ScanWindow
    result: DetectionResult
    rules: int
    incidents: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        counts = self.result.counts()
        return {
            "run_id": self.run_id,
            "window": {
                "from": _iso(self.window.start),
                "to": _iso(self.window.end),
                "ingested_after": _iso(self.window.ingested_after),
            },
            "rules": self.rules,
            "rules_run": counts.get("ok", 0),
            "queries": self.result.queries,
            "alerts": [a.as_dict() for a in self.result.alerts],
            "incidents_touched": self.incidents,
            "skipped": [_outcome(o) for o in self.result.outcomes if o.status == "skipped"],
            "failed": [_outcome(o) for o in self.result.outcomes if o.status == "failed"],
            "load_problems": self.problems,
        }


def _outcome(o: RuleOutcome) -> dict[str, Any]:
    return {"rule_id": o.rule_id, "reason": o.reason}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=None).isoformat() + "Z"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def select_rules(lib: Library, selected: list[str] | None) -> list[Rule]:
    """Enabled rules, or exactly the named ones (ids or glob patterns) when given."""
    if not selected:
        return lib.enabled()
    import fnmatch

    chosen = [r for r in lib.rules if any(fnmatch.fnmatch(r.id, p) for p in selected)]
    if not chosen:
        raise UsageError(f"no rule matches {', '.join(selected)}", "see `tracehound rules list`")
    return chosen


#: Event time a remote run without ``--from`` reads (schedule remote runs with a window).
REMOTE_LOOKBACK = timedelta(hours=24)


def incremental_window(store: Store) -> ScanWindow:
    row = store.con.execute(
        f"SELECT max(ingested_upto) FROM {SCHEMA}.runs WHERE complete AND window_from IS NULL AND window_to IS NULL"
    ).fetchall()
    after = row[0][0] if row else None
    return ScanWindow(ingested_after=after)


def ingested_upto(store: Store) -> datetime | None:
    tables = [t for t, n in table_counts(store).items() if n]
    if not tables:
        return None
    parts = " UNION ALL ".join(
        f"SELECT max(_IngestedAt) AS m FROM {quote_ident(t)}" for t in tables
    )
    value = store.con.execute(f"SELECT max(m) FROM ({parts})").fetchall()[0][0]
    return value if isinstance(value, datetime) else None


Progress = Callable[[int, int], None]


def detect(
    store: Store,
    settings: DetectionSettings,
    start: datetime | None = None,
    end: datetime | None = None,
    selected: list[str] | None = None,
    extra_rules: list[Path] | None = None,
    include_imported: bool = True,
    share_scans: bool = True,
    progress: Progress | None = None,
    backend: LogBackend | None = None,
) -> DetectReport:
    """Run detection over *backend* (default: *store*) and keep alerts and incidents in *store*."""
    store.require_writable()
    ensure_tables(store)
    lib = library(store, extra_rules or [], include_imported=include_imported)
    rules = select_rules(lib, selected)
    started = _now()
    remote = backend is not None and not isinstance(backend, LocalBackend)
    if remote and start is None and end is None:
        start = started - REMOTE_LOOKBACK
    explicit = start is not None or end is not None
    window = ScanWindow(start=start, end=end) if explicit else incremental_window(store)
    upto = None if remote else ingested_upto(store)
    run_id = "run-" + hashlib.sha1(f"{started.isoformat()}{id(store)}".encode()).hexdigest()[:12]
    backend = backend or LocalBackend(store)
    result = run_rules(backend, rules, window, share_scans=share_scans, progress=progress)
    _apply_suppressions(store, result.alerts)
    context = scoring_context(store, backend, settings, result.alerts)
    score_all(result.alerts, context)
    save_alerts(store, result.alerts, run_id)
    from tracehound.incidents import group_alerts

    touched = group_alerts(store, result.alerts, settings)
    counts = result.counts()
    store.con.execute(
        f"INSERT INTO {SCHEMA}.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            started,
            _now(),
            _naive(start),
            _naive(end),
            window.ingested_after,
            upto,
            counts.get("ok", 0),
            counts.get("skipped", 0),
            counts.get("failed", 0),
            len(result.alerts),
            True,
        ],
    )
    problems = [
        {"location": p.location, "rule_id": p.rule_id, "reason": p.reason} for p in lib.problems
    ]
    return DetectReport(run_id, window, result, len(rules), touched, problems)


def _naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _utc(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as this run's alerts carry theirs: aware, so they compare."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _apply_suppressions(store: Store, alerts: list[Alert]) -> None:
    active = suppressions(store)
    if not active:
        return
    now = _now()
    for alert in alerts:
        for item in active:
            if item.covers(alert.rule_id, alert.entities, now):
                alert.suppressed_by = item.id
                break


def scoring_context(
    store: Store, backend: LogBackend, settings: DetectionSettings, alerts: list[Alert]
) -> ScoringContext:
    from tracehound.incidents import feedback

    context = ScoringContext(settings=settings, assets=load_assets(settings.assets_file))
    context.feedback = feedback(store)
    context.neighbours = stored_neighbours(store, alerts)
    names = sorted({str(a.details.get("FileName", "")).lower() for a in alerts} - {""})
    if names and backend.tables().get("DeviceProcessEvents", 0) != 0:
        fleet = backend.query("DeviceProcessEvents | summarize hosts = dcount(DeviceName)")
        context.fleet_size = int(fleet.table.to_pylist()[0]["hosts"] or 0)
        answer = backend.query(
            "declare query_parameters(names:dynamic);\n"
            "DeviceProcessEvents | extend name = tolower(FileName) | where name in (names)"
            " | summarize hosts = dcount(DeviceName) by name",
            parameters={"names": names},
        )
        context.prevalence = {r["name"]: int(r["hosts"]) for r in answer.table.to_pylist()}
    return context


def stored_neighbours(store: Store, alerts: list[Alert]) -> list[Alert]:
    """Alerts already stored (earlier runs) that may corroborate this run's alerts."""
    ids = {a.id for a in alerts}
    rows = store.con.execute(
        f"SELECT id, rule_id, tactics, entities, first_seen, last_seen FROM {SCHEMA}.alerts"
        " WHERE suppressed_by IS NULL"
    ).fetchall()
    out = []
    for rid, rule_id, tactics, entities, first, last in rows:
        if rid in ids:
            continue
        out.append(
            Alert(
                rid,
                rule_id,
                "",
                "low",
                (),
                tuple(tactics or ()),
                _utc(first),
                _utc(last),
                json.loads(entities) if entities else {},
                [],
                0,
                {},
            )
        )
    return out


#: Columns of the alerts table, in the order save_alerts builds its rows.
ALERT_COLUMNS = [
    "id",
    "rule_id",
    "title",
    "severity",
    "techniques",
    "tactics",
    "first_seen",
    "last_seen",
    "entities",
    "evidence",
    "evidence_count",
    "details",
    "confidence",
    "band",
    "factors",
    "suppressed_by",
    "run_id",
    "created_at",
]


def save_alerts(store: Store, alerts: list[Alert], run_id: str) -> None:
    now = _now()
    rows = [
        (
            a.id,
            a.rule_id,
            a.title,
            a.severity,
            list(a.techniques),
            list(a.tactics),
            _naive(a.first_seen),
            _naive(a.last_seen),
            json.dumps(a.entities),
            json.dumps([{"table": t, "row_id": r} for t, r in a.evidence]),
            a.evidence_count,
            json.dumps(a.details, default=str),
            a.confidence,
            a.band,
            json.dumps(a.factors),
            a.suppressed_by,
            run_id,
            now,
        )
        for a in {a.id: a for a in alerts}.values()  # one row per id: the last one wins
    ]
    store.insert_many(f"{SCHEMA}.alerts", ALERT_COLUMNS, rows, replace=True)
