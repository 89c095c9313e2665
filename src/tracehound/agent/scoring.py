"""Confidence for verified findings: the project's scorer (:mod:`tracehound.score`) behind the
agent's small ``Scorer`` protocol.

Each finding is scored as the alert it amounts to: its severity is the rule level, the other
findings of the same hunt are the neighbours that corroborate it (another source on the same
host or account, tactic spread), and the asset file, allowlist and bands come from the
``[detection]`` settings. Factors a hunt template earned from its result row (``volume``,
``spraying``...) are added after, each listed with its reason like every other point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from tracehound.attack import catalog
from tracehound.detect.alerts import Alert
from tracehound.score import (
    DetectionSettings,
    ScoringContext,
    band,
    corroboration_index,
    load_assets,
    score,
)

from .findings import Confidence, Factor


@dataclass(frozen=True)
class Signals:
    """What is known about a finding when it is scored."""

    source: str  # "hunt:<id>", "detection:<rule>" or "model"
    severity: str  # informational | low | medium | high | critical
    techniques: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    extra: tuple[Factor, ...] = field(default_factory=tuple)  # hunt-specific factors earned


class Scorer(Protocol):
    def score_all(self, items: list[Signals]) -> list[Confidence]: ...


def _tactics(techniques: tuple[str, ...]) -> tuple[str, ...]:
    attack = catalog()
    seen: dict[str, None] = {}
    for tid in techniques:
        for tactic in attack.tactics_of(tid):
            seen.setdefault(tactic, None)
    return tuple(seen)


def as_alert(index: int, s: Signals) -> Alert:
    """The alert a finding amounts to, for :func:`tracehound.score.score`."""
    return Alert(
        id=f"finding-{index}",
        rule_id=s.source,
        title=s.source,
        severity=s.severity if s.severity in _SEVERITIES else "medium",
        techniques=s.techniques,
        tactics=_tactics(s.techniques),
        first_seen=None,
        last_seen=None,
        entities={"host": list(s.hosts), "account": list(s.accounts)},
        evidence=[],
        evidence_count=0,
        details={},
    )


_SEVERITIES = frozenset({"informational", "low", "medium", "high", "critical"})


def _factor(item: dict[str, Any]) -> Factor:
    return Factor(name=str(item["factor"]), points=int(item["delta"]), reason=str(item["reason"]))


class ProjectScorer:
    """``tracehound.score`` for a hunt's findings, plus the factors hunt templates earned."""

    def __init__(self, settings: DetectionSettings | None = None) -> None:
        self.settings = settings or DetectionSettings()
        self.context = ScoringContext(
            settings=self.settings, assets=load_assets(self.settings.assets_file)
        )

    def score_all(self, items: list[Signals]) -> list[Confidence]:
        alerts = [as_alert(i, s) for i, s in enumerate(items)]
        index = corroboration_index(alerts)
        out = []
        for alert, signals in zip(alerts, items, strict=True):
            score(alert, self.context, index)
            factors = [_factor(f) for f in alert.factors] + list(signals.extra)
            total = max(0, min(100, sum(f.points for f in factors)))
            out.append(
                Confidence(score=total, band=band(total, self.settings), factors=factors)  # type: ignore[arg-type]
            )
        return out


def default_scorer(extra: dict[str, Any] | None = None) -> Scorer:
    """The project scorer under the configuration's ``[detection]`` section."""
    from tracehound.score import detection_settings

    return ProjectScorer(detection_settings(extra or {}))
