"""``tracehound eval nl2kql FILE``: the offline planner's tables against expert KQL, and whether
the KQL it writes parses and runs (added to the ``eval`` sub-app of ``cli/eval_cmd.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tracehound.cli.common import FormatOption, emit_json, status
from tracehound.errors import UsageError
from tracehound.render import OutputFormat


def nl2kql(
    questions: Annotated[
        Path, typer.Argument(help='JSON-lines file of {"context": QUESTION, "baseline": KQL}.')
    ],
    model: Annotated[
        str | None,
        typer.Option("--model", help="Not yet supported: only the offline planner is measured."),
    ] = None,
    workspace_schema: Annotated[
        Path | None,
        typer.Option(
            "--workspace-schema",
            help="Kusto schema export of the workspace the questions are about "
            "(default: NAME_Schema.json beside the file, if present).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    show_misses: Annotated[int, typer.Option("--show-misses", min=0)] = 0,
) -> None:
    """Exact table sets and parse+run rate of the offline planner; exit code 0 whatever the score."""
    from tracehound.agent.nl2kql_eval import evaluate, read_schema_tables, workspace_tables

    if not questions.is_file():
        raise UsageError(f"{questions}: no such file")
    if model is not None:
        raise UsageError(
            "eval nl2kql measures the offline planner only for now",
            "run it without --model",
        )
    workspace = (
        read_schema_tables(workspace_schema) if workspace_schema else workspace_tables(questions)
    )
    with status.status("planning") as spinner:
        report = evaluate(questions, workspace, lambda n: spinner.update(f"question {n}"))
    document = report.as_dict()
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    _print(document, show_misses)


def _print(document: dict[str, Any], show_misses: int) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    n = document["questions"]
    scope = "workspace tables" if document["workspace_tables"] else "all schema tables"
    console.print(
        f"exact table set: {document['exact_table_set']}/{n} "
        f"({document['exact_table_set_share']:.1%}, choosing among {scope})"
    )
    console.print(
        f"exact table set choosing among all 74 tables: {document['exact_table_set_all_tables']}/{n} "
        f"({document['exact_table_set_all_tables_share']:.1%})"
    )
    console.print(
        f"generated queries parsed and ran: {document['parsed_and_ran']}/{document['generated_queries']} "
        f"({document['parsed_and_ran_share']:.1%})"
    )
    for failure in document["failures"]:
        console.print(
            f"line {failure['line']}: {failure['query']}: {failure['error']}", markup=False
        )
    for miss in document["misses"][:show_misses]:
        console.print(
            f"line {miss['line']}: gold {miss['gold']} chosen {miss['chosen']}", markup=False
        )


def register(app: typer.Typer) -> None:
    from tracehound.cli.eval_cmd import eval_app

    eval_app.command("nl2kql")(nl2kql)
    _ = app
