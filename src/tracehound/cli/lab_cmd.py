"""``tracehound lab``: seed a synthetic week of telemetry with known attacks, list the
scenarios, and print the ground truth."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    open_store,
    status,
)
from tracehound.errors import UsageError
from tracehound.render import OutputFormat

lab_app = typer.Typer(
    help="A synthetic organization's week of Defender / Sentinel telemetry with known attacks.",
    no_args_is_help=True,
)


@lab_app.command()
def seed(
    days: Annotated[int, typer.Option(help="Days of telemetry, ending at --end.")] = 7,
    devices: Annotated[int, typer.Option(help="Devices in the estate (at least 6).")] = 25,
    users: Annotated[int, typer.Option(help="People in the organization (at least 5).")] = 40,
    seed_value: Annotated[
        int, typer.Option("--seed", help="Random seed: same seed and --end, same rows.")
    ] = 1,
    scenarios: Annotated[
        str | None, typer.Option(help="Comma-separated scenario ids (default: all).")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            help="End of the data, ISO-8601 UTC (default: now, rounded down to the hour)."
        ),
    ] = None,
    no_attacks: Annotated[
        bool, typer.Option("--no-attacks", help="Benign background only.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Replace the store's lab data with a fresh week of benign activity and attacks."""
    from tracehound.lab.clock import parse_end
    from tracehound.lab.seed import SeedOptions
    from tracehound.lab.seed import seed as run_seed

    wanted = tuple(s.strip() for s in scenarios.split(",") if s.strip()) if scenarios else None
    if no_attacks and wanted:
        raise UsageError("--no-attacks and --scenarios contradict each other", "pass only one")
    options = SeedOptions(
        days=days,
        devices=devices,
        users=users,
        seed=seed_value,
        end=parse_end(end),
        scenarios=wanted,
        attacks=not no_attacks,
    )
    store, _ = open_store(db, config, read_only=False)
    with (
        store,
        Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rows]:>12,} rows"),
            TimeElapsedColumn(),
            console=status,
            transient=False,
        ) as bar,
    ):
        task = bar.add_task("seeding", total=None, rows=0)
        loaded = 0

        def progress(label: str, rows: int, done: int, total: int) -> None:
            nonlocal loaded
            loaded += rows
            bar.update(task, description=label, completed=done, total=total, rows=loaded)

        report = run_seed(store, options, progress)
    summary = [{"table": t, "rows": n} for t, n in sorted(report.rows_by_table.items())]
    if fmt is OutputFormat.json:
        emit_json(
            {
                "start": report.window.start.isoformat() + "Z",
                "end": report.window.end.isoformat() + "Z",
                "rows": report.rows,
                "removed": report.removed,
                "tables": summary,
                "scenarios": [r.id for r in report.truth],
            }
        )
    else:
        emit_records(summary, fmt, title="lab rows")
    status.print(
        f"seeded {report.rows:,} rows from {report.window.start:%Y-%m-%d %H:%M} to "
        f"{report.window.end:%Y-%m-%d %H:%M} UTC with {len(report.truth)} scenario(s); "
        f"removed {report.removed:,} earlier lab rows"
    )


@lab_app.command("scenarios")
def list_scenarios(fmt: FormatOption = OutputFormat.table) -> None:
    """List the attack scenarios (ids for --scenarios) with their ATT&CK ids."""
    from tracehound.lab.scenarios import SCENARIOS

    rows = [
        {
            "id": s.id,
            "title": s.title,
            "techniques": ", ".join(s.techniques),
            "tactics": ", ".join(s.tactics),
        }
        for s in SCENARIOS.values()
    ]
    emit_records(rows, fmt, title="lab scenarios")


@lab_app.command()
def truth(
    db: DbOption = None, config: ConfigOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """What the last seeding did: each scenario's devices, accounts, addresses and times."""
    from tracehound.lab import truth as lab_truth

    store, _ = open_store(db, config, read_only=True)
    with store:
        run, records = lab_truth.read(store)
    docs = [r.as_json() for r in records]
    if fmt is OutputFormat.json:
        emit_json(
            {
                "seed": run.seed,
                "start": run.start.isoformat() + "Z",
                "end": run.end.isoformat() + "Z",
                "scenarios": docs,
            }
        )
        return
    rows = [
        {
            "id": d["id"],
            "start": d["start"],
            "end": d["end"],
            "devices": ", ".join(d["devices"]),
            "accounts": ", ".join(d["accounts"][:4]),
            "ips": ", ".join(d["ips"][:4]),
            "techniques": ", ".join(d["techniques"]),
        }
        for d in docs
    ]
    if fmt is OutputFormat.jsonl or fmt is OutputFormat.csv:
        emit_records(rows, fmt)
    else:
        emit_records(rows, fmt, title=f"lab truth (seed {run.seed})")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")
