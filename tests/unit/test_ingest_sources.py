"""Input expansion and format detection: folders, zip / tar.gz members, junk, truncation."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

from tracehound.ingest import ingest_paths
from tracehound.ingest.detect import Prefixed, sniff
from tracehound.ingest.sources import Input, Problem, Skipped, expand
from tracehound.store import Store

EVENT = {
    "Hostname": "H",
    "Channel": "Security",
    "EventID": 4624,
    "RecordNumber": 1,
    "@timestamp": "2024-01-01T00:00:00Z",
}


def _tar_gz(path: Path, members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue())
    path.write_bytes(packed)
    return packed


def test_folders_are_walked_and_junk_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_text(json.dumps(EVENT))
    (tmp_path / "notes.md").write_text("# notes")
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        archive.writestr("b.json", json.dumps(EVENT))
        archive.writestr("__MACOSX/._b.json", b"\x00\x05")
    seen = []
    for item in expand([tmp_path, tmp_path / "missing.json"]):
        if isinstance(item, Input):
            seen.append(("input", item.location.replace(str(tmp_path), ""), item.stream.read()[:1]))
        else:
            seen.append(
                (type(item).__name__, item.location.replace(str(tmp_path), ""), item.reason)
            )
    assert seen == [
        ("input", "/b.zip!b.json", b"{"),
        ("Skipped", "/b.zip!__MACOSX/._b.json", "macOS resource fork"),
        ("Skipped", "/notes.md", "not an input file type"),
        ("input", "/sub/a.json", b"{"),
        ("Problem", "/missing.json", "no such file or folder"),
    ]


def test_gzip_cut_after_the_last_member_loses_nothing(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "t.tar.gz"
    packed = _tar_gz(path, {"x/e.json": json.dumps(EVENT).encode() + b"\n"})
    path.write_bytes(packed[:-8])  # drop the gzip trailer (CRC and size)
    items = list(expand([path]))
    assert isinstance(items[0], Input)
    summary = ingest_paths(store, [path])
    assert summary.inserted == {"SecurityEvent": 1, "DeviceLogonEvents": 1}
    assert summary.quarantined == 0


def test_member_cut_short_is_quarantined(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "t.tar.gz"
    lines = b"".join(json.dumps({**EVENT, "RecordNumber": i}).encode() + b"\n" for i in range(3000))
    packed = _tar_gz(path, {"e.json": lines})
    path.write_bytes(packed[: len(packed) // 2])
    summary = ingest_paths(store, [path])
    assert summary.quarantined >= 1
    assert any("truncated" in r or "ends" in r for r in summary.quarantine_reasons)
    assert 0 < summary.inserted.get("SecurityEvent", 0) < 3000


def test_corrupt_zip_and_unknown_files_are_reported(tmp_path: Path, store: Store) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "audit.json").write_text('{"type": "SYSCALL", "msg": "audit(1.0:1)"}\n')
    summary = ingest_paths(store, [tmp_path / "bad.zip", tmp_path / "audit.json"])
    assert summary.quarantined == 2
    rows = store.con.execute("SELECT reason FROM _quarantine ORDER BY location").fetchall()
    assert rows[0][0].startswith("unknown layout: JSON records of no known layout")
    assert rows[1][0].startswith("not a readable zip archive")


def test_sniff_and_prefixed_stream() -> None:
    assert sniff("x.evtx", b"ElfFile\x00rest").kind == "evtx"
    assert sniff("x.json", b"[{}]").kind == "document"
    assert sniff("x.json", json.dumps(EVENT).encode()).layout == "nxlog"
    assert (
        sniff("DeviceProcessEvents_export.jsonl", b'{"FileName": "a"}').table
        == "DeviceProcessEvents"
    )
    assert (
        sniff("x.json", b'{"Type": "VMConnection"}').reason
        == "rows of table 'VMConnection', which is not in the schema"
    )
    assert sniff("x.bin", b"\xd4\xc3\xb2\xa1").kind == "unknown"
    stream = Prefixed(b"abc", io.BytesIO(b"def"))
    assert stream.read(2) + stream.read(2) + stream.read() == b"abcdef"


def test_problem_and_skipped_carry_reasons() -> None:
    assert Problem("p", "r").reason == "r" and Skipped("p", "").weight == 0
