"""Turn duckdb-kql's errors into messages that point at the query text."""

from __future__ import annotations

import duckdb_kql

from tracehound.errors import KqlSyntaxError, RefusedError, TracehoundError

_MAX_EXPECTED = 160


def caret(kql: str, line: int, column: int) -> str:
    """The offending line with a caret under *column* (1-based line, 0-based column)."""
    lines = kql.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    return f"  {line:>3} | {text}\n      | {' ' * max(column, 0)}^"


def syntax_error(kql: str, exc: duckdb_kql.KqlSyntaxError) -> KqlSyntaxError:
    """A syntax error naming line and column of each diagnostic, with a caret."""
    parts = []
    for diag in exc.diagnostics[:3] or []:
        message = diag.message
        if len(message) > _MAX_EXPECTED:
            message = message[:_MAX_EXPECTED].rsplit(" ", 1)[0] + " ...}"
        parts.append(
            f"line {diag.span.line}, column {diag.span.column + 1}: {message}\n"
            + caret(kql, diag.span.line, diag.span.column)
        )
    body = "\n".join(parts) if parts else str(exc)
    return KqlSyntaxError(f"KQL syntax error at {body}", "fix the query at the caret")


def translation_error(kql: str, exc: duckdb_kql.KqlError) -> TracehoundError:
    """Map any duckdb-kql error to the Tracehound error with the right exit code."""
    if isinstance(exc, duckdb_kql.KqlSyntaxError):
        return syntax_error(kql, exc)
    if isinstance(exc, duckdb_kql.KqlUnsupportedError):
        where = ""
        if exc.span is not None:
            where = "\n" + caret(kql, exc.span.line, exc.span.column)
        return UnsupportedKqlError(
            f"KQL construct not supported on the embedded store: {exc.construct}"
            + (f" ({exc.hint})" if exc.hint else "")
            + where,
            "rewrite the query, or run it on a Log Analytics / ADX backend",
        )
    if isinstance(exc, duckdb_kql.KqlSchemaError):
        return KqlSyntaxError(
            f"KQL schema error: {exc}", "check table and column names (`tracehound schema TABLE`)"
        )
    return TracehoundError(f"KQL error: {exc}")


class UnsupportedKqlError(TracehoundError):
    """Valid KQL this engine does not run; a runtime limitation, not a user mistake."""


class ManagementCommandError(RefusedError):
    """A control command (``.drop``, ``.set``, ...) sent to the read-only query path."""
