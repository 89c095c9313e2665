"""The ``tracehound`` command: one Typer app, commands registered from small modules.

The app is built once per process (``application``): registering on every call would add the
commands again each time, and tests run the CLI in-process hundreds of times.

``main`` maps every :class:`~tracehound.errors.TracehoundError` to its message on stderr and
its exit code, so a user mistake never ends in a traceback.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Annotated

import typer

from tracehound import __version__
from tracehound.errors import EXIT_ERROR, TracehoundError


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracehound {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Tracehound: hunt threats with KQL over Defender / Sentinel tables."""


@cache
def application() -> typer.Typer:
    """The app with every command registered, built once per process."""
    from tracehound.cli import (
        actions_cmd,
        attack_cmd,
        audit_cmd,
        detect_cmd,
        eval_cmd,
        eval_detection_cmd,
        eval_nl2kql_cmd,
        hunt_cmd,
        incidents_cmd,
        ingest_cmd,
        investigate_cmd,
        lab_cmd,
        query_cmd,
        report_cmd,
        rules_cmd,
        store_cmds,
    )

    app = typer.Typer(
        name="tracehound",
        help="Tracehound: hunt threats with KQL over Defender / Sentinel tables, offline or on Azure.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    modules = (
        store_cmds,
        query_cmd,
        ingest_cmd,
        lab_cmd,
        eval_cmd,
        eval_detection_cmd,
        eval_nl2kql_cmd,
        rules_cmd,
        detect_cmd,
        incidents_cmd,
        attack_cmd,
        investigate_cmd,
        report_cmd,
        hunt_cmd,
        actions_cmd,
        audit_cmd,
    )
    for module in modules:
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn errors into messages and exit codes."""
    try:
        application()(args=argv, prog_name="tracehound")
    except SystemExit as exc:  # Typer ends every run this way, usage errors with code 2
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except TracehoundError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {exc.hint}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return 0
