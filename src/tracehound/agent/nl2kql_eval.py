"""``eval nl2kql``: does the offline planner pick the tables an expert's KQL reads, and does the
KQL it writes parse and run?

Each record is ``{"context": question, "baseline": gold KQL}`` (the NL2KQL evaluation files,
Tang et al. 2024, arXiv:2404.02933). The gold tables are read from the gold query's parse
tree (table references that are not inside another name, ``let`` names excluded because they
are not schema tables), never with a regular expression over the text. The planner runs on an
empty store holding all the schema's tables; its queries go through the hunt guard (window
forced) and the local backend. The gold KQL is never shown to the planner.

The planner chooses among the workspace's tables. A store that holds data tells it which;
here the store is empty, so the tables of the evaluation's own schema file
(``<Name>_Schema.json`` beside the questions: the workspace the questions were written for)
are used when present, and the figure over all 74 tables is reported beside it.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.backends.local import LocalBackend
from tracehound.errors import TracehoundError, UsageError
from tracehound.kql import syntax
from tracehound.schema.tables import TABLES
from tracehound.store import Store

from .guardrails import QueryGuard
from .plan import HuntPlan, make_plan
from .settings import GuardrailSettings
from .tables import TableChoice, select_tables

_NAME_RULES = ("SimpleNameReference", "EntityName")
#: A fixed "now" so relative windows in the questions are reproducible.
NOW = datetime(2024, 6, 1, tzinfo=UTC)
SCHEMA_SUFFIXES = ("_Evaluation.dev.jsonl", "_Evaluation.jsonl")


@dataclass(frozen=True)
class Question:
    line: int
    text: str
    gold_kql: str


def read_questions(path: Path) -> Iterator[Question]:
    """Records of *path*; a line that is not a question record is a UsageError naming it."""
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                yield Question(number, str(record["context"]).strip(), str(record["baseline"]))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise UsageError(
                    f"{path}:{number}: not a question record ({exc})",
                    'each line must be {"context": QUESTION, "baseline": KQL}',
                ) from exc


def gold_tables(kql: str, known: set[str]) -> set[str] | None:
    """Schema tables *kql* reads, from its parse tree; None when it does not parse."""
    tree = syntax.tree(kql)
    if tree is None:
        return None
    found = set()
    for node in syntax.find(tree, *_NAME_RULES):
        if any(syntax.rule(a) in _NAME_RULES for a in syntax.ancestors(node)):
            continue
        name = syntax.text(kql, node)
        if name in known:
            found.add(name)
    return found


def workspace_tables(questions: Path) -> set[str] | None:
    """Tables of the schema file beside *questions* (``X_Schema.json``), if there is one."""
    for suffix in SCHEMA_SUFFIXES:
        if questions.name.endswith(suffix):
            candidate = questions.with_name(questions.name[: -len(suffix)] + "_Schema.json")
            if candidate.is_file():
                return read_schema_tables(candidate)
    return None


def read_schema_tables(path: Path) -> set[str]:
    """Table names of a Kusto schema export (``[{"Tables": [{"Table": name}, ...]}]``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        databases = data if isinstance(data, list) else [data]
        return {str(t["Table"]) for db in databases for t in db["Tables"]}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a schema export ({exc})", "pass --workspace-schema") from exc


@dataclass
class Report:
    path: str
    workspace: list[str] | None
    questions: int = 0
    gold_unparsed: int = 0
    exact: int = 0
    exact_all_tables: int = 0
    gold_in_schema: int = 0
    exact_in_schema: int = 0
    queries: int = 0
    parsed_and_ran: int = 0
    no_table: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        def share(n: int, d: int) -> float:
            return round(n / d, 4) if d else 0.0

        return {
            "path": self.path,
            "workspace_tables": self.workspace,
            "questions": self.questions,
            "gold_unparsed": self.gold_unparsed,
            "exact_table_set": self.exact,
            "exact_table_set_share": share(self.exact, self.questions),
            "exact_table_set_all_tables": self.exact_all_tables,
            "exact_table_set_all_tables_share": share(self.exact_all_tables, self.questions),
            "gold_tables_in_schema": self.gold_in_schema,
            "exact_when_gold_in_schema_share": share(self.exact_in_schema, self.gold_in_schema),
            "questions_without_table": self.no_table,
            "generated_queries": self.queries,
            "parsed_and_ran": self.parsed_and_ran,
            "parsed_and_ran_share": share(self.parsed_and_ran, self.queries),
            "errors": dict(self.errors),
            "failures": self.failures,
            "misses": self.misses,
        }


def evaluate(
    path: Path,
    workspace: set[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Score the offline planner on every question of *path*."""
    known = set(TABLES) | (workspace or set())
    allowed = (workspace & set(TABLES)) if workspace else None
    report = Report(str(path), sorted(workspace) if workspace else None)
    with (
        tempfile.TemporaryDirectory(prefix="tracehound-nl2kql-") as tmp,
        Store.open(Path(tmp) / "empty.duckdb") as store,
    ):
        backend = LocalBackend(store)
        guard = QueryGuard(GuardrailSettings(), set(TABLES))
        for n, question in enumerate(read_questions(path), 1):
            if progress:
                progress(n)
            _score(question, backend, guard, known, allowed, report)
    return report


def _score(
    question: Question,
    backend: LocalBackend,
    guard: QueryGuard,
    known: set[str],
    allowed: set[str] | None,
    report: Report,
) -> None:
    report.questions += 1
    gold = gold_tables(question.gold_kql, known)
    if gold is None:
        report.gold_unparsed += 1
        gold = set()
    plan = make_plan(question.text, backend, NOW)
    choice = select_tables(question.text, allowed) if allowed is not None else plan.tables
    chosen = set(choice.tables)
    hit = chosen == gold
    report.exact += hit
    report.exact_all_tables += set(plan.tables.tables) == gold
    if gold and gold <= set(TABLES):
        report.gold_in_schema += 1
        report.exact_in_schema += hit
    if not hit:
        report.misses.append(
            {"line": question.line, "gold": sorted(gold), "chosen": sorted(chosen)}
        )
    if not chosen:
        report.no_table += 1
    _run_generated(question, _with_tables(plan, choice), backend, guard, report)


def _with_tables(plan: HuntPlan, choice: TableChoice) -> HuntPlan:
    return replace(plan, tables=choice)


def _run_generated(
    question: Question, plan: HuntPlan, backend: LocalBackend, guard: QueryGuard, report: Report
) -> None:
    """Every query the planner would run for the question: library hunts and table queries."""
    queries = [
        (f"hunt {h.id}", h.kql, params)
        for h in plan.hunts
        if (params := plan.parameters_for(h)) is not None
    ]
    queries += [(f"table {q.table}", q.kql, q.parameters) for q in plan.generic_queries()]
    start, end = plan.time_range.start, plan.time_range.end
    for purpose, kql, params in queries:
        report.queries += 1
        try:
            guarded = guard.check(kql, start, end, parameters=params)
            backend.query(guarded.kql, parameters=guarded.parameters, limit=10)
        except TracehoundError as exc:
            reason = exc.message.splitlines()[0][:200]
            report.errors[type(exc).__name__] += 1
            report.failures.append({"line": question.line, "query": purpose, "error": reason})
            continue
        report.parsed_and_ran += 1
