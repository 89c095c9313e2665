"""Entra ID applications, sign-in result codes, Azure operations and user agents.

Application ids are Microsoft's published first-party ids; result codes and operation names
are those Entra ID and Azure Resource Manager document.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class App:
    name: str
    app_id: str
    resource: str
    resource_id: str
    client: str  # ClientAppUsed
    weight: float
    admin_only: bool = False


APPS: tuple[App, ...] = (
    App(
        "Microsoft Teams",
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        "Microsoft Teams Services",
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        "Mobile Apps and Desktop clients",
        6,
    ),
    App(
        "Microsoft Office",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        "Mobile Apps and Desktop clients",
        6,
    ),
    App(
        "OfficeHome",
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        "OfficeHome",
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        "Browser",
        3,
    ),
    App(
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        "Browser",
        2,
    ),
    App(
        "OneDrive SyncEngine",
        "ab9b8c07-8f02-4f72-87fa-80105867a763",
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        "Mobile Apps and Desktop clients",
        3,
    ),
    App(
        "Microsoft Outlook",
        "5d661950-3475-41cd-a2c3-d671a3162bc1",
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        "Mobile Apps and Desktop clients",
        3,
    ),
    App(
        "Azure Portal",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "Windows Azure Service Management API",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Browser",
        4,
        True,
    ),
    App(
        "Microsoft Azure CLI",
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Windows Azure Service Management API",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Mobile Apps and Desktop clients",
        1,
        True,
    ),
)

#: Entra ID sign-in error codes: code -> (ResultDescription, share among benign sign-ins).
RESULTS: MappingProxyType[str, tuple[str, float]] = MappingProxyType(
    {
        "0": ("", 0.94),
        "50126": ("Error validating credentials due to invalid username or password.", 0.012),
        "50074": ("Strong Authentication is required.", 0.03),
        "50140": (
            "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
            0.015,
        ),
        "50125": (
            "Sign-in was interrupted due to a password reset or password registration entry.",
            0.003,
        ),
    }
)
SPRAY_RESULT = "50126"
LOCKED_RESULT = (
    "50053",
    "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
)


@dataclass(frozen=True)
class AzureOp:
    value: str  # OperationNameValue
    name: str  # OperationName (display)
    provider: str
    resource: str  # resource type path below the provider, {vm} etc. filled in
    weight: float


AZURE_OPS: tuple[AzureOp, ...] = (
    AzureOp(
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION",
        "Start Virtual Machine",
        "MICROSOFT.COMPUTE",
        "virtualMachines/{vm}",
        3,
    ),
    AzureOp(
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION",
        "Deallocate Virtual Machine",
        "MICROSOFT.COMPUTE",
        "virtualMachines/{vm}",
        2,
    ),
    AzureOp(
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE",
        "Create or Update Virtual Machine",
        "MICROSOFT.COMPUTE",
        "virtualMachines/{vm}",
        1,
    ),
    AzureOp(
        "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE",
        "Create or Update Security Rule",
        "MICROSOFT.NETWORK",
        "networkSecurityGroups/{vm}-nsg/securityRules/AllowHTTPS",
        0.6,
    ),
    AzureOp(
        "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
        "List Storage Account Keys",
        "MICROSOFT.STORAGE",
        "storageAccounts/stcontosolab01",
        1.5,
    ),
    AzureOp(
        "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE",
        "Create Deployment",
        "MICROSOFT.RESOURCES",
        "deployments/lab-deploy-{n}",
        0.8,
    ),
    AzureOp(
        "MICROSOFT.COMPUTE/DISKS/WRITE",
        "Create or Update Disk",
        "MICROSOFT.COMPUTE",
        "disks/{vm}_OsDisk_1",
        0.5,
    ),
    AzureOp(
        "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE",
        "Create or update resource diagnostic setting",
        "MICROSOFT.INSIGHTS",
        "diagnosticSettings/send-to-law",
        0.3,
    ),
    AzureOp(
        "MICROSOFT.KEYVAULT/VAULTS/WRITE",
        "Update Key Vault",
        "MICROSOFT.KEYVAULT",
        "vaults/kv-contoso-lab",
        0.3,
    ),
)

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",  # noqa: E501
)
