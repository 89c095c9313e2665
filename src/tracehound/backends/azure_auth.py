"""Credentials and TLS settings shared by every Azure client (imported lazily).

``TRACEHOUND_AZURE_TOKEN`` supplies a static bearer token (tests, air-gapped proxies);
otherwise ``azure-identity``'s default chain is used (environment, workload identity, managed
identity, Azure CLI). ``TRACEHOUND_CA_BUNDLE`` names the CA file that verifies TLS.
Tokens are never logged or printed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tracehound.errors import TracehoundError, UsageError


class StaticTokenCredential:
    """An ``azure-core`` TokenCredential that always returns one configured token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenCredential(<redacted>)"


def static_token() -> str | None:
    return os.environ.get("TRACEHOUND_AZURE_TOKEN") or None


def credential() -> Any:
    """The credential every Azure client uses."""
    token = static_token()
    if token:
        return StaticTokenCredential(token)
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise UsageError(
            "the Azure backends need the 'azure' extra",
            "pip install 'tracehound[azure]' (make venv installs it)",
        ) from exc
    return DefaultAzureCredential()


def ca_bundle() -> str | None:
    path = os.environ.get("TRACEHOUND_CA_BUNDLE") or None
    if path and not os.path.isfile(path):
        raise UsageError(f"TRACEHOUND_CA_BUNDLE points at {path}, which is not a file")
    return path


def require_azure(module: str) -> None:
    """Fail with install advice when an optional Azure SDK is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"this backend needs {module.split('.')[0]}-{module.split('.')[1]} (the 'azure' extra)",
            "pip install 'tracehound[azure]' (make venv installs it)",
        )


def explain_auth_failure(status: int | None, what: str, message: str) -> TracehoundError:
    """A message that says what to do for 401 / 403 / no credential."""
    if status == 401:
        return TracehoundError(
            f"{what}: not authenticated ({message})",
            "run `az login`, or set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, "
            "or TRACEHOUND_AZURE_TOKEN",
        )
    if status == 403:
        return TracehoundError(
            f"{what}: access denied ({message})",
            "the identity needs read access: the 'Log Analytics Reader' role on the workspace, "
            "or 'AllDatabasesViewer' / 'Viewer' on the ADX database",
        )
    return TracehoundError(f"{what}: {message}")
