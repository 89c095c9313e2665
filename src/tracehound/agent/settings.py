"""The ``[agent]`` section of tracehound.toml: guardrails and budgets for a hunt.

Read from the settings' extra sections so the agent's options live beside the agent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracehound.errors import UsageError


class BudgetSettings(BaseModel):
    """Hard limits: reaching one stops the hunt with its partial results."""

    model_config = ConfigDict(extra="forbid")
    max_tokens: int = Field(default=200_000, ge=1)
    max_cost_usd: float = Field(default=0.50, ge=0)
    max_model_calls: int = Field(default=16, ge=1)
    max_queries: int = Field(default=40, ge=1)
    max_seconds: float = Field(default=300.0, gt=0)
    confirm_above_usd: float = Field(
        default=0.05, ge=0, description="interactive runs ask before a call estimated above this"
    )


class GuardrailSettings(BaseModel):
    """What queries may touch and how much they may return."""

    model_config = ConfigDict(extra="forbid")
    allowed_tables: list[str] = Field(
        default_factory=list, description="empty: every table of the schema"
    )
    allowed_fields: dict[str, list[str]] = Field(
        default_factory=dict, description="table -> columns; a table absent here allows all"
    )
    max_window_hours: float = Field(default=24 * 30, gt=0)
    row_cap: int = Field(default=500, ge=1)
    sample_rows: int = Field(default=5, ge=0, le=50)
    top_values: int = Field(default=5, ge=1, le=50)
    max_repairs: int = Field(default=2, ge=0, le=10)


class AgentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    propose_min_score: float = Field(
        default=0.7, ge=0, le=1, description="findings scoring this high propose containment"
    )


def agent_settings(extra: dict[str, Any]) -> AgentSettings:
    try:
        return AgentSettings.model_validate(extra.get("agent", {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"agent.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"configuration: {problems}", "see docs/hunt.md") from exc
