"""KQL semantics the embedded store must keep, each answer worked out from Microsoft's reference.

``has`` matches whole terms and ignores case; ``=~`` is equality ignoring case; a string is
never null, only empty (``isempty("")`` but not ``isnull("")``); the default ``join`` kind is
``innerunique``, which keeps one left row per key before joining.
"""

from __future__ import annotations

import pytest

from tracehound.backends.local import LocalBackend


def scalar(backend: LocalBackend, expression: str) -> object:
    return backend.query(f"print x = {expression}").table.to_pylist()[0]["x"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"North Carolina" has "carolina"', True),
        ('"North Carolina" has "carol"', False),
        ('"North Carolina" has_cs "carolina"', False),
        ('"North Carolina" contains "carol"', True),
        ('"ABC" =~ "abc"', True),
        ('"ABC" == "abc"', False),
        ('"ABC" !~ "abd"', True),
        ('isempty("")', True),
        ('isnull("")', False),
        ("isempty(long(null))", True),
        ("isnull(long(null))", True),
        ('isnotempty("a")', True),
        ("tostring(dynamic(null))", ""),
        ('strlen(tostring(parse_json("{}").missing))', 0),
    ],
)
def test_scalar_semantics(backend: LocalBackend, expression: str, expected: object) -> None:
    assert scalar(backend, expression) == expected


LEFT = 'datatable(k:long, l:string)[1, "a", 1, "b", 2, "c"]'
RIGHT = 'datatable(k:long, r:string)[1, "x", 3, "y"]'


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("", 1),  # innerunique: one of the two k=1 left rows, joined to x
        ("kind=innerunique", 1),
        ("kind=inner", 2),
        ("kind=leftouter", 3),
        ("kind=leftsemi", 2),
        ("kind=leftanti", 1),
        ("kind=rightanti", 1),
        ("kind=rightsemi", 1),
        ("kind=fullouter", 4),
    ],
)
def test_join_kinds(backend: LocalBackend, kind: str, rows: int) -> None:
    result = backend.query(f"{LEFT} | join {kind} ({RIGHT}) on k | count")
    assert result.table.to_pylist() == [{"Count": rows}]
