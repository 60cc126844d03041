"""Metrics on model outputs: log-loss, top-k, accuracies and calibration.

Which file to open:

    _targets.py      what a target *is*: scikit-learn's target types, label
                     checks and messages, label encoding (private, shared)
    _log_loss.py     log_loss, top_k_accuracy_score (scikit-learn drop-ins)
    _accuracy.py     binary / categorical / sparse_categorical accuracy and
                     `accuracy`, which resolves the target type first
    _calibration.py  brier_score, expected_calibration_error,
                     reliability_curve (the sums of xentc.scoring)
    ../grouped.py    grouped_accuracy (with the grouped softmax loss)

Every public name is importable as ``xentc.metrics.<name>``; the private
modules are an implementation detail.
"""

# losses.py and grouped.py import each other; the cycle resolves only when
# losses.py is loaded first, which _log_loss does
from ._log_loss import log_loss, top_k_accuracy_score

# isort: split
from ..grouped import grouped_accuracy
from ._accuracy import accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy
from ._calibration import brier_score, expected_calibration_error, reliability_curve

__all__ = [
    "accuracy",
    "binary_accuracy",
    "brier_score",
    "categorical_accuracy",
    "expected_calibration_error",
    "grouped_accuracy",
    "log_loss",
    "reliability_curve",
    "sparse_categorical_accuracy",
    "top_k_accuracy_score",
]
