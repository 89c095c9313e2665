"""A local HTTPS server speaking the Log Analytics query API, backed by the embedded store.

Implements what the ``azure-monitor-query`` client uses, as Microsoft's REST reference documents
it ("Query - Execute", POST ``/v1/workspaces/{workspaceId}/query``): a JSON body with ``query``
and an ISO-8601 ``timespan`` (``start/end`` or ``start/duration`` or a duration); a bearer token;
the answer ``{"tables": [{"name", "columns": [{"name", "type"}], "rows"}]}``; a partial answer
carries an ``error`` object with code ``PartialError`` beside the tables; failures answer
``{"error": {"code", "message"}}`` with 400 / 401 / 403 / 404.

The query runs through Tracehound's own local backend, so the KQL it accepts is what the
embedded store accepts. Workspaces listed in ``partial_workspaces`` answer partially.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tracehound.backends.base import TimeWindow
from tracehound.backends.local import LocalBackend
from tracehound.errors import TracehoundError
from tracehound.render import plain
from tracehound.store import Store

_PATH = re.compile(r"^/v1/workspaces/(?P<ws>[^/]+)/query$")
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>[\d.]+)S)?)?$"
)


def parse_timespan(text: str | None, now: datetime) -> TimeWindow | None:
    """An ISO-8601 interval as the API accepts it."""
    if not text:
        return None

    def moment(part: str) -> datetime:
        value = datetime.fromisoformat(part.replace("Z", "+00:00"))
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

    def duration(part: str) -> timedelta:
        match = _DURATION.match(part)
        if not match:
            raise ValueError(part)
        return timedelta(
            days=int(match["d"] or 0),
            hours=int(match["h"] or 0),
            minutes=int(match["m"] or 0),
            seconds=float(match["s"] or 0),
        )

    if "/" not in text:
        return TimeWindow(now - duration(text), now)
    first, second = text.split("/", 1)
    start = moment(first)
    end = start + duration(second) if second.startswith("P") else moment(second)
    return TimeWindow(start, end)


class LogAnalyticsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        store_path: Path,
        token: str,
        workspaces: set[str],
        partial_workspaces: set[str] = frozenset(),
    ) -> None:  # type: ignore[assignment]
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store_path = store_path
        self.token = token
        self.workspaces = workspaces
        self.partial_workspaces = partial_workspaces
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    def answer(self, workspace: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if workspace not in self.workspaces:
            return 404, {
                "error": {
                    "code": "WorkspaceNotFoundError",
                    "message": f"workspace {workspace} not found",
                }
            }
        try:
            window = parse_timespan(body.get("timespan"), datetime.now(UTC).replace(tzinfo=None))
        except ValueError:
            return 400, {"error": {"code": "BadArgumentError", "message": "invalid timespan"}}
        with self.lock, Store.open(self.store_path, read_only=True) as store:
            try:
                result = LocalBackend(store).query(str(body.get("query", "")), window=window)
            except TracehoundError as exc:
                return 400, {"error": {"code": "BadArgumentError", "message": exc.message}}
        columns = [
            {"name": n, "type": t}
            for n, t in zip(result.table.column_names, result.column_types, strict=True)
        ]
        rows = [
            [_wire(plain(v, t), t) for v, t in zip(row.values(), result.column_types, strict=True)]
            for row in result.table.to_pylist()
        ]
        payload: dict[str, Any] = {
            "tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]
        }
        if workspace in self.partial_workspaces:
            payload["error"] = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [
                    {
                        "code": "EngineError",
                        "message": "Query exceeded the memory limit on one shard",
                    }
                ],
            }
        return 200, payload


def _wire(value: Any, kql_type: str) -> Any:
    """Values as the service writes them: datetimes with 7 digits, dynamic as JSON text."""
    if value is None:
        return None
    if kql_type == "datetime":
        return value.replace(".000000Z", "Z") if value.endswith(".000000Z") else value[:-1] + "0Z"
    if kql_type == "dynamic":
        return json.dumps(value)
    return value


class _Handler(BaseHTTPRequestHandler):
    server: LogAnalyticsServer

    def log_message(self, fmt: str, *args: Any) -> None:
        return

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # the BaseHTTPRequestHandler interface
        match = _PATH.match(self.path.split("?", 1)[0])
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append(
            {"path": self.path, "body": body, "prefer": self.headers.get("Prefer")}
        )
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._send(
                401,
                {
                    "error": {
                        "code": "InvalidAuthenticationTokenAudience",
                        "message": "Invalid token",
                    }
                },
            )
            return
        if not match:
            self._send(404, {"error": {"code": "PathNotFoundError", "message": self.path}})
            return
        self._send(*self.server.answer(match["ws"], body))


def start(
    store_path: Path,
    token: str,
    workspaces: set[str],
    partial_workspaces: set[str],
    ssl_context: Any,
) -> LogAnalyticsServer:
    server = LogAnalyticsServer(store_path, token, workspaces, partial_workspaces)
    server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
