"""``tracehound audit``: verify the hash-chained audit log (both copies) and print it."""

from __future__ import annotations

from typing import Annotated

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
from tracehound.respond.audit import AuditLog
from tracehound.store import Store

audit = typer.Typer(help="The append-only audit log of response actions.", no_args_is_help=True)


@audit.command("verify")
def verify_cmd(
    db: DbOption = None, config: ConfigOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Check both copies of the log; exit 1 when an entry was edited or removed."""
    settings = load_settings(config)
    with Store.open(resolve_db_path(db, settings), read_only=True) as store:
        report = AuditLog(store).verify()
    if fmt is OutputFormat.json:
        emit_json(report.as_dict())
    else:
        for problem in report.problems:
            typer.echo(f"BROKEN  {problem}")
        if report.ok:
            typer.echo(f"ok: {report.entries_db} entries, chain intact, store and journal agree")
    if not report.ok:
        status.print("the audit log was tampered with or damaged")
        raise typer.Exit(1)


@audit.command("log")
def log_cmd(
    action_id: Annotated[
        str | None, typer.Option("--action", help="Only this action's entries.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Print the audit entries (from the store)."""
    settings = load_settings(config)
    with Store.open(resolve_db_path(db, settings), read_only=True) as store:
        entries = AuditLog(store).db_entries()
    rows = [
        {
            "seq": e["seq"],
            "at": e["at"],
            "event": e["event"],
            "action": e["action_id"],
            "actor": e["actor"],
            "hash": e["hash"][:16],
        }
        for e in entries
        if action_id is None or e["action_id"] == action_id
    ]
    emit_records(rows, fmt, title="audit log")


def register(app: typer.Typer) -> None:
    app.add_typer(audit, name="audit")
