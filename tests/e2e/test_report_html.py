"""The HTML report renders in headless Chromium with no console error, and a screenshot of it
is a real picture. Skips outside CI when Chromium is absent; under CI=true it must be there
(`.ci/run` installs Debian's `chromium` when this file exists)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tracehound.detect.service import detect
from tracehound.incidents import list_incidents
from tracehound.investigate import investigate
from tracehound.lab import SeedOptions, seed
from tracehound.report import ReportFormat, build_report, render
from tracehound.score import DetectionSettings
from tracehound.store import Store

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,2000",
)
ERROR_MARKERS = ("Uncaught", "CONSOLE", "Failed to load resource", "net::ERR_")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required under CI (see .ci/run)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def _render(browser: str, page: Path, tmp: Path) -> tuple[Path, list[str]]:
    shot = tmp / f"{page.stem}.png"
    profile = tmp / f"profile-{page.stem}"
    done = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    problems = [line for line in done.stderr.splitlines() if any(m in line for m in ERROR_MARKERS)]
    return shot, problems


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("html")
    with Store.open(folder / "lab.duckdb") as store:
        seed(
            store,
            SeedOptions(
                days=1,
                devices=6,
                users=6,
                seed=5,
                end=datetime(2025, 3, 13),
                scenarios=("powershell-cradle",),
            ),
        )
        detect(store, DetectionSettings())
        incident = list_incidents(store)[0]  # the most confident first
        text = render(build_report(store, investigate(store, incident.id)), ReportFormat.html)
    page = folder / "report.html"
    page.write_text(text, encoding="utf-8")
    yield page


def test_html_is_self_contained(html_report: Path) -> None:
    text = html_report.read_text()
    assert "<svg" in text and 'class="tree"' in text
    for fetches in ("<script", "<link", "src=", "url(", "@import"):
        assert fetches not in text, fetches  # nothing is loaded from anywhere


def test_html_renders_in_chromium_without_console_errors(html_report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    shot, problems = _render(browser, html_report, tmp_path)
    assert not problems, problems
    assert shot.exists() and shot.stat().st_size > 20_000  # a blank page is a few kB
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_console_check_can_fail(tmp_path: Path) -> None:
    """The scan above would see a script error (so a clean result means something)."""
    browser = _chromium()
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>throw new Error('boom')</script>x</body></html>")
    _, problems = _render(browser, page, tmp_path)
    assert any("Uncaught" in p for p in problems)
