"""The append-only, hash-chained audit log, kept twice: in the store and as JSON lines.

Each entry holds ``seq``, ``at``, ``event``, ``action_id``, ``actor``, ``data`` and the previous
entry's hash; its ``hash`` is SHA-256 over the canonical JSON of those fields (sorted keys, no
spaces). Editing an entry breaks its hash, removing one breaks the next entry's link, and
removing the last one from either copy shows as the two copies disagreeing — so
:func:`verify` re-checks both chains and cross-checks them entry by entry. Appending refuses
to continue a log whose two copies already disagree. No token or secret is ever written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.errors import TracehoundError
from tracehound.store import Store

AUDIT_TABLE = "_tracehound_audit"
GENESIS = "0" * 64
FIELDS = ("seq", "at", "event", "action_id", "actor", "data", "prev_hash")


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: entry[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def journal_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".audit.jsonl")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class VerifyReport:
    entries_db: int
    entries_file: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_db": self.entries_db,
            "entries_file": self.entries_file,
            "problems": self.problems,
        }


class AuditLog:
    def __init__(
        self, store: Store, path: Path | None = None, clock: Callable[[], str] = now_iso
    ) -> None:
        self.store = store
        self.path = path or journal_path(store.path)
        self._clock = clock
        if not store.read_only:
            store.con.execute(
                f'CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (seq BIGINT PRIMARY KEY, "at" VARCHAR,'
                " event VARCHAR, action_id VARCHAR, actor VARCHAR, data JSON,"
                " prev_hash VARCHAR, hash VARCHAR)"
            )

    # -- reading -------------------------------------------------------------------------

    def db_entries(self) -> list[dict[str, Any]]:
        exists = self.store.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [AUDIT_TABLE]
        ).fetchone()
        if not exists or not exists[0]:
            return []
        rows = self.store.con.execute(
            f'SELECT seq, "at", event, action_id, actor, data, prev_hash, hash FROM {AUDIT_TABLE}'
            " ORDER BY seq"
        ).fetchall()
        return [
            {
                "seq": r[0],
                "at": r[1],
                "event": r[2],
                "action_id": r[3],
                "actor": r[4],
                "data": json.loads(r[5]) if r[5] is not None else None,
                "prev_hash": r[6],
                "hash": r[7],
            }
            for r in rows
        ]

    def file_entries(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Entries of the JSON-lines copy, and problems reading it (line numbers)."""
        if not self.path.exists():
            return [], []
        entries: list[dict[str, Any]] = []
        problems: list[str] = []
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    problems.append(f"{self.path}:{number}: not valid JSON")
                    continue
                if not isinstance(entry, dict) or not all(k in entry for k in (*FIELDS, "hash")):
                    problems.append(f"{self.path}:{number}: not an audit entry")
                    continue
                entries.append(entry)
        return entries, problems

    def _file_head(self) -> str | None:
        """The hash on the journal's last line (read from the end)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with self.path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            chunk = min(size, 65536)
            handle.seek(size - chunk)
            lines = handle.read().splitlines()
        for raw in reversed(lines):
            if raw.strip():
                try:
                    return str(json.loads(raw)["hash"])
                except (ValueError, KeyError, TypeError):
                    return "unreadable"
        return None

    # -- writing -------------------------------------------------------------------------

    def append(
        self, event: str, action_id: str | None, actor: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Add one entry to both copies; refuses when the copies already disagree."""
        self.store.require_writable()
        last = self.store.con.execute(
            f"SELECT seq, hash FROM {AUDIT_TABLE} ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        db_head = str(last[1]) if last else None
        if db_head != self._file_head():
            raise TracehoundError(
                "the audit log's two copies disagree; no new entry was written",
                "run `tracehound audit verify` and restore the log before acting",
            )
        entry: dict[str, Any] = {
            "seq": int(last[0]) + 1 if last else 1,
            "at": self._clock(),
            "event": event,
            "action_id": action_id,
            "actor": actor,
            "data": json.loads(json.dumps(data, default=str)),
            "prev_hash": db_head or GENESIS,
        }
        entry["hash"] = entry_hash(entry)
        with self.store.transaction():
            self.store.con.execute(
                f"INSERT INTO {AUDIT_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    entry["seq"],
                    entry["at"],
                    event,
                    action_id,
                    actor,
                    json.dumps(entry["data"], sort_keys=True),
                    entry["prev_hash"],
                    entry["hash"],
                ],
            )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        return entry

    # -- verifying -----------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        db = self.db_entries()
        file, problems = self.file_entries()
        report = VerifyReport(len(db), len(file), list(problems))
        report.problems += [f"store: {p}" for p in chain_problems(db)]
        report.problems += [f"journal: {p}" for p in chain_problems(file)]
        for mine, theirs in zip(db, file, strict=False):
            if mine["hash"] != theirs["hash"] or canonical(mine) != canonical(theirs):
                report.problems.append(
                    f"entry {mine['seq']}: the store and the journal hold different entries"
                )
                break
        if len(db) != len(file):
            longer, shorter = ("store", "journal") if len(db) > len(file) else ("journal", "store")
            report.problems.append(
                f"the {longer} has {max(len(db), len(file))} entries, the {shorter} "
                f"{min(len(db), len(file))}: entries were removed from the {shorter}"
            )
        return report


def chain_problems(entries: list[dict[str, Any]]) -> list[str]:
    """Broken hashes, links and sequence numbers in one copy of the log."""
    problems: list[str] = []
    previous = GENESIS
    for index, entry in enumerate(entries, 1):
        if entry["seq"] != index:
            problems.append(f"entry {index}: sequence number {entry['seq']} (an entry is missing)")
        if entry["prev_hash"] != previous:
            problems.append(f"entry {entry['seq']}: does not link to the entry before it")
        if entry_hash(entry) != entry["hash"]:
            problems.append(f"entry {entry['seq']}: content does not match its hash (edited)")
        previous = entry["hash"]
    return problems
