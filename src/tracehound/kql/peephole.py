"""Peephole rewrites of the SQL duckdb-kql generates, for speed only.

duckdb-kql renders ``contains`` / ``startswith`` / ``endswith`` (and their negations) as a
LIKE pattern built at run time by escaping the literal, with ``ESCAPE '\\'``. DuckDB then takes
its generic escape-aware LIKE path, measured 2x slower than a plain ``ILIKE '%lit%'``. When the
literal holds none of LIKE's special characters (``%``, ``_``, ``\\``) the escaping is the
identity, so the pattern is folded to a constant and the ESCAPE clause dropped: same answer,
fast path. Anything else is left exactly as generated.

Safety: the match needs single quotes next to non-quote characters (``, '\\'``), which cannot
occur inside an SQL string literal (every quote there is doubled), so text from a query's own
literals can never be rewritten.
"""

from __future__ import annotations

import re

_ESCAPED_LIKE = re.compile(
    r"(?P<head>'%' \|\| )?"
    r"replace\(replace\(replace\('(?P<lit>(?:[^'\\%_]|'')*)', '\\', '\\\\'\), '%', '\\%'\), '_', '\\_'\)"
    r"(?P<tail> \|\| '%')? ESCAPE '\\'"
)


def _fold(match: re.Match[str]) -> str:
    head = "%" if match["head"] else ""
    tail = "%" if match["tail"] else ""
    return f"'{head}{match['lit']}{tail}'"


def simplify_like_patterns(sql: str) -> str:
    """*sql* with escape-free constant LIKE patterns folded (see the module docstring)."""
    return _ESCAPED_LIKE.sub(_fold, sql)
