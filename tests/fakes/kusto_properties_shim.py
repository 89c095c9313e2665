"""A loopback shim in front of duckdb-kql's Kusto server: request properties as a JSON string.

The Kusto REST API accepts the request's ``properties`` either as an object or as a string
holding JSON, and ``azure-kusto-data`` sends the string form. duckdb-kql 1.1.2's server reads
only the object form, so the parameters a real client sends (``ClientRequestProperties``) would
be dropped. This shim decodes the string into an object and forwards the request unchanged
otherwise, so the tests exercise the real client against a server that honours what it sends.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


class _Shim(BaseHTTPRequestHandler):
    server: PropertiesShim

    def log_message(self, fmt: str, *args: Any) -> None:
        return

    def _forward(self, body: bytes | None) -> None:
        target = urlparse(self.server.upstream)
        conn = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port or 80, timeout=60
        )
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
        }
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    def do_POST(self) -> None:  # the BaseHTTPRequestHandler interface
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            self._forward(raw)
            return
        if isinstance(request, dict) and isinstance(request.get("properties"), str):
            request["properties"] = json.loads(request["properties"])
        self._forward(json.dumps(request).encode())

    def do_GET(self) -> None:  # the BaseHTTPRequestHandler interface
        self._forward(None)


class PropertiesShim(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Shim)
        self.upstream = upstream

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def start(upstream: str) -> PropertiesShim:
    shim = PropertiesShim(upstream)
    threading.Thread(target=shim.serve_forever, daemon=True).start()
    return shim
