"""OpenAI chat completions through the ``openai`` SDK: OpenAI, Azure OpenAI, and any
OpenAI-compatible server (Ollama, vLLM, llama.cpp) through ``base_url``.

The SDK is imported when a model is built, never at import time, so the core runs without it.
"""

from __future__ import annotations

import json
from typing import Any

from tracehound.errors import TracehoundError, UsageError
from tracehound.llm.base import Message, ModelResponse, ToolCall, ToolSpec, Usage


def _sdk() -> Any:
    try:
        import openai
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise UsageError(
            "the openai package is not installed", "pip install 'tracehound[llm]'"
        ) from exc
    return openai


def to_openai(message: Message) -> dict[str, Any]:
    """One message in the chat-completions wire shape."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    return out


def tool_schema(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


class OpenAIChatModel:
    """A chat-completions model behind an OpenAI or Azure OpenAI client."""

    def __init__(self, name: str, client: Any, max_output_tokens: int | None = None) -> None:
        self.name = name
        self._client = client
        self._max_output = max_output_tokens

    @classmethod
    def openai(
        cls, name: str, api_key: str | None, base_url: str | None, timeout: float
    ) -> OpenAIChatModel:
        openai = _sdk()
        # Local servers need no key, but the SDK insists on one: send a placeholder.
        client = openai.OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=1
        )
        return cls(name, client)

    @classmethod
    def azure(
        cls, name: str, api_key: str | None, endpoint: str, api_version: str, timeout: float
    ) -> OpenAIChatModel:
        openai = _sdk()
        client = openai.AzureOpenAI(
            api_key=api_key,
            azure_endpoint=endpoint,
            api_version=api_version,
            timeout=timeout,
            max_retries=1,
        )
        return cls(name, client)

    def request(self, messages: list[Message], tools: list[ToolSpec]) -> ModelResponse:
        openai = _sdk()
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [to_openai(m) for m in messages],
        }
        if tools:
            kwargs["tools"] = [tool_schema(t) for t in tools]
        if self._max_output is not None:
            kwargs["max_completion_tokens"] = self._max_output
        try:
            completion = self._client.chat.completions.create(**kwargs)
        except openai.APIError as exc:
            raise TracehoundError(
                f"model request to {self.name} failed: {exc}",
                "check the model name, TRACEHOUND_LLM_BASE_URL and the API key",
            ) from exc
        return _response(completion, self.name)


def _response(completion: Any, model: str) -> ModelResponse:
    if not completion.choices:
        raise TracehoundError(f"model {model} returned no choices")
    choice = completion.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(c.id, c.function.name, c.function.arguments or "{}")
        for c in (message.tool_calls or [])
    )
    return ModelResponse(
        content=message.content or "",
        tool_calls=calls,
        usage=_usage(completion.usage),
        finish_reason=choice.finish_reason or "",
        model=completion.model or model,
    )


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    details = getattr(usage, "completion_tokens_details", None)
    reasoning = int(getattr(details, "reasoning_tokens", 0) or 0) if details else 0
    # OpenAI counts reasoning inside completion_tokens; keep them apart so each is priced once.
    output = int(usage.completion_tokens or 0) - reasoning
    return Usage(int(usage.prompt_tokens or 0), max(output, 0), reasoning)


def arguments_of(call: ToolCall) -> dict[str, Any]:
    """The JSON arguments of *call*; malformed JSON is a tool error, not a crash."""
    try:
        value = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        raise UsageError(f"tool arguments are not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise UsageError("tool arguments must be a JSON object")
    return value
