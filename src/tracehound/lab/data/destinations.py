"""Where benign traffic goes: services by name, their address ranges and ports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Dest:
    """A class of destination. ``@dc``/``@fs``/``@ws`` resolve to estate addresses."""

    urls: tuple[str, ...]
    prefixes: tuple[str, ...]
    ports: tuple[int, ...] = (443,)
    protocol: str = "Tcp"
    failed: float = 0.01  # share of ConnectionFailed
    inbound: bool = False


DESTS: Mapping[str, Dest] = MappingProxyType(
    {
        "m365": Dest(
            (
                "outlook.office365.com",
                "outlook.office.com",
                "substrate.office.com",
                "login.microsoftonline.com",
                "graph.microsoft.com",
                "config.office.com",
                "officeclient.microsoft.com",
                "contoso.sharepoint.com",
                "contoso-my.sharepoint.com",
            ),
            ("52.96.0.0/14", "40.126.0.0/18", "20.190.128.0/18", "13.107.136.0/22"),
        ),
        "teams": Dest(
            (
                "teams.microsoft.com",
                "presence.teams.microsoft.com",
                "api.flightproxy.teams.microsoft.com",
                "statics.teams.cdn.office.net",
            ),
            ("52.112.0.0/14", "13.107.64.0/18"),
        ),
        "onedrive": Dest(
            ("contoso-my.sharepoint.com", "g.live.com", "oneclient.sfx.ms", "skyapi.live.net"),
            ("13.107.136.0/22", "13.107.42.0/24"),
        ),
        "web": Dest(
            (
                "www.google.com",
                "www.bing.com",
                "www.linkedin.com",
                "github.com",
                "stackoverflow.com",
                "www.youtube.com",
                "en.wikipedia.org",
                "www.nytimes.com",
                "docs.python.org",
                "www.amazon.com",
                "www.salesforce.com",
                "contoso.my.salesforce.com",
                "www.zoom.us",
                "cdn.jsdelivr.net",
                "fonts.gstatic.com",
                "ajax.googleapis.com",
            ),
            (
                "142.250.0.0/15",
                "172.217.0.0/16",
                "104.16.0.0/13",
                "151.101.0.0/16",
                "13.32.0.0/15",
                "140.82.112.0/20",
                "185.199.108.0/22",
                "208.80.152.0/22",
            ),
        ),
        "defender": Dest(
            (
                "winatp-gw-eus.microsoft.com",
                "us-v20.events.data.microsoft.com",
                "wdcp.microsoft.com",
                "wdcpalt.microsoft.com",
                "definitionupdates.microsoft.com",
                "go.microsoft.com",
                "unitedstates.x.cp.wd.microsoft.com",
            ),
            ("20.42.0.0/16", "52.168.0.0/14", "13.89.0.0/16"),
        ),
        "update": Dest(
            (
                "fe3cr.delivery.mp.microsoft.com",
                "sls.update.microsoft.com",
                "slscr.update.microsoft.com",
                "tsfe.trafficshaping.dsp.mp.microsoft.com",
                "ctldl.windowsupdate.com",
                "msedge.b.tlu.dl.delivery.mp.microsoft.com",
            ),
            ("20.72.0.0/14", "13.95.0.0/16", "93.184.221.0/24"),
        ),
        "telemetry": Dest(
            (
                "v10.events.data.microsoft.com",
                "self.events.data.microsoft.com",
                "settings-win.data.microsoft.com",
                "arc.msn.com",
                "ris.api.iris.microsoft.com",
            ),
            ("20.189.173.0/24", "52.182.143.0/24", "13.69.239.0/24"),
        ),
        "ubuntu": Dest(
            (
                "archive.ubuntu.com",
                "security.ubuntu.com",
                "api.snapcraft.io",
                "packages.microsoft.com",
                "esm.ubuntu.com",
            ),
            ("91.189.91.0/24", "185.125.190.0/24", "13.80.99.0/24"),
            (80, 443),
        ),
        "azure": Dest(
            (
                "management.azure.com",
                "login.microsoftonline.com",
                "rdfepirv2bl2prdstr02.blob.core.windows.net",
                "wireserver.azure.internal",
            ),
            ("20.190.128.0/18", "52.239.0.0/16", "20.38.0.0/16"),
        ),
        "dc_kerberos": Dest(("",), ("@dc",), (88, 389, 445, 135, 53), "Tcp", 0.002),
        "dc_dns": Dest(("",), ("@dc",), (53,), "Udp", 0.0),
        "fs_smb": Dest(("",), ("@fs",), (445,), "Tcp", 0.003),
        "ws_inbound": Dest(("",), ("@ws",), (88, 389, 445, 135, 53), "Tcp", 0.0, inbound=True),
        "smb_inbound": Dest(("",), ("@ws",), (445,), "Tcp", 0.0, inbound=True),
        "web_inbound": Dest(("",), ("@internet",), (443, 80), "Tcp", 0.0, inbound=True),
        "sql_inbound": Dest(("",), ("@app",), (1433,), "Tcp", 0.0, inbound=True),
    }
)
