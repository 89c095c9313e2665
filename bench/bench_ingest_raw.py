"""Raw telemetry ingest speed, side by side with its limits, in one run (``make bench``).

1. OTRF JSON (the extracted members of every OTRF archive) into the Defender tables with
   ``ingest_paths``, against DuckDB's own ``read_json_objects`` of the same files into one raw
   table: the cost of layout detection, normalization, mapping and dedup over a bare load;
   and against the same ingest without the InitiatingProcess* back-fill (its cost and gain).
2. EVTX (all of evtx-to-mitre-attack) into the tables, against parsing alone with ``evtx``.

Each side runs in a child process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

INGEST = """
import json, os, resource, sys, time
from pathlib import Path
from tracehound.store import Store
from tracehound.ingest import ingest_paths
import tracehound.ingest.pipeline as pipeline
if os.environ.get("TH_BENCH_NO_BACKFILL"):  # the same ingest without the back-fill step
    pipeline.run_backfill = lambda *args: 0
with Store.open(Path(sys.argv[1])) as store:
    t = time.perf_counter()
    s = ingest_paths(store, [Path(p) for p in sys.argv[2:]])
    seconds = time.perf_counter() - t
    actions = dict(store.con.execute(
        "SELECT ActionType, count(*) FROM DeviceEvents GROUP BY ALL ORDER BY 2 DESC").fetchall())
    tables = ("DeviceNetworkEvents", "DeviceFileEvents", "DeviceRegistryEvents",
              "DeviceImageLoadEvents", "DeviceEvents")
    filled = {t: store.con.execute(
        f"SELECT count(*), count(InitiatingProcessUniqueId), count(InitiatingProcessCommandLine) FROM {t}"
        ).fetchall()[0] for t in tables}
    print(json.dumps({"seconds": seconds, "events": s.events, "actions": actions, "filled": filled,
                      "rows": sum(s.inserted.values()), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

READ_JSON = """
import duckdb, json, resource, sys, time
con = duckdb.connect(sys.argv[1])
t = time.perf_counter()
con.execute("CREATE TABLE raw AS SELECT json FROM read_json_objects($files, format = 'newline_delimited', ignore_errors = true)",
            {"files": sys.argv[2:]})
n = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
print(json.dumps({"seconds": time.perf_counter() - t, "events": n, "rows": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PARSE_EVTX = """
import evtx, json, resource, sys, time
t = time.perf_counter()
n = 0
for path in sys.argv[2:]:
    records = iter(evtx.PyEvtxParser(path).records_json())
    while True:
        try:
            next(records); n += 1
        except StopIteration:
            break
        except RuntimeError:
            continue
print(json.dumps({"seconds": time.perf_counter() - t, "events": n, "rows": 0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(script: str, db: Path, files: list[Path], **env: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", script, str(db), *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _extract_otrf_json(root: Path, into: Path) -> list[Path]:
    """Every JSON member of the OTRF archives, written out (not timed)."""
    files: list[Path] = []
    for archive in sorted(root.rglob("*")):
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    if info.filename.endswith(".json") and "__MACOSX" not in info.filename:
                        target = into / Path(info.filename).name
                        target.write_bytes(z.read(info))
                        files.append(target)
        elif archive.name.endswith(".tar.gz"):
            with tarfile.open(archive, "r|gz") as t:
                try:
                    for member in t:
                        stream = t.extractfile(member) if member.isfile() else None
                        if stream is not None and member.name.endswith(".json"):
                            target = into / Path(member.name).name
                            target.write_bytes(stream.read())
                            files.append(target)
                except EOFError:
                    pass  # gzip trailer missing after the last member
    return files


def _shared() -> Path:
    path = Path(os.environ.get("TRACEHOUND_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    if not path.is_dir():
        pytest.skip(f"../shared reference data not found at {path}")
    return path


def _line(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:<42} {r['events']:>8.0f} events {r['seconds']:>7.2f} s {r['events'] / r['seconds']:>9.0f} events/s"
        f" peak {r['rss_mb']:>6.0f} MB"
    )


@pytest.mark.slow
def test_bench_ingest_raw(tmp_path: Path) -> None:
    shared = _shared()
    json_dir = tmp_path / "otrf"
    json_dir.mkdir()
    files = _extract_otrf_json(shared / "datasets/otrf/datasets", json_dir)
    ours = _run(INGEST, tmp_path / "ours.duckdb", files)
    plain = _run(INGEST, tmp_path / "plain.duckdb", files, TH_BENCH_NO_BACKFILL="1")
    limit = _run(READ_JSON, tmp_path / "raw.duckdb", files)
    evtx_files = sorted((shared / "datasets/evtx-to-mitre-attack").rglob("*.evtx"))
    evtx_ours = _run(INGEST, tmp_path / "evtx.duckdb", evtx_files)
    evtx_parse = _run(PARSE_EVTX, tmp_path / "unused", evtx_files)
    print()
    print(_line("OTRF JSON -> tables (ingest_paths)", ours))
    print(_line("OTRF JSON -> one raw table (read_json)", limit))
    print(
        f"  ratio: ingest takes {ours['seconds'] / limit['seconds']:.1f}x DuckDB's bare read_json"
    )
    print(_line("OTRF JSON -> tables, without back-fill", plain))
    print(f"  ratio: with / without the back-fill {ours['seconds'] / plain['seconds']:.2f}x")
    print("  DeviceEvents by ActionType:", ours["actions"])
    for table, (rows, with_guid, with_cmd) in ours["filled"].items():
        before = plain["filled"][table][2]
        print(
            f"  {table:<24} rows {rows:>7} with process GUID {with_guid:>7} "
            f"InitiatingProcessCommandLine {before:>7} -> {with_cmd:>7}"
        )
    print(_line("EVTX -> tables (ingest_paths)", evtx_ours))
    print(_line("EVTX parse only (evtx)", evtx_parse))
    print(
        f"  ratio: ingest takes {evtx_ours['seconds'] / evtx_parse['seconds']:.1f}x parsing alone"
    )
    assert ours["events"] >= limit["events"] * 0.99  # both read the same events
    assert ours["actions"] == plain["actions"]  # the back-fill adds columns, never rows
    assert ours["filled"]["DeviceNetworkEvents"][2] > plain["filled"]["DeviceNetworkEvents"][2]
    assert evtx_ours["events"] == evtx_parse["events"]
    assert ours["rss_mb"] < 2500  # bounded: DuckDB is held to 1 GB while ingesting
