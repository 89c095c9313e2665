"""``SigninLogs``: people signing in to Microsoft 365 and Azure from where they usually are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np

from tracehound.lab.clock import WORK_HOURS, from_us, hour_weights, local_weekday, sample_times
from tracehound.lab.context import LabContext
from tracehound.lab.data.cloud import APPS, RESULTS, USER_AGENTS, App
from tracehound.lab.data.places import HOME_PLACES, Place
from tracehound.lab.estate import User
from tracehound.lab.frames import Batch, from_records
from tracehound.lab.ids import guid, public_ip_in

TABLE = "SigninLogs"
OFFICE = HOME_PLACES[0]


def location(place: Place, rng: np.random.Generator) -> dict[str, Any]:
    """``LocationDetails`` as Entra ID writes it (coordinates jittered around the city)."""
    return {
        "city": place.city,
        "state": place.state,
        "countryOrRegion": place.country,
        "geoCoordinates": {
            "latitude": round(place.lat + float(rng.normal(0, 0.03)), 6),
            "longitude": round(place.lon + float(rng.normal(0, 0.03)), 6),
        },
    }


def signin_row(
    ctx: LabContext,
    user: User,
    at: datetime,
    ip: str,
    place: Place,
    app: App,
    result: str,
    rng: np.random.Generator,
    *,
    user_agent: str | None = None,
    device: dict[str, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One interactive sign-in (also used by the scenarios)."""
    org = ctx.estate.org
    ua = user_agent or USER_AGENTS[int(rng.integers(len(USER_AGENTS)))]
    ok = result == "0"
    desc = description if description is not None else RESULTS.get(result, ("", 0))[0]
    request = guid(rng)
    mfa = ok and rng.random() < 0.3
    status: dict[str, Any] = {"errorCode": int(result)}
    if not ok:
        status["failureReason"] = desc
    return {
        "Timestamp": at,
        "CreatedDateTime": at,
        "OperationName": "Sign-in activity",
        "OperationVersion": "1.0",
        "Category": "SignInLogs",
        "Type": "SigninLogs",
        "ResultType": result,
        "ResultSignature": "None",
        "ResultDescription": desc,
        "DurationMs": 0,
        "Level": "4" if ok else "3",
        "Identity": user.display_name,
        "UserDisplayName": user.display_name,
        "UserPrincipalName": user.account.upn,
        "UserId": user.user_id,
        "UserType": "Member",
        "AlternateSignInName": user.account.upn,
        "AppDisplayName": app.name,
        "AppId": app.app_id,
        "ResourceDisplayName": app.resource,
        "ResourceIdentity": app.resource_id,
        "ClientAppUsed": app.client,
        "IsInteractive": True,
        "IPAddress": ip,
        "Location": place.country,
        "LocationDetails": location(place, rng),
        "DeviceDetail": device
        or {
            "deviceId": "",
            "operatingSystem": "Windows 10",
            "browser": "Edge 131.0.0",
            "isCompliant": False,
            "isManaged": False,
            "trustType": "",
        },
        "Status": status,
        "UserAgent": ua,
        "AuthenticationRequirement": "multiFactorAuthentication"
        if mfa
        else "singleFactorAuthentication",
        "ConditionalAccessStatus": "success" if ok else "notApplied",
        "ConditionalAccessPolicies": [],
        "MfaDetail": {"authMethod": "Mobile app notification"} if mfa else {},
        "RiskDetail": "none",
        "RiskLevelAggregated": "none",
        "RiskLevelDuringSignIn": "none",
        "RiskState": "none",
        "RiskEventTypes": "[]",
        "RiskEventTypes_V2": "[]",
        "IsRisky": False,
        "TokenIssuerType": "AzureAD",
        "TokenIssuerName": "",
        "Id": request,
        "OriginalRequestId": request,
        "CorrelationId": guid(rng),
        "SessionId": guid(rng),
        "UniqueTokenIdentifier": rng.bytes(16).hex(),
        "AppOwnerTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "ResourceTenantId": org.tenant_id,
        "HomeTenantId": org.tenant_id,
        "AADTenantId": org.tenant_id,
        "TenantId": org.tenant_id,
        "SourceSystem": "Azure AD",
        "ResourceId": f"/tenants/{org.tenant_id}/providers/Microsoft.aadiam",
        "ResourceProvider": "Microsoft.aadiam",
        "ResourceGroup": "Microsoft.aadiam",
        "Resource": "Microsoft.aadiam",
        "NetworkLocationDetails": "[]",
        "AuthenticationDetails": "[]",
        "AuthenticationProcessingDetails": "[]",
        "ProcessingTimeInMilliseconds": str(int(rng.integers(40, 600))),
        "AutonomousSystemNumber": str(int(rng.integers(7000, 30000))),
        "IsTenantRestricted": False,
        "IsThroughGlobalSecureAccess": False,
        "FlaggedForReview": False,
        "CrossTenantAccessType": "none",
        "IncomingTokenType": "none",
        "SignInIdentifierType": "",
        "TokenProtectionStatusDetails": {},
    }


def home_ip(ctx: LabContext, user: User) -> str:
    """The user's home broadband address (stable all week)."""
    rng = ctx.rng("home-ip", user.account.name)
    return public_ip_in(user.home.prefixes[int(rng.integers(len(user.home.prefixes)))], rng)


def generate(ctx: LabContext) -> Iterator[Batch]:
    org = ctx.estate.org
    weights = hour_weights(WORK_HOURS, org.tz_offset_hours)
    codes = list(RESULTS)
    shares = np.array([RESULTS[c][1] for c in codes])
    for day in range(ctx.window.days):
        rng = ctx.rng(TABLE, day)
        start = ctx.window.day_start(day)
        weekend = local_weekday(start, org.tz_offset_hours) >= 5
        rows = []
        for user in ctx.estate.users:
            apps = [a for a in APPS if user.is_admin or not a.admin_only]
            app_w = np.array([a.weight for a in apps])
            n = int(rng.poisson(1.0 if weekend else 7.0))
            remote = rng.random() < 0.3
            for t in sample_times(rng, ctx.window.day_start_us(day), n, weights).tolist():
                app = apps[int(rng.choice(len(apps), p=app_w / app_w.sum()))]
                code = str(rng.choice(codes, p=shares / shares.sum()))
                at_home = remote or weekend
                ip = home_ip(ctx, user) if at_home else org.office_egress_ips[int(rng.integers(2))]
                rows.append(
                    signin_row(
                        ctx, user, from_us(t), ip, user.home if at_home else OFFICE, app, code, rng
                    )
                )
        if rows:
            yield Batch(TABLE, from_records(TABLE, rows), f"{TABLE}:{day}")
