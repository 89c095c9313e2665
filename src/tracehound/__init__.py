"""Tracehound: an open agentic SOC analyst and threat hunter over Defender / Sentinel tables."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tracehound")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
