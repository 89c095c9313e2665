"""The rule library as a store sees it: built-ins, imported Sigma, state and suppressions.

Enabling, disabling and suppressing are overlays kept in the store (``tracehound_detect``);
rule files are never edited. A suppression names a rule, optionally one entity value, a reason
and an expiry; expired suppressions stop applying on their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from tracehound.detect.db import SCHEMA, ensure_tables
from tracehound.errors import UsageError
from tracehound.rules.model import Rule
from tracehound.rules.native import LoadProblem, load_builtin, load_files
from tracehound.rules.sigma import SigmaConverter, SigmaSource, read_sources
from tracehound.store import Store


@dataclass
class ImportReport:
    origin: str
    converted: list[tuple[str, str]] = field(default_factory=list)  # (path, rule id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "converted": len(self.converted),
            "skipped": len(self.skipped),
            "rules": [{"path": p, "id": i} for p, i in self.converted],
            "skipped_rules": [{"path": p, "reason": r} for p, r in self.skipped],
            "notes": [{"path": p, "note": n} for p, n in self.notes],
        }


@dataclass
class Library:
    rules: list[Rule]
    problems: list[LoadProblem]
    disabled: set[str]

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.id not in self.disabled]

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UsageError(f"no rule with id {rule_id!r}", "list ids with `tracehound rules list`")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _unique(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per key (the first column), the last one winning, as row-by-row upserts did."""
    return list({row[0]: row for row in rows}.values())


def store_cache(store: Store) -> dict[str, tuple[str | None, str | None]]:
    rows = store.con.execute(f"SELECT key, kql, error FROM {SCHEMA}.sigma_cache").fetchall()
    return {k: (q, e) for k, q, e in rows}


def save_cache(store: Store, converter: SigmaConverter) -> None:
    if store.read_only or not converter.new_entries:
        return
    rows = [(k, q, e, _now()) for k, (q, e) in converter.new_entries.items()]
    columns = ["key", "kql", "error", "created_at"]
    store.insert_many(f"{SCHEMA}.sigma_cache", columns, _unique(rows), replace=True)
    converter.new_entries.clear()


def convert_sources(
    sources: Iterable[SigmaSource], origin: str, converter: SigmaConverter
) -> tuple[list[Rule], ImportReport]:
    report = ImportReport(origin)
    rules: dict[str, Rule] = {}
    for source in sources:
        outcome = converter.convert(source, origin)
        for note in outcome.notes:
            report.notes.append((source.path, note))
        if outcome.rule is None:
            report.skipped.append((source.path, outcome.skipped))
        elif outcome.rule.id in rules:
            report.skipped.append((source.path, f"duplicate Sigma id {outcome.rule.id}"))
        else:
            rules[outcome.rule.id] = outcome.rule
            report.converted.append((source.path, outcome.rule.id))
    return list(rules.values()), report


def import_sigma(store: Store, path: Path, origin: str | None = None) -> ImportReport:
    """Convert every Sigma rule under *path* and keep the converted ones in the store."""
    ensure_tables(store)
    origin = origin or path.name
    converter = SigmaConverter(store_cache(store))
    sources = {s.path: s for s in read_sources(path)}
    rules, report = convert_sources(sources.values(), origin, converter)
    rows = [(r.id, origin, r.location, sources[r.location].text, _now()) for r in rules]
    with store.transaction():
        columns = ["id", "origin", "path", "sigma_yaml", "imported_at"]
        store.insert_many(f"{SCHEMA}.imported_rules", columns, _unique(rows), replace=True)
        save_cache(store, converter)
    return report


def imported_rules(store: Store) -> list[Rule]:
    rows = store.con.execute(
        f"SELECT origin, path, sigma_yaml FROM {SCHEMA}.imported_rules ORDER BY id"
    ).fetchall()
    if not rows:
        return []
    converter = SigmaConverter(store_cache(store))
    rules: list[Rule] = []
    for origin, path, text in rows:
        outcome = converter.convert(SigmaSource(path, text), origin)
        if outcome.rule is not None:
            rules.append(outcome.rule)
    save_cache(store, converter)
    return rules


def load_paths(
    paths: Iterable[Path], converter: SigmaConverter | None = None
) -> tuple[list[Rule], list[LoadProblem]]:
    """Rules from ``--rules`` paths: native YAML files (a ``rules:`` list) or Sigma files."""
    rules: list[Rule] = []
    problems: list[LoadProblem] = []
    for path in paths:
        if _is_native(path):
            loaded = load_files([path], source=f"custom:{path}")
            rules += loaded.rules
            problems += loaded.problems
            continue
        converter = converter or SigmaConverter()
        found, report = convert_sources(read_sources(path), str(path), converter)
        rules += found
        problems += [LoadProblem(p, "", reason) for p, reason in report.skipped]
    return rules, problems


def _is_native(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in (".yml", ".yaml"):
        return False
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(document, dict) and isinstance(document.get("rules"), list)


def library(
    store: Store | None, extra: Iterable[Path] = (), include_imported: bool = True
) -> Library:
    """Built-in + imported + *extra* rules, with the store's enabled/disabled overlay."""
    builtin = load_builtin()
    rules = list(builtin.rules)
    problems = list(builtin.problems)
    disabled: set[str] = set()
    if store is not None:
        ensure_tables(store)
        if include_imported:
            rules += imported_rules(store)
        disabled = {
            rid
            for rid, enabled in store.con.execute(
                f"SELECT rule_id, enabled FROM {SCHEMA}.rule_state"
            ).fetchall()
            if not enabled
        }
    custom, custom_problems = load_paths(extra)
    known = {r.id for r in rules}
    rules += [r for r in custom if r.id not in known]
    problems += custom_problems
    return Library(rules, problems, disabled)


def set_enabled(store: Store, rule_ids: list[str], enabled: bool, reason: str = "") -> None:
    ensure_tables(store)
    rows = [(rid, enabled, _now(), reason) for rid in rule_ids]
    columns = ["rule_id", "enabled", "changed_at", "reason"]
    store.insert_many(f"{SCHEMA}.rule_state", columns, _unique(rows), replace=True)


@dataclass(frozen=True)
class Suppression:
    id: str
    rule_id: str
    entity_kind: str | None
    entity_value: str | None
    reason: str
    expires_at: datetime
    created_at: datetime

    def covers(self, rule_id: str, entities: dict[str, list[str]], now: datetime) -> bool:
        if self.expires_at <= now or self.rule_id not in (rule_id, "*"):
            return False
        if not self.entity_kind:
            return True
        values = {v.lower() for v in entities.get(self.entity_kind, [])}
        return (self.entity_value or "").lower() in values


def add_suppression(
    store: Store,
    rule_id: str,
    reason: str,
    expires_at: datetime,
    entity: tuple[str, str] | None = None,
) -> Suppression:
    if not reason.strip():
        raise UsageError("a suppression needs a reason", "pass --reason TEXT")
    now = _now()
    if expires_at <= now:
        raise UsageError(
            f"expiry {expires_at:%Y-%m-%d %H:%M} is in the past", "pass a future --until"
        )
    ensure_tables(store)
    kind, value = entity if entity else (None, None)
    sid = (
        "sup-"
        + hashlib.sha1(
            json.dumps([rule_id, kind, value, reason, now.isoformat()]).encode()
        ).hexdigest()[:12]
    )
    item = Suppression(sid, rule_id, kind, value, reason.strip(), expires_at, now)
    store.con.execute(
        f"INSERT INTO {SCHEMA}.suppressions VALUES (?, ?, ?, ?, ?, ?, ?)",
        [item.id, rule_id, kind, value, item.reason, expires_at, now],
    )
    return item


def suppressions(store: Store, include_expired: bool = False) -> list[Suppression]:
    ensure_tables(store)
    rows = store.con.execute(
        f"SELECT id, rule_id, entity_kind, entity_value, reason, expires_at, created_at "
        f"FROM {SCHEMA}.suppressions ORDER BY created_at"
    ).fetchall()
    items = [Suppression(*row) for row in rows]
    now = _now()
    return items if include_expired else [s for s in items if s.expires_at > now]
