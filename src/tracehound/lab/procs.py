"""Running processes and the Defender columns that describe them.

A :class:`Proc` is one process instance (image, pid, start time, command line, account and
its parent). The same instance fills the ``Process*`` columns of its own creation event and
the ``InitiatingProcess*`` columns of everything it later does, so trees stay consistent:
a child's ``InitiatingProcessId`` / ``InitiatingProcessCreationTime`` point to a real parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.lab.clock import to_us
from tracehound.lab.data.images import Image
from tracehound.lab.estate import WELL_KNOWN_LOGON_IDS, Account, Device, Org


@dataclass(frozen=True)
class Proc:
    """One process instance."""

    image: Image
    pid: int
    created: datetime
    cmdline: str
    account: Account
    logon_id: int
    integrity: str = "System"
    elevation: str = "TokenElevationTypeDefault"
    parent_name: str = ""
    parent_pid: int = 0
    parent_created: datetime | None = None
    session_id: int = 0
    remote_ip: str = ""
    remote_device: str = ""

    def spawn(
        self,
        image: Image,
        cmdline: str,
        at: datetime,
        pid: int,
        *,
        account: Account | None = None,
        logon_id: int | None = None,
        integrity: str | None = None,
        elevation: str | None = None,
    ) -> Proc:
        """A child of this process (same account and session unless told otherwise)."""
        acc = account or self.account
        return Proc(
            image=image,
            pid=pid,
            created=at,
            cmdline=cmdline,
            account=acc,
            logon_id=logon_id
            if logon_id is not None
            else (self.logon_id if account is None else logon_id_for(acc, self.logon_id)),
            integrity=integrity or self.integrity,
            elevation=elevation or self.elevation,
            parent_name=self.image.name,
            parent_pid=self.pid,
            parent_created=self.created,
            session_id=self.session_id,
            remote_ip=self.remote_ip,
            remote_device=self.remote_device,
        )


def logon_id_for(account: Account, fallback: int) -> int:
    return WELL_KNOWN_LOGON_IDS.get(account.sid, fallback)


def device_fields(device: Device, org: Org) -> dict[str, Any]:
    """Columns every Device* row carries."""
    return {
        "DeviceId": device.device_id,
        "DeviceName": device.name,
        "MachineGroup": "Workstations" if device.role == "workstation" else "Servers",
        "TenantId": org.tenant_id,
        "SourceSystem": "",
    }


def _image_fields(img: Image, hash_prefix: str, version_prefix: str) -> dict[str, Any]:
    """Hashes and version resource of *img*, under the column prefixes a table uses."""
    md5, sha1, sha256 = img.hashes
    original = img.original_name if img.company else ""
    return {
        f"{hash_prefix}SHA1": sha1,
        f"{hash_prefix}SHA256": sha256,
        f"{hash_prefix}MD5": md5,
        f"{version_prefix}CompanyName": img.company,
        f"{version_prefix}ProductName": img.product,
        f"{version_prefix}ProductVersion": img.version,
        f"{version_prefix}InternalFileName": original.split(".")[0],
        f"{version_prefix}OriginalFileName": original,
        f"{version_prefix}FileDescription": img.description,
    }


def _account_fields(acc: Account, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}AccountDomain": acc.domain,
        f"{prefix}AccountName": acc.name,
        f"{prefix}AccountSid": acc.sid,
        f"{prefix}AccountUpn": acc.upn,
        f"{prefix}AccountObjectId": acc.object_id,
    }


def initiating_fields(proc: Proc) -> dict[str, Any]:
    """``InitiatingProcess*`` columns for an event *proc* caused."""
    img = proc.image
    windows = not img.is_linux
    return (
        _account_fields(proc.account, "InitiatingProcess")
        | _image_fields(img, "InitiatingProcess", "InitiatingProcessVersionInfo")
        | {
            "InitiatingProcessLogonId": proc.logon_id,
            "InitiatingProcessIntegrityLevel": proc.integrity if windows else "",
            "InitiatingProcessTokenElevation": proc.elevation if windows else "",
            "InitiatingProcessFileName": img.name,
            "InitiatingProcessFileSize": img.size,
            "InitiatingProcessFolderPath": img.folder_lower if windows else img.path,
            "InitiatingProcessId": proc.pid,
            "InitiatingProcessCommandLine": proc.cmdline,
            "InitiatingProcessCreationTime": proc.created,
            "InitiatingProcessParentId": proc.parent_pid,
            "InitiatingProcessParentFileName": proc.parent_name,
            "InitiatingProcessParentCreationTime": proc.parent_created,
            "InitiatingProcessSignerType": img.signer,
            "InitiatingProcessSignatureStatus": img.signature_status,
            "InitiatingProcessSessionId": proc.session_id,
            "IsInitiatingProcessRemoteSession": bool(proc.remote_ip),
            "InitiatingProcessRemoteSessionIP": proc.remote_ip,
            "InitiatingProcessRemoteSessionDeviceName": proc.remote_device,
            "InitiatingProcessUniqueId": str(_unique_id(proc)),
        }
    )


def process_fields(proc: Proc) -> dict[str, Any]:
    """The created process's own columns (``DeviceProcessEvents`` ProcessCreated)."""
    img = proc.image
    windows = not img.is_linux
    return (
        _account_fields(proc.account, "")
        | _image_fields(img, "", "ProcessVersionInfo")
        | {
            "FileName": img.name,
            "FolderPath": img.path,
            "FileSize": img.size,
            "ProcessId": proc.pid,
            "ProcessCommandLine": proc.cmdline,
            "ProcessIntegrityLevel": proc.integrity if windows else "",
            "ProcessTokenElevation": proc.elevation if windows else "",
            "ProcessCreationTime": proc.created,
            "LogonId": proc.logon_id,
            "CreatedProcessSessionId": proc.session_id,
            "IsProcessRemoteSession": bool(proc.remote_ip),
            "ProcessRemoteSessionIP": proc.remote_ip,
            "ProcessRemoteSessionDeviceName": proc.remote_device,
            "ProcessUniqueId": str(_unique_id(proc)),
        }
    )


def _unique_id(proc: Proc) -> int:
    """Defender's per-device process unique id: stable for one (pid, start time)."""
    stamp = to_us(proc.created) // 1_000_000
    return (stamp % 10_000_000) * 100_000 + proc.pid % 100_000
