"""``tracehound eval detection PATH``: recall on labeled datasets, noise on benign data.

Added to the existing ``eval`` sub-app (``eval kql-compat`` lives beside it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tracehound.cli.common import ConfigOption, FormatOption, emit_json, settings_for, status
from tracehound.errors import UsageError
from tracehound.render import OutputFormat


def detection(
    path: Annotated[
        Path,
        typer.Argument(
            help="Labeled dataset folder (labels_index.csv), or benign data / store with --benign."
        ),
    ],
    benign: Annotated[
        bool, typer.Option("--benign", help="Report alerts and High incidents per host-day.")
    ] = False,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="Extra rule files (native YAML or Sigma).")
    ] = None,
    sigma_baseline: Annotated[
        Path | None,
        typer.Option("--sigma-baseline", help="A Sigma rule set scored alone on the same files."),
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Evaluate detection; the exit code is 0 whatever the score."""
    from tracehound.detect.evaluation import benign_noise, evaluate
    from tracehound.score import detection_settings

    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    settings = detection_settings(settings_for(config).extra)
    with status.status(f"evaluating detection on {path}"):
        document = (
            benign_noise(path, settings, rules)
            if benign
            else evaluate(path, rules, sigma_baseline, settings)
        )
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    _print(document, benign)


def _print(document: dict[str, Any], benign: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if benign:
        for key in (
            "host_days",
            "alerts",
            "high_incidents",
            "alerts_per_100_host_days",
            "high_incidents_per_100_host_days",
        ):
            console.print(f"{key}: {document[key]}")
        return
    table = Table(header_style="bold", title=f"detection on {document['path']}")
    for column in (
        "rules",
        "datasets",
        "technique recall",
        "tactic recall",
        "median alerts",
        "median High incidents",
        "datasets with alerts",
    ):
        table.add_column(column)
    for name, s in document["systems"].items():
        table.add_row(
            name,
            str(s["datasets_scored"]),
            f"{s['technique_recall']:.2f}",
            f"{s['tactic_recall']:.2f}",
            str(s["median_alerts"]),
            str(s["median_high_incidents"]),
            f"{s['datasets_with_alerts']:.0%}",
        )
    console.print(table)
    missed = [d for d in document["datasets"] if not d["technique_detected"]]
    for item in missed:
        console.print(
            f"missed {item['id']} {','.join(item['techniques'])} {item['error']}", markup=False
        )
    console.print(f"{len(document['skipped'])} labeled rows skipped (not Windows, no events)")


def register(app: typer.Typer) -> None:
    """Join the shared ``eval`` sub-app; create it only when no other module provides one."""
    try:
        from tracehound.cli.eval_cmd import eval_app
    except ImportError:
        eval_app = typer.Typer(
            name="eval", help="Measure Tracehound against reference corpora.", no_args_is_help=True
        )
        app.add_typer(eval_app, name="eval")
    eval_app.command("detection")(detection)
