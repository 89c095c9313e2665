"""The result of a hunt: findings, what was rejected and why, queries, usage, stops, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .actions import ProposedAction
from .findings import Finding, QueryRecord, Rejected


@dataclass
class HuntOutcome:
    request: str
    mode: str  # "offline" or the model label
    plan: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    queries: list[QueryRecord] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    stopped: str | None = None  # the budget limit that stopped the hunt
    notes: list[str] = field(default_factory=list)
    actions: list[ProposedAction] = field(default_factory=list)
    summary: str = ""
    flagged: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "mode": self.mode,
            "summary": self.summary,
            "plan": self.plan,
            "findings": [f.model_dump() for f in self.findings],
            "rejected": [r.model_dump() for r in self.rejected],
            "queries": [q.model_dump() for q in self.queries],
            "usage": self.usage,
            "stopped": self.stopped,
            "notes": self.notes,
            "instruction_like_log_content": self.flagged,
            "proposed_actions": [a.model_dump() for a in self.actions],
        }
