"""``eval nl2kql`` on the NL2KQL Defender dev questions: the offline planner names exactly the
tables of the expert's KQL for at least 70% of questions, and all the KQL it writes parses and
runs on the schema (empty store, all tables)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracehound.agent.nl2kql_eval import gold_tables
from tracehound.schema.tables import TABLES


@pytest.fixture(scope="module")
def report(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from tracehound.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(
            [
                "eval",
                "nl2kql",
                str(shared / "nl2kql" / "Defender_Evaluation.dev.jsonl"),
                "--format",
                "json",
            ]
        )
    assert code == 0
    document: dict = json.loads(out.getvalue())  # type: ignore[type-arg]
    return document


def test_exact_table_sets_at_least_70_percent(report: dict) -> None:  # type: ignore[type-arg]
    assert report["questions"] == 111
    assert report["workspace_tables"], "the Defender schema beside the file names the workspace"
    assert report["exact_table_set_share"] >= 0.70, report["misses"]


def test_every_generated_query_parses_and_runs(report: dict) -> None:  # type: ignore[type-arg]
    assert report["generated_queries"] >= report["questions"]
    assert report["parsed_and_ran"] == report["generated_queries"], report["failures"]


def test_gold_tables_come_from_the_parse_tree_not_column_names() -> None:
    kql = (
        "let DeviceIds = DeviceInfo | where OSPlatform == 'Windows10' | project DeviceId;\n"
        "DeviceLogonEvents | where DeviceId in (DeviceIds) // EmailEvents in a comment\n"
        "| extend note = 'AlertInfo in a string' | project DeviceId, AccountName"
    )
    assert gold_tables(kql, set(TABLES)) == {"DeviceInfo", "DeviceLogonEvents"}
    assert gold_tables("DeviceInfo | where", set(TABLES)) is None


def test_bad_record_is_a_usage_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"context": "logons"}\n', encoding="utf-8")
    result = cli("eval", "nl2kql", str(bad))
    assert result.exit_code == 2
    assert "q.jsonl:1" in result.stderr
