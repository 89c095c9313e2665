"""Program images the lab runs: where they live and what their version resource says.

Written for the lab from general knowledge of a Windows / Linux install; hashes are derived
from the identity (:func:`tracehound.lab.ids.file_hashes`), not taken from real files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

from tracehound.lab.ids import file_hashes

WIN = "Microsoft Corporation"
WINPROD = "Microsoft\u00ae Windows\u00ae Operating System"
S32 = "C:\\Windows\\System32"


@dataclass(frozen=True)
class Image:
    """One program file: path, version resource, size and signer."""

    key: str
    name: str
    folder: str
    description: str = ""
    company: str = WIN
    product: str = WINPROD
    version: str = "10.0.22621.1"
    size: int = 100_000
    signer: str = "OsVendor"
    original: str = ""

    @property
    def path(self) -> str:
        sep = "/" if self.folder.startswith("/") else "\\"
        return f"{self.folder}{sep}{self.name}"

    @property
    def folder_lower(self) -> str:
        """How Defender's ``InitiatingProcessFolderPath`` spells the folder."""
        return self.folder.lower()

    @property
    def is_linux(self) -> bool:
        return self.folder.startswith("/")

    @property
    def signature_status(self) -> str:
        if self.signer.startswith("OsVendor"):
            return "Valid"
        return "Unknown" if self.is_linux or not self.signer else "Unsigned"

    @cached_property
    def hashes(self) -> tuple[str, str, str]:
        return file_hashes(f"{self.path}|{self.version}|{self.size}")

    @property
    def original_name(self) -> str:
        return self.original or self.name


def _w(key: str, name: str, desc: str, size: int, folder: str = S32, **kw: str | int) -> Image:
    return Image(key, name, folder, desc, size=size, **kw)  # type: ignore[arg-type]


_EDGE = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application"
_CHROME = "C:\\Program Files\\Google\\Chrome\\Application"
_OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16"
_DEFENDER = "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0"
_SENSE = "C:\\Program Files\\Windows Defender Advanced Threat Protection"
_NET64 = "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319"
_PS = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"
_OFFICE_APPS: Mapping[str, Any] = MappingProxyType(
    {
        "company": WIN,
        "product": "Microsoft Office",
        "version": "16.0.17928.20156",
        "signer": "OsVendorApplication",
    }
)

IMAGES: tuple[Image, ...] = (
    _w("smss", "smss.exe", "Windows Session Manager", 151_552),
    _w("wininit", "wininit.exe", "Windows Start-Up Application", 491_520),
    _w("winlogon", "winlogon.exe", "Windows Logon Application", 905_216),
    _w("services", "services.exe", "Services and Controller app", 712_016),
    _w("lsass", "lsass.exe", "Local Security Authority Process", 83_328),
    _w("svchost", "svchost.exe", "Host Process for Windows Services", 57_360),
    _w("userinit", "userinit.exe", "Userinit Logon Application", 33_280),
    _w("explorer", "explorer.exe", "Windows Explorer", 5_557_480, folder="C:\\Windows"),
    _w("conhost", "conhost.exe", "Console Window Host", 889_344, original="CONHOST.EXE"),
    _w("taskhostw", "taskhostw.exe", "Host Process for Windows Tasks", 101_680),
    _w("runtimebroker", "RuntimeBroker.exe", "Runtime Broker", 135_168),
    _w("backgroundtaskhost", "backgroundTaskHost.exe", "Background Task Host", 39_768),
    _w("dllhost", "dllhost.exe", "COM Surrogate", 21_312),
    _w("wmiprvse", "WmiPrvSE.exe", "WMI Provider Host", 521_728, folder=S32 + "\\wbem"),
    _w("searchindexer", "SearchIndexer.exe", "Microsoft Windows Search Indexer", 1_142_784),
    _w(
        "searchprotocolhost",
        "SearchProtocolHost.exe",
        "Microsoft Windows Search Protocol Host",
        423_936,
    ),
    _w("searchfilterhost", "SearchFilterHost.exe", "Microsoft Windows Search Filter Host", 228_864),
    _w("sppsvc", "sppsvc.exe", "Microsoft Software Protection Platform Service", 4_580_864),
    _w(
        "tiworker",
        "TiWorker.exe",
        "Windows Modules Installer Worker",
        240_128,
        folder="C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.4455_none_7e9a7c3a2f3e0b4c",
    ),
    _w(
        "trustedinstaller",
        "TrustedInstaller.exe",
        "Windows Modules Installer",
        157_184,
        folder="C:\\Windows\\servicing",
    ),
    _w("wuauclt", "wuauclt.exe", "Windows Update", 75_776),
    _w("mousocoreworker", "MoUsoCoreWorker.exe", "MoUSO Core Worker Process", 1_215_488),
    _w("compattelrunner", "CompatTelRunner.exe", "Microsoft Compatibility Telemetry", 190_464),
    _w("wermgr", "wermgr.exe", "Windows Problem Reporting", 220_160),
    _w("sc", "sc.exe", "Service Control Manager Configuration Tool", 72_192),
    _w("gpupdate", "gpupdate.exe", "Microsoft\u00ae Group Policy Update Utility", 30_720),
    _w("consent", "consent.exe", "Consent UI for administrative applications", 162_304),
    _w(
        "ngen",
        "ngen.exe",
        "Microsoft Common Language Runtime native compiler",
        192_368,
        folder=_NET64,
        version="4.8.9032.0",
        product="Microsoft\u00ae .NET Framework",
        signer="OsVendorApplication",
    ),
    _w(
        "mscorsvw",
        "mscorsvw.exe",
        ".NET Runtime Optimization Service",
        142_168,
        folder=_NET64,
        version="4.8.9032.0",
        product="Microsoft\u00ae .NET Framework",
        signer="OsVendorApplication",
    ),
    _w(
        "mpcmdrun",
        "MpCmdRun.exe",
        "Microsoft Malware Protection Command Line Utility",
        1_539_976,
        folder=_DEFENDER,
        version="4.18.24090.11",
        product="Microsoft\u00ae Windows\u00ae Operating System",
        signer="OsVendorApplication",
    ),
    _w(
        "msmpeng",
        "MsMpEng.exe",
        "Antimalware Service Executable",
        133_432,
        folder=_DEFENDER,
        version="4.18.24090.11",
        signer="OsVendorApplication",
    ),
    _w(
        "mssense",
        "MsSense.exe",
        "Windows Defender Advanced Threat Protection Service Executable",
        6_262_152,
        folder=_SENSE,
        version="10.8760.22621.1016",
        signer="OsVendorApplication",
    ),
    _w(
        "sensece",
        "SenseCE.exe",
        "Windows Defender Advanced Threat Protection Classification Engine Module",
        4_089_744,
        folder=_SENSE,
        version="10.8760.22621.1016",
        signer="OsVendorApplication",
    ),
    _w(
        "edgeupdate",
        "MicrosoftEdgeUpdate.exe",
        "Microsoft Edge Update",
        215_000,
        folder="C:\\Program Files (x86)\\Microsoft\\EdgeUpdate",
        product="Microsoft Edge Update",
        version="1.3.195.31",
        signer="OsVendorApplication",
    ),
    _w(
        "msedge",
        "msedge.exe",
        "Microsoft Edge",
        4_160_544,
        folder=_EDGE,
        product="Microsoft Edge",
        version="131.0.2903.70",
        signer="OsVendorApplication",
    ),
    _w(
        "chrome",
        "chrome.exe",
        "Google Chrome",
        3_226_136,
        folder=_CHROME,
        company="Google LLC",
        product="Google Chrome",
        version="131.0.6778.86",
        signer="Unknown",
    ),
    _w("outlook", "OUTLOOK.EXE", "Microsoft Outlook", 41_937_320, folder=_OFFICE, **_OFFICE_APPS),
    _w("winword", "WINWORD.EXE", "Microsoft Word", 1_619_360, folder=_OFFICE, **_OFFICE_APPS),
    _w("excel", "EXCEL.EXE", "Microsoft Excel", 66_025_376, folder=_OFFICE, **_OFFICE_APPS),
    _w(
        "teams",
        "ms-teams.exe",
        "Microsoft Teams",
        1_223_064,
        folder="C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe",
        product="Microsoft Teams",
        version="24295.605.3225.8804",
        signer="OsVendorApplication",
    ),
    _w(
        "onedrive",
        "OneDrive.exe",
        "Microsoft OneDrive",
        3_466_216,
        folder="C:\\Program Files\\Microsoft OneDrive",
        product="Microsoft OneDrive",
        version="24.226.1110.0004",
        signer="OsVendorApplication",
    ),
    _w("notepad", "notepad.exe", "Notepad", 201_216),
    _w("mstsc", "mstsc.exe", "Remote Desktop Connection", 1_358_848),
    _w("cmd", "cmd.exe", "Windows Command Processor", 323_584, original="Cmd.Exe"),
    _w(
        "powershell",
        "powershell.exe",
        "Windows PowerShell",
        450_560,
        folder=_PS,
        original="PowerShell.EXE",
    ),
    _w("ipconfig", "ipconfig.exe", "IP Configuration Utility", 35_840),
    _w("ping", "PING.EXE", "TCP/IP Ping Command", 22_528),
    _w("msiexec", "msiexec.exe", "Windows\u00ae installer", 69_632),
    _w(
        "rundll32",
        "rundll32.exe",
        "Windows host process (Rundll32)",
        71_680,
        original="RUNDLL32.EXE",
    ),
    _w("reg", "reg.exe", "Registry Console Tool", 77_824),
    _w("schtasks", "schtasks.exe", "Task Scheduler Configuration Tool", 235_520),
    _w("net", "net.exe", "Net Command", 58_880),
    _w("net1", "net1.exe", "Net Command", 181_760),
    _w("whoami", "whoami.exe", "whoami - displays logged on user information", 73_728),
    _w("nltest", "nltest.exe", "Microsoft\u00ae Logon Server Test Utility", 545_792),
    _w("systeminfo", "systeminfo.exe", "Displays system information", 102_400),
    _w("tasklist", "tasklist.exe", "Lists the current running tasks", 98_816),
    _w(
        "vssadmin",
        "vssadmin.exe",
        "Command Line Interface for Microsoft\u00ae Volume Shadow Copy Service ",
        136_192,
    ),
    _w("wmic", "WMIC.exe", "WMI Commandline Utility", 571_392, folder=S32 + "\\wbem"),
    _w("bcdedit", "bcdedit.exe", "Boot Configuration Data Editor", 512_000),
    _w("wbadmin", "wbadmin.exe", "Command Line Interface for Microsoft\u00ae BLB Backup", 456_704),
    _w("dns", "dns.exe", "Domain Name System (DNS) Server", 2_470_400),
    _w("dfsrs", "dfsrs.exe", "Distributed File System Replication", 3_321_856),
    _w(
        "sqlservr",
        "sqlservr.exe",
        "SQL Server Windows NT - 64 Bit",
        510_976,
        folder="C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn",
        product="Microsoft SQL Server",
        version="2022.160.4135.4",
        signer="OsVendorApplication",
    ),
    _w("w3wp", "w3wp.exe", "IIS Worker Process", 29_184, folder=S32 + "\\inetsrv"),
    _w("system", "System", "", 0, folder=""),
    _w(
        "procdump",
        "procdump64.exe",
        "Sysinternals process dump utility",
        424_856,
        folder="C:\\Users\\Public",
        company="Sysinternals - www.sysinternals.com",
        product="ProcDump",
        version="11.0",
        signer="OsVendorApplication",
        original="procdump",
    ),
    _w(
        "psexec",
        "PsExec.exe",
        "Execute processes remotely",
        716_176,
        folder="C:\\Windows\\Temp",
        company="Sysinternals - www.sysinternals.com",
        product="Sysinternals PsExec",
        version="2.43",
        signer="OsVendorApplication",
        original="psexec.c",
    ),
    _w(
        "psexesvc",
        "PSEXESVC.exe",
        "PsExec Service",
        196_984,
        folder="C:\\Windows",
        company="Sysinternals - www.sysinternals.com",
        product="Sysinternals PsExec",
        version="2.43",
        signer="OsVendorApplication",
    ),
    _w(
        "rclone",
        "rclone.exe",
        "Rsync for cloud storage",
        61_521_408,
        folder="C:\\ProgramData\\sync",
        company="https://rclone.org",
        product="Rclone",
        version="1.68.2",
        signer="Unknown",
    ),
    _w("curl", "curl.exe", "The curl executable", 626_688),
    # Linux
    Image(
        "systemd",
        "systemd",
        "/usr/lib/systemd",
        company="",
        product="",
        version="",
        size=1_836_128,
        signer="",
    ),
    Image("cron", "cron", "/usr/sbin", company="", product="", version="", size=55_944, signer=""),
    Image("sshd", "sshd", "/usr/sbin", company="", product="", version="", size=921_488, signer=""),
    Image(
        "bash", "bash", "/usr/bin", company="", product="", version="", size=1_396_520, signer=""
    ),
    Image("sh", "dash", "/usr/bin", company="", product="", version="", size=125_688, signer=""),
    Image(
        "python3",
        "python3.10",
        "/usr/bin",
        company="",
        product="",
        version="",
        size=5_904_904,
        signer="",
    ),
    Image(
        "aptget", "apt-get", "/usr/bin", company="", product="", version="", size=18_824, signer=""
    ),
    Image(
        "logrotate",
        "logrotate",
        "/usr/sbin",
        company="",
        product="",
        version="",
        size=96_648,
        signer="",
    ),
    Image("lcurl", "curl", "/usr/bin", company="", product="", version="", size=260_328, signer=""),
    Image(
        "nginx", "nginx", "/usr/sbin", company="", product="", version="", size=1_190_336, signer=""
    ),
    Image("ls", "ls", "/usr/bin", company="", product="", version="", size=138_208, signer=""),
    Image("grep", "grep", "/usr/bin", company="", product="", version="", size=186_176, signer=""),
    Image(
        "mdatp",
        "wdavdaemon",
        "/opt/microsoft/mdatp/sbin",
        company="",
        product="",
        version="",
        size=3_211_264,
        signer="",
    ),
)

_BY_KEY = MappingProxyType({image.key: image for image in IMAGES})


def image(key: str) -> Image:
    """The catalog image called *key* (a KeyError names a programming mistake)."""
    return _BY_KEY[key]


def dropped_image(name: str, folder: str, size: int) -> Image:
    """An attacker's own unsigned binary: no version resource, a hash of its own."""
    return Image(
        f"dropped:{name}",
        name,
        folder,
        "",
        company="",
        product="",
        version="",
        size=size,
        signer="Unknown",
    )
