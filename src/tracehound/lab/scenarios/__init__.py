"""Attack scenarios: small stories woven into the background, each with its ground truth."""

from __future__ import annotations

from .registry import SCENARIOS, run_scenarios

__all__ = ["SCENARIOS", "run_scenarios"]
