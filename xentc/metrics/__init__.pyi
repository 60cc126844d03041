# Stubs of the package's public names; the private modules (_targets,
# _log_loss, _accuracy, _calibration) are an implementation detail.
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.sparse import sparray, spmatrix

from ..grouped import grouped_accuracy as grouped_accuracy

# label vectors / indicator matrices, dense or scipy.sparse
_YTrue: TypeAlias = npt.ArrayLike | spmatrix | sparray

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

def log_loss(
    y_true: _YTrue,
    y_proba: npt.ArrayLike | None = None,
    *,
    normalize: bool = True,
    sample_weight: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
    from_logits: bool = False,
    # deprecated alias of y_proba (scikit-learn 1.9's rename)
    y_pred: npt.ArrayLike | Literal["deprecated"] = "deprecated",
) -> float: ...
def top_k_accuracy_score(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    k: int = 2,
    normalize: bool = True,
    sample_weight: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
) -> float: ...
def binary_accuracy(y_true: _YTrue, y_pred: npt.ArrayLike, *, threshold: float = 0.5) -> float: ...
def categorical_accuracy(y_true: _YTrue, y_pred: npt.ArrayLike) -> float: ...
def sparse_categorical_accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float: ...
def accuracy(y_true: _YTrue, y_pred: npt.ArrayLike, *, from_logits: bool = False) -> float: ...
def brier_score(
    y_true: _YTrue,
    y_proba: npt.ArrayLike,
    *,
    sample_weight: npt.ArrayLike | None = None,
    pos_label: Any = None,
    labels: npt.ArrayLike | None = None,
    scale_by_half: bool | Literal["auto"] = "auto",
    from_logits: bool = False,
) -> float: ...
def expected_calibration_error(
    y_true: _YTrue,
    y_proba: npt.ArrayLike,
    *,
    n_bins: int = 15,
    sample_weight: npt.ArrayLike | None = None,
    pos_label: Any = None,
    labels: npt.ArrayLike | None = None,
    from_logits: bool = False,
) -> float: ...

# (prob_true, prob_pred, counts) of the non-empty bins
def reliability_curve(
    y_true: _YTrue,
    y_proba: npt.ArrayLike,
    *,
    n_bins: int = 5,
    strategy: Literal["uniform", "quantile"] = "uniform",
    pos_label: Any = None,
    sample_weight: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
    from_logits: bool = False,
) -> tuple[
    npt.NDArray[np.floating[Any]], npt.NDArray[np.floating[Any]], npt.NDArray[np.integer[Any]]
]: ...
