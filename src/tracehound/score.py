"""Explainable confidence (0-100) for alerts: every point comes from a listed factor.

Factors: the rule's level and fidelity, the asset's criticality (assets file), corroboration by
other rules and tactics on the same entity, the artifact's prevalence across the fleet, analyst
feedback on past alerts of the same rule, and allowlists. Bands: High >= 70, Medium >= 40 by
default (``[detection] high_threshold / medium_threshold`` in the configuration).
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tracehound.detect.alerts import Alert
from tracehound.errors import UsageError

SEVERITY_BASE = {"informational": 10, "low": 25, "medium": 40, "high": 55, "critical": 65}
FIDELITY_DELTA = {"low": -10, "medium": 0, "high": 10}
CRITICALITY_DELTA = {"low": 0, "medium": 5, "high": 10, "critical": 15}
FEEDBACK_DELTA = {"true_positive": 10, "benign_true_positive": -10, "false_positive": -15}
FEEDBACK_CAP = 30
CORROBORATION_PER_RULE = 5
CORROBORATION_CAP = 15
MULTI_TACTIC_BONUS = 10
MULTI_TACTIC_MIN = 3
CORROBORATION_WINDOW = timedelta(hours=24)
RARE_BONUS = 5
COMMON_PENALTY = -10
ALLOWLIST_PENALTY = -40


class DetectionSettings(BaseModel):
    """The ``[detection]`` section of the configuration."""

    model_config = ConfigDict(extra="forbid")
    high_threshold: int = Field(default=70, ge=1, le=100)
    medium_threshold: int = Field(default=40, ge=0, le=100)
    assets_file: Path | None = None
    allowlist: dict[str, list[str]] = Field(
        default_factory=dict, description="entity kind -> glob patterns that are known good"
    )
    incident_gap_hours: float = Field(default=24.0, gt=0)


def detection_settings(extra: dict[str, Any]) -> DetectionSettings:
    try:
        return DetectionSettings.model_validate(extra.get("detection") or {})
    except Exception as exc:
        raise UsageError(f"[detection] settings: {exc}", "see docs/detections.md") from exc


def band(confidence: int, settings: DetectionSettings) -> str:
    if confidence >= settings.high_threshold:
        return "High"
    if confidence >= settings.medium_threshold:
        return "Medium"
    return "Low"


def load_assets(path: Path | None) -> dict[str, str]:
    """Host glob pattern -> criticality, from a YAML file ``{assets: [{host, criticality}]}``."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(
            f"assets file {path}: {exc}", "fix the file or [detection] assets_file"
        ) from exc
    out: dict[str, str] = {}
    for item in data.get("assets") or []:
        level = str(item.get("criticality", "")).lower()
        if level not in CRITICALITY_DELTA:
            raise UsageError(
                f"assets file {path}: criticality {level!r} for {item.get('host')!r}",
                f"use one of {', '.join(CRITICALITY_DELTA)}",
            )
        out[str(item["host"]).lower()] = level
    return out


@dataclass
class ScoringContext:
    """What scoring knows beyond the alert itself."""

    settings: DetectionSettings = field(default_factory=DetectionSettings)
    assets: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)  # rule -> classification -> n
    prevalence: dict[str, int] = field(default_factory=dict)  # lower-cased process name -> hosts
    fleet_size: int = 0
    neighbours: list[Alert] = field(default_factory=list)  # other alerts for corroboration


def _factor(name: str, delta: int, reason: str) -> dict[str, Any]:
    return {"factor": name, "delta": delta, "reason": reason}


def score(alert: Alert, context: ScoringContext, corroboration: dict[str, Any]) -> None:
    """Set ``confidence``, ``band`` and ``factors`` on *alert*."""
    factors = [
        _factor("rule level", SEVERITY_BASE[alert.severity], f"rule severity {alert.severity}"),
    ]
    fidelity = alert.fidelity
    if FIDELITY_DELTA.get(fidelity, 0):
        factors.append(
            _factor("rule fidelity", FIDELITY_DELTA[fidelity], f"rule fidelity {fidelity}")
        )
    factors += _asset_factor(alert, context.assets)
    factors += _corroboration_factors(alert, corroboration)
    factors += _prevalence_factor(alert, context)
    factors += _feedback_factor(alert, context.feedback)
    factors += _allowlist_factor(alert, context.settings.allowlist)
    total = sum(f["delta"] for f in factors)
    alert.confidence = max(0, min(100, total))
    alert.band = band(alert.confidence, context.settings)
    alert.factors = factors


def _asset_factor(alert: Alert, assets: dict[str, str]) -> list[dict[str, Any]]:
    best: tuple[int, str, str] | None = None
    for host in alert.entities.get("host", []):
        for pattern, level in assets.items():
            if fnmatch.fnmatch(host.lower(), pattern):
                delta = CRITICALITY_DELTA[level]
                if best is None or delta > best[0]:
                    best = (delta, host, level)
    if best is None or best[0] == 0:
        return []
    return [_factor("asset criticality", best[0], f"{best[1]} is a {best[2]}-criticality asset")]


def entity_keys(alert: Alert) -> set[str]:
    """Keys that join alerts into incidents: hosts and personal accounts; an alert naming
    neither (a password spray, a malicious flow) is keyed by its addresses, so it still becomes
    an incident instead of waiting unseen in the alert list."""
    keys = {f"host:{h.lower()}" for h in alert.entities.get("host", [])} | {
        f"account:{a.lower()}" for a in alert.entities.get("account", []) if _personal(a)
    }
    return keys or {f"ip:{i.lower()}" for i in alert.entities.get("ip", [])}


#: Accounts every machine runs as: sharing one says nothing about two alerts being related.
SHARED_ACCOUNTS = frozenset(
    {"system", "local service", "network service", "-", "anonymous logon", "", "n/a", "unknown"}
)


def _personal(account: str) -> bool:
    lowered = account.lower()
    return lowered not in SHARED_ACCOUNTS and not lowered.endswith("$")


def corroboration_index(alerts: Iterable[Alert]) -> dict[str, list[Alert]]:
    index: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        for key in entity_keys(alert):
            index[key].append(alert)
    return index


def _near(a: Alert, b: Alert) -> bool:
    if a.first_seen is None or b.first_seen is None or a.last_seen is None or b.last_seen is None:
        return True
    return (
        b.first_seen - CORROBORATION_WINDOW <= a.last_seen
        and a.first_seen <= b.last_seen + CORROBORATION_WINDOW
    )


def _corroboration_factors(alert: Alert, index: dict[str, Any]) -> list[dict[str, Any]]:
    rules: set[str] = set()
    tactics: set[str] = set(alert.tactics)
    for key in entity_keys(alert):
        for other in index.get(key, []):
            if other.rule_id != alert.rule_id and _near(alert, other):
                rules.add(other.rule_id)
                tactics.update(other.tactics)
    out = []
    if rules:
        delta = min(CORROBORATION_CAP, CORROBORATION_PER_RULE * len(rules))
        out.append(
            _factor(
                "corroboration",
                delta,
                f"{len(rules)} other rule(s) fired on the same entity within 24h",
            )
        )
    if len(tactics) >= MULTI_TACTIC_MIN:
        out.append(
            _factor(
                "tactic spread",
                MULTI_TACTIC_BONUS,
                f"{len(tactics)} ATT&CK tactics on the same entity: {', '.join(sorted(tactics))}",
            )
        )
    return out


def _prevalence_factor(alert: Alert, context: ScoringContext) -> list[dict[str, Any]]:
    name = str(alert.details.get("FileName") or "").lower()
    if not name or context.fleet_size < 5 or name not in context.prevalence:
        return []
    hosts = context.prevalence[name]
    if hosts <= max(1, context.fleet_size // 20):
        return [
            _factor(
                "prevalence",
                RARE_BONUS,
                f"{name} ran on {hosts} of {context.fleet_size} hosts (rare)",
            )
        ]
    if hosts * 2 >= context.fleet_size:
        return [
            _factor(
                "prevalence",
                COMMON_PENALTY,
                f"{name} ran on {hosts} of {context.fleet_size} hosts (common)",
            )
        ]
    return []


def _feedback_factor(alert: Alert, feedback: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    past = feedback.get(alert.rule_id) or {}
    delta = sum(FEEDBACK_DELTA.get(k, 0) * n for k, n in past.items())
    delta = max(-FEEDBACK_CAP, min(FEEDBACK_CAP, delta))
    if not delta:
        return []
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(past.items()))
    return [
        _factor("analyst feedback", delta, f"past incidents with this rule closed as: {summary}")
    ]


def _allowlist_factor(alert: Alert, allowlist: dict[str, list[str]]) -> list[dict[str, Any]]:
    for kind, patterns in allowlist.items():
        for value in alert.entities.get(kind, []):
            for pattern in patterns:
                if fnmatch.fnmatch(value.lower(), pattern.lower()):
                    return [
                        _factor(
                            "allowlist",
                            ALLOWLIST_PENALTY,
                            f"{kind} {value} matches allowlist entry {pattern!r}",
                        )
                    ]
    return []


def score_all(alerts: list[Alert], context: ScoringContext) -> None:
    """Score *alerts*, corroborating each against the others and the context's neighbours."""
    index = corroboration_index([*alerts, *context.neighbours])
    for alert in alerts:
        score(alert, context, index)
