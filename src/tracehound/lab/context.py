"""What every generator gets: the estate, the window, the seed and a way to draw randomness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracehound.lab.clock import Window
from tracehound.lab.estate import Estate
from tracehound.lab.ids import stream


@dataclass(frozen=True)
class LabContext:
    estate: Estate
    window: Window
    seed: int
    scale: float = 1.0  # multiplies background volumes (benchmarks, tests)

    def rng(self, *key: str | int) -> np.random.Generator:
        """The random stream for one purpose; independent of every other purpose."""
        return stream(self.seed, *key)
