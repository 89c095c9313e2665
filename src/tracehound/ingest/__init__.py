"""Getting data into the store: rows already in a table's schema, and raw Windows telemetry.

``ingest_paths(store, paths, input_format="auto") -> IngestSummary`` is the entry point for
files, folders and archives of EVTX, Windows-event JSON (NXLog, Winlogbeat, event XML as JSON)
and Defender / Log Analytics exports.
"""

from tracehound.ingest.pipeline import ingest_paths
from tracehound.ingest.rows import IngestSummary

__all__ = ["IngestSummary", "ingest_paths"]
