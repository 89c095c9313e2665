"""Fixtures for response tests: the fake Defender/Graph server over real TLS, the environment
that points the real clients at it, and a ResponseContext on a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.defender_server import FakeDefender, start
from tests.fakes.tls import server_context_and_ca
from tracehound.respond import ResponseContext
from tracehound.respond.settings import ResponseSettings
from tracehound.store import Store

TOKEN = "respond-test-token-not-a-secret"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    return server_context_and_ca(tmp_path_factory.mktemp("respond-tls"))


@pytest.fixture
def mde(tls: tuple[object, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDefender]:
    context, ca_file = tls
    server = start(TOKEN, context)
    monkeypatch.setenv("TRACEHOUND_MDE_URL", server.url)
    monkeypatch.setenv("TRACEHOUND_GRAPH_URL", server.url)
    monkeypatch.setenv("TRACEHOUND_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("TRACEHOUND_AZURE_TOKEN", TOKEN)
    yield server
    server.shutdown()
    server.server_close()


class SleepLog(list[float]):
    """Records requested waits instead of sleeping (Retry-After values are asserted)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


def make_context(
    store: Store, sleeps: SleepLog, policy: Path | None = None, assets: Path | None = None
) -> ResponseContext:
    settings = ResponseSettings(poll_interval_seconds=0.0, poll_timeout_seconds=30, max_retries=3)
    return ResponseContext.open(
        store, settings, policy_path=policy, assets_path=assets, sleep=sleeps
    )


@pytest.fixture
def ctx(store: Store, mde: FakeDefender, sleeps: SleepLog) -> Iterator[ResponseContext]:
    context = make_context(store, sleeps)
    yield context
    context.close()
