"""A local HTTPS server speaking the parts of the Defender for Endpoint API and Microsoft Graph
that response actions use, as Microsoft's API reference documents them. Test use only.

Defender for Endpoint (learn.microsoft.com/defender-endpoint/api/...):
- "List machines API": ``GET /api/machines`` with OData ``$filter`` (``eq`` joined by ``and``;
  string literals with doubled single quotes), ``$top`` / ``$skip``; ``404`` when the tenant
  has no machines. "Get machine by ID API": ``GET /api/machines/{id}``, 404 ``ResourceNotFound``.
- "Isolate machine API", "Release device from isolation API", "Run antivirus scan API",
  "Collect investigation package API", "Restrict app execution API", "Remove app restriction
  API", "Stop and quarantine file API": ``POST /api/machines/{id}/<action>`` with the
  case-sensitive body parameters each page lists (``Comment`` required); answer ``201 Created``
  with a MachineAction whose ``status`` is ``Pending``. A second request of the same type while
  one is pending answers ``400`` with code ``ActiveRequestAlreadyExists`` ("Action is already in
  progress", as the AV scan / restrict / unisolate pages describe).
- "MachineAction resource type" / "Get machineAction API": ``GET /api/machineactions/{id}``; each
  read moves the action on: ``Pending`` -> ``InProgress`` -> ``Succeeded`` (``Failed`` when the
  test scripted that machine and type to fail). "List MachineActions API": ``GET
  /api/machineactions`` with ``$filter`` on ``id``, ``status``, ``machineId``, ``type``.
- "Submit or Update Indicator API": ``POST /api/indicators`` answers ``200`` with the Indicator;
  the same value and type update the existing one. "List Indicators API": ``GET /api/indicators``.
- "Handling REST API errors": ``{"error": {"code", "message", "target"}}``; 401 ``Unauthorized``
  (bad token), 403 ``Forbidden`` (valid token, missing permission), 429 ``TooManyRequests``
  with ``Retry-After`` in seconds, 500 ``InternalServerError``.

Microsoft Graph v1.0 (learn.microsoft.com/graph/api/...): "Get user" ``GET /v1.0/users/{id |
userPrincipalName}``; "Update user" ``PATCH /v1.0/users/{id}`` answers ``204 No Content``;
"user: revokeSignInSessions" ``POST /v1.0/users/{id}/revokeSignInSessions`` answers ``200`` with
``{"value": true}``.

Faults are scripted per test: ``script(method, path_regex, status, ...)`` answers the next
matching request with that status (optionally after carrying it out, to imitate an answer lost
after the platform acted). ``grant`` limits the permissions the token carries.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MACHINE_ACTIONS = {
    "isolate": ("Isolate", "Machine.Isolate"),
    "unisolate": ("Unisolate", "Machine.Isolate"),
    "runAntiVirusScan": ("RunAntiVirusScan", "Machine.Scan"),
    "collectInvestigationPackage": ("CollectInvestigationPackage", "Machine.CollectForensics"),
    "restrictCodeExecution": ("RestrictCodeExecution", "Machine.RestrictExecution"),
    "unrestrictCodeExecution": ("UnrestrictCodeExecution", "Machine.RestrictExecution"),
    "StopAndQuarantineFile": ("StopAndQuarantineFile", "Machine.StopAndQuarantine"),
}
SCOPES = {
    "Isolate": ("IsolationType", {"Full", "Selective", "UnManagedDevice"}, False),
    "RunAntiVirusScan": ("ScanType", {"Quick", "Full"}, True),
}
INDICATOR_TYPES = {
    "FileSha1",
    "FileMd5",
    "CertificateThumbprint",
    "FileSha256",
    "IpAddress",
    "DomainName",
    "Url",
}
INDICATOR_ACTIONS = {
    "Alert",
    "Warn",
    "Block",
    "Audit",
    "BlockAndRemediate",
    "AlertAndBlock",
    "Allowed",
}
ODATA_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


class ODataError(ValueError):
    pass


def parse_filter(text: str) -> list[tuple[str, str]]:
    """``a eq 'x' and b eq 'y'`` -> [(a, x), (b, y)]; anything else is an ODataError."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = ODATA_TOKEN.match(text, pos)
        if not match:
            raise ODataError(f"cannot parse $filter at {pos}: {text[pos : pos + 20]!r}")
        if match["str"] is not None:
            tokens.append(("str", match["str"][1:-1].replace("''", "'")))
        else:
            tokens.append(("word", match["word"]))
        pos = match.end()
    clauses: list[tuple[str, str]] = []
    i = 0
    while True:
        part = tokens[i : i + 3]
        if (
            len(part) != 3
            or part[0][0] != "word"
            or part[1] != ("word", "eq")
            or part[2][0] != "str"
        ):
            raise ODataError("only `property eq 'value'` clauses joined by `and` are supported")
        clauses.append((part[0][1], part[2][1]))
        i += 3
        if i == len(tokens):
            return clauses
        if tokens[i] != ("word", "and"):
            raise ODataError(f"expected `and`, found {tokens[i][1]!r}")
        i += 1


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Scripted:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    after_handling: bool = False  # carry the request out, then answer with this status


class FakeDefender(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.lock = threading.Lock()
        self.machines: dict[str, dict[str, Any]] = {}
        self.actions: dict[str, dict[str, Any]] = {}
        self.indicators: dict[tuple[str, str], dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.revoked: list[str] = []
        self.isolated: set[str] = set()
        self.restricted: set[str] = set()
        self.fail: set[tuple[str, str]] = set()  # (machine id, action type) that end Failed
        self.granted: set[str] | None = None  # None: every permission
        self.scripted: list[Scripted] = []
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    # -- test set-up ---------------------------------------------------------------------

    def add_machine(self, name: str, machine_id: str | None = None, **fields: Any) -> str:
        machine_id = machine_id or uuid.uuid4().hex + uuid.uuid4().hex[:8]
        self.machines[machine_id] = {
            "id": machine_id,
            "computerDnsName": name,
            "firstSeen": "2025-01-01T00:00:00Z",
            "lastSeen": fields.pop("lastSeen", "2025-06-01T00:00:00Z"),
            "osPlatform": "Windows11",
            "version": "24H2",
            "healthStatus": "Active",
            "lastIpAddress": "10.0.0.5",
            "riskScore": "Medium",
            "exposureLevel": "Low",
            "machineTags": [],
            **fields,
        }
        return machine_id

    def add_user(self, upn: str, display: str) -> str:
        user_id = str(uuid.uuid4())
        self.users[user_id] = {
            "id": user_id,
            "userPrincipalName": upn,
            "displayName": display,
            "accountEnabled": True,
        }
        return user_id

    def script(
        self,
        method: str,
        path: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        after_handling: bool = False,
    ) -> None:
        self.scripted.append(
            Scripted(method, re.compile(path), status, headers or {}, body, after_handling)
        )

    def posts(self, pattern: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST" and re.search(pattern, r["path"])]

    # -- behaviour -----------------------------------------------------------------------

    def take_script(self, method: str, path: str) -> Scripted | None:
        for entry in self.scripted:
            if entry.method == method and entry.path.search(path):
                self.scripted.remove(entry)
                return entry
        return None


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message, "target": str(uuid.uuid4())}}


class _Handler(BaseHTTPRequestHandler):
    server: FakeDefender
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        srv = self.server
        with srv.lock:
            srv.requests.append(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "auth": self.headers.get("Authorization"),
                }
            )
            if self.headers.get("Authorization") != f"Bearer {srv.token}":
                self._send(
                    *_error(
                        401,
                        "Unauthorized",
                        "Unauthorized (invalid or expired authorization header)",
                    )
                )
                return
            scripted = srv.take_script(method, path)
            if scripted is not None and not scripted.after_handling:
                self._send(scripted.status, scripted.body, scripted.headers)
                return
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self._send(*_error(400, "InvalidRequestBody", "Request body is incorrect"))
                return
            try:
                status, answer = self._route(method, path, query, body)
            except ODataError as exc:
                status, answer = _error(400, "ODataError", f"Invalid OData URI query: {exc}")
            if scripted is not None:
                self._send(scripted.status, scripted.body, scripted.headers)
                return
            self._send(status, answer)

    def _send(
        self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _permitted(self, permission: str) -> bool:
        granted = self.server.granted
        return granted is None or permission in granted

    # -- routes --------------------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        srv = self.server
        segments = [s for s in path.split("/") if s]
        if segments[:1] == ["v1.0"]:
            return self._graph(method, segments[1:], body)
        if segments[:1] != ["api"]:
            return _error(404, "NotFound", f"no route {path}")
        rest = segments[1:]
        if rest == ["machines"] and method == "GET":
            if not self._permitted("Machine.Read.All"):
                return _error(
                    403, "Forbidden", "Forbidden (valid token but insufficient permission)"
                )
            if not srv.machines:
                return _error(404, "ResourceNotFound", "No machines found")
            found = self._filtered(list(srv.machines.values()), query)
            return 200, {"@odata.context": "$metadata#Machines", "value": found}
        if len(rest) == 2 and rest[0] == "machines" and method == "GET":
            machine = srv.machines.get(rest[1])
            if machine is None:
                return _error(404, "ResourceNotFound", f"Machine {rest[1]} was not found")
            return 200, machine
        if (
            len(rest) == 3
            and rest[0] == "machines"
            and method == "POST"
            and rest[2] in MACHINE_ACTIONS
        ):
            return self._create_action(rest[1], rest[2], body)
        if rest == ["machineactions"] and method == "GET":
            found = self._filtered([self._public(a) for a in srv.actions.values()], query)
            return 200, {"@odata.context": "$metadata#MachineActions", "value": found}
        if len(rest) == 2 and rest[0] == "machineactions" and method == "GET":
            return self._read_action(rest[1])
        if rest == ["indicators"] and method == "POST":
            return self._submit_indicator(body)
        if rest == ["indicators"] and method == "GET":
            if not self._permitted("Ti.ReadWrite"):
                return _error(
                    403, "Forbidden", "Forbidden (valid token but insufficient permission)"
                )
            found = self._filtered(list(srv.indicators.values()), query)
            return 200, {"@odata.context": "$metadata#Indicators", "value": found}
        return _error(404, "NotFound", f"no route {method} {path}")

    def _filtered(self, items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        if "$filter" in query:
            clauses = parse_filter(query["$filter"])
            items = [i for i in items if all(str(i.get(k)) == v for k, v in clauses)]
        skip = int(query.get("$skip", 0))
        top = min(int(query.get("$top", 10_000)), 10_000)
        return items[skip : skip + top]

    def _create_action(self, machine_id: str, verb: str, body: Any) -> tuple[int, Any]:
        srv = self.server
        action_type, permission = MACHINE_ACTIONS[verb]
        if not self._permitted(permission):
            return _error(
                403,
                "Forbidden",
                "Forbidden (valid token but insufficient permission for the action)",
            )
        machine = srv.machines.get(machine_id)
        if machine is None:
            return _error(404, "ResourceNotFound", f"Machine {machine_id} was not found")
        if not isinstance(body, dict) or not body.get("Comment"):
            return _error(400, "MissingRequiredParameter", "Parameter Comment is missing")
        scope = None
        if action_type in SCOPES:
            name, allowed, required = SCOPES[action_type]
            scope = body.get(name)
            if scope is None and required:
                return _error(400, "MissingRequiredParameter", f"Parameter {name} is missing")
            if scope is not None and scope not in allowed:
                return _error(400, "InvalidInput", f"Invalid input {name}={scope}")
            scope = scope or "Full"
        related = None
        if action_type == "StopAndQuarantineFile":
            sha1 = body.get("Sha1")
            if not isinstance(sha1, str) or not re.fullmatch(r"[0-9a-fA-F]{40}", sha1):
                return _error(400, "InvalidHashValue", f"Hash value {sha1} is invalid")
            related = {"fileIdentifier": sha1, "fileIdentifierType": "Sha1"}
        for existing in srv.actions.values():
            if (existing["machineId"], existing["type"]) == (machine_id, action_type) and existing[
                "status"
            ] in ("Pending", "InProgress"):
                return _error(400, "ActiveRequestAlreadyExists", "Action is already in progress")
        action = {
            "id": str(uuid.uuid4()),
            "type": action_type,
            "scope": scope,
            "requestor": "tracehound-app",
            "requestorComment": body["Comment"],
            "status": "Pending",
            "machineId": machine_id,
            "computerDnsName": machine["computerDnsName"],
            "creationDateTimeUtc": _now(),
            "lastUpdateTimeUtc": _now(),
            "relatedFileInfo": related,
        }
        srv.actions[action["id"]] = action
        return 201, {"@odata.context": "$metadata#MachineActions/$entity", **action}

    def _public(self, action: dict[str, Any]) -> dict[str, Any]:
        return dict(action)

    def _read_action(self, action_id: str) -> tuple[int, Any]:
        srv = self.server
        action = srv.actions.get(action_id)
        if action is None:
            return _error(404, "ResourceNotFound", f"MachineAction {action_id} was not found")
        current = action["status"]
        if current == "Pending":
            action["status"] = "InProgress"
        elif current == "InProgress":
            failed = (action["machineId"], action["type"]) in srv.fail
            action["status"] = "Failed" if failed else "Succeeded"
            if not failed:
                self._apply(action)
        action["lastUpdateTimeUtc"] = _now()
        return 200, {"@odata.context": "$metadata#MachineActions/$entity", **action}

    def _apply(self, action: dict[str, Any]) -> None:
        srv, machine = self.server, action["machineId"]
        effects = {
            "Isolate": (srv.isolated.add),
            "Unisolate": (srv.isolated.discard),
            "RestrictCodeExecution": srv.restricted.add,
            "UnrestrictCodeExecution": srv.restricted.discard,
        }
        if action["type"] in effects:
            effects[action["type"]](machine)

    def _submit_indicator(self, body: Any) -> tuple[int, Any]:
        srv = self.server
        if not self._permitted("Ti.ReadWrite"):
            return _error(403, "Forbidden", "Forbidden (valid token but insufficient permission)")
        if not isinstance(body, dict):
            return _error(400, "InvalidRequestBody", "Request body is incorrect")
        for name in ("indicatorValue", "indicatorType", "action", "title", "description"):
            if not body.get(name):
                return _error(400, "MissingRequiredParameter", f"Parameter {name} is missing")
        if body["indicatorType"] not in INDICATOR_TYPES or body["action"] not in INDICATOR_ACTIONS:
            return _error(400, "InvalidInput", "Invalid input indicatorType/action")
        key = (body["indicatorValue"], body["indicatorType"])
        existing = srv.indicators.get(key)
        indicator = {
            "id": existing["id"] if existing else str(len(srv.indicators) + 1),
            **{
                k: body.get(k)
                for k in (
                    "indicatorValue",
                    "indicatorType",
                    "action",
                    "title",
                    "description",
                    "severity",
                    "generateAlert",
                )
            },
            "createdBy": "tracehound-app",
            "creationTimeDateTimeUtc": _now(),
        }
        srv.indicators[key] = indicator
        return 200, {"@odata.context": "$metadata#Indicators/$entity", **indicator}

    def _graph(self, method: str, rest: list[str], body: Any) -> tuple[int, Any]:
        srv = self.server
        if not rest or rest[0] != "users" or len(rest) < 2:
            return _error(404, "Request_ResourceNotFound", "no such resource")
        key = rest[1]
        user = srv.users.get(key) or next(
            (u for u in srv.users.values() if u["userPrincipalName"].lower() == key.lower()), None
        )
        if user is None:
            return _error(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist")
        if len(rest) == 2 and method == "GET":
            return 200, {"@odata.context": "$metadata#users/$entity", **user}
        if len(rest) == 2 and method == "PATCH":
            if not (
                self._permitted("User.EnableDisableAccount.All")
                or self._permitted("User.ReadWrite.All")
            ):
                return _error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
            if not isinstance(body, dict) or not isinstance(body.get("accountEnabled"), bool):
                return _error(400, "Request_BadRequest", "Invalid value for accountEnabled")
            user["accountEnabled"] = body["accountEnabled"]
            return 204, None
        if rest[2:] == ["revokeSignInSessions"] and method == "POST":
            if not self._permitted("User.RevokeSessions.All"):
                return _error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
            srv.revoked.append(user["id"])
            return 200, {"@odata.context": "$metadata#Edm.Boolean", "value": True}
        return _error(405, "Request_BadRequest", "method not allowed")


def start(token: str, ssl_context: Any) -> FakeDefender:
    server = FakeDefender(token)
    server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server
