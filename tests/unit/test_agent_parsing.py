"""Entities, time ranges, device resolution, BM25 retrieval, offline token counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracehound.agent.devices import resolve
from tracehound.agent.entities import extract
from tracehound.agent.library import load_library
from tracehound.agent.plan import choose_hunts
from tracehound.agent.timerange import parse
from tracehound.llm.base import Message
from tracehound.llm.prices import price_table
from tracehound.llm.tokens import count_messages, count_text

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def test_entities() -> None:
    e = extract(
        "did CORP\\jdoe log on to legal-ws-107 from 10.1.2.3 and fetch evil.example.top "
        "or run a.exe (sha256 " + "ab" * 32 + ") as bob@contoso.com?"
    )
    assert e.hosts == ("legal-ws-107",)
    assert set(e.accounts) == {"CORP\\jdoe", "bob@contoso.com"}
    assert e.ips == ("10.1.2.3",) and e.hashes == ("ab" * 32,)
    assert e.domains == ("evil.example.top",) and e.files == ("a.exe",)
    assert extract("999.1.1.1").ips == ()


def test_time_ranges() -> None:
    assert parse("in the last few days", NOW).start == NOW - timedelta(days=3)
    assert parse("past 7 days", NOW).start == NOW - timedelta(days=7)
    assert parse("nothing said", NOW).start == NOW - timedelta(hours=96)
    between = parse("between 2022-10-05 18:42 and 2022-10-06 1:59", NOW)
    assert (between.start, between.end) == (
        datetime(2022, 10, 5, 18, 42, tzinfo=UTC),
        datetime(2022, 10, 6, 1, 59, tzinfo=UTC),
    )
    day = parse("on 03/08/2024", NOW)
    assert (day.start, day.end) == (
        datetime(2024, 3, 8, tzinfo=UTC),
        datetime(2024, 3, 9, tzinfo=UTC),
    )


def test_device_resolution_is_exact_or_a_suggestion() -> None:
    names = ["win-1", "win-10", "legal-ws-107.corp.contoso.com"]
    assert resolve("WIN-1", names).resolved == "win-1"
    assert resolve("legal-ws-107", names).resolved == "legal-ws-107.corp.contoso.com"
    close = resolve("win-01", names)
    assert close.resolved is None and "win-1" in close.suggestions
    assert resolve("nothing-like-it", names).suggestions == ()


def test_retrieval_picks_the_hunt() -> None:
    ids = [h.id for h in choose_hunts("was lsass memory dumped?", extract(""), [])]
    assert ids[0] == "credential-dump-lsass"
    assert all(h.techniques and h.kql for h in load_library())


def test_token_estimate_is_offline_and_conservative() -> None:
    text = 'DeviceLogonEvents | where ActionType == "LogonFailed" | summarize count() by RemoteIP'
    assert 15 <= count_text(text) <= 40
    assert count_messages([Message("user", text)]) > count_text(text)
    price = price_table().get("gpt-4.1-2025-04-14")
    assert price is not None and price.input == 2.0
