"""The lab: a synthetic organization's week of telemetry with attacks whose truth is known.

``tracehound lab seed`` builds an estate (:mod:`.estate`), generates benign background per
table (:mod:`.background`), weaves in attack scenarios (:mod:`.scenarios`) and loads it all
through the store's load path (:mod:`.seed`); :mod:`.truth` keeps what happened where.
"""

from __future__ import annotations

from tracehound.lab.seed import SeedOptions, SeedReport, seed

__all__ = ["SeedOptions", "SeedReport", "seed"]
