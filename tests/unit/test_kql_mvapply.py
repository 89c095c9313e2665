"""``pack_all()`` and ``mv-apply`` rewrites, run on the store.

Expected values are worked out from Microsoft's reference: pack_all
(https://learn.microsoft.com/kusto/query/pack-all-function) bags every input column, nulls and
empty strings included, and its example shows an ``extend``'s bag holding only the input's
columns; mv-apply (https://learn.microsoft.com/kusto/query/mv-apply-operator) runs the subquery
on each record's expansion and adds the source columns back; make_list leaves out nulls;
``order by`` sorts descending by default.
"""

from __future__ import annotations

import json

import pytest

from tests.unit.kql_support import rows
from tracehound.backends.local import LocalBackend
from tracehound.kql.diagnostics import UnsupportedKqlError
from tracehound.store import Store

# -- pack_all ------------------------------------------------------------------------------

# The reference's example table.
NUMBERS = (
    "datatable(Source:string, Target:string, CharsCount:long)"
    "['555-1234','555-1212',46, '555-1313','',42, '','555-3456',long(null)]"
)


def test_pack_all_bags_every_input_column(backend: LocalBackend) -> None:
    out = rows(backend, f"{NUMBERS} | extend Packed = pack_all(), Other = 1")
    assert [json.loads(r["Packed"]) for r in out] == [
        {"Source": "555-1234", "Target": "555-1212", "CharsCount": 46},
        {"Source": "555-1313", "Target": "", "CharsCount": 42},
        {"Source": "", "Target": "555-3456", "CharsCount": None},
    ]
    assert list(out[0]) == ["Source", "Target", "CharsCount", "Packed", "Other"]


def test_pack_all_sees_the_columns_of_its_own_input(backend: LocalBackend) -> None:
    kql = f"{NUMBERS} | project Source | take 1 | project b = pack_all()"
    assert [json.loads(r["b"]) for r in rows(backend, kql)] == [{"Source": "555-1234"}]


def test_pack_all_ignoring_null_and_empty_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="pack_all"):
        backend.query(f"{NUMBERS} | extend b = pack_all(true)")


# -- mv-apply, row by row ------------------------------------------------------------------

DATA = "datatable(Val:long, Arr:dynamic)[1, dynamic(['a1', 'b2', 'a3']), 2, dynamic(['b4'])]"


def test_row_wise_mv_apply_keeps_the_matching_elements(backend: LocalBackend) -> None:
    kql = (
        f"{DATA} | mv-apply e = Arr to typeof(string) on"
        " (where e startswith 'a' | extend n = strlen(e) + Val | project e, n)"
    )
    out = rows(backend, kql)
    assert [(r["Val"], r["e"], r["n"]) for r in out] == [(1, "a1", 3), (1, "a3", 3)]
    # source columns first (the array kept), then the expansion and the subquery's columns
    assert list(out[0]) == ["Val", "Arr", "e", "n"]


def test_mv_apply_with_a_project_dropping_a_made_column_is_left_alone(
    backend: LocalBackend,
) -> None:
    with pytest.raises(UnsupportedKqlError, match="Mvapply"):
        backend.query(f"{DATA} | mv-apply e = Arr on (extend n = 1 | project e)")


def test_mv_apply_with_a_per_record_aggregate_over_a_column_is_left_alone(
    backend: LocalBackend,
) -> None:
    # top 1 per record needs the subquery per record: not rewritten.
    with pytest.raises(UnsupportedKqlError, match="Mvapply"):
        backend.query(f"{DATA} | mv-apply e = Arr to typeof(string) on (top 1 by e)")


def test_mv_apply_expanding_to_an_input_column_name_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="Mvapply"):
        backend.query(f"{DATA} | mv-apply Val = Arr on (where isnotempty(Val))")


# -- mv-apply over a constant array collected with make_list -------------------------------

DEDUP = (
    'let Fields = dynamic(["Name", "Account", "Missing"]);'
    " datatable(Account:string, Name:string, N:long)['acc', 'nm', 1]"
    " | extend Values = pack_all()"
    " | mv-apply e = Fields to typeof(string) on ("
    " extend V = Values[tostring(e)] | order by e {order} | summarize L = make_list(V))"
)


def test_constant_array_collected_in_descending_order_by_default(backend: LocalBackend) -> None:
    # order by e is descending: Name, Missing, Account; Missing is null and make_list skips it.
    out = rows(backend, DEDUP.format(order="") + ' | extend J = strcat_array(L, "|")')
    assert out[0]["J"] == "nm|acc"
    assert json.loads(out[0]["L"]) == ["nm", "acc"]
    assert list(out[0]) == ["Account", "Name", "N", "Values", "L", "J"]


def test_constant_array_collected_in_ascending_order(backend: LocalBackend) -> None:
    out = rows(backend, DEDUP.format(order="asc"))
    assert json.loads(out[0]["L"]) == ["acc", "nm"]


def test_constant_array_whose_order_depends_on_case_is_left_alone(backend: LocalBackend) -> None:
    kql = DEDUP.format(order="asc").replace('"Missing"', '"account"')
    with pytest.raises(UnsupportedKqlError, match="Mvapply"):
        backend.query(kql)


def test_row_wise_mv_apply_over_a_let_bound_array(backend: LocalBackend) -> None:
    # The corpus's shape: keep the rows whose name ends with one of a let-bound list.
    kql = (
        "let Ext = dynamic(['.js', '.lnk']);"
        " datatable(FileName:string)['a.js', 'b.txt', 'c.lnk']"
        " | mv-apply ext = Ext to typeof(string) on (where FileName endswith ext)"
    )
    assert rows(backend, kql) == [
        {"FileName": "a.js", "ext": ".js"},
        {"FileName": "c.lnk", "ext": ".lnk"},
    ]


def test_pack_all_over_a_store_table_leaves_out_the_store_s_own_columns(
    store: Store, backend: LocalBackend
) -> None:
    import pyarrow as pa

    store.con.register("th_rows", pa.table({"DeviceName": ["pc1"], "_RowId": ["r1"]}))
    store.load_staged("DeviceInfo", "th_rows", "test")
    store.con.unregister("th_rows")
    out = rows(backend, "DeviceInfo | project b = pack_all()")
    bag = json.loads(out[0]["b"])
    assert bag["DeviceName"] == "pc1"
    assert not {"_RowId", "_IngestedAt", "_Source", "_Extra"} & set(bag)
