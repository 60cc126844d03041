from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.sparse import sparray, spmatrix
from typing_extensions import Self

__all__ = ["INPUTS", "METRICS", "TASKS", "StreamingScores"]

_Task: TypeAlias = Literal["auto", "binary", "multiclass", "multilabel", "grouped"]
_Inputs: TypeAlias = Literal["logits", "probabilities"]
_Metric: TypeAlias = Literal["log_loss", "accuracy", "top_k_accuracy", "brier", "ece", "per_class"]

TASKS: tuple[_Task, ...]
INPUTS: tuple[_Inputs, ...]
METRICS: tuple[_Metric, ...]

class StreamingScores:
    task: _Task
    inputs: _Inputs
    # the checked constructor arguments: labels and groups as arrays
    labels: npt.NDArray[Any] | None
    k: int
    n_bins: int
    metrics: tuple[_Metric, ...]
    n_threads: int | None
    groups: npt.NDArray[np.int64] | None
    n_samples: int
    def __init__(
        self,
        task: _Task = "auto",
        inputs: _Inputs = "logits",
        labels: npt.ArrayLike | None = None,
        k: int = 5,
        n_bins: int = 15,
        metrics: Iterable[_Metric] | None = None,
        n_threads: int | None = None,
        groups: Sequence[int] | None = None,
    ) -> None: ...
    def update(
        self,
        y_true: npt.ArrayLike | spmatrix | sparray,
        y_pred: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self: ...
    def merge(self, other: StreamingScores) -> Self: ...
    # plain Python numbers (and lists for per-class / per-group values) by name
    def result(self) -> dict[str, Any]: ...
    # JSON-serialisable state
    def to_dict(self) -> dict[str, Any]: ...
    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Self: ...
