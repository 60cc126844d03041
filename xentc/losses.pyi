from collections.abc import Mapping
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from scipy.sparse import sparray, spmatrix
from typing_extensions import Self

from .grouped import GroupedSoftmaxCrossEntropy as GroupedSoftmaxCrossEntropy
from .grouped import grouped_softmax_cross_entropy as grouped_softmax_cross_entropy
from .linear import LinearCrossEntropy as LinearCrossEntropy
from .linear import linear_cross_entropy as linear_cross_entropy
from .linear import linear_log_prob as linear_log_prob
from .linear import linear_top_k as linear_top_k

__all__ = [
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "GroupedSoftmaxCrossEntropy",
    "LinearCrossEntropy",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "grouped_softmax_cross_entropy",
    "linear_cross_entropy",
    "linear_log_prob",
    "linear_top_k",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Reduction: TypeAlias = Literal["none", "mean", "sum"]
# per-class weights: an array of C, {class index: weight}, or "balanced"
_ClassWeight: TypeAlias = npt.ArrayLike | Mapping[int, float] | Literal["balanced"] | None
# clipping of probabilities: "auto" (the dtype's resolution) or a number
_Eps: TypeAlias = Literal["auto"] | float
# dense targets, or a scipy.sparse matrix / array (never densified)
_Targets: TypeAlias = npt.ArrayLike | spmatrix | sparray

# reduction="none": per-sample losses; "mean" / "sum": a Python float. The
# third overload takes a `reduction` only known at run time.
@overload
def sparse_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> _FloatArray: ...
@overload
def sparse_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> float: ...
@overload
def sparse_softmax_cross_entropy(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> float | _FloatArray: ...
@overload
def softmax_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> _FloatArray: ...
@overload
def softmax_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> float: ...
@overload
def softmax_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    class_weight: _ClassWeight = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
) -> float | _FloatArray: ...
@overload
def sigmoid_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    pos_weight: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
    focal_alpha: float | None = None,
) -> _FloatArray: ...
@overload
def sigmoid_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    pos_weight: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
    focal_alpha: float | None = None,
) -> float: ...
@overload
def sigmoid_cross_entropy(
    logits: npt.ArrayLike,
    targets: _Targets,
    *,
    pos_weight: npt.ArrayLike | None = None,
    sample_weight: npt.ArrayLike | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
    focal_gamma: float = 0.0,
    focal_alpha: float | None = None,
) -> float | _FloatArray: ...
@overload
def binary_cross_entropy(
    probs: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    eps: _Eps = "auto",
    sample_weight: npt.ArrayLike | None = None,
    reduction: Literal["none"],
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def binary_cross_entropy(
    probs: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    eps: _Eps = "auto",
    sample_weight: npt.ArrayLike | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
) -> float: ...
@overload
def binary_cross_entropy(
    probs: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    eps: _Eps = "auto",
    sample_weight: npt.ArrayLike | None = None,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> float | _FloatArray: ...
@overload
def categorical_cross_entropy(
    probs: npt.ArrayLike,
    targets: _Targets,
    *,
    eps: _Eps = "auto",
    renormalize: bool = False,
    sample_weight: npt.ArrayLike | None = None,
    reduction: Literal["none"],
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def categorical_cross_entropy(
    probs: npt.ArrayLike,
    targets: _Targets,
    *,
    eps: _Eps = "auto",
    renormalize: bool = False,
    sample_weight: npt.ArrayLike | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    n_threads: int | None = None,
) -> float: ...
@overload
def categorical_cross_entropy(
    probs: npt.ArrayLike,
    targets: _Targets,
    *,
    eps: _Eps = "auto",
    renormalize: bool = False,
    sample_weight: npt.ArrayLike | None = None,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> float | _FloatArray: ...

class _LossBase:
    # the constructor's reduction decides between a float and an array, so
    # the methods return the union (call the functions for a precise type)
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> Self: ...
    def __call__(
        self, y_pred: npt.ArrayLike, y: _Targets, sample_weight: npt.ArrayLike | None = None
    ) -> float | _FloatArray: ...
    def loss(
        self, y_pred: npt.ArrayLike, y: _Targets, sample_weight: npt.ArrayLike | None = None
    ) -> float | _FloatArray: ...
    def loss_gradient(
        self,
        y_pred: npt.ArrayLike,
        y: _Targets,
        sample_weight: npt.ArrayLike | None = None,
        *,
        out: _FloatArray | None = None,
    ) -> tuple[float | _FloatArray, _FloatArray]: ...
    def gradient_hessian(
        self, y_pred: npt.ArrayLike, y: _Targets, sample_weight: npt.ArrayLike | None = None
    ) -> tuple[_FloatArray, _FloatArray]: ...

class SparseSoftmaxCrossEntropy(_LossBase):
    class_weight: _ClassWeight
    ignore_index: int | None
    label_smoothing: float
    reduction: _Reduction
    n_threads: int | None
    focal_gamma: float
    def __init__(
        self,
        *,
        class_weight: _ClassWeight = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
        focal_gamma: float = 0.0,
    ) -> None: ...

class SoftmaxCrossEntropy(_LossBase):
    class_weight: _ClassWeight
    label_smoothing: float
    reduction: _Reduction
    n_threads: int | None
    focal_gamma: float
    def __init__(
        self,
        *,
        class_weight: _ClassWeight = None,
        label_smoothing: float = 0.0,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
        focal_gamma: float = 0.0,
    ) -> None: ...

class SigmoidCrossEntropy(_LossBase):
    pos_weight: npt.ArrayLike | None
    label_smoothing: float
    reduction: _Reduction
    n_threads: int | None
    focal_gamma: float
    focal_alpha: float | None
    def __init__(
        self,
        *,
        pos_weight: npt.ArrayLike | None = None,
        label_smoothing: float = 0.0,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
        focal_gamma: float = 0.0,
        focal_alpha: float | None = None,
    ) -> None: ...

class BinaryCrossEntropy(_LossBase):
    eps: _Eps
    reduction: _Reduction
    n_threads: int | None
    def __init__(
        self, *, eps: _Eps = "auto", reduction: _Reduction = "mean", n_threads: int | None = None
    ) -> None: ...

class CategoricalCrossEntropy(_LossBase):
    eps: _Eps
    renormalize: bool
    reduction: _Reduction
    n_threads: int | None
    def __init__(
        self,
        *,
        eps: _Eps = "auto",
        renormalize: bool = False,
        reduction: _Reduction = "mean",
        n_threads: int | None = None,
    ) -> None: ...
