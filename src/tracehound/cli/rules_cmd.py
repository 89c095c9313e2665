"""``tracehound rules``: list, lint, enable/disable, suppress, import and update rules.

State changes are overlays kept in the store; rule files are never edited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    open_store,
    status,
)
from tracehound.errors import TracehoundError, UsageError
from tracehound.render import OutputFormat

rules_app = typer.Typer(
    help="Detection rules: the built-in library, imported Sigma, state.", no_args_is_help=True
)

#: SigmaHQ publishes each release's rule packages on GitHub; the core package is what `update` fetches.
SIGMAHQ_LATEST = "https://github.com/SigmaHQ/sigma/releases/latest/download/sigma_core.zip"


@rules_app.command("list")
def list_rules(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    source: Annotated[
        str | None, typer.Option(help="Only rules whose source starts with this (builtin, sigma).")
    ] = None,
) -> None:
    """List rules with their state, level, ATT&CK ids and tables."""
    from tracehound.rules.library import library

    store, _ = open_store(db, config, read_only=False)
    with store:
        lib = library(store)
    rows = [
        {
            "id": r.id,
            "enabled": r.id not in lib.disabled,
            "severity": r.severity.name,
            "techniques": ",".join(r.techniques),
            "tables": ",".join(r.tables),
            "source": r.source,
            "title": r.title,
        }
        for r in lib.rules
        if source is None or r.source.startswith(source)
    ]
    if fmt is OutputFormat.json:
        emit_json({"rules": rows})
    else:
        emit_records(rows, fmt, title=f"{len(rows)} rules")


@rules_app.command()
def lint(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Native rule files (default: the built-in library).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    run_tests: Annotated[
        bool, typer.Option("--tests/--no-tests", help="Run each rule's match/benign cases.")
    ] = True,
) -> None:
    """Validate rules (keys, ATT&CK ids, tables, KQL) and run their own test cases."""
    import tempfile

    from tracehound.backends.local import LocalBackend
    from tracehound.rules.native import builtin_files, load_files
    from tracehound.rules.testing import run_tests as run_rule_tests
    from tracehound.store import Store

    files = list(paths) if paths else builtin_files()
    loaded = load_files(files, source="lint")
    problems = [
        {"rule": p.rule_id, "where": p.location, "problem": p.reason} for p in loaded.problems
    ]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "lint.duckdb") as store:
        backend = LocalBackend(store)
        for rule in loaded.rules:
            try:
                backend.translate(_declared(rule), parameters=dict(rule.thresholds))
            except TracehoundError as exc:
                problems.append(
                    {"rule": rule.id, "where": rule.location, "problem": f"KQL: {exc.message}"}
                )
                continue
            if not run_tests:
                continue
            if not {c.expect for c in rule.tests} >= {"match", "benign"}:
                problems.append(
                    {
                        "rule": rule.id,
                        "where": rule.location,
                        "problem": "needs a match and a benign test case",
                    }
                )
            for case in run_rule_tests(store, rule):
                if not case.passed:
                    what = (
                        "did not fire"
                        if case.expect == "match"
                        else f"fired {case.alerts} alert(s)"
                    )
                    problems.append(
                        {
                            "rule": rule.id,
                            "where": rule.location,
                            "problem": f"{case.expect} case {case.index} {what} {case.error}".strip(),
                        }
                    )
    document = {"rules": len(loaded.rules), "problems": problems}
    if fmt is OutputFormat.json:
        emit_json(document)
    else:
        status.print(f"{len(loaded.rules)} rules checked, {len(problems)} problem(s)")
        if problems:
            emit_records(problems, fmt)
    if problems:
        raise typer.Exit(1)


def _declared(rule: object) -> str:
    from tracehound.detect.queries import ScanWindow, prefix
    from tracehound.rules.model import Rule

    assert isinstance(rule, Rule)
    return prefix(rule.tables, ScanWindow(), dict(rule.thresholds)) + rule.query


def _set_state(
    rule_ids: list[str], enabled: bool, reason: str, db: Path | None, config: Path | None
) -> None:
    from tracehound.rules.library import library, set_enabled

    store, _ = open_store(db, config, read_only=False)
    with store:
        lib = library(store)
        for rid in rule_ids:
            lib.get(rid)
        set_enabled(store, rule_ids, enabled, reason)
    status.print(f"{'enabled' if enabled else 'disabled'} {len(rule_ids)} rule(s)")


@rules_app.command()
def enable(rule_ids: list[str], db: DbOption = None, config: ConfigOption = None) -> None:
    """Enable rules by id."""
    _set_state(rule_ids, True, "", db, config)


@rules_app.command()
def disable(
    rule_ids: list[str],
    reason: Annotated[str, typer.Option(help="Why (kept with the state).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Disable rules by id."""
    _set_state(rule_ids, False, reason, db, config)


@rules_app.command()
def suppress(
    rule_id: Annotated[str, typer.Argument(help="Rule id, or * for every rule.")],
    reason: Annotated[str, typer.Option(help="Why this is suppressed (required).")],
    until: Annotated[str | None, typer.Option(help="Expiry (ISO date/time, UTC).")] = None,
    days: Annotated[
        int, typer.Option(help="Expiry in days from now when --until is not given.")
    ] = 30,
    entity: Annotated[
        str | None, typer.Option(help="Only for one entity, as KIND=VALUE (host=ws1).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Suppress a rule's alerts (optionally for one entity) with a reason and an expiry."""
    from tracehound.rules.library import add_suppression, library

    expires = (
        _parse_time(until)
        if until
        else datetime.now(UTC).replace(tzinfo=None) + timedelta(days=days)
    )
    pair = None
    if entity:
        kind, sep, value = entity.partition("=")
        if not sep or not value:
            raise UsageError(f"--entity {entity!r}", "write it as KIND=VALUE, e.g. host=ws1")
        pair = (kind.strip(), value.strip())
    store, _ = open_store(db, config, read_only=False)
    with store:
        if rule_id != "*":
            library(store).get(rule_id)
        item = add_suppression(store, rule_id, reason, expires, pair)
    record = {
        "id": item.id,
        "rule_id": item.rule_id,
        "entity": entity,
        "reason": item.reason,
        "expires_at": item.expires_at.isoformat() + "Z",
    }
    if fmt is OutputFormat.json:
        emit_json(record)
    else:
        emit_records([record], fmt)


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(
            f"not a date/time: {text!r}", "use ISO 8601, e.g. 2025-01-31T00:00:00Z"
        ) from exc
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@rules_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="Sigma folder, .yml, .zip or .tar.gz.")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    show_skipped: Annotated[
        int, typer.Option(help="Table format: list this many skipped rules.")
    ] = 20,
) -> None:
    """Import Sigma rules: convert each to KQL (cached) and report converted / skipped."""
    from tracehound.rules.library import import_sigma

    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    store, _ = open_store(db, config, read_only=False)
    with store, status.status(f"converting Sigma rules from {path}"):
        report = import_sigma(store, path)
    _print_import(report.as_dict(), fmt, show_skipped)


def _print_import(document: dict[str, object], fmt: OutputFormat, show_skipped: int) -> None:
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    status.print(f"converted {document['converted']}, skipped {document['skipped']}")
    skipped = document["skipped_rules"]
    assert isinstance(skipped, list)
    if skipped and show_skipped:
        emit_records(skipped[:show_skipped], fmt, title="skipped (path, reason)")


@rules_app.command()
def update(
    url: Annotated[str, typer.Option(help="Release archive to download.")] = SIGMAHQ_LATEST,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    timeout: Annotated[float, typer.Option(help="Download timeout in seconds.")] = 60.0,
) -> None:
    """Download the latest SigmaHQ release and import it."""
    import tempfile

    import httpx

    from tracehound.rules.library import import_sigma

    try:
        response = httpx.get(url, follow_redirects=True, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise TracehoundError(
            f"cannot download {url}: {exc}", "check the network or pass --url"
        ) from exc
    suffix = ".zip" if response.content[:2] == b"PK" else ".tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"sigma{suffix}"
        archive.write_bytes(response.content)
        store, _ = open_store(db, config, read_only=False)
        with store, status.status("converting Sigma rules"):
            report = import_sigma(store, archive, origin=url)
    _print_import(report.as_dict(), fmt, 20)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
