"""Sigma rules: read folders / archives, convert to Defender KQL once, and cache the result.

Conversion uses pySigma with ``pysigma-backend-kusto`` and its ``microsoft_xdr`` pipeline (the
Defender XDR tables). Each rule is converted on its own so one failure never stops an import;
the reason for every skipped rule is kept. Converted KQL is cached by a hash of the rule text
and the converter versions, so a rule is compiled once.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from tracehound.attack import catalog
from tracehound.rules.model import Fidelity, Rule, Severity

SIGMA_SUFFIXES = (".yml", ".yaml")
LEVELS = {
    "informational": "informational",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}
#: Sigma status -> how much we trust the rule when it fires.
STATUS_FIDELITY = {"stable": Fidelity.high, "test": Fidelity.medium, "experimental": Fidelity.low}


@dataclass(frozen=True)
class SigmaSource:
    """One Sigma file read from a folder or an archive."""

    path: str  # location inside the folder / archive
    text: str


@dataclass(frozen=True)
class Conversion:
    source: SigmaSource
    rule: Rule | None
    skipped: str = ""  # the reason when rule is None
    notes: tuple[str, ...] = ()


def read_sources(path: Path) -> Iterator[SigmaSource]:
    """Sigma YAML files under *path*: a file, a folder, a .zip or a .tar(.gz)."""
    name = path.name.lower()
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and file.suffix.lower() in SIGMA_SUFFIXES:
                yield SigmaSource(str(file.relative_to(path)), file.read_text("utf-8", "replace"))
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(path) as archive:
            for member in sorted(archive.getmembers(), key=lambda m: m.name):
                if member.isfile() and member.name.lower().endswith(SIGMA_SUFFIXES):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield SigmaSource(member.name, handle.read().decode("utf-8", "replace"))
    elif name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if not info.is_dir() and info.filename.lower().endswith(SIGMA_SUFFIXES):
                    yield SigmaSource(info.filename, archive.read(info).decode("utf-8", "replace"))
    elif path.is_file():
        yield SigmaSource(path.name, path.read_text("utf-8", "replace"))
    else:
        from tracehound.errors import UsageError

        raise UsageError(
            f"{path}: no such file or folder", "pass a Sigma folder, .yml, .zip or .tar.gz"
        )


def converter_version() -> str:
    return f"pysigma {version('pysigma')}; kusto {version('pysigma-backend-kusto')}; microsoft_xdr"


def cache_key(text: str) -> str:
    return hashlib.sha256(f"{converter_version()}\n{text}".encode()).hexdigest()


class SigmaConverter:
    """Converts Sigma YAML to KQL; ``cache`` maps cache keys to (kql, error) across calls."""

    def __init__(self, cache: dict[str, tuple[str | None, str | None]] | None = None) -> None:
        from sigma.backends.kusto import KustoBackend  # type: ignore[attr-defined]
        from sigma.pipelines.microsoftxdr import microsoft_xdr_pipeline  # type: ignore[attr-defined]

        pipeline: Any = microsoft_xdr_pipeline()
        self._backend = KustoBackend(processing_pipeline=pipeline)
        self.cache = cache if cache is not None else {}
        self.new_entries: dict[str, tuple[str | None, str | None]] = {}

    def kql(self, text: str) -> tuple[str | None, str | None]:
        """(kql, None) or (None, reason) for one Sigma document."""
        key = cache_key(text)
        if key in self.cache:
            return self.cache[key]
        from sigma.collection import SigmaCollection

        try:
            collection = SigmaCollection.from_yaml(text)
            queries = self._backend.convert(collection)
            outcome: tuple[str | None, str | None]
            if len(queries) != 1 or not isinstance(queries[0], str):
                outcome = (None, f"conversion produced {len(queries)} queries, expected one")
            else:
                outcome = (queries[0], None)
        except Exception as exc:
            outcome = (None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:240]}")
        self.cache[key] = outcome
        self.new_entries[key] = outcome
        return outcome

    def convert(self, source: SigmaSource, origin: str) -> Conversion:
        try:
            meta = yaml.safe_load(source.text)
        except yaml.YAMLError as exc:
            return Conversion(source, None, f"not valid YAML: {str(exc).splitlines()[0]}")
        if not isinstance(meta, dict) or "detection" not in meta or "logsource" not in meta:
            return Conversion(source, None, "not a Sigma detection rule (no logsource/detection)")
        if meta.get("correlation"):
            return Conversion(source, None, "correlation rules are not supported")
        if str(meta.get("status", "")).lower() in ("deprecated", "unsupported"):
            return Conversion(source, None, f"status {meta.get('status')}")
        kql, error = self.kql(source.text)
        if kql is None:
            return Conversion(source, None, error or "conversion failed")
        return _to_rule(source, meta, kql, origin)


def _to_rule(source: SigmaSource, meta: dict[str, Any], kql: str, origin: str) -> Conversion:
    table = kql.split("|", 1)[0].strip().split()[0] if kql.strip() else ""
    try:
        from tracehound.schema import get_table

        table = get_table(table).name
    except Exception:
        return Conversion(source, None, f"converted query reads {table!r}, not a known table")
    attack = catalog()
    techniques: list[str] = []
    notes: list[str] = []
    for tag in meta.get("tags") or []:
        text = str(tag).lower()
        if text.startswith("attack.t") and text[8:9].isdigit():
            tid = text[7:].upper()
            problem = attack.problem(tid)
            if problem:
                notes.append(problem)
            else:
                techniques.append(tid)
    level = LEVELS.get(str(meta.get("level", "medium")).lower(), "medium")
    status = str(meta.get("status", "experimental")).lower()
    rid = str(meta.get("id") or hashlib.sha1(source.path.encode()).hexdigest()[:16])
    rule = Rule(
        id=f"sigma-{rid}",
        title=str(meta.get("title", source.path)),
        query=kql,
        tables=(table,),
        severity=Severity.parse(level),
        techniques=tuple(dict.fromkeys(techniques)),
        kind="sigma",
        source=f"sigma:{origin}",
        description=str(meta.get("description", "")).strip(),
        fidelity=STATUS_FIDELITY.get(status, Fidelity.low),
        status=status,
        tags=tuple(str(t) for t in meta.get("tags") or []),
        location=source.path,
    )
    return Conversion(source, rule, notes=tuple(notes))


def load_text(text: str, path: str, origin: str, converter: SigmaConverter) -> Conversion:
    return converter.convert(SigmaSource(path, text), origin)


def archive_bytes_sources(data: bytes) -> Iterator[SigmaSource]:
    """Sigma files inside an in-memory .zip or .tar.gz (what ``rules update`` downloads)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir() and info.filename.lower().endswith(SIGMA_SUFFIXES):
                    yield SigmaSource(info.filename, archive.read(info).decode("utf-8", "replace"))
        return
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.lower().endswith(SIGMA_SUFFIXES):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield SigmaSource(member.name, handle.read().decode("utf-8", "replace"))
