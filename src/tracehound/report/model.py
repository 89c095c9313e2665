"""The incident report as one typed, versioned structure; every renderer reads only this.

``schema_version`` follows semantic versioning: a new optional field is a minor bump, a
renamed or removed one a major bump (docs/reports.md documents the fields).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.0.0"


class TimelineEntry(BaseModel):
    timestamp: str  # ISO-8601 UTC with Z
    table: str
    row_id: str
    action: str
    summary: str
    techniques: list[str]
    device: str | None = None
    kind: str = "evidence"  # evidence | related | context
    via: list[str] = Field(default_factory=list)


class AssetEntry(BaseModel):
    kind: str
    value: str
    roles: list[str]
    first_seen: str | None
    last_seen: str | None
    rows: int


class EvidenceRow(BaseModel):
    table: str
    row_id: str
    timestamp: str | None = None
    summary: str = ""


class FindingEntry(BaseModel):
    id: str
    title: str
    rule_id: str
    severity: str
    band: str
    confidence: int
    techniques: list[str]
    first_seen: str | None
    last_seen: str | None
    evidence_count: int
    evidence: list[EvidenceRow]
    factors: list[dict[str, Any]] = Field(default_factory=list)


class TechniqueRef(BaseModel):
    id: str
    name: str
    url: str


class TacticEntry(BaseModel):
    tactic: str
    name: str
    techniques: list[TechniqueRef]


class Ioc(BaseModel):
    type: str  # ipv4-addr | ipv6-addr | domain-name | url | sha256
    value: str  # exact
    defanged: str  # safe to show in prose
    rows: int
    first_seen: str | None = None
    last_seen: str | None = None


class Mitigation(BaseModel):
    id: str
    name: str
    description: str
    url: str


class Remediation(BaseModel):
    technique: str
    name: str
    mitigations: list[Mitigation]


class ActionEntry(BaseModel):
    id: str
    action: str
    target: str
    status: str
    reason: str
    requested_by: str
    created_at: str
    approval: dict[str, Any] | None = None


class QueryEntry(BaseModel):
    purpose: str
    kql: str
    parameters: dict[str, Any]
    rows: int | None = None
    truncated: bool = False


class TreeNode(BaseModel):
    name: str
    pid: int | None
    command_line: str
    account: str
    started: str | None
    row_id: str | None
    suspicious: bool = False
    children: list[TreeNode] = Field(default_factory=list)


class ProcessTreeEntry(BaseModel):
    device: str
    root: TreeNode


class IncidentReport(BaseModel):
    schema_version: str = SCHEMA_VERSION
    generated_at: str
    generator: str
    incident: dict[str, Any]
    executive_summary: str
    scope: dict[str, Any]
    timeline: list[TimelineEntry]
    assets: list[AssetEntry]
    findings: list[FindingEntry]
    attack: list[TacticEntry]
    iocs: list[Ioc]
    remediation: list[Remediation]
    actions: list[ActionEntry]
    process_trees: list[ProcessTreeEntry]
    related_alerts: list[dict[str, Any]]
    related_incidents: list[dict[str, Any]]
    queries: list[QueryEntry]
    limitations: list[str]
