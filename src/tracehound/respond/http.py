"""One HTTP path for the Defender and Graph calls: bearer token, TLS, timeouts, retries.

Retries honour ``Retry-After`` on 429 (Defender "Handling REST API errors", Throttling) and back
off exponentially on 5xx and transport errors. A request that *creates* something is treated
apart: a 429 or a connection that never opened was not processed and may be sent again, but a
5xx or a read timeout may have created the action, so :class:`AmbiguousOutcomeError` is raised and
the caller looks the action up before trying again (never a blind duplicate).
401 and 403 name the permission the call needs. Tokens never appear in errors or logs.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx

from tracehound.errors import TracehoundError

RETRYABLE = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0


class Retry(StrEnum):
    safe = "safe"  # reads and idempotent writes: retry on 429, 5xx, timeouts
    create = "create"  # creates an action: retry only when the request surely was not processed


class ApiError(TracehoundError):
    """The platform answered with an error (status and the API's error code kept)."""

    def __init__(self, message: str, status: int | None, code: str | None, hint: str | None = None):
        super().__init__(message, hint)
        self.status = status
        self.code = code


class AmbiguousOutcomeError(TracehoundError):
    """A create request may or may not have been carried out (5xx, read timeout)."""


@dataclass(frozen=True)
class ApiConfig:
    service: str  # "Defender for Endpoint" / "Microsoft Graph", for messages
    base_url: str
    timeout: float = 30.0
    max_retries: int = 4
    backoff: float = 1.0
    verify: ssl.SSLContext | bool = True


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def error_parts(response: httpx.Response) -> tuple[str | None, str]:
    """The API's error code and message (both Defender and Graph use ``{"error": {...}}``)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return error.get("code"), str(error.get("message") or "")
    return None, str(body)[:300]


class ApiClient:
    """A thin, typed wrapper over ``httpx.Client`` for one platform."""

    def __init__(
        self,
        config: ApiConfig,
        token: Callable[[], str],
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._token = token
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            timeout=config.timeout,
            verify=config.verify,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "tracehound-respond"},
        )
        self.calls: list[tuple[str, str]] = []  # (method, path) sent, for the audit trail

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        permission: str,
        params: dict[str, str] | None = None,
        json: Any = None,
        retry: Retry = Retry.safe,
    ) -> httpx.Response:
        """Send one call; returns the 2xx response or raises ApiError / AmbiguousOutcomeError."""
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {self._token()}"}
            self.calls.append((method, path))
            try:
                response = self._client.request(
                    method, path, params=params, json=json, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                wait = self._backoff(attempt)
                if attempt >= self.config.max_retries:
                    raise self._unreachable(exc) from exc
            except httpx.TransportError as exc:  # read timeout, dropped connection
                if retry is Retry.create:
                    raise AmbiguousOutcomeError(
                        f"{self.config.service}: no answer to {method} {path} ({type(exc).__name__})"
                    ) from exc
                wait = self._backoff(attempt)
                if attempt >= self.config.max_retries:
                    raise self._unreachable(exc) from exc
            else:
                if response.is_success:
                    return response
                status = response.status_code
                if status not in RETRYABLE or attempt >= self.config.max_retries:
                    raise self._error(response, method, path, permission)
                if status != 429 and retry is Retry.create:
                    raise AmbiguousOutcomeError(
                        f"{self.config.service}: {method} {path} answered {status}; "
                        "the action may have been created"
                    )
                hinted = retry_after_seconds(response.headers.get("Retry-After"))
                wait = self._backoff(attempt) if hinted is None else hinted
                if wait > MAX_RETRY_AFTER:
                    raise ApiError(
                        f"{self.config.service}: throttled; the service asks to wait {wait:.0f} s",
                        status,
                        "TooManyRequests",
                        "try again later",
                    )
            self._sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return float(min(self.config.backoff * (2**attempt), 60.0))

    def _unreachable(self, exc: Exception) -> ApiError:
        return ApiError(
            f"{self.config.service}: cannot reach {self.config.base_url} ({type(exc).__name__})",
            None,
            None,
            "check the network, TRACEHOUND_MDE_URL / TRACEHOUND_GRAPH_URL and TRACEHOUND_CA_BUNDLE",
        )

    def _error(self, response: httpx.Response, method: str, path: str, permission: str) -> ApiError:
        code, message = error_parts(response)
        status = response.status_code
        what = f"{self.config.service}: {method} {path}"
        if status == 401:
            return ApiError(
                f"{what}: not authenticated ({code or 'Unauthorized'}: {message})",
                status,
                code,
                "the token is missing, invalid or expired: run `az login`, set "
                "AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or TRACEHOUND_AZURE_TOKEN",
            )
        if status == 403:
            return ApiError(
                f"{what}: access denied ({code or 'Forbidden'}: {message})",
                status,
                code,
                f"the identity needs the {permission} permission on {self.config.service} "
                "(application permission with admin consent, or delegated with the matching role)",
            )
        return ApiError(f"{what}: HTTP {status} {code or ''}: {message}".rstrip(), status, code)
