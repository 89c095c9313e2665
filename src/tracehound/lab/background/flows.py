"""``AzureNetworkAnalytics_CL``: Traffic Analytics flow records for the lab's Azure VMs.

One record summarizes the flows of one VM to one remote address in a 10-minute interval
(FASchemaVersion 2 style: ``PublicIPs_s`` as ``ip|allowed out|denied out|allowed in|denied
in|...``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tracehound.lab.context import LabContext
from tracehound.lab.data.destinations import DESTS
from tracehound.lab.estate import Device
from tracehound.lab.frames import Batch, from_records
from tracehound.lab.ids import public_ip, public_ip_in

TABLE = "AzureNetworkAnalytics_CL"
INTERVAL = timedelta(minutes=10)


def flow_row(
    ctx: LabContext,
    vm: Device,
    interval_start: datetime,
    *,
    flow_type: str,
    direction: str,
    status: str,
    remote_ip: str,
    port: int,
    protocol: str = "T",
    l7: str = "https",
    flows: int = 1,
    country: str = "",
    rule: str = "",
    bytes_out: float = 0.0,
    bytes_in: float = 0.0,
) -> dict[str, Any]:
    """One Traffic Analytics record (also used by the scenarios)."""
    org = ctx.estate.org
    allowed = status == "A"
    out_flows = flows if direction == "O" else 0
    in_flows = flows if direction == "I" else 0
    nsg = f"{org.subscription_id}/{org.resource_group}/{vm.short_name}-nsg"
    end = interval_start + INTERVAL
    private = flow_type in ("IntraVNet", "InterVNet")
    return {
        "Timestamp": end + timedelta(minutes=7),
        "TimeProcessed_t": end + timedelta(minutes=7),
        "FlowIntervalStartTime_t": interval_start,
        "FlowIntervalEndTime_t": end,
        "FlowStartTime_t": interval_start + timedelta(seconds=17),
        "FlowEndTime_t": end - timedelta(seconds=23),
        "SubType_s": "FlowLog",
        "FASchemaVersion_s": "2",
        "FlowType_s": flow_type,
        "FlowDirection_s": direction,
        "FlowStatus_s": status,
        "L4Protocol_s": protocol,
        "L7Protocol_s": l7,
        "DestPort_d": float(port),
        "SrcIP_s": (remote_ip if direction == "I" else vm.private_ip) if private else "",
        "DestIP_s": (vm.private_ip if direction == "I" else remote_ip) if private else "",
        "VM_s": f"{org.resource_group}/{vm.short_name}",
        "VMIP_s": vm.private_ip,
        "PublicIPs_s": ""
        if private
        else (
            f"{remote_ip}|{out_flows if allowed else 0}|{0 if allowed else out_flows}|"
            f"{in_flows if allowed else 0}|{0 if allowed else in_flows}|{int(bytes_out // 1400)}|"
            f"{int(bytes_in // 1400)}|{int(bytes_out)}|{int(bytes_in)}"
        ),
        "AllowedOutFlows_d": float(out_flows if allowed else 0),
        "DeniedOutFlows_d": float(0 if allowed else out_flows),
        "AllowedInFlows_d": float(in_flows if allowed else 0),
        "DeniedInFlows_d": float(0 if allowed else in_flows),
        "FlowCount_d": float(flows),
        "OutboundBytes_d": bytes_out,
        "InboundBytes_d": bytes_in,
        "OutboundPackets_d": float(bytes_out // 1400),
        "InboundPackets_d": float(bytes_in // 1400),
        "NSGList_s": nsg,
        "NSGRule_s": rule
        or (
            "userrule_allow-rdp"
            if port == 3389
            else "defaultrule_allowinternetoutbound"
            if direction == "O"
            else "userrule_allow-web"
        ),
        "NSGRuleType_s": "User"
        if rule.startswith("userrule") or (port in (3389, 22, 443) and direction == "I")
        else "Default",
        "Subnet_s": f"{org.resource_group}/vnet-lab/snet-lab",
        "Region_s": org.region,
        "Subscription_g": org.subscription_id,
        "Country_s": country,
        "IsFlowEnabled_b": 1,
        "TenantId": org.tenant_id,
        "Type": TABLE,
        "SourceSystem": "",
        "ComponentType_s": "",
        "FlowEndTime_s": "",
        "FlowStartTime_s": "",
    }


_OUTBOUND = (
    ("AzurePublic", "azure", 0.5),
    ("AzurePublic", "defender", 0.25),
    ("ExternalPublic", "web", 0.15),
    ("ExternalPublic", "update", 0.1),
)


def generate(ctx: LabContext) -> Iterator[Batch]:
    vms = ctx.estate.azure_vms
    intervals = ctx.window.days * 24 * 6
    for day in range(ctx.window.days):
        rng = ctx.rng(TABLE, day)
        rows: list[dict[str, Any]] = []
        for k in range(day * 144, min(intervals, (day + 1) * 144)):
            at = ctx.window.start + k * INTERVAL
            for vm in vms:
                rows.extend(_interval(ctx, vm, vms, at, rng))
        if rows:
            yield Batch(TABLE, from_records(TABLE, rows), f"{TABLE}:{day}")


def _interval(
    ctx: LabContext, vm: Device, vms: list[Device], at: datetime, rng: np.random.Generator
) -> list[dict[str, Any]]:
    rows = []
    for _ in range(int(rng.poisson(2.0))):
        flow_type, dest, _share = _OUTBOUND[
            int(rng.choice(len(_OUTBOUND), p=[s for *_, s in _OUTBOUND]))
        ]
        prefixes = DESTS[dest].prefixes
        ip = public_ip_in(prefixes[int(rng.integers(len(prefixes)))], rng)
        rows.append(
            flow_row(
                ctx,
                vm,
                at,
                flow_type=flow_type,
                direction="O",
                status="A",
                remote_ip=ip,
                port=443,
                flows=int(rng.integers(1, 12)),
                bytes_out=float(rng.lognormal(9, 1)),
                bytes_in=float(rng.lognormal(10, 1.2)),
            )
        )
    if rng.random() < 0.15:
        peer = vms[int(rng.integers(len(vms)))]
        if peer != vm:
            rows.append(
                flow_row(
                    ctx,
                    vm,
                    at,
                    flow_type="IntraVNet",
                    direction="O",
                    status="A",
                    remote_ip=peer.private_ip,
                    port=int(rng.choice([443, 445, 5985])),
                    l7="https",
                    flows=int(rng.integers(1, 4)),
                    bytes_out=float(rng.lognormal(8, 1)),
                )
            )
    if vm.internet_facing and rng.random() < 0.35:
        port = 3389 if vm.is_windows else 22
        rows.append(
            flow_row(
                ctx,
                vm,
                at,
                flow_type="ExternalPublic",
                direction="I",
                status="A",
                remote_ip=public_ip(rng),
                port=port,
                l7="rdp" if port == 3389 else "ssh",
                flows=int(rng.integers(1, 3)),
                bytes_in=float(rng.lognormal(7, 0.5)),
            )
        )
    return rows
