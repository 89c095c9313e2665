"""``tracehound doctor``: what works and what does not, without changing anything.

Credentials are reported as present or absent, never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from tracehound.config import Settings, load_settings, resolve_db_path
from tracehound.errors import TracehoundError
from tracehound.store import SCHEMA_VERSION, Store

CREDENTIAL_VARIABLES = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "TRACEHOUND_AZURE_TOKEN",
)
ENDPOINT_VARIABLES = (
    "TRACEHOUND_LLM_BASE_URL",
    "TRACEHOUND_LA_ENDPOINT",
    "TRACEHOUND_ADX_CLUSTER",
    "TRACEHOUND_MDE_URL",
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def run_checks(db: Path | None, config: Path | None) -> list[Check]:
    checks: list[Check] = []
    try:
        settings = load_settings(config)
        where = str(settings.source) if settings.source else "none found (defaults apply)"
        checks.append(Check("config", True, where))
    except TracehoundError as exc:
        checks.append(Check("config", False, exc.message))
        settings = Settings()
    checks.append(_check_store(resolve_db_path(db, settings)))
    present = [v for v in CREDENTIAL_VARIABLES if os.environ.get(v)]
    checks.append(
        Check(
            "credentials",
            True,
            f"set: {', '.join(present)}"
            if present
            else "none set (offline mode: no model, no Azure)",
        )
    )
    for variable in ENDPOINT_VARIABLES:
        url = os.environ.get(variable)
        if url:
            checks.append(_check_reachable(variable, url))
    return checks


def _check_store(path: Path) -> Check:
    if not path.exists():
        return Check("store", True, f"{path} does not exist yet (created on first use)")
    try:
        with Store.open(path, read_only=True) as store:
            counts = store.row_counts()
    except TracehoundError as exc:
        return Check("store", False, exc.message)
    filled = sum(1 for n in counts.values() if n)
    return Check(
        "store",
        True,
        f"{path}: version {SCHEMA_VERSION}, {len(counts)} tables, {filled} with rows, "
        f"{sum(counts.values())} rows",
    )


def _check_reachable(variable: str, url: str) -> Check:
    verify: str | bool = os.environ.get("TRACEHOUND_CA_BUNDLE") or True
    try:
        response = httpx.get(url, timeout=5.0, verify=verify)
    except httpx.HTTPError as exc:
        return Check(variable, False, f"{url} unreachable: {type(exc).__name__}: {exc}")
    return Check(variable, True, f"{url} answered HTTP {response.status_code}")
