"""Which tables a question is about: evidence per table, scored, as data.

Three kinds of evidence, each a phrase found in the question at some word positions:

- the table's own name, split into words (``DeviceFileEvents`` -> "device file events");
  every run of consecutive name words is a phrase, weighted by how rare its words are among
  table names, so "file" says less than "file certificate";
- column names the question spells (``SHA256``, ``RemoteIP``, ``folder path``), weighted by
  how few tables have that column;
- a small vocabulary written here (``agent/table_vocab.yaml``): what analysts call the data
  ("logons", "usb mount", "phishing", "registry key").

Per table, non-overlapping matches are added up (heaviest first). The best table is chosen;
another table is added only when it has evidence of its own at positions the first one does
not explain (a question about "attachments and post-delivery events of emails" names three).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from tracehound.agent.entities import extract
from tracehound.schema import get_table
from tracehound.schema.tables import TABLES

_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
#: Name words that alone say nothing about which table is meant.
GENERIC_NAME_WORDS = (
    "device event info log beta in kb cl tvm user security activity azure aad identity "
    "non interactive sign windows microsoft graph service"
)
#: Columns every table (or nearly) has, or that are too vague to count.
IGNORED_COLUMNS = frozenset({"timestamp", "timegenerated", "type", "tenantid", "sourcesystem"})
NAME_WEIGHT = 1.2
COLUMN_WEIGHT = 1.1
COLUMN_PHRASE_WEIGHT = 0.6
COLUMN_IDF_CAP = 2.5
MIN_SCORE = 1.5
#: A second table needs this much evidence of its own, and this share of the best score.
SECOND_MIN = 4.0
SECOND_SHARE = 0.3
MAX_TABLES = 3


@dataclass(frozen=True)
class Term:
    """One phrase (stemmed words) that is evidence for one table."""

    words: tuple[str, ...]
    table: str
    weight: float
    source: str  # "name", "column:<Name>", "vocabulary"


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: Term


@dataclass(frozen=True)
class TableChoice:
    """The chosen tables, best first, with each one's score and the evidence behind it."""

    tables: tuple[str, ...]
    scores: dict[str, float]
    evidence: dict[str, tuple[str, ...]]

    def as_dict(self) -> dict[str, object]:
        return {
            "tables": list(self.tables),
            "scores": {t: round(self.scores[t], 2) for t in self.tables},
            "evidence": {t: list(self.evidence[t]) for t in self.tables},
        }


def stem(word: str) -> str:
    """A light English stemmer: plurals and -ing/-ed, so "devices", "logons" and "logged" meet
    "device", "logon" and "log" (retrieval's stemmer is looser and splits "device"/"devices")."""
    rules: tuple[tuple[str, str, int], ...] = (
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("xes", "x", 4),
        ("ches", "ch", 5),
        ("shes", "sh", 5),
    )
    for suffix, replacement, min_len in rules:
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for suffix, min_len in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case, stemmed words; nothing dropped, so phrases keep their small words."""
    return [stem(w) for w in _WORD.findall(text.lower())]


def split_name(name: str) -> list[str]:
    """``DeviceFileCertificateInfo`` -> device, file, certificate, info (stemmed)."""
    return [stem(w.lower()) for w in _CAMEL.findall(name)]


def _name_terms() -> list[Term]:
    names = {t: split_name(t) for t in TABLES}
    df = Counter(w for ws in names.values() for w in set(ws))
    n = len(names)
    idf = {w: math.log(1 + n / f) for w, f in df.items()}
    generic = {stem(w) for w in GENERIC_NAME_WORDS.split()}
    terms = []
    for table, ws in names.items():
        for i in range(len(ws)):
            for j in range(i + 1, len(ws) + 1):
                gram = tuple(ws[i:j])
                whole = i == 0 and j == len(ws)
                if not whole and all(w in generic for w in gram):
                    continue
                weight = NAME_WEIGHT * sum(idf[w] for w in gram) + (1.0 if whole else 0.0)
                terms.append(Term(gram, table, weight, "name"))
    return terms


def _column_terms() -> tuple[list[Term], dict[str, list[tuple[str, float]]]]:
    """Column phrases (two words or more) and exact column names -> (table, weight)."""
    owners: dict[str, set[str]] = {}
    spelled: dict[str, str] = {}
    for table in TABLES:
        for column in get_table(table).columns:
            if column.is_system or column.name.startswith("_"):
                continue
            key = column.name.lower()
            if key in IGNORED_COLUMNS:
                continue
            owners.setdefault(key, set()).add(table)
            spelled[key] = column.name
    n = len(TABLES)
    exact: dict[str, list[tuple[str, float]]] = {}
    phrases: list[Term] = []
    for key, tables in owners.items():
        idf = math.log(n / len(tables))
        if idf <= 0.2:
            continue
        gram = tuple(split_name(spelled[key]))
        if len(gram) >= 2 or any(ch.isdigit() for ch in key):  # an identifier, not a word
            exact[key] = [(t, COLUMN_WEIGHT * min(idf, COLUMN_IDF_CAP)) for t in sorted(tables)]
        if len(gram) >= 2:
            phrases += [
                Term(
                    gram,
                    t,
                    COLUMN_PHRASE_WEIGHT * min(idf, COLUMN_IDF_CAP),
                    f"column:{spelled[key]}",
                )
                for t in sorted(tables)
            ]
    return phrases, exact


@dataclass(frozen=True)
class _Index:
    terms: dict[tuple[str, ...], list[Term]]
    exact_columns: dict[str, list[tuple[str, float]]]
    priors: dict[str, float]
    fallback: dict[str, str]
    longest: int


@cache
def _index() -> _Index:
    text = resources.files("tracehound.agent").joinpath("table_vocab.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    terms = _name_terms()
    column_phrases, exact = _column_terms()
    terms += column_phrases
    for table, phrases in data["phrases"].items():
        if table not in TABLES:
            raise ValueError(f"table_vocab.yaml names unknown table {table!r}")
        terms += [
            Term(tuple(words(str(p))), table, float(w), "vocabulary") for p, w in phrases.items()
        ]
    by_words: dict[tuple[str, ...], list[Term]] = {}
    for term in terms:
        if term.words:
            by_words.setdefault(term.words, []).append(term)
    priors = {str(k): float(v) for k, v in (data.get("priors") or {}).items()}
    fallback = {str(k): str(v) for k, v in (data.get("fallback") or {}).items()}
    return _Index(by_words, exact, priors, fallback, max(len(k) for k in by_words))


#: Values, not words about data: quoted text, addresses, paths, dotted names, long hex ids.
_VALUES = re.compile(
    r"\"[^\"]*\"|(?<!\w)'[^']*'(?!\w)|\S+@\S+|\S*\\\S*|\b[\w-]+(?:\.[\w-]+)+\b|\b[0-9a-f]*\d[0-9a-f]{7,}\b",
    re.IGNORECASE,
)


def mask_values(question: str) -> str:
    """*question* with values blanked: "microsoft.com" or "BlueDog" say nothing of the table."""
    return _VALUES.sub(" ", question)


def _matches(question: str) -> dict[str, list[Match]]:
    """Every term found in *question* (values masked), grouped by table."""
    index = _index()
    question = mask_values(question)
    tokens = words(question)
    found: dict[str, list[Match]] = {}
    for i in range(len(tokens)):
        for j in range(i + 1, min(len(tokens), i + index.longest) + 1):
            for term in index.terms.get(tuple(tokens[i:j]), ()):
                found.setdefault(term.table, []).append(Match(i, j, term))
    for i, word in enumerate(_WORD.findall(question.lower())):  # exact column spellings
        for table, weight in index.exact_columns.get(word, ()):
            term = Term((word,), table, weight, f"column:{word}")
            found.setdefault(table, []).append(Match(i, i + 1, term))
    return found


def _greedy(matches: list[Match], blocked: set[int]) -> list[Match]:
    """Heaviest non-overlapping matches, skipping *blocked* positions."""
    taken: set[int] = set(blocked)
    chosen = []
    for m in sorted(matches, key=lambda m: (-m.term.weight, m.start)):
        span = set(range(m.start, m.end))
        if span & taken:
            continue
        taken |= span
        chosen.append(m)
    return chosen


def _fallback(question: str, scores: dict[str, float], allowed: set[str] | None) -> TableChoice:
    """No table named or described: the table of the first kind of entity the question names."""
    named = extract(question).as_dict()
    for kind, table in _index().fallback.items():
        if named.get(kind + "s") and (allowed is None or table in allowed):
            return TableChoice((table,), {**scores, table: 0.0}, {table: (f"a {kind} is named",)})
    return TableChoice((), scores, {})


def select_tables(question: str, allowed: set[str] | None = None) -> TableChoice:
    """The tables *question* is about (none when nothing in it points at a table)."""
    index = _index()
    found = _matches(question)
    if allowed is not None:
        found = {t: m for t, m in found.items() if t in allowed}
    chosen_matches = {t: _greedy(ms, set()) for t, ms in found.items()}
    scores = {
        t: sum(m.term.weight for m in ms) + index.priors.get(t, 0.0)
        for t, ms in chosen_matches.items()
    }
    ranked = sorted(scores, key=lambda t: (-scores[t], t))
    if not ranked or scores[ranked[0]] < MIN_SCORE:
        return _fallback(question, scores, allowed)
    best = ranked[0]
    tables = [best]
    explained = {p for m in chosen_matches[best] for p in range(m.start, m.end)}
    for other in ranked[1:]:
        if len(tables) >= MAX_TABLES:
            break
        own = _greedy(found[other], explained)
        own_score = sum(m.term.weight for m in own)
        if own_score >= SECOND_MIN and own_score >= SECOND_SHARE * scores[best]:
            tables.append(other)
            explained |= {p for m in own for p in range(m.start, m.end)}
    evidence = {
        t: tuple(
            f"{' '.join(m.term.words)} ({m.term.source}, {m.term.weight:.1f})"
            for m in chosen_matches[t]
        )
        for t in tables
    }
    return TableChoice(tuple(tables), scores, evidence)
