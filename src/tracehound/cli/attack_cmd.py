"""``tracehound attack``: ATT&CK lookups and the coverage of the enabled rules."""

from __future__ import annotations

from typing import Annotated

import typer

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    open_store,
)
from tracehound.errors import UsageError
from tracehound.render import OutputFormat

attack_app = typer.Typer(
    help="MITRE ATT&CK (offline catalog) and rule coverage.", no_args_is_help=True
)


@attack_app.command()
def coverage(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    all_rules: Annotated[bool, typer.Option("--all", help="Count disabled rules too.")] = False,
) -> None:
    """Which tactics and techniques the enabled rules cover."""
    from tracehound.attack.coverage import coverage as compute
    from tracehound.rules.library import library

    store, _ = open_store(db, config, read_only=False)
    with store:
        lib = library(store)
    rules = lib.rules if all_rules else lib.enabled()
    document = compute(rules)
    if fmt is OutputFormat.json:
        emit_json(document)
        return
    tactics = document["tactics"]
    assert isinstance(tactics, list)
    emit_records(
        [
            {
                "tactic": t["name"],
                "id": t["id"] or "",
                "rules": t["rules"],
                "techniques": len(t["techniques"]),
            }
            for t in tactics
        ],
        fmt,
        title=f"{document['rules']} rules cover {document['techniques_covered']} techniques in {document['tactics_covered']} tactics",
    )


@attack_app.command()
def technique(technique_id: str, fmt: FormatOption = OutputFormat.table) -> None:
    """Look up a technique (after the crosswalk of superseded ids)."""
    from tracehound.attack import catalog

    attack = catalog()
    problem = attack.problem(technique_id)
    if problem:
        raise UsageError(problem, "ids look like T1003 or T1003.001")
    found = attack.describe(technique_id)
    assert found is not None
    record = {
        "id": technique_id.upper(),
        "current_id": found.id,
        "name": found.name,
        "tactics": ",".join(found.tactics),
        "release": found.release,
    }
    if fmt is OutputFormat.json:
        emit_json(record)
    else:
        emit_records([record], fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(attack_app, name="attack")
