"""The timeline chart as inline SVG, drawn here so the HTML report needs no script and no
network: one lane per table, one mark per event, coloured by why it is on the timeline."""

from __future__ import annotations

from datetime import datetime
from html import escape

from tracehound.report.model import TimelineEntry

WIDTH = 960
LANE = 26
LEFT = 190
RIGHT = 20
TOP = 30
MAX_MARKS = 3_000
COLOURS = {"evidence": "#c0392b", "related": "#e67e22", "context": "#95a5a6"}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z"))


def timeline_svg(entries: list[TimelineEntry]) -> str:
    shown = [e for e in entries if e.kind != "context"][:MAX_MARKS] or entries[:MAX_MARKS]
    if not shown:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30" role="img"><text x="4" y="20">no events</text></svg>'
    lanes = sorted({e.table for e in shown})
    times = [_moment(e.timestamp) for e in shown]
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 1.0)
    height = TOP + LANE * len(lanes) + 30
    inner = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="Timeline of {len(shown)} events">'
    ]
    for i, lane in enumerate(lanes):
        y = TOP + LANE * i + LANE / 2
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" font-size="11">{escape(lane)}</text>'
        )
    for entry, moment in zip(shown, times, strict=True):
        x = LEFT + inner * (moment - start).total_seconds() / span
        y = TOP + LANE * lanes.index(entry.table) + LANE / 2
        tip = escape(f"{entry.timestamp} {entry.table} {entry.action}: {entry.summary}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="{COLOURS.get(entry.kind, "#555")}" fill-opacity="0.75">'
            f"<title>{tip}</title></circle>"
        )
    axis = TOP + LANE * len(lanes) + 16
    for frac in (0.0, 0.5, 1.0):
        label = (start + (end - start) * frac).strftime("%Y-%m-%d %H:%M:%S")
        anchor = {0.0: "start", 0.5: "middle", 1.0: "end"}[frac]
        parts.append(
            f'<text x="{LEFT + inner * frac:.1f}" y="{axis}" text-anchor="{anchor}" font-size="11">{label} UTC</text>'
        )
    parts.append(
        "".join(
            f'<circle cx="{LEFT + 10 + 110 * i}" cy="12" r="4" fill="{c}"/><text x="{LEFT + 18 + 110 * i}" y="16" font-size="11">{k}</text>'
            for i, (k, c) in enumerate(COLOURS.items())
        )
    )
    parts.append("</svg>")
    return "".join(parts)
