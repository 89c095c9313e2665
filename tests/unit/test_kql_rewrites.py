"""Each compatibility rewrite, run end to end on the embedded store.

Every expected answer here was worked out by hand from Microsoft's KQL reference for the
construct (the reference each rewrite cites in its module docstring), not read off the
engine's output.
"""

from __future__ import annotations

import json

import pytest

from tests.unit.kql_support import rows
from tracehound.backends.local import LocalBackend
from tracehound.kql import syntax
from tracehound.kql.diagnostics import UnsupportedKqlError
from tracehound.store import Store


def columns(backend: LocalBackend, kql: str) -> list[str]:
    return list(backend.query(kql, limit=1).table.column_names)


# -- old spellings -----------------------------------------------------------------------


def test_makeset_and_makelist_keep_their_old_128_element_default(backend: LocalBackend) -> None:
    out = rows(
        backend,
        "range x from 1 to 200 step 1 | summarize s = makeset(x), makelist(x)"
        " | project n = array_length(s), m = array_length(list_x)",
    )
    assert out == [{"n": 128, "m": 128}]


def test_make_list_size_argument_is_honoured(backend: LocalBackend) -> None:
    out = rows(backend, "range x from 1 to 9 step 1 | summarize make_list(x, 3)")
    assert out == [{"list_x": "[1,2,3]"}]


def test_notcontains_is_case_insensitive_not_contains(backend: LocalBackend) -> None:
    kql = 'datatable(s:string)["abc", "xyz"] | where s notcontains "B"'
    assert rows(backend, kql) == [{"s": "xyz"}]


def test_containscs_is_case_sensitive(backend: LocalBackend) -> None:
    base = 'datatable(s:string)["abc", "xyz"] | where s containscs '
    assert rows(backend, base + '"B"') == []
    assert rows(backend, base + '"b"') == [{"s": "abc"}]


def test_pack_dictionary_is_bag_pack(backend: LocalBackend) -> None:
    out = rows(backend, 'print x = pack_dictionary("a", 1, "b", "two")')
    assert json.loads(out[0]["x"]) == {"a": 1, "b": "two"}


# -- functions ---------------------------------------------------------------------------


def test_split_with_index_returns_that_element_in_an_array(backend: LocalBackend) -> None:
    out = rows(backend, 'print a = split("a/b/c", "/", 1), b = split("a/b/c", "/", 5)')
    assert json.loads(out[0]["a"]) == ["b"]
    assert json.loads(out[0]["b"]) == []


def test_ipv4_is_private_and_in_range(backend: LocalBackend) -> None:
    out = rows(
        backend,
        'datatable(ip:string)["10.1.2.3", "172.15.0.1", "172.16.0.1", "192.168.1.1", "8.8.8.8", "nope"]'
        ' | extend p = ipv4_is_private(ip), r = ipv4_is_in_range(ip, "192.168.1.0/24")',
    )
    assert [(r["ip"], r["p"], r["r"]) for r in out] == [
        ("10.1.2.3", True, False),
        ("172.15.0.1", False, False),
        ("172.16.0.1", True, False),
        ("192.168.1.1", True, True),
        ("8.8.8.8", False, False),
        ("nope", None, None),
    ]


def test_extractjson_paths_and_types(backend: LocalBackend) -> None:
    out = rows(
        backend,
        'print a = extractjson("$.a.b[1]", \'{"a":{"b":[1,"x"]}}\', typeof(string)),'
        " n = extract_json(\"$['n']\", '{\"n\":5}', typeof(long)),"
        ' missing = extract_json("$.zz", \'{"n":5}\', typeof(long)),'
        ' untyped = extractjson("$.zz", "{}")',
    )
    assert out == [{"a": "x", "n": 5, "missing": None, "untyped": ""}]


def test_extract_json_with_a_filter_path_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="extract_json"):
        backend.query('print extract_json("$..a", "{}", typeof(string))')


def test_make_set_if_keeps_only_values_whose_predicate_holds(backend: LocalBackend) -> None:
    out = rows(
        backend,
        'datatable(k:string, v:long)["a", 1, "b", 2, "c", 3, "b", 4]'
        " | summarize make_set_if(k, v > 1)",
    )
    assert sorted(json.loads(out[0]["set_k"])) == ["b", "c"]


def test_count_distinct_is_exact(backend: LocalBackend) -> None:
    out = rows(
        backend,
        "range x from 1 to 100000 step 1 | extend y = x % 77777 | summarize count_distinct(y)",
    )
    assert out == [{"count_distinct_y": 77777}]


def test_string_size_counts_utf8_bytes(backend: LocalBackend) -> None:
    # a = 1 byte, é = 2, € = 3, 😀 = 4
    assert rows(backend, 'print s = string_size("aé€😀")') == [{"s": 10}]


def test_indexof_with_a_start_counts_from_the_string_start(backend: LocalBackend) -> None:
    out = rows(backend, 'print i = indexof("abcabc", "c", 3), j = indexof("abcabc", "c", 6)')
    assert out == [{"i": 5, "j": -1}]


def test_ingestion_time_is_when_the_row_was_loaded(store: Store, backend: LocalBackend) -> None:
    import pyarrow as pa

    store.con.register("th_rows", pa.table({"DeviceName": ["pc1"], "_RowId": ["r1"]}))
    store.load_staged("DeviceInfo", "th_rows", "test")
    store.con.unregister("th_rows")
    out = rows(backend, "DeviceInfo | extend t = ingestion_time() | project t, _IngestedAt")
    assert len(out) == 1
    assert out[0]["t"] is not None and out[0]["t"] == out[0]["_IngestedAt"]


# -- operators ---------------------------------------------------------------------------


def test_parenthesized_source_of_a_pipe(backend: LocalBackend) -> None:
    assert rows(backend, "(datatable(a:long)[1, 2, 3] | where a > 1) | count") == [{"Count": 2}]


def test_a_let_bound_parenthesized_source_of_a_pipe(backend: LocalBackend) -> None:
    kql = "let r = (datatable(a:long)[1, 2, 3] | where a > 1) | count; r"
    assert rows(backend, kql) == [{"Count": 2}]


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        ("let r = (T | where a > 1) | count; r", True),
        ("let r = (T) | count; r", True),
        ("T | extend f = (a or (b and c)) | where f", False),
        ('T | extend f = (a has "(x | y)") | where f', False),
        # a false alarm (an in-list holding a subquery) costs one parse, never an edit
        ("T | where x in ((U | project x)) | count", True),
    ],
)
def test_only_tabular_parentheses_before_a_pipe_are_worth_parsing(kql: str, expected: bool) -> None:
    assert syntax.piped_parenthesized_source(kql) is expected


def test_mv_expand_of_a_call_on_one_column_takes_that_columns_name(backend: LocalBackend) -> None:
    out = rows(backend, 'datatable(X:string)["[1,2]"] | mv-expand todynamic(X)')
    assert [r["X"] for r in out] == ["1", "2"]
    assert columns(backend, 'datatable(X:string)["[1,2]"] | mv-expand todynamic(X)') == ["X"]


def test_mv_expand_of_a_call_on_two_columns_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="unnamed computed"):
        backend.query('datatable(a:string, b:string)["x", "y"] | mv-expand pack_array(a, b)')


def test_a_let_declared_twice_stays_refused_as_kusto_refuses_it(backend: LocalBackend) -> None:
    # Kusto rejects a redeclaration (SEM0079), even of the same value: no rewrite may accept it.
    with pytest.raises(UnsupportedKqlError, match="already bound"):
        backend.query("let w = 1; let w = 1; print w")


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        ("let n = 2; range x from 1 to 9 step 1 | top n by x desc", [{"x": 9}, {"x": 8}]),
        ("let n = 2; range x from 1 to 9 step 1 | take n | count", [{"Count": 2}]),
        ("let n = 3; range x from 1 to 9 step 1 | limit n | count", [{"Count": 3}]),
    ],
)
def test_let_bound_counts(backend: LocalBackend, kql: str, expected: list[dict[str, int]]) -> None:
    assert rows(backend, kql) == expected


def test_parse_simple_pattern(backend: LocalBackend) -> None:
    out = rows(
        backend,
        'datatable(p:string)[@"C:\\Windows\\x", "nodelim"] | parse p with Drive @"\\" *',
    )
    assert out == [{"p": "C:\\Windows\\x", "Drive": "C:"}, {"p": "nodelim", "Drive": ""}]


def test_parse_pattern_starting_with_a_constant_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="parse"):
        backend.query('datatable(p:string)["a=1"] | parse p with "a=" v *')


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        # The reference's own two examples, then granny order and first-match placement.
        ('print a="a", b="b", c="c" | project-reorder b', ["b", "a", "c"]),
        (
            'print b="b", a2="a2", a3="a3", a1="a1" | project-reorder a* asc',
            ["a1", "a2", "a3", "b"],
        ),
        ("print a100=1, a20=2, b=3 | project-reorder a* granny-asc", ["a20", "a100", "b"]),
        ("print a100=1, a20=2, b=3 | project-reorder a* desc", ["a20", "a100", "b"]),
        ("print x1=1, y=2, x2=3 | project-reorder y, x*", ["y", "x1", "x2"]),
        ("print ab=1, b=2 | project-reorder a*, *b", ["ab", "b"]),
    ],
)
def test_project_reorder(backend: LocalBackend, kql: str, expected: list[str]) -> None:
    assert columns(backend, kql) == expected


def test_project_reorder_of_an_unknown_column_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="ProjectReorder"):
        backend.query("print a=1 | project-reorder zz")


def test_project_reorder_reports_the_real_reason_of_its_input(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="parse_user_agent"):
        backend.query('print a = parse_user_agent("x", "browser") | project-reorder a')


# -- argmax / argmin, as -----------------------------------------------------------------

ARGS = 'datatable(g:string, t:long, s:string)["a", 1, "x", "a", 2, "y", "b", 5, "z"]'


def test_argmax_and_argmin_are_arg_max_and_arg_min(backend: LocalBackend) -> None:
    assert sorted(rows(backend, f"{ARGS} | summarize argmax(t, s) by g"), key=str) == [
        {"g": "a", "t": 2, "s": "y"},
        {"g": "b", "t": 5, "s": "z"},
    ]
    assert rows(backend, f"{ARGS} | where g == 'a' | summarize (T, s) = argmin(t, s)") == [
        {"T": 1, "s": "x"}
    ]


def test_argmax_in_a_tuple_renaming_a_returned_column_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="argmax"):
        backend.query(f"{ARGS} | summarize (T, S) = argmax(t, s) by g")


def test_as_binds_the_input_for_later_reference(backend: LocalBackend) -> None:
    kql = f"{ARGS} | summarize c = count() by g | as T | extend total = toscalar(T | count)"
    assert sorted(rows(backend, kql), key=str) == [
        {"g": "a", "c": 2, "total": 2},
        {"g": "b", "c": 1, "total": 2},
    ]


def test_as_with_union_withsource_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="AsOperator"):
        backend.query(f"{ARGS} | as T1 | union withsource=TableName ({ARGS} | as T2)")


# -- let functions with a tabular body (Microsoft's user-defined functions reference) ------

FILTER = "let F = (v:long) { range x from 1 to 10 step 1 | where x >= v };"


def test_tabular_let_function_with_a_scalar_parameter(backend: LocalBackend) -> None:
    # The reference's MyFilter example, its range moved into the body: x >= 9 keeps 9 and 10.
    assert rows(backend, f"{FILTER} F(9)") == [{"x": 9}, {"x": 10}]


def test_each_call_binds_its_own_arguments(backend: LocalBackend) -> None:
    kql = f"{FILTER} F(9) | join kind=inner (F(10)) on x | project x"
    assert rows(backend, kql) == [{"x": 10}]


def test_a_parameter_counting_top_becomes_the_argument(backend: LocalBackend) -> None:
    kql = "let T = (n:int, d:string) { range x from 1 to 9 step 1 | top n by x desc }; T(2, 'a')"
    assert rows(backend, kql) == [{"x": 9}, {"x": 8}]


def test_tabular_parameter_summarized_at_once(backend: LocalBackend) -> None:
    kql = (
        "let C = (T:(x:long)) { T | summarize n = count() };"
        " let R = range x from 1 to 5 step 1; C(R)"
    )
    assert rows(backend, kql) == [{"n": 5}]


def test_a_parameter_named_like_a_column_is_left_alone(backend: LocalBackend) -> None:
    # Inside the body the column wins: DeviceName == DeviceName compares the column to itself.
    kql = "let F = (DeviceName:string) { DeviceEvents | where DeviceName == DeviceName }; F('a')"
    with pytest.raises(UnsupportedKqlError, match="tabular body"):
        backend.query(kql)


# -- column_ifexists (Microsoft's column_ifexists reference) --------------------------------


def test_column_ifexists_without_the_column_is_the_default(backend: LocalBackend) -> None:
    # The reference's example: no Capital column, so the State column is returned.
    kql = 'datatable(State:string)["WA"] | project column_ifexists("Capital", State)'
    assert rows(backend, kql) == [{"State": "WA"}]


def test_column_ifexists_with_the_column_is_the_column(backend: LocalBackend) -> None:
    kql = (
        'datatable(Capital:string, State:string)["Olympia", "WA"]'
        ' | project columnifexists("Capital", State)'
    )
    assert rows(backend, kql) == [{"Capital": "Olympia"}]


def test_column_ifexists_sees_columns_bag_unpack_made_from_the_data(
    backend: LocalBackend,
) -> None:
    kql = (
        'datatable(d:dynamic)[dynamic({"a": 1})] | evaluate bag_unpack(d)'
        " | extend x = column_ifexists('a', 0), y = column_ifexists('b', -1)"
    )
    assert rows(backend, kql) == [{"a": 1, "x": 1, "y": -1}]
