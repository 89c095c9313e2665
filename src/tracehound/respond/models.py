"""The records response keeps: a planned action, its target, the HTTP call, the decision.

Records are pydantic models so they round-trip through the store as JSON unchanged.
Statuses move one way: pending -> approved | denied; approved -> executing -> succeeded |
failed | timed_out. A record that ran is never run again: plan a new one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ActionStatus(StrEnum):
    pending = "pending"  # planned, waiting for a person (or a policy rule)
    approved = "approved"
    denied = "denied"
    executing = "executing"
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"  # the platform had not finished when polling stopped


FINAL_STATUSES = frozenset(
    {ActionStatus.denied, ActionStatus.succeeded, ActionStatus.failed, ActionStatus.timed_out}
)


class Decision(StrEnum):
    approved = "approved"
    denied = "denied"
    policy = "policy"  # approved by a policy rule, no person


class Target(BaseModel):
    """What the action touches, as the platform identified it at planning time."""

    kind: str  # device | user | indicator
    id: str  # machine id, user object id, or the indicator value
    name: str  # computerDnsName, userPrincipalName, or the indicator value
    details: dict[str, Any] = Field(default_factory=dict)  # os, lastSeen, healthStatus, ...


class PlannedRequest(BaseModel):
    """The exact API call that executing the action makes (the dry run shows it)."""

    method: str
    url: str
    body: dict[str, Any] | None
    permission: str


class Approval(BaseModel):
    decision: Decision
    by: str  # the approver, or "policy:<rule name>"
    reason: str
    at: str


class ActionRecord(BaseModel):
    id: str
    verb: str
    title: str
    target: Target
    params: dict[str, Any]
    reason: str
    confidence: float | None = None
    source: str = "cli"
    requested_by: str
    created_at: str
    updated_at: str
    status: ActionStatus = ActionStatus.pending
    request: PlannedRequest
    approval: Approval | None = None
    platform_action_id: str | None = None
    platform_status: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)
    reverse: str | None = None

    def summary(self) -> dict[str, Any]:
        """One flat row for `actions list`."""
        return {
            "id": self.id,
            "action": self.verb,
            "target": self.target.name,
            "target_id": self.target.id,
            "status": str(self.status),
            "source": self.source,
            "confidence": self.confidence,
            "approved_by": self.approval.by if self.approval else None,
            "created_at": self.created_at,
        }
