"""Containment a hunt proposed reaches the response queue, and still needs an approval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import respond_env
from tests.fakes.defender_server import FakeDefender
from tracehound.agent import actions as hunt_actions
from tracehound.store import Store

tls, mde, sleeps = respond_env.tls, respond_env.mde, respond_env.sleeps


@pytest.fixture(autouse=True)
def fast_polling(tmp_path: Path) -> None:
    (tmp_path / "tracehound.toml").write_text("[response]\npoll_interval_seconds = 0.05\n")


def _propose(db_path: Path) -> str:
    proposal = hunt_actions.propose(
        "isolate_device",
        "host",
        "win-1",
        "brute force then logon",
        85,
        "Brute force on win-1",
        [{"table": "DeviceLogonEvents", "row_id": "r1"}],
    )
    with Store.open(db_path) as store:
        hunt_actions.save(store, [proposal])
    return proposal.id


def test_a_hunt_proposal_is_listed_promoted_and_gated(
    cli, mde: FakeDefender, db_path: Path
) -> None:  # type: ignore[no-untyped-def]
    machine = mde.add_machine("win-1.contoso.com")
    proposal_id = _propose(db_path)

    listed = json.loads(cli("actions", "list", "--format", "json").stdout)
    assert [(r["id"], r["status"], r["action"], r["source"]) for r in listed] == [
        (proposal_id, "proposed", "isolate", "hunt")
    ]

    promoted = cli("actions", "promote", proposal_id, "--format", "json")
    assert promoted.exit_code == 0, promoted.stderr
    doc = json.loads(promoted.stdout)
    assert doc["target"]["id"] == machine and doc["source"] == "hunt" and doc["confidence"] == 0.85
    assert doc["policy"]["automatic"] is False

    refused = cli("actions", "execute", doc["id"])
    assert refused.exit_code == 3 and len(mde.posts(r"/isolate$")) == 0

    again = cli("actions", "promote", proposal_id)
    assert again.exit_code == 2 and "already promoted" in again.stderr
    statuses = [r["status"] for r in json.loads(cli("actions", "list", "--format", "json").stdout)]
    assert statuses == ["pending"]


def test_promoting_an_unknown_proposal_is_a_usage_error(cli, mde: FakeDefender) -> None:  # type: ignore[no-untyped-def]
    result = cli("actions", "promote", "prop-nope")
    assert result.exit_code == 2 and "no hunt proposal" in result.stderr
