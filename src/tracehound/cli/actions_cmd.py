"""``tracehound actions``: plan (dry run), list, show, approve, deny, execute.

Planning resolves the target through the platform API and prints the exact call; nothing runs
until ``execute``, which refuses (exit 3, no API call) an action that is neither approved nor
allowed by the policy. ``execute`` prints success only when the platform reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    status,
)
from tracehound.config import load_settings, resolve_db_path
from tracehound.render import OutputFormat
from tracehound.respond import (
    ResponseContext,
    approve_action,
    deny_action,
    execute_action,
    plan_action,
    render_plan,
)
from tracehound.respond.catalog import ACTIONS
from tracehound.respond.executor import policy_decision
from tracehound.respond.models import ActionRecord, ActionStatus
from tracehound.respond.planning import os_user
from tracehound.respond.proposals import promote, proposal_rows
from tracehound.store import Store

actions = typer.Typer(
    help="Response actions: plan (dry run), approve, execute, verify, audit.",
    no_args_is_help=True,
)

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy file (YAML); default [response] policy.", show_default=False
    ),
]
ActionIdArg = Annotated[str, typer.Argument(help="The action id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")]
ApproverOption = Annotated[
    str | None,
    typer.Option(
        "--approver", help="Who decides (default: the operating-system user).", show_default=False
    ),
]


@contextmanager
def response_context(
    db: Path | None, config: Path | None, policy: Path | None, read_only: bool = False
) -> Iterator[ResponseContext]:
    settings = load_settings(config)
    with Store.open(resolve_db_path(db, settings), read_only=read_only) as store:
        ctx = ResponseContext.open(store, settings.response, policy_path=policy)
        try:
            yield ctx
        finally:
            ctx.close()


def _document(record: ActionRecord) -> dict[str, Any]:
    return record.model_dump(mode="json")


@actions.command("plan")
def plan_cmd(
    verb: Annotated[str, typer.Argument(help=f"One of: {', '.join(ACTIONS)}.")],
    reason: ReasonOption,
    device: Annotated[
        str | None, typer.Option("--device", help="Device hostname or FQDN (exact).")
    ] = None,
    machine_id: Annotated[
        str | None,
        typer.Option(
            "--machine-id", help="Defender machine id (to pick among same-named devices)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="User principal name or object id.")
    ] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Indicator value (IP, domain, URL, hash).")
    ] = None,
    indicator_type: Annotated[
        str | None,
        typer.Option("--indicator-type", help="ip, domain, url, sha1, sha256 or md5 (inferred)."),
    ] = None,
    scope: Annotated[
        str | None, typer.Option("--scope", help="Isolation Full|Selective; scan Quick|Full.")
    ] = None,
    sha1: Annotated[
        str | None, typer.Option("--sha1", help="SHA-1 of the file to stop and quarantine.")
    ] = None,
    indicator_action: Annotated[
        str | None,
        typer.Option("--indicator-action", help="Alert, Warn, Block, Audit, AlertAndBlock, ..."),
    ] = None,
    confidence: Annotated[
        float | None, typer.Option("--confidence", help="Confidence 0..1 (for the policy).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    policy: PolicyOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Plan an action (dry run): resolve the target, show the exact call, queue it."""
    target = {
        "device": device,
        "machine_id": machine_id,
        "user": user,
        "value": value,
        "indicator_type": indicator_type,
    }
    params = {"scope": scope, "sha1": sha1, "indicator_action": indicator_action}
    with response_context(db, config, policy) as ctx:
        record = plan_action(ctx, verb, target, reason, params=params, confidence=confidence)
        decision = policy_decision(ctx, record)
    if fmt is OutputFormat.json:
        emit_json(
            {
                **_document(record),
                "policy": {"automatic": decision.automatic, "reasons": decision.reasons},
            }
        )
        return
    typer.echo(render_plan(record))
    typer.echo(
        f"policy   {'automatic: ' if decision.automatic else 'needs approval: '}"
        + "; ".join(decision.reasons)
    )
    status.print(
        f"planned {record.id}; approve with: tracehound actions approve {record.id} --reason TEXT"
    )


@actions.command("list")
def list_cmd(
    state: Annotated[
        ActionStatus | None, typer.Option("--status", help="Only actions in this state.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List planned and executed actions, and containment hunts proposed (status "proposed")."""
    with response_context(db, config, None, read_only=True) as ctx:
        rows = [r.summary() for r in ctx.ledger.all(state)]
        if state is None:
            rows.extend(proposal_rows(ctx.store))
    emit_records(rows, fmt, title="actions")


@actions.command("promote")
def promote_cmd(
    proposal_id: Annotated[str, typer.Argument(help="The id of a hunt proposal (prop-...).")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (default: the hunt finding).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    policy: PolicyOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Plan the action a hunt proposed: resolve its target and queue it for approval."""
    with response_context(db, config, policy) as ctx:
        record = promote(ctx, proposal_id, reason)
        decision = policy_decision(ctx, record)
    if fmt is OutputFormat.json:
        emit_json(
            {
                **_document(record),
                "policy": {"automatic": decision.automatic, "reasons": decision.reasons},
            }
        )
        return
    typer.echo(render_plan(record))
    status.print(
        f"planned {record.id} from {proposal_id}; approve with: "
        f"tracehound actions approve {record.id} --reason TEXT"
    )


@actions.command("show")
def show_cmd(
    action_id: ActionIdArg,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one action: target, call, decision, platform result."""
    with response_context(db, config, None, read_only=True) as ctx:
        record = ctx.ledger.get(action_id)
    if fmt is OutputFormat.json:
        emit_json(_document(record))
        return
    typer.echo(render_plan(record))
    if record.approval:
        a = record.approval
        typer.echo(f"decision {a.decision} by {a.by} at {a.at}: {a.reason}")
    if record.platform_action_id or record.result:
        typer.echo(
            f"platform {record.platform_action_id or '-'} {record.platform_status or ''} {record.result}"
        )


Decider = Callable[[ResponseContext, str, str, str | None], ActionRecord]


def _decide(
    decide: Decider,
    action_id: str,
    reason: str,
    approver: str | None,
    db: Path | None,
    config: Path | None,
) -> ActionRecord:
    with response_context(db, config, None) as ctx:
        record: ActionRecord = decide(ctx, action_id, reason, approver)
    by = record.approval.by if record.approval else "?"
    status.print(f"{record.id} {record.status} by {by}")
    return record


@actions.command("approve")
def approve_cmd(
    action_id: ActionIdArg,
    reason: ReasonOption,
    approver: ApproverOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Approve a pending action (recorded with the approver and reason)."""
    _decide(approve_action, action_id, reason, approver, db, config)


@actions.command("deny")
def deny_cmd(
    action_id: ActionIdArg,
    reason: ReasonOption,
    approver: ApproverOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Deny a pending action; it can never be executed."""
    _decide(deny_action, action_id, reason, approver, db, config)


@actions.command("execute")
def execute_cmd(
    action_id: ActionIdArg,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Who runs it (default: the operating-system user)."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    policy: PolicyOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Execute an approved (or policy-allowed) action and wait for the platform's verdict."""
    with response_context(db, config, policy) as ctx:
        record = execute_action(ctx, action_id, actor or os_user())
    if fmt is OutputFormat.json:
        emit_json(_document(record))
    elif record.status is ActionStatus.succeeded:
        typer.echo(
            f"{record.id}: {record.title} on {record.target.name} succeeded "
            f"(platform status {record.platform_status}, id {record.platform_action_id or '-'})"
        )
    else:
        typer.echo(f"{record.id}: {record.title} on {record.target.name} {record.status}")
        for key in ("error", "hint", "note"):
            if record.result.get(key):
                typer.echo(f"  {key}: {record.result[key]}")
    if record.status is not ActionStatus.succeeded:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(actions, name="actions")
