"""MITRE ATT&CK offline: the catalog, the crosswalk of superseded ids, and rule coverage."""

from tracehound.attack.catalog import AttackCatalog, Technique, catalog

__all__ = ["AttackCatalog", "Technique", "catalog"]
