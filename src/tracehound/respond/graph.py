"""Microsoft Graph v1.0 calls for user containment, as Microsoft's reference documents them.

- Get user: ``GET /v1.0/users/{id | userPrincipalName}?$select=...`` ("Get user").
- Update user: ``PATCH /v1.0/users/{id}`` with ``{"accountEnabled": false|true}`` answers
  ``204 No Content`` ("Update user"); the result is read back, not assumed.
- Revoke sessions: ``POST /v1.0/users/{id}/revokeSignInSessions`` answers 200 with
  ``{"value": true}`` ("user: revokeSignInSessions").
All three are idempotent, so they are retried on 429/5xx like reads.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tracehound.respond.http import ApiClient

READ_PERMISSION = "User.Read.All"
USER_FIELDS = "id,userPrincipalName,displayName,accountEnabled"


class GraphClient:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def user(self, id_or_upn: str) -> dict[str, Any]:
        response = self.api.request(
            "GET",
            f"/v1.0/users/{quote(id_or_upn, safe='@')}",
            permission=READ_PERMISSION,
            params={"$select": USER_FIELDS},
        )
        body: dict[str, Any] = response.json()
        return body

    def set_account_enabled(self, user_id: str, body: dict[str, Any], permission: str) -> None:
        self.api.request(
            "PATCH", f"/v1.0/users/{quote(user_id, safe='')}", permission=permission, json=body
        )

    def revoke_sessions(self, user_id: str, permission: str) -> bool:
        response = self.api.request(
            "POST",
            f"/v1.0/users/{quote(user_id, safe='')}/revokeSignInSessions",
            permission=permission,
        )
        body = response.json() if response.content else {}
        return bool(isinstance(body, dict) and body.get("value") is True)
