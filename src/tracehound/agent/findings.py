"""The typed findings a hunt returns, and the shape a model must answer in.

``ProposedFinding`` is what the offline planner or a model proposes; only after evidence
verification (``agent/evidence.py``) and scoring does it become a ``Finding``. The model's
own confidence is kept apart (``model_confidence``); the one shown is the scorer's.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IocType = Literal[
    "ip", "account", "host", "domain", "url", "sha256", "sha1", "md5", "file", "process", "other"
]


class Evidence(BaseModel):
    """One cited row: the table and its ``_RowId``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str
    row_id: str


class Ioc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: IocType
    value: str = Field(min_length=1)


class Factor(BaseModel):
    """One reason the score is what it is."""

    name: str
    points: int
    reason: str


class Confidence(BaseModel):
    score: int = Field(ge=0, le=100)
    band: Literal["Low", "Medium", "High"]
    factors: list[Factor]


class ProposedFinding(BaseModel):
    """A finding before verification: every field checked against the evidence."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=3, max_length=200)
    summary: str = ""
    techniques: list[str] = Field(default_factory=list)
    iocs: list[Ioc] = Field(default_factory=list)
    evidence: list[Evidence] = Field(min_length=1)
    recommendations: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    confidence: Literal["Low", "Medium", "High"] | None = None
    benign_explanation: str | None = None


class FinalAnswer(BaseModel):
    """What a model must return at the end of a hunt (JSON)."""

    model_config = ConfigDict(extra="forbid")
    summary: str = ""
    findings: list[ProposedFinding] = Field(default_factory=list)


class Finding(BaseModel):
    """A verified, scored finding."""

    title: str
    summary: str
    techniques: list[str]
    confidence: Confidence
    model_confidence: str | None = None
    iocs: list[Ioc]
    evidence: list[Evidence]
    recommendations: list[str]
    hosts: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    source: str
    notes: list[str] = Field(default_factory=list)


class Rejected(BaseModel):
    """A proposed finding that failed verification, and why."""

    title: str
    source: str
    reasons: list[str]


class QueryRecord(BaseModel):
    """One query the hunt ran (or tried), for provenance."""

    purpose: str
    kql: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    tables: list[str] = Field(default_factory=list)
    rows: int = 0
    truncated: bool = False
    error: str | None = None
    seconds: float = 0.0
