"""Detection: run rules over the store, turn rows into alerts, score and group them."""

from tracehound.detect.alerts import Alert
from tracehound.detect.queries import ScanWindow
from tracehound.detect.runner import DetectionResult, RuleOutcome, run_rules

__all__ = ["Alert", "DetectionResult", "RuleOutcome", "ScanWindow", "run_rules"]
