from collections.abc import Mapping
from typing import Any, Literal, NoReturn, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from .losses import _LossBase

__all__ = ["LinearCrossEntropy", "linear_cross_entropy", "linear_log_prob", "linear_top_k"]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Reduction: TypeAlias = Literal["none", "mean", "sum"]
_ClassWeight: TypeAlias = npt.ArrayLike | Mapping[int, float] | Literal["balanced"] | None

@overload
def linear_cross_entropy(
    hidden: npt.ArrayLike,
    weight: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    bias: npt.ArrayLike | None = None,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def linear_cross_entropy(
    hidden: npt.ArrayLike,
    weight: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    bias: npt.ArrayLike | None = None,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
) -> float: ...
@overload
def linear_cross_entropy(
    hidden: npt.ArrayLike,
    weight: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    bias: npt.ArrayLike | None = None,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> float | _FloatArray: ...

# float64 log-probabilities: (N,), or per-segment sums with segment_ids / lengths
def linear_log_prob(
    hidden: npt.ArrayLike,
    weight: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    bias: npt.ArrayLike | None = None,
    segment_ids: npt.ArrayLike | None = None,
    lengths: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

# (indices (N, k) int64, log-probabilities (N, k) float64), best first
def linear_top_k(
    hidden: npt.ArrayLike,
    weight: npt.ArrayLike,
    k: int,
    *,
    bias: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...

class LinearCrossEntropy(_LossBase):
    class_weight: _ClassWeight
    ignore_index: int | None
    label_smoothing: float
    reduction: _Reduction
    n_threads: int | None
    def __init__(
        self,
        *,
        class_weight: _ClassWeight = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
    ) -> None: ...
    # (hidden, weight, labels) in place of the base class's (y_pred, y)
    def __call__(  # type: ignore[override]
        self,
        hidden: npt.ArrayLike,
        weight: npt.ArrayLike,
        labels: npt.ArrayLike,
        bias: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> float | _FloatArray: ...
    def loss(  # type: ignore[override]
        self,
        hidden: npt.ArrayLike,
        weight: npt.ArrayLike,
        labels: npt.ArrayLike,
        bias: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> float | _FloatArray: ...
    # (loss, d_hidden, d_weight, d_bias) in place of the base class's
    # (loss, gradient); d_bias also without a bias (the gradient at bias = 0)
    def loss_gradient(  # type: ignore[override]
        self,
        hidden: npt.ArrayLike,
        weight: npt.ArrayLike,
        labels: npt.ArrayLike,
        bias: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
        *,
        out: tuple[_FloatArray | None, _FloatArray | None, _FloatArray | None] | None = None,
    ) -> tuple[float | _FloatArray, _FloatArray, _FloatArray, _FloatArray]: ...
    def gradient_hessian(self, *args: Any, **kwargs: Any) -> NoReturn: ...
