"""KQL on the embedded store: guard, compatibility rewrites, translation and execution."""

from tracehound.kql.engine import Translation, translate

__all__ = ["Translation", "translate"]
