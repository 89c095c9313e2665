"""``tracehound incidents``: list, show, assign, note and close incidents."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    open_store,
    status,
)
from tracehound.render import OutputFormat

incidents_app = typer.Typer(
    help="Incidents: related alerts grouped by entity and time.", no_args_is_help=True
)


@incidents_app.command("list")
def list_cmd(
    status_filter: Annotated[
        str | None, typer.Option("--status", help="new, active or closed.")
    ] = None,
    high: Annotated[bool, typer.Option("--high", help="Only High-confidence incidents.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List incidents, most confident first."""
    from tracehound.incidents import list_incidents

    store, _ = open_store(db, config, read_only=False)
    with store:
        items = list_incidents(store, status_filter, "High" if high else None)
    summaries = [i.summary() for i in items]
    if fmt is OutputFormat.json:
        emit_json({"incidents": summaries})
        return
    rows = [
        {
            **{k: s[k] for k in ("id", "band", "confidence", "severity", "status", "title")},
            "hosts": ",".join(s["entities"].get("host", [])[:3]),
            "first_seen": s["first_seen"],
        }
        for s in summaries
    ]
    emit_records(rows, fmt, title=f"{len(rows)} incidents")


@incidents_app.command()
def show(
    incident_id: str,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """An incident with its alerts, confidence factors, evidence and notes."""
    from tracehound.incidents import get_incident, incident_alerts, notes

    store, _ = open_store(db, config, read_only=False)
    with store:
        incident = get_incident(store, incident_id)
        alerts = incident_alerts(store, incident_id)
        history = notes(store, incident_id)
    document = {
        **incident.summary(),
        "classification": incident.classification,
        "assignee": incident.assignee,
        "tactics": incident.tactics,
        "techniques": incident.techniques,
        "alerts": alerts,
        "notes": history,
    }
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    from rich.console import Console

    console = Console(highlight=False)
    console.print(f"[bold]{incident.title}[/bold]  ({incident.id})")
    console.print(
        f"{incident.band} confidence {incident.confidence}, severity {incident.severity}, status {incident.status}"
        + (f", {incident.classification}" if incident.classification else "")
        + (f", assigned to {incident.assignee}" if incident.assignee else "")
    )
    console.print(
        f"tactics: {', '.join(incident.tactics)}; techniques: {', '.join(incident.techniques)}",
        markup=False,
    )
    for alert in alerts:
        console.print(
            f"\n- {alert['title']} [{alert['band']} {alert['confidence']}] {alert['rule_id']}",
            markup=False,
        )
        for factor in alert["factors"] or []:
            console.print(
                f"    {factor['delta']:+d} {factor['factor']}: {factor['reason']}", markup=False
            )
        evidence = alert["evidence"] or []
        cited = ", ".join(f"{e['table']}:{e['row_id']}" for e in evidence[:5])
        console.print(f"    evidence ({alert['evidence_count']} rows): {cited}", markup=False)
    for note in history:
        console.print(f"\nnote {note['at']} {note['author']}: {note['text']}", markup=False)


@incidents_app.command()
def assign(
    incident_id: str, assignee: str, db: DbOption = None, config: ConfigOption = None
) -> None:
    """Assign an incident to someone (it becomes active)."""
    from tracehound.incidents import assign as do_assign

    store, _ = open_store(db, config, read_only=False)
    with store:
        do_assign(store, incident_id, assignee)
    status.print(f"{incident_id} assigned to {assignee}")


@incidents_app.command()
def note(incident_id: str, text: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Add a note to an incident."""
    from tracehound.incidents import add_note

    store, _ = open_store(db, config, read_only=False)
    with store:
        add_note(store, incident_id, text, getpass.getuser())
    status.print(f"note added to {incident_id}")


@incidents_app.command("close")
def close_cmd(
    incident_id: str,
    classification: Annotated[
        str, typer.Option(help="true_positive, benign_true_positive or false_positive.")
    ],
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Close an incident with a classification (scoring learns from it)."""
    from tracehound.incidents import close

    store, _ = open_store(db, config, read_only=False)
    with store:
        close(store, incident_id, classification, comment, getpass.getuser())
    status.print(f"{incident_id} closed as {classification}")


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
