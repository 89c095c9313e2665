"""BM25 over short documents (hunts, table descriptions), written here: the corpus is a few
hundred documents, so a dictionary index beats any dependency.

Okapi BM25 as in Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and
Beyond" (2009): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.2, b = 0.75.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")
#: Light suffix stripping so "logons", "logged" and "logon" meet.
_SUFFIXES = ("ings", "ing", "ed", "es", "s")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "with",
        "from",
        "at",
        "as",
        "that",
        "this",
        "it",
        "i",
        "im",
        "i'm",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "show",
        "give",
        "get",
        "list",
        "find",
        "display",
        "all",
        "any",
        "have",
        "has",
        "had",
        "might",
        "may",
        "could",
        "would",
        "should",
        "there",
        "their",
        "what",
        "which",
        "who",
        "when",
        "where",
        "how",
        "do",
        "did",
        "does",
        "not",
        "last",
        "past",
        "days",
        "day",
        "hours",
        "hour",
        "week",
        "weeks",
        "worried",
        "think",
    ]
)


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


@dataclass(frozen=True)
class Hit:
    index: int
    score: float


class BM25:
    """An index over *documents*; ``search`` returns hits by descending score."""

    def __init__(self, documents: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(tokens(d)) for d in documents]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / len(self.lengths) if self.docs else 0.0
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def score(self, query: list[str], i: int) -> float:
        doc, length = self.docs[i], self.lengths[i]
        total = 0.0
        for term in query:
            f = doc.get(term, 0)
            if f:
                norm = f + self.k1 * (1 - self.b + self.b * length / (self.avg or 1))
                total += self.idf[term] * f * (self.k1 + 1) / norm
        return total

    def search(self, text: str, limit: int = 5, min_score: float = 0.0) -> list[Hit]:
        query = tokens(text)
        hits = [Hit(i, self.score(query, i)) for i in range(len(self.docs))]
        hits = [h for h in hits if h.score > min_score]
        return sorted(hits, key=lambda h: -h.score)[:limit]
