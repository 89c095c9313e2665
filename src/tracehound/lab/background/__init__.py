"""Benign background telemetry, one module per table, all driven by a per-day plan.

``BACKGROUND_DAILY`` generators run once per day with that day's plan; ``BACKGROUND_WINDOW``
generators build their (small) table for the whole window at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tracehound.lab.context import LabContext
from tracehound.lab.frames import Batch

from . import azure, files, flows, inventory, logon, network, process, registry, signin
from .common import Instances
from .plan import DayPlan

DailyGenerator = Callable[[LabContext, DayPlan, Instances], Iterable[Batch]]
WindowGenerator = Callable[[LabContext], Iterable[Batch]]

BACKGROUND_DAILY: tuple[tuple[str, DailyGenerator], ...] = (
    ("DeviceProcessEvents", process.generate),
    ("DeviceNetworkEvents", network.generate),
    ("DeviceFileEvents", files.generate),
    ("DeviceRegistryEvents", registry.generate),
    ("DeviceLogonEvents", logon.generate),
)
BACKGROUND_WINDOW: tuple[tuple[str, WindowGenerator], ...] = (
    ("DeviceInfo", inventory.generate),
    ("SigninLogs", signin.generate),
    ("AzureActivity", azure.generate),
    ("AzureNetworkAnalytics_CL", flows.generate),
)
