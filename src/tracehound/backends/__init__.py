"""Where queries run: the embedded store now, Azure Log Analytics / ADX later, one interface."""

from tracehound.backends.base import LogBackend, QueryResult, TimeWindow

__all__ = ["LogBackend", "QueryResult", "TimeWindow"]
