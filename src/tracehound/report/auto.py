"""Reports for High incidents written by ``detect`` (``[report] auto_high = true``), so the
report exists before a person opens the ticket; and the one helper every caller uses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tracehound.errors import UsageError
from tracehound.report.model import IncidentReport
from tracehound.report.render import ReportFormat, render
from tracehound.store import Store


class ReportSettings(BaseModel):
    """The ``[report]`` section of the configuration."""

    model_config = ConfigDict(extra="forbid")
    auto_high: bool = False
    output_dir: Path = Path("reports")
    formats: list[ReportFormat] = Field(
        default_factory=lambda: [ReportFormat.html, ReportFormat.json]
    )
    window_minutes: int = Field(default=60, ge=1, le=43_200)


def report_settings(extra: dict[str, Any]) -> ReportSettings:
    try:
        return ReportSettings.model_validate(extra.get("report") or {})
    except Exception as exc:
        raise UsageError(f"[report] settings: {exc}", "see docs/reports.md") from exc


def rule_queries(store: Store) -> dict[str, str]:
    """Rule id -> KQL, so a report shows the detection queries too (empty if rules fail to load)."""
    from tracehound.rules.library import library

    return {r.id: r.query for r in library(store, [], include_imported=True).rules}


def build_for(store: Store, incident_id: str, padding: timedelta) -> IncidentReport:
    from tracehound.investigate import investigate
    from tracehound.report.build import build_report

    return build_report(store, investigate(store, incident_id, padding), rule_queries(store))


def report_text(store: Store, incident_id: str, fmt: ReportFormat, padding: timedelta) -> str:
    return render(build_for(store, incident_id, padding), fmt)


def file_name(incident_id: str, fmt: ReportFormat) -> str:
    return f"{incident_id}.stix.json" if fmt is ReportFormat.stix else f"{incident_id}.{fmt.value}"


def write_high_reports(store: Store, extra: dict[str, Any], incident_ids: list[str]) -> list[Path]:
    """Write reports for the High incidents among *incident_ids* when enabled; their paths."""
    settings = report_settings(extra)
    if not settings.auto_high or not incident_ids:
        return []
    from tracehound.incidents import list_incidents

    high = [i.id for i in list_incidents(store, min_band="High") if i.id in set(incident_ids)]
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for incident_id in high:
        report = build_for(store, incident_id, timedelta(minutes=settings.window_minutes))
        for fmt in settings.formats:
            path = settings.output_dir / file_name(incident_id, fmt)
            path.write_text(render(report, fmt), encoding="utf-8")
            written.append(path)
    return written
