"""Everything an action needs in one place: the store's ledger and audit log, the policy and
assets, and the platform clients (built lazily, so planning a Graph action never asks for a
Defender token and listing actions asks for none)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tracehound.backends.azure_auth import ca_bundle
from tracehound.respond.audit import AuditLog
from tracehound.respond.credentials import token_source
from tracehound.respond.defender import DefenderClient
from tracehound.respond.graph import GraphClient
from tracehound.respond.http import ApiClient, ApiConfig
from tracehound.respond.ledger import Ledger
from tracehound.respond.policy import Assets, Policy, load_assets, load_policy
from tracehound.respond.settings import ResponseSettings
from tracehound.store import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ResponseContext:
    store: Store
    settings: ResponseSettings
    ledger: Ledger
    audit: AuditLog
    policy: Policy
    assets: Assets
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = utc_now
    _clients: dict[str, ApiClient] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        store: Store,
        settings: ResponseSettings | None = None,
        policy_path: Path | None = None,
        assets_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ResponseContext:
        settings = settings or ResponseSettings()
        return cls(
            store=store,
            settings=settings,
            ledger=Ledger(store),
            audit=AuditLog(store),
            policy=load_policy(policy_path or settings.policy),
            assets=load_assets(assets_path or settings.assets),
            sleep=sleep,
        )

    def _api(self, key: str, service: str, base: str, scope: str) -> ApiClient:
        if key not in self._clients:
            bundle = ca_bundle()
            config = ApiConfig(
                service=service,
                base_url=base,
                timeout=self.settings.request_timeout_seconds,
                max_retries=self.settings.max_retries,
                verify=ssl.create_default_context(cafile=bundle) if bundle else True,
            )
            self._clients[key] = ApiClient(
                config, token_source(self.settings, scope), sleep=self.sleep
            )
        return self._clients[key]

    def defender(self) -> DefenderClient:
        s = self.settings
        return DefenderClient(self._api("mde", "Defender for Endpoint", s.mde_base(), s.mde_scope))

    def graph(self) -> GraphClient:
        s = self.settings
        return GraphClient(self._api("graph", "Microsoft Graph", s.graph_base(), s.graph_scope))

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
