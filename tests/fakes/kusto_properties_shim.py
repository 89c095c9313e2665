"""A loopback shim in front of duckdb-kql's Kusto server: request properties as a JSON string.

The Kusto REST API accepts the request's ``properties`` either as an object or as a string
holding JSON, and ``azure-kusto-data`` sends the string form. duckdb-kql 1.1.2's server reads
only the object form, so the parameters a real client sends (``ClientRequestProperties``) would
be dropped. This shim decodes the string into an object and forwards the request unchanged
otherwise, so the tests exercise the real client against a server that honours what it sends.

Kusto also receives every parameter value as a string and reads it as a literal of the type the
query declares (``declare query_parameters(n:long)`` with ``"500"`` is the long 500); duckdb-kql
1.1.2 parses strings only for datetime, timespan, guid and dynamic, so the shim reads long, int,
real, double, decimal and bool values as the service would before forwarding.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

_DECLARE = re.compile(r"declare\s+query_parameters\s*\(([^)]*)\)", re.I)
_NUMBERS = {"long": int, "int": int, "real": float, "double": float, "decimal": float}


def declared_types(csl: str) -> dict[str, str]:
    """Parameter name -> declared type of every ``declare query_parameters`` in *csl*."""
    out: dict[str, str] = {}
    for match in _DECLARE.finditer(csl):
        for item in match.group(1).split(","):
            name, _, kind = item.partition(":")
            out[name.strip()] = kind.split("=")[0].strip().lower()
    return out


def typed_parameters(csl: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """*parameters* with numeric and bool strings read as their declared type, as Kusto does."""
    types = declared_types(csl)
    out = dict(parameters)
    for name, value in parameters.items():
        kind = types.get(name)
        if not isinstance(value, str) or kind is None:
            continue
        if kind in _NUMBERS:
            out[name] = _NUMBERS[kind](value)
        elif kind == "bool":
            out[name] = value.strip().lower() == "true"
    return out


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
        properties = request.get("properties") if isinstance(request, dict) else None
        if isinstance(properties, dict) and isinstance(properties.get("Parameters"), dict):
            csl = str(request.get("csl", ""))
            properties["Parameters"] = typed_parameters(csl, properties["Parameters"])
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
