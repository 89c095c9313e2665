"""``DeviceInfo``: each device reports its inventory about once an hour."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import numpy as np

from tracehound.lab.clock import US_PER_HOUR, to_us
from tracehound.lab.context import LabContext
from tracehound.lab.estate import Device
from tracehound.lab.frames import Batch, build

TABLE = "DeviceInfo"
_OS = MappingProxyType(
    {  # platform -> (OSVersion, OSVersionInfo, DeviceType, ClientVersion, Model, Vendor)
        "Windows10": (
            "10.0",
            "22H2",
            "Workstation",
            "10.8760.19045.5131",
            "Virtual Machine",
            "Microsoft Corporation",
        ),
        "Windows11": (
            "10.0",
            "23H2",
            "Workstation",
            "10.8760.22631.4460",
            "Latitude 5440",
            "Dell Inc.",
        ),
        "WindowsServer2022": (
            "10.0",
            "21H2",
            "Server",
            "10.8760.20348.2849",
            "Virtual Machine",
            "Microsoft Corporation",
        ),
        "WindowsServer2019": (
            "10.0",
            "1809",
            "Server",
            "10.8760.17763.6532",
            "Virtual Machine",
            "Microsoft Corporation",
        ),
        "Linux": (
            "22.04",
            "22.04",
            "Server",
            "101.24092.0002",
            "Virtual Machine",
            "Microsoft Corporation",
        ),
    }
)


def _static(ctx: LabContext, dev: Device) -> dict[str, Any]:
    os_version, os_info, dev_type, client, model, vendor = _OS[dev.os_platform]
    org = ctx.estate.org
    users = []
    if dev.primary_user is not None:
        acc = dev.primary_user.account
        users = [{"UserName": acc.name, "DomainName": acc.domain.upper(), "Sid": acc.sid}]
    elif dev.local_admin is not None:
        acc = dev.local_admin
        users = [{"UserName": acc.name, "DomainName": acc.domain.upper(), "Sid": acc.sid}]
    rid = (
        (
            f"/subscriptions/{org.subscription_id}/resourceGroups/{org.resource_group}/providers/"
            f"Microsoft.Compute/virtualMachines/{dev.short_name}"
        )
        if dev.azure_vm
        else ""
    )
    return {
        "DeviceId": dev.device_id,
        "DeviceName": dev.name,
        "TenantId": org.tenant_id,
        "OSPlatform": dev.os_platform,
        "OSVersion": os_version,
        "OSVersionInfo": os_info,
        "OSBuild": dev.os_build if dev.is_windows else None,
        "OSArchitecture": "64-bit",
        "OSDistribution": "Ubuntu" if not dev.is_windows else "",
        "DeviceType": dev_type,
        "DeviceCategory": "Endpoint",
        "ClientVersion": client,
        "Model": model,
        "Vendor": vendor,
        "PublicIP": dev.public_ip or org.office_egress_ips[0],
        "IsInternetFacing": dev.internet_facing,
        "OnboardingStatus": "Onboarded",
        "SensorHealthState": "Active",
        "ExposureLevel": "High" if dev.internet_facing else "Medium",
        "JoinType": "Domain Joined" if dev.domain_joined else "Workgroup",
        "IsAzureADJoined": False,
        "MachineGroup": "Workstations" if dev.role == "workstation" else "Servers",
        "AssetValue": "High" if dev.role == "dc" else "Normal",
        "DeviceDynamicTags": json.dumps(["Azure VM"] if dev.azure_vm else []),
        "LoggedOnUsers": json.dumps(users),
        "AzureResourceId": rid,
        "AzureVmId": ctx.rng("vmid", dev.name).bytes(16).hex() if dev.azure_vm else "",
        "AzureVmSubscriptionId": org.subscription_id if dev.azure_vm else "",
        "CloudPlatforms": json.dumps(["Azure"]) if dev.azure_vm else "",
        "ConnectivityType": "Standard",
        "IsExcluded": False,
        "IsTransient": False,
        "OsBuildRevision": str(dev.os_build) if dev.is_windows else "",
        "AdditionalFields": json.dumps({"AutomatedRemediationLevel": "Full"}),
        "SourceSystem": "",
        "Type": "DeviceInfo",
    }


def generate(ctx: LabContext) -> Iterator[Batch]:
    rng = ctx.rng(TABLE)
    start = to_us(ctx.window.start)
    hours = ctx.window.days * 24
    for dev in ctx.estate.devices:
        offset = int(rng.integers(0, US_PER_HOUR))
        ts = start + offset + np.arange(hours, dtype=np.int64) * US_PER_HOUR
        ts = ts + rng.integers(0, 60_000_000, size=hours)
        cols: dict[str, Any] = dict(_static(ctx, dev))
        cols["Timestamp"] = ts
        cols["ReportId"] = rng.integers(1_000, 2_000_000, size=hours, dtype=np.int64)
        yield Batch(TABLE, build(TABLE, cols, hours), f"{TABLE}:{dev.name}")
