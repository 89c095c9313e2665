"""The ``[response]`` section of the configuration file, and the environment that overrides it.

``TRACEHOUND_MDE_URL`` (the Defender API base without ``/api``), ``TRACEHOUND_GRAPH_URL``,
``TRACEHOUND_CA_BUNDLE`` and ``TRACEHOUND_AZURE_TOKEN`` win over the file, so tests and
air-gapped proxies need no file at all. Secrets are never read from the file.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MDE_URL = "https://api.security.microsoft.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
MDE_SCOPE = "https://api.securitycenter.microsoft.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class CredentialKind(StrEnum):
    default = "default"  # azure-identity DefaultAzureCredential chain
    client_secret = "client_secret"  # AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
    certificate = "certificate"  # AZURE_TENANT_ID, AZURE_CLIENT_ID, certificate file


class ResponseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: Path | None = None
    assets: Path | None = None
    mde_url: str | None = None
    graph_url: str | None = None
    mde_scope: str = MDE_SCOPE
    graph_scope: str = GRAPH_SCOPE
    credential: CredentialKind = CredentialKind.default
    tenant_id: str | None = None
    client_id: str | None = None
    certificate_path: Path | None = None
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    poll_interval_seconds: float = Field(default=5.0, ge=0)
    poll_timeout_seconds: float = Field(default=900.0, gt=0)

    def mde_base(self) -> str:
        return (os.environ.get("TRACEHOUND_MDE_URL") or self.mde_url or DEFAULT_MDE_URL).rstrip("/")

    def graph_base(self) -> str:
        return (
            os.environ.get("TRACEHOUND_GRAPH_URL") or self.graph_url or DEFAULT_GRAPH_URL
        ).rstrip("/")
