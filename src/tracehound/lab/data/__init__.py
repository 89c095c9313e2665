"""Reference catalogs for the lab: programs, places, cloud apps and operations (data only)."""
