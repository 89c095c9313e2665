"""Build a :class:`~tracehound.llm.base.Model` for a :class:`ModelChoice`."""

from __future__ import annotations

import os
from collections.abc import Callable

from tracehound.errors import UsageError
from tracehound.llm.base import Model
from tracehound.llm.settings import KEY_VARIABLES, LlmSettings, ModelChoice, Provider


def _openai(choice: ModelChoice, settings: LlmSettings) -> Model:
    from tracehound.llm.openai_provider import OpenAIChatModel

    key = os.environ.get(KEY_VARIABLES[Provider.openai])
    if not key and choice.base_url is None:
        raise UsageError(
            "no OpenAI API key", "set OPENAI_API_KEY, or TRACEHOUND_LLM_BASE_URL for a local server"
        )
    return OpenAIChatModel.openai(choice.name, key, choice.base_url, settings.timeout_seconds)


def _azure(choice: ModelChoice, settings: LlmSettings) -> Model:
    from tracehound.llm.openai_provider import OpenAIChatModel

    endpoint = choice.base_url or settings.azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
    if not endpoint:
        raise UsageError(
            "no Azure OpenAI endpoint", "set AZURE_OPENAI_ENDPOINT or [llm] azure_endpoint"
        )
    key = os.environ.get(KEY_VARIABLES[Provider.azure])
    version = os.environ.get("OPENAI_API_VERSION") or settings.api_version
    return OpenAIChatModel.azure(choice.name, key, endpoint, version, settings.timeout_seconds)


def _anthropic(choice: ModelChoice, settings: LlmSettings) -> Model:
    from tracehound.llm.anthropic_provider import AnthropicModel

    key = os.environ.get(KEY_VARIABLES[Provider.anthropic])
    if not key and choice.base_url is None:
        raise UsageError("no Anthropic API key", "set ANTHROPIC_API_KEY")
    return AnthropicModel(choice.name, key, choice.base_url, settings.timeout_seconds)


BUILDERS: dict[Provider, Callable[[ModelChoice, LlmSettings], Model]] = {
    Provider.openai: _openai,
    Provider.azure: _azure,
    Provider.anthropic: _anthropic,
}


def build_model(choice: ModelChoice, settings: LlmSettings) -> Model:
    return BUILDERS[choice.provider](choice, settings)
