"""The one configuration file (TOML) and the environment variables that override it.

Looked up as ``--config PATH``, else ``TRACEHOUND_CONFIG``, else ``./tracehound.toml``; a missing
default file is fine (defaults apply), a missing explicit file is a usage error.
Later capabilities add their own sections (guardrails, assets, policy, prices, models); unknown
sections are kept in ``extra`` so an older release reading a newer file does not fail.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracehound.backends.factory import BackendSettings
from tracehound.errors import UsageError
from tracehound.respond.settings import ResponseSettings

DEFAULT_CONFIG = Path("tracehound.toml")
DEFAULT_DB = Path.home() / ".local" / "share" / "tracehound" / "tracehound.duckdb"


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path | None = None


class QuerySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_limit: int = Field(default=1000, ge=1)
    timeout_seconds: float = Field(default=300.0, gt=0)
    externaldata: dict[str, Path] = Field(
        default_factory=dict,
        description="URL -> local file, so `externaldata` runs offline",
    )


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow")
    store: StoreSettings = Field(default_factory=StoreSettings)
    query: QuerySettings = Field(default_factory=QuerySettings)
    backend: BackendSettings = Field(default_factory=BackendSettings)
    response: ResponseSettings = Field(default_factory=ResponseSettings)
    source: Path | None = None

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def load_settings(path: Path | None = None) -> Settings:
    """Read the configuration file; environment variables are applied by the callers' options."""
    explicit = path or (
        Path(os.environ["TRACEHOUND_CONFIG"]) if "TRACEHOUND_CONFIG" in os.environ else None
    )
    chosen = explicit or DEFAULT_CONFIG
    if not chosen.exists():
        if explicit is not None:
            raise UsageError(
                f"configuration file {chosen} does not exist", "check --config / TRACEHOUND_CONFIG"
            )
        return Settings()
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{chosen}: not valid TOML: {exc}", "fix the file or point --config elsewhere"
        ) from exc
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise UsageError(f"{chosen}: {problems}", "see docs/configuration.md") from exc
    settings.source = chosen
    return settings


def resolve_db_path(cli_value: Path | None, settings: Settings) -> Path:
    """``--db``, else ``TRACEHOUND_DB``, else the config's ``[store] path``, else the default."""
    if cli_value is not None:
        return cli_value
    if os.environ.get("TRACEHOUND_DB"):
        return Path(os.environ["TRACEHOUND_DB"])
    if settings.store.path is not None:
        return settings.store.path
    return DEFAULT_DB
