"""Drop duckdb-kql's run-time type dispatch where a column's stored type is known.

duckdb-kql translates without column types, so a string operator on a column becomes
``CASE WHEN typeof("C") = 'JSON' THEN <dynamic form> ELSE <string form> END``, evaluated per
row. DuckDB does not fold ``typeof`` of a column, and on Sigma-style rules (dozens of
``contains`` on one column) the dispatch costs about as much as the matching: measured 1.6x on
a 150-rule shared scan (docs/benchmarks.md). When the caller knows which stored column each
quoted name reads, the branch the store would take is chosen here, once, in the SQL text.

That knowledge is the caller's promise (see ``LocalBackend.query(row_filter_of=...)``): a query
that only filters a table's rows never rebinds a column name, so ``"C"`` is the stored ``C``
everywhere in it. Anything not recognised exactly is left as generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_DISPATCH = re.compile(r"""CASE WHEN typeof\("(?P<col>(?:[^"]|"")+)"\) = 'JSON' THEN """)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _skip_quoted(sql: str, i: int) -> int:
    """Index just past the quoted token (``'...'`` or ``"..."``, doubled quotes) at *i*."""
    quote = sql[i]
    j = i + 1
    while True:
        j = sql.index(quote, j)
        if sql.startswith(quote * 2, j):
            j += 2
            continue
        return j + 1


def _next_keyword(sql: str, i: int) -> tuple[int, str]:
    """(index, keyword) of the next ELSE / WHEN / END at the nesting level of *i*.

    Parentheses, nested CASE ... END and quoted text are skipped. Raises ValueError when the
    level closes first (the text is not the expected CASE).
    """
    parens = cases = 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            i = _skip_quoted(sql, i)
            continue
        if ch == "(":
            parens += 1
        elif ch == ")":
            parens -= 1
            if parens < 0:
                break
        elif (ch.isalpha() or ch == "_") and (
            i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_$")
        ):
            match = _WORD.match(sql, i)
            assert match is not None
            word = match.group(0).upper()
            if parens == 0 and cases == 0 and word in ("ELSE", "WHEN", "END"):
                return i, word
            if word == "CASE":
                cases += 1
            elif word == "END":
                cases -= 1
            i = match.end()
            continue
        i += 1
    raise ValueError("unbalanced CASE")


def fold_type_dispatch(sql: str, column_types: Mapping[str, str]) -> str:
    """*sql* with each JSON-or-not dispatch on a column of known type reduced to its branch.

    *column_types* maps column name -> DuckDB type name as ``typeof`` reports it.
    """
    out: list[str] = []
    pos = 0
    while (match := _DISPATCH.search(sql, pos)) is not None:
        column = match["col"].replace('""', '"')
        kind = column_types.get(column)
        try:
            if kind is None:
                raise ValueError("unknown column")
            then_start = match.end()
            else_at, word = _next_keyword(sql, then_start)
            if word != "ELSE":
                raise ValueError("not a two-way dispatch")
            end_at, word = _next_keyword(sql, else_at + 4)
            if word != "END":
                raise ValueError("not a two-way dispatch")
        except ValueError:
            out.append(sql[pos : match.end()])
            pos = match.end()
            continue
        branch = sql[then_start:else_at] if kind == "JSON" else sql[else_at + 4 : end_at]
        out.append(sql[pos : match.start()])
        out.append(f"({fold_type_dispatch(branch.strip(), column_types)})")
        pos = end_at + 3
    out.append(sql[pos:])
    return "".join(out)
