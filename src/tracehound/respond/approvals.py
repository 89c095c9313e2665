"""Decisions by a person: approve or deny a pending action, from the CLI or a prompt.

The approver (``--approver``, else the operating-system user) and the reason are recorded on
the action and in the audit log. The prompt only ever approves on an explicit "yes" typed at
a terminal: when stdin is not a TTY it leaves the action queued. Nothing here executes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from tracehound.errors import RefusedError, UsageError
from tracehound.respond.context import ResponseContext
from tracehound.respond.models import ActionRecord, ActionStatus, Approval, Decision
from tracehound.respond.planning import os_user


def _decide(
    ctx: ResponseContext, action_id: str, decision: Decision, approver: str | None, reason: str
) -> ActionRecord:
    if not reason or not reason.strip():
        raise UsageError("a reason is required", "pass --reason TEXT")
    record = ctx.ledger.get(action_id)
    if record.status is not ActionStatus.pending:
        raise RefusedError(
            f"action {action_id} is {record.status}, not pending; it cannot be {decision}",
            "plan a new action instead",
        )
    who = (approver or os_user()).strip()
    record.approval = Approval(
        decision=decision, by=who, reason=reason.strip(), at=ctx.clock().isoformat()
    )
    record.status = ActionStatus.approved if decision is Decision.approved else ActionStatus.denied
    record.updated_at = record.approval.at
    ctx.ledger.save(record)
    ctx.audit.append(str(decision), record.id, who, {"reason": record.approval.reason})
    return record


def approve_action(
    ctx: ResponseContext, action_id: str, reason: str, approver: str | None = None
) -> ActionRecord:
    return _decide(ctx, action_id, Decision.approved, approver, reason)


def deny_action(
    ctx: ResponseContext, action_id: str, reason: str, approver: str | None = None
) -> ActionRecord:
    return _decide(ctx, action_id, Decision.denied, approver, reason)


def render_plan(record: ActionRecord) -> str:
    """The dry run as a person reads it: exact target, exact call."""
    t = record.target
    lines = [
        f"action   {record.id}: {record.title} ({record.verb})",
        f"target   {t.kind} {t.name}  id={t.id}",
    ]
    if t.details:
        lines.append("         " + "  ".join(f"{k}={v}" for k, v in t.details.items()))
    lines += [
        f"call     {record.request.method} {record.request.url}",
        f"body     {json.dumps(record.request.body) if record.request.body is not None else '(none)'}",
        f"needs    {record.request.permission}",
        f"reason   {record.reason}",
        f"source   {record.source}  confidence={record.confidence}",
        f"status   {record.status}",
    ]
    if record.reverse:
        lines.append(f"undo     tracehound actions plan {record.reverse} (same target)")
    return "\n".join(lines)


def prompt_for_approval(
    ctx: ResponseContext,
    record: ActionRecord,
    input_fn: Callable[[str], str] = input,
    is_tty: bool | None = None,
    approver: str | None = None,
    write: Callable[[str], object] = sys.stderr.write,
) -> ActionRecord:
    """Show the plan and ask; returns the record approved, denied, or still pending."""
    interactive = sys.stdin.isatty() if is_tty is None else is_tty
    if not interactive:
        write(f"{record.id} queued for approval (no terminal to ask at)\n")
        return record
    write(render_plan(record) + "\n")
    answer = input_fn("Approve this action? [yes/no/skip] ").strip().lower()
    if answer not in ("yes", "no"):
        write(f"{record.id} left queued\n")
        return record
    reason = input_fn("Reason (recorded in the audit log): ").strip()
    if not reason:
        write(f"no reason given; {record.id} left queued\n")
        return record
    if answer == "yes":
        return approve_action(ctx, record.id, reason, approver)
    return deny_action(ctx, record.id, reason, approver)
