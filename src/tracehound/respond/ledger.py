"""Planned and executed actions, kept in the store (``_tracehound_actions``).

One row per action: its id, status and the whole record as JSON. The table is created here
(``CREATE TABLE IF NOT EXISTS``) so response needs nothing from the store's schema version.
"""

from __future__ import annotations

from datetime import datetime

from tracehound.errors import UsageError
from tracehound.respond.models import ActionRecord, ActionStatus, Decision
from tracehound.store import Store

ACTIONS_TABLE = "_tracehound_actions"


class Ledger:
    def __init__(self, store: Store) -> None:
        self.store = store
        if not store.read_only:
            store.con.execute(
                f"CREATE TABLE IF NOT EXISTS {ACTIONS_TABLE} (id VARCHAR PRIMARY KEY,"
                " status VARCHAR, created_at VARCHAR, updated_at VARCHAR, record JSON)"
            )

    def _exists(self) -> bool:
        row = self.store.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [ACTIONS_TABLE]
        ).fetchone()
        return bool(row and row[0])

    def save(self, record: ActionRecord) -> None:
        self.store.require_writable()
        self.store.con.execute(
            f"INSERT OR REPLACE INTO {ACTIONS_TABLE} VALUES (?, ?, ?, ?, ?)",
            [
                record.id,
                str(record.status),
                record.created_at,
                record.updated_at,
                record.model_dump_json(),
            ],
        )

    def get(self, action_id: str) -> ActionRecord:
        row = (
            self.store.con.execute(
                f"SELECT record FROM {ACTIONS_TABLE} WHERE id = ?", [action_id]
            ).fetchone()
            if self._exists()
            else None
        )
        if row is None:
            raise UsageError(f"no action with id {action_id!r}", "see `tracehound actions list`")
        return ActionRecord.model_validate_json(row[0])

    def all(self, status: ActionStatus | None = None) -> list[ActionRecord]:
        if not self._exists():
            return []
        sql = f"SELECT record FROM {ACTIONS_TABLE}"
        params: list[str] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(str(status))
        rows = self.store.con.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [ActionRecord.model_validate_json(r[0]) for r in rows]

    def automatic_since(self, since: datetime) -> int:
        """How many actions a policy rule approved since *since* (the hourly cap)."""
        moment = since.isoformat()
        return sum(
            1
            for r in self.all()
            if r.approval is not None
            and r.approval.decision is Decision.policy
            and r.approval.at >= moment
        )
