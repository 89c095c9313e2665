"""``tracehound eval kql-compat``: counting, reasons and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracehound.errors import KqlSyntaxError, RefusedError, TracehoundError, UsageError
from tracehound.kql.compat_eval import classify, evaluate, read_records
from tracehound.kql.diagnostics import UnsupportedKqlError

RECORDS = [
    {"id": "ok", "kql": "DeviceProcessEvents | where FileName has 'cmd.exe' | take 5"},
    {"id": "reorder", "kql": "DeviceInfo | project-reorder OSPlatform"},
    {"id": "broken", "kql": "DeviceInfo | where"},
    {"id": "feed", "kql": 'externaldata(a:string) ["https://example.org/x.txt"]'},
    {"id": "unsupported", "kql": "DeviceInfo | evaluate autocluster()"},
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_evaluate_counts_and_classifies(corpus: Path) -> None:
    report = evaluate(read_records(corpus)).as_dict()
    assert report["total"] == 5 and report["executed"] == 2
    assert report["reasons"] == {
        "syntax error": 1,
        "externaldata URL not mapped": 1,
        "unsupported: EvaluateOperator": 1,
    }
    assert {f["id"]: f["reason"] for f in report["failures"]} == {
        "broken": "syntax error",
        "feed": "externaldata URL not mapped",
        "unsupported": "unsupported: EvaluateOperator",
    }


def test_a_mapped_url_runs(corpus: Path, tmp_path: Path) -> None:
    local = tmp_path / "x.txt"
    local.write_text("one\ntwo\n", encoding="utf-8")
    report = evaluate(read_records(corpus), {"https://example.org/x.txt": local})
    assert report.executed == 3


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (KqlSyntaxError("KQL syntax error at line 1"), "syntax error"),
        (
            UnsupportedKqlError(
                "KQL construct not supported on the embedded store: let function:Foo (a tabular body)"
            ),
            "unsupported: let function with a tabular body",
        ),
        (
            UnsupportedKqlError(
                "KQL construct not supported on the embedded store: aggregate:argmax (no mapping)"
            ),
            "unsupported: aggregate: argmax",
        ),
        (
            KqlSyntaxError("KQL schema error: schema error for 'X' (unknown table; known: [])"),
            "schema: unknown table",
        ),
        (
            TracehoundError("query failed on the embedded store: Binder Error: x"),
            "execution: binder error",
        ),
        (RefusedError("something else"), "refused"),
    ],
)
def test_classify(error: TracehoundError, reason: str) -> None:
    assert classify(error) == reason


def test_bad_record_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kql": "T"}\n{"query": "T"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad.jsonl:2"):
        list(read_records(path))


def test_cli_prints_one_json_document(cli, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("eval", "kql-compat", str(corpus), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["total"] == 5 and document["executed"] == 2
    assert len(document["failures"]) == 3


def test_cli_table_and_missing_file(cli, corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("eval", "kql-compat", str(corpus))
    assert result.exit_code == 0 and "executed 2/5" in result.stdout
    missing = cli("eval", "kql-compat", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
