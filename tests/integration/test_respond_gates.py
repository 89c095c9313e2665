"""No action runs without an approval record or a matching policy rule, whatever the entry
point (CLI, the hunt prompt, the automatic policy path); and the audit log shows tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.fakes import respond_env
from tests.fakes.defender_server import FakeDefender
from tracehound.errors import RefusedError, TracehoundError
from tracehound.respond import (
    ActionStatus,
    ResponseContext,
    execute_action,
    prompt_for_approval,
    propose_action,
    run_automatic,
)
from tracehound.respond.audit import AUDIT_TABLE
from tracehound.store import Store

# fixtures shared by the response tests
tls, mde, sleeps, ctx = respond_env.tls, respond_env.mde, respond_env.sleeps, respond_env.ctx

POLICY = """
max_automatic_per_hour: 1
critical_tiers: [tier0]
rules:
  - name: contain-workstations
    actions: [isolate]
    min_confidence: 0.9
    tiers: [workstation]
"""
ASSETS = """
default_tier: workstation
assets:
  - name: dc01.contoso.com
    tier: tier0
  - name: kiosk-7
    critical: true
"""


def _isolations(mde: FakeDefender) -> int:
    return len(mde.posts(r"/isolate$"))


@pytest.fixture
def policy_ctx(
    store: Store, mde: FakeDefender, sleeps: respond_env.SleepLog, tmp_path: Path
) -> ResponseContext:
    (tmp_path / "policy.yaml").write_text(POLICY)
    (tmp_path / "assets.yaml").write_text(ASSETS)
    return respond_env.make_context(
        store, sleeps, tmp_path / "policy.yaml", tmp_path / "assets.yaml"
    )


# -- the hunt prompt --------------------------------------------------------------------


def test_hunt_proposal_is_only_queued(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-1.contoso.com")
    record = propose_action(ctx, "isolate", "win-1", "lateral movement", confidence=0.95)
    assert record.status is ActionStatus.pending and record.source == "hunt"
    assert _isolations(mde) == 0


def test_prompt_without_a_terminal_never_approves(ctx: ResponseContext, mde: FakeDefender) -> None:
    mde.add_machine("win-1.contoso.com")
    record = propose_action(ctx, "isolate", "win-1", "lateral movement", confidence=0.95)
    asked: list[str] = []
    out = prompt_for_approval(
        ctx, record, input_fn=lambda p: asked.append(p) or "yes", is_tty=False
    )
    assert out.status is ActionStatus.pending and asked == []
    with pytest.raises(RefusedError):
        execute_action(ctx, record.id, "hunt")
    assert _isolations(mde) == 0


@pytest.mark.parametrize("answers", [["skip"], ["yes", ""], ["no", "benign admin"], ["y", "x"]])
def test_prompt_without_explicit_yes_and_reason_does_not_execute(
    ctx: ResponseContext, mde: FakeDefender, answers: list[str]
) -> None:
    mde.add_machine("win-1.contoso.com")
    record = propose_action(ctx, "isolate", "win-1", "lateral movement", confidence=0.95)
    replies = iter(answers)
    out = prompt_for_approval(
        ctx, record, input_fn=lambda _: next(replies), is_tty=True, write=lambda _: 0
    )
    assert out.status in (ActionStatus.pending, ActionStatus.denied)
    with pytest.raises(RefusedError):
        execute_action(ctx, record.id, "hunt")
    assert _isolations(mde) == 0


def test_prompt_yes_with_reason_approves_then_executes(
    ctx: ResponseContext, mde: FakeDefender
) -> None:
    mde.add_machine("win-1.contoso.com")
    record = propose_action(ctx, "isolate", "win-1", "lateral movement", confidence=0.95)
    replies = iter(["yes", "confirmed by IR lead"])
    shown: list[str] = []
    out = prompt_for_approval(
        ctx,
        record,
        input_fn=lambda _: next(replies),
        is_tty=True,
        approver="dana",
        write=shown.append,
    )
    assert (
        out.status is ActionStatus.approved
        and out.approval is not None
        and out.approval.by == "dana"
    )
    assert (
        record.target.id in shown[0] and "POST " in shown[0]
    )  # the exact target and call were shown
    assert execute_action(ctx, record.id, "dana").status is ActionStatus.succeeded


# -- the automatic policy path ----------------------------------------------------------


def test_policy_allows_one_automatic_action_per_hour(
    policy_ctx: ResponseContext, mde: FakeDefender
) -> None:
    mde.add_machine("ws-1.contoso.com")
    mde.add_machine("ws-2.contoso.com")
    first = propose_action(policy_ctx, "isolate", "ws-1", "ransomware", confidence=0.97)
    done = run_automatic(policy_ctx, first.id)
    assert done.status is ActionStatus.succeeded
    assert done.approval is not None and done.approval.by == "policy:contain-workstations"
    second = propose_action(policy_ctx, "isolate", "ws-2", "ransomware", confidence=0.97)
    assert run_automatic(policy_ctx, second.id).status is ActionStatus.pending  # hourly cap
    assert _isolations(mde) == 1


@pytest.mark.parametrize(
    ("device", "verb", "confidence", "why"),
    [
        ("dc01", "isolate", 0.99, "critical asset"),  # tier0 by FQDN in assets.yaml
        ("kiosk-7", "isolate", 0.99, "critical asset"),  # critical: true
        ("ws-3", "isolate", 0.5, "below 0.9"),
        ("ws-3", "restrict-apps", 0.99, "does not cover restrict-apps"),
        ("ws-3", "isolate", None, "below 0.9"),
    ],
)
def test_policy_refusals_make_no_call(
    policy_ctx: ResponseContext,
    mde: FakeDefender,
    device: str,
    verb: str,
    confidence: float | None,
    why: str,
) -> None:
    mde.add_machine("dc01.contoso.com")
    mde.add_machine("kiosk-7")
    mde.add_machine("ws-3.contoso.com")
    record = propose_action(policy_ctx, verb, device, "x", confidence=confidence)
    assert run_automatic(policy_ctx, record.id).status is ActionStatus.pending
    with pytest.raises(RefusedError, match=why):
        execute_action(policy_ctx, record.id, "someone")
    assert mde.posts(r"/machines/") == []


# -- the CLI -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fast_polling(tmp_path: Path) -> None:
    """The CLI reads ./tracehound.toml (the cli fixture runs in tmp_path): poll quickly."""
    (tmp_path / "tracehound.toml").write_text("[response]\npoll_interval_seconds = 0.05\n")


def test_cli_plan_approve_execute_and_refusal(cli, mde: FakeDefender) -> None:  # type: ignore[no-untyped-def]
    machine = mde.add_machine("win-1.contoso.com")
    planned: CliResult = cli(
        "actions", "plan", "isolate", "--device", "win-1", "--reason", "c2", "--format", "json"
    )
    assert planned.exit_code == 0, planned.stderr
    doc = json.loads(planned.stdout)
    assert doc["target"]["id"] == machine and doc["request"]["method"] == "POST"
    action_id = doc["id"]

    refused = cli("actions", "execute", action_id)
    assert refused.exit_code == 3 and "not approved" in refused.stderr
    assert _isolations(mde) == 0

    assert (
        cli(
            "actions", "approve", action_id, "--reason", "IR lead ok", "--approver", "erin"
        ).exit_code
        == 0
    )
    done = cli("actions", "execute", action_id)
    assert done.exit_code == 0 and "succeeded" in done.stdout and _isolations(mde) == 1
    shown = json.loads(cli("actions", "show", action_id, "--format", "json").stdout)
    assert shown["approval"]["by"] == "erin" and shown["platform_status"] == "Succeeded"
    listed = json.loads(cli("actions", "list", "--format", "json").stdout)
    assert [r["status"] for r in listed] == ["succeeded"]
    assert cli("audit", "verify").exit_code == 0


def test_cli_denied_and_failed_actions_exit_non_zero(cli, mde: FakeDefender) -> None:  # type: ignore[no-untyped-def]
    machine = mde.add_machine("win-2")
    mde.fail.add((machine, "Isolate"))
    ids = [
        json.loads(
            cli(
                "actions", "plan", "isolate", "--device", "win-2", "--reason", "r", "-f", "json"
            ).stdout
        )["id"]
        for _ in range(2)
    ]
    assert cli("actions", "deny", ids[0], "--reason", "no").exit_code == 0
    assert cli("actions", "execute", ids[0]).exit_code == 3
    assert cli("actions", "approve", ids[1], "--reason", "ok").exit_code == 0
    failed = cli("actions", "execute", ids[1])
    assert failed.exit_code == 1 and "succeeded" not in failed.stdout and "failed" in failed.stdout


def test_cli_ambiguous_device_lists_candidates(cli, mde: FakeDefender) -> None:  # type: ignore[no-untyped-def]
    mde.add_machine("web.a.example")
    mde.add_machine("web.b.example")
    result = cli("actions", "plan", "isolate", "--device", "web", "--reason", "r")
    assert (
        result.exit_code == 2
        and "2 devices are named 'web'" in result.stderr
        and "--machine-id" in result.stderr
    )


# -- the audit log -----------------------------------------------------------------------


def _three_entries(ctx: ResponseContext, mde: FakeDefender) -> Path:
    mde.add_machine("win-1")
    record = propose_action(ctx, "isolate", "win-1", "r", confidence=0.5)
    ctx.audit.append("note", record.id, "tester", {"n": 2})
    ctx.audit.append("note", record.id, "tester", {"n": 3})
    assert ctx.audit.verify().ok
    return ctx.audit.path


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text().splitlines()
    path.write_text("".join(line + "\n" for line in change(lines)))


@pytest.mark.parametrize(
    ("tamper", "head_changed"),
    [
        (lambda lines: lines[:-1], True),  # the last entry removed from the journal
        (lambda lines: lines[:1] + lines[2:], False),  # a middle entry removed
        (lambda lines: [lines[0], lines[1].replace('"n": 2', '"n": 9'), lines[2]], False),  # edited
    ],
)
def test_tampered_journal_is_detected(  # type: ignore[no-untyped-def]
    ctx: ResponseContext, mde: FakeDefender, tamper, head_changed: bool
) -> None:
    path = _three_entries(ctx, mde)
    _rewrite(path, tamper)
    report = ctx.audit.verify()
    assert not report.ok, report.problems
    if head_changed:  # appending onto copies that already disagree is refused
        with pytest.raises(TracehoundError, match="disagree"):
            ctx.audit.append("note", None, "tester", {})


@pytest.mark.parametrize(
    "sql",
    [
        f"DELETE FROM {AUDIT_TABLE} WHERE seq = 3",  # the last entry removed from the store
        f"UPDATE {AUDIT_TABLE} SET actor = 'nobody' WHERE seq = 2",
        f"UPDATE {AUDIT_TABLE} SET data = '{{\"n\": 7}}' WHERE seq = 3",
    ],
)
def test_tampered_store_copy_is_detected(ctx: ResponseContext, mde: FakeDefender, sql: str) -> None:
    _three_entries(ctx, mde)
    ctx.store.con.execute(sql)
    assert not ctx.audit.verify().ok


def test_audit_verify_cli_exits_non_zero_when_broken(cli, mde: FakeDefender, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    mde.add_machine("win-1")
    assert cli("actions", "plan", "av-scan", "--device", "win-1", "--reason", "r").exit_code == 0
    journal = Path(str(db_path) + ".audit.jsonl")
    entry = json.loads(journal.read_text().splitlines()[0])
    entry["actor"] = "someone-else"
    journal.write_text(json.dumps(entry) + "\n")
    result = cli("audit", "verify", "--format", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["ok"] is False
