"""Generated DeviceProcessEvents against real Defender rows (msticpy's public sample).

The real rows decide what is checked: which columns a real row fills, and what shape each
value has. A drift in the generator (a column left empty, a hash of the wrong length, a
path written another way) fails here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.lab.seed import SeedOptions, seed
from tracehound.store import Store

SYSTEM_SIDS = ("S-1-5-18", "S-1-5-19", "S-1-5-20")
#: Value shapes: column -> pattern every real value matches.
SHAPES = {
    "SHA1": r"^[0-9a-f]{40}$",
    "SHA256": r"^[0-9a-f]{64}$",
    "MD5": r"^[0-9a-f]{32}$",
    "InitiatingProcessSHA1": r"^[0-9a-f]{40}$",
    "InitiatingProcessSHA256": r"^[0-9a-f]{64}$",
    "InitiatingProcessMD5": r"^[0-9a-f]{32}$",
    "DeviceId": r"^[0-9a-f]{40}$",
    "FolderPath": r"^[A-Z]:\\(?:[^\\]+\\)*[^\\]+\.(?:exe|EXE)$",
    "InitiatingProcessFolderPath": r"^[a-z]:\\[^A-Z]*$",
    "AccountSid": r"^S-1-5-\d+(?:-\d+)*$",
    "InitiatingProcessAccountSid": r"^S-1-5-\d+(?:-\d+)*$",
    "ProcessIntegrityLevel": r"^(System|High|Medium|Low)$",
    "ProcessTokenElevation": r"^TokenElevationType(Default|Full|Limited)$",
    "InitiatingProcessSignerType": r"^(OsVendor|OsVendorApplication|Unknown)$",
    "ActionType": r"^ProcessCreated$",
    "AccountDomain": r"^[a-z0-9 .-]+$",
}


def _real_rows(shared: Path) -> list[dict[str, Any]]:
    path = shared / "datasets" / "msticpy" / "DeviceProcessEvents_mde_proc_pub.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("lab") / "realism.duckdb"
    with Store.open(path) as store:
        seed(
            store,
            SeedOptions(
                days=1, devices=7, users=6, seed=11, end=datetime(2025, 3, 4, 12), attacks=False
            ),
        )
        cursor = store.con.execute(
            "SELECT * FROM DeviceProcessEvents WHERE AccountSid IN (?, ?, ?)"
            " AND FolderPath LIKE '_:\\%' USING SAMPLE 3000 ROWS",
            list(SYSTEM_SIDS),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_columns_real_rows_fill_are_filled(shared: Path, generated: list[dict[str, Any]]) -> None:
    real = _real_rows(shared)
    assert generated, "no generated rows"
    for column in real[0]:
        if column in ("CreatedProcessParentId", "Timestamp"):
            continue  # not in the published schema / filled by the store
        real_rate = sum(_filled(r.get(column)) for r in real) / len(real)
        gen_rate = sum(_filled(r.get(column)) for r in generated) / len(generated)
        assert abs(real_rate - gen_rate) <= 0.1, (column, real_rate, gen_rate)


@pytest.mark.parametrize("column", sorted(SHAPES))
def test_value_shapes_match_real_rows(
    shared: Path, generated: list[dict[str, Any]], column: str
) -> None:
    pattern = re.compile(SHAPES[column])
    real = [r[column] for r in _real_rows(shared) if _filled(r.get(column))]
    real_rate = sum(bool(pattern.match(str(v))) for v in real) / len(real)
    assert real_rate >= 0.95, f"pattern for {column} does not describe the real rows"
    gen = [r[column] for r in generated if _filled(r.get(column))]
    gen_rate = sum(bool(pattern.match(str(v))) for v in gen) / len(gen)
    assert gen_rate >= real_rate - 0.02, (column, real_rate, gen_rate)


def test_timestamps_and_parents_are_ordered(generated: list[dict[str, Any]]) -> None:
    for row in generated:
        assert row["InitiatingProcessCreationTime"] <= row["ProcessCreationTime"]
        assert row["InitiatingProcessParentCreationTime"] <= row["InitiatingProcessCreationTime"]
        assert row["ProcessCreationTime"] == row["Timestamp"]
