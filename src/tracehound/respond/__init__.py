"""Response: containment that is planned, approved on record, executed, verified and audited.

The small API other capabilities use (the hunt agent queues what it proposes)::

    ctx = ResponseContext.open(store, settings.response)
    record = propose_action(ctx, "isolate", "win-1", reason, confidence=0.93)
    record = prompt_for_approval(ctx, record)          # a person, at a terminal
    record = execute_action(ctx, record.id, actor)     # refused unless approved or allowed
    record = run_automatic(ctx, record.id)             # executes only if a policy rule allows
"""

from tracehound.respond.approvals import (
    approve_action,
    deny_action,
    prompt_for_approval,
    render_plan,
)
from tracehound.respond.context import ResponseContext
from tracehound.respond.executor import execute_action, run_automatic
from tracehound.respond.models import ActionRecord, ActionStatus
from tracehound.respond.planning import plan_action, propose_action

__all__ = [
    "ActionRecord",
    "ActionStatus",
    "ResponseContext",
    "approve_action",
    "deny_action",
    "execute_action",
    "plan_action",
    "prompt_for_approval",
    "propose_action",
    "render_plan",
    "run_automatic",
]
