"""Confidence for a verified finding, behind a small protocol.

The detection capability owns the project's scorer (``tracehound.score``); until it is
importable, ``FactorScorer`` adds up explicit, named factors so every score shows its
reasons. Swapping scorers is one line in ``default_scorer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .findings import Confidence, Factor

BASE_POINTS: dict[str, int] = {"low": 25, "medium": 40, "high": 55}
BANDS: tuple[tuple[int, str], ...] = ((70, "High"), (40, "Medium"), (0, "Low"))


@dataclass(frozen=True)
class Signals:
    """What is known about a finding when it is scored."""

    severity: str  # the hunt's (or, for model findings, "medium")
    evidence_rows: int
    techniques: int
    corroborating_hunts: int = 0  # other hunts that found the same host or account
    named_in_request: bool = False
    extra: tuple[Factor, ...] = field(default_factory=tuple)  # hunt-specific factors earned


class Scorer(Protocol):
    def score(self, signals: Signals) -> Confidence: ...


def band_of(score: int) -> str:
    return next(name for floor, name in BANDS if score >= floor)


class FactorScorer:
    """Base points by severity plus named factors, capped to 0..100."""

    def score(self, signals: Signals) -> Confidence:
        factors = [
            Factor(
                name="severity",
                points=BASE_POINTS.get(signals.severity, 40),
                reason=f"{signals.severity}-severity behaviour",
            )
        ]
        if signals.evidence_rows >= 3:
            factors.append(
                Factor(
                    name="evidence",
                    points=5,
                    reason=f"{signals.evidence_rows} cited rows verified in the store",
                )
            )
        if signals.techniques >= 2:
            factors.append(
                Factor(name="techniques", points=5, reason="maps to more than one ATT&CK technique")
            )
        if signals.corroborating_hunts:
            factors.append(
                Factor(
                    name="corroboration",
                    points=min(20, 10 * signals.corroborating_hunts),
                    reason=f"{signals.corroborating_hunts} other hunt(s) found the same entity",
                )
            )
        if signals.named_in_request:
            factors.append(
                Factor(name="scope", points=5, reason="concerns the entity the request named")
            )
        factors.extend(signals.extra)
        total = max(0, min(100, sum(f.points for f in factors)))
        return Confidence(score=total, band=band_of(total), factors=factors)  # type: ignore[arg-type]


def default_scorer() -> Scorer:
    return FactorScorer()
