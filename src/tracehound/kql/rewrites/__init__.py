"""Compatibility rewrites: KQL the corpus uses, turned into KQL duckdb-kql runs.

Each module holds one family of rewrites; :mod:`tracehound.kql.compat` lists them in the
order they apply. A rewrite returns the query unchanged whenever it is not sure the new text
means the same, so the engine refuses the original with duckdb-kql's own reason.
"""
