"""The time range a request means: relative ("last few days"), absolute dates, or the default.

Phrases are data (``RELATIVE_UNITS``, ``VAGUE_COUNTS``); the result is always a closed
window with a reason, capped by the guardrails before any query runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_WINDOW = timedelta(hours=96)

RELATIVE_UNITS: dict[str, timedelta] = {
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "h": timedelta(hours=1),
    "day": timedelta(days=1),
    "d": timedelta(days=1),
    "week": timedelta(weeks=1),
    "w": timedelta(weeks=1),
    "month": timedelta(days=30),
}
#: Words standing for a count ("last few days" means three).
VAGUE_COUNTS: dict[str, int] = {
    "a": 1,
    "one": 1,
    "an": 1,
    "couple of": 2,
    "couple": 2,
    "two": 2,
    "few": 3,
    "three": 3,
    "several": 5,
    "five": 5,
    "seven": 7,
}
_NUMBER = r"(\d+|" + "|".join(sorted(map(re.escape, VAGUE_COUNTS), key=len, reverse=True)) + ")"
_UNIT = r"(minute|min|hour|hr|h|day|d|week|w|month)s?"
_RELATIVE = re.compile(
    rf"\b(?:last|past|previous|recent|within(?: the)?(?: last| past)?)\s+(?:the\s+)?"
    rf"(?:{_NUMBER}\s*)?{_UNIT}\b",
    re.IGNORECASE,
)
_AGO = re.compile(rf"\b{_NUMBER}\s*{_UNIT}\s+ago\b", re.IGNORECASE)
_DAY_WORDS: dict[str, tuple[int, int]] = {"today": (0, 0), "yesterday": (1, 1)}
_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?"
_US = r"\d{1,2}/\d{1,2}/\d{4}"
_DATE = re.compile(rf"(?:{_ISO}|{_US})")
_SINCE = re.compile(rf"\b(?:after|since|from|starting)\s+(?:on\s+)?({_ISO}|{_US})", re.IGNORECASE)


@dataclass(frozen=True)
class TimeRange:
    """A closed UTC window and the words it came from."""

    start: datetime
    end: datetime
    reason: str

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def _parse_date(text: str) -> tuple[datetime, bool]:
    """A UTC datetime, and whether the text gave a time of day."""
    if "/" in text:
        month, day, year = (int(p) for p in text.split("/"))
        return datetime(year, month, day, tzinfo=UTC), False
    date, _, clock = text.rstrip("Z").replace("T", " ").partition(" ")
    parts = [float(p) for p in clock.split(":")] if clock else []
    hour, minute, second = ([*parts, 0.0, 0.0, 0.0])[:3]
    moment = datetime.fromisoformat(date).replace(tzinfo=UTC) + timedelta(
        hours=hour, minutes=minute, seconds=second
    )
    return moment, bool(clock)


def _count(word: str | None) -> int:
    if word is None:
        return 1
    return int(word) if word.isdigit() else VAGUE_COUNTS[word.lower()]


def parse(text: str, now: datetime) -> TimeRange:
    """The window *text* asks for, ending at *now* unless dates say otherwise."""
    dates = [m.group(0) for m in _DATE.finditer(text)]
    if len(dates) >= 2:
        (start, _), (end, end_has_time) = _parse_date(dates[0]), _parse_date(dates[1])
        if not end_has_time:
            end += timedelta(days=1)
        if end > start:
            return TimeRange(start, end, f"between {dates[0]} and {dates[1]}")
    since = _SINCE.search(text)
    if since:
        start, _ = _parse_date(since.group(1))
        return TimeRange(start, max(now, start + timedelta(hours=1)), f"since {since.group(1)}")
    if len(dates) == 1:
        start, has_time = _parse_date(dates[0])
        length = timedelta(hours=1) if has_time else timedelta(days=1)
        return TimeRange(start, start + length, f"on {dates[0]}")
    for pattern in (_RELATIVE, _AGO):
        match = pattern.search(text)
        if match:
            span = RELATIVE_UNITS[match.group(2).lower()] * _count(match.group(1))
            if pattern is _AGO:
                return TimeRange(now - span, now, match.group(0))
            return TimeRange(now - span, now, match.group(0))
    for word, (back, _) in _DAY_WORDS.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=back)
            return TimeRange(day, min(now, day + timedelta(days=1)), word)
    return TimeRange(now - DEFAULT_WINDOW, now, "no time range given: the last 96 hours")
