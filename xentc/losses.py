"""Cross-entropy losses on logits and on probabilities, their gradients and
diagonal Hessians (functions and scikit-learn-style loss objects).

One weighting rule for every loss (DESIGN.md 3.2):
- per-sample weight w_i = sample_weight_i * class_weight[y_i] for integer
  labels; for dense/soft targets class_weight weights the terms of the row sum;
- reduction "none": weighted per-sample losses w_i * l_i;
  "sum": sum_i w_i l_i; "mean": sum_i w_i l_i / sum_i w_i over non-ignored
  samples (2-D sigmoid also divides by K). Empty or all-ignored: NaN.
- derivatives are those of the reduced objective, "none" treated as "sum".

Each public function validates here, then makes a single pass through a C
kernel that returns the loss sum and, when asked, writes the gradient and
Hessian in the same pass.
"""

import numbers

import numpy as np

from . import _focal, _kernels
from . import _validation as V

__all__ = [
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]


# ---------------------------------------------------------------------------
# shared pieces
#
# Each loss is two layers (DESIGN.md section 5): `_prep_*` checks every
# argument once and returns (compute function, logits, kernel-form keyword
# arguments); `_compute_*` runs the kernel on kernel-form arrays without
# checking anything. The public functions and loss objects call both; the
# metrics, the scikit-learn objective and the shims, which already hold
# checked arrays, call `_compute_*` (or a bound loss, `_LossBase._bind`).

# kernels whose gradient may be written over their own input (each reads an
# element of a row before it writes that element's gradient); the others are
# given a temporary when out= is the input (tests/test_reliability.py)
_INPLACE_SAFE = frozenset(
    {"sparse_softmax", "dense_softmax", "csr_softmax", "sigmoid", "csr_sigmoid", "binary"}
)


class _Outputs:
    """Buffers for loss / gradient / Hessian of one call. The gradient goes
    to `out` directly when that is safe, else through a temporary
    (V.OutBuffer); `finish()` returns the gradient array the caller sees."""

    def __init__(
        self,
        x,
        reduction,
        want_grad,
        want_hess,
        grad_out,
        loss_shape,
        inputs=(),
        kernel="",
        layout_ok=V.kernel_layout,
    ):
        self.loss = np.empty(loss_shape, dtype=x.dtype) if reduction == "none" else None
        self._grad = None
        if want_grad:
            self._grad = V.OutBuffer(
                grad_out,
                x.shape,
                x.dtype,
                inputs=(x,) + tuple(inputs),
                alias=x if kernel in _INPLACE_SAFE else None,
                layout_ok=layout_ok,
            )
        self.grad = None if self._grad is None else self._grad.buf
        self.hess = np.empty(x.shape, dtype=x.dtype) if want_hess else None

    def finish(self):
        return None if self._grad is None else self._grad.finish()


def _reduce(total, weight_sum, per_sample, reduction, divisor=1):
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return float(total)
    denom = weight_sum * divisor
    return float(total) / denom if denom != 0 else float("nan")


def _grad_scale(reduction, weight_sum, divisor=1):
    if reduction != "mean":
        return 1.0
    denom = weight_sum * divisor
    return 1.0 / denom if denom != 0 else 0.0


def _class_weight_array(class_weight, n_classes, dtype, counts=None, name="class_weight"):
    """class_weight as an array of n_classes: array-like, dict {class: w}, or
    "balanced" (n_samples / (n_present_classes * count_c); absent classes 0)."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"{name} must be None, 'balanced', a dict or an array of "
                f"length {n_classes}; got {class_weight!r}"
            )
        counts = np.asarray(counts, dtype=np.float64)
        present = counts > 0
        cw = np.zeros(n_classes, dtype=np.float64)
        if present.any():
            cw[present] = counts.sum() / (present.sum() * counts[present])
        return cw.astype(dtype)
    if isinstance(class_weight, dict):
        cw = np.ones(n_classes, dtype=np.float64)
        for key, value in class_weight.items():
            if (
                isinstance(key, (bool, np.bool_))
                or not isinstance(key, numbers.Integral)
                or not 0 <= key < n_classes
            ):
                raise ValueError(
                    f"{name} keys must be class indices in [0, {n_classes}); got {key!r}"
                )
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name}[{key!r}] must be a real number; got {value!r}")
            cw[int(key)] = float(value)
        class_weight = cw
    return V.check_weights(class_weight, name, n_classes, dtype=dtype)


def _logits_2d(logits, name="logits"):
    x = V.check_2d(V.as_float_array(logits, name), name)
    if x.shape[1] == 0:
        raise ValueError(f"{name} must have at least one class column; got shape {x.shape}")
    return V.rows_contiguous(x)


def _sample_weight(sample_weight, n, reduction):
    """Private float64 copy; scaled for a mean so sums cannot overflow."""
    if sample_weight is None:
        return None
    w = V.check_weights(sample_weight, "sample_weight", n)
    return V.scaled_for_mean(w) if reduction == "mean" else w


def _plain(class_weight, sample_weight, label_smoothing):
    """No weights and no smoothing: a call the per-call fast paths
    (_kernels.fast_*, xentc/_fast_paths.pxi) may serve. They check the rest
    (arrays, reduction, n_threads, focal options) and return None for
    anything they do not serve, which then takes the checked path."""
    return (
        class_weight is None
        and sample_weight is None
        and type(label_smoothing) in (float, int)
        and label_smoothing == 0
    )


def _run_kernel(plain, focal_twin, x, targets, focal=None, **kw):
    """plain(x, *targets, **kw): one _kernels entry; or its focal twin, which
    takes focal = (gamma, alpha, use_alpha) before the targets
    (xentc/_focal.py)."""
    if focal is None:
        return plain(x, *targets, **kw)
    return focal_twin(x, *focal, *targets, **kw)


def _unchecked_sum(plain, focal_twin, x, targets, bufs, focal=None, **kw):
    return _run_kernel(
        plain,
        focal_twin,
        x,
        targets,
        focal,
        loss_out=bufs.loss,
        grad_out=bufs.grad,
        hess_out=bufs.hess,
        **kw,
    )


# ---------------------------------------------------------------------------
# softmax cross-entropy with integer labels


def _prep_sparse_softmax(
    logits,
    labels,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    reduction,
    n_threads,
):
    x = _logits_2d(logits)
    n, c = x.shape
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = V.resolve_n_threads(n_threads)
    lab, ignored = V.check_labels(labels, n, c, ignore_index)
    w = _sample_weight(sample_weight, n, reduction)
    counts = None
    if isinstance(class_weight, str):
        counts = np.bincount(lab[lab >= 0], minlength=c)
    cw = _class_weight_array(class_weight, c, np.float64, counts)
    if cw is not None:
        cwl = (V.scaled_for_mean(cw) if reduction == "mean" else cw)[np.maximum(lab, 0)]
        w = cwl if w is None else w * cwl
    if ignored is not None and w is not None:
        w[ignored] = 0.0
    n_ignored = int(ignored.sum()) if ignored is not None else 0
    return (
        _compute_sparse_softmax,
        x,
        dict(
            labels=lab, w=w, n_ignored=n_ignored, eps=eps, reduction=reduction, n_threads=n_threads
        ),
    )


def _compute_sparse_softmax(
    x,
    labels,
    w,
    eps,
    reduction,
    n_threads,
    n_ignored=0,
    focal=None,
    grad=False,
    hess=False,
    out=None,
):
    """Unchecked. x: float32/float64 (N, C) in kernel layout; labels: private
    int64 in [0, C) or -1 (ignored); w: float64 (N,) with 0 at ignored rows,
    or None; n_threads: resolved."""
    n = x.shape[0]
    if reduction == "mean":
        w = V.scaled_for_mean(w)
    weight_sum = float(w.sum()) if w is not None else float(n - n_ignored)
    bufs = _Outputs(
        x, reduction, grad, hess, out, (n,), kernel="sparse_softmax" if focal is None else ""
    )
    total = _unchecked_sum(
        _kernels.softmax_ce_sparse,
        _kernels.focal_softmax_ce_sparse,
        x,
        (labels,),
        bufs,
        focal,
        row_weight=w,
        smoothing=eps,
        grad_scale=_grad_scale(reduction if reduction != "none" else "sum", weight_sum),
        n_threads=n_threads,
    )
    return _reduce(total, weight_sum, bufs.loss, reduction), bufs.finish(), bufs.hess


def _sparse_softmax(
    logits,
    labels,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    fn, x, kw = _prep_sparse_softmax(
        logits,
        labels,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        reduction,
        n_threads,
    )
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def sparse_softmax_cross_entropy(
    logits,
    labels,
    *,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    reduction="mean",
    n_threads=None,
    focal_gamma=0.0,
):
    """Softmax cross-entropy of logits against integer class labels.

    ``loss_i = logsumexp(x_i) - x_i[y_i]``, computed in one fused pass
    without forming the probabilities. With label smoothing ``eps`` the
    target is ``(1 - eps) * onehot + eps / C``. With ``focal_gamma > 0`` the
    focal loss ``-sum_j t_j (1 - p_j)**gamma log p_j`` (see :doc:`/focal`).
    Same values as PyTorch's ``cross_entropy`` and Keras's
    ``sparse_categorical_crossentropy(from_logits=True)``.

    Parameters
    ----------
    logits : array_like of shape (N, C)
        Unnormalised scores. float32 stays float32, other real dtypes
        compute in float64; C-contiguous, Fortran-ordered and strided
        layouts are all accepted.
    labels : array_like of int, shape (N,)
        Class of each row, in ``[0, C)`` (or ``ignore_index``).
    class_weight : array_like of shape (C,), dict or "balanced", optional
        Weight of each class: an array, ``{class: weight}``, or
        ``"balanced"`` (``N / (C * count)``, as scikit-learn). A sample's
        weight is ``sample_weight[i] * class_weight[labels[i]]``.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    ignore_index : int, optional
        Rows with this label contribute nothing (PyTorch's ``ignore_index``).
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter of the focal loss; 0 is the plain loss.

    Returns
    -------
    loss : float or ndarray
        The reduced loss (a float; NaN when there is no sample or every
        sample is ignored), or the per-sample losses of shape (N,) for
        ``reduction="none"``, in the input's dtype.

    Raises
    ------
    ValueError
        If a label is out of range, shapes disagree, or an option is out of
        its domain; the message names the argument.
    TypeError
        If an argument has the wrong type (float labels, say).

    See Also
    --------
    SparseSoftmaxCrossEntropy : The same loss with its gradient and Hessian.
    softmax_cross_entropy : Against one-hot or soft target rows.
    xentc.metrics.log_loss : scikit-learn's log-loss, on logits or
        probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> labels = np.array([0, 2])
    >>> round(xentc.sparse_softmax_cross_entropy(logits, labels), 6)
    0.205579
    >>> xentc.sparse_softmax_cross_entropy(logits, labels, reduction="none")
    array([0.2413113 , 0.16984602])
    >>> loss = xentc.sparse_softmax_cross_entropy(
    ...     logits, np.array([0, -100]), ignore_index=-100
    ... )
    >>> round(loss, 6)  # the mean over the one row not ignored
    0.241311
    """
    if _plain(class_weight, sample_weight, label_smoothing) and ignore_index is None:
        res = _kernels.fast_sparse_softmax_ce(logits, labels, reduction, n_threads, focal_gamma)
        if res is not None:
            return res
    if type(focal_gamma) is not float or focal_gamma != 0.0:  # the plain call: one cheap test
        return _focal.sparse_softmax(
            logits,
            labels,
            class_weight,
            sample_weight,
            ignore_index,
            label_smoothing,
            reduction,
            n_threads,
            focal_gamma,
        )[0]
    if (
        class_weight is None
        and sample_weight is None
        and ignore_index is None
        and type(label_smoothing) in (float, int)
        and label_smoothing == 0
        and type(reduction) is str
        and (reduction == "mean" or reduction == "sum")
    ):
        # the plain call: the same checks (inlined for the common layout),
        # then the kernel with no options
        x = logits if _kernels.is_kernel_2d(logits) else _logits_2d(logits)
        n = x.shape[0]
        lab = V.check_labels(labels, n, x.shape[1])[0]
        n_threads = V.resolve_n_threads(n_threads)
        if n == 0:
            return float("nan") if reduction == "mean" else 0.0
        total = _kernels.sparse_softmax_sum(x, lab, n_threads)
        return total / n if reduction == "mean" else total
    return _sparse_softmax(
        logits,
        labels,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        reduction,
        n_threads,
    )[0]


# ---------------------------------------------------------------------------
# softmax cross-entropy with dense or sparse (soft) targets


def _soft_targets(targets, x, name="targets", check_dense=True):
    """('dense', array) or ('csr', (indptr, indices, data)) in x's dtype.
    check_dense=False leaves the sign check of dense targets to the caller
    (the softmax CE kernel does it in its own pass: _compute_softmax_soft)."""
    if V._is_sparse(targets):
        indptr, indices, data = V.csr_arrays(targets, x.shape, x.dtype, name)
        if data.size and np.min(data) < 0:
            raise ValueError(f"{name} must be non-negative; found {np.min(data)}")
        return "csr", (indptr, indices, data)
    t = V.as_numeric_array(targets, name)
    if t.shape != x.shape:
        raise ValueError(f"{name} must have the logits' shape {x.shape}; got {t.shape}")
    t = V.rows_contiguous(t.astype(x.dtype, copy=False))
    if check_dense:
        _check_nonnegative_rows(t, name)
    return "dense", t


def _check_nonnegative_rows(t, name, row=None):
    """ValueError at the first negative entry of 2-D t; `row`: the first row
    holding one is already known (the kernel found it)."""
    if row is None:
        if not (t.size and np.min(t) < 0):
            return
        row = int(np.argmax((t < 0).any(axis=1)))
    bad = (row, int(np.argmax(t[row] < 0)))
    raise ValueError(f"{name} must be non-negative; got {t[bad]} at position {bad}")


def _prep_softmax_soft(
    logits, targets, class_weight, sample_weight, label_smoothing, reduction, n_threads
):
    x = _logits_2d(logits)
    n, c = x.shape
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = V.resolve_n_threads(n_threads)
    # dense targets: the sign check runs inside the loss kernel's pass over
    # them (one read of t, not two), except where t is used before it
    balanced = isinstance(class_weight, str)
    kind, tgt = _soft_targets(targets, x, check_dense=balanced)
    counts = None
    if balanced:
        if kind == "dense":
            counts = tgt.sum(axis=0, dtype=np.float64)
        else:
            counts = np.bincount(tgt[1], weights=tgt[2].astype(np.float64), minlength=c)
    cw = _class_weight_array(class_weight, c, x.dtype, counts)
    w = _sample_weight(sample_weight, n, reduction)
    return (
        _compute_softmax_soft,
        x,
        dict(
            kind=kind,
            targets=tgt,
            w=w,
            cw=cw,
            eps=eps,
            reduction=reduction,
            n_threads=n_threads,
            signs_checked=balanced or kind != "dense",
        ),
    )


def _compute_softmax_soft(
    x,
    kind,
    targets,
    w,
    cw,
    eps,
    reduction,
    n_threads,
    focal=None,
    grad=False,
    hess=False,
    out=None,
    signs_checked=True,
):
    """Unchecked. kind 'dense': targets (N, C) of x's dtype in kernel layout;
    'csr': (indptr, indices, data) private canonical arrays (V.csr_arrays).
    signs_checked=False: dense targets may hold negatives. A loss-only call
    lets the kernel find the first row holding one, in the same pass that
    reads t for the loss (and raises after it: only fresh buffers were
    written); with gradients (which may overwrite x) or focal, t is checked
    before anything is written."""
    n = x.shape[0]
    fold = not signs_checked
    if fold and (grad or hess or focal is not None):
        _check_nonnegative_rows(targets, "targets")
        fold = False
    if reduction == "mean":
        w = V.scaled_for_mean(w)
    weight_sum = float(w.sum()) if w is not None else float(n)
    bufs = _Outputs(
        x,
        reduction,
        grad,
        hess,
        out,
        (n,),
        inputs=(targets,) if kind == "dense" else (),
        kernel=kind + "_softmax" if focal is None else "",
    )
    common = dict(
        row_weight=w,
        col_weight=cw,
        smoothing=eps,
        grad_scale=_grad_scale(reduction if reduction != "none" else "sum", weight_sum),
        n_threads=n_threads,
    )
    if kind == "dense":
        if fold:  # the kernel lowers neg[0] to the first row holding a negative target
            neg = np.full(1, n, dtype=np.int64)
            common["neg_target_row"] = neg
        total = _unchecked_sum(
            _kernels.softmax_ce_dense,
            _kernels.focal_softmax_ce_dense,
            x,
            (targets,),
            bufs,
            focal,
            **common,
        )
        # as np.min(t) < 0 decided before: a NaN anywhere in t lets negatives pass
        if fold and neg[0] < n and not np.isnan(targets).any():
            _check_nonnegative_rows(targets, "targets", int(neg[0]))
    else:
        total = _unchecked_sum(
            _kernels.softmax_ce_csr,
            _kernels.focal_softmax_ce_csr,
            x,
            targets,
            bufs,
            focal,
            **common,
        )
    return _reduce(total, weight_sum, bufs.loss, reduction), bufs.finish(), bufs.hess


def _softmax_soft(
    logits,
    targets,
    class_weight,
    sample_weight,
    label_smoothing,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    fn, x, kw = _prep_softmax_soft(
        logits, targets, class_weight, sample_weight, label_smoothing, reduction, n_threads
    )
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def softmax_cross_entropy(
    logits,
    targets,
    *,
    class_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    n_threads=None,
    focal_gamma=0.0,
):
    """Softmax cross-entropy of logits against one-hot or soft target rows.

    ``loss_i = sum_j cw_j * t_ij * (logsumexp(x_i) - x_ij)``, with ``t``
    smoothed to ``(1 - eps) * t + eps / C``. Targets may be dense or
    ``scipy.sparse`` (read as CSR, never densified). With ``focal_gamma > 0``
    each term is multiplied by ``(1 - p_ij)**gamma`` (:doc:`/focal`).

    Parameters
    ----------
    logits : array_like of shape (N, C)
        Unnormalised scores. float32 stays float32, other real dtypes
        compute in float64; C-contiguous, Fortran-ordered and strided
        layouts are all accepted.
    targets : array_like or scipy.sparse matrix of shape (N, C)
        Non-negative target weights per class, one-hot or soft (rows
        need not sum to 1).
    class_weight : array_like of shape (C,), dict or "balanced", optional
        Weight of each class's term in the row sum; ``"balanced"`` uses the
        column sums of ``targets`` as counts.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter of the focal loss; 0 is the plain loss.

    Returns
    -------
    loss : float or ndarray
        The reduced loss (a float; NaN when there is no sample or every
        sample is ignored), or the per-sample losses of shape (N,) for
        ``reduction="none"``, in the input's dtype.

    Raises
    ------
    ValueError
        If ``targets`` has another shape than ``logits`` or a negative
        entry, or an option is out of its domain.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    SoftmaxCrossEntropy : The same loss with its gradient and Hessian.
    sparse_softmax_cross_entropy : Against integer labels.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> targets = np.array([[0.8, 0.2, 0.0], [0.0, 0.0, 1.0]])
    >>> round(xentc.softmax_cross_entropy(logits, targets), 6)
    0.355579
    >>> import scipy.sparse
    >>> sparse = scipy.sparse.csr_array(targets)
    >>> round(xentc.softmax_cross_entropy(logits, sparse, reduction="sum"), 6)
    0.711157
    """
    if _plain(class_weight, sample_weight, label_smoothing):
        res = _kernels.fast_softmax_ce(logits, targets, reduction, n_threads, focal_gamma)
        if res is not None:
            return res
    if type(focal_gamma) is not float or focal_gamma != 0.0:  # the plain call: one cheap test
        return _focal.soft_softmax(
            logits,
            targets,
            class_weight,
            sample_weight,
            label_smoothing,
            reduction,
            n_threads,
            focal_gamma,
        )[0]
    return _softmax_soft(
        logits, targets, class_weight, sample_weight, label_smoothing, reduction, n_threads
    )[0]


# ---------------------------------------------------------------------------
# sigmoid (binary / multi-label) cross-entropy


def _pos_weight(pos_weight, k, dtype, name="pos_weight"):
    """(per-column array or None, scalar)"""
    if pos_weight is None:
        return None, 1.0
    if np.ndim(pos_weight) == 0:
        arr = V.check_weights(np.reshape(pos_weight, 1), name, 1)
        return None, float(arr[0])
    arr = np.asarray(pos_weight)
    if arr.ndim == 1 and arr.shape[0] == 1:
        return None, float(V.check_weights(arr, name, 1)[0])
    return V.check_weights(pos_weight, name, k, dtype=dtype), 1.0


def _elementwise_targets(targets, x, name="targets", allow_sparse=True):
    if V._is_sparse(targets):
        if not allow_sparse or x.ndim != 2:
            raise TypeError(
                f"scipy.sparse {name} need 2-D logits (n_samples, n_labels); "
                f"got logits of shape {x.shape}"
            )
        indptr, indices, data = V.csr_arrays(targets, x.shape, x.dtype, name)
        V.check_range(data, name, 0, 1)
        return "csr", (indptr, indices, data)
    t = V.as_numeric_array(targets, name)
    if t.shape != x.shape:
        raise ValueError(f"{name} must have the same shape as the input {x.shape}; got {t.shape}")
    t = t.astype(x.dtype, copy=False)
    V.check_range(t, name, 0, 1)
    return "dense", t


def _prep_binary_family(
    kernel,
    x_in,
    targets,
    sample_weight,
    reduction,
    n_threads,
    pos_weight=None,
    smoothing=0.0,
    eps=0.0,
    input_name="logits",
):
    """Shared checks of sigmoid CE (logits) and binary CE (probabilities)."""
    x = V.as_float_array(x_in, input_name)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"{input_name} must be 1-D (n_samples,) or 2-D (n_samples, n_labels); "
            f"got shape {x.shape}"
        )
    reduction = V.check_reduction(reduction)
    n_threads = V.resolve_n_threads(n_threads)
    k = x.shape[1] if x.ndim == 2 else 1
    kind, tgt = _elementwise_targets(targets, x, allow_sparse=(kernel == "sigmoid"))
    if kernel == "binary":
        V.check_range(x, input_name, 0, 1)
    w = _sample_weight(sample_weight, x.shape[0], reduction)
    pw_col, pw_s = _pos_weight(pos_weight, k, x.dtype) if kernel == "sigmoid" else (None, 1.0)
    return (
        _compute_binary_family,
        x,
        dict(
            kernel=kernel,
            kind=kind,
            targets=tgt,
            w=w,
            pw_col=pw_col,
            pw_s=pw_s,
            smoothing=smoothing,
            eps=eps,
            reduction=reduction,
            n_threads=n_threads,
        ),
    )


def _c_contiguous(a):
    flags = a.flags
    return flags.c_contiguous and flags.aligned


def _compute_binary_family(
    x,
    kernel,
    kind,
    targets,
    w,
    pw_col,
    pw_s,
    smoothing,
    eps,
    reduction,
    n_threads,
    focal=None,
    grad=False,
    hess=False,
    out=None,
):
    """Unchecked. x: float32/float64 (N,) or (N, K); targets: dense of x's
    dtype and shape, or private canonical CSR arrays."""
    if reduction == "mean":
        w = V.scaled_for_mean(w)
    weight_sum = float(w.sum()) if w is not None else float(x.shape[0])
    divisor = x.shape[1] if x.ndim == 2 else 1
    scale = _grad_scale(reduction if reduction != "none" else "sum", weight_sum, divisor)
    # element-wise kernels run flat (one long row) when the layout allows it:
    # 1-D input, or 2-D C-contiguous input without per-row / per-column weights
    flat = kind == "dense" and (x.ndim == 1 or (w is None and pw_col is None))
    tgt = targets
    if flat:
        x = V.flat_contiguous(x)
        tgt = V.flat_contiguous(tgt)
    else:
        x = V.rows_contiguous(x)
        if kind == "dense":
            tgt = V.rows_contiguous(tgt)
    bufs = _Outputs(
        x,
        reduction,
        grad,
        hess,
        out,
        x.shape,
        inputs=(tgt,) if kind == "dense" else (),
        kernel=kernel if focal is None else "",
        layout_ok=_c_contiguous if flat else V.kernel_layout,
    )
    if kernel == "sigmoid":
        plain, focal_twin = _kernels.sigmoid_ce, _kernels.focal_sigmoid_ce
        common = dict(smoothing=smoothing, pos_weight=pw_s, col_weight=pw_col)
    else:  # "binary": probabilities, clipped; no focal twin
        plain, focal_twin = _kernels.binary_ce, None
        common = dict(clip_eps=eps)
    common.update(grad_scale=scale, n_threads=n_threads)
    if flat:

        def flat_view(a):
            return None if a is None else a.reshape(-1)

        total = _run_kernel(
            plain,
            focal_twin,
            x.reshape(-1),
            (tgt.reshape(-1),),
            focal,
            elem_weight=w.astype(x.dtype) if w is not None else None,
            flat=True,
            loss_out=flat_view(bufs.loss),
            grad_out=flat_view(bufs.grad),
            hess_out=flat_view(bufs.hess),
            **common,
        )
    elif kind == "dense":
        total = _unchecked_sum(plain, focal_twin, x, (tgt,), bufs, focal, row_weight=w, **common)
    else:  # CSR targets: sigmoid only (_prep_binary_family)
        total = _unchecked_sum(
            _kernels.sigmoid_ce_csr,
            _kernels.focal_sigmoid_ce_csr,
            x,
            tgt,
            bufs,
            focal,
            row_weight=w,
            **common,
        )
    return _reduce(total, weight_sum, bufs.loss, reduction, divisor), bufs.finish(), bufs.hess


def _prep_sigmoid(
    logits, targets, pos_weight, sample_weight, label_smoothing, reduction, n_threads
):
    eps = V.check_smoothing(label_smoothing)
    return _prep_binary_family(
        "sigmoid",
        logits,
        targets,
        sample_weight,
        reduction,
        n_threads,
        pos_weight=pos_weight,
        smoothing=eps,
    )


def _sigmoid(
    logits,
    targets,
    pos_weight,
    sample_weight,
    label_smoothing,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    fn, x, kw = _prep_sigmoid(
        logits, targets, pos_weight, sample_weight, label_smoothing, reduction, n_threads
    )
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def sigmoid_cross_entropy(
    logits,
    targets,
    *,
    pos_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    n_threads=None,
    focal_gamma=0.0,
    focal_alpha=None,
):
    """Sigmoid (binary or multi-label) cross-entropy of logits.

    ``loss = -[pw * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))]``
    element-wise, evaluated without overflow for any ``x`` (the values of
    ``tf.nn.weighted_cross_entropy_with_logits`` and PyTorch's
    ``binary_cross_entropy_with_logits``). Label smoothing uses
    ``(1 - eps) * y + eps / 2``. With ``focal_gamma`` / ``focal_alpha`` each
    element is multiplied by ``alpha_t * (1 - p_t)**gamma`` (torchvision's
    ``sigmoid_focal_loss``, :doc:`/focal`).

    Parameters
    ----------
    logits : array_like of shape (N,) or (N, K)
        One logit per sample (binary) or per sample and label (multi-label).
    targets : array_like or scipy.sparse matrix, same shape as ``logits``
        Targets in ``[0, 1]``; 2-D targets may be ``scipy.sparse`` (never
        densified).
    pos_weight : float or array_like of shape (K,), optional
        Weight of the positive term, per label.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        As for :func:`sparse_softmax_cross_entropy`; for 2-D input ``"mean"``
        also divides by ``K`` (the mean over every element) and ``"none"``
        returns the (N, K) element losses.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter; 0 (and no ``focal_alpha``) is the plain loss.
    focal_alpha : float, optional
        Weight of the positive class in the focal loss, in ``[0, 1]``.

    Returns
    -------
    loss : float or ndarray
        The reduced loss, or the element losses of ``logits``' shape for
        ``reduction="none"``.

    Raises
    ------
    ValueError
        If a target is outside ``[0, 1]``, shapes disagree, or an option is
        out of its domain.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    SigmoidCrossEntropy : The same loss with its gradient and Hessian.
    binary_cross_entropy : On probabilities instead of logits.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([2.0, -1.0, 0.5])
    >>> targets = np.array([1.0, 0.0, 1.0])
    >>> round(xentc.sigmoid_cross_entropy(logits, targets), 6)
    0.304756
    >>> round(xentc.sigmoid_cross_entropy(logits, targets, pos_weight=3.0), 6)
    0.705426
    """
    if _plain(None, sample_weight, label_smoothing):
        res = _kernels.fast_sigmoid_ce(
            logits, targets, pos_weight, reduction, n_threads, focal_gamma, focal_alpha
        )
        if res is not None:
            return res
    if focal_alpha is not None or type(focal_gamma) is not float or focal_gamma != 0.0:
        return _focal.sigmoid(
            logits,
            targets,
            pos_weight,
            sample_weight,
            label_smoothing,
            reduction,
            n_threads,
            focal_gamma,
            focal_alpha,
        )[0]
    return _sigmoid(
        logits, targets, pos_weight, sample_weight, label_smoothing, reduction, n_threads
    )[0]


# ---------------------------------------------------------------------------
# probability inputs


def _resolve_eps(eps, dtype):
    if isinstance(eps, str):
        if eps != "auto":
            raise ValueError(f"eps must be 'auto' or a float in [0, 0.5); got {eps!r}")
        return float(np.finfo(dtype).eps)
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be 'auto' or a float in [0, 0.5); got {eps!r}")
    if not 0.0 <= float(eps) < 0.5:
        raise ValueError(f"eps must be in [0, 0.5); got {eps!r}")
    return float(eps)


def _prep_binary_prob(probs, targets, eps, sample_weight, reduction, n_threads):
    x = V.as_float_array(probs, "probs")
    return _prep_binary_family(
        "binary",
        x,
        targets,
        sample_weight,
        reduction,
        n_threads,
        eps=_resolve_eps(eps, x.dtype),
        input_name="probs",
    )


def _binary_prob(
    probs, targets, eps, sample_weight, reduction, n_threads, grad=False, hess=False, out=None
):
    fn, x, kw = _prep_binary_prob(probs, targets, eps, sample_weight, reduction, n_threads)
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def binary_cross_entropy(
    probs, targets, *, eps="auto", sample_weight=None, reduction="mean", n_threads=None
):
    """Binary cross-entropy of probabilities.

    ``loss = -[y * log(p) + (1 - y) * log(1 - p)]`` element-wise, with
    ``p`` clipped to ``[eps, 1 - eps]`` (as scikit-learn's ``log_loss``);
    ``0 * log(0)`` terms count as 0.

    Parameters
    ----------
    probs : array_like of shape (N,) or (N, K)
        Probabilities in ``[0, 1]``.
    targets : array_like or scipy.sparse matrix, same shape as ``probs``
        Targets in ``[0, 1]``.
    eps : float or "auto", default="auto"
        Clipping bound in ``[0, 0.5)``; ``"auto"`` is the dtype's machine
        epsilon.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    loss : float or ndarray
        The reduced loss, or the element losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If a probability or target is outside ``[0, 1]`` or shapes disagree.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    BinaryCrossEntropy : The same loss with its derivatives.
    sigmoid_cross_entropy : On logits: exact where probabilities saturate.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> probs = np.array([0.9, 0.2, 0.6])
    >>> targets = np.array([1.0, 0.0, 1.0])
    >>> round(xentc.binary_cross_entropy(probs, targets), 6)
    0.279777
    >>> float(xentc.binary_cross_entropy(np.array([1.0]), np.array([0.0])))  # -log(eps)
    36.04365338911715
    """
    if sample_weight is None:
        res = _kernels.fast_binary_ce(probs, targets, eps, reduction, n_threads)
        if res is not None:
            return res
    return _binary_prob(probs, targets, eps, sample_weight, reduction, n_threads)[0]


def _prep_categorical(probs, targets, eps, renormalize, sample_weight, reduction, n_threads):
    x = _logits_2d(probs, "probs")
    n, c = x.shape
    reduction = V.check_reduction(reduction)
    n_threads = V.resolve_n_threads(n_threads)
    eps = _resolve_eps(eps, x.dtype)
    V.check_range(x, "probs", 0, 1)
    w = _sample_weight(sample_weight, n, reduction)
    if not V._is_sparse(targets) and np.ndim(targets) == 1:
        kind, tgt = (
            "labels",
            V.check_labels(targets, n, c, name="targets", source="probabilities")[0],
        )
    else:
        kind, tgt = _soft_targets(targets, x)
    return (
        _compute_categorical,
        x,
        dict(
            kind=kind,
            targets=tgt,
            w=w,
            eps=eps,
            renormalize=bool(renormalize),
            reduction=reduction,
            n_threads=n_threads,
        ),
    )


def _compute_categorical(
    x, kind, targets, w, eps, renormalize, reduction, n_threads, grad=False, hess=False, out=None
):
    """Unchecked. kind 'labels': targets private int64 in [0, C); 'dense':
    (N, C) of x's dtype in kernel layout; 'csr': private canonical arrays."""
    n = x.shape[0]
    if reduction == "mean":
        w = V.scaled_for_mean(w)
    weight_sum = float(w.sum()) if w is not None else float(n)
    bufs = _Outputs(
        x,
        reduction,
        grad,
        hess,
        out,
        (n,),
        inputs=(targets,) if kind == "dense" else (),
        kernel=kind + "_categorical",
    )
    common = dict(
        row_weight=w,
        clip_eps=eps,
        renormalize=renormalize,
        grad_scale=_grad_scale(reduction if reduction != "none" else "sum", weight_sum),
        n_threads=n_threads,
    )
    if kind == "labels":
        total = _unchecked_sum(_kernels.categorical_ce_sparse, None, x, (targets,), bufs, **common)
    elif kind == "dense":
        total = _unchecked_sum(_kernels.categorical_ce_dense, None, x, (targets,), bufs, **common)
    else:
        total = _unchecked_sum(_kernels.categorical_ce_csr, None, x, targets, bufs, **common)
    return _reduce(total, weight_sum, bufs.loss, reduction), bufs.finish(), bufs.hess


def _categorical_prob(
    probs,
    targets,
    eps,
    renormalize,
    sample_weight,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    fn, x, kw = _prep_categorical(
        probs, targets, eps, renormalize, sample_weight, reduction, n_threads
    )
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def categorical_cross_entropy(
    probs,
    targets,
    *,
    eps="auto",
    renormalize=False,
    sample_weight=None,
    reduction="mean",
    n_threads=None,
):
    """Categorical cross-entropy of probability rows.

    ``loss_i = -sum_j t_ij * log(clip(p_ij))`` with ``p`` clipped to
    ``[eps, 1 - eps]``. With ``renormalize=True`` each row is first divided
    by its sum (Keras's behaviour).

    Parameters
    ----------
    probs : array_like of shape (N, C)
        Probabilities in ``[0, 1]``.
    targets : array_like of int of shape (N,), or array_like or scipy.sparse matrix of shape (N, C)
        Integer labels, or one-hot / soft target rows (dense or sparse).
    eps : float or "auto", default="auto"
        Clipping bound in ``[0, 0.5)``; ``"auto"`` is the dtype's machine
        epsilon.
    renormalize : bool, default=False
        Divide each row of ``probs`` by its sum first.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    loss : float or ndarray
        The reduced loss (a float; NaN when there is no sample or every
        sample is ignored), or the per-sample losses of shape (N,) for
        ``reduction="none"``, in the input's dtype.

    Raises
    ------
    ValueError
        If a probability is outside ``[0, 1]``, a label out of range, or
        shapes disagree.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    CategoricalCrossEntropy : The same loss with its derivatives.
    softmax_cross_entropy : On logits.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> round(xentc.categorical_cross_entropy(probs, np.array([0, 2])), 6)
    0.43375
    >>> onehot = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    >>> round(xentc.categorical_cross_entropy(probs / 2, onehot, renormalize=True), 6)
    0.43375
    """
    if sample_weight is None and renormalize is False:
        res = _kernels.fast_categorical_ce(probs, targets, eps, reduction, n_threads)
        if res is not None:
            return res
    return _categorical_prob(
        probs, targets, eps, renormalize, sample_weight, reduction, n_threads
    )[0]


# ---------------------------------------------------------------------------
# loss objects


class _LossBase:
    """scikit-learn-style loss: the constructor stores parameters only.

    Subclasses define `_params` (constructor keyword names) and `_prepare`,
    which checks the arguments and returns (compute function, y_pred in
    kernel form, kernel-form keyword arguments).
    """

    _params = ()

    def get_params(self, deep=True):
        """The constructor's parameters, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool, default=True
            Ignored (loss objects hold no estimators).

        Returns
        -------
        dict
            Parameter name to value.
        """
        return {p: getattr(self, p) for p in self._params}

    def set_params(self, **params):
        """Set constructor parameters, as scikit-learn's ``set_params``.

        Parameters
        ----------
        **params : dict
            Parameter name to new value.

        Returns
        -------
        self
            The loss object.

        Raises
        ------
        ValueError
            If a name is not a parameter of this loss.
        """
        for key, value in params.items():
            if key not in self._params:
                raise ValueError(
                    f"invalid parameter {key!r} for {type(self).__name__}; "
                    f"valid parameters: {sorted(self._params)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = type(self)().get_params()
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _run(self, y_pred, y, sample_weight, reduction, grad=False, hess=False, out=None):
        fn, x, kw = self._prepare(y_pred, y, sample_weight, reduction)
        return fn(x, **kw, grad=grad, hess=hess, out=out)

    def _bind(self, y_pred, y, sample_weight=None):
        """Checks y and sample_weight once against y_pred's shape and dtype;
        returns f(z, out=None) -> (loss, gradient) for later arrays z of that
        shape and dtype (the scikit-learn objectives call it once per L-BFGS
        step on logits they computed themselves). z needs no index checks:
        the kernels only read its values."""
        fn, x, kw = self._prepare(y_pred, y, sample_weight, self.reduction)
        shape, dtype = x.shape, x.dtype

        def loss_gradient(z, out=None):
            if z.shape != shape or z.dtype != dtype:
                raise ValueError(f"bound loss: expected {shape} {dtype}; got {z.shape} {z.dtype}")
            if not V.kernel_layout(z):
                z = np.ascontiguousarray(z)
            loss, grad, _ = fn(z, **kw, grad=True, out=out)
            return loss, grad

        return loss_gradient

    def __call__(self, y_pred, y, sample_weight=None):
        return self.loss(y_pred, y, sample_weight)

    def loss(self, y_pred, y, sample_weight=None):
        """The loss of predictions against targets; calling the object is the same.

        Parameters
        ----------
        y_pred : array_like
            Logits (or probabilities, for the probability losses).
        y : array_like
            Labels or targets, as the matching function takes them.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample (row).

        Returns
        -------
        loss : float or ndarray
            The reduced loss (a float; NaN when there is no sample or every
            sample is ignored), or the per-sample losses of shape (N,) for
            ``reduction="none"``, in the input's dtype.
        """
        if sample_weight is None:
            res = self._fast_loss(y_pred, y)
            if res is not None:
                return res
        return self._run(y_pred, y, sample_weight, self.reduction)[0]

    def _fast_loss(self, y_pred, y):
        """The per-call fast path of the matching function, or None."""
        return None

    def loss_gradient(self, y_pred, y, sample_weight=None, *, out=None):
        """The loss and its gradient with respect to ``y_pred``, in one fused pass.

        Parameters
        ----------
        y_pred : array_like
            Logits (or probabilities, for the probability losses).
        y : array_like
            Labels or targets, as the matching function takes them.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample (row).
        out : ndarray, optional
            Array for the gradient: ``y_pred``'s shape and dtype. May be
            ``y_pred`` itself (an in-place gradient); an ``out`` that overlaps
            an input in any other way is computed through a temporary.

        Returns
        -------
        loss : float or ndarray
            The reduced loss (a float; NaN when there is no sample or every
            sample is ignored), or the per-sample losses of shape (N,) for
            ``reduction="none"``, in the input's dtype.
        gradient : ndarray
            Derivative of the reduced loss (of the sum for
            ``reduction="none"``), ``y_pred``'s shape and dtype.
        """
        loss, grad, _ = self._run(y_pred, y, sample_weight, self.reduction, grad=True, out=out)
        return loss, grad

    def gradient_hessian(self, y_pred, y, sample_weight=None):
        """The gradient and the diagonal of the Hessian with respect to ``y_pred``.

        The pair a gradient-boosting library's custom objective asks for.

        Parameters
        ----------
        y_pred : array_like
            Logits (or probabilities, for the probability losses).
        y : array_like
            Labels or targets, as the matching function takes them.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample (row).

        Returns
        -------
        gradient : ndarray
            Derivative of the reduced loss, ``y_pred``'s shape and dtype.
        hessian : ndarray
            Second derivative of the reduced loss with respect to each element
            (the Hessian's diagonal), same shape.
        """
        _, grad, hess = self._run(y_pred, y, sample_weight, self.reduction, grad=True, hess=True)
        return grad, hess


def _same(a, b):
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except Exception:
        return a is b


class SparseSoftmaxCrossEntropy(_LossBase):
    """Softmax cross-entropy on logits (N, C) against integer labels (N,).

    The loss of :func:`sparse_softmax_cross_entropy` as a scikit-learn-style
    object: the constructor stores the options, ``loss`` (or calling the
    object), ``loss_gradient`` and ``gradient_hessian`` compute.

    Parameters
    ----------
    class_weight : array_like of shape (C,), dict or "balanced", optional
        Weight of each class.
    ignore_index : int, optional
        Rows with this label contribute nothing.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter of the focal loss; 0 is the plain loss.

    See Also
    --------
    sparse_softmax_cross_entropy : The loss alone, with every option.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> labels = np.array([0, 2])
    >>> loss_fn = xentc.SparseSoftmaxCrossEntropy()
    >>> loss, grad = loss_fn.loss_gradient(logits, labels)
    >>> round(loss, 6)
    0.205579
    >>> np.round(grad, 4)  # (softmax - onehot) / N
    array([[-0.1072,  0.0876,  0.0196],
           [ 0.021 ,  0.0571, -0.0781]])
    >>> grad, hess = loss_fn.gradient_hessian(logits, labels)
    >>> np.round(hess, 4)  # p * (1 - p) / N
    array([[0.0842, 0.0723, 0.0188],
           [0.0201, 0.0506, 0.0659]])
    """

    _params = (
        "class_weight",
        "ignore_index",
        "label_smoothing",
        "reduction",
        "n_threads",
        "focal_gamma",
    )

    def __init__(
        self,
        *,
        class_weight=None,
        ignore_index=None,
        label_smoothing=0.0,
        reduction="mean",
        n_threads=None,
        focal_gamma=0.0,
    ):
        self.class_weight = class_weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.reduction = reduction
        self.n_threads = n_threads
        self.focal_gamma = focal_gamma

    def _prepare(self, y_pred, y, sample_weight, reduction):
        fn, x, kw = _prep_sparse_softmax(
            y_pred,
            y,
            self.class_weight,
            sample_weight,
            self.ignore_index,
            self.label_smoothing,
            reduction,
            self.n_threads,
        )
        return fn, x, _focal.with_focal(kw, self.focal_gamma)

    def _fast_loss(self, y_pred, y):
        if not (
            _plain(self.class_weight, None, self.label_smoothing) and self.ignore_index is None
        ):
            return None
        return _kernels.fast_sparse_softmax_ce(
            y_pred, y, self.reduction, self.n_threads, self.focal_gamma
        )


class SoftmaxCrossEntropy(_LossBase):
    """Softmax cross-entropy on logits (N, C) against one-hot or soft rows.

    The loss of :func:`softmax_cross_entropy` as an object with
    ``loss``, ``loss_gradient`` and ``gradient_hessian``.

    Parameters
    ----------
    class_weight : array_like of shape (C,), dict or "balanced", optional
        Weight of each class's term in the row sum.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter of the focal loss; 0 is the plain loss.

    See Also
    --------
    softmax_cross_entropy : The loss alone.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> targets = np.array([[0.8, 0.2, 0.0], [0.0, 0.0, 1.0]])
    >>> loss_fn = xentc.SoftmaxCrossEntropy(label_smoothing=0.1)
    >>> loss_fn
    SoftmaxCrossEntropy(label_smoothing=0.1)
    >>> loss, grad = loss_fn.loss_gradient(logits, targets)
    >>> grad.shape
    (2, 3)
    """

    _params = ("class_weight", "label_smoothing", "reduction", "n_threads", "focal_gamma")

    def __init__(
        self,
        *,
        class_weight=None,
        label_smoothing=0.0,
        reduction="mean",
        n_threads=None,
        focal_gamma=0.0,
    ):
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.reduction = reduction
        self.n_threads = n_threads
        self.focal_gamma = focal_gamma

    def _prepare(self, y_pred, y, sample_weight, reduction):
        fn, x, kw = _prep_softmax_soft(
            y_pred,
            y,
            self.class_weight,
            sample_weight,
            self.label_smoothing,
            reduction,
            self.n_threads,
        )
        return fn, x, _focal.with_focal(kw, self.focal_gamma)

    def _fast_loss(self, y_pred, y):
        if not _plain(self.class_weight, None, self.label_smoothing):
            return None
        return _kernels.fast_softmax_ce(
            y_pred, y, self.reduction, self.n_threads, self.focal_gamma
        )


class SigmoidCrossEntropy(_LossBase):
    """Sigmoid cross-entropy on logits (N,) or (N, K).

    The loss of :func:`sigmoid_cross_entropy` as an object with ``loss``,
    ``loss_gradient`` and ``gradient_hessian``.

    Parameters
    ----------
    pos_weight : float or array_like of shape (K,), optional
        Weight of the positive term, per label.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.
    focal_gamma : float, default=0.0
        Focusing parameter; 0 (and no ``focal_alpha``) is the plain loss.
    focal_alpha : float, optional
        Weight of the positive class in the focal loss, in ``[0, 1]``.

    See Also
    --------
    sigmoid_cross_entropy : The loss alone.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([2.0, -1.0, 0.5])
    >>> targets = np.array([1.0, 0.0, 1.0])
    >>> loss, grad = xentc.SigmoidCrossEntropy(pos_weight=3.0).loss_gradient(logits, targets)
    >>> round(loss, 6)
    0.705426
    >>> np.round(grad, 4)
    array([-0.1192,  0.0896, -0.3775])
    """

    _params = (
        "pos_weight",
        "label_smoothing",
        "reduction",
        "n_threads",
        "focal_gamma",
        "focal_alpha",
    )

    def __init__(
        self,
        *,
        pos_weight=None,
        label_smoothing=0.0,
        reduction="mean",
        n_threads=None,
        focal_gamma=0.0,
        focal_alpha=None,
    ):
        self.pos_weight = pos_weight
        self.label_smoothing = label_smoothing
        self.reduction = reduction
        self.n_threads = n_threads
        self.focal_gamma = focal_gamma
        self.focal_alpha = focal_alpha

    def _prepare(self, y_pred, y, sample_weight, reduction):
        fn, x, kw = _prep_sigmoid(
            y_pred,
            y,
            self.pos_weight,
            sample_weight,
            self.label_smoothing,
            reduction,
            self.n_threads,
        )
        return fn, x, _focal.with_focal(kw, self.focal_gamma, self.focal_alpha)

    def _fast_loss(self, y_pred, y):
        if not _plain(None, None, self.label_smoothing):
            return None
        return _kernels.fast_sigmoid_ce(
            y_pred,
            y,
            self.pos_weight,
            self.reduction,
            self.n_threads,
            self.focal_gamma,
            self.focal_alpha,
        )


class BinaryCrossEntropy(_LossBase):
    """Binary cross-entropy on probabilities (N,) or (N, K).

    The loss of :func:`binary_cross_entropy` as an object. Derivatives are
    with respect to the probabilities (zero where the clipping is active).

    Parameters
    ----------
    eps : float or "auto", default="auto"
        Clipping bound in ``[0, 0.5)``; ``"auto"`` is the dtype's machine
        epsilon.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    See Also
    --------
    binary_cross_entropy : The loss alone.
    SigmoidCrossEntropy : On logits.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> probs = np.array([0.9, 0.2, 0.6])
    >>> targets = np.array([1.0, 0.0, 1.0])
    >>> loss, grad = xentc.BinaryCrossEntropy().loss_gradient(probs, targets)
    >>> np.round(grad, 4)  # (p - y) / (p (1 - p)) / N
    array([-0.3704,  0.4167, -0.5556])
    """

    _params = ("eps", "reduction", "n_threads")

    def __init__(self, *, eps="auto", reduction="mean", n_threads=None):
        self.eps = eps
        self.reduction = reduction
        self.n_threads = n_threads

    def _prepare(self, y_pred, y, sample_weight, reduction):
        return _prep_binary_prob(y_pred, y, self.eps, sample_weight, reduction, self.n_threads)

    def _fast_loss(self, y_pred, y):
        return _kernels.fast_binary_ce(y_pred, y, self.eps, self.reduction, self.n_threads)


class CategoricalCrossEntropy(_LossBase):
    """Categorical cross-entropy on probability rows (N, C).

    The loss of :func:`categorical_cross_entropy` as an object. Derivatives
    are with respect to the probabilities (through the renormalisation when
    it is asked for).

    Parameters
    ----------
    eps : float or "auto", default="auto"
        Clipping bound in ``[0, 0.5)``; ``"auto"`` is the dtype's machine
        epsilon.
    renormalize : bool, default=False
        Divide each row by its sum first (Keras's behaviour).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the weighted mean ``sum_i w_i l_i / sum_i w_i``;
        ``"sum"``: ``sum_i w_i l_i``; ``"none"``: the weighted per-sample
        losses ``w_i l_i``.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    See Also
    --------
    categorical_cross_entropy : The loss alone.
    SoftmaxCrossEntropy : On logits.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> loss, grad = xentc.CategoricalCrossEntropy().loss_gradient(probs, np.array([0, 2]))
    >>> np.round(grad, 4)  # -1 / (N p) at the label
    array([[-0.7143,  0.    ,  0.    ],
           [ 0.    ,  0.    , -0.8333]])
    """

    _params = ("eps", "renormalize", "reduction", "n_threads")

    def __init__(self, *, eps="auto", renormalize=False, reduction="mean", n_threads=None):
        self.eps = eps
        self.renormalize = renormalize
        self.reduction = reduction
        self.n_threads = n_threads

    def _prepare(self, y_pred, y, sample_weight, reduction):
        return _prep_categorical(
            y_pred, y, self.eps, self.renormalize, sample_weight, reduction, self.n_threads
        )

    def _fast_loss(self, y_pred, y):
        if self.renormalize is not False:
            return None
        return _kernels.fast_categorical_ce(y_pred, y, self.eps, self.reduction, self.n_threads)


# fused linear + cross-entropy (DESIGN 3.10) lives in linear.py, which imports
# the helpers above; re-exported here
from .linear import (  # noqa: E402
    LinearCrossEntropy,
    linear_cross_entropy,
    linear_log_prob,
    linear_top_k,
)

__all__ += ["LinearCrossEntropy", "linear_cross_entropy", "linear_log_prob", "linear_top_k"]


# grouped softmax CE lives in its own module (it builds on the helpers above)
from .grouped import GroupedSoftmaxCrossEntropy, grouped_softmax_cross_entropy  # noqa: E402

__all__ += ["GroupedSoftmaxCrossEntropy", "grouped_softmax_cross_entropy"]
