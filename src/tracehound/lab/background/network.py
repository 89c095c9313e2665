"""Benign ``DeviceNetworkEvents``: browsers, Office, updates, Defender, domain traffic,
and the internet's scanners knocking on exposed hosts."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tracehound.lab.context import LabContext
from tracehound.lab.data.destinations import DESTS
from tracehound.lab.frames import Batch, build
from tracehound.lab.ids import public_ip, public_ip_in, stream

from .common import Instances, draw, report_ids
from .plan import DayPlan

TABLE = "DeviceNetworkEvents"


@dataclass(frozen=True)
class NetEdge:
    parent: str
    dest: str
    weight: float
    roles: str = "workstation|server|dc"


EDGES: tuple[NetEdge, ...] = (
    NetEdge("msedge", "web", 30, "workstation"),
    NetEdge("msedge", "m365", 8, "workstation"),
    NetEdge("chrome", "web", 18, "workstation"),
    NetEdge("outlook", "m365", 14, "workstation"),
    NetEdge("teams", "teams", 16, "workstation"),
    NetEdge("onedrive", "onedrive", 8, "workstation"),
    NetEdge("mssense", "defender", 6),
    NetEdge("msmpeng", "defender", 3),
    NetEdge("svc_wu", "update", 3),
    NetEdge("svc_netsvcs", "telemetry", 3),
    NetEdge("lsass", "dc_kerberos", 4, "workstation|server"),
    NetEdge("svc_dns", "dc_dns", 6, "workstation|server"),
    NetEdge("system", "fs_smb", 3, "workstation"),
    NetEdge("lsass", "ws_inbound", 30, "dc"),
    NetEdge("dns", "ws_inbound", 25, "dc"),
    NetEdge("system", "smb_inbound", 20, "server"),
    NetEdge("w3wp", "sql_inbound", 3, "server"),
    NetEdge("mdatp", "defender", 6, "linux"),
    NetEdge("systemd", "ubuntu", 2, "linux"),
    NetEdge("nginx", "web_inbound", 12, "linux"),
    NetEdge("cron", "azure", 1, "linux"),
    NetEdge("svc_netsvcs", "azure", 1, "workstation|server"),
)


def _resolve(ctx: LabContext, url: str, prefixes: tuple[str, ...]) -> str:
    """A stable address for *url*: the same name resolves to the same host all week."""
    key = zlib.crc32(url.encode())
    rng = stream(ctx.seed, "dns", key)
    return public_ip_in(prefixes[key % len(prefixes)], rng)


def generate(ctx: LabContext, plan: DayPlan, inst: Instances) -> Iterator[Batch]:
    rng = ctx.rng(TABLE, plan.day)
    chosen = draw(ctx, plan, inst, TABLE, EDGES, rng)
    n = len(chosen)
    if n:
        cols: dict[str, Any] = inst.take(TABLE, chosen.inst)
        cols |= _endpoints(ctx, plan, chosen.edge, chosen.device, rng)
        cols["Timestamp"] = chosen.ts
        cols["ReportId"] = report_ids(rng, n)
        cols["AppGuardContainerId"] = ""
        yield Batch(TABLE, build(TABLE, cols, n), f"{TABLE}:{plan.day}")
    yield from _scanner_noise(ctx, plan, inst, rng)


def _endpoints(
    ctx: LabContext,
    plan: DayPlan,
    edge_idx: np.ndarray,
    dev_idx: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, Any]:
    estate = ctx.estate
    dc_ip = estate.by_role("dc")[0].private_ip
    fs_ip = estate.by_role("server")[0].private_ip
    app_ips = [d.private_ip for d in estate.devices if d.role == "server"] or [fs_ip]
    ws_ips = [d.private_ip for d in estate.workstations if d.domain_joined] or [dc_ip]
    n = len(edge_idx)
    remote_ip: list[str] = []
    remote_url: list[str] = []
    remote_port = np.zeros(n, dtype=np.int32)
    local_port = rng.integers(49_152, 65_535, size=n).astype(np.int32)
    action: list[str] = []
    protocol: list[str] = []
    remote_type: list[str] = []
    local_ip: list[str] = []
    picks = rng.random((n, 3))
    for i, (e, d) in enumerate(zip(edge_idx.tolist(), dev_idx.tolist(), strict=True)):
        dest = DESTS[EDGES[e].dest]
        url = dest.urls[int(picks[i, 0] * len(dest.urls))]
        port = dest.ports[int(picks[i, 1] * len(dest.ports))]
        prefix = dest.prefixes[0]
        if prefix == "@dc":
            ip = dc_ip
        elif prefix == "@fs":
            ip = fs_ip
        elif prefix == "@ws":
            ip = ws_ips[int(picks[i, 1] * 7919) % len(ws_ips)]
        elif prefix == "@app":
            ip = app_ips[int(picks[i, 1] * 7919) % len(app_ips)]
        elif prefix == "@internet":
            ip = public_ip(rng)
        else:
            ip = _resolve(ctx, url, dest.prefixes)
        local_ip.append(plan.devices[d].device.private_ip)
        remote_ip.append(ip)
        remote_url.append(url)
        protocol.append(dest.protocol)
        remote_type.append(
            "Private" if prefix.startswith("@") and prefix != "@internet" else "Public"
        )
        if dest.inbound:
            remote_port[i] = local_port[i]
            local_port[i] = port
            action.append("InboundConnectionAccepted")
        else:
            remote_port[i] = port
            action.append("ConnectionFailed" if picks[i, 2] < dest.failed else "ConnectionSuccess")
    return {
        "LocalIP": local_ip,
        "LocalPort": local_port,
        "LocalIPType": "Private",
        "RemoteIP": remote_ip,
        "RemotePort": remote_port,
        "RemoteUrl": remote_url,
        "RemoteIPType": remote_type,
        "Protocol": protocol,
        "ActionType": action,
    }


def _scanner_noise(
    ctx: LabContext, plan: DayPlan, inst: Instances, rng: np.random.Generator
) -> Iterator[Batch]:
    """Inbound connections from the scanners whose failed logons the logon table shows."""
    for noise in plan.noise:
        d = next(i for i, p in enumerate(plan.devices) if p.device == noise.device)
        kind = "svc_term" if noise.device.is_windows else "sshd"
        row = inst.row(d, kind)
        if row is None or not noise.times_us:
            continue
        n = len(noise.times_us)
        cols: dict[str, Any] = inst.take(TABLE, np.full(n, row))
        cols |= {
            "Timestamp": np.array(noise.times_us) - 400_000,
            "ActionType": "InboundConnectionAccepted",
            "LocalIP": noise.device.private_ip,
            "LocalPort": noise.port,
            "LocalIPType": "Private",
            "RemoteIP": list(noise.ips),
            "RemotePort": rng.integers(1_024, 65_535, size=n).astype(np.int32),
            "RemoteIPType": "Public",
            "Protocol": "Tcp",
            "RemoteUrl": "",
            "ReportId": report_ids(rng, n),
            "AppGuardContainerId": "",
        }
        yield Batch(TABLE, build(TABLE, cols, n), f"{TABLE}:noise:{noise.device.name}:{plan.day}")
