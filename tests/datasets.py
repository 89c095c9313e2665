"""Named selections of the real third-party data in ``../shared`` used by several tests."""

from __future__ import annotations

from pathlib import Path

OTRF_ATOMIC = "datasets/otrf/datasets/atomic/windows"

#: Five OTRF Security-Datasets captures of different tactics (credential access, lateral
#: movement, persistence, defense evasion, discovery): about 88,000 events, 26 alerts.
MIXED_CAPTURES = (
    "credential_access/host/empire_mimikatz_logonpasswords.zip",
    "lateral_movement/host/empire_smbexec_dcerpc_smb_svcctl.zip",
    "persistence/host/empire_persistence_registry_modification_run_keys_standard_user.zip",
    "defense_evasion/host/psh_cmstp_execution_bypassuac.zip",
    "discovery/host/empire_shell_net_localgroup_administrators.zip",
)


def mixed_captures(shared: Path) -> list[Path]:
    return [shared / OTRF_ATOMIC / name for name in MIXED_CAPTURES]
