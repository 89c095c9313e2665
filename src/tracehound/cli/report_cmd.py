"""``tracehound report INCIDENT --format md|html|json|stix [-o FILE]``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracehound.cli.common import ConfigOption, DbOption, open_store, status
from tracehound.cli.investigate_cmd import WindowOption
from tracehound.report.render import ReportFormat


def report_command(
    incident_id: Annotated[
        str, typer.Argument(help="Incident id (see `tracehound incidents list`).")
    ],
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="md, html, json or stix.", case_sensitive=False),
    ] = ReportFormat.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    window: WindowOption = "1h",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the incident report: summary, timeline, assets, findings, ATT&CK, IOCs, actions, KQL."""
    from tracehound.investigate.duration import parse_duration
    from tracehound.report.auto import report_text

    padding = parse_duration(window)
    store, _ = open_store(db, config, read_only=True)
    with store, status.status("investigating"):
        text = report_text(store, incident_id, fmt, padding)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    status.print(f"wrote {fmt.value} report to {output}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
