"""Containment proposals from a hunt: one per action and target, the most confident kept."""

from __future__ import annotations

from tracehound.agent import actions
from tracehound.agent.finalize import _one_per_target


def _proposal(action: str, target: str, confidence: int, finding: str) -> actions.ProposedAction:
    return actions.propose(action, "host", target, "why", confidence, finding, [])


def test_two_findings_on_one_host_queue_one_isolation() -> None:
    kept = _one_per_target(
        [
            _proposal("isolate_device", "windows-target-1", 62, "spray"),
            _proposal("isolate_device", "WINDOWS-TARGET-1", 81, "brute force"),
            _proposal("disable_user", "vmadmin", 81, "brute force"),
            _proposal("isolate_device", "ws-2", 70, "cradle"),
        ]
    )
    assert [(p.action, p.target.lower(), p.confidence) for p in kept] == [
        ("isolate_device", "windows-target-1", 81),
        ("disable_user", "vmadmin", 81),
        ("isolate_device", "ws-2", 70),
    ]
    assert kept[0].finding == "brute force"
