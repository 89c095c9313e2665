"""Containment the hunt proposed, brought into the response queue.

A hunt can run offline, so its proposals are stored unresolved in the hunt's
``pending_actions`` table (``tracehound.agent.actions``). ``actions list`` shows them beside
planned actions, and ``actions promote`` turns one into a planned action: the target is resolved
through the platform API, the exact call is built, and the action waits for an approval or a
policy rule like any other. Nothing here executes anything.
"""

from __future__ import annotations

from typing import Any

from tracehound.errors import UsageError
from tracehound.respond.context import ResponseContext
from tracehound.respond.models import ActionRecord
from tracehound.respond.planning import propose_action
from tracehound.store import Store

PROPOSALS_TABLE = "pending_actions"

#: The hunt's action names -> response verbs.
HUNT_VERBS: dict[str, str] = {"isolate_device": "isolate", "disable_user": "disable-user"}


def _table_exists(store: Store) -> bool:
    rows = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [PROPOSALS_TABLE]
    ).fetchall()
    return bool(rows and rows[0][0])


def hunt_proposals(store: Store, include_promoted: bool = False) -> list[dict[str, Any]]:
    """Proposals the hunt stored, newest last (works on a read-only store)."""
    if not _table_exists(store):
        return []
    where = "" if include_promoted else "WHERE status = 'pending'"
    cursor = store.con.execute(
        f"SELECT id, action, target, reason, confidence, finding, status, created_at "
        f"FROM {PROPOSALS_TABLE} {where} ORDER BY created_at, id"
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def proposal_rows(store: Store) -> list[dict[str, Any]]:
    """Pending hunt proposals shaped like `actions list` rows."""
    return [
        {
            "id": p["id"],
            "action": HUNT_VERBS.get(p["action"], p["action"]),
            "target": p["target"],
            "target_id": None,
            "status": "proposed",
            "source": "hunt",
            "confidence": None if p["confidence"] is None else p["confidence"] / 100,
            "approved_by": None,
        }
        for p in hunt_proposals(store)
    ]


def promote(ctx: ResponseContext, proposal_id: str, reason: str | None = None) -> ActionRecord:
    """Plan the action a hunt proposed (resolving its target); the proposal is marked promoted."""
    store = ctx.store
    found = [p for p in hunt_proposals(store, include_promoted=True) if p["id"] == proposal_id]
    if not found:
        raise UsageError(
            f"no hunt proposal {proposal_id!r}", "`tracehound actions list` shows them"
        )
    proposal = found[0]
    if proposal["status"] != "pending":
        raise UsageError(f"proposal {proposal_id} is already {proposal['status']}")
    verb = HUNT_VERBS.get(proposal["action"])
    if verb is None:
        raise UsageError(
            f"proposal {proposal_id} asks for {proposal['action']!r}, which has no response verb"
        )
    confidence = None if proposal["confidence"] is None else proposal["confidence"] / 100
    record = propose_action(
        ctx,
        verb,
        proposal["target"],
        reason or f"hunt finding: {proposal['finding']} ({proposal['reason']})",
        confidence,
        source="hunt",
    )
    store.con.execute(
        f"UPDATE {PROPOSALS_TABLE} SET status = ? WHERE id = ?",
        [f"promoted:{record.id}", proposal_id],
    )
    return record
