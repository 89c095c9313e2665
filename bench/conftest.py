"""The benchmarks use the tests' ``shared`` fixture (skip, or fail under CI, without it)."""

from tests.conftest import shared

__all__ = ["shared"]
