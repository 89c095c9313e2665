"""Incident reports: one typed model (:mod:`.model`) built from an investigation
(:mod:`.build`) and rendered as Markdown, self-contained HTML, versioned JSON or STIX 2.1."""

from tracehound.report.build import build_report
from tracehound.report.model import SCHEMA_VERSION, IncidentReport
from tracehound.report.render import ReportFormat, render

__all__ = ["SCHEMA_VERSION", "IncidentReport", "ReportFormat", "build_report", "render"]
