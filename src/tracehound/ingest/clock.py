"""UTC times for events that only carry a local 12-hour clock with no zone.

Some OTRF exports keep, for most events, only ``TimeCreated`` written on the collector's local
clock in 12-hour form without AM/PM (``2020-10-21 12:19:04`` for 00:19). Events of the same
file that also carry a true UTC time (Sysmon's ``UtcTime``) calibrate it: the offset between
the two, modulo 12 hours, is the zone offset; each local time then gets that offset plus the
multiple of 12 hours that puts it nearest the median UTC time of the batch. This assumes a
batch spans less than 6 hours (OTRF datasets span minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

HALF_DAY = 43_200
STEP = 900  # zone offsets are multiples of 15 minutes


@dataclass(frozen=True)
class Calibration:
    """Offset (seconds, modulo 12 h) from the local clock to UTC, and a reference UTC epoch."""

    offset: int
    reference: float


def calibrate(con: duckdb.DuckDBPyConnection, events: str, part: int) -> Calibration | None:
    """The calibration events of file *part* in *events* support (None: none has both times)."""
    row = con.execute(
        f"SELECT mode((((round((epoch(Time) - epoch(LocalTime)) / {STEP}) * {STEP})::BIGINT "
        f"% {HALF_DAY}) + {HALF_DAY}) % {HALF_DAY}), median(epoch(Time)) "
        f"FROM {events} WHERE _part = $part AND Time IS NOT NULL AND LocalTime IS NOT NULL",
        {"part": part},
    ).fetchall()[0]
    if row[0] is None:
        return None
    return Calibration(int(row[0]), float(row[1]))


def apply(
    con: duckdb.DuckDBPyConnection, events: str, part: int, calibration: Calibration | None
) -> tuple[int, int]:
    """Fill ``Time`` from ``LocalTime`` where it is missing, for the events of file *part*.

    Returns (calibrated, uncalibrated): with no calibration the local time is kept as
    written and counted, so the summary can say those times are uncertain.
    """
    todo = "_part = $part AND Time IS NULL AND LocalTime IS NOT NULL"
    missing = con.execute(f"SELECT count(*) FROM {events} WHERE {todo}", {"part": part}).fetchall()
    count = int(missing[0][0])
    if not count:
        return 0, 0
    if calibration is None:
        con.execute(
            f"UPDATE {events} SET Time = LocalTime WHERE Time IS NULL AND LocalTime IS NOT NULL"
        )
        return 0, count
    con.execute(
        f"UPDATE {events} SET Time = LocalTime + to_seconds(($offset + {HALF_DAY} * "
        f"round(($reference - epoch(LocalTime) - $offset) / {HALF_DAY}))::BIGINT) "
        f"WHERE {todo}",
        {"offset": calibration.offset, "reference": calibration.reference, "part": part},
    ).fetchall()
    return count, 0
