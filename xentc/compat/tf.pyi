# tf.nn's cross-entropies: one loss per example, never reduced
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits",
]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]

# labels and logits default to None only to mirror TF's keyword-style call;
# both are required (ValueError otherwise)
def sigmoid_cross_entropy_with_logits(
    labels: npt.ArrayLike | None = None,
    logits: npt.ArrayLike | None = None,
    name: str | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def weighted_cross_entropy_with_logits(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    pos_weight: npt.ArrayLike,
    name: str | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def softmax_cross_entropy_with_logits(
    labels: npt.ArrayLike,
    logits: npt.ArrayLike,
    axis: int = -1,
    name: str | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def sparse_softmax_cross_entropy_with_logits(
    labels: npt.ArrayLike | None = None,
    logits: npt.ArrayLike | None = None,
    name: str | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
