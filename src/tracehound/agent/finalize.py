"""From proposed findings to the ones a person sees: verify, score, propose containment."""

from __future__ import annotations

from dataclasses import dataclass

from . import actions
from .context import HuntContext
from .evidence import EvidenceVerifier
from .findings import Factor, Finding, ProposedFinding, Rejected
from .offline import corroboration
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
    named: set[str],
    propose_min_score: float,
) -> tuple[list[Finding], list[Rejected], list[actions.ProposedAction]]:
    verifier = EvidenceVerifier(ctx.backend, ctx.guard, ctx.ledger, ctx.window)
    kept: list[tuple[Candidate, int]] = []
    rejected: list[Rejected] = []
    for c in candidates:
        verified, reasons = verifier.verify(c.proposed)
        if verified is None:
            rejected.append(Rejected(title=c.proposed.title, source=c.source, reasons=reasons))
        else:
            kept.append((c, len(verified.rows)))
    support = corroboration([c.proposed for c, _ in kept], [c.source for c, _ in kept])
    findings: list[Finding] = []
    proposals: list[actions.ProposedAction] = []
    for c, rows in kept:
        p = c.proposed
        entities = {e.lower() for e in (*p.hosts, *p.accounts)}
        others = max((support[e] for e in entities), default=1) - 1
        confidence = scorer.score(
            Signals(
                severity=c.severity,
                evidence_rows=rows,
                techniques=len(p.techniques),
                corroborating_hunts=others,
                named_in_request=bool(entities & named),
                extra=c.factors,
            )
        )
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
    findings.sort(key=lambda f: -f.confidence.score)
    return findings, rejected, proposals


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
