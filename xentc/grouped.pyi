from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from .losses import _LossBase

__all__ = ["GroupedSoftmaxCrossEntropy", "grouped_accuracy", "grouped_softmax_cross_entropy"]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Reduction: TypeAlias = Literal["none", "mean", "sum"]
_OneClassWeight: TypeAlias = npt.ArrayLike | Mapping[int, float] | Literal["balanced"] | None
# "balanced" for every group, or one entry per group
_GroupClassWeight: TypeAlias = Literal["balanced"] | Sequence[_OneClassWeight] | None

@overload
def grouped_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    groups: Sequence[int] | None = None,
    class_weight: _GroupClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    focal_gamma: float = 0.0,
    reduction: Literal["none"],
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def grouped_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    groups: Sequence[int] | None = None,
    class_weight: _GroupClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    focal_gamma: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
) -> float: ...
@overload
def grouped_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    groups: Sequence[int] | None = None,
    class_weight: _GroupClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    focal_gamma: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> float | _FloatArray: ...

class GroupedSoftmaxCrossEntropy(_LossBase):
    groups: Sequence[int] | None
    class_weight: _GroupClassWeight
    ignore_index: int | None
    label_smoothing: float
    focal_gamma: float
    reduction: _Reduction
    n_threads: int | None
    def __init__(
        self,
        *,
        groups: Sequence[int] | None = None,
        class_weight: _GroupClassWeight = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        focal_gamma: float = 0.0,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
    ) -> None: ...

# {"per_group": [accuracy of each group], "exact_match": float}
def grouped_accuracy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, groups: Sequence[int] | None = None
) -> dict[str, Any]: ...
