"""Microsoft Defender for Endpoint API calls used by response (machines, machineactions,
indicators), as Microsoft's API reference documents them.

- List machines: ``GET /api/machines`` with OData ``$filter`` on ``computerDnsName`` / ``id``,
  ``$top`` (max 10,000) and ``$skip``; 404 when there are no machines ("List machines API").
- Get machine: ``GET /api/machines/{id}``.
- Machine actions: ``POST /api/machines/{id}/<action>`` answers 201 with a MachineAction in
  ``Pending``; ``GET /api/machineactions/{id}`` reports ``Pending``, ``InProgress``,
  ``Succeeded``, ``Failed``, ``TimeOut`` or ``Cancelled`` ("MachineAction resource type");
  ``GET /api/machineactions`` filters on ``machineId``, ``type``, ``status``
  ("List MachineActions API").
- Indicators: ``POST /api/indicators`` submits or updates (200) ("Submit or Update Indicator
  API"); ``GET /api/indicators`` filters on ``indicatorValue`` ("List Indicators API").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tracehound.respond.http import ApiClient, ApiError, Retry
from tracehound.respond.odata import eq_filter

READ_PERMISSION = "Machine.Read.All"
PAGE = 10_000
FINAL_MACHINE_ACTION_STATES = frozenset({"Succeeded", "Failed", "TimeOut", "Cancelled"})


def _values(body: Any) -> list[dict[str, Any]]:
    values = body.get("value") if isinstance(body, dict) else None
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


class DefenderClient:
    def __init__(self, api: ApiClient, page_size: int = PAGE) -> None:
        self.api = api
        self.page_size = page_size

    def machines(self, odata_filter: str | None = None) -> list[dict[str, Any]]:
        """Every machine matching *odata_filter* (all machines when None), page by page."""
        out: list[dict[str, Any]] = []
        skip = 0
        while True:
            params = {"$top": str(self.page_size), "$skip": str(skip)}
            if odata_filter:
                params["$filter"] = odata_filter
            try:
                response = self.api.request(
                    "GET", "/api/machines", permission=READ_PERMISSION, params=params
                )
            except ApiError as exc:  # documented: 404 when there are no machines
                if exc.status == 404:
                    return out
                raise
            page = _values(response.json())
            out.extend(page)
            if len(page) < self.page_size:
                return out
            skip += self.page_size

    def machines_by_dns_name(self, name: str) -> list[dict[str, Any]]:
        return self.machines(eq_filter(computerDnsName=name))

    def _entity(self, collection: str, entity_id: str) -> dict[str, Any]:
        response = self.api.request(
            "GET", f"/api/{collection}/{quote(entity_id, safe='')}", permission=READ_PERMISSION
        )
        body: dict[str, Any] = response.json()
        return body

    def machine(self, machine_id: str) -> dict[str, Any]:
        return self._entity("machines", machine_id)

    def create_machine_action(
        self, path: str, body: dict[str, Any] | None, permission: str
    ) -> dict[str, Any]:
        response = self.api.request(
            "POST", path, permission=permission, json=body or {}, retry=Retry.create
        )
        created: dict[str, Any] = response.json()
        return created

    def machine_action(self, action_id: str) -> dict[str, Any]:
        return self._entity("machineactions", action_id)

    def machine_actions(self, machine_id: str, action_type: str) -> list[dict[str, Any]]:
        response = self.api.request(
            "GET",
            "/api/machineactions",
            permission=READ_PERMISSION,
            params={"$filter": eq_filter(machineId=machine_id, type=action_type)},
        )
        return _values(response.json())

    def submit_indicator(self, body: dict[str, Any], permission: str) -> dict[str, Any]:
        # "Submit or update": sending the same indicator twice updates it, so retrying is safe.
        response = self.api.request("POST", "/api/indicators", permission=permission, json=body)
        created: dict[str, Any] = response.json()
        return created

    def indicators(self, value: str, permission: str) -> list[dict[str, Any]]:
        response = self.api.request(
            "GET",
            "/api/indicators",
            permission=permission,
            params={"$filter": eq_filter(indicatorValue=value)},
        )
        return _values(response.json())
