"""Which actions may run without a person: the policy file and the assets file (YAML).

Policy (``[response] policy`` or ``--policy``)::

    max_automatic_per_hour: 3          # across all rules
    critical_tiers: [tier0]            # assets in these tiers are never automatic
    rules:
      - name: contain-workstations
        actions: [isolate, av-scan]    # verbs this rule allows
        min_confidence: 0.9            # the proposal's confidence must be at least this
        tiers: [workstation]           # asset tiers this rule covers ("*" for any tier)

Assets (``[response] assets`` / ``assets.yaml``)::

    default_tier: workstation
    assets:
      - name: dc01.contoso.com         # device hostname or FQDN, or a user's UPN; exact, any case
        tier: tier0
      - name: ceo@contoso.com
        tier: vip
        critical: true                 # never automatic, whatever the tier

No policy file means nothing is automatic. Anything a rule does not allow is queued for a
person. Every decision carries the reasons, so `actions show` can explain it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracehound.errors import UsageError
from tracehound.respond.catalog import ACTIONS
from tracehound.respond.models import ActionRecord


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    actions: list[str]
    min_confidence: float = Field(ge=0, le=1)
    tiers: list[str] = Field(default_factory=lambda: ["*"])


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_automatic_per_hour: int = Field(default=0, ge=0)
    critical_tiers: list[str] = Field(default_factory=lambda: ["tier0", "critical"])
    rules: list[Rule] = Field(default_factory=list)


class Asset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tier: str | None = None
    critical: bool = False


class Assets(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_tier: str = "standard"
    assets: list[Asset] = Field(default_factory=list)

    def lookup(self, names: list[str]) -> tuple[str, bool]:
        """(tier, critical) of the first asset named like any of *names* (exact, any case)."""
        wanted = {n.strip().lower().rstrip(".") for n in names if n}
        for asset in self.assets:
            if asset.name.strip().lower().rstrip(".") in wanted:
                return asset.tier or self.default_tier, asset.critical
        return self.default_tier, False


def _load_yaml(path: Path, what: str) -> Any:
    if not path.is_file():
        raise UsageError(f"{what} file {path} does not exist", "check the path in [response]")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}", f"fix the {what} file") from exc


def _validated(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise UsageError(f"{path}: {problems}", "see docs/response.md") from exc


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    policy: Policy = _validated(Policy, _load_yaml(path, "policy"), path)
    for rule in policy.rules:
        unknown = [a for a in rule.actions if a not in ACTIONS]
        if unknown:
            raise UsageError(
                f"{path}: rule {rule.name!r} names unknown actions {unknown}",
                f"actions are: {', '.join(ACTIONS)}",
            )
    return policy


def load_assets(path: Path | None) -> Assets:
    if path is None:
        return Assets()
    assets: Assets = _validated(Assets, _load_yaml(path, "assets"), path)
    return assets


@dataclass(frozen=True)
class PolicyDecision:
    automatic: bool
    rule: str | None
    tier: str
    reasons: list[str] = field(default_factory=list)


def decide(
    policy: Policy, assets: Assets, record: ActionRecord, automatic_last_hour: int
) -> PolicyDecision:
    """May *record* run without a person? Every check that fails is named."""
    names = [record.target.name, record.target.name.split(".", 1)[0], record.target.id]
    tier, critical = assets.lookup(names)
    reasons: list[str] = []
    if critical or tier in policy.critical_tiers:
        reasons.append(f"{record.target.name} is a critical asset (tier {tier}): never automatic")
    if automatic_last_hour >= policy.max_automatic_per_hour:
        reasons.append(
            f"{automatic_last_hour} automatic actions in the last hour "
            f"(the policy allows {policy.max_automatic_per_hour})"
        )
    if reasons:
        return PolicyDecision(False, None, tier, reasons)
    misses: list[str] = []
    for rule in policy.rules:
        if record.verb not in rule.actions:
            misses.append(f"rule {rule.name}: does not cover {record.verb}")
        elif "*" not in rule.tiers and tier not in rule.tiers:
            misses.append(f"rule {rule.name}: does not cover tier {tier}")
        elif record.confidence is None or record.confidence < rule.min_confidence:
            misses.append(
                f"rule {rule.name}: confidence {record.confidence} below {rule.min_confidence}"
            )
        else:
            return PolicyDecision(True, rule.name, tier, [f"allowed by rule {rule.name}"])
    return PolicyDecision(False, None, tier, misses or ["no policy rule allows automatic actions"])
