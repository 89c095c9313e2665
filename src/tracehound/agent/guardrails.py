"""Every query the agent runs is checked and rewritten here before a backend sees it.

- only tabular queries (the read-only guard), that parse;
- no reach beyond the allow-list: no ``union *``, ``find``, table-less ``search``,
  ``externaldata``, ``cluster()`` / ``database()``; every table referenced is allowed, and no
  column outside the field allow-list is named;
- the time window is forced: each table reference is replaced by a ``let`` that filters the
  table on its time column between two bound parameters, so a query cannot read outside the
  window whatever it says (and the window itself is capped);
- the row cap is applied by the caller through the backend's ``limit``.

Values are never spliced into the text: the window bounds travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb_kql

from tracehound.errors import KqlSyntaxError, RefusedError
from tracehound.kql import syntax
from tracehound.kql.guard import ensure_tabular_query
from tracehound.schema import get_table
from tracehound.schema.tables import TABLES

from .settings import GuardrailSettings

WINDOW_START = "th_window_start"
WINDOW_END = "th_window_end"
_PREFIX = "th_w_"
#: Parse-tree rules that reach past the named tables, and why each is refused.
_REFUSED_RULES: dict[str, str] = {
    "WildcardedNameReference": "wildcard table names (union *) read tables outside the allow-list",
    "FindOperator": "find searches every table; name the tables instead",
    "ExternalDataExpression": "externaldata reads outside the store",
}
_REFUSED_CALLS = frozenset({"cluster", "database", "workspace", "app", "adx"})
_NAME_RULES = ("SimpleNameReference", "EntityName")


@dataclass(frozen=True)
class GuardedQuery:
    """The query to run, its parameters (window bounds included) and what it reads."""

    kql: str
    parameters: dict[str, Any]
    tables: tuple[str, ...]
    window: tuple[datetime, datetime]
    notes: tuple[str, ...] = field(default_factory=tuple)


def time_column(table: str) -> str:
    """``Timestamp`` for advanced-hunting tables, ``TimeGenerated`` for Log Analytics ones."""
    for column in get_table(table).columns:
        if column.name == "Timestamp" and column.origin in ("ah", "both"):
            return "Timestamp"
    return "TimeGenerated"


class QueryGuard:
    """Checks and rewrites queries under one set of guardrail settings."""

    def __init__(self, settings: GuardrailSettings, known_tables: set[str] | None = None):
        self.settings = settings
        self.known = set(known_tables) if known_tables is not None else set(TABLES)
        allowed = set(settings.allowed_tables) or self.known
        self.allowed_tables = allowed & self.known

    def allowed_columns(self, table: str) -> list[str]:
        columns = [
            c.name for c in get_table(table).columns if not c.is_system or c.name == "_RowId"
        ]
        wanted = self.settings.allowed_fields.get(table)
        return columns if wanted is None else [c for c in columns if c in wanted or c == "_RowId"]

    def cap_window(self, start: datetime, end: datetime) -> tuple[datetime, datetime, str | None]:
        cap = timedelta(hours=self.settings.max_window_hours)
        if end - start > cap:
            return end - cap, end, f"time window capped to {self.settings.max_window_hours:g} hours"
        return start, end, None

    def check(
        self,
        kql: str,
        start: datetime,
        end: datetime,
        parameters: dict[str, Any] | None = None,
    ) -> GuardedQuery:
        """The guarded form of *kql*, or RefusedError / KqlSyntaxError saying why not."""
        ensure_tabular_query(kql)
        problems = duckdb_kql.validate(kql)
        if problems:
            raise KqlSyntaxError(f"the query does not parse: {problems[0]}", "fix the KQL syntax")
        tree = syntax.tree(kql)
        if tree is None:
            raise KqlSyntaxError("the query does not parse", "fix the KQL syntax")
        self._refuse_reach(tree)
        references = self._table_references(kql, tree)
        tables = tuple(sorted({name for name, _ in references}))
        if not tables:
            raise RefusedError(
                "the query names no table of the schema",
                "start the query with a table name such as DeviceLogonEvents",
            )
        denied = [t for t in tables if t not in self.allowed_tables]
        if denied:
            raise RefusedError(
                f"table(s) not allowed: {', '.join(denied)}",
                "use the tables list_tables returns ([agent.guardrails] allowed_tables)",
            )
        self._refuse_fields(kql, tree, tables)
        if any(name.startswith(_PREFIX) for name in _identifiers(kql, tree)):
            raise RefusedError(f"names starting with {_PREFIX} are reserved")
        start, end, capped = self.cap_window(start, end)
        rewritten = _force_window(kql, references, tables)
        params = dict(parameters or {})
        params.update(
            {WINDOW_START: start.replace(tzinfo=None), WINDOW_END: end.replace(tzinfo=None)}
        )
        notes = (capped,) if capped else ()
        return GuardedQuery(rewritten, params, tables, (start, end), notes)

    def _refuse_reach(self, tree: syntax.Node) -> None:
        for node in syntax.walk(tree):
            reason = _REFUSED_RULES.get(syntax.rule(node))
            if reason:
                raise RefusedError(f"query refused: {reason}")
            if (
                syntax.rule(node) == "NamedFunctionCallExpression"
                and syntax.call_name(node).lower() in _REFUSED_CALLS
            ):
                raise RefusedError(
                    f"query refused: {syntax.call_name(node)}() reaches outside the store"
                )

    def _table_references(self, kql: str, tree: syntax.Node) -> list[tuple[str, syntax.Node]]:
        """(table, node) for each place the query names a schema table."""
        out: list[tuple[str, syntax.Node]] = []
        for node in syntax.find(tree, *_NAME_RULES):
            text = syntax.text(kql, node)
            if text in self.known and not any(
                syntax.rule(a) in _NAME_RULES for a in syntax.ancestors(node)
            ):
                out.append((text, node))
        return out

    def _refuse_fields(self, kql: str, tree: syntax.Node, tables: tuple[str, ...]) -> None:
        limited = [t for t in tables if t in self.settings.allowed_fields]
        if not limited:
            return
        visible: set[str] = set()
        hidden: set[str] = set()
        for table in tables:
            allowed = set(self.allowed_columns(table))
            for column in get_table(table).columns:
                (visible if column.name in allowed else hidden).add(column.name)
        named = set(_identifiers(kql, tree))
        denied = sorted((named & hidden) - visible)
        if denied:
            raise RefusedError(
                f"column(s) not allowed: {', '.join(denied)}",
                "use the columns describe_table returns ([agent.guardrails] allowed_fields)",
            )


def _identifiers(kql: str, tree: syntax.Node) -> list[str]:
    return [syntax.text(kql, n) for n in syntax.find(tree, "IdentifierName")]


def _force_window(
    kql: str, references: list[tuple[str, syntax.Node]], tables: tuple[str, ...]
) -> str:
    """*kql* reading each table through a window-filtered ``let``."""
    edits = [
        syntax.Edit(syntax.start(node), syntax.end(node), _PREFIX + name)
        for name, node in references
    ]
    body, skipped = syntax.apply_edits(kql, edits)
    if skipped:  # nested references cannot overlap; a skip means the tree was not understood
        raise RefusedError("query refused: its table references could not be isolated")
    header = [f"declare query_parameters({WINDOW_START}:datetime, {WINDOW_END}:datetime);"]
    for table in tables:
        column = time_column(table)
        header.append(
            f"let {_PREFIX}{table} = {table} | where {column} >= {WINDOW_START}"
            f" and {column} < {WINDOW_END};"
        )
    return "\n".join(header) + "\n" + body
