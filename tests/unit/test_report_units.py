"""Report and investigation building blocks: defanging, durations, the pivot map's checks,
Markdown cell escaping and the SVG chart's escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tracehound.errors import TracehoundError, UsageError
from tracehound.investigate.duration import parse_duration
from tracehound.investigate.model import Interval, merge
from tracehound.investigate.spec import parse, pivot_map
from tracehound.report.defang import defang
from tracehound.report.model import TimelineEntry
from tracehound.report.render import _md
from tracehound.report.svg import timeline_svg


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("1.2.3.4", "ipv4-addr", "1.2.3[.]4"),
        ("evil.example.com", "domain-name", "evil.example[.]com"),
        ("http://evil.example.com/a.ps1", "url", "hxxp://evil.example[.]com/a.ps1"),
        ("HTTPS://x.io", "url", "hxxps://x[.]io"),
        ("2001:db8::1", "ipv6-addr", "2001:db8:[:]1"),
        ("ab" * 32, "sha256", "ab" * 32),
    ],
)
def test_defang(value: str, kind: str, expected: str) -> None:
    assert defang(value, kind) == expected


def test_durations() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration(" 2H ") == timedelta(hours=2)
    assert parse_duration("1.5d") == timedelta(days=1.5)
    for bad in ("", "10", "5 weeks", "-1h", "40d"):
        with pytest.raises(UsageError):
            parse_duration(bad)


def test_merge_intervals() -> None:
    from datetime import datetime

    t = datetime(2024, 1, 1)
    h = timedelta(hours=1)
    got = merge(
        [Interval(t + 3 * h, t + 4 * h), Interval(t, t + 2 * h), Interval(t + h, t + 3 * h)]
    )
    assert got == [Interval(t, t + 4 * h)]
    assert len(merge([Interval(t, t + h), Interval(t + 2 * h, t + 3 * h)])) == 2


def test_pivot_map_columns_exist_and_typos_fail() -> None:
    pmap = pivot_map()
    assert {"device", "account", "ip", "hash", "file", "process", "domain"} <= set(pmap.kinds)
    assert pmap.tables["DeviceLogonEvents"].entities["ip"][0].column == "RemoteIP"
    bad = {
        "kinds": {"device": {"param": "devices"}},
        "tables": {
            "DeviceLogonEvents": {
                "action": "ActionType",
                "summary": "{NoSuchColumn}",
                "entities": {"device": ["DeviceName"]},
            }
        },
    }
    with pytest.raises(TracehoundError, match="NoSuchColumn"):
        parse(bad)


def test_packed_field_reads_and_kql() -> None:
    field = pivot_map().tables["AzureNetworkAnalytics_CL"].entities["ip"][0]
    assert field.read({"PublicIPs_s": "103.145.13.33|0|0|20"}) == "103.145.13.33"
    assert field.kql() == "tostring(split(['PublicIPs_s'], \"|\")[0])"


def test_markdown_cells_cannot_break_tables() -> None:
    assert _md("a|b\nc`d") == "a\\|b c'd"


def test_svg_escapes_log_text() -> None:
    entry = TimelineEntry(
        timestamp="2024-01-01T00:00:00Z",
        table="DeviceProcessEvents",
        row_id="r1",
        action="ProcessCreated",
        summary='<script>alert("x")</script>',
        techniques=[],
    )
    svg = timeline_svg([entry])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
