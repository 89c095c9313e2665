"""Response actions end to end: the real clients over real TLS against a local server that
implements the documented Defender for Endpoint and Graph endpoints (tests/fakes/defender_server.py).
"""

from __future__ import annotations

import pytest

from tests.fakes import respond_env
from tests.fakes.defender_server import FakeDefender
from tracehound.errors import RefusedError, TracehoundError, UsageError
from tracehound.respond import (
    ActionStatus,
    ResponseContext,
    approve_action,
    deny_action,
    execute_action,
    plan_action,
)
from tracehound.respond.targets import AmbiguousTargetError

# fixtures shared by the response tests
tls, mde, sleeps, ctx = respond_env.tls, respond_env.mde, respond_env.sleeps, respond_env.ctx

SHA1 = "87662bc3d60e4200ceaf7aae249d1c343f4b83c9"


def _events(ctx: ResponseContext, action_id: str) -> list[str]:
    return [e["event"] for e in ctx.audit.db_entries() if e["action_id"] == action_id]


def _isolate_posts(mde: FakeDefender) -> int:
    return len(mde.posts(r"/isolate$"))


def test_isolate_then_release(ctx: ResponseContext, mde: FakeDefender) -> None:
    machine = mde.add_machine("win-1.contoso.com")
    plan = plan_action(ctx, "isolate", {"device": "WIN-1"}, "ransomware staging seen")
    # the dry run resolved the exact machine and made no change
    assert plan.target.id == machine and plan.target.name == "win-1.contoso.com"
    assert plan.target.details["osPlatform"] == "Windows11" and "lastSeen" in plan.target.details
    assert plan.request.url == f"{mde.url}/api/machines/{machine}/isolate"
    assert plan.request.body == {
        "Comment": f"[tracehound {plan.id}] ransomware staging seen",
        "IsolationType": "Full",
    }
    assert _isolate_posts(mde) == 0 and plan.status is ActionStatus.pending

    approve_action(ctx, plan.id, "confirmed with the owner", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.succeeded and done.platform_status == "Succeeded"
    assert machine in mde.isolated and _isolate_posts(mde) == 1
    assert _events(ctx, plan.id) == [
        "planned",
        "approved",
        "executing",
        "submitted",
        "platform-status",
        "platform-status",
        "succeeded",
    ]
    assert ctx.ledger.get(plan.id).approval.by == "alice"  # type: ignore[union-attr]

    release = plan_action(ctx, "release", {"device": "win-1.contoso.com"}, "host cleaned")
    approve_action(ctx, release.id, "reimaged", approver="bob")
    assert execute_action(ctx, release.id, "bob").status is ActionStatus.succeeded
    assert machine not in mde.isolated
    assert ctx.audit.verify().ok


def test_denied_action_is_never_executed(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-2")
    plan = plan_action(ctx, "isolate", {"device": "win-2"}, "suspicious logons")
    deny_action(ctx, plan.id, "false positive: pentest", approver="carol")
    with pytest.raises(RefusedError):
        execute_action(ctx, plan.id, "mallory")
    assert _isolate_posts(mde) == 0
    assert ctx.ledger.get(plan.id).status is ActionStatus.denied
    assert _events(ctx, plan.id)[-1] == "execution-refused"


def test_unapproved_action_without_policy_is_refused(
    ctx: ResponseContext, mde: FakeDefender
) -> None:
    mde.add_machine("win-3")
    plan = plan_action(ctx, "isolate", {"device": "win-3"}, "beaconing", confidence=0.99)
    with pytest.raises(RefusedError, match="not approved"):
        execute_action(ctx, plan.id, "someone")
    assert _isolate_posts(mde) == 0


def test_action_runs_only_once(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-4")
    plan = plan_action(ctx, "av-scan", {"device": "win-4"}, "check", params={"scope": "full"})
    assert plan.request.body is not None and plan.request.body["ScanType"] == "Full"
    approve_action(ctx, plan.id, "ok", approver="alice")
    assert execute_action(ctx, plan.id, "alice").status is ActionStatus.succeeded
    with pytest.raises(RefusedError, match="succeeded"):
        execute_action(ctx, plan.id, "alice")
    assert len(mde.posts("runAntiVirusScan")) == 1


def test_ambiguous_name_needs_a_person_and_never_matches_a_prefix(
    ctx: ResponseContext, mde: FakeDefender
) -> None:
    old = mde.add_machine("win-1.contoso.com", lastSeen="2025-03-01T00:00:00Z")
    new = mde.add_machine(
        "WIN-1.fabrikam.com", lastSeen="2025-06-02T00:00:00Z", healthStatus="Inactive"
    )
    mde.add_machine("win-10.contoso.com")
    mde.add_machine("win-1x")
    with pytest.raises(AmbiguousTargetError) as info:
        plan_action(ctx, "isolate", {"device": "win-1"}, "x")
    assert [c.id for c in info.value.candidates] == [new, old]  # most recently seen first
    assert "health=Inactive" in info.value.message
    assert ctx.ledger.all() == []
    chosen = plan_action(ctx, "isolate", {"device": "win-1", "machine_id": old}, "x")
    assert chosen.target.id == old
    with pytest.raises(UsageError, match="not one of"):
        plan_action(ctx, "isolate", {"device": "win-1", "machine_id": "someone-else"}, "x")
    with pytest.raises(UsageError, match="no device named"):
        plan_action(ctx, "isolate", {"device": "win-"}, "x")


def test_odata_injection_in_a_device_name_matches_nothing(
    ctx: ResponseContext, mde: FakeDefender
) -> None:
    mde.add_machine("a.contoso.com")
    mde.add_machine("b.contoso.com")
    hostile = "x.y' or computerDnsName ne 'z"
    with pytest.raises(UsageError, match="no device named"):
        plan_action(ctx, "isolate", {"device": hostile}, "x")
    sent = [r["query"]["$filter"] for r in mde.requests if "$filter" in r["query"]]
    assert sent == [
        "computerDnsName eq 'x.y'' or computerdnsname ne ''z'",
        "computerDnsName eq 'x.y'' or computerDnsName ne ''z'",
    ]


def test_throttled_create_waits_retry_after_then_succeeds_once(
    ctx: ResponseContext, mde: FakeDefender, sleeps: list[float]
) -> None:
    mde.add_machine("win-5")
    mde.script(
        "POST",
        r"/isolate$",
        429,
        headers={"Retry-After": "7"},
        body={"error": {"code": "TooManyRequests", "message": "quota"}},
    )
    plan = plan_action(ctx, "isolate", {"device": "win-5"}, "x")
    approve_action(ctx, plan.id, "ok", approver="alice")
    assert execute_action(ctx, plan.id, "alice").status is ActionStatus.succeeded
    assert sleeps[0] == 7.0
    assert _isolate_posts(mde) == 2 and len(mde.actions) == 1


def test_lost_answer_is_reconciled_not_duplicated(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-6")
    # the platform creates the action, then the answer is lost as a 503
    mde.script(
        "POST",
        r"/isolate$",
        503,
        body={"error": {"code": "InternalServerError", "message": ""}},
        after_handling=True,
    )
    plan = plan_action(ctx, "isolate", {"device": "win-6"}, "x")
    approve_action(ctx, plan.id, "ok", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.succeeded
    assert _isolate_posts(mde) == 1 and len(mde.actions) == 1
    assert done.platform_action_id == next(iter(mde.actions))


def test_lost_request_is_sent_again_after_lookup(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-7")
    mde.script(
        "POST", r"/isolate$", 500, body={"error": {"code": "InternalServerError", "message": ""}}
    )
    plan = plan_action(ctx, "isolate", {"device": "win-7"}, "x")
    approve_action(ctx, plan.id, "ok", approver="alice")
    assert execute_action(ctx, plan.id, "alice").status is ActionStatus.succeeded
    lookups = [
        r for r in mde.requests if r["path"] == "/api/machineactions" and r["method"] == "GET"
    ]
    assert len(lookups) == 1 and _isolate_posts(mde) == 2 and len(mde.actions) == 1


def test_someone_elses_pending_action_is_reported(ctx: ResponseContext, mde: FakeDefender) -> None:
    machine = mde.add_machine("win-8")
    mde.actions["other"] = {
        "id": "other",
        "type": "Isolate",
        "status": "Pending",
        "machineId": machine,
        "requestorComment": "analyst in the portal",
        "computerDnsName": "win-8",
    }
    plan = plan_action(ctx, "isolate", {"device": "win-8"}, "x")
    approve_action(ctx, plan.id, "ok", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.failed
    assert done.result["code"] == "ActiveRequestAlreadyExists"
    assert "already pending" in done.result["error"]


def test_action_failed_on_the_platform_is_not_success(
    ctx: ResponseContext, mde: FakeDefender
) -> None:
    machine = mde.add_machine("win-9")
    mde.fail.add((machine, "StopAndQuarantineFile"))
    plan = plan_action(
        ctx, "stop-quarantine-file", {"device": "win-9"}, "dropper", params={"sha1": SHA1}
    )
    approve_action(ctx, plan.id, "ok", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.failed and done.platform_status == "Failed"
    assert _events(ctx, plan.id)[-1] == "failed"


@pytest.mark.parametrize(
    ("verb", "path", "params"),
    [
        ("collect-package", "collectInvestigationPackage", {}),
        ("restrict-apps", "restrictCodeExecution", {}),
        ("unrestrict-apps", "unrestrictCodeExecution", {}),
        ("av-scan", "runAntiVirusScan", {}),
        ("isolate", "isolate", {"scope": "Selective"}),
    ],
)
def test_machine_actions(
    ctx: ResponseContext, mde: FakeDefender, verb: str, path: str, params: dict[str, str]
) -> None:
    mde.add_machine("host-a.corp.example")
    plan = plan_action(ctx, verb, {"device": "host-a"}, "containment", params=params)
    approve_action(ctx, plan.id, "ok", approver="alice")
    assert execute_action(ctx, plan.id, "alice").status is ActionStatus.succeeded
    assert len(mde.posts(path + "$")) == 1


def test_permission_and_token_errors_explain_themselves(
    ctx: ResponseContext, mde: FakeDefender, monkeypatch: pytest.MonkeyPatch
) -> None:
    mde.add_machine("win-11")
    mde.granted = {"Machine.Read.All"}
    plan = plan_action(ctx, "isolate", {"device": "win-11"}, "x")
    approve_action(ctx, plan.id, "ok", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.failed and "Machine.Isolate" in done.result["hint"]
    monkeypatch.setenv("TRACEHOUND_AZURE_TOKEN", "wrong")
    with pytest.raises(TracehoundError, match="not authenticated"):
        plan_action(ctx, "isolate", {"device": "win-11"}, "x")
    assert all(
        "wrong" not in str(e) and "respond-test-token" not in str(e) for e in ctx.audit.db_entries()
    )


def test_indicator_submitted_and_read_back(ctx: ResponseContext, mde: FakeDefender) -> None:
    plan = plan_action(
        ctx,
        "submit-indicator",
        {"value": "198.51.100.7"},
        "C2 server",
        params={"indicator_action": "block"},
    )
    assert plan.request.body is not None
    assert (
        plan.request.body["indicatorType"] == "IpAddress" and plan.request.body["action"] == "Block"
    )
    approve_action(ctx, plan.id, "ok", approver="alice")
    done = execute_action(ctx, plan.id, "alice")
    assert done.status is ActionStatus.succeeded
    assert ("198.51.100.7", "IpAddress") in mde.indicators


def test_user_disable_revoke_enable(ctx: ResponseContext, mde: FakeDefender) -> None:
    user = mde.add_user("jdoe@contoso.com", "J Doe")
    for verb, expected in (
        ("disable-user", False),
        ("revoke-sessions", False),
        ("enable-user", True),
    ):
        plan = plan_action(ctx, verb, {"user": "JDoe@contoso.com"}, "token theft")
        assert plan.target.id == user
        approve_action(ctx, plan.id, "ok", approver="alice")
        assert execute_action(ctx, plan.id, "alice").status is ActionStatus.succeeded
        assert mde.users[user]["accountEnabled"] is expected
    assert mde.revoked == [user]
