"""``evaluate bag_unpack`` and ``evaluate pivot``: columns found in the data, as in Kusto.

Expected answers come from Microsoft's reference pages for the two plugins (their worked
examples and their "Returns" sections), not from the engine's output.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest

from tracehound.backends.local import LocalBackend
from tracehound.kql.diagnostics import UnsupportedKqlError
from tracehound.store import Store

PEOPLE = (
    "datatable(d:dynamic)["
    'dynamic({"Name": "John", "Age": 20}), '
    'dynamic({"Name": "Dave", "Age": 40}), '
    'dynamic({"Name": "Jasmine", "Age": 30})]'
)
STORMS = (
    "datatable(State:string, EventType:string)["
    '"ALABAMA", "Strong Wind", "ALABAMA", "Strong Wind", "ALASKA", "High Wind", '
    '"ALASKA", "Strong Wind"]'
)


def run(backend: LocalBackend, kql: str) -> tuple[list[str], list[dict[str, Any]]]:
    result = backend.query(kql, limit=1000)
    return list(result.table.column_names), result.table.to_pylist()


def test_bag_unpack_reference_example(backend: LocalBackend) -> None:
    names, rows = run(backend, f"{PEOPLE} | evaluate bag_unpack(d)")
    assert names == ["Age", "Name"]
    assert sorted((r["Age"], r["Name"]) for r in rows) == [
        (20, "John"),
        (30, "Jasmine"),
        (40, "Dave"),
    ]


def test_bag_unpack_prefix_keeps_other_columns_and_drops_the_bag(backend: LocalBackend) -> None:
    kql = (
        'datatable(x:long, d:dynamic)[1, dynamic({"a": "s"}), 2, dynamic({"b": true})]'
        ' | evaluate bag_unpack(d, "p_")'
    )
    names, rows = run(backend, kql)
    assert names == ["x", "p_a", "p_b"]
    assert sorted(rows, key=lambda r: r["x"]) == [
        {"x": 1, "p_a": "s", "p_b": None},
        {"x": 2, "p_a": "", "p_b": True},  # a string is never null in KQL
    ]


def test_bag_unpack_slot_of_mixed_types_is_dynamic(backend: LocalBackend) -> None:
    kql = 'datatable(d:dynamic)[dynamic({"v": 1}), dynamic({"v": "one"})] | evaluate bag_unpack(d)'
    result = backend.query(kql)
    assert result.column_types == ("dynamic",)
    assert sorted(json.dumps(json.loads(v)) for v in result.table.column("v").to_pylist()) == [
        '"one"',
        "1",
    ]


def test_bag_unpack_slot_clashing_with_a_column_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="EvaluateOperator"):
        backend.query('datatable(x:long, d:dynamic)[1, dynamic({"x": 2})] | evaluate bag_unpack(d)')


def test_bag_unpack_of_an_empty_input_has_no_slot_columns(backend: LocalBackend) -> None:
    names, rows = run(backend, "datatable(x:long, d:dynamic)[] | evaluate bag_unpack(d)")
    assert (names, rows) == (["x"], [])


def test_bag_unpack_follows_the_data_not_a_cached_translation(store: Store) -> None:
    backend = LocalBackend(store)
    kql = "DeviceEvents | extend F = parse_json(AdditionalFields) | evaluate bag_unpack(F)"
    before = set(backend.query(kql).table.column_names)
    store.con.register(
        "th_rows", pa.table({"AdditionalFields": ['{"Signer": "x"}'], "_RowId": ["r1"]})
    )
    store.load_staged("DeviceEvents", "th_rows", "test")
    store.con.unregister("th_rows")
    after = backend.query(kql).table
    assert "Signer" not in before
    assert after.column("Signer").to_pylist() == ["x"]


def test_pivot_reference_example_counts_zero_where_a_value_is_absent(
    backend: LocalBackend,
) -> None:
    names, rows = run(backend, f"{STORMS} | evaluate pivot(State)")
    assert names == ["EventType", "ALABAMA", "ALASKA"]
    assert sorted(rows, key=lambda r: r["EventType"]) == [
        {"EventType": "High Wind", "ALABAMA": 0, "ALASKA": 1},
        {"EventType": "Strong Wind", "ALABAMA": 2, "ALASKA": 1},
    ]


def test_pivot_with_named_grouping_columns(backend: LocalBackend) -> None:
    kql = (
        "datatable(s:string, e:string, n:long)"
        '["A", "x", 1, "A", "y", 2, "B", "x", 3] | evaluate pivot(s, count(), e)'
    )
    names, rows = run(backend, kql)
    assert names == ["e", "A", "B"]
    assert sorted(rows, key=lambda r: r["e"]) == [
        {"e": "x", "A": 1, "B": 1},
        {"e": "y", "A": 1, "B": 0},
    ]


def test_pivot_of_an_empty_input_keeps_only_the_grouping_columns(backend: LocalBackend) -> None:
    names, rows = run(
        backend, "datatable(s:string, e:string, n:long)[] | evaluate pivot(s, sum(n))"
    )
    assert (names, rows) == (["e"], [])


def test_pivot_with_another_aggregation_over_values_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="EvaluateOperator"):
        backend.query('datatable(s:string, n:long)["A", 1] | evaluate pivot(s, sum(n))')
