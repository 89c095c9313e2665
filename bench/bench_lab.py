"""Lab seeding speed at the default size, side by side with DuckDB's bulk insert (``make bench``).

One pass over the default lab (7 days, 25 devices, 40 users, every scenario). For each batch:
generation is timed, then the batch is loaded through the store's load path (row ids, casts
to the schema, duplicate check) exactly as ``tracehound lab seed`` does, then the very same
Arrow rows are bulk-inserted from memory (``INSERT ... BY NAME``) into the same table
definitions in another DuckDB file, with no row ids and no duplicate check: the floor any
loader of these rows could reach.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tracehound.lab import truth
from tracehound.lab.clock import Window
from tracehound.lab.context import LabContext
from tracehound.lab.estate import build_estate
from tracehound.lab.seed import SOURCE, generate, load_batch, resolve_scenarios
from tracehound.schema import ROW_ID, get_table
from tracehound.store import Store, create_table_sql

DAYS, DEVICES, USERS, SEED = 7, 25, 40, 1


@pytest.mark.slow
def test_bench_lab_seed_vs_bulk_insert(tmp_path: Path) -> None:
    ctx = LabContext(
        build_estate(SEED, DEVICES, USERS), Window.ending(datetime(2025, 6, 13, 12), DAYS), SEED
    )
    ids = resolve_scenarios(None)
    bulk = duckdb.connect(str(tmp_path / "bulk.duckdb"))
    created: set[str] = set()
    gen_s = load_s = bulk_s = 0.0
    rows = 0
    with Store.open(tmp_path / "lab.duckdb") as store:
        wall = time.perf_counter()
        store.delete_source(SOURCE)
        truth.clear(store)
        steps = generate(ctx, ids)
        while True:
            t = time.perf_counter()
            step = next(steps, None)
            gen_s += time.perf_counter() - t
            if step is None:
                break
            for batch in step.batches:
                t = time.perf_counter()
                rows += load_batch(store, batch, SEED)
                load_s += time.perf_counter() - t
                data = batch.data
                if ROW_ID not in data.column_names:
                    data = data.append_column(ROW_ID, pa.array([""] * data.num_rows))
                bulk.register("b", data)
                t = time.perf_counter()
                if batch.table not in created:
                    bulk.execute(create_table_sql(get_table(batch.table)))
                    created.add(batch.table)
                bulk.execute(f'INSERT INTO "{batch.table}" BY NAME SELECT * FROM b')
                bulk_s += time.perf_counter() - t
                bulk.unregister("b")
        seed_s = time.perf_counter() - wall - bulk_s
    seed_rate = rows / (gen_s + load_s)
    print(
        f"\nlab seed ({DAYS} days, {DEVICES} devices, {USERS} users, {len(ids)} scenarios): "
        f"{rows:,} rows"
    )
    print(
        f"  generate {gen_s:.1f} s + load through the store {load_s:.1f} s = "
        f"{gen_s + load_s:.1f} s ({seed_rate:,.0f} rows/s); seeding wall time {seed_s:.1f} s"
    )
    print(
        f"  DuckDB bulk insert of the same Arrow rows: {bulk_s:.1f} s ({rows / bulk_s:,.0f} rows/s)"
    )
    print(
        f"  ratio seed / bulk insert: {(gen_s + load_s) / bulk_s:.2f}x "
        f"(load path alone {load_s / bulk_s:.2f}x)"
    )
    assert rows > 2_000_000
    # The target is 120 s on 2 idle cores; other engineers share this machine, so the
    # assertion leaves room and the printed figures are what to read.
    assert seed_s < 240
