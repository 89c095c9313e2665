"""The response actions Tracehound can take, as data: one row per CLI verb.

Each :class:`ActionSpec` says which platform runs the action, what it targets, the documented
HTTP call, how its request body is built from the plan's parameters, the permission it needs
(for 401/403 explanations), how completion is verified and which verb undoes it. Adding an
action is adding a row here (and, for a new completion kind, a runner in ``executor.py``).

Sources (Microsoft Learn, Defender for Endpoint API reference): "Isolate machine API",
"Release device from isolation API", "Run antivirus scan API", "Collect investigation package
API", "Restrict app execution API", "Remove app restriction API", "Stop and quarantine file
API", "Submit or Update Indicator API"; Microsoft Graph v1.0: "Update user", "user:
revokeSignInSessions". See docs/response.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tracehound.errors import UsageError


class Platform(StrEnum):
    mde = "mde"
    graph = "graph"


class TargetKind(StrEnum):
    device = "device"
    user = "user"
    indicator = "indicator"


class Completion(StrEnum):
    """How the executor learns that the platform really did it."""

    machine_action = "machine_action"  # poll GET /api/machineactions/{id} until final
    indicator = "indicator"  # 200 with the Indicator entity, then read it back
    account_enabled = "account_enabled"  # 204, then read accountEnabled back
    revoke_sessions = "revoke_sessions"  # 200 with {"value": true}


@dataclass(frozen=True)
class Choice:
    """A parameter with a closed set of documented values."""

    param: str
    values: tuple[str, ...]
    default: str | None


@dataclass(frozen=True)
class ActionSpec:
    verb: str
    title: str
    platform: Platform
    target: TargetKind
    method: str
    path: str  # relative to the platform base; {machine_id} / {user_id} filled from the target
    body: dict[str, Any]  # API field -> "$param" (from the plan) or a literal value
    permission: str
    completion: Completion
    mde_type: str | None = None  # MachineAction.type, used to find an action after a lost answer
    choices: tuple[Choice, ...] = ()
    required: tuple[str, ...] = ()  # parameters the user must give
    reverse: str | None = None
    disruptive: bool = True
    docs: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def build_body(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The JSON body for *params*; ``None`` for a call without a body."""
        if not self.body:
            return None
        out: dict[str, Any] = {}
        for key, value in self.body.items():
            if isinstance(value, str) and value.startswith("$"):
                name = value[1:]
                if params.get(name) is None:
                    continue
                out[key] = params[name]
            else:
                out[key] = value
        return out


_LEARN = "https://learn.microsoft.com/defender-endpoint/api/"
_GRAPH = "https://learn.microsoft.com/graph/api/"
_COMMENT = {"Comment": "$comment"}

ACTIONS: Mapping[str, ActionSpec] = MappingProxyType(
    {
        spec.verb: spec
        for spec in (
            ActionSpec(
                "isolate",
                "Isolate device",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/isolate",
                {**_COMMENT, "IsolationType": "$scope"},
                "Machine.Isolate",
                Completion.machine_action,
                mde_type="Isolate",
                choices=(Choice("scope", ("Full", "Selective"), "Full"),),
                reverse="release",
                docs=_LEARN + "isolate-machine",
            ),
            ActionSpec(
                "release",
                "Release device from isolation",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/unisolate",
                dict(_COMMENT),
                "Machine.Isolate",
                Completion.machine_action,
                mde_type="Unisolate",
                reverse="isolate",
                disruptive=False,
                docs=_LEARN + "unisolate-machine",
            ),
            ActionSpec(
                "av-scan",
                "Run antivirus scan",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/runAntiVirusScan",
                {**_COMMENT, "ScanType": "$scope"},
                "Machine.Scan",
                Completion.machine_action,
                mde_type="RunAntiVirusScan",
                choices=(Choice("scope", ("Quick", "Full"), "Quick"),),
                disruptive=False,
                docs=_LEARN + "run-av-scan",
            ),
            ActionSpec(
                "collect-package",
                "Collect investigation package",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/collectInvestigationPackage",
                dict(_COMMENT),
                "Machine.CollectForensics",
                Completion.machine_action,
                mde_type="CollectInvestigationPackage",
                disruptive=False,
                docs=_LEARN + "collect-investigation-package",
            ),
            ActionSpec(
                "restrict-apps",
                "Restrict app execution",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/restrictCodeExecution",
                dict(_COMMENT),
                "Machine.RestrictExecution",
                Completion.machine_action,
                mde_type="RestrictCodeExecution",
                reverse="unrestrict-apps",
                docs=_LEARN + "restrict-code-execution",
            ),
            ActionSpec(
                "unrestrict-apps",
                "Remove app execution restriction",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/unrestrictCodeExecution",
                dict(_COMMENT),
                "Machine.RestrictExecution",
                Completion.machine_action,
                mde_type="UnrestrictCodeExecution",
                reverse="restrict-apps",
                disruptive=False,
                docs=_LEARN + "unrestrict-code-execution",
            ),
            ActionSpec(
                "stop-quarantine-file",
                "Stop and quarantine a file",
                Platform.mde,
                TargetKind.device,
                "POST",
                "/api/machines/{machine_id}/StopAndQuarantineFile",
                {**_COMMENT, "Sha1": "$sha1"},
                "Machine.StopAndQuarantine",
                Completion.machine_action,
                mde_type="StopAndQuarantineFile",
                required=("sha1",),
                docs=_LEARN + "stop-and-quarantine-file",
            ),
            ActionSpec(
                "submit-indicator",
                "Submit an indicator",
                Platform.mde,
                TargetKind.indicator,
                "POST",
                "/api/indicators",
                {
                    "indicatorValue": "$value",
                    "indicatorType": "$indicator_type",
                    "action": "$indicator_action",
                    "title": "$title",
                    "description": "$comment",
                    "severity": "$severity",
                    "generateAlert": True,
                },
                "Ti.ReadWrite",
                Completion.indicator,
                choices=(
                    Choice(
                        "indicator_action",
                        ("Alert", "Warn", "Block", "Audit", "BlockAndRemediate", "AlertAndBlock"),
                        "AlertAndBlock",
                    ),
                    Choice("severity", ("Informational", "Low", "Medium", "High"), "High"),
                ),
                docs=_LEARN + "post-ti-indicator",
            ),
            ActionSpec(
                "disable-user",
                "Disable user account",
                Platform.graph,
                TargetKind.user,
                "PATCH",
                "/v1.0/users/{user_id}",
                {"accountEnabled": False},
                "User.EnableDisableAccount.All and User.Read.All (or User.ReadWrite.All)",
                Completion.account_enabled,
                reverse="enable-user",
                extra={"enabled": False},
                docs=_GRAPH + "user-update",
            ),
            ActionSpec(
                "enable-user",
                "Re-enable user account",
                Platform.graph,
                TargetKind.user,
                "PATCH",
                "/v1.0/users/{user_id}",
                {"accountEnabled": True},
                "User.EnableDisableAccount.All and User.Read.All (or User.ReadWrite.All)",
                Completion.account_enabled,
                reverse="disable-user",
                disruptive=False,
                extra={"enabled": True},
                docs=_GRAPH + "user-update",
            ),
            ActionSpec(
                "revoke-sessions",
                "Revoke user sign-in sessions",
                Platform.graph,
                TargetKind.user,
                "POST",
                "/v1.0/users/{user_id}/revokeSignInSessions",
                {},
                "User.RevokeSessions.All",
                Completion.revoke_sessions,
                docs=_GRAPH + "user-revokesigninsessions",
            ),
        )
    }
)


def action_spec(verb: str) -> ActionSpec:
    try:
        return ACTIONS[verb]
    except KeyError:
        raise UsageError(f"unknown action {verb!r}", f"one of: {', '.join(ACTIONS)}") from None


def fill_choices(spec: ActionSpec, params: dict[str, Any]) -> dict[str, Any]:
    """*params* with documented defaults filled in and every closed choice checked."""
    out = dict(params)
    for choice in spec.choices:
        value = out.get(choice.param)
        if value is None:
            out[choice.param] = choice.default
            continue
        match = {v.lower(): v for v in choice.values}.get(str(value).lower())
        if match is None:
            raise UsageError(
                f"{spec.verb}: {choice.param} {value!r} is not allowed",
                f"one of: {', '.join(choice.values)}",
            )
        out[choice.param] = match
    for name in spec.required:
        if not out.get(name):
            raise UsageError(f"{spec.verb} needs --{name.replace('_', '-')}")
    return out
