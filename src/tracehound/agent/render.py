"""The human-readable form of a hunt's outcome (stdout), kept apart from the JSON form."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from .outcome import HuntOutcome


def print_outcome(outcome: HuntOutcome) -> None:
    console = Console(highlight=False)
    tr = outcome.plan.get("time_range", {})
    console.print(f"Hunt ({outcome.mode}): {outcome.request}", markup=False)
    console.print(
        f"Window: {tr.get('start')} .. {tr.get('end')} ({tr.get('reason')}); "
        f"hunts: {', '.join(outcome.plan.get('hunts', [])) or 'none'}",
        markup=False,
    )
    if not outcome.findings:
        console.print("No findings.", markup=False)
    for f in outcome.findings:
        body = [
            f.summary,
            "",
            f"ATT&CK: {', '.join(f.techniques)}",
            f"Confidence: {f.confidence.score}/100 ({f.confidence.band})",
            *[f"  +{x.points} {x.name}: {x.reason}" for x in f.confidence.factors],
            "IOCs: " + ", ".join(f"{i.type}={i.value}" for i in f.iocs),
            "Evidence: "
            + ", ".join(f"{e.table}/{e.row_id}" for e in f.evidence[:6])
            + (f" (+{len(f.evidence) - 6} more)" if len(f.evidence) > 6 else ""),
            "Recommendations:",
            *[f"  - {r}" for r in f.recommendations],
        ]
        if f.model_confidence:
            body.insert(4, f"Model's own confidence: {f.model_confidence}")
        console.print(Panel("\n".join(body), title=f.title, title_align="left"), markup=False)
    for r in outcome.rejected:
        console.print(f"Rejected: {r.title}: {'; '.join(r.reasons)}", markup=False)
    for a in outcome.actions:
        console.print(f"Proposed (pending approval): {a.action} {a.target} [{a.id}]", markup=False)
    for note in outcome.notes:
        console.print(f"Note: {note}", markup=False)
    u = outcome.usage
    console.print(
        f"Usage: {u.get('queries', 0)} queries, {u.get('model_calls', 0)} model calls, "
        f"{u.get('input_tokens', 0) + u.get('output_tokens', 0)} tokens, ${u.get('cost_usd', 0):.4f}",
        markup=False,
    )
