# reduction="none": losses of the input's shape; "mean" / "sum": a NumPy
# scalar of the input's dtype (as PyTorch returns a 0-d tensor). The legacy
# size_average / reduce pair overrides `reduction`, so with either given the
# result type is the union.
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "log_softmax",
    "nll_loss",
    "sigmoid_focal_loss",
    "softmax",
]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Reduction: TypeAlias = Literal["none", "mean", "sum"]

@overload
def cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    *,
    reduction: Literal["none"],
    label_smoothing: float = 0.0,
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    reduction: Literal["mean", "sum"] = "mean",
    label_smoothing: float = 0.0,
    *,
    n_threads: int | None = None,
) -> np.floating[Any]: ...
@overload
def cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: _Reduction = "mean",
    label_smoothing: float = 0.0,
    *,
    n_threads: int | None = None,
) -> _FloatArray | np.floating[Any]: ...
@overload
def nll_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    *,
    reduction: Literal["none"],
) -> _FloatArray: ...
@overload
def nll_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    reduction: Literal["mean", "sum"] = "mean",
) -> np.floating[Any]: ...
@overload
def nll_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: _Reduction = "mean",
) -> _FloatArray | np.floating[Any]: ...
@overload
def binary_cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    reduce: None = None,
    *,
    reduction: Literal["none"],
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def binary_cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    reduce: None = None,
    reduction: Literal["mean", "sum"] = "mean",
    *,
    n_threads: int | None = None,
) -> np.floating[Any]: ...
@overload
def binary_cross_entropy(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: _Reduction = "mean",
    *,
    n_threads: int | None = None,
) -> _FloatArray | np.floating[Any]: ...
@overload
def binary_cross_entropy_with_logits(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    reduce: None = None,
    *,
    reduction: Literal["none"],
    pos_weight: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def binary_cross_entropy_with_logits(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: None = None,
    reduce: None = None,
    reduction: Literal["mean", "sum"] = "mean",
    pos_weight: npt.ArrayLike | None = None,
    *,
    n_threads: int | None = None,
) -> np.floating[Any]: ...
@overload
def binary_cross_entropy_with_logits(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: _Reduction = "mean",
    pos_weight: npt.ArrayLike | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray | np.floating[Any]: ...
def softmax(
    input: npt.ArrayLike,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: npt.DTypeLike | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def log_softmax(
    input: npt.ArrayLike,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: npt.DTypeLike | None = None,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...

# torchvision.ops.sigmoid_focal_loss: reduction="none" by default
@overload
def sigmoid_focal_loss(
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: Literal["none"] = "none",
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
@overload
def sigmoid_focal_loss(
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2,
    *,
    reduction: Literal["mean", "sum"],
    n_threads: int | None = None,
) -> np.floating[Any]: ...
@overload
def sigmoid_focal_loss(
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: _Reduction = "none",
    *,
    n_threads: int | None = None,
) -> _FloatArray | np.floating[Any]: ...
