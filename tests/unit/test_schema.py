from __future__ import annotations

import pytest

from tracehound.schema import TIME_COLUMNS, UnknownTableError, get_table, table_names

CORE_TABLES = [
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceLogonEvents",
    "DeviceFileEvents",
    "DeviceRegistryEvents",
    "DeviceImageLoadEvents",
    "DeviceEvents",
    "DeviceInfo",
    "AlertInfo",
    "AlertEvidence",
    "AzureNetworkAnalytics_CL",
    "AzureActivity",
    "SigninLogs",
    "SecurityEvent",
]


def test_all_74_tables_are_defined() -> None:
    assert len(table_names()) == 74
    assert set(CORE_TABLES) <= set(table_names())


@pytest.mark.parametrize("name", CORE_TABLES)
def test_every_table_has_both_time_columns_and_system_columns(name: str) -> None:
    table = get_table(name)
    names = table.names
    for col in TIME_COLUMNS:
        assert names.count(col) == 1
    assert {"_RowId", "_IngestedAt", "_Source", "_Extra"} <= set(names)
    assert len({n.lower() for n in names}) == len(names), "case-insensitive duplicate column"


def test_known_columns_have_microsoft_types() -> None:
    proc = get_table("DeviceProcessEvents")
    assert proc.column("ProcessCommandLine").kql_type == "string"  # type: ignore[union-attr]
    assert proc.column("ProcessId").kql_type == "long"  # type: ignore[union-attr]
    assert proc.column("AdditionalFields").kql_type == "dynamic"  # type: ignore[union-attr]
    assert get_table("SigninLogs").column("LocationDetails").kql_type == "dynamic"  # type: ignore[union-attr]


def test_lookup_is_case_insensitive_and_suggests() -> None:
    assert get_table("deviceprocessevents").name == "DeviceProcessEvents"
    with pytest.raises(UnknownTableError) as err:
        get_table("DeviceProcesEvents")
    assert "DeviceProcessEvents" in err.value.suggestions


def test_generated_module_matches_the_generator(shared) -> None:  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen_schema", root / "scripts" / "gen_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = module.generate(shared / "schema" / "tables.json")
    committed = (root / "src" / "tracehound" / "schema" / "tables.py").read_text(encoding="utf-8")
    assert generated == committed, "run `make schema` and commit the result"
