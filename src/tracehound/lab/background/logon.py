"""Benign ``DeviceLogonEvents``: morning logons and unlocks, Kerberos logons on the servers,
admins' SSH and RDP sessions, and the internet's password guessers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tracehound.lab.clock import from_us
from tracehound.lab.context import LabContext
from tracehound.lab.estate import Account, Device
from tracehound.lab.frames import Batch, from_records
from tracehound.lab.procs import Proc, device_fields, initiating_fields

from .plan import DayPlan, DevicePlan

TABLE = "DeviceLogonEvents"


def logon_row(
    ctx: LabContext,
    device: Device,
    proc: Proc,
    account: Account,
    at_us: int,
    rng: np.random.Generator,
    *,
    action: str = "LogonSuccess",
    logon_type: str = "Interactive",
    protocol: str = "Negotiate",
    logon_id: int = 0,
    remote_ip: str = "",
    remote_device: str = "",
    remote_port: int | None = None,
    failure: str = "",
    is_admin: bool = False,
) -> dict[str, Any]:
    """One logon row as Defender reports it (also used by the scenarios)."""
    ip_type = "" if not remote_ip else ("Private" if remote_ip.startswith("10.") else "Public")
    return (
        device_fields(device, ctx.estate.org)
        | initiating_fields(proc)
        | {
            "Timestamp": from_us(at_us),
            "ActionType": action,
            "LogonType": logon_type,
            "AccountDomain": account.domain,
            "AccountName": account.name,
            "AccountSid": account.sid,
            "Protocol": protocol,
            "LogonId": logon_id if action == "LogonSuccess" else None,
            "RemoteIP": remote_ip,
            "RemoteIPType": ip_type,
            "RemoteDeviceName": remote_device,
            "RemotePort": remote_port
            if remote_port is not None
            else (int(rng.integers(49_152, 65_535)) if remote_ip else None),
            "FailureReason": failure,
            "IsLocalAdmin": is_admin,
            "ReportId": int(rng.integers(1_000, 2_000_000)),
            "AppGuardContainerId": "",
            "AdditionalFields": {
                "IsLocalLogon": logon_type in ("Interactive", "Unlock", "CachedInteractive")
            },
        }
    )


def generate(ctx: LabContext, plan: DayPlan, inst: object) -> Iterator[Batch]:
    rng = ctx.rng(TABLE, plan.day)
    rows: list[dict[str, Any]] = []
    servers = [p for p in plan.devices if p.device.role in ("dc", "server")]
    linux = [p for p in plan.devices if p.device.role == "linux"]
    admins = ctx.estate.admins
    for dev_plan in plan.devices:
        rows.extend(_session_logons(ctx, dev_plan, servers, rng))
    if plan.weekday < 5:
        for lp in linux:
            for _ in range(int(rng.integers(0, 3))):
                admin = admins[int(rng.integers(len(admins)))]
                ws = next((d for d in ctx.estate.workstations if d.primary_user == admin), None)
                at = plan.start_us + int(rng.uniform(13, 22) * 3_600_000_000)
                acc = Account(admin.account.name, lp.device.short_name, "", kind="local")
                rows.append(
                    logon_row(
                        ctx,
                        lp.device,
                        lp.procs["sshd"],
                        acc,
                        at,
                        rng,
                        logon_type="Network",
                        protocol="",
                        logon_id=0,
                        remote_ip=ws.private_ip if ws else "10.0.1.20",
                        remote_port=int(rng.integers(49_152, 65_535)),
                    )
                )
    for noise in plan.noise:
        dp = next(p for p in plan.devices if p.device == noise.device)
        proc = dp.procs["lsass" if noise.device.is_windows else "sshd"]
        for t, ip, user in zip(noise.times_us, noise.ips, noise.accounts, strict=True):
            acc = Account(
                user, noise.device.short_name if noise.device.is_windows else "", "", kind="local"
            )
            rows.append(
                logon_row(
                    ctx,
                    noise.device,
                    proc,
                    acc,
                    t,
                    rng,
                    action="LogonFailed",
                    logon_type="Network",
                    protocol="NTLM" if noise.device.is_windows else "",
                    remote_ip=ip,
                    failure="InvalidUserNameOrPassword",
                )
            )
    if rows:
        yield Batch(TABLE, from_records(TABLE, rows), f"{TABLE}:{plan.day}")


def _session_logons(
    ctx: LabContext, dev_plan: DevicePlan, servers: list[DevicePlan], rng: np.random.Generator
) -> list[dict[str, Any]]:
    session = dev_plan.session
    if session is None:
        return []
    dev = dev_plan.device
    rows: list[dict[str, Any]] = []
    user = dev.primary_user
    is_admin = bool(user and user.is_admin) or session.account.kind == "local"
    winlogon, lsass = dev_plan.procs["winlogon"], dev_plan.procs["lsass"]
    start = session.start_us
    if rng.random() < 0.06:  # a mistyped password before the real logon
        rows.append(
            logon_row(
                ctx,
                dev,
                winlogon,
                session.account,
                start - 20_000_000,
                rng,
                action="LogonFailed",
                logon_type=session.logon_type,
                failure="InvalidUserNameOrPassword",
                remote_ip=session.remote_ip,
            )
        )
    if session.logon_type == "RemoteInteractive":
        rows.append(
            logon_row(
                ctx,
                dev,
                lsass,
                session.account,
                start - 2_000_000,
                rng,
                logon_type="Network",
                protocol="NTLM",
                logon_id=session.logon_id - 3,
                remote_ip=session.remote_ip,
                is_admin=is_admin,
            )
        )
    rows.append(
        logon_row(
            ctx,
            dev,
            winlogon,
            session.account,
            start,
            rng,
            logon_type=session.logon_type,
            protocol="Kerberos" if dev.domain_joined else "Negotiate",
            logon_id=session.logon_id,
            remote_ip=session.remote_ip,
            is_admin=is_admin,
        )
    )
    for _ in range(int(rng.integers(1, 5))):
        at = int(rng.integers(start, session.end_us))
        rows.append(
            logon_row(
                ctx,
                dev,
                winlogon,
                session.account,
                at,
                rng,
                logon_type="Unlock",
                protocol="Negotiate",
                logon_id=session.logon_id,
                is_admin=is_admin,
            )
        )
    if dev.domain_joined:
        for srv in servers:
            k = int(rng.integers(4, 20)) if srv.device.role == "dc" else int(rng.integers(1, 10))
            for _ in range(k):
                at = int(rng.integers(start, session.end_us))
                rows.append(
                    logon_row(
                        ctx,
                        srv.device,
                        srv.procs["lsass"],
                        session.account,
                        at,
                        rng,
                        logon_type="Network",
                        protocol="Kerberos",
                        logon_id=int(rng.integers(1_000_000, 90_000_000)),
                        remote_ip=dev.private_ip,
                        remote_device=dev.short_name,
                    )
                )
    return rows
