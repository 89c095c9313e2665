"""Shared fixtures: a fresh store per test, the CLI runner, and the ../shared reference data.

``../shared`` is found through ``TRACEHOUND_SHARED`` or next to the project. Tests that need
it skip with a clear message when it is absent, except under CI (``CI=true``) where its
absence fails them: CI must exercise the real third-party data.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracehound.cli import main
from tracehound.store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("TRACEHOUND_SHARED", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder, or a skip (a failure under CI) when it is absent."""
    path = shared_dir()
    if not path.is_dir():
        message = f"../shared reference data not found at {path} (set TRACEHOUND_SHARED)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as opened:
        yield opened


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``tracehound ARGS`` in-process against the test's store; returns a CliResult."""
    monkeypatch.setenv("TRACEHOUND_DB", str(db_path))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str = "") -> CliResult:
        return invoke(monkeypatch, *args, stdin=stdin)

    return run


def invoke(patch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> CliResult:
    """``tracehound ARGS`` in-process, stdin from *stdin* (for fixtures wider than a test)."""
    out, err = io.StringIO(), io.StringIO()
    patch.setattr(sys, "stdin", io.StringIO(stdin))
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())
