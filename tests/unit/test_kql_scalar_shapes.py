"""``between`` with a timespan bound, ``split`` at a computed index, and summarize columns
computed from aggregates, run on the store.

Expected values are worked out from Microsoft's reference: ``between (L .. span)`` ends at
``L + span`` (https://learn.microsoft.com/kusto/query/between-operator, whose example counts
the same rows for ``.. 3d`` as for the date three days on); ``split(s, d, i)`` is the one-element
array at ``i``, empty past the end (https://learn.microsoft.com/kusto/query/split-function);
summarize gives the by columns, then each aggregation in order
(https://learn.microsoft.com/kusto/query/summarize-operator).
"""

from __future__ import annotations

import json

import pytest

from tests.unit.kql_support import rows
from tracehound.backends.local import LocalBackend
from tracehound.errors import TracehoundError
from tracehound.kql.diagnostics import UnsupportedKqlError
from tracehound.kql.rewrites.aggregates import may_compute

# -- between (L .. timespan) ---------------------------------------------------------------

TIMES = (
    "datatable(n:long, t:datetime)[1, datetime(2024-01-01 00:05), 2, datetime(2024-01-01 00:11),"
    " 3, datetime(2023-12-31 23:54), 4, datetime(2023-12-31 23:55), 5, datetime(2024-01-01 00:10)]"
)


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        # [23:55 .. 00:10], both ends included
        (
            f"let s = datetime(2024-01-01); {TIMES} | where t between ((s - 5min) .. 15min)",
            [1, 4, 5],
        ),
        (f"{TIMES} | where t between (datetime(2023-12-31 23:55) .. 15min)", [1, 4, 5]),
        (f"{TIMES} | where t !between (datetime(2023-12-31 23:55) .. 15min)", [2, 3]),
    ],
)
def test_between_a_datetime_and_a_timespan_ends_at_their_sum(
    backend: LocalBackend, kql: str, expected: list[int]
) -> None:
    assert sorted(r["n"] for r in rows(backend, f"{kql} | project n")) == expected


def test_between_of_timespans_is_unchanged(backend: LocalBackend) -> None:
    kql = "datatable(d:timespan)[5min, 20min] | where d between (1min .. 10min) | count"
    assert rows(backend, kql) == [{"Count": 1}]


def test_between_whose_start_is_a_column_is_left_alone(backend: LocalBackend) -> None:
    # s is a column of the input, of whatever type: the let of the same name is not it.
    kql = (
        "let s = datetime(2024-01-01); datatable(s:datetime)[datetime(2024-01-01)]"
        " | where s between (s .. 1d)"
    )
    with pytest.raises(TracehoundError, match=r"INTERVAL|between"):
        backend.query(kql)


# -- split(s, d, i) with a computed index --------------------------------------------------


def test_split_at_a_count_computed_by_the_pipe(backend: LocalBackend) -> None:
    kql = (
        'print u = "x.tar.gz" | extend n = countof(u, ".")'
        ' | project final = split(u, ".", n), past = split(u, ".", n + 1)'
    )
    out = rows(backend, kql)
    assert json.loads(out[0]["final"]) == ["gz"]
    assert json.loads(out[0]["past"]) == []


def test_split_at_an_index_that_may_be_negative_is_left_alone(backend: LocalBackend) -> None:
    with pytest.raises(UnsupportedKqlError, match="split"):
        backend.query('print u = "a.b" | extend n = countof(u, ".") - 1 | project split(u, ".", n)')


# -- summarize columns computed from aggregates --------------------------------------------

GROUPS = "datatable(k:string, t:long)['a', 1, 'a', 5, 'b', 2]"


def test_summarize_column_computed_from_aggregates(backend: LocalBackend) -> None:
    kql = (
        f"{GROUPS} | summarize c = count(), spread = max(t) - min(t),"
        " label = strcat('n=', tostring(count())) by k"
    )
    out = sorted(rows(backend, kql), key=lambda r: r["k"])
    assert out == [
        {"k": "a", "c": 2, "spread": 4, "label": "n=2"},
        {"k": "b", "c": 1, "spread": 0, "label": "n=1"},
    ]
    assert list(out[0]) == ["k", "c", "spread", "label"]


def test_datetime_diff_of_an_aggregate(backend: LocalBackend) -> None:
    # The corpus's shape: minutes between a fixed time and the latest event, per group.
    kql = (
        "datatable(c:string, t:datetime)['x', datetime(2024-01-01 10:00),"
        " 'x', datetime(2024-01-01 11:00)]"
        " | summarize ['Minutes'] = datetime_diff('minute', datetime(2024-01-01 12:00), max(t))"
        " by c"
    )
    assert rows(backend, kql) == [{"c": "x", "Minutes": 60}]


def test_a_plain_aggregate_after_a_computed_one_is_left_alone(backend: LocalBackend) -> None:
    # Moving the computed column to the end would change the column order.
    with pytest.raises(UnsupportedKqlError, match="datetime_diff"):
        backend.query(
            "datatable(t:datetime)[datetime(2024-01-01)]"
            " | summarize m = datetime_diff('minute', now(), max(t)), n = count()"
        )


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        ("T | summarize c = count(), d = max(t) - min(t) by k", True),
        ('T | summarize x = datetime_diff("minute", now(), max(t)) by k', True),
        ("T | summarize c = count() by k", False),
        ("T | summarize count() by bin(t, 1h)", False),
        ('T | where s == "max(" | summarize n = count()', False),
    ],
)
def test_pre_check_of_computed_aggregates(kql: str, expected: bool) -> None:
    assert may_compute(kql) is expected
