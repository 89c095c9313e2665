"""Input expansion: files, folders and zip / tar.gz archives, streamed one member at a time.

Each input is yielded as an :class:`Input` whose ``stream`` is valid only until the next one
is requested, so an archive is never unpacked to disk or held in memory whole. What cannot be
opened (a corrupt archive, a truncated gzip stream) is yielded as a :class:`Problem` with the
reason; what is deliberately skipped (macOS resource forks, files of no input type inside a
folder) is yielded as a :class:`Skipped`, so the summary can say so.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Extensions read when a folder is given (a file named explicitly is always tried).
INPUT_SUFFIXES = (
    ".evtx",
    ".json",
    ".jsonl",
    ".ndjson",
    ".csv",
    ".parquet",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar",
)
_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


@dataclass(frozen=True)
class Input:
    """One file to read: a plain file or an archive member."""

    location: str  # what quarantine records and messages cite: path, or archive!member
    name: str  # the file name (format detection looks at its extension)
    size: int | None  # uncompressed size when known
    stream: IO[bytes]
    weight: int  # bytes of the on-disk input this stands for (progress)


@dataclass(frozen=True)
class Problem:
    location: str
    reason: str
    weight: int = 0


@dataclass(frozen=True)
class Skipped:
    location: str
    reason: str
    weight: int = 0


Item = Input | Problem | Skipped


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return (
        name.startswith("__MACOSX/")
        or "/__MACOSX/" in name
        or base.startswith("._")
        or base == ".DS_Store"
    )


def _has_suffix(name: str, suffixes: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(lowered.endswith(s) for s in suffixes)


def expand(paths: list[Path]) -> Iterator[Item]:
    """Every readable input under *paths*, in a stable order (folders sorted, recursively)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if _has_suffix(child.name, INPUT_SUFFIXES) and not _is_junk(child.name):
                    yield from _open(child)
                else:
                    yield Skipped(str(child), "not an input file type", child.stat().st_size)
        elif path.is_file():
            yield from _open(path)
        else:
            yield Problem(str(path), "no such file or folder")


def _open(path: Path) -> Iterator[Item]:
    size = path.stat().st_size
    if _has_suffix(path.name, (".zip",)):
        yield from _zip_members(path, size)
    elif _has_suffix(path.name, _TAR_SUFFIXES):
        yield from _tar_members(path, size)
    else:
        with path.open("rb") as fh:
            yield Input(str(path), path.name, size, fh, size)


def _zip_members(path: Path, size: int) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Problem(str(path), f"not a readable zip archive: {exc}", size)
        return
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        total = sum(i.compress_size for i in infos) or 1
        for info in infos:
            location = f"{path}!{info.filename}"
            weight = size * info.compress_size // total
            if _is_junk(info.filename):
                yield Skipped(location, "macOS resource fork", weight)
                continue
            try:
                with archive.open(info) as member:
                    yield Input(location, info.filename, info.file_size, member, weight)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield Problem(location, f"zip member cannot be read: {exc}", weight)


def _tar_members(path: Path, size: int) -> Iterator[Item]:
    """Members of a tar (optionally gzip) archive, streamed.

    A gzip stream cut short after its last member (seen in public datasets) loses nothing:
    the members are read whole and the cut is only noted. A member cut short is the reader's
    to report (it sees the read fail).
    """
    try:
        archive = tarfile.open(path, mode="r|*")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield Problem(str(path), f"not a readable tar archive: {exc}", size)
        return
    seen = 0
    try:
        with archive:
            for member in archive:
                if not member.isfile():
                    continue
                seen += 1
                location = f"{path}!{member.name}"
                if _is_junk(member.name):
                    yield Skipped(location, "macOS resource fork")
                    continue
                stream = archive.extractfile(member)
                if stream is not None:
                    yield Input(location, member.name.rsplit("/", 1)[-1], member.size, stream, 0)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        if not seen:
            yield Problem(str(path), f"archive ends before its first member: {exc}", size)
            return
        yield Skipped(
            str(path),
            "compressed stream ends early after its last member (a member cut short is quarantined)",
            size,
        )
        return
    yield Skipped(str(path), "", size)  # progress only: the archive is done
