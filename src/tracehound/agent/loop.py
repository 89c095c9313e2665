"""The model-driven hunt: the model calls tools until it answers with the findings schema.

Before every call the request is estimated offline and checked against the budget; above the
confirmation threshold an interactive run asks first. An answer that does not validate goes
back with the validation error, at most ``max_repairs`` times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from tracehound.errors import RefusedError, UsageError
from tracehound.llm.base import Message, Model, Usage
from tracehound.llm.openai_provider import arguments_of
from tracehound.llm.prices import Price
from tracehound.llm.tokens import count_messages

from .budget import BudgetStop
from .context import HuntContext
from .findings import FinalAnswer
from .plan import HuntPlan
from .tools import SPECS, call_tool

#: Output tokens assumed for the estimate before a call.
EXPECTED_OUTPUT = 800
_JSON_BLOCK = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)

Confirm = Callable[[str], bool]

SYSTEM = """You are Tracehound, a threat hunter working over Microsoft Defender / Sentinel tables.
Plan the hunt, query with the tools, pivot on what you find, and answer ONLY with JSON:
{{"summary": str, "findings": [{{"title": str, "summary": str, "techniques": [ATT&CK ids],
"iocs": [{{"type": "ip|account|host|domain|url|sha256|sha1|md5|file|process|other", "value": str}}],
"evidence": [{{"table": str, "row_id": str}}], "recommendations": [str], "hosts": [str],
"accounts": [str], "confidence": "Low|Medium|High"}}]}}
Every finding must cite _RowId values returned by your queries; every IOC must appear in a
cited row. Findings that do not are discarded. Return an empty findings list if nothing is found.
{fence_rule}
Plan hints (offline planner): {plan}"""


@dataclass
class LoopResult:
    answer: FinalAnswer | None
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


def _final(content: str) -> FinalAnswer:
    match = _JSON_BLOCK.search(content)
    text = match.group(1) if match else content.strip()
    return FinalAnswer.model_validate_json(text)


def run_loop(
    model: Model,
    price: Price,
    ctx: HuntContext,
    plan: HuntPlan,
    messages: list[Message],
    max_repairs: int,
    confirm: Confirm | None,
) -> LoopResult:
    """Drive *model* to a validated answer; *messages* carries chat context and is extended."""
    if not messages:
        system = SYSTEM.format(fence_rule=ctx.fence.rule, plan=json.dumps(plan.as_dict()))
        messages.append(Message("system", system))
    messages.append(Message("user", plan.request))
    repairs = 0
    threshold = ctx.budget.limits.confirm_above_usd
    try:
        while True:
            estimate = count_messages(messages, list(SPECS))
            cost = price.cost(Usage(estimate, EXPECTED_OUTPUT))
            ctx.budget.before_model_call(estimate + EXPECTED_OUTPUT, cost)
            if (
                cost > threshold
                and confirm is not None
                and not confirm(
                    f"next call to {model.name}: ~{estimate:,} input tokens, ~${cost:.4f}. Continue?"
                )
            ):
                raise RefusedError("model call declined at the cost prompt")
            response = model.request(messages, list(SPECS))
            ctx.budget.charge_model_call(response.usage, price.cost(response.usage), estimate)
            if response.tool_calls:
                messages.append(Message("assistant", response.content, response.tool_calls))
                for call in response.tool_calls:
                    try:
                        output = call_tool(ctx, call.name, arguments_of(call))
                    except UsageError as exc:
                        output = f"error: {exc.message}"
                    messages.append(Message("tool", output, tool_call_id=call.id, name=call.name))
                continue
            messages.append(Message("assistant", response.content))
            try:
                return LoopResult(_final(response.content))
            except ValidationError as exc:
                repairs += 1
                if repairs > max_repairs:
                    return LoopResult(
                        None,
                        notes=[f"the model's answer stayed invalid after {max_repairs} repairs"],
                    )
                messages.append(
                    Message(
                        "user",
                        "Your answer does not match the findings schema. Errors:\n"
                        + _errors(exc)
                        + "\nAnswer again with JSON only.",
                    )
                )
    except BudgetStop as stop:
        return LoopResult(None, stopped=stop.limit, notes=[stop.message])


def _errors(exc: ValidationError) -> str:
    return "\n".join(
        f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:10]
    )
