"""``array_split`` with a numeric index and ``format_timespan(dayofweek(t), 'd')``, on the store.

Expected values come from Microsoft's reference: array_split returns the arrays
``[0..i)`` and ``[i..array_length)``, a negative index counting from the end
(https://learn.microsoft.com/kusto/query/array-split-function, whose example splits
``[1,2,3,4,5]`` at 2 into ``[[1,2],[3,4,5]]``); format_timespan's ``d`` is the number of whole
days (https://learn.microsoft.com/kusto/query/format-timespan-function) and dayofweek counts
days since the preceding Sunday.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.kql_support import rows
from tracehound.backends.local import LocalBackend
from tracehound.kql.diagnostics import UnsupportedKqlError

ARRAY = "print a = dynamic([1,2,3,4,5])"


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ("2", [[1, 2], [3, 4, 5]]),  # the reference's example
        ("0", [[], [1, 2, 3, 4, 5]]),
        ("-2", [[1, 2, 3], [4, 5]]),  # -2 -> 5 - 2 = 3
        ("-5", [[], [1, 2, 3, 4, 5]]),
        ("5", [[1, 2, 3, 4, 5], []]),
        ("1 + 2", [[1, 2, 3], [4, 5]]),
        ("(7 - 1) % 4", [[1, 2], [3, 4, 5]]),
        ("array_length(a) - 4", [[1], [2, 3, 4, 5]]),
    ],
)
def test_array_split_at_one_index(backend: LocalBackend, index: str, expected: Any) -> None:
    out = rows(backend, f"{ARRAY} | project s = array_split(a, {index})")
    assert json.loads(out[0]["s"]) == expected


def test_array_split_at_a_column_the_pipe_set_to_a_number(backend: LocalBackend) -> None:
    # The corpus's shape: the index computed by an earlier extend, read through a where.
    kql = (
        f"{ARRAY} | extend n = array_length(a) - 2 | where n > 0"
        " | extend s = array_split(a, n) | project s"
    )
    assert json.loads(rows(backend, kql)[0]["s"]) == [[1, 2, 3], [4, 5]]


@pytest.mark.parametrize(
    "kql",
    [
        # a dynamic array of indices: not rewritten
        f"{ARRAY} | project s = array_split(a, dynamic([1, 3]))",
        # n set by summarize: the scan does not see through it
        f"{ARRAY} | summarize n = count() by tostring(a) | extend s = array_split(dynamic([1]), n)",
        # n never set by the pipe
        "datatable(a:dynamic, n:long)[dynamic([1, 2]), 1] | extend s = array_split(a, n)",
    ],
)
def test_array_split_whose_index_is_not_known_to_be_a_number_is_left_alone(
    backend: LocalBackend, kql: str
) -> None:
    with pytest.raises(UnsupportedKqlError, match="array_split"):
        backend.query(kql)


def test_format_timespan_of_dayofweek_in_days(backend: LocalBackend) -> None:
    # 2024-01-07 was a Sunday, 2024-01-10 a Wednesday, 2024-01-13 a Saturday.
    kql = (
        "datatable(t:datetime)[datetime(2024-01-07), datetime(2024-01-10 13:00),"
        " datetime(2024-01-13 23:59)] | project d = format_timespan(dayofweek(t), 'd')"
    )
    assert rows(backend, kql) == [{"d": "0"}, {"d": "3"}, {"d": "6"}]


def test_format_timespan_in_other_formats_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="format_timespan"):
        backend.query("print d = format_timespan(dayofweek(now()), 'dd')")
    with pytest.raises(UnsupportedKqlError, match="format_timespan"):
        backend.query("print d = format_timespan(2d, 'd')")


# -- has_any_index (https://learn.microsoft.com/kusto/query/has-any-index-function) ---------


def test_has_any_index_of_the_references_examples(backend: LocalBackend) -> None:
    kql = (
        "print idx1 = has_any_index('this is an example', dynamic(['this', 'example'])),"
        " idx2 = has_any_index('this is an example', dynamic(['not', 'example'])),"
        " idx3 = has_any_index('this is an example', dynamic(['not', 'found']))"
    )
    assert rows(backend, kql) == [{"idx1": 0, "idx2": 1, "idx3": -1}]


def test_has_any_index_of_a_let_bound_array_finds_the_first_item(backend: LocalBackend) -> None:
    kql = (
        "let V = dynamic(['b', 'a']); datatable(s:string)['x a', 'b a', 'q', 'ab']"
        " | project i = has_any_index(s, V)"
    )
    # 'b a' has both: the first item of V found is 'b' (0); 'ab' is one term, neither.
    assert rows(backend, kql) == [{"i": 1}, {"i": 0}, {"i": -1}, {"i": -1}]


def test_has_any_index_of_a_let_name_that_is_also_a_column_is_left_alone(
    backend: LocalBackend,
) -> None:
    kql = "let s = dynamic(['a']); datatable(s:string)['a'] | project has_any_index(s, s)"
    with pytest.raises(UnsupportedKqlError, match="has_any_index"):
        backend.query(kql)


# -- bin(c, 1tick) and abs(timespan) -------------------------------------------------------


def test_bin_of_a_datetime_column_to_one_tick_is_the_column(backend: LocalBackend) -> None:
    kql = (
        "datatable(t:datetime)[datetime(2024-01-01 10:00:00.123456),"
        " datetime(2024-01-01 10:00:00.123456), datetime(2024-01-01 10:00:00.123457)]"
        " | summarize c = count() by bin(t, 1tick) | order by t asc"
    )
    out = rows(backend, kql)
    assert [r["c"] for r in out] == [2, 1]
    assert list(out[0]) == ["t", "c"]
    assert out[0]["t"].microsecond == 123456


def test_bin_of_a_number_to_one_tick_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="tick"):
        backend.query("datatable(n:real)[1.5] | summarize count() by bin(n, 1tick)")


def test_abs_of_a_difference_of_datetimes_is_a_positive_timespan(backend: LocalBackend) -> None:
    kql = (
        "datatable(a:datetime, b:datetime)[datetime(2024-01-01), datetime(2024-01-02 06:00),"
        " datetime(2024-01-03), datetime(2024-01-02), datetime(null), datetime(2024-01-02)]"
        " | project h = abs(a - b) / 1h, g = abs(b - a) / 1h"
    )
    assert rows(backend, kql) == [
        {"h": 30.0, "g": 30.0},
        {"h": 24.0, "g": 24.0},
        {"h": None, "g": None},
    ]
