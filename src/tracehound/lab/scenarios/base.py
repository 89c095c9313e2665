"""The scenario toolkit: a :class:`Story` records an attack's rows and its ground truth.

A scenario is a small function that tells one story with the helpers below (start a
process from a real parent, connect, write a file or registry value, log on, sign in, call
Azure, emit a flow). Every row it adds is tagged in ``_Extra`` with the scenario id (for
tests; detections must never key on it) and its devices, accounts and addresses are
collected for the truth record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tracehound.lab.background.azure import activity_rows
from tracehound.lab.background.flows import flow_row
from tracehound.lab.background.logon import logon_row
from tracehound.lab.background.plan import DayPlan, DevicePlan
from tracehound.lab.background.signin import signin_row
from tracehound.lab.clock import US_PER_HOUR, from_us, to_us
from tracehound.lab.context import LabContext
from tracehound.lab.data.cloud import App, AzureOp
from tracehound.lab.data.images import Image, image
from tracehound.lab.data.places import Place
from tracehound.lab.estate import Account, Device, User
from tracehound.lab.procs import Proc, device_fields, initiating_fields, process_fields
from tracehound.lab.truth import TruthRecord


@dataclass(frozen=True)
class ScenarioSpec:
    """What a scenario is (id, title, ATT&CK ids) and the function that plays it."""

    id: str
    title: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    play: Callable[[Story], None]


class Story:
    """Rows and entities of one scenario as it is being told."""

    def __init__(
        self, ctx: LabContext, spec: ScenarioSpec, plans: Callable[[int], DayPlan]
    ) -> None:
        self.ctx = ctx
        self.spec = spec
        self.rng = ctx.rng("scenario", spec.id)
        self._plans = plans
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self._devices: dict[str, None] = {}
        self._accounts: dict[str, None] = {}
        self._ips: dict[str, None] = {}
        self.details: dict[str, Any] = {}
        self._times: list[datetime] = []

    # -- choosing where and when ------------------------------------------------------

    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def plan(self, device: Device, day: int) -> DevicePlan:
        return next(p for p in self._plans(day).devices if p.device == device)

    def day_of(self, at: datetime) -> int:
        return min(self.ctx.window.days - 1, max(0, (at - self.ctx.window.start).days))

    def time_between(self, lo: datetime, hi: datetime) -> datetime:
        span = max(1, to_us(hi) - to_us(lo))
        return from_us(to_us(lo) + int(self.rng.integers(0, span)))

    def recent(self, hours: float, margin_hours: float = 2.0) -> datetime:
        """A moment within the last *hours* of the window (but not in its last margin)."""
        end = self.ctx.window.end - timedelta(hours=margin_hours)
        start = max(self.ctx.window.start + timedelta(hours=1), end - timedelta(hours=hours))
        return self.time_between(start, end)

    def in_session(
        self,
        devices: list[Device],
        last_hours: float | None = None,
    ) -> tuple[DevicePlan, datetime]:
        """A device whose user is working, and a moment inside that session."""
        days = list(range(self.ctx.window.days))
        if last_hours is not None:
            first = self.day_of(self.ctx.window.end - timedelta(hours=last_hours))
            days = days[first:]
        self.rng.shuffle(days)
        for day in days:
            order = list(devices)
            self.rng.shuffle(order)
            for dev in order:
                dp = self.plan(dev, day)
                session = dp.session
                if session is None or session.end_us - session.start_us < US_PER_HOUR:
                    continue
                lo = session.start_us + int(0.1 * (session.end_us - session.start_us))
                hi = session.end_us - 20 * 60_000_000
                if hi > lo:
                    return dp, from_us(int(self.rng.integers(lo, hi)))
        raise LookupError(f"no working session for scenario {self.spec.id}")

    # -- recording ----------------------------------------------------------------------

    def add(
        self,
        table: str,
        row: dict[str, Any],
        *,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record *row*; *at* is when it happened if its ``Timestamp`` is a report time."""
        self._times.append(at or row["Timestamp"])
        row["_Extra"] = {"lab_scenario": self.spec.id}
        self.rows.setdefault(table, []).append(row)
        return row

    def device(self, dev: Device) -> None:
        self._devices[dev.name] = None

    def account(self, account: Account | str) -> None:
        """Name *account* in the truth (built-in service accounts are not worth naming)."""
        if isinstance(account, Account):
            if account.kind == "system":
                return
            account = account.name
        if account:
            self._accounts[account] = None

    def ip(self, address: str) -> None:
        if address:
            self._ips[address] = None

    def pid(self) -> int:
        return int(self.rng.integers(250, 16_000)) * 4

    def report_id(self) -> int:
        return int(self.rng.integers(1_000, 2_000_000))

    # -- telemetry helpers ----------------------------------------------------------------

    def proc(
        self, dev: Device, parent: Proc, img: Image | str, cmdline: str, at: datetime, **kw: Any
    ) -> Proc:
        """Start a process under *parent* and record its ``ProcessCreated`` row."""
        child = parent.spawn(
            image(img) if isinstance(img, str) else img, cmdline, at, self.pid(), **kw
        )
        self.device(dev)
        self.account(child.account)
        self.add(
            "DeviceProcessEvents",
            device_fields(dev, self.ctx.estate.org)
            | process_fields(child)
            | initiating_fields(parent)
            | {
                "Timestamp": at,
                "ActionType": "ProcessCreated",
                "ReportId": self.report_id(),
                "AppGuardContainerId": "",
            },
        )
        return child

    def net(
        self,
        dev: Device,
        proc: Proc,
        at: datetime,
        remote_ip: str,
        port: int,
        *,
        url: str = "",
        action: str = "ConnectionSuccess",
        inbound: bool = False,
    ) -> None:
        private = remote_ip.startswith("10.")
        ephemeral = int(self.rng.integers(49_152, 65_535))
        self.device(dev)
        self.ip(remote_ip)
        self.add(
            "DeviceNetworkEvents",
            device_fields(dev, self.ctx.estate.org)
            | initiating_fields(proc)
            | {
                "Timestamp": at,
                "ActionType": "InboundConnectionAccepted" if inbound else action,
                "LocalIP": dev.private_ip,
                "LocalPort": port if inbound else ephemeral,
                "LocalIPType": "Private",
                "RemoteIP": remote_ip,
                "RemotePort": ephemeral if inbound else port,
                "RemoteUrl": url,
                "RemoteIPType": "Private" if private else "Public",
                "Protocol": "Tcp",
                "ReportId": self.report_id(),
                "AppGuardContainerId": "",
            },
        )

    def file(
        self,
        dev: Device,
        proc: Proc,
        at: datetime,
        path: str,
        *,
        action: str = "FileCreated",
        size: int = 0,
        previous: str = "",
        **extra: Any,
    ) -> None:
        sep = "/" if path.startswith("/") else "\\"
        prev_folder, _, prev_name = previous.rpartition(sep)
        self.device(dev)
        self.add(
            "DeviceFileEvents",
            device_fields(dev, self.ctx.estate.org)
            | initiating_fields(proc)
            | {
                "Timestamp": at,
                "ActionType": action,
                "FolderPath": path,
                "FileName": path.rsplit(sep, 1)[-1],
                "FileSize": size or int(self.rng.lognormal(11, 1.2)),
                "SHA1": self.rng.bytes(20).hex(),
                "SHA256": self.rng.bytes(32).hex(),
                "MD5": self.rng.bytes(16).hex(),
                "PreviousFileName": prev_name,
                "PreviousFolderPath": previous and prev_folder,
                "ReportId": self.report_id(),
                "AppGuardContainerId": "",
                "IsAzureInfoProtectionApplied": False,
            }
            | extra,
        )

    def reg(
        self,
        dev: Device,
        proc: Proc,
        at: datetime,
        key: str,
        name: str,
        kind: str,
        data: str,
        action: str = "RegistryValueSet",
    ) -> None:
        self.device(dev)
        self.add(
            "DeviceRegistryEvents",
            device_fields(dev, self.ctx.estate.org)
            | initiating_fields(proc)
            | {
                "Timestamp": at,
                "ActionType": action,
                "RegistryKey": key,
                "RegistryValueName": name,
                "RegistryValueType": kind,
                "RegistryValueData": data,
                "PreviousRegistryKey": "",
                "PreviousRegistryValueName": "",
                "PreviousRegistryValueData": "",
                "ReportId": self.report_id(),
                "AppGuardContainerId": "",
            },
        )

    def event(self, dev: Device, proc: Proc, at: datetime, action: str, **fields: Any) -> None:
        """A ``DeviceEvents`` row (e.g. a handle opened on lsass)."""
        self.device(dev)
        self.add(
            "DeviceEvents",
            device_fields(dev, self.ctx.estate.org)
            | initiating_fields(proc)
            | {"Timestamp": at, "ActionType": action, "ReportId": self.report_id()}
            | fields,
        )

    def logon(
        self,
        dev: Device,
        proc: Proc,
        account: Account,
        at: datetime,
        *,
        track: bool = True,
        **kw: Any,
    ) -> None:
        """A logon row; ``track=False`` keeps a guessed (not owned) account out of the truth."""
        self.device(dev)
        if track:
            self.account(account)
        self.ip(kw.get("remote_ip", ""))
        self.add(
            "DeviceLogonEvents", logon_row(self.ctx, dev, proc, account, to_us(at), self.rng, **kw)
        )

    def signin(
        self, user: User, at: datetime, ip: str, place: Place, app: App, result: str, **kw: Any
    ) -> None:
        self.account(user.account.upn)
        self.ip(ip)
        self.add(
            "SigninLogs", signin_row(self.ctx, user, at, ip, place, app, result, self.rng, **kw)
        )

    def azure(self, caller: str, ip: str, op: AzureOp, rid: str, at: datetime, **kw: Any) -> None:
        self.account(caller)
        self.ip(ip)
        for row in activity_rows(self.ctx, caller, ip, op, rid, at, self.rng, **kw):
            self.add("AzureActivity", row)

    def flow(self, vm: Device, at: datetime, **kw: Any) -> None:
        self.device(vm)
        self.ip(kw.get("remote_ip", ""))
        interval = at.replace(minute=at.minute - at.minute % 10, second=0, microsecond=0)
        self.add("AzureNetworkAnalytics_CL", flow_row(self.ctx, vm, interval, **kw), at=at)

    # -- result -------------------------------------------------------------------------

    def truth(self) -> TruthRecord:
        # Activity starts at the first event; it ends with the last row reported about it.
        reported = [r["Timestamp"] for rows in self.rows.values() for r in rows]
        return TruthRecord(
            id=self.spec.id,
            title=self.spec.title,
            techniques=self.spec.techniques,
            tactics=self.spec.tactics,
            devices=tuple(self._devices),
            accounts=tuple(self._accounts),
            ips=tuple(self._ips),
            start=min(self._times),
            end=max(reported + self._times),
            details=self.details | {"rows": {t: len(r) for t, r in self.rows.items()}},
        )


def jitter(rng: np.random.Generator, seconds: float, spread: float = 0.5) -> timedelta:
    """A positive delay around *seconds*."""
    return timedelta(seconds=max(0.05, seconds * float(rng.uniform(1 - spread, 1 + spread))))
