"""``tracehound hunt`` (one request) and ``tracehound chat`` (follow-ups keep the context)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracehound.cli.common import (
    BackendOption,
    ConfigOption,
    DbOption,
    FormatOption,
    data_backend,
    emit_json,
    open_store,
    status,
)
from tracehound.config import resolve_db_path
from tracehound.errors import EXIT_BUDGET, RefusedError, UsageError
from tracehound.render import OutputFormat

if TYPE_CHECKING:
    from tracehound.rules.model import Rule
    from tracehound.store import Store

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model to use, e.g. gpt-4.1-mini, azure:DEPLOYMENT, anthropic:claude-sonnet-4-5 "
        "(env TRACEHOUND_LLM_MODEL; none: the offline planner).",
        show_default=False,
    ),
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Confirm cost prompts (never approves an action).")
]
NoInputOption = Annotated[
    bool,
    typer.Option("--no-input", help="Never prompt; calls above the cost threshold are declined."),
]
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Treat this ISO-8601 UTC moment as now (reproducible windows)."),
]


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--now {value!r} is not ISO-8601", "e.g. 2026-11-28T12:00:00Z") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _confirm(yes: bool, no_input: bool):  # type: ignore[no-untyped-def]
    """The cost prompt: --yes accepts, --no-input or a non-terminal stdin declines."""
    if yes:
        return lambda _text: True
    if no_input or not sys.stdin.isatty():
        return lambda _text: False
    return lambda text: typer.confirm(text, default=False, err=True)


def _session(model: str | None, config_extra: dict):  # type: ignore[no-untyped-def,type-arg]
    from tracehound.agent.hunt import ModelSession
    from tracehound.llm.factory import build_model
    from tracehound.llm.prices import Price, price_table
    from tracehound.llm.settings import choose_model, llm_settings

    llm = llm_settings(config_extra)
    choice = choose_model(model, llm)
    if choice is None:
        return None
    price = price_table(llm.prices).get(choice.name)
    if price is None:
        if choice.name in llm.free_models or choice.base_url is not None:
            price = Price(input=0, output=0)
            status.print(f"note: no price for {choice.name}; counted as free (local server)")
        else:
            raise RefusedError(
                f"no price configured for model {choice.name}",
                'add [llm.prices."MODEL"] input/output to tracehound.toml',
            )
    return ModelSession(build_model(choice, llm), price, choice.label)


def _print(outcome, fmt: OutputFormat, report: Path | None) -> None:  # type: ignore[no-untyped-def]
    from tracehound.agent.render import print_outcome

    if fmt is OutputFormat.json:
        document = outcome.as_json()
        document["report"] = str(report) if report else None
        emit_json(document)
        return
    print_outcome(outcome)
    if report is not None:
        sys.stdout.write(f"Report: {report}\n")


def hunt(
    request: Annotated[str, typer.Argument(help="What you are worried about, in plain words.")],
    model: ModelOption = None,
    backend: BackendOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    yes: YesOption = False,
    no_input: NoInputOption = False,
    now: NowOption = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the report files.")
    ] = False,
) -> None:
    """Hunt for what the request describes; print findings with evidence and write a report."""
    from tracehound.agent import actions
    from tracehound.agent.findings_export import export
    from tracehound.agent.hunt import run_hunt
    from tracehound.agent.scoring import default_scorer
    from tracehound.agent.settings import agent_settings

    store, settings = open_store(db, config, read_only=False)
    with store:
        session = _session(model, settings.extra)
        outcome = run_hunt(
            request,
            data_backend(backend, store, settings),
            agent_settings(settings.extra),
            _now(now),
            session,
            _confirm(yes, no_input),
            default_scorer(settings.extra),
            _rules(store),
        )
        actions.save(store, outcome.actions)
    report = None
    if not no_report:
        report = export(outcome, resolve_db_path(db, settings).resolve().parent)
    _print(outcome, fmt, report)
    if outcome.stopped:
        status.print(f"stopped by the {outcome.stopped} budget: results are partial")
        raise typer.Exit(EXIT_BUDGET)


def chat(
    model: ModelOption = None,
    backend: BackendOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    yes: YesOption = False,
    no_input: NoInputOption = False,
    now: NowOption = None,
) -> None:
    """Ask questions one after another; with a model, follow-ups keep the conversation."""
    from tracehound.agent import actions
    from tracehound.agent.hunt import run_hunt
    from tracehound.agent.render import print_outcome
    from tracehound.agent.scoring import default_scorer
    from tracehound.agent.settings import agent_settings

    store, settings = open_store(db, config, read_only=False)
    with store:
        session = _session(model, settings.extra)
        source = data_backend(backend, store, settings)
        agent = agent_settings(settings.extra)
        scorer = default_scorer(settings.extra)
        rules = _rules(store)
        interactive = sys.stdin.isatty()
        while True:
            if interactive:
                status.print("[bold]hunt>[/bold] ", end="")
            line = sys.stdin.readline()
            if not line:
                break
            request = line.strip()
            if request in ("exit", "quit"):
                break
            if not request:
                continue
            outcome = run_hunt(
                request,
                source,
                agent,
                _now(now),
                session,
                _confirm(yes, no_input or not interactive),
                scorer,
                rules,
            )
            actions.save(store, outcome.actions)
            print_outcome(outcome)


def _rules(store: Store) -> list[Rule]:
    """The store's enabled built-in rules (kept in the store whatever backend holds the data)."""
    from tracehound.rules.library import library

    return library(store, include_imported=False).enabled()


def register(app: typer.Typer) -> None:
    app.command("hunt")(hunt)
    app.command("chat")(chat)
