"""Choosing the backend: ``--backend``, else ``TRACEHOUND_BACKEND``, else ``[backend] name``."""

from __future__ import annotations

import os
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tracehound.backends.base import LogBackend
from tracehound.errors import UsageError


class BackendName(StrEnum):
    local = "local"
    loganalytics = "loganalytics"
    adx = "adx"


class BackendSettings(BaseModel):
    """The ``[backend]`` section of the configuration file."""

    model_config = ConfigDict(extra="forbid")
    name: BackendName = BackendName.local
    workspaces: list[str] = Field(default_factory=list)
    endpoint: str | None = None
    adx_cluster: str | None = None
    adx_database: str | None = None
    max_concurrency: int = Field(default=4, ge=1, le=32)


def chosen_backend(cli_value: BackendName | None, settings: BackendSettings) -> BackendName:
    if cli_value is not None:
        return cli_value
    env = os.environ.get("TRACEHOUND_BACKEND")
    if env:
        try:
            return BackendName(env.strip().lower())
        except ValueError as exc:
            raise UsageError(
                f"TRACEHOUND_BACKEND={env!r} is not a backend", "use local, loganalytics or adx"
            ) from exc
    return settings.name


def remote_backend(name: BackendName, settings: BackendSettings) -> LogBackend:
    """An Azure backend configured from the environment, then the configuration file."""
    if name is BackendName.loganalytics:
        from tracehound.backends.loganalytics import LogAnalyticsBackend

        env = os.environ.get("TRACEHOUND_LA_WORKSPACE", "")
        workspaces = [w.strip() for w in env.split(",") if w.strip()] or settings.workspaces
        endpoint = os.environ.get("TRACEHOUND_LA_ENDPOINT") or settings.endpoint
        return LogAnalyticsBackend(workspaces, endpoint, settings.max_concurrency)
    if name is BackendName.adx:
        from tracehound.backends.adx import AdxBackend

        cluster = os.environ.get("TRACEHOUND_ADX_CLUSTER") or settings.adx_cluster or ""
        database = os.environ.get("TRACEHOUND_ADX_DATABASE") or settings.adx_database or ""
        return AdxBackend(cluster, database)
    raise UsageError(f"{name} is not a remote backend")


__all__ = ["BackendName", "BackendSettings", "chosen_backend", "remote_backend"]
