"""One report, four renderings: Markdown and HTML from jinja2 templates (HTML autoescaped),
JSON straight from the model, STIX 2.1 in :mod:`tracehound.report.stix`."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache

import jinja2
from markupsafe import Markup

from tracehound.report.defang import defang
from tracehound.report.model import IncidentReport, TimelineEntry, TreeNode
from tracehound.report.svg import timeline_svg

MAX_TIMELINE_ROWS = 500


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    stix = "stix"


def _md(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _defang(value: str, kind: str) -> str:
    return defang(value, {"ip": "ipv6-addr" if ":" in value else "ipv4-addr"}.get(kind, ""))


def _tree_text(node: TreeNode, depth: int = 0) -> str:
    mark = " <== suspicious" if node.suspicious else ""
    line = f"{'  ' * depth}{node.name} (pid {node.pid}, {node.account}) {node.command_line}{mark}"
    return "\n".join([line, *(_tree_text(c, depth + 1) for c in node.children)])


@lru_cache(maxsize=2)
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tracehound.report", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["defang"] = _defang
    env.globals["tree_text"] = _tree_text
    return env


def _shown(report: IncidentReport) -> tuple[list[TimelineEntry], int]:
    """Timeline rows for the human formats: evidence and related first, capped."""
    main = [e for e in report.timeline if e.kind != "context"]
    rows = main[:MAX_TIMELINE_ROWS] if main else report.timeline[:MAX_TIMELINE_ROWS]
    return rows, len(report.timeline) - len(rows)


def _prose(report: IncidentReport) -> IncidentReport:
    """A copy whose free text (summaries, log lines) shows every indicator defanged."""
    swaps = sorted(
        ((i.value, i.defanged) for i in report.iocs if i.value != i.defanged),
        key=lambda p: -len(p[0]),
    )
    if not swaps:
        return report
    pattern = re.compile("|".join(re.escape(v) for v, _ in swaps))
    table = dict(swaps)

    def fix(text: str) -> str:
        return pattern.sub(lambda m: table[m.group(0)], text)

    copy = report.model_copy(deep=True)
    copy.executive_summary = fix(copy.executive_summary)
    for entry in copy.timeline:
        entry.summary = fix(entry.summary)
    for finding in copy.findings:
        for row in finding.evidence:
            row.summary = fix(row.summary)
    return copy


def render_markdown(report: IncidentReport) -> str:
    report = _prose(report)
    rows, cut = _shown(report)
    return (
        _env(False).get_template("report.md.j2").render(r=report, timeline=rows, timeline_cut=cut)
    )


def render_html(report: IncidentReport) -> str:
    report = _prose(report)
    rows, cut = _shown(report)
    return (
        _env(True)
        .get_template("report.html.j2")
        .render(
            r=report, timeline=rows, timeline_cut=cut, svg=Markup(timeline_svg(report.timeline))
        )
    )


def render_json(report: IncidentReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def render_stix(report: IncidentReport) -> str:
    from tracehound.report.stix import stix_bundle

    return stix_bundle(report)


RENDERERS: dict[ReportFormat, Callable[[IncidentReport], str]] = {
    ReportFormat.md: render_markdown,
    ReportFormat.html: render_html,
    ReportFormat.json: render_json,
    ReportFormat.stix: render_stix,
}


def render(report: IncidentReport, fmt: ReportFormat) -> str:
    return RENDERERS[fmt](report)
