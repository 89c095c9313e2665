"""The pivot map (``pivots.yaml``) as typed objects, checked against the schema once per process.

Keeping "which column of which table holds a device / account / IP / hash / file / process /
domain" as data means a new table is a few YAML lines, and a typo in a column name is a load
error naming the table and column rather than a query that silently matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from tracehound.backends.quoting import string_literal
from tracehound.errors import TracehoundError
from tracehound.schema import get_table


@dataclass(frozen=True)
class Kind:
    name: str
    param: str
    lower: bool
    ignore: frozenset[str]
    prevalence: bool = False  # values seen on many devices are infrastructure, not a lead

    def clean(self, value: Any) -> str | None:
        """The comparable form of *value*, or None when it identifies nothing."""
        if value is None:
            return None
        text = str(value).strip()
        if self.lower:
            text = text.lower()
        return None if text in self.ignore else text


@dataclass(frozen=True)
class Field:
    """A column, or one part of a delimited column (``split`` + ``index``)."""

    column: str
    split: str | None = None
    index: int = 0

    def kql(self) -> str:
        """The KQL expression reading this field (column names come from the checked map)."""
        ident = f"['{self.column}']"
        if self.split is None:
            return f"tostring({ident})"
        return f"tostring(split({ident}, {string_literal(self.split)})[{self.index}])"

    def read(self, row: dict[str, Any]) -> Any:
        value = row.get(self.column)
        if self.split is None or value is None:
            return value
        parts = str(value).split(self.split)
        return parts[self.index] if len(parts) > self.index else None


@dataclass(frozen=True)
class Role:
    kind: str
    field: Field
    role: str
    when: tuple[tuple[str, frozenset[str]], ...] = ()

    def applies(self, row: dict[str, Any]) -> bool:
        return all(str(row.get(col, "")) in values for col, values in self.when)


@dataclass(frozen=True)
class TableSpec:
    name: str
    action: str
    summary: str
    entities: dict[str, tuple[Field, ...]]
    related: tuple[str, ...]
    roles: tuple[Role, ...]

    def columns(self) -> list[str]:
        """Every column the timeline needs from this table (for ``project``)."""
        names: dict[str, None] = dict.fromkeys(["Timestamp", "_RowId", self.action])
        for fields in self.entities.values():
            names.update(dict.fromkeys(f.column for f in fields))
        names.update(dict.fromkeys(_format_fields(self.summary)))
        for role in self.roles:
            names[role.field.column] = None
            names.update(dict.fromkeys(col for col, _ in role.when))
        return list(names)


@dataclass(frozen=True)
class PivotMap:
    kinds: dict[str, Kind]
    tables: dict[str, TableSpec]
    common_hosts: int = 3
    neighbourhood_minutes: int = 2


def _format_fields(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _field(raw: Any, where: str) -> Field:
    if isinstance(raw, str):
        return Field(raw)
    if isinstance(raw, dict) and "column" in raw:
        return Field(str(raw["column"]), raw.get("split"), int(raw.get("index", 0)))
    raise TracehoundError(
        f"pivots.yaml {where}: {raw!r} is not a column", "use a name or {column, split, index}"
    )


def _role(raw: Any, table: str) -> Role:
    if not isinstance(raw, list) or len(raw) not in (3, 4):
        raise TracehoundError(
            f"pivots.yaml {table}.roles: {raw!r}", "use [kind, column, role, {column: [values]}]"
        )
    when = tuple(
        (str(k), frozenset(str(v) for v in vs))
        for k, vs in (raw[3] if len(raw) == 4 else {}).items()
    )
    return Role(str(raw[0]), _field(raw[1], f"{table}.roles"), str(raw[2]), when)


def parse(data: dict[str, Any]) -> PivotMap:
    """Build and check the map: kinds known, tables and columns present in the schema."""
    kinds = {
        name: Kind(
            name,
            str(spec["param"]),
            bool(spec.get("lower", False)),
            frozenset(str(v) for v in spec.get("ignore", [])),
            bool(spec.get("prevalence", False)),
        )
        for name, spec in data["kinds"].items()
    }
    tables: dict[str, TableSpec] = {}
    for name, spec in data["tables"].items():
        entities = {
            kind: tuple(_field(f, f"{name}.entities.{kind}") for f in fields)
            for kind, fields in spec.get("entities", {}).items()
        }
        table = TableSpec(
            name,
            str(spec["action"]),
            str(spec["summary"]),
            entities,
            tuple(spec.get("related", [])),
            tuple(_role(r, name) for r in spec.get("roles", [])),
        )
        _check(table, kinds)
        tables[name] = table
    return PivotMap(
        kinds, tables, int(data.get("common_hosts", 3)), int(data.get("neighbourhood_minutes", 2))
    )


def _check(table: TableSpec, kinds: dict[str, Kind]) -> None:
    known = {c.name for c in get_table(table.name).columns}
    missing = [c for c in table.columns() if c not in known]
    unknown_kinds = [
        k
        for k in [*table.entities, *table.related, *(r.kind for r in table.roles)]
        if k not in kinds
    ]
    if missing or unknown_kinds:
        raise TracehoundError(
            f"pivots.yaml {table.name}: unknown column(s) {missing} or kind(s) {unknown_kinds}",
            "fix the pivot map (columns must exist in the schema)",
        )


@lru_cache(maxsize=1)
def pivot_map() -> PivotMap:
    """The packaged map (immutable once built, so one per process is safe)."""
    text = resources.files("tracehound.investigate").joinpath("pivots.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return parse(data)
