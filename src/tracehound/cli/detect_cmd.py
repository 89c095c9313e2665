"""``tracehound detect``: run enabled rules over a window (or what is new), keep alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
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
from tracehound.errors import UsageError
from tracehound.render import OutputFormat


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(
            f"not a date/time: {text!r}", "use ISO 8601, e.g. 2024-03-01T00:00:00Z"
        ) from exc
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def detect_command(
    start: Annotated[
        str | None, typer.Option("--from", help="Window start (event time, ISO 8601 UTC).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Window end (exclusive).")] = None,
    rules: Annotated[
        list[str] | None, typer.Option("--rules", help="Rule ids or glob patterns (repeatable).")
    ] = None,
    rules_file: Annotated[
        list[Path] | None,
        typer.Option("--rules-file", help="Extra native YAML or Sigma rules (repeatable)."),
    ] = None,
    no_share: Annotated[
        bool, typer.Option("--no-shared-scans", help="Run each rule as its own query.")
    ] = False,
    backend: BackendOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run detection; with no window, scan what has not been scanned yet.

    With ``--backend loganalytics|adx`` the rules run there and alerts are kept in ``--db``;
    with no window such a run reads the last 24 hours.
    """
    from tracehound.detect.service import detect
    from tracehound.score import detection_settings

    store, settings = open_store(db, config, read_only=False)
    with store, status.status("running rules") as spinner:
        report = detect(
            store,
            detection_settings(settings.extra),
            start=_when(start),
            end=_when(end),
            selected=rules,
            extra_rules=rules_file,
            share_scans=not no_share,
            progress=lambda done, total: spinner.update(f"rules {done}/{total}"),
            backend=data_backend(backend, store, settings),
        )
        from tracehound.report.auto import (
            write_high_reports,  # [report] auto_high, see docs/reports.md
        )

        report_paths = write_high_reports(store, settings.extra, report.incidents)
    document = report.as_dict()
    document["reports_written"] = [str(p) for p in report_paths]
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    status.print(
        f"{document['rules_run']}/{document['rules']} rules ran in {document['queries']} queries; "
        f"{len(report.result.alerts)} alerts, {len(report.incidents)} incidents touched"
    )
    for key in ("skipped", "failed"):
        items = document[key]
        assert isinstance(items, list)
        if items:
            status.print(f"{len(items)} rule(s) {key}:")
            for item in items[:20]:
                status.print(f"  {item['rule_id']}: {item['reason']}", markup=False)
    rows = [
        {
            "alert": a.id,
            "band": a.band,
            "confidence": a.confidence,
            "rule": a.rule_id,
            "title": a.title,
            "host": ",".join(a.entities.get("host", [])[:2]),
            "techniques": ",".join(a.techniques),
            "first_seen": a.first_seen,
            "suppressed": a.suppressed_by or "",
        }
        for a in sorted(report.result.alerts, key=lambda a: -a.confidence)
    ]
    if rows:
        emit_records(rows, fmt)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_command)
