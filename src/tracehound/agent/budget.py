"""Budgets for one hunt: tokens, money, model calls, queries and wall time.

``Budget`` is the ledger; each ``charge_*`` / ``check_*`` raises ``BudgetStop`` when a limit
would be passed, and the loop turns that into a stopped hunt that keeps its partial results
and says which limit stopped it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tracehound.errors import BudgetExceededError
from tracehound.llm.base import Usage

from .settings import BudgetSettings


class BudgetStop(BudgetExceededError):  # noqa: N818 - a stop, not a failure
    """A limit was reached; ``limit`` names it."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message, "raise the limit under [agent.budget] or narrow the request")
        self.limit = limit


@dataclass
class Budget:
    """Usage so far against the limits."""

    limits: BudgetSettings
    started: float = field(default_factory=time.monotonic)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    model_calls: int = 0
    queries: int = 0
    estimated_input_tokens: int = 0

    @property
    def tokens(self) -> int:
        u = self.usage
        return u.input_tokens + u.output_tokens + u.reasoning_tokens

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check_time(self) -> None:
        if self.elapsed > self.limits.max_seconds:
            raise BudgetStop(
                "max_seconds", f"wall-time budget of {self.limits.max_seconds:g}s reached"
            )

    def before_model_call(self, estimated_tokens: int, estimated_cost: float) -> None:
        """Refuse a call that would pass a limit on the estimate alone."""
        self.check_time()
        if self.model_calls >= self.limits.max_model_calls:
            raise BudgetStop(
                "max_model_calls", f"model-call budget of {self.limits.max_model_calls} reached"
            )
        if self.tokens + estimated_tokens > self.limits.max_tokens:
            raise BudgetStop(
                "max_tokens",
                f"token budget of {self.limits.max_tokens:,} would be passed "
                f"({self.tokens:,} used, next call ~{estimated_tokens:,})",
            )
        if self.cost_usd + estimated_cost > self.limits.max_cost_usd:
            raise BudgetStop(
                "max_cost_usd",
                f"cost budget of ${self.limits.max_cost_usd:.4f} would be passed "
                f"(${self.cost_usd:.4f} spent, next call ~${estimated_cost:.4f})",
            )

    def charge_model_call(self, usage: Usage, cost: float, estimated_input: int) -> None:
        self.model_calls += 1
        self.usage = self.usage + usage
        self.cost_usd += cost
        self.estimated_input_tokens += estimated_input

    def before_query(self) -> None:
        self.check_time()
        if self.queries >= self.limits.max_queries:
            raise BudgetStop("max_queries", f"query budget of {self.limits.max_queries} reached")
        self.queries += 1

    def report(self) -> dict[str, Any]:
        return {
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "reasoning_tokens": self.usage.reasoning_tokens,
            "estimated_input_tokens": self.estimated_input_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "model_calls": self.model_calls,
            "queries": self.queries,
            "seconds": round(self.elapsed, 3),
        }
