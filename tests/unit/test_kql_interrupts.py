"""A query stopped by Ctrl-C or a timeout stops the run; it is never recorded as a failed rule.

Found because a benchmark's pytest timeout (SIGALRM) surfaced inside DuckDB as an ordinary
``RuntimeError('Query interrupted')``, which detect recorded as one failed rule and went on.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from tracehound.backends.base import QueryResult
from tracehound.detect.queries import ScanWindow
from tracehound.detect.runner import run_rules
from tracehound.kql.engine import Translation, execute
from tracehound.rules.model import Rule

SLOW = "SELECT count(*) FROM range(20000) a, range(20000) b WHERE a.range + b.range = 7"


class _AlarmError(Exception):
    pass


@pytest.fixture
def alarm_in_a_moment() -> Iterator[None]:
    """A SIGALRM whose handler raises, as pytest-timeout's does, 0.2 s from now."""

    def raise_alarm(*_: object) -> None:
        raise _AlarmError("timeout")

    previous = signal.signal(signal.SIGALRM, raise_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_signal_during_a_query_is_a_keyboard_interrupt(alarm_in_a_moment: None) -> None:
    con = duckdb.connect()
    with pytest.raises(KeyboardInterrupt):
        execute(con, Translation("", "", SLOW), None)


def test_an_interrupted_connection_is_a_keyboard_interrupt() -> None:
    con = duckdb.connect()
    timer = threading.Timer(0.2, con.interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            execute(con, Translation("", "", SLOW), None)
    finally:
        timer.cancel()


class _StoppedBackend:
    """Answers the inventory, then is interrupted on the first query."""

    name = "stopped"
    queries = 0

    def tables(self) -> dict[str, int | None]:
        return {"DeviceProcessEvents": 10}

    def columns(self, table: str) -> list[tuple[str, str]]:
        return []

    def query(self, kql: str, *args: Any, **kwargs: Any) -> QueryResult:
        self.queries += 1
        raise KeyboardInterrupt("query interrupted")


def test_detection_stops_instead_of_recording_a_failed_rule() -> None:
    rules = [
        Rule(
            id=f"r{i}",
            title="r",
            severity="low",
            techniques=("T1059",),
            tables=("DeviceProcessEvents",),
            query=f'DeviceProcessEvents | where FileName == "{i}.exe"',
        )
        for i in range(3)
    ]
    backend = _StoppedBackend()
    with pytest.raises(KeyboardInterrupt):
        run_rules(backend, rules, ScanWindow(), share_scans=False)
    assert backend.queries == 1
