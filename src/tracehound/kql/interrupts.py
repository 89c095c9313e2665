"""Telling a stopped query from a failed one."""

from __future__ import annotations

import duckdb


def interrupted(exc: BaseException) -> bool:
    """True when DuckDB stopped a query for a signal (Ctrl-C, a test timeout) or an interrupt.

    DuckDB reports a Python signal raised during a query as ``RuntimeError('Query
    interrupted')`` (the handler's own exception is lost) and ``con.interrupt()`` as
    ``InterruptException``. Both are ordinary exceptions, so a caller that keeps going after a
    failed query (detect's one-bad-rule rule) would swallow a Ctrl-C: they are turned back into
    ``KeyboardInterrupt``, which such callers do not catch.
    """
    if isinstance(exc, duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and str(exc) == "Query interrupted"
