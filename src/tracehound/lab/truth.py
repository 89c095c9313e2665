"""Ground truth: what each seeded scenario did, kept in the store next to the data.

The truth lives in its own DuckDB schema (``tracehound_lab``), outside ``main``: the KQL
schema the query engine and the hunt agent see is built from ``main`` only, so a hunt cannot
read the answers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tracehound.errors import TracehoundError
from tracehound.store import Store

SCHEMA = "tracehound_lab"
TRUTH = f"{SCHEMA}.truth"
RUNS = f"{SCHEMA}.runs"


@dataclass(frozen=True)
class TruthRecord:
    """One scenario as it was seeded."""

    id: str
    title: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    devices: tuple[str, ...]
    accounts: tuple[str, ...]
    ips: tuple[str, ...]
    start: datetime
    end: datetime
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("techniques", "tactics", "devices", "accounts", "ips"):
            out[key] = list(out[key])
        out["start"] = _iso(self.start)
        out["end"] = _iso(self.end)
        return out


@dataclass(frozen=True)
class SeedRun:
    """The parameters of the last seeding, so truth can say what it describes."""

    seed: int
    start: datetime
    end: datetime
    days: int
    devices: int
    users: int
    scenarios: tuple[str, ...]
    rows: int


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ensure_tables(store: Store) -> None:
    con = store.con
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TRUTH} (id VARCHAR PRIMARY KEY, title VARCHAR,"
        " techniques VARCHAR[], tactics VARCHAR[], devices VARCHAR[], accounts VARCHAR[],"
        " ips VARCHAR[], start_time TIMESTAMP, end_time TIMESTAMP, details JSON)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {RUNS} (seed BIGINT, start_time TIMESTAMP, end_time TIMESTAMP,"
        " days INTEGER, devices INTEGER, users INTEGER, scenarios VARCHAR[], rows_loaded BIGINT,"
        " seeded_at TIMESTAMP)"
    )


def clear(store: Store) -> None:
    ensure_tables(store)
    store.con.execute(f"DELETE FROM {TRUTH}")
    store.con.execute(f"DELETE FROM {RUNS}")


def write(store: Store, records: list[TruthRecord], run: SeedRun) -> None:
    ensure_tables(store)
    if records:
        store.con.executemany(
            f"INSERT INTO {TRUTH} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.id,
                    r.title,
                    list(r.techniques),
                    list(r.tactics),
                    list(r.devices),
                    list(r.accounts),
                    list(r.ips),
                    r.start,
                    r.end,
                    json.dumps(r.details),
                )
                for r in records
            ],
        )
    store.con.execute(
        f"INSERT INTO {RUNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [
            run.seed,
            run.start,
            run.end,
            run.days,
            run.devices,
            run.users,
            list(run.scenarios),
            run.rows,
        ],
    )


def _has_tables(store: Store) -> bool:
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", [SCHEMA]
    ).fetchone()
    return bool(row and row[0] >= 2)


def read(store: Store) -> tuple[SeedRun, list[TruthRecord]]:
    """The last seeding and its scenarios, or an error saying how to seed."""
    run_row = (
        store.con.execute(f"SELECT * FROM {RUNS} LIMIT 1").fetchone()
        if _has_tables(store)
        else None
    )
    if run_row is None:
        raise TracehoundError(f"{store.path} holds no lab data", "run `tracehound lab seed` first")
    run = SeedRun(
        int(run_row[0]),
        run_row[1],
        run_row[2],
        int(run_row[3]),
        int(run_row[4]),
        int(run_row[5]),
        tuple(run_row[6]),
        int(run_row[7]),
    )
    rows = store.con.execute(
        f"SELECT id, title, techniques, tactics, devices, accounts, ips, start_time, end_time,"
        f" details FROM {TRUTH} ORDER BY start_time, id"
    ).fetchall()
    records = [
        TruthRecord(
            r[0],
            r[1],
            tuple(r[2]),
            tuple(r[3]),
            tuple(r[4]),
            tuple(r[5]),
            tuple(r[6]),
            r[7],
            r[8],
            json.loads(r[9]) if r[9] else {},
        )
        for r in rows
    ]
    return run, records
