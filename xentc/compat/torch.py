"""torch.nn.functional names on NumPy arrays, computed by xentc's kernels.

    cross_entropy, nll_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, softmax, log_softmax
and torchvision.ops.sigmoid_focal_loss (torchvision itself is not needed).

Signatures are PyTorch's (deprecated `size_average` / `reduce` included, so
positional calls port unchanged) plus a keyword-only `n_threads`. Arrays
come back as ndarrays; reduced losses as NumPy scalars of the input's dtype.
Nothing here imports torch.

PyTorch rules reproduced here (and only here):
- Class axis 1: input (N, C, d1, ...), class-index target (N, d1, ...);
  an input of shape (C,) is one unbatched sample.
- Class-index targets, reduction="mean": sum_i w[y_i] l_i / sum_i w[y_i] over
  the non-ignored targets; NaN when every target is ignored (or the batch
  is empty). Out-of-range targets raise IndexError.
- label_smoothing with `weight`: PyTorch weights the smoothing term per
  class, loss_i = (1-e) w[y_i] (-logp_iy) + e/C sum_j w_j (-logp_ij), still
  divided by sum_i w[y_i]; xentc's core would weight the whole smoothed row
  by w[y_i], so this case goes through one-hot CSR targets, whose class
  weights the core applies per term.
- Probability targets (target.shape == input.shape): weight multiplies each
  class term, "mean" divides by the number of rows N*d1*..., ignore_index >= 0
  is refused.
- binary_cross_entropy: log(p) and log(1-p) clamped at -100; input or
  target outside [0, 1] (NaN included) is an error; "mean" is over elements.
- binary_cross_entropy_with_logits: `weight` and `pos_weight` broadcast
  against the input like PyTorch; "mean" over elements.
"""

import warnings

import numpy as np

from .. import _validation as V
from .. import losses as _losses
from .. import special as _special
from . import _along, _normalize_axes, _sigmoid_ce

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "log_softmax",
    "nll_loss",
    "sigmoid_focal_loss",
    "softmax",
]

# PyTorch clamps each log term of binary_cross_entropy at -100.
_LOG_FLOOR = -100.0
_P_FLOOR = float(np.exp(_LOG_FLOOR))


# ---------------------------------------------------------------------------
# arguments


def _reduction(size_average, reduce, reduction):
    """PyTorch's legacy (size_average, reduce) pair overrides `reduction`."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            UserWarning,
            stacklevel=3,
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum'; got {reduction!r}")
    return reduction


def _class_weight(weight, n_classes):
    if weight is None:
        return None
    w = V.plain_array(weight, "weight")
    if w.dtype.kind not in "biuf":
        raise TypeError(
            f"weight must be a numeric array of length {n_classes}; got dtype={w.dtype}"
        )
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight must have shape ({n_classes},), one entry per class; got shape {w.shape}"
        )
    return w.astype(np.float64)


def _regular(w):
    """The core takes finite, non-negative class weights; PyTorch any."""
    return w is None or bool(np.isfinite(w).all() and (w >= 0).all())


def _class_rows(x):
    """(rows (M, C), shape of the per-sample result) with the class axis 1
    (axis 0 for an unbatched (C,) input) moved last."""
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    rows = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
    return rows.reshape(-1, x.shape[1]), (x.shape[0],) + x.shape[2:]


def _index_target(target, x, ignore_index):
    """Class-index target of the input's per-sample shape, checked in range."""
    t = V.plain_array(target, "target")
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"target must hold integer class indices (or float class probabilities "
            f"of the input's shape {x.shape}); got dtype={t.dtype} and shape {t.shape}"
        )
    expected = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    if t.shape != expected:
        if x.ndim >= 2 and t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({x.shape[0]}) to match target "
                f"batch_size ({t.shape[0]})."
            )
        raise ValueError(
            f"target must have shape {expected} for an input of shape {x.shape} "
            f"(class axis {0 if x.ndim == 1 else 1} removed); got {t.shape}"
        )
    flat = t.reshape(-1)
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    if flat.size and not (flat.min() >= 0 and flat.max() < n_classes):
        bad = (flat < 0) | (flat >= n_classes)
        bad &= flat != ignore_index
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            pos = np.unravel_index(i, t.shape) if t.ndim else ()
            raise IndexError(
                f"Target {flat[i].item()} is out of bounds: class indices must be in "
                f"[0, {n_classes}) or equal ignore_index={ignore_index}; found at "
                f"position {tuple(int(p) for p in pos)}"
            )
    return flat, expected


def _finish(per_sample, shape, dtype, reduction, denominator=None):
    """Per-sample losses (float64 or dtype) -> the reduced value PyTorch returns."""
    if reduction == "none":
        return np.asarray(per_sample, dtype=dtype).reshape(shape)
    total = float(np.sum(per_sample, dtype=np.float64))
    if reduction == "sum":
        return dtype.type(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return dtype.type(np.float64(total) / np.float64(denominator))


def _from_core(value, dtype, shape):
    """A core result as PyTorch returns it: per-sample losses in the input's
    per-sample shape, a reduced loss as a NumPy scalar of the input's dtype."""
    if isinstance(value, np.ndarray):
        return value.reshape(shape)
    return dtype.type(value)


# ---------------------------------------------------------------------------
# softmax cross-entropy


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
    *,
    n_threads=None,
):
    """``torch.nn.functional.cross_entropy``: softmax cross-entropy of logits.

    PyTorch's rules, including its weighted mean (divided by the sum of
    the weights of the non-ignored targets) and its label smoothing.

    Parameters
    ----------
    input : array_like of shape (N, C) or (N, C, d1, ...)
        Logits, the classes along axis 1 (or (C,) for one sample).
    target : array_like
        Class indices (``input``'s shape without axis 1) or class
        probabilities (``input``'s shape, floating point).
    weight : array_like of shape (C,), optional
        Weight of each class.
    size_average : bool, optional
        PyTorch's deprecated reduction flag, honoured as PyTorch does (it
        overrides ``reduction`` when given).
    ignore_index : int, default=-100
        Targets with this index contribute nothing (class indices only).
    reduce : bool, optional
        PyTorch's other deprecated reduction flag, likewise.
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch.
    label_smoothing : float, default=0.0
        In ``[0, 1]``.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    float or ndarray
        The reduced loss, or the per-element losses for
        ``reduction="none"``.

    See Also
    --------
    xentc.sparse_softmax_cross_entropy, xentc.softmax_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> round(float(F.cross_entropy(logits, np.array([0, 2]))), 6)
    0.205579
    >>> round(float(F.cross_entropy(logits, np.array([0, -100]))), 6)  # ignore_index
    0.241311
    """
    reduction = _reduction(size_average, reduce, reduction)
    eps = V.check_smoothing(label_smoothing)
    x = V.as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError("input must have shape (C,) or (N, C, d1, ...); got a 0-d array")
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, n_classes)
    rows, out_shape = _class_rows(x)
    t = V.plain_array(target, "target")
    if t.shape == x.shape:
        return _cross_entropy_probs(rows, t, x, w, ignore_index, eps, reduction, n_threads)
    labels, out_shape = _index_target(t, x, ignore_index)
    if not _regular(w):
        return _cross_entropy_general(
            rows, labels, w, ignore_index, eps, reduction, out_shape, n_threads
        )
    if w is None or eps == 0.0:
        # the core's rule is PyTorch's here: w[y_i] weights the row, and the
        # weighted mean divides by sum w[y_i] over the non-ignored rows
        res = _losses.sparse_softmax_cross_entropy(
            rows,
            labels,
            class_weight=w,
            ignore_index=ignore_index,
            label_smoothing=eps,
            reduction=reduction,
            n_threads=n_threads,
        )
        return _from_core(res, rows.dtype, out_shape)
    # weighted smoothing: one-hot CSR targets let the core weight each class
    # term (PyTorch's rule); ignored rows get no entry and are zeroed after
    import scipy.sparse  # here: a plain `import xentc.compat.torch` stays light

    valid = labels != ignore_index
    indptr = np.concatenate(([0], np.cumsum(valid, dtype=np.int64)))
    onehot = scipy.sparse.csr_matrix(
        (np.ones(int(indptr[-1]), dtype=rows.dtype), labels[valid], indptr), shape=rows.shape
    )
    per = _losses.softmax_cross_entropy(
        rows, onehot, class_weight=w, label_smoothing=eps, reduction="none", n_threads=n_threads
    )
    per[~valid] = 0
    return _finish(per, out_shape, rows.dtype, reduction, w[labels[valid]].sum())


def _cross_entropy_probs(rows, t, x, w, ignore_index, eps, reduction, n_threads):
    if t.dtype.kind != "f":
        raise TypeError(
            f"target has the input's shape {x.shape}, so it holds class "
            f"probabilities and must be floating point; got dtype={t.dtype}"
        )
    if ignore_index >= 0:
        raise ValueError(
            f"ignore_index is not supported for probability targets (target of "
            f"the input's shape); got ignore_index={ignore_index}"
        )
    trows, out_shape = _class_rows(t)
    if _regular(w):
        try:
            # "mean" of the core divides by the number of rows: PyTorch's rule
            res = _losses.softmax_cross_entropy(
                rows,
                trows,
                class_weight=w,
                label_smoothing=eps,
                reduction=reduction,
                n_threads=n_threads,
            )
            return _from_core(res, rows.dtype, out_shape)
        except ValueError:
            if not trows.size or np.min(trows) >= 0:
                raise
    # negative probabilities or weights: PyTorch's formula, no domain check
    lp = _special.log_softmax(rows, n_threads=n_threads)
    ts = trows.astype(rows.dtype) * (1 - eps) + eps / rows.shape[1] if eps else trows
    per = (
        -np.einsum("ij,ij,j->i", ts, lp, w, dtype=np.float64)
        if w is not None
        else -np.einsum("ij,ij->i", ts, lp, dtype=np.float64)
    )
    return _finish(per, out_shape, rows.dtype, reduction, rows.shape[0])


def _cross_entropy_general(rows, labels, w, ignore_index, eps, reduction, out_shape, n_threads):
    """Any class weights (negative, inf): log_softmax, then PyTorch's formula."""
    lp = _special.log_softmax(rows, n_threads=n_threads)
    valid = labels != ignore_index
    safe = np.where(valid, labels, 0)
    wy = np.where(valid, w[safe], 0.0)
    with np.errstate(invalid="ignore"):
        per = -(wy * lp[np.arange(rows.shape[0]), safe]) * (1 - eps)
        if eps:
            per -= eps / rows.shape[1] * (lp @ w)
    per[~valid] = 0
    return _finish(per, out_shape, rows.dtype, reduction, wy.sum())


def nll_loss(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"
):
    """``torch.nn.functional.nll_loss``: negative log-likelihood of log-probabilities.

    ``-weight[y] * input[y]``: a gather, so no kernel is involved.

    Parameters
    ----------
    input : array_like of shape (N, C) or (N, C, d1, ...)
        Log-probabilities, the classes along axis 1.
    target : array_like of int
        Class indices, ``input``'s shape without axis 1.
    weight : array_like of shape (C,), optional
        Weight of each class.
    size_average : bool, optional
        PyTorch's deprecated reduction flag, honoured as PyTorch does (it
        overrides ``reduction`` when given).
    ignore_index : int, default=-100
        Targets with this index contribute nothing.
    reduce : bool, optional
        PyTorch's other deprecated reduction flag, likewise.
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch.

    Returns
    -------
    float or ndarray
        The reduced loss, or the per-element losses for
        ``reduction="none"``.

    See Also
    --------
    cross_entropy : From logits.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> log_probs = F.log_softmax(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), dim=1)
    >>> round(float(F.nll_loss(log_probs, np.array([0, 2]))), 6)
    0.205579
    """
    reduction = _reduction(size_average, reduce, reduction)
    x = V.as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError("input must have shape (C,) or (N, C, d1, ...); got a 0-d array")
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, n_classes)
    labels, out_shape = _index_target(target, x, ignore_index)
    valid = labels != ignore_index
    everything = bool(valid.all())  # the usual case: skip the masking
    safe = labels if everything else np.where(valid, labels, 0)
    if x.ndim == 1:
        picked = x[safe]
    else:
        picked = np.take_along_axis(x, safe.reshape(out_shape)[:, None], axis=1).reshape(-1)
    if w is None:
        per, denominator = -picked, int(np.count_nonzero(valid))
    else:
        wy = w[safe]
        if not everything:
            wy[~valid] = 0
        with np.errstate(invalid="ignore"):
            per = -(wy * picked)
        denominator = wy.sum()
    if not everything:
        per[~valid] = 0  # also where an ignored entry holds inf or NaN
    return _finish(per, out_shape, x.dtype, reduction, denominator)


# ---------------------------------------------------------------------------
# binary cross-entropy


def _unit_interval(arr, name):
    """(min, max) of `arr`, which must lie in [0, 1]; NaN is refused like PyTorch."""
    if not arr.size:
        return 1.0, 0.0
    lo, hi = np.min(arr), np.max(arr)
    if not (lo >= 0 and hi <= 1):
        flat = arr.reshape(-1)
        i = int(np.flatnonzero(~((flat >= 0) & (flat <= 1)))[0])
        pos = tuple(int(p) for p in np.unravel_index(i, arr.shape))
        raise ValueError(
            f"all elements of {name} should be between 0 and 1; got "
            f"{flat[i].item()!r} at position {pos}"
        )
    return lo, hi


def _elementwise_target(x, target, shape_message):
    """The target of an element-wise loss: numeric, the input's shape (PyTorch
    does not broadcast it), in the input's dtype."""
    t = V.plain_array(target, "target")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"target must be numeric; got dtype={t.dtype}")
    if t.shape != x.shape:
        raise ValueError(shape_message.format(t=t.shape, x=x.shape))
    return t.astype(x.dtype, copy=False)


def _apply_weight(per, weight, shape):
    """per *= weight broadcast to `shape` (in place: `per` is ours)."""
    w = V.plain_array(weight, "weight")
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weight must be numeric; got dtype={w.dtype}")
    try:
        ok = np.broadcast_shapes(w.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"weight of shape {w.shape} must broadcast to the input's shape {shape}")
    np.multiply(per, w.astype(per.dtype, copy=False), out=per)
    return per


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", *, n_threads=None
):
    """``torch.nn.functional.binary_cross_entropy`` on probabilities.

    Each log term is clamped at -100, as PyTorch does; NaN probabilities
    are refused, as PyTorch refuses them.

    Parameters
    ----------
    input : array_like
        Probabilities in ``[0, 1]``, any shape.
    target : array_like
        Targets in ``[0, 1]``, ``input``'s shape.
    weight : array_like, optional
        Element weights broadcasting to ``input``'s shape.
    size_average, reduce : bool, optional
        PyTorch's deprecated reduction flags, honoured as PyTorch does
        (they override ``reduction`` when given).
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    float or ndarray
        The reduced loss, or the element losses for ``reduction="none"``.

    See Also
    --------
    binary_cross_entropy_with_logits, xentc.binary_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> probs, targets = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])
    >>> round(float(F.binary_cross_entropy(probs, targets)), 6)
    0.279777
    """
    reduction = _reduction(size_average, reduce, reduction)
    x = V.as_float_array(input, "input")
    t = _elementwise_target(x, target, "target must have the input's shape {x}; got {t}")
    lo, hi = _unit_interval(x, "input")
    _unit_interval(t, "target")
    shape = x.shape
    flat_x, flat_t = x.reshape(-1), t.reshape(-1)
    # The -100 clamp bites only at p < e^-100 and at p == 1 (1 - p rounds to 0
    # before it could). Those entries are redone here in float64, and so are
    # subnormal p (every float32 below e^-100 is one), kept from the vector log.
    floor = max(_P_FLOOR, float(np.finfo(x.dtype).tiny))
    clamped = float(lo) < floor or hi == 1
    if weight is None and not clamped:
        res = _losses.binary_cross_entropy(
            flat_x, flat_t, eps=0.0, n_threads=n_threads, reduction=reduction
        )
        return _from_core(res, x.dtype, shape)
    per = _losses.binary_cross_entropy(
        flat_x, flat_t, eps=0.0, reduction="none", n_threads=n_threads
    )
    if clamped:
        at = np.flatnonzero((flat_x < x.dtype.type(floor)) | (flat_x == 1))
        p, y = flat_x[at].astype(np.float64), flat_t[at].astype(np.float64)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
        per[at] = -(y * log_p + (1 - y) * log_q)
    per = per.reshape(shape)
    if weight is not None:
        _apply_weight(per, weight, shape)
    return _finish(per, shape, x.dtype, reduction, x.size)


def binary_cross_entropy_with_logits(
    input,
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,
    *,
    n_threads=None,
):
    """``torch.nn.functional.binary_cross_entropy_with_logits``.

    ``-[pos_weight * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))]
    * weight``, without overflow for any logit.

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Targets in ``[0, 1]``, ``input``'s shape.
    weight : array_like, optional
        Element weights broadcasting to ``input``'s shape.
    size_average, reduce : bool, optional
        PyTorch's deprecated reduction flags, honoured as PyTorch does
        (they override ``reduction`` when given).
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch.
    pos_weight : array_like, optional
        Weight of the positive term, broadcasting to ``input``'s shape
        (one per class, along the last axis).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    float or ndarray
        The reduced loss, or the element losses for ``reduction="none"``.

    See Also
    --------
    xentc.sigmoid_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> logits, targets = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    >>> loss = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=np.array(3.0))
    >>> round(float(loss), 6)
    0.705426
    """
    reduction = _reduction(size_average, reduce, reduction)
    x = V.as_float_array(input, "input")
    t = _elementwise_target(x, target, "Target size ({t}) must be the same as input size ({x})")
    shape = x.shape
    per_element = weight is not None  # the core has no element weights
    res, from_core = _sigmoid_ce(x, t, pos_weight, "none" if per_element else reduction, n_threads)
    if from_core and not per_element:
        return _from_core(res, x.dtype, shape)
    per = res.reshape(shape)
    if weight is not None:
        _apply_weight(per, weight, shape)
    return _finish(per, shape, x.dtype, reduction, x.size)


# ---------------------------------------------------------------------------
# softmax / log_softmax


def _implicit_dim(ndim, name, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _along_torch_dim(fn, name, input, dim, stacklevel, dtype, n_threads):
    x = np.asarray(input)
    if dtype is not None:
        x = x.astype(dtype)
    if dim is None:
        dim = _implicit_dim(x.ndim, name, stacklevel + 1)
    x = V.as_float_array(x, "input")
    axes = _normalize_axes(dim, max(x.ndim, 1), "dim")
    if x.ndim == 0:
        return _along(fn, x.reshape(1), axes, n_threads).reshape(())
    return _along(fn, x, axes, n_threads)


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, n_threads=None):
    """``torch.nn.functional.softmax`` along ``dim``.

    Parameters
    ----------
    input : array_like
        Logits.
    dim : int, optional
        Axis of the softmax; None picks PyTorch's legacy default (axis 0
        for 0-, 1- and 3-D input, else 1) with its warning.
    _stacklevel : int, default=3
        PyTorch's warning stack level (accepted, unused).
    dtype : dtype, optional
        Cast the input to it first.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    ndarray
        Probabilities of ``input``'s shape.

    See Also
    --------
    xentc.softmax

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> np.round(F.softmax(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), dim=1), 4)
    array([[0.7856, 0.1753, 0.0391],
           [0.042 , 0.1142, 0.8438]])
    """
    return _along_torch_dim(_special.softmax, "softmax", input, dim, _stacklevel, dtype, n_threads)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, n_threads=None):
    """``torch.nn.functional.log_softmax`` along ``dim``, without forming ``log(softmax)``.

    Parameters
    ----------
    input : array_like
        Logits.
    dim : int, optional
        Axis of the softmax; None picks PyTorch's legacy default with its
        warning.
    _stacklevel : int, default=3
        PyTorch's warning stack level (accepted, unused).
    dtype : dtype, optional
        Cast the input to it first.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    ndarray
        Log-probabilities of ``input``'s shape.

    See Also
    --------
    xentc.log_softmax

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> np.round(F.log_softmax(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), dim=1), 4)
    array([[-0.2413, -1.7413, -3.2413],
           [-3.1698, -2.1698, -0.1698]])
    """
    return _along_torch_dim(
        _special.log_softmax, "log_softmax", input, dim, _stacklevel, dtype, n_threads
    )


# ---------------------------------------------------------------------------
# torchvision.ops


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none", *, n_threads=None):
    """``torchvision.ops.sigmoid_focal_loss``, element-wise over any shape.

    ``alpha_t * (1 - p_t)**gamma * binary_cross_entropy_with_logits``. The
    same numbers as torchvision's formula where that formula is accurate;
    ``1 - p_t`` is never formed, so confident elements keep their (tiny)
    loss where torchvision's float32 arithmetic rounds it to 0. Targets must
    lie in ``[0, 1]`` (torchvision does not check). Guide: :doc:`/focal`.

    Parameters
    ----------
    inputs : array_like
        Logits, any shape.
    targets : array_like
        Targets in ``[0, 1]``, ``inputs``' shape.
    alpha : float, default=0.25
        Weight of the positive class; ``alpha < 0`` means no ``alpha_t``.
    gamma : float, default=2
        Focusing parameter.
    reduction : {"none", "mean", "sum"}, default="none"
        ``"mean"`` is over all elements.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a PyTorch
        argument.

    Returns
    -------
    float or ndarray
        The element losses, or their mean or sum.

    See Also
    --------
    xentc.sigmoid_cross_entropy : With ``focal_gamma`` and ``focal_alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import torch as F
    >>> logits, targets = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    >>> F.sigmoid_focal_loss(logits, targets)
    array([0.00045089, 0.01699354, 0.01689337])
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported "
            "reduction modes: 'none', 'mean', 'sum'"
        )
    x = V.as_float_array(inputs, "inputs")
    t = np.asarray(targets)
    if t.shape != x.shape:
        raise ValueError(f"targets must have the shape of inputs {x.shape}; got {t.shape}")
    focal_alpha = float(alpha) if alpha >= 0 else None
    res = _losses.sigmoid_cross_entropy(
        x.reshape(-1),
        t.reshape(-1),
        focal_gamma=float(gamma),
        focal_alpha=focal_alpha,
        reduction=reduction,
        n_threads=n_threads,
    )
    return _from_core(res, x.dtype, x.shape)
