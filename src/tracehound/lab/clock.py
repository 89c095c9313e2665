"""The seeded week: its window, its days, and when people and machines are busy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from tracehound.errors import UsageError

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR

#: Relative activity per local hour for people at work (lunch dip, evening tail).
WORK_HOURS = np.array(
    [0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.25, 0.8, 1.0, 1.0, 0.95, 0.6, 0.85, 1.0,
     0.95, 0.85, 0.6, 0.25, 0.12, 0.08, 0.06, 0.04, 0.02]
)  # fmt: skip
#: Machines: steady, slightly busier while people work.
MACHINE_HOURS = 0.6 + 0.4 * WORK_HOURS


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in naive UTC, whole hours, ``days`` long."""

    start: datetime
    end: datetime
    days: int

    @classmethod
    def ending(cls, end: datetime | None, days: int) -> Window:
        if days < 1 or days > 90:
            raise UsageError(f"--days {days} is out of range", "use 1 to 90 days")
        if end is None:
            end = datetime.now(UTC)
        if end.tzinfo is not None:
            end = end.astimezone(UTC).replace(tzinfo=None)
        end = end.replace(minute=0, second=0, microsecond=0)
        return cls(end - timedelta(days=days), end, days)

    def day_start(self, day: int) -> datetime:
        return self.start + timedelta(days=day)

    def day_start_us(self, day: int) -> int:
        return to_us(self.day_start(day))


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch for a naive-UTC datetime."""
    return int((moment - datetime(1970, 1, 1)).total_seconds()) * 1_000_000 + moment.microsecond


def from_us(value: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=int(value))


def parse_end(text: str | None) -> datetime | None:
    """``--end`` as ISO-8601 (``2025-01-31T12:00:00Z`` or a date); None means now."""
    if text is None or text.lower() == "now":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(
            f"--end {text!r} is not an ISO-8601 time", "e.g. --end 2025-01-31T12:00:00Z"
        ) from exc
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def local_weekday(day_start: datetime, tz_offset_hours: int) -> int:
    """Weekday (0 = Monday) of the local day that covers most of this UTC day."""
    return (day_start + timedelta(hours=tz_offset_hours + 12)).weekday()


def hour_weights(profile: np.ndarray, tz_offset_hours: int) -> np.ndarray:
    """Per-UTC-hour probabilities from a per-local-hour *profile*."""
    utc: np.ndarray = np.roll(profile, -tz_offset_hours)  # local hour = utc hour + offset
    return np.asarray(utc / utc.sum())


def sample_times(
    rng: np.random.Generator, day_start_us: int, count: int, weights: np.ndarray
) -> np.ndarray:
    """``count`` microsecond timestamps in the 24 hours from *day_start_us*.

    *weights* are per UTC hour of day; the day may start at any hour (the window ends at
    ``--end``), so they are rotated to line up with it.
    """
    start_hour = (day_start_us // US_PER_HOUR) % 24
    hours = rng.choice(24, size=count, p=np.roll(weights, -start_hour))
    offsets = rng.integers(0, US_PER_HOUR, size=count)
    return day_start_us + hours.astype(np.int64) * US_PER_HOUR + offsets
