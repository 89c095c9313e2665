"""Anthropic's Messages API through the ``anthropic`` SDK (an optional extra, imported lazily)."""

from __future__ import annotations

import json
from typing import Any

from tracehound.errors import TracehoundError, UsageError
from tracehound.llm.base import Message, ModelResponse, ToolCall, ToolSpec, Usage

DEFAULT_MAX_TOKENS = 4096


def _sdk() -> Any:
    try:
        import anthropic
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise UsageError(
            "the anthropic package is not installed", "pip install 'tracehound[anthropic]'"
        ) from exc
    return anthropic


def to_anthropic(messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    """The system prompt apart, and the turns with tool results as user content blocks."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if turns and turns[-1]["role"] == "user" and isinstance(turns[-1]["content"], list):
                turns[-1]["content"].append(block)
            else:
                turns.append({"role": "user", "content": [block]})
        elif m.role == "assistant" and m.tool_calls:
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": m.content}] if m.content else []
            )
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": json.loads(c.arguments)}
                for c in m.tool_calls
            ]
            turns.append({"role": "assistant", "content": blocks})
        else:
            turns.append({"role": m.role, "content": m.content})
    return system, turns


class AnthropicModel:
    """A Claude model; tools map to ``tool_use`` / ``tool_result`` blocks."""

    def __init__(self, name: str, api_key: str | None, base_url: str | None, timeout: float):
        anthropic = _sdk()
        self.name = name
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1
        )

    def request(self, messages: list[Message], tools: list[ToolSpec]) -> ModelResponse:
        anthropic = _sdk()
        system, turns = to_anthropic(messages)
        kwargs: dict[str, Any] = {
            "model": self.name,
            "max_tokens": DEFAULT_MAX_TOKENS,
            "messages": turns,
        }
        if system:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in tools
            ]
        try:
            reply = self._client.messages.create(**kwargs)
        except anthropic.APIError as exc:
            raise TracehoundError(f"model request to {self.name} failed: {exc}") from exc
        text = "".join(b.text for b in reply.content if b.type == "text")
        calls = tuple(
            ToolCall(b.id, b.name, json.dumps(b.input))
            for b in reply.content
            if b.type == "tool_use"
        )
        usage = Usage(int(reply.usage.input_tokens), int(reply.usage.output_tokens))
        return ModelResponse(text, calls, usage, reply.stop_reason or "", reply.model)
