"""Write a hunt's outcome next to the store as Markdown and JSON (until the report capability
lands, this is the hunt's written record). Returns the Markdown path."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from .outcome import HuntOutcome


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "hunt"


def markdown(outcome: HuntOutcome) -> str:
    lines = [f"# Hunt: {outcome.request}", "", f"Mode: {outcome.mode}. {outcome.summary}", ""]
    tr = outcome.plan.get("time_range", {})
    lines += [f"Time range: {tr.get('start')} to {tr.get('end')} ({tr.get('reason')})", ""]
    for i, f in enumerate(outcome.findings, 1):
        lines += [
            f"## {i}. {f.title}",
            "",
            f.summary,
            "",
            f"- Techniques: {', '.join(f.techniques)}",
            f"- Confidence: {f.confidence.score} ({f.confidence.band})",
        ]
        lines += [f"  - {x.name} +{x.points}: {x.reason}" for x in f.confidence.factors]
        lines.append("- IOCs: " + ", ".join(f"{i.type} {i.value}" for i in f.iocs))
        lines.append("- Evidence: " + ", ".join(f"{e.table}/{e.row_id}" for e in f.evidence))
        lines += ["- Recommendations:", *[f"  - {r}" for r in f.recommendations], ""]
    if outcome.rejected:
        lines += ["## Rejected findings", ""]
        lines += [f"- {r.title}: {'; '.join(r.reasons)}" for r in outcome.rejected]
        lines.append("")
    if outcome.actions:
        lines += ["## Proposed containment (pending approval)", ""]
        lines += [f"- {a.id}: {a.action} {a.target} ({a.reason})" for a in outcome.actions]
        lines.append("")
    if outcome.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in outcome.notes], ""]
    lines += ["## Queries", ""]
    for q in outcome.queries:
        lines += [f"### {q.purpose} ({q.rows} rows)", "", "```kql", q.kql.strip(), "```", ""]
    return "\n".join(lines)


def export(outcome: HuntOutcome, folder: Path, now: datetime | None = None) -> Path:
    """Write ``<folder>/hunts/<time>-<slug>.md`` and ``.json``; return the Markdown path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = folder / "hunts"
    target.mkdir(parents=True, exist_ok=True)
    base = target / f"{stamp}-{_slug(outcome.request)}"
    base.with_suffix(".json").write_text(
        json.dumps(outcome.as_json(), indent=2, default=str), encoding="utf-8"
    )
    path = base.with_suffix(".md")
    path.write_text(markdown(outcome), encoding="utf-8")
    return path
