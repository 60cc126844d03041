# keras.losses / keras.metrics / keras.utils names on NumPy arrays. The loss
# functions return per-sample losses; a loss object's __call__ reduces by its
# `reduction` (a NumPy scalar of its dtype, or the per-sample array for
# "none" / None); the metrics return float32 arrays of hits.
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "SparseCategoricalCrossentropy",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "to_categorical",
    "top_k_categorical_accuracy",
]

_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
_Hits: TypeAlias = npt.NDArray[np.float32]
_Reduction: TypeAlias = (
    Literal["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"] | None
)

EPSILON: float
REDUCTIONS: tuple[str | None, ...]

def binary_crossentropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def categorical_crossentropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def sparse_categorical_crossentropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def binary_focal_crossentropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...
def categorical_focal_crossentropy(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    *,
    n_threads: int | None = None,
) -> _FloatArray: ...

class _Loss:
    reduction: _Reduction
    name: str
    dtype: npt.DTypeLike | None
    n_threads: int | None
    def __init__(
        self, reduction: _Reduction, name: str, dtype: npt.DTypeLike | None, n_threads: int | None
    ) -> None: ...
    def __call__(
        self,
        y_true: npt.ArrayLike,
        y_pred: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> _FloatArray | np.floating[Any]: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self: ...

class BinaryCrossentropy(_Loss):
    from_logits: bool
    label_smoothing: float
    axis: int
    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: _Reduction = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: npt.DTypeLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> None: ...

class CategoricalCrossentropy(_Loss):
    from_logits: bool
    label_smoothing: float
    axis: int
    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: _Reduction = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: npt.DTypeLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> None: ...

class SparseCategoricalCrossentropy(_Loss):
    from_logits: bool
    ignore_class: int | None
    axis: int
    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: _Reduction = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: npt.DTypeLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> None: ...

class BinaryFocalCrossentropy(_Loss):
    apply_class_balancing: bool
    alpha: float
    gamma: float
    from_logits: bool
    label_smoothing: float
    axis: int
    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: _Reduction = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: npt.DTypeLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> None: ...

class CategoricalFocalCrossentropy(_Loss):
    alpha: float
    gamma: float
    from_logits: bool
    label_smoothing: float
    axis: int
    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: _Reduction = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: npt.DTypeLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> None: ...

def binary_accuracy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, threshold: float = 0.5
) -> _Hits: ...
def categorical_accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> _Hits: ...
def sparse_categorical_accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> _Hits: ...
def top_k_categorical_accuracy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, k: int = 5
) -> _Hits: ...
def sparse_top_k_categorical_accuracy(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, k: int = 5, from_sorted_ids: bool = False
) -> _Hits: ...

# float64 one-hot, classes last
def to_categorical(
    x: npt.ArrayLike, num_classes: int | None = None
) -> npt.NDArray[np.float64]: ...
