"""Containment the hunt proposes, kept as pending actions in the store (``pending_actions``).

Response (``tracehound.respond``) plans actions against the platform, which needs the
platform to resolve the target; a hunt may run offline, so its proposals are kept here,
unresolved, with the finding and evidence behind them. Nothing here executes anything.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from tracehound.errors import TracehoundError
from tracehound.store import Store

TABLE = "pending_actions"


class ProposedAction(BaseModel):
    id: str
    action: str  # isolate_device | disable_user | ...
    target_kind: str  # host | account
    target: str
    reason: str
    confidence: int
    finding: str
    evidence: list[dict[str, str]]
    status: str = "pending"
    created_at: str


def ensure_table(store: Store) -> None:
    store.con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR PRIMARY KEY, action VARCHAR,"
        " target_kind VARCHAR, target VARCHAR, reason VARCHAR, confidence INTEGER,"
        " finding VARCHAR, evidence JSON, status VARCHAR, created_at VARCHAR)"
    )


def action_id(action: str, target: str, finding: str) -> str:
    """Stable per (action, target, finding), so re-running a hunt does not pile up duplicates."""
    digest = hashlib.sha256(f"{action}\x1f{target}\x1f{finding}".encode()).hexdigest()
    return "prop-" + digest[:12]


def propose(
    action: str,
    target_kind: str,
    target: str,
    reason: str,
    confidence: int,
    finding: str,
    evidence: list[dict[str, str]],
) -> ProposedAction:
    return ProposedAction(
        id=action_id(action, target, finding),
        action=action,
        target_kind=target_kind,
        target=target,
        reason=reason,
        confidence=confidence,
        finding=finding,
        evidence=evidence,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def save(store: Store, proposals: list[ProposedAction]) -> None:
    """Insert the proposals that are not already pending."""
    if not proposals:
        return
    if store.read_only:
        raise TracehoundError("the store is open read-only: proposals cannot be saved")
    ensure_table(store)
    for p in proposals:
        store.con.execute(
            f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                p.id,
                p.action,
                p.target_kind,
                p.target,
                p.reason,
                p.confidence,
                p.finding,
                json.dumps(p.evidence),
                p.status,
                p.created_at,
            ],
        )


def pending(store: Store) -> list[dict[str, Any]]:
    ensure_table(store)
    rows = store.con.execute(
        f"SELECT * FROM {TABLE} WHERE status = 'pending' ORDER BY created_at, id"
    )
    columns = [d[0] for d in rows.description]
    return [dict(zip(columns, r, strict=True)) for r in rows.fetchall()]
