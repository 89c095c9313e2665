"""Planning (the dry run): resolve the target through the platform, build the exact call,
record the action as pending. Planning never changes anything on the platform."""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from tracehound.errors import UsageError
from tracehound.respond.catalog import ActionSpec, Platform, TargetKind, action_spec, fill_choices
from tracehound.respond.context import ResponseContext
from tracehound.respond.models import ActionRecord, PlannedRequest, Target
from tracehound.respond.targets import resolve_device, resolve_indicator, resolve_user


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def comment_tag(action_id: str) -> str:
    """The marker put in every platform comment, used to find our action after a lost answer."""
    return f"[tracehound {action_id}]"


TargetResolver = Callable[[ResponseContext, dict[str, Any]], Target]

RESOLVERS: Mapping[TargetKind, TargetResolver] = MappingProxyType(
    {
        TargetKind.device: lambda ctx, t: resolve_device(
            ctx.defender(), t.get("device"), t.get("machine_id")
        ),
        TargetKind.user: lambda ctx, t: resolve_user(ctx.graph(), t.get("user")),
        TargetKind.indicator: lambda ctx, t: resolve_indicator(
            t.get("value"), t.get("indicator_type")
        ),
    }
)


def _request(
    ctx: ResponseContext, spec: ActionSpec, target: Target, params: dict[str, Any]
) -> PlannedRequest:
    base = ctx.settings.mde_base() if spec.platform is Platform.mde else ctx.settings.graph_base()
    path = spec.path.format(machine_id=quote(target.id, safe=""), user_id=quote(target.id, safe=""))
    return PlannedRequest(
        method=spec.method,
        url=base + path,
        body=spec.build_body(params),
        permission=spec.permission,
    )


def plan_action(
    ctx: ResponseContext,
    verb: str,
    target: dict[str, Any],
    reason: str,
    params: dict[str, Any] | None = None,
    confidence: float | None = None,
    source: str = "cli",
    requested_by: str | None = None,
) -> ActionRecord:
    """Resolve *target*, build the call, save the action as pending and audit it."""
    spec = action_spec(verb)
    if not reason or not reason.strip():
        raise UsageError("a reason is required for every action", "pass --reason TEXT")
    if confidence is not None and not 0 <= confidence <= 1:
        raise UsageError(f"confidence {confidence} is not between 0 and 1")
    resolved = RESOLVERS[spec.target](ctx, target)
    action_id = "act-" + uuid.uuid4().hex[:12]
    filled = fill_choices(spec, {k: v for k, v in (params or {}).items() if v is not None})
    filled["comment"] = f"{comment_tag(action_id)} {reason.strip()}"
    if spec.target is TargetKind.indicator:
        filled.update(
            value=resolved.id,
            indicator_type=resolved.details["indicatorType"],
            title=f"Tracehound {action_id}",
        )
    now = ctx.clock().isoformat()
    record = ActionRecord(
        id=action_id,
        verb=spec.verb,
        title=spec.title,
        target=resolved,
        params=filled,
        reason=reason.strip(),
        confidence=confidence,
        source=source,
        requested_by=requested_by or os_user(),
        created_at=now,
        updated_at=now,
        request=_request(ctx, spec, resolved, filled),
        reverse=spec.reverse,
    )
    ctx.ledger.save(record)
    ctx.audit.append(
        "planned",
        record.id,
        record.requested_by,
        {
            "action": record.verb,
            "source": source,
            "confidence": confidence,
            "target": record.target.model_dump(),
            "request": record.request.model_dump(),
        },
    )
    return record


def propose_action(
    ctx: ResponseContext,
    kind: str,
    target: str,
    reason: str,
    confidence: float | None,
    source: str = "hunt",
    params: dict[str, Any] | None = None,
    machine_id: str | None = None,
) -> ActionRecord:
    """What the hunt agent calls: queue a containment it recommends (never executes it).

    *target* is the device name, the user (UPN), or the indicator value, as *kind* needs.
    """
    spec = action_spec(kind)
    key = {TargetKind.device: "device", TargetKind.user: "user", TargetKind.indicator: "value"}[
        spec.target
    ]
    targets: dict[str, Any] = {key: target, "machine_id": machine_id}
    return plan_action(
        ctx,
        kind,
        targets,
        reason,
        params=params,
        confidence=confidence,
        source=source,
        requested_by=source,
    )
