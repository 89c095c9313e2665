"""Model prices (USD per million tokens), read from data: the shipped table plus the config.

An unknown model has no price; the caller decides (a local model is free, a paid one with no
price is refused unless the configuration marks it free), so cost is never silently zero.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from tracehound.llm.base import Usage


class Price(BaseModel):
    """USD per million input, output and reasoning tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    reasoning: float | None = Field(default=None, ge=0)

    def cost(self, usage: Usage) -> float:
        """Dollars for *usage*; reasoning tokens are billed as output unless priced apart."""
        reasoning = self.output if self.reasoning is None else self.reasoning
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.reasoning_tokens * reasoning
        ) / 1_000_000


@dataclass(frozen=True)
class PriceTable:
    """Model name -> price; the longest configured prefix wins for dated model names."""

    prices: dict[str, Price]

    def get(self, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        matches = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(matches, key=len)] if matches else None

    def rows(self) -> list[tuple[str, Price]]:
        return sorted(self.prices.items(), key=lambda item: item[1].input)


def default_prices() -> dict[str, Price]:
    data = tomllib.loads(resources.files(__package__).joinpath("prices.toml").read_text("utf-8"))
    return {name: Price.model_validate(value) for name, value in data["prices"].items()}


def price_table(overrides: dict[str, Price] | None = None) -> PriceTable:
    """The shipped prices with the configuration's entries on top."""
    return PriceTable({**default_prices(), **(overrides or {})})
