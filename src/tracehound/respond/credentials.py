"""Bearer tokens for Defender for Endpoint and Graph, each with its own scope.

``TRACEHOUND_AZURE_TOKEN`` (a static token: tests, air-gapped proxies) wins; otherwise
``azure-identity`` (the ``azure`` extra, imported only here and only when a call is made):
the default chain, a client secret, or a certificate, as ``[response] credential`` says.
Tokens are cached until shortly before they expire and never logged or stored.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from tracehound.backends.azure_auth import static_token
from tracehound.errors import UsageError
from tracehound.respond.settings import CredentialKind, ResponseSettings


def _env(name: str, configured: str | None) -> str:
    value = configured or os.environ.get(name)
    if not value:
        raise UsageError(
            f"the {name.lower().replace('azure_', '')} for the response credential is not set",
            f"set {name} or the matching key in [response]",
        )
    return value


def _azure_credential(settings: ResponseSettings) -> Any:
    try:
        import azure.identity as identity
    except ImportError as exc:
        raise UsageError(
            "response actions need azure-identity (the 'azure' extra) or TRACEHOUND_AZURE_TOKEN",
            "pip install 'tracehound[azure]'",
        ) from exc
    if settings.credential is CredentialKind.client_secret:
        return identity.ClientSecretCredential(
            _env("AZURE_TENANT_ID", settings.tenant_id),
            _env("AZURE_CLIENT_ID", settings.client_id),
            _env("AZURE_CLIENT_SECRET", None),
        )
    if settings.credential is CredentialKind.certificate:
        path = settings.certificate_path or os.environ.get("AZURE_CLIENT_CERTIFICATE_PATH")
        if not path:
            raise UsageError(
                "no certificate for the response credential",
                "set [response] certificate_path or AZURE_CLIENT_CERTIFICATE_PATH",
            )
        return identity.CertificateCredential(
            _env("AZURE_TENANT_ID", settings.tenant_id),
            _env("AZURE_CLIENT_ID", settings.client_id),
            certificate_path=str(path),
        )
    return identity.DefaultAzureCredential()


class TokenSource:
    """Returns a valid token for one scope, asking azure-identity only when needed."""

    def __init__(self, settings: ResponseSettings, scope: str) -> None:
        self._settings = settings
        self._scope = scope
        self._credential: Any = None
        self._cached: tuple[str, float] | None = None

    def __call__(self) -> str:
        token = static_token()
        if token:
            return token
        if self._cached and self._cached[1] - 120 > time.time():
            return self._cached[0]
        if self._credential is None:
            self._credential = _azure_credential(self._settings)
        access = self._credential.get_token(self._scope)
        self._cached = (access.token, float(access.expires_on))
        return str(access.token)

    def __repr__(self) -> str:
        return f"TokenSource(scope={self._scope!r})"


def token_source(settings: ResponseSettings, scope: str) -> Callable[[], str]:
    return TokenSource(settings, scope)
