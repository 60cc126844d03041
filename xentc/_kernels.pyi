# The compiled kernel drivers (xentc/_kernels.pyx), as the Python layer calls
# them. No argument checks happen here: xentc._validation has made every
# array contiguous-rowed, native float32/float64 (int64 indices) and of the
# right shape before a call.
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

_Arr: TypeAlias = npt.NDArray[Any]
_Index: TypeAlias = npt.NDArray[np.int64]

CSR_CANONICAL: int
CSR_UNSORTED: int
CSR_BAD_START: int
CSR_DECREASING: int
CSR_BAD_END: int
CSR_BAD_INDEX: int

# SIMD targets and the build
def compiled_targets() -> list[str]: ...
def supported_targets() -> list[str]: ...
def select_target(name: str) -> bool: ...
def set_thread_target(name: str | None) -> bool: ...
def thread_target() -> str | None: ...
def active_target() -> str: ...
def openmp_linked() -> bool: ...
def omp_max_threads() -> int: ...
def team_size_probe(n_threads: int) -> int: ...
def build_compiler() -> str: ...
def build_openmp_note() -> str: ...

# index and structure checks: (copy, first bad position or -1, ...)
def copy_indices(src: _Arr, bound: int, ignore: int | None = None) -> tuple[_Index, int]: ...
def copy_csr(
    indptr: _Arr, indices: _Arr, n_cols: int, indptr_out: _Index, indices_out: _Index
) -> tuple[int, int]: ...
def is_kernel_2d(obj: object) -> bool: ...
def grouped_labels(
    src: _Index, sizes: _Index, ignore_index: int | None
) -> tuple[_Index, int, int]: ...

# one entry per kernel: the row and element-wise entries fill and return
# `out`; each loss entry returns sum_i w_i * loss_i as a Python float and
# fills the given per-row loss / gradient / Hessian outputs
def sparse_softmax_sum(x: _Arr, labels: _Index, n_threads: int) -> float: ...
def logsumexp_rows(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def softmax_rows(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def log_softmax_rows(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def sigmoid_elements(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def log_sigmoid_elements(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def exp_elements(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def log_elements(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def log1p_elements(x: _Arr, out: _Arr, n_threads: int) -> _Arr: ...
def softmax_ce_sparse(
    x: _Arr,
    labels: _Index,
    *,
    row_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def softmax_ce_dense(
    x: _Arr,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    neg_target_row: _Index | None = None,
    n_threads: int = 1,
) -> float: ...
def softmax_ce_csr(
    x: _Arr,
    indptr: _Index,
    indices: _Index,
    values: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def sigmoid_ce(
    x: _Arr,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    elem_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    pos_weight: float = 1.0,
    smoothing: float = 0.0,
    flat: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def sigmoid_ce_csr(
    x: _Arr,
    indptr: _Index,
    indices: _Index,
    values: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    pos_weight: float = 1.0,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def binary_ce(
    x: _Arr,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    elem_weight: _Arr | None = None,
    clip_eps: float = 0.0,
    flat: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def categorical_ce_sparse(
    x: _Arr,
    labels: _Index,
    *,
    row_weight: _Arr | None = None,
    clip_eps: float = 0.0,
    renormalize: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def categorical_ce_dense(
    x: _Arr,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    clip_eps: float = 0.0,
    renormalize: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def categorical_ce_csr(
    x: _Arr,
    indptr: _Index,
    indices: _Index,
    values: _Arr,
    *,
    row_weight: _Arr | None = None,
    clip_eps: float = 0.0,
    renormalize: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def focal_softmax_ce_sparse(
    x: _Arr,
    gamma: float,
    alpha: float,
    use_alpha: bool,
    labels: _Index,
    *,
    row_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def focal_softmax_ce_dense(
    x: _Arr,
    gamma: float,
    alpha: float,
    use_alpha: bool,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def focal_softmax_ce_csr(
    x: _Arr,
    gamma: float,
    alpha: float,
    use_alpha: bool,
    indptr: _Index,
    indices: _Index,
    values: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def focal_sigmoid_ce(
    x: _Arr,
    gamma: float,
    alpha: float,
    use_alpha: bool,
    t: _Arr,
    *,
    row_weight: _Arr | None = None,
    elem_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    pos_weight: float = 1.0,
    smoothing: float = 0.0,
    flat: bool = False,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def focal_sigmoid_ce_csr(
    x: _Arr,
    gamma: float,
    alpha: float,
    use_alpha: bool,
    indptr: _Index,
    indices: _Index,
    values: _Arr,
    *,
    row_weight: _Arr | None = None,
    col_weight: _Arr | None = None,
    pos_weight: float = 1.0,
    smoothing: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def grouped_loss(
    x: _Arr,
    labels: _Index,
    offsets: _Index,
    *,
    row_weight: _Arr | None = None,
    smoothing: float = 0.0,
    gamma: float = 0.0,
    grad_scale: float = 1.0,
    loss_out: _Arr | None = None,
    grad_out: _Arr | None = None,
    hess_out: _Arr | None = None,
    n_threads: int = 1,
) -> float: ...
def rowstats(
    x: _Arr,
    labels: _Index | None,
    probabilities: bool,
    loss_out: _Arr | None,
    argmax_out: _Index | None,
    top_out: _Arr | None,
    rank_out: _Index | None,
    p_top_out: _Arr | None,
    sq_out: _Arr | None,
    n_threads: int,
) -> None: ...

# per-call fast paths (_fast_paths.pxi) for single small requests: the
# result, or None to decline (the caller then takes the checked path)
def fast_sigmoid(x: object, n_threads: object) -> _Arr | None: ...
def fast_log_sigmoid(x: object, n_threads: object) -> _Arr | None: ...
def fast_logsumexp(x: object, axis: object, keepdims: bool, n_threads: object) -> _Arr | None: ...
def fast_softmax(x: object, axis: object, n_threads: object) -> _Arr | None: ...
def fast_log_softmax(x: object, axis: object, n_threads: object) -> _Arr | None: ...
def fast_sparse_softmax_ce(
    x: object, labels: object, reduction: object, n_threads: object, focal_gamma: object = 0.0
) -> float | None: ...
def fast_softmax_ce(
    x: object, targets: object, reduction: object, n_threads: object, focal_gamma: object = 0.0
) -> float | None: ...
def fast_sigmoid_ce(
    x: object,
    targets: object,
    pos_weight: object,
    reduction: object,
    n_threads: object,
    focal_gamma: object = 0.0,
    focal_alpha: object = None,
) -> float | None: ...
def fast_binary_ce(
    probs: object, targets: object, eps: object, reduction: object, n_threads: object
) -> float | None: ...
def fast_categorical_ce(
    probs: object, targets: object, eps: object, reduction: object, n_threads: object
) -> float | None: ...
def fast_log_loss_logits(y_true: object, y_proba: object, normalize: object) -> float | None: ...
