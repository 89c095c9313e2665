"""The hunt library: parameterized KQL hunts as YAML package data (``agent/hunts/*.yaml``).

A hunt says what it looks for (description, keywords, ATT&CK ids), which tables it reads,
which entities it can be scoped to, its KQL (values only through ``declare
query_parameters``) and how a result row becomes a finding (title, evidence columns, IOC
columns, score factors, recommendations, containment).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracehound.errors import TracehoundError

Scope = Literal["host", "account", "ip"]


class EvidenceColumn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    table: str


class ScoreFactor(BaseModel):
    """Points a result row earns when a column reaches a threshold or matches a pattern."""

    model_config = ConfigDict(extra="forbid")
    name: str
    column: str
    at_least: float | None = None
    matches: str | None = None
    points: int
    reason: str


class FindingTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    summary: str
    evidence: list[EvidenceColumn] = Field(min_length=1)
    hosts: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    iocs: dict[str, list[str]] = Field(default_factory=dict)
    score: list[ScoreFactor] = Field(default_factory=list)
    recommendations: list[str] = Field(min_length=1)
    containment: dict[Scope, str] = Field(default_factory=dict)


class Hunt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    description: str
    keywords: list[str]
    techniques: list[str]
    tables: list[str] = Field(min_length=1)
    scope: list[Scope] = Field(default_factory=list)
    severity: Literal["low", "medium", "high"]
    kql: str
    finding: FindingTemplate

    @property
    def text(self) -> str:
        """What retrieval indexes."""
        return " ".join([self.title, self.description, *self.keywords, *self.tables])


@cache
def load_library() -> tuple[Hunt, ...]:
    """Every hunt shipped in ``agent/hunts``; a malformed file is an error naming the file."""
    hunts = []
    folder = resources.files("tracehound.agent").joinpath("hunts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            hunts.append(Hunt.model_validate(yaml.safe_load(entry.read_text("utf-8"))))
        except (yaml.YAMLError, ValidationError) as exc:
            raise TracehoundError(f"hunt library file {entry.name} is invalid: {exc}") from exc
    return tuple(hunts)


def hunt_by_id(hunt_id: str) -> Hunt | None:
    return next((h for h in load_library() if h.id == hunt_id), None)
