"""Detection rules: the model, native YAML analytics, Sigma conversion and the library."""

from tracehound.rules.model import Fidelity, Rule, Severity

__all__ = ["Fidelity", "Rule", "Severity"]
