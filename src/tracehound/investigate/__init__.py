"""Investigation: pivots across tables, the attack timeline, affected assets, process trees and
related alerts, reconstructed from an incident with KQL on any backend."""

from tracehound.investigate.model import Investigation
from tracehound.investigate.service import DEFAULT_PADDING, investigate

__all__ = ["DEFAULT_PADDING", "Investigation", "investigate"]
