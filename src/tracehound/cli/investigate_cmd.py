"""``tracehound investigate INCIDENT``: timeline, affected assets, pivots, trees, related."""

from __future__ import annotations

from typing import Annotated

import typer

from tracehound.cli.common import (
    BackendOption,
    ConfigOption,
    DbOption,
    FormatOption,
    data_backend,
    emit_json,
    emit_records,
    open_store,
    status,
)
from tracehound.render import OutputFormat

WindowOption = Annotated[
    str, typer.Option("--window", "-w", help="Time searched around each alert: 30m, 2h, 1d.")
]


def investigate_command(
    incident_id: Annotated[
        str, typer.Argument(help="Incident id (see `tracehound incidents list`).")
    ],
    window: WindowOption = "1h",
    backend: BackendOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Reconstruct an incident: what happened, where, by whom, and what else it touches."""
    from tracehound.investigate import investigate
    from tracehound.investigate.duration import parse_duration

    padding = parse_duration(window)
    store, settings = open_store(db, config, read_only=True)
    with store, status.status("investigating"):
        inv = investigate(store, incident_id, padding, data_backend(backend, store, settings))
    if fmt is OutputFormat.json:
        emit_json(inv.as_dict())
        return
    shown = [e for e in inv.events if e.kind != "context"]
    status.print(
        f"{inv.incident['title']}: {len(shown)} evidence/related events "
        f"({len(inv.events) - len(shown)} context), {len(inv.assets)} assets, {len(inv.queries)} queries"
    )
    emit_records(
        [
            {
                "time": e.timestamp,
                "table": e.table,
                "action": e.action,
                "summary": e.summary,
                "attack": ",".join(e.techniques),
                "kind": e.kind,
            }
            for e in shown
        ],
        fmt,
        title="timeline",
    )
    emit_records(
        [
            {"kind": a.kind, "value": a.value, "roles": ", ".join(a.roles), "rows": a.rows}
            for a in inv.assets
        ],
        fmt,
        title="affected assets",
    )
    for item in inv.limitations:
        status.print(f"limitation: {item}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("investigate")(investigate_command)
