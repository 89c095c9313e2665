"""``AzureActivity``: administrators and automation managing the lab subscription."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tracehound.lab.clock import WORK_HOURS, from_us, hour_weights, local_weekday, sample_times
from tracehound.lab.context import LabContext
from tracehound.lab.data.cloud import AZURE_OPS, AzureOp
from tracehound.lab.frames import Batch, from_records
from tracehound.lab.ids import guid, guid_for

TABLE = "AzureActivity"
_STATUS = (("Start", "", "Started"), ("Success", "OK", "Succeeded"))


def resource_id(ctx: LabContext, op: AzureOp, vm: str, n: int = 1) -> str:
    org = ctx.estate.org
    path = op.resource.replace("{vm}", vm).replace("{n}", str(n))
    return (
        f"/subscriptions/{org.subscription_id}/resourceGroups/{org.resource_group}/providers/"
        f"{op.provider.title().replace('.', '.')}/{path}"
    ).replace("Microsoft.", "Microsoft.")


def activity_rows(
    ctx: LabContext,
    caller: str,
    ip: str,
    op: AzureOp,
    rid: str,
    at: datetime,
    rng: np.random.Generator,
    *,
    properties: dict[str, Any] | None = None,
    caller_oid: str = "",
) -> list[dict[str, Any]]:
    """The Start and Success records one Azure operation writes (also used by scenarios)."""
    org = ctx.estate.org
    correlation = guid(rng)
    rows = []
    for k, (status, substatus, _text) in enumerate(_STATUS):
        when = at + timedelta(seconds=k * float(rng.uniform(2, 40)))
        rows.append(
            {
                "Timestamp": when,
                "EventSubmissionTimestamp": when + timedelta(seconds=float(rng.uniform(1, 9))),
                "OperationNameValue": op.value,
                "OperationName": op.name,
                "ActivityStatusValue": status,
                "ActivityStatus": status,
                "ActivitySubstatusValue": substatus,
                "ActivitySubstatus": substatus,
                "CategoryValue": "Administrative",
                "Category": "Administrative",
                "Level": "Informational",
                "Caller": caller,
                "CallerIpAddress": ip,
                "CorrelationId": correlation,
                "EventDataId": guid(rng),
                "OperationId": guid(rng),
                "ResourceGroup": org.resource_group.upper(),
                "ResourceProviderValue": op.provider,
                "ResourceProvider": op.provider.title(),
                "Resource": rid.rsplit("/", 1)[-1],
                "ResourceId": rid,
                "_ResourceId": rid.lower(),
                "SubscriptionId": org.subscription_id,
                "_SubscriptionId": org.subscription_id,
                "TenantId": org.tenant_id,
                "Hierarchy": f"{org.tenant_id}/{org.subscription_id}",
                "Authorization_d": {"action": op.value.lower(), "scope": rid},
                "Authorization": f'{{"action":"{op.value.lower()}","scope":"{rid}"}}',
                "Claims_d": {
                    "ipaddr": ip,
                    "http://schemas.microsoft.com/identity/claims/objectidentifier": caller_oid
                    or guid_for(caller),
                },
                "Properties_d": (properties or {})
                | {
                    "eventCategory": "Administrative",
                    "entity": rid,
                    "message": op.value.lower(),
                    "hierarchy": f"{org.tenant_id}/{org.subscription_id}",
                },
                "HTTPRequest": f'{{"clientRequestId":"{guid(rng)}","clientIpAddress":"{ip}","method":"POST"}}',
                "SourceSystem": "Azure",
                "Type": "AzureActivity",
            }
        )
    return rows


def generate(ctx: LabContext) -> Iterator[Batch]:
    org = ctx.estate.org
    weights = hour_weights(WORK_HOURS, org.tz_offset_hours)
    op_w = np.array([o.weight for o in AZURE_OPS])
    vms = [d.short_name for d in ctx.estate.azure_vms]
    automation = guid_for("automation-sp", str(ctx.seed))
    for day in range(ctx.window.days):
        rng = ctx.rng(TABLE, day)
        start = ctx.window.day_start(day)
        weekend = local_weekday(start, org.tz_offset_hours) >= 5
        rows: list[dict[str, Any]] = []
        for admin in ctx.estate.admins:
            n = int(rng.poisson(0.5 if weekend else 4))
            for t in sample_times(rng, ctx.window.day_start_us(day), n, weights).tolist():
                op = AZURE_OPS[int(rng.choice(len(AZURE_OPS), p=op_w / op_w.sum()))]
                rid = resource_id(ctx, op, str(rng.choice(vms)), int(rng.integers(1, 99)))
                rows.extend(
                    activity_rows(
                        ctx,
                        admin.account.upn,
                        org.office_egress_ips[0],
                        op,
                        rid,
                        from_us(t),
                        rng,
                        caller_oid=admin.user_id,
                    )
                )
        # Nightly automation (a service principal) starts and stops the lab VMs.
        for vm in vms:
            for hour, op in ((2, AZURE_OPS[1]), (11, AZURE_OPS[0])):
                at = start + timedelta(hours=hour, minutes=float(rng.uniform(0, 5)))
                rows.extend(
                    activity_rows(
                        ctx,
                        automation,
                        "20.42.65.92",
                        op,
                        resource_id(ctx, op, vm),
                        at,
                        rng,
                        caller_oid=automation,
                    )
                )
        if rows:
            yield Batch(TABLE, from_records(TABLE, rows), f"{TABLE}:{day}")
