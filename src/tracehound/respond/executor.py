"""Execution: the one gate, then the call, then watching the platform until it is final.

:func:`execute_action` is the only function that calls a platform to change something, and it
first requires either a person's approval on record or a policy rule that allows the action
automatically (that decision is then recorded as the approval). Otherwise it refuses with
exit code 3 and makes no call. Success is recorded only when the platform reports it:
``Succeeded`` for a machine action, the indicator read back, ``accountEnabled`` read back,
``{"value": true}`` for revoked sessions.

A lost answer to a create call (5xx, read timeout) is not retried blindly: the machine's
actions of that type are listed and ours is recognised by the ``[tracehound <id>]`` tag in its
comment; only when none is found is the call sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from tracehound.errors import RefusedError
from tracehound.respond.catalog import ActionSpec, Completion, action_spec
from tracehound.respond.context import ResponseContext
from tracehound.respond.defender import FINAL_MACHINE_ACTION_STATES
from tracehound.respond.http import AmbiguousOutcomeError, ApiError
from tracehound.respond.models import ActionRecord, ActionStatus, Approval, Decision
from tracehound.respond.planning import comment_tag
from tracehound.respond.policy import PolicyDecision, decide


@dataclass
class Outcome:
    status: ActionStatus
    platform_action_id: str | None = None
    platform_status: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def policy_decision(ctx: ResponseContext, record: ActionRecord) -> PolicyDecision:
    since = ctx.clock() - timedelta(hours=1)
    return decide(ctx.policy, ctx.assets, record, ctx.ledger.automatic_since(since))


def _refuse(ctx: ResponseContext, record: ActionRecord, actor: str, why: list[str]) -> RefusedError:
    ctx.audit.append(
        "execution-refused", record.id, actor, {"status": str(record.status), "why": why}
    )
    return RefusedError(
        f"action {record.id} was not executed: " + "; ".join(why),
        f"approve it first: tracehound actions approve {record.id} --reason TEXT",
    )


def authorize(ctx: ResponseContext, record: ActionRecord, actor: str) -> Approval:
    """The approval this execution rests on, or RefusedError (audited, no platform call)."""
    if (
        record.status is ActionStatus.approved
        and record.approval is not None
        and record.approval.decision in (Decision.approved, Decision.policy)
    ):
        return record.approval
    if record.status is not ActionStatus.pending:
        raise _refuse(ctx, record, actor, [f"it is {record.status}"])
    decision = policy_decision(ctx, record)
    if not decision.automatic:
        raise _refuse(ctx, record, actor, ["it is not approved", *decision.reasons])
    record.approval = Approval(
        decision=Decision.policy,
        by=f"policy:{decision.rule}",
        reason="; ".join(decision.reasons),
        at=ctx.clock().isoformat(),
    )
    record.status = ActionStatus.approved
    ctx.ledger.save(record)
    ctx.audit.append(
        "auto-approved",
        record.id,
        record.approval.by,
        {"rule": decision.rule, "tier": decision.tier, "confidence": record.confidence},
    )
    return record.approval


def execute_action(ctx: ResponseContext, action_id: str, actor: str) -> ActionRecord:
    """Run one action if, and only if, it is approved or a policy rule allows it."""
    record = ctx.ledger.get(action_id)
    approval = authorize(ctx, record, actor)
    spec = action_spec(record.verb)
    record.status = ActionStatus.executing
    record.updated_at = ctx.clock().isoformat()
    ctx.ledger.save(record)
    ctx.audit.append(
        "executing",
        record.id,
        actor,
        {
            "approval": approval.model_dump(),
            "method": record.request.method,
            "url": record.request.url,
        },
    )
    try:
        outcome = RUNNERS[spec.completion](ctx, record, spec)
    except (ApiError, AmbiguousOutcomeError) as exc:
        outcome = Outcome(
            ActionStatus.failed,
            record.platform_action_id,
            record.platform_status,
            {"error": exc.message, "hint": exc.hint, "code": getattr(exc, "code", None)},
        )
    record.status = outcome.status
    record.platform_action_id = outcome.platform_action_id
    record.platform_status = outcome.platform_status
    record.result = outcome.detail
    record.updated_at = ctx.clock().isoformat()
    ctx.ledger.save(record)
    ctx.audit.append(
        str(outcome.status),
        record.id,
        actor,
        {
            "platform_action_id": outcome.platform_action_id,
            "platform_status": outcome.platform_status,
            **outcome.detail,
        },
    )
    return record


def run_automatic(ctx: ResponseContext, action_id: str) -> ActionRecord:
    """The automatic entry point: execute when a policy rule allows it, else leave it queued."""
    record = ctx.ledger.get(action_id)
    if record.status is not ActionStatus.pending:
        return record
    decision = policy_decision(ctx, record)
    if not decision.automatic:
        ctx.audit.append("queued", record.id, "policy", {"why": decision.reasons})
        return record
    return execute_action(ctx, action_id, actor="policy")


# -- runners, one per completion kind ------------------------------------------------------


def _find_ours(
    ctx: ResponseContext, record: ActionRecord, spec: ActionSpec
) -> dict[str, Any] | None:
    assert spec.mde_type is not None
    tag = comment_tag(record.id)
    for action in ctx.defender().machine_actions(record.target.id, spec.mde_type):
        if tag in str(action.get("requestorComment") or ""):
            return action
    return None


def _submit_machine_action(
    ctx: ResponseContext, record: ActionRecord, spec: ActionSpec
) -> dict[str, Any]:
    client = ctx.defender()
    path = record.request.url[len(ctx.settings.mde_base()) :]
    attempts = ctx.settings.max_retries + 1
    for attempt in range(attempts):
        try:
            return client.create_machine_action(path, record.request.body, spec.permission)
        except AmbiguousOutcomeError:
            found = _find_ours(ctx, record, spec)
            if found is not None:
                return found
            ctx.sleep(min(2.0**attempt, 30.0))
        except ApiError as exc:
            if exc.code != "ActiveRequestAlreadyExists":
                raise
            found = _find_ours(ctx, record, spec)
            if found is not None:  # an earlier attempt of ours did reach the platform
                return found
            raise ApiError(
                f"{exc.message} — another {spec.mde_type} action is already pending on "
                f"{record.target.name}",
                exc.status,
                exc.code,
                "wait for it to finish (see the device's action center), then plan again",
            ) from exc
    raise ApiError(
        f"Defender for Endpoint: no definite answer to {record.request.method} "
        f"{record.request.url} after {attempts} attempts, and no such action was found",
        None,
        None,
        "try again later; nothing was created on the platform",
    )


def _run_machine_action(ctx: ResponseContext, record: ActionRecord, spec: ActionSpec) -> Outcome:
    created = _submit_machine_action(ctx, record, spec)
    action_id = str(created.get("id"))
    status = str(created.get("status"))
    record.platform_action_id, record.platform_status = action_id, status
    ctx.ledger.save(record)
    ctx.audit.append(
        "submitted",
        record.id,
        "tracehound",
        {"platform_action_id": action_id, "platform_status": status},
    )
    interval = ctx.settings.poll_interval_seconds
    deadline = time.monotonic() + ctx.settings.poll_timeout_seconds
    polls_left = int(ctx.settings.poll_timeout_seconds / max(interval, 0.05)) + 1
    client = ctx.defender()
    while status not in FINAL_MACHINE_ACTION_STATES:
        if time.monotonic() > deadline or polls_left <= 0:
            return Outcome(
                ActionStatus.timed_out,
                action_id,
                status,
                {"note": f"still {status} after {ctx.settings.poll_timeout_seconds:.0f} s"},
            )
        ctx.sleep(interval)
        polls_left -= 1
        state = client.machine_action(action_id)
        if str(state.get("status")) != status:
            status = str(state.get("status"))
            ctx.audit.append(
                "platform-status", record.id, "tracehound", {"platform_status": status}
            )
    final = ActionStatus.succeeded if status == "Succeeded" else ActionStatus.failed
    return Outcome(final, action_id, status, {"platform_status": status})


def _run_indicator(ctx: ResponseContext, record: ActionRecord, spec: ActionSpec) -> Outcome:
    client = ctx.defender()
    body = record.request.body or {}
    created = client.submit_indicator(body, spec.permission)
    found = [
        i
        for i in client.indicators(str(body["indicatorValue"]), spec.permission)
        if i.get("indicatorType") == body["indicatorType"]
    ]
    if not found:
        return Outcome(
            ActionStatus.failed,
            str(created.get("id")),
            None,
            {"error": "the indicator was accepted but cannot be read back"},
        )
    return Outcome(
        ActionStatus.succeeded,
        str(found[0].get("id")),
        "Active",
        {"indicator_action": found[0].get("action")},
    )


def _run_account_enabled(ctx: ResponseContext, record: ActionRecord, spec: ActionSpec) -> Outcome:
    client = ctx.graph()
    client.set_account_enabled(record.target.id, record.request.body or {}, spec.permission)
    wanted = bool(spec.extra["enabled"])
    seen = client.user(record.target.id).get("accountEnabled")
    status = ActionStatus.succeeded if seen is wanted else ActionStatus.failed
    return Outcome(status, None, f"accountEnabled={seen}", {"accountEnabled": seen})


def _run_revoke(ctx: ResponseContext, record: ActionRecord, spec: ActionSpec) -> Outcome:
    revoked = ctx.graph().revoke_sessions(record.target.id, spec.permission)
    status = ActionStatus.succeeded if revoked else ActionStatus.failed
    return Outcome(status, None, f"value={revoked}", {"revoked": revoked})


Runner = Callable[[ResponseContext, ActionRecord, ActionSpec], Outcome]

RUNNERS: Mapping[Completion, Runner] = MappingProxyType(
    {
        Completion.machine_action: _run_machine_action,
        Completion.indicator: _run_indicator,
        Completion.account_enabled: _run_account_enabled,
        Completion.revoke_sessions: _run_revoke,
    }
)

__all__ = ["execute_action", "policy_decision", "run_automatic"]
