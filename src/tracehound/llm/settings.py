"""The ``[llm]`` section of tracehound.toml and the environment variables that choose a model.

Which model runs: ``--model``, else ``TRACEHOUND_LLM_MODEL``, else ``[llm] model``; none means
the offline planner. A ``provider:`` prefix picks the vendor (``azure:my-deployment``,
``anthropic:claude-sonnet-4-5``); without one, ``[llm] provider`` applies (default openai).
Keys come only from each vendor's standard variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracehound.errors import RefusedError, UsageError
from tracehound.llm.prices import Price


class Provider(StrEnum):
    openai = "openai"
    azure = "azure"
    anthropic = "anthropic"


#: The vendor's standard environment variable for its API key.
KEY_VARIABLES: dict[Provider, str] = {
    Provider.openai: "OPENAI_API_KEY",
    Provider.azure: "AZURE_OPENAI_API_KEY",
    Provider.anthropic: "ANTHROPIC_API_KEY",
}


class LlmSettings(BaseModel):
    """``[llm]``: the model, where it is served, which models are allowed, prices."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    provider: Provider = Provider.openai
    base_url: str | None = None
    azure_endpoint: str | None = None
    api_version: str = "2024-10-21"
    timeout_seconds: float = Field(default=120.0, gt=0)
    allowed_models: list[str] = Field(
        default_factory=list, description="empty: any model; else only these may be called"
    )
    free_models: list[str] = Field(
        default_factory=list, description="models that cost nothing (a local server)"
    )
    prices: dict[str, Price] = Field(default_factory=dict)


def llm_settings(extra: dict[str, Any]) -> LlmSettings:
    """Read ``[llm]`` from the settings' extra sections."""
    try:
        return LlmSettings.model_validate(extra.get("llm", {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"llm.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"configuration: {problems}", "see docs/hunt.md") from exc


@dataclass(frozen=True)
class ModelChoice:
    """The model a run will use, resolved from options, environment and configuration."""

    provider: Provider
    name: str
    base_url: str | None

    @property
    def label(self) -> str:
        return f"{self.provider.value}:{self.name}"


def choose_model(option: str | None, settings: LlmSettings) -> ModelChoice | None:
    """The chosen model, or None for offline; refuses a model outside the allow-list."""
    raw = option or os.environ.get("TRACEHOUND_LLM_MODEL") or settings.model
    if not raw or raw in ("offline", "none"):
        return None
    provider, name = settings.provider, raw
    prefix, sep, rest = raw.partition(":")
    if sep and prefix in Provider.__members__:
        provider, name = Provider(prefix), rest
    if settings.allowed_models and name not in settings.allowed_models:
        raise RefusedError(
            f"model {name!r} is not in the configured allow-list",
            f"allowed: {', '.join(settings.allowed_models)} ([llm] allowed_models)",
        )
    base_url = os.environ.get("TRACEHOUND_LLM_BASE_URL") or settings.base_url
    return ModelChoice(provider, name, base_url)
