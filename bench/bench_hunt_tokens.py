"""Tokens a model would read per hunt: the agent's summaries vs the original approach.

The original sent the whole result of one per-table query (``where DeviceName startswith
HOST``, every row in the window) as CSV inside the prompt. The agent sends, per query it runs,
a summary (row count, top values, time span, a few sample rows with row ids). Both sides are
measured on the same seeded lab, for the same requests, and the agent's hunt must still
produce the scenario's finding (same findings), so the ratio compares equal answers.
Counted with the offline estimator of ``llm/tokens.py``. Run with `make bench`.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.agent.hunt import run_hunt
from tracehound.agent.settings import AgentSettings
from tracehound.agent.summarize import render, summarize
from tracehound.backends.local import LocalBackend
from tracehound.cli import main
from tracehound.llm.tokens import count_text
from tracehound.store import Store

END = "2026-11-28T12:00:00Z"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
#: request, scenario whose host it names, the table the original would have queried
HUNTS = (
    (
        "I'm worried that windows-target-1 might have been maliciously logged into in the last few days",
        "rdp-bruteforce",
        "DeviceLogonEvents",
    ),
    (
        "were credentials dumped from lsass on {host} this week?",
        "lsass-dump",
        "DeviceProcessEvents",
    ),
    ("is {host} being hit by ransomware? last 5 days", "ransomware-impact", "DeviceProcessEvents"),
)
ORIGINAL = "declare query_parameters(host:string);\n{table} | where DeviceName startswith host"


def _seed(db: Path) -> dict[str, Any]:
    import json
    from contextlib import redirect_stdout

    args = [
        "lab",
        "seed",
        "--db",
        str(db),
        "--days",
        "5",
        "--devices",
        "8",
        "--users",
        "8",
        "--end",
        END,
        "--scenarios",
        ",".join(h[1] for h in HUNTS),
    ]
    assert main(args) == 0
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["lab", "truth", "--db", str(db), "--format", "json"]) == 0
    return {s["id"]: s for s in json.loads(out.getvalue())["scenarios"]}


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _agent_tokens(
    backend: LocalBackend, outcome: Any, settings: AgentSettings, purposes: set[str] | None = None
) -> int:
    """What run_kql would hand the model for each query the hunt ran (or those of *purposes*)."""
    from tracehound.agent.guardrails import QueryGuard

    guard = QueryGuard(settings.guardrails, set(backend.tables()))
    window = (
        datetime.fromisoformat(outcome.plan["time_range"]["start"]),
        datetime.fromisoformat(outcome.plan["time_range"]["end"]),
    )
    total = 0
    g = settings.guardrails
    for record in outcome.queries:
        if record.error or (purposes is not None and record.purpose not in purposes):
            continue
        guarded = guard.check(record.kql, *window, parameters=record.parameters)
        result = backend.query(guarded.kql, parameters=guarded.parameters, limit=g.row_cap)
        total += count_text(render(summarize(result, None, g.sample_rows, g.top_values)))
    return total


@pytest.mark.slow
def test_hunt_tokens_vs_whole_result_csv(tmp_path: Path) -> None:
    truth = _seed(tmp_path / "lab.duckdb")
    settings = AgentSettings()
    print()
    print(
        f"{'hunt':<20}{'original CSV':>14}{'finding':>9}{'ratio':>8}{'all queries':>13}{'ratio':>8}"
    )
    ratios = []
    with Store.open(tmp_path / "lab.duckdb") as store:
        backend = LocalBackend(store)
        for request, scenario, table in HUNTS:
            host = truth[scenario]["devices"][0]
            outcome = run_hunt(request.format(host=host.split(".")[0]), backend, settings, NOW)
            finding = next(f for f in outcome.findings if f.hosts == [host])  # the same finding
            kind, name = finding.source.split(":", 1)
            behind = (
                {"hunt " + name}
                if kind == "hunt"
                else {
                    q.purpose for q in outcome.queries if q.purpose.startswith("evidence rows of")
                }
            )
            start = datetime.fromisoformat(outcome.plan["time_range"]["start"])
            window = (
                f"\n| where Timestamp >= datetime({start:%Y-%m-%dT%H:%M:%S})"
                f" and Timestamp < datetime({NOW:%Y-%m-%dT%H:%M:%S})"
            )
            raw = backend.query(ORIGINAL.format(table=table) + window, parameters={"host": host})
            rows = [
                {k: v for k, v in r.items() if not k.startswith("_")} for r in raw.table.to_pylist()
            ]
            original = count_text(_csv(rows))
            agent = _agent_tokens(backend, outcome, settings, behind)
            everything = _agent_tokens(backend, outcome, settings)
            ratios.append(agent / original)
            print(
                f"{scenario:<20}{original:>14,}{agent:>9,}{agent / original:>8.3f}"
                f"{everything:>13,}{everything / original:>8.3f}  ({len(rows):,} rows in CSV, "
                f"{len(outcome.queries)} agent queries)"
            )
    assert max(ratios) <= 0.1
