# Lazy kernels return Dask arrays (a 0-d one for reduction="mean" / "sum");
# the scores compute at once and return Python numbers.
import argparse
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import dask.array as da
import distributed
import numpy.typing as npt

from .scoring import StreamingScores

__all__ = [
    "accuracy",
    "local_cluster",
    "log_loss",
    "log_softmax",
    "logsumexp",
    "parquet_files",
    "score",
    "score_files",
    "sigmoid",
    "sigmoid_cross_entropy",
    "softmax",
    "sparse_softmax_cross_entropy",
    "top_k_accuracy_score",
]

_Reduction: TypeAlias = Literal["none", "mean", "sum"]
# Dask array, or an in-memory array (wrapped with da.asarray)
_DaskInput: TypeAlias = da.Array | npt.ArrayLike
# also Dask Series / DataFrames (dask.dataframe ships no precise types here)
_Collection: TypeAlias = Any

def softmax(x: _DaskInput, axis: int = -1, *, n_threads: int | None = None) -> da.Array: ...
def log_softmax(x: _DaskInput, axis: int = -1, *, n_threads: int | None = None) -> da.Array: ...
def logsumexp(
    x: _DaskInput, axis: int | None = -1, keepdims: bool = False, *, n_threads: int | None = None
) -> da.Array: ...
def sigmoid(x: _DaskInput, *, n_threads: int | None = None) -> da.Array: ...
def sparse_softmax_cross_entropy(
    logits: _DaskInput,
    labels: _DaskInput,
    *,
    class_weight: npt.ArrayLike | Mapping[int, float] | Literal["balanced"] | None = None,
    sample_weight: _DaskInput | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> da.Array: ...
def sigmoid_cross_entropy(
    logits: _DaskInput,
    targets: _DaskInput,
    *,
    pos_weight: npt.ArrayLike | None = None,
    sample_weight: _DaskInput | None = None,
    label_smoothing: float = 0.0,
    reduction: _Reduction = "mean",
    n_threads: int | None = None,
) -> da.Array: ...

# `options` are StreamingScores' constructor arguments
def score(
    y_true: _Collection,
    y_pred: _Collection,
    *,
    sample_weight: _Collection = None,
    split_every: int = 32,
    **options: Any,
) -> dict[str, Any]: ...
def log_loss(
    y_true: _Collection, y_pred: _Collection, *, sample_weight: _Collection = None, **options: Any
) -> float: ...
def accuracy(
    y_true: _Collection, y_pred: _Collection, *, sample_weight: _Collection = None, **options: Any
) -> float: ...
def top_k_accuracy_score(
    y_true: _Collection,
    y_score: _Collection,
    *,
    k: int = 2,
    sample_weight: _Collection = None,
    **options: Any,
) -> float: ...

# the CLI's distributed path (`xentc score --workers / --scheduler`)
def parquet_files(pattern: str) -> list[str]: ...
def local_cluster(
    n_workers: int, threads_per_worker: int = 1, **kwargs: Any
) -> distributed.LocalCluster: ...
def score_files(
    args: argparse.Namespace, split_every: int = 32
) -> tuple[StreamingScores, dict[str, Any]]: ...
