"""Response benchmark, measured side by side in one run:

1. Device resolution over real TLS against the local Defender server holding 20,000 machines:
   an FQDN (one server-side ``eq`` query) against a bare hostname (every page listed and
   matched exactly client side, which is what exact hostname matching costs).
2. The audit log: a hash-chained append written to the store and the journal (fsync) against a
   plain insert into the same kind of table; and verifying 2,000 entries.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes import respond_env
from tests.fakes.defender_server import FakeDefender

from tracehound.respond import ResponseContext
from tracehound.respond.targets import find_devices
from tracehound.store import Store

tls, mde, sleeps, ctx = respond_env.tls, respond_env.mde, respond_env.sleeps, respond_env.ctx
MACHINES = 20_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "bench.duckdb") as opened:
        yield opened


ENTRIES = 2_000


def _best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.slow
def test_bench_resolution(ctx: ResponseContext, mde: FakeDefender) -> None:
    for i in range(MACHINES):
        mde.add_machine(f"host-{i:05d}.corp.example", machine_id=f"{i:040x}")
    client = ctx.defender()
    fqdn = _best(lambda: find_devices(client, "host-12345.corp.example"))
    host = _best(lambda: find_devices(client, "host-12345"))
    assert [t.id for t in find_devices(client, "HOST-12345")] == [f"{12345:040x}"]
    print(
        f"\nresolve among {MACHINES:,} machines: FQDN (server eq) {fqdn * 1000:.1f} ms, "
        f"hostname (all pages, exact client match) {host * 1000:.1f} ms, ratio {host / fqdn:.1f}x"
    )


@pytest.mark.slow
def test_bench_audit(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as store:
        from tracehound.respond.audit import AuditLog

        log = AuditLog(store)
        store.con.execute("CREATE TABLE plain (seq BIGINT, event VARCHAR, data JSON)")
        start = time.perf_counter()
        for i in range(ENTRIES):
            store.con.execute("INSERT INTO plain VALUES (?, ?, ?)", [i, "note", '{"n": 1}'])
        plain = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(ENTRIES):
            log.append("note", f"act-{i}", "bench", {"n": i})
        chained = time.perf_counter() - start
        start = time.perf_counter()
        report = log.verify()
        verify = time.perf_counter() - start
        assert report.ok and report.entries_db == ENTRIES
    print(
        f"\naudit {ENTRIES:,} entries: chained append (store + fsynced journal) "
        f"{chained / ENTRIES * 1e6:.0f} us/entry, plain insert {plain / ENTRIES * 1e6:.0f} us/entry, "
        f"ratio {chained / plain:.1f}x; verify both copies {verify * 1000:.0f} ms "
        f"({ENTRIES / verify:,.0f} entries/s)"
    )
