"""Native analytics: YAML files holding a list of rules (see docs/detections.md for the format).

Loading validates everything a run would trip on later: unknown keys, severities, ATT&CK ids
(against the offline catalog and its crosswalk), table names, threshold names. Problems are
collected per rule with the file and index, so one bad rule never hides the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tracehound.attack import catalog
from tracehound.rules.model import ENTITY_KINDS, Fidelity, Rule, RuleTestCase, Severity
from tracehound.schema import get_table

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,80}$")
REQUIRED = ("id", "title", "severity", "techniques", "tables", "query")
ALLOWED = {
    *REQUIRED,
    "description",
    "fidelity",
    "status",
    "entities",
    "time",
    "evidence",
    "evidence_table",
    "thresholds",
    "group_window_minutes",
    "tags",
    "tests",
    "lab_only",
}


@dataclass(frozen=True)
class LoadProblem:
    """A rule that could not be loaded: where it is and why."""

    location: str
    rule_id: str
    reason: str


@dataclass
class LoadResult:
    rules: list[Rule]
    problems: list[LoadProblem]


def builtin_files() -> list[Path]:
    """The YAML files of the built-in library (package data)."""
    folder = resources.files("tracehound.rules").joinpath("builtin")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_builtin() -> LoadResult:
    return load_files(builtin_files(), source="builtin")


def load_files(paths: Iterable[Path], source: str) -> LoadResult:
    result = LoadResult([], [])
    seen: dict[str, str] = {}
    for path in paths:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            result.problems.append(LoadProblem(str(path), "", f"cannot read YAML: {exc}"))
            continue
        entries = document.get("rules") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            result.problems.append(
                LoadProblem(str(path), "", "expected a mapping with a `rules:` list")
            )
            continue
        for index, entry in enumerate(entries):
            location = f"{path}#{index}"
            try:
                rule = parse_rule(entry, location, source)
            except ValueError as exc:
                rid = str(entry.get("id", "")) if isinstance(entry, dict) else ""
                result.problems.append(LoadProblem(location, rid, str(exc)))
                continue
            if rule.id in seen:
                result.problems.append(
                    LoadProblem(location, rule.id, f"duplicate rule id (first at {seen[rule.id]})")
                )
                continue
            seen[rule.id] = location
            result.rules.append(rule)
    return result


def parse_rule(entry: Any, location: str, source: str) -> Rule:
    """One YAML mapping -> :class:`Rule`; ValueError says what is wrong and how to fix it."""
    if not isinstance(entry, dict):
        raise ValueError("a rule must be a mapping")
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise ValueError(f"missing keys: {', '.join(missing)}")
    unknown = sorted(set(entry) - ALLOWED)
    if unknown:
        raise ValueError(
            f"unknown keys: {', '.join(unknown)} (allowed: {', '.join(sorted(ALLOWED))})"
        )
    rid = str(entry["id"])
    if not RULE_ID.match(rid):
        raise ValueError(f"rule id {rid!r} must be lowercase letters, digits, '.', '_' or '-'")
    techniques = _techniques(entry["techniques"])
    tables = tuple(_table_name(t) for t in _str_list(entry["tables"], "tables"))
    if not tables:
        raise ValueError("`tables` must name at least one table")
    entities = entry.get("entities") or {}
    if not isinstance(entities, dict) or any(k not in ENTITY_KINDS for k in entities):
        raise ValueError(f"`entities` maps entity kinds ({', '.join(ENTITY_KINDS)}) to columns")
    thresholds = entry.get("thresholds") or {}
    if not isinstance(thresholds, dict) or not all(
        isinstance(v, int | float | str) and re.match(r"^[a-z_][a-z0-9_]*$", k)
        for k, v in thresholds.items()
    ):
        raise ValueError("`thresholds` maps snake_case names to numbers or strings")
    query = str(entry["query"]).strip()
    for name in thresholds:
        if not re.search(rf"\b{name}\b", query):
            raise ValueError(f"threshold {name!r} is not used by the query")
    evidence_table = entry.get("evidence_table")
    return Rule(
        id=rid,
        title=str(entry["title"]),
        query=query,
        tables=tables,
        severity=Severity.parse(str(entry["severity"])),
        techniques=techniques,
        kind="native",
        source=source,
        description=str(entry.get("description", "")).strip(),
        fidelity=Fidelity.parse(str(entry.get("fidelity", "medium"))),
        status=str(entry.get("status", "stable")),
        entities={str(k): str(v) for k, v in entities.items()},
        time_column=str(entry.get("time", "Timestamp")),
        evidence_column=str(entry.get("evidence", "_RowId")),
        evidence_table=_table_name(evidence_table) if evidence_table else None,
        thresholds=dict(thresholds),
        group_window_minutes=int(entry.get("group_window_minutes", 60)),
        tags=tuple(_str_list(entry.get("tags") or [], "tags")),
        tests=_tests(entry.get("tests") or {}),
        lab_only=str(entry.get("lab_only", "")).strip(),
        location=location,
    )


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{key}` must be a list of strings")
    return list(value)


def _techniques(value: Any) -> tuple[str, ...]:
    ids = [t.strip().upper() for t in _str_list(value, "techniques")]
    if not ids:
        raise ValueError("`techniques` must list at least one ATT&CK technique id")
    attack = catalog()
    for tid in ids:
        problem = attack.problem(tid)
        if problem:
            raise ValueError(problem)
    return tuple(ids)


def _table_name(name: str) -> str:
    try:
        return get_table(str(name)).name
    except Exception as exc:  # the schema raises its own error type with the hint
        raise ValueError(f"unknown table {name!r}: {exc}") from exc


def _tests(value: Any) -> tuple[RuleTestCase, ...]:
    if not isinstance(value, dict):
        raise ValueError("`tests` maps `match` / `benign` to lists of cases")
    cases: list[RuleTestCase] = []
    for expect in ("match", "benign"):
        for case in value.get(expect) or []:
            if not isinstance(case, dict) or not isinstance(case.get("rows"), dict):
                raise ValueError(f"tests.{expect}: each case needs `rows: {{TABLE: [row, ...]}}`")
            rows = {_table_name(t): list(r) for t, r in case["rows"].items()}
            overrides = case.get("thresholds") or {}
            if not isinstance(overrides, dict):
                raise ValueError(f"tests.{expect}: `thresholds` must map names to values")
            cases.append(RuleTestCase(expect, rows, str(case.get("note", "")), dict(overrides)))
    unknown = set(value) - {"match", "benign"}
    if unknown:
        raise ValueError(f"tests: unknown keys {', '.join(sorted(unknown))}")
    return tuple(cases)
