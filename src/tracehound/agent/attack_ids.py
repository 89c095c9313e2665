"""ATT&CK lookups the agent needs, through the project's catalog (``tracehound.attack``)."""

from __future__ import annotations

from typing import Any


def technique_problem(technique_id: str) -> str | None:
    """Why *technique_id* is not a valid ATT&CK id, or None when it is."""
    from tracehound.attack.catalog import catalog

    return catalog().problem(technique_id)


def describe_technique(technique_id: str) -> dict[str, Any]:
    """Name and tactics of a technique, or the problem with the id."""
    from tracehound.attack.catalog import catalog

    problem = catalog().problem(technique_id)
    if problem:
        return {"id": technique_id, "error": problem}
    found = catalog().describe(technique_id)
    assert found is not None
    return {"id": found.id, "name": found.name, "tactics": list(found.tactics)}


def search_techniques(text: str, limit: int = 5) -> list[dict[str, Any]]:
    """Techniques whose name contains every word of *text* (for the model's lookups)."""
    from tracehound.attack.catalog import catalog

    words = [w.lower() for w in text.split() if w]
    hits = [
        t
        for t in catalog().all_techniques()
        if all(w in t.name.lower() for w in words) and not (t.revoked or t.deprecated)
    ]
    return [{"id": t.id, "name": t.name, "tactics": list(t.tactics)} for t in hits[:limit]]
