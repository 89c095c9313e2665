"""The query guard: refusals, the forced window, the field allow-list, parameters only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracehound.agent.guardrails import WINDOW_END, WINDOW_START, QueryGuard
from tracehound.agent.settings import GuardrailSettings
from tracehound.backends.local import LocalBackend
from tracehound.errors import KqlSyntaxError, RefusedError, TracehoundError
from tracehound.store import Store

END = datetime(2026, 11, 28, tzinfo=UTC)
START = END - timedelta(days=2)


@pytest.mark.parametrize(
    "kql",
    [
        "union * | take 1",
        'find "x"',
        'externaldata(a:string)["http://example.com/x"] | take 1',
        'cluster("c").database("d").DeviceInfo | take 1',
        "print 1",
    ],
)
def test_reach_outside_the_allow_list_is_refused(kql: str) -> None:
    with pytest.raises(RefusedError):
        QueryGuard(GuardrailSettings()).check(kql, START, END)


def test_management_commands_and_bad_syntax_are_refused() -> None:
    guard = QueryGuard(GuardrailSettings())
    with pytest.raises(TracehoundError, match="management command"):
        guard.check(".drop table DeviceInfo", START, END)
    with pytest.raises(KqlSyntaxError, match="1:"):
        guard.check("DeviceInfo | where", START, END)


def test_tables_and_fields_allow_lists() -> None:
    guard = QueryGuard(
        GuardrailSettings(
            allowed_tables=["DeviceInfo"], allowed_fields={"DeviceInfo": ["DeviceName"]}
        )
    )
    with pytest.raises(RefusedError, match="DeviceLogonEvents"):
        guard.check("DeviceLogonEvents | take 1", START, END)
    with pytest.raises(RefusedError, match="PublicIP"):
        guard.check("DeviceInfo | project PublicIP", START, END)
    assert guard.check("DeviceInfo | project DeviceName", START, END).tables == ("DeviceInfo",)


def test_window_is_forced_capped_and_bound_as_parameters(store: Store) -> None:
    import pyarrow as pa

    times = [END - timedelta(days=d) for d in (1, 5, 40)]
    store.con.register(
        "th_x",
        pa.table(
            {
                "Timestamp": [t.replace(tzinfo=None) for t in times],
                "DeviceName": ["a", "b", "c"],
                "_RowId": ["r1", "r2", "r3"],
            }
        ),
    )
    store.load_staged("DeviceInfo", "th_x", "test")
    guard = QueryGuard(GuardrailSettings(max_window_hours=24 * 10))
    guarded = guard.check("DeviceInfo | summarize n = count()", END - timedelta(days=60), END)
    assert guarded.notes and "capped" in guarded.notes[0]
    assert guarded.parameters[WINDOW_START] == (END - timedelta(days=10)).replace(tzinfo=None)
    assert WINDOW_END in guarded.parameters and "2026" not in guarded.kql
    result = LocalBackend(store).query(guarded.kql, parameters=guarded.parameters)
    assert result.table.to_pylist() == [{"n": 2}]  # the 40-day-old row is outside the window


def test_injection_in_a_parameter_value_stays_a_value(store: Store) -> None:
    import pyarrow as pa

    store.con.register(
        "th_x",
        pa.table(
            {
                "Timestamp": [END.replace(tzinfo=None) - timedelta(hours=1)],
                "DeviceName": ['x" or 1==1 //'],
                "_RowId": ["r1"],
            }
        ),
    )
    store.load_staged("DeviceInfo", "th_x", "test")
    guard = QueryGuard(GuardrailSettings())
    kql = "declare query_parameters(d:string); DeviceInfo | where DeviceName == d | count"
    for value, expected in (('x" or 1==1 //', 1), ('y" or 1==1 //', 0)):
        g = guard.check(kql, START, END, parameters={"d": value})
        assert (
            LocalBackend(store).query(g.kql, parameters=g.parameters).table.to_pylist()[0]["Count"]
            == expected
        )
