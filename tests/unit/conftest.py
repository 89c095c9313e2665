"""Unit-test fixtures: the embedded backend over the test's fresh store."""

from __future__ import annotations

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.store import Store


@pytest.fixture
def backend(store: Store) -> LocalBackend:
    return LocalBackend(store)
