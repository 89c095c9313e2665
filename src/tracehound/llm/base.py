"""What the agent loop needs from a model, independent of the vendor.

Messages and tool calls are plain frozen dataclasses so the loop, the budget and the tests
never see a vendor SDK type; each provider converts at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for: an id to answer, a tool name, JSON arguments."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    """One turn of the conversation."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, its JSON-schema parameters."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens one model call consumed, as the provider reported them."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


@dataclass(frozen=True)
class ModelResponse:
    """What came back: text and/or tool calls, the usage, and why the model stopped."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""
    model: str = ""


class Model(Protocol):
    """A chat model with tool calling."""

    name: str

    def request(self, messages: list[Message], tools: list[ToolSpec]) -> ModelResponse:
        """One completion over *messages*, offering *tools*."""
        ...
