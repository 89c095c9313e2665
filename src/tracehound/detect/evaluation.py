"""``eval detection``: recall of the rules on labeled datasets, and noise on benign data.

Two label layouts are read: OTRF's ``labels_index.csv`` (id, platform, techniques, tactics,
path, events) and the EVTX-to-MITRE one (path + ``TAxxxx-Tactic/Txxxx-...`` folders). Every
labeled Windows file with events is scored; a file that cannot be read is a miss, never a skip.
Alerts are attributed to a dataset through their evidence rows' ``_Source``. A dataset is
technique-detected when an alert on its rows carries a labeled technique, its parent or a
sub-technique (compared through the ATT&CK crosswalk), tactic-detected likewise for tactics.
"""

from __future__ import annotations

import csv
import re
import shutil
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.attack import catalog
from tracehound.detect.db import SCHEMA
from tracehound.score import DetectionSettings
from tracehound.store import Store, quote_ident

TECHNIQUE_IN_PATH = re.compile(r"\b(T\d{4}(?:\.\d{3})?)\b")
TACTIC_IN_PATH = re.compile(r"\b(TA\d{4})\b")


@dataclass
class Labeled:
    id: str
    path: Path
    techniques: list[str]
    tactics: list[str]
    events: int


@dataclass
class DatasetScore:
    labeled: Labeled
    alerts: list[dict[str, Any]] = field(default_factory=list)
    high_incidents: int = 0
    error: str = ""

    def detected(self) -> tuple[bool, bool]:
        attack = catalog()
        techniques = {t for a in self.alerts for t in a["techniques"]}
        tactics = {attack.tactic_class(t) for a in self.alerts for t in a["tactics"]}
        tech_hit = any(
            attack.related(a, lab) for a in techniques for lab in self.labeled.techniques
        )
        tactic_hit = any(attack.tactic_class(lab) in tactics for lab in self.labeled.tactics)
        return tech_hit, tactic_hit


def read_labels(root: Path) -> tuple[list[Labeled], list[dict[str, str]]]:
    """Labeled Windows files with events under *root*, and the rows skipped with reasons."""
    index = root / "labels_index.csv"
    if not index.is_file():
        from tracehound.errors import UsageError

        raise UsageError(
            f"{index} not found",
            "point at a folder with labels_index.csv (OTRF or EVTX-to-MITRE layout)",
        )
    with index.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: list[Labeled] = []
    skipped: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in rows:
        rel = row.get("path", "")
        key = rel
        if key in seen:
            skipped.append(
                {"id": row.get("id", rel), "path": rel, "reason": "duplicate row for the same file"}
            )
            continue
        seen.add(key)
        labeled = _otrf(row, root) if "platform" in row else _evtx_to_mitre(row, root)
        if isinstance(labeled, str):
            skipped.append({"id": row.get("id", rel), "path": rel, "reason": labeled})
        else:
            out.append(labeled)
    return out, skipped


def _events(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def _otrf(row: dict[str, str], root: Path) -> Labeled | str:
    if "windows" not in row.get("platform", "").lower():
        return f"platform {row.get('platform')!r} is not Windows"
    events = _events(row.get("events"))
    if events <= 0:
        return "the file has no events"
    techniques = [t for t in row.get("techniques", "").split("|") if t]
    tactics = [t for t in row.get("tactics", "").split("|") if t]
    return Labeled(row.get("id") or row["path"], root / row["path"], techniques, tactics, events)


def _evtx_to_mitre(row: dict[str, str], root: Path) -> Labeled | str:
    rel = row.get("path", "")
    if _events(row.get("events")) <= 0:
        return "the file has no events"
    techniques = TECHNIQUE_IN_PATH.findall(rel)
    tactics = TACTIC_IN_PATH.findall(rel)
    if not techniques and not tactics:
        return "no ATT&CK label in the path"
    return Labeled(rel, root / rel, techniques, tactics, _events(row.get("events")))


def _ingest(store: Store, items: list[Labeled]) -> tuple[dict[str, str], list[Labeled]]:
    """Ingest each file; returns path -> error for unreadable files, and the files that share
    events with an earlier one (their duplicates were dropped, so they are scored on their own).
    """
    from tracehound.ingest.pipeline import ingest_paths

    errors: dict[str, str] = {}
    overlapping: list[Labeled] = []
    for item in items:
        if not item.path.is_file():
            errors[str(item.path)] = "file not found"
            continue
        try:
            summary = ingest_paths(store, [item.path])
        except Exception as exc:  # an unreadable file is a miss, not a stop
            errors[str(item.path)] = f"ingest failed: {str(exc).splitlines()[0][:200]}"
            continue
        if not sum(summary.inserted.values()) and not summary.duplicates:
            errors[str(item.path)] = "no events could be read"
        elif summary.duplicates:
            overlapping.append(item)
    return errors, overlapping


def _run(
    db: Path,
    settings: DetectionSettings,
    extra_rules: list[Path],
    builtin: bool,
    imported: Path | None,
) -> None:
    from tracehound.detect.service import detect
    from tracehound.rules.library import import_sigma

    with Store.open(db) as store:
        selected = None
        if imported is not None:
            import_sigma(store, imported)
            selected = ["sigma-*"]
        detect(
            store,
            settings,
            selected=selected,
            extra_rules=extra_rules if builtin else [],
            include_imported=imported is not None,
        )


def _score_store(
    data: Path,
    db: Path,
    settings: DetectionSettings,
    extra_rules: list[Path],
    builtin: bool,
    imported: Path | None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Detect on a copy of *data* and attribute the alerts to source files."""
    shutil.copy(data, db)
    _run(db, settings, extra_rules, builtin, imported)
    return _attribute(db)


def _attribute(db: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Source file -> alerts with evidence in it; source file -> High incidents touching it."""
    with Store.open(db, read_only=True) as store:
        alerts = store.con.execute(
            f"SELECT id, rule_id, techniques, tactics, evidence, confidence, band FROM {SCHEMA}.alerts"
            " WHERE suppressed_by IS NULL"
        ).fetchall()
        import json

        wanted: dict[str, set[str]] = defaultdict(set)
        parsed = []
        for aid, rule_id, techniques, tactics, evidence, confidence, band in alerts:
            items = json.loads(evidence) if evidence else []
            parsed.append((aid, rule_id, techniques or [], tactics or [], items, confidence, band))
            for item in items:
                wanted[item["table"]].add(item["row_id"])
        source_of: dict[str, str] = {}
        for table, ids in wanted.items():
            rows = store.con.execute(
                f"SELECT _RowId, _Source FROM {quote_ident(table)} WHERE _RowId IN (SELECT unnest($ids))",
                {"ids": list(ids)},
            ).fetchall()
            source_of.update({r: (s or "").split("!", 1)[0] for r, s in rows})
        by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
        alert_files: dict[str, set[str]] = {}
        for aid, rule_id, techniques, tactics, items, confidence, band in parsed:
            files = {source_of.get(i["row_id"], "") for i in items} - {""}
            alert_files[aid] = files
            for file in files:
                by_file[file].append(
                    {
                        "id": aid,
                        "rule_id": rule_id,
                        "techniques": techniques,
                        "tactics": tactics,
                        "confidence": confidence,
                        "band": band,
                    }
                )
        high: dict[str, int] = defaultdict(int)
        rows = store.con.execute(
            f"SELECT i.id, list(ia.alert_id) FROM {SCHEMA}.incidents i JOIN {SCHEMA}.incident_alerts ia"
            f" ON ia.incident_id = i.id WHERE i.band = 'High' GROUP BY i.id"
        ).fetchall()
        for _, alert_ids in rows:
            for file in set().union(*(alert_files.get(a, set()) for a in alert_ids)):
                high[file] += 1
    return by_file, high


def _summarize(scores: list[DatasetScore]) -> dict[str, Any]:
    flags = [s.detected() for s in scores]
    n = len(scores) or 1
    counts = [len(s.alerts) for s in scores]
    return {
        "datasets_scored": len(scores),
        "technique_recall": round(sum(t for t, _ in flags) / n, 4),
        "tactic_recall": round(sum(t for _, t in flags) / n, 4),
        "median_alerts": statistics.median(counts) if counts else 0,
        "median_high_incidents": statistics.median([s.high_incidents for s in scores])
        if scores
        else 0,
        "datasets_with_alerts": round(sum(1 for c in counts if c) / n, 4),
    }


def evaluate(
    root: Path,
    extra_rules: list[Path] | None = None,
    sigma_baseline: Path | None = None,
    settings: DetectionSettings | None = None,
) -> dict[str, Any]:
    """Score the built-in rules (plus *extra_rules*) and optionally a Sigma set on *root*."""
    settings = settings or DetectionSettings()
    labeled, skipped = read_labels(root)
    with tempfile.TemporaryDirectory(prefix="th-eval-") as tmp:
        base = Path(tmp) / "data.duckdb"
        with Store.open(base) as store:
            errors, overlapping = _ingest(store, labeled)
        results = {
            "tracehound": _score_store(
                base, Path(tmp) / "tracehound.duckdb", settings, extra_rules or [], True, None
            )
        }
        if sigma_baseline is not None:
            results["sigma"] = _score_store(
                base, Path(tmp) / "sigma.duckdb", settings, [], False, sigma_baseline
            )
        # Files whose events were already stored from another file: score each alone too.
        for item in overlapping:
            single = Path(tmp) / "single.duckdb"
            with Store.open(single) as store:
                _ingest(store, [item])
            alone = {
                "tracehound": _score_store(
                    single, Path(tmp) / "s-th.duckdb", settings, extra_rules or [], True, None
                )
            }
            if sigma_baseline is not None:
                alone["sigma"] = _score_store(
                    single, Path(tmp) / "s-sigma.duckdb", settings, [], False, sigma_baseline
                )
            key = str(item.path)
            for name, (by_file, high) in alone.items():
                results[name][0][key] = by_file.get(key, [])
                results[name][1][key] = high.get(key, 0)
            for leftover in Path(tmp).glob("s*.duckdb*"):
                leftover.unlink()
    document: dict[str, Any] = {"path": str(root), "skipped": skipped, "systems": {}}
    for name, (by_file, high) in results.items():
        scores = []
        for item in labeled:
            key = str(item.path)
            scores.append(
                DatasetScore(item, by_file.get(key, []), high.get(key, 0), errors.get(key, ""))
            )
        summary = _summarize(scores)
        document["systems"][name] = summary
        if name == "tracehound":
            document.update(summary)
            document["datasets"] = [_dataset(s) for s in scores]
            document["labeled_rules_not_fired"] = labeled_rules_not_fired(scores)
        else:
            document["baseline_datasets"] = [_dataset(s) for s in scores]
    return document


def labeled_rules_not_fired(scores: list[DatasetScore]) -> list[str]:
    """Built-in rules whose technique is labeled in this set but that alerted on none of it.

    Each is either a gap to fix or a rule that needs data this set lacks (docs/detections.md
    lists those with why).
    """
    from tracehound.rules.native import load_builtin

    attack = catalog()
    labels = {t for s in scores for t in s.labeled.techniques}
    fired = {a["rule_id"] for s in scores for a in s.alerts}
    return sorted(
        rule.id
        for rule in load_builtin().rules
        if rule.id not in fired
        and any(attack.related(t, lab) for t in rule.techniques for lab in labels)
    )


def _dataset(score: DatasetScore) -> dict[str, Any]:
    tech, tactic = score.detected()
    return {
        "id": score.labeled.id,
        "path": str(score.labeled.path),
        "techniques": score.labeled.techniques,
        "tactics": score.labeled.tactics,
        "error": score.error,
        "technique_detected": tech,
        "tactic_detected": tactic,
        "alerts": len(score.alerts),
        "high_incidents": score.high_incidents,
        "alert_rules": sorted({a["rule_id"] for a in score.alerts}),
        "alert_techniques": sorted({t for a in score.alerts for t in a["techniques"]}),
    }


def benign_noise(
    path: Path, settings: DetectionSettings | None = None, extra_rules: list[Path] | None = None
) -> dict[str, Any]:
    """Alerts and High incidents per host-day on data assumed benign (a store file or raw data)."""
    settings = settings or DetectionSettings()
    with tempfile.TemporaryDirectory(prefix="th-benign-") as tmp:
        db = Path(tmp) / "benign.duckdb"
        if path.is_file() and path.suffix == ".duckdb":
            shutil.copy(path, db)
        else:
            from tracehound.ingest.pipeline import ingest_paths

            with Store.open(db) as store:
                ingest_paths(store, [path])
        _run(db, settings, extra_rules or [], True, None)
        with Store.open(db, read_only=True) as store:
            host_days = _host_days(store)
            alerts = store.con.execute(
                f"SELECT count(*) FROM {SCHEMA}.alerts WHERE suppressed_by IS NULL"
            ).fetchall()[0][0]
            high = store.con.execute(
                f"SELECT count(*) FROM {SCHEMA}.incidents WHERE band = 'High'"
            ).fetchall()[0][0]
            by_rule = store.con.execute(
                f"SELECT rule_id, count(*) FROM {SCHEMA}.alerts GROUP BY ALL ORDER BY 2 DESC"
            ).fetchall()
    per = 100.0 / host_days if host_days else 0.0
    return {
        "path": str(path),
        "host_days": host_days,
        "alerts": int(alerts),
        "high_incidents": int(high),
        "alerts_per_100_host_days": round(alerts * per, 2),
        "high_incidents_per_100_host_days": round(high * per, 2),
        "alerts_by_rule": {r: int(n) for r, n in by_rule},
    }


def _host_days(store: Store) -> int:
    from tracehound.detect.runner import table_counts

    parts = []
    for table, count in table_counts(store).items():
        if not count:
            continue
        from tracehound.schema import get_table

        names = set(get_table(table).names)
        host = next((c for c in ("DeviceName", "Computer") if c in names), None)
        if host:
            parts.append(
                f"SELECT lower({quote_ident(host)}) AS h, date_trunc('day', Timestamp) AS d FROM {quote_ident(table)}"
            )
    if not parts:
        return 0
    sql = f"SELECT count(*) FROM (SELECT DISTINCT h, d FROM ({' UNION ALL '.join(parts)}) WHERE h IS NOT NULL)"
    return int(store.con.execute(sql).fetchall()[0][0])
