"""``tracehound eval kql-compat FILE.jsonl``: how much of a KQL corpus runs locally, and why not."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracehound.cli.common import ConfigOption, FormatOption, emit_json, settings_for, status
from tracehound.errors import UsageError
from tracehound.render import OutputFormat

eval_app = typer.Typer(
    name="eval",
    help="Measure Tracehound against reference corpora.",
    no_args_is_help=True,
)


@eval_app.command("kql-compat")
def kql_compat(
    corpus: Annotated[
        Path, typer.Argument(help='JSON-lines file, one {"kql": ...} record a line.')
    ],
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    show_failures: Annotated[
        int, typer.Option("--show-failures", help="Table format: list this many failures.", min=0)
    ] = 0,
) -> None:
    """Run each query against empty tables of the whole schema; report executed and why not."""
    from tracehound.kql.compat_eval import evaluate, read_records

    if not corpus.is_file():
        raise UsageError(f"{corpus}: no such file")
    settings = settings_for(config)
    records = list(read_records(corpus))
    with status.status(f"running {len(records)} queries") as spinner:
        report = evaluate(
            records,
            settings.query.externaldata,
            progress=lambda n: spinner.update(f"running query {n}/{len(records)}"),
        )
    document = report.as_dict()
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    _print_table(document, show_failures)


def _print_table(document: dict[str, object], show_failures: int) -> None:
    from rich.console import Console
    from rich.table import Table

    total, executed = int(str(document["total"])), int(str(document["executed"]))
    share = executed / total if total else 0.0
    console = Console(highlight=False)
    console.print(f"executed {executed}/{total} ({share:.1%})")
    table = Table(header_style="bold")
    table.add_column("reason")
    table.add_column("queries", justify="right")
    reasons = document["reasons"]
    assert isinstance(reasons, dict)
    for reason, count in reasons.items():
        table.add_row(str(reason), str(count))
    console.print(table)
    failures = document["failures"]
    assert isinstance(failures, list)
    for failure in failures[:show_failures]:
        console.print(f"{failure['id']}: {failure['reason']}: {failure['detail']}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
