"""``--window`` values: a number and a unit (``90s``, ``30m``, ``2h``, ``1d``)."""

from __future__ import annotations

import re
from datetime import timedelta

from tracehound.errors import UsageError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"not a duration: {text!r}", "use a number and a unit: 90s, 30m, 2h, 1d")
    value = timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
    if value > timedelta(days=30):
        raise UsageError(f"window {text!r} is longer than 30 days", "investigate a narrower window")
    return value
