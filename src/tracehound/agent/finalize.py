"""From proposed findings to the ones a person sees: verify, score, propose containment."""

from __future__ import annotations

from dataclasses import dataclass

from . import actions
from .context import HuntContext
from .evidence import EvidenceVerifier
from .findings import Factor, Finding, ProposedFinding, Rejected
from .scoring import Scorer, Signals

CONTAINMENT_DEFAULTS: dict[str, str] = {"host": "isolate_device", "account": "disable_user"}


@dataclass(frozen=True)
class Candidate:
    source: str  # "hunt:<id>" or "model"
    severity: str
    proposed: ProposedFinding
    factors: tuple[Factor, ...] = ()
    containment: tuple[tuple[str, str], ...] = ()  # (scope, action)


def finalize(
    ctx: HuntContext,
    candidates: list[Candidate],
    scorer: Scorer,
    propose_min_score: float,
) -> tuple[list[Finding], list[Rejected], list[actions.ProposedAction]]:
    verifier = EvidenceVerifier(ctx.backend, ctx.guard, ctx.ledger, ctx.window)
    kept: list[Candidate] = []
    rejected: list[Rejected] = []
    for c in candidates:
        verified, reasons = verifier.verify(c.proposed)
        if verified is None:
            rejected.append(Rejected(title=c.proposed.title, source=c.source, reasons=reasons))
        else:
            kept.append(c)
    confidences = scorer.score_all(
        [
            Signals(
                source=c.source,
                severity=c.severity,
                techniques=tuple(c.proposed.techniques),
                hosts=tuple(c.proposed.hosts),
                accounts=tuple(c.proposed.accounts),
                extra=c.factors,
            )
            for c in kept
        ]
    )
    findings: list[Finding] = []
    proposals: list[actions.ProposedAction] = []
    for c, confidence in zip(kept, confidences, strict=True):
        p = c.proposed
        finding = Finding(
            title=p.title,
            summary=p.summary,
            techniques=p.techniques,
            confidence=confidence,
            model_confidence=p.confidence,
            iocs=p.iocs,
            evidence=p.evidence,
            recommendations=p.recommendations,
            hosts=p.hosts,
            accounts=p.accounts,
            source=c.source,
        )
        findings.append(finding)
        if confidence.score >= propose_min_score * 100:
            proposals += _containment(c, finding)
    findings.sort(key=lambda f: (-f.confidence.score, not f.source.startswith("hunt:")))
    return findings, rejected, _one_per_target(proposals)


def _one_per_target(proposals: list[actions.ProposedAction]) -> list[actions.ProposedAction]:
    """One proposal per action and target (the most confident): two findings about the same
    host must not queue two isolations for a person to approve twice."""
    best: dict[tuple[str, str], actions.ProposedAction] = {}
    for proposal in proposals:
        key = (proposal.action, proposal.target.lower())
        if key not in best or proposal.confidence > best[key].confidence:
            best[key] = proposal
    return list(best.values())


def _containment(c: Candidate, finding: Finding) -> list[actions.ProposedAction]:
    chosen = dict(c.containment) or CONTAINMENT_DEFAULTS
    evidence = [e.model_dump() for e in finding.evidence]
    out = []
    for scope, targets in (("host", finding.hosts), ("account", finding.accounts)):
        action = chosen.get(scope)
        if action is None:
            continue
        for target in targets[:1]:
            out.append(
                actions.propose(
                    action,
                    scope,
                    target,
                    f"{finding.title} (confidence {finding.confidence.score})",
                    finding.confidence.score,
                    finding.title,
                    evidence,
                )
            )
    return out
