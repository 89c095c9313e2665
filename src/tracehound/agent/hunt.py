"""Run a hunt end to end, offline or with a model, and return a :class:`HuntOutcome`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tracehound.backends.base import LogBackend
from tracehound.errors import RefusedError
from tracehound.llm.base import Message, Model
from tracehound.llm.prices import Price
from tracehound.rules.model import Rule

from .budget import Budget, BudgetStop
from .context import HuntContext
from .detections import run_detections
from .finalize import Candidate, finalize
from .guardrails import QueryGuard
from .loop import Confirm, run_loop
from .offline import run_offline, run_table_queries
from .outcome import HuntOutcome
from .plan import HuntPlan, make_plan
from .scoring import Scorer, default_scorer
from .settings import AgentSettings
from .tools import flagged_rows

MODEL_SEVERITY = "medium"


@dataclass
class ModelSession:
    """A model, its price, and the conversation so far (chat keeps it between questions)."""

    model: Model
    price: Price
    label: str
    messages: list[Message] = field(default_factory=list)


def run_hunt(
    request: str,
    backend: LogBackend,
    settings: AgentSettings,
    now: datetime,
    session: ModelSession | None = None,
    confirm: Confirm | None = None,
    scorer: Scorer | None = None,
    rules: list[Rule] | None = None,
) -> HuntOutcome:
    plan = make_plan(request, backend, now)
    guard = QueryGuard(settings.guardrails, set(backend.tables()))
    ctx = HuntContext(backend, guard, Budget(settings.budget), plan.time_range, rules=rules)
    ctx.notes.extend(plan.notes)
    outcome = HuntOutcome(request, session.label if session else "offline", plan.as_dict())
    candidates: list[Candidate] = []
    try:
        candidates = (
            _offline(plan, ctx)
            if session is None
            else _with_model(plan, ctx, session, settings, confirm, outcome)
        )
    except BudgetStop as stop:
        outcome.stopped = stop.limit
        ctx.notes.append(f"stopped: {stop.message}; the findings below are partial")
    findings, rejected, proposals = finalize(
        ctx, candidates, scorer or default_scorer(), settings.propose_min_score
    )
    outcome.findings, outcome.rejected, outcome.actions = findings, rejected, proposals
    outcome.queries, outcome.notes = ctx.queries, ctx.notes
    outcome.usage = ctx.budget.report()
    outcome.flagged = flagged_rows(ctx)
    if not outcome.summary:
        outcome.summary = f"{len(findings)} finding(s) from {len(ctx.queries)} queries"
    return outcome


def _offline(plan: HuntPlan, ctx: HuntContext) -> list[Candidate]:
    """Library hunts, the built-in detections about the request's entities, and, when no hunt
    matched, the simple query over the tables the question is about."""
    candidates = [
        Candidate(
            source=f"hunt:{hunt.id}",
            severity=hunt.severity,
            proposed=proposed,
            factors=factors,
            containment=tuple(hunt.finding.containment.items()),
        )
        for hunt, proposed, factors in run_offline(plan, ctx)
    ]
    candidates += [
        Candidate(source=f"detection:{alert.rule_id}", severity=alert.severity, proposed=proposed)
        for alert, proposed in run_detections(plan, ctx)
    ]
    if not plan.hunts:
        run_table_queries(plan, ctx)
    return candidates


def _with_model(
    plan: HuntPlan,
    ctx: HuntContext,
    session: ModelSession,
    settings: AgentSettings,
    confirm: Confirm | None,
    outcome: HuntOutcome,
) -> list[Candidate]:
    try:
        result = run_loop(
            session.model,
            session.price,
            ctx,
            plan,
            session.messages,
            settings.guardrails.max_repairs,
            confirm,
        )
    except RefusedError as exc:
        ctx.notes.append(exc.message)
        return []
    ctx.notes.extend(result.notes)
    if result.stopped:
        outcome.stopped = result.stopped
        ctx.notes.append("stopped by a budget; the findings below are partial")
    if result.answer is None:
        return []
    outcome.summary = result.answer.summary
    return [Candidate("model", MODEL_SEVERITY, f) for f in result.answer.findings]
