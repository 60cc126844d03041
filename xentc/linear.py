"""Fused linear + softmax cross-entropy: the loss, its gradients and scoring
helpers of `hidden @ weight.T + bias` without ever holding the N x V logits
(DESIGN.md 3.10).

    linear_cross_entropy(hidden, weight, labels, ...)
        == sparse_softmax_cross_entropy(hidden @ weight.T + bias, labels, ...)

Shapes: hidden (N, d), weight (V, d) (torch.nn.Linear / LM-head layout),
bias (V,), labels (N,). Same weighting, ignore_index, label smoothing and
reductions as `sparse_softmax_cross_entropy` (losses.py).

Design:
  A. Decisions and messages here; tiles, threads and BLAS calls in
     _linear.pyx / src/linear_kernels.h. Extra memory is O(N) per-row state plus
     one logits tile (512 x <= 256) per thread and, for the gradient, up to
     16 (512, d) d_hidden partials.
  B. BLAS runs single-threaded inside our OpenMP threads: threadpoolctl (a
     scikit-learn dependency, imported lazily) limits every loaded BLAS to
     one thread for the duration of the call. Without threadpoolctl the call
     runs on one thread of ours and BLAS parallelises inside the tiles (a
     multi-threaded BLAS nested in our threads ran 10-20x slower). Results
     are the same either way: the reduction tree does not depend on threads.
  C. Tiling depends on the shapes only (rows in blocks of 512, vocabulary
     tiles from V), never on n_threads: results are bit-identical for any
     thread count.
  D. The gradient is that of the reduced loss ("none" treated as "sum").
     d_bias is returned also when bias is None (the gradient at bias = 0),
     since fitting an intercept needs it and it costs O(N x V) additions.
  E. scipy.linalg (for cython_blas) is imported on first use, so
     `import xentc` stays light.
"""

import contextlib
import numbers
import os

import numpy as np

from . import _kernels
from . import _validation as V
from .losses import _class_weight_array, _grad_scale, _LossBase, _reduce

__all__ = ["LinearCrossEntropy", "linear_cross_entropy", "linear_log_prob", "linear_top_k"]

# rows per super-block (Design A of src/linear_body.h): the K of the d_weight GEMM
# and the reuse of each packed weight tile; 512 measured ~5% faster than 256
_ROWS_SB = 512
_TILE_MAX = 256  # vocabulary columns per tile, at most
_SERIAL_FLOPS = 1 << 22  # below this many multiply-adds a call runs on one thread
_INT_MAX = 2**31 - 1  # BLAS (LP64) dimension limit


def _vocab_tile(v):
    """Columns per vocabulary tile: at most 256 (a 512 x 256 float32 tile is
    512 KiB, L2-resident), and small enough to give >= 16 tiles when V
    allows, so that the vocabulary-parallel sweep has work for every thread.
    Depends on V only (Design C)."""
    t = -(-v // 16)
    t = -(-t // 16) * 16
    return max(16, min(_TILE_MAX, t))


def _blas_layout(a):
    """a, or a copy, with contiguous rows, a positive row stride and an
    aligned native layout: what BLAS's lda accepts."""
    item = a.itemsize
    if (
        a.flags.aligned
        and a.dtype.isnative
        and a.shape[0] > 1
        and a.shape[1] > 1
        and a.strides[1] == item
        and a.strides[0] % item == 0
        and a.shape[1] * item <= a.strides[0] <= _INT_MAX * item
    ):
        return a
    return np.ascontiguousarray(a)


def _operands(hidden, weight, bias):
    """(hidden, weight, bias) in one computation dtype and BLAS layout."""
    h = V.check_2d(V.as_float_array(hidden, "hidden"), "hidden", "(n_samples, n_features)")
    w = V.check_2d(V.as_float_array(weight, "weight"), "weight", "(n_classes, n_features)")
    if h.shape[1] != w.shape[1]:
        raise ValueError(
            f"hidden has {h.shape[1]} features (columns) but weight has "
            f"{w.shape[1]}; weight must be (n_classes, n_features), the layout "
            "of torch.nn.Linear.weight"
        )
    if w.shape[0] == 0:
        raise ValueError(f"weight must have at least one row (class); got shape {w.shape}")
    if w.shape[1] == 0:
        raise ValueError(
            "hidden and weight must have at least one feature column; got "
            f"shapes {h.shape} and {w.shape}"
        )
    if max(h.shape[0], w.shape[0], w.shape[1]) > _INT_MAX:
        raise ValueError(
            f"hidden {h.shape} and weight {w.shape}: every dimension must be "
            f"below 2**31 (the BLAS integer range)"
        )
    dtype = np.result_type(h.dtype, w.dtype)
    b = None
    if bias is not None:
        b = V.as_float_array(bias, "bias")
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"bias must have shape ({w.shape[0]},) (one per weight row); got shape {b.shape}"
            )
        dtype = np.result_type(dtype, b.dtype)
        b = np.ascontiguousarray(b, dtype=dtype)
    return (
        _blas_layout(h.astype(dtype, copy=False)),
        _blas_layout(w.astype(dtype, copy=False)),
        b,
    )


_CONTROLLER = []


def _blas_single_threaded():
    """Design B: a context that limits BLAS to one thread, or None when
    threadpoolctl is not installed."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    controller = _CONTROLLER[0]
    if controller is None:
        return None
    blas = controller.select(user_api="blas")
    if all(info.get("num_threads", 1) == 1 for info in blas.info()):
        return contextlib.nullcontext()
    return blas.limit(limits=1)


def _usable_cpus():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _team(n_threads, n, v, d):
    """Threads for one call: 1 for small calls, else n_threads clamped to the
    CPUs this process may use (results do not depend on it, Design C)."""
    if n * v * d < _SERIAL_FLOPS:
        return 1
    return max(1, min(n_threads, _usable_cpus()))


def _run(
    op,
    h,
    w,
    b,
    labels,
    smoothing,
    n_threads,
    row_a=None,
    dh=None,
    dw=None,
    db=None,
    k=0,
    topv=None,
    topi=None,
):
    """One fused pass; returns the (n, 4) per-row state (see _linear.ROW_FIELDS)."""
    from . import _linear  # Design E

    n, v, d = h.shape[0], w.shape[0], h.shape[1]
    rows = np.empty((n, len(_linear.ROW_FIELDS)))
    if n == 0 and op != _linear.OP_LOSS_GRAD:
        return rows
    team = _team(n_threads, n, v, d)
    # small serial calls skip the BLAS limit (~20 us): OpenBLAS keeps small GEMMs on
    # one thread by itself, and its level-3 results do not depend on its thread count
    small = n * v * d < _SERIAL_FLOPS
    limit = contextlib.nullcontext() if small else _blas_single_threaded()
    if limit is None:  # no threadpoolctl: one thread of ours, BLAS threads inside tiles
        team, limit = 1, contextlib.nullcontext()
    with limit:
        _linear.run(
            op,
            _kernels.active_target(),
            h,
            w,
            b,
            labels,
            smoothing,
            rows,
            row_a,
            dh,
            dw,
            db,
            k,
            topv,
            topi,
            team,
            _ROWS_SB,
            _vocab_tile(v),
        )
    return rows


_LSE, _LOSS = 1, 3  # columns of the per-row state (_linear.ROW_FIELDS)


def _row_weights(lab, ignored, class_weight, sample_weight, n, v):
    """Per-row weights (None = all ones) and their sum, as losses.py's
    sparse softmax cross-entropy defines them (DESIGN 3.2)."""
    w = None
    if sample_weight is not None:
        w = V.check_weights(sample_weight, "sample_weight", n)
    counts = np.bincount(lab[lab >= 0], minlength=v) if isinstance(class_weight, str) else None
    cw = _class_weight_array(class_weight, v, np.float64, counts)
    if cw is not None:
        cwl = cw[np.maximum(lab, 0)]
        w = cwl if w is None else w * cwl
    if ignored is not None and w is not None:
        w = np.where(ignored, 0.0, w)
    if w is not None:
        return w, float(w.sum())
    return None, float(n - (int(ignored.sum()) if ignored is not None else 0))


def _grad_buffer(out, name, shape, dtype, inputs):
    """(buffer the kernel writes, array returned). A user `out` that the
    kernel cannot write directly (layout, or overlap with an input) gets a
    temporary that is copied into it afterwards."""
    if out is None:
        buf = np.empty(shape, dtype=dtype)
        return buf, buf
    V.check_out(out, shape, dtype, name)
    direct = (
        out.ndim == 2
        and out.flags.c_contiguous
        and out.flags.aligned
        and not any(x is not None and np.shares_memory(out, x) for x in inputs)
    )
    return (out if direct else np.empty(shape, dtype=dtype)), out


def _linear_ce(
    hidden,
    weight,
    labels,
    bias,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    reduction,
    n_threads,
    grad=False,
    out=None,
    want_hidden=True,
):
    """(loss, d_hidden, d_weight, d_bias); the gradients are None unless grad."""
    from . import _linear

    h, w, b = _operands(hidden, weight, bias)
    n, d = h.shape
    v = w.shape[0]
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = V.resolve_n_threads(n_threads)
    lab, ignored = V.check_labels(labels, n, v, ignore_index, source="weight rows")
    row_w, weight_sum = _row_weights(lab, ignored, class_weight, sample_weight, n, v)
    grads = (None, None, None)
    if not grad:
        rows = _run(_linear.OP_STATS, h, w, b, lab, eps, n_threads)
    else:
        if out is None:
            out = (None, None, None)
        if not isinstance(out, tuple) or len(out) != 3:
            raise TypeError(
                "out must be None or a tuple (d_hidden, d_weight, d_bias) of "
                f"arrays or None; got {type(out).__name__}"
            )
        scale = _grad_scale(reduction if reduction != "none" else "sum", weight_sum)
        row_a = np.full(n, scale) if row_w is None else row_w * scale
        if ignored is not None:
            row_a[ignored] = 0.0
        inputs = (hidden, weight, bias, h, w, b)
        dh_buf, dh = (
            (None, None)
            if not want_hidden
            else _grad_buffer(out[0], "out[0] (d_hidden)", (n, d), h.dtype, inputs)
        )
        dw_buf, dw = _grad_buffer(out[1], "out[1] (d_weight)", (v, d), h.dtype, inputs)
        if out[2] is not None:
            V.check_out(out[2], (v,), h.dtype, "out[2] (d_bias)")
        db64 = np.empty(v)
        rows = _run(
            _linear.OP_LOSS_GRAD,
            h,
            w,
            b,
            lab,
            eps,
            n_threads,
            row_a=row_a,
            dh=dh_buf,
            dw=dw_buf,
            db=db64,
        )
        for buf, res in ((dh_buf, dh), (dw_buf, dw)):
            if res is not None and buf is not res:
                res[...] = buf
        if out[2] is not None:
            out[2][...] = db64
            db = out[2]
        else:
            db = db64.astype(h.dtype)
        grads = (dh, dw, db)
    per = rows[:, _LOSS]
    weighted = per if row_w is None else per * row_w
    total = float(weighted.sum())
    per_sample = weighted.astype(h.dtype) if reduction == "none" else None
    return (_reduce(total, weight_sum, per_sample, reduction),) + grads


def linear_cross_entropy(
    hidden,
    weight,
    labels,
    *,
    bias=None,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    reduction="mean",
    n_threads=None,
):
    """Softmax cross-entropy of ``hidden @ weight.T + bias`` against labels.

    Equal to ``sparse_softmax_cross_entropy(hidden @ weight.T + bias,
    labels)``, computed tile by tile without ever storing the N x V logits
    (a language-model head over a large vocabulary; guide: :doc:`/linear`).
    Results are bit-identical for every thread count.

    Parameters
    ----------
    hidden : array_like of shape (N, d)
        Inputs of the last layer (float32 or float64).
    weight : array_like of shape (V, d)
        One row per class (``torch.nn.Linear.weight`` layout).
    labels : array_like of int, shape (N,)
        Class indices in ``[0, V)``, or ``ignore_index``.
    bias : array_like of shape (V,), optional
        Added to every row of logits.
    class_weight : array_like of shape (V,), dict or "balanced", optional
        As for :func:`sparse_softmax_cross_entropy`.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
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

    Returns
    -------
    loss : float or ndarray
        The reduced loss (a float; NaN when there is no sample or every
        sample is ignored), or the per-sample losses of shape (N,) for
        ``reduction="none"``, in the input's dtype.

    Raises
    ------
    ValueError
        If the shapes disagree or a label is out of range.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    LinearCrossEntropy : The loss with its three gradients.
    linear_log_prob, linear_top_k

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> rng = np.random.default_rng(0)
    >>> hidden = rng.standard_normal((6, 4))
    >>> weight = rng.standard_normal((10, 4))
    >>> labels = rng.integers(0, 10, 6)
    >>> loss = xentc.linear_cross_entropy(hidden, weight, labels)
    >>> bool(np.isclose(loss, xentc.sparse_softmax_cross_entropy(hidden @ weight.T, labels)))
    True
    """
    return _linear_ce(
        hidden,
        weight,
        labels,
        bias,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        reduction,
        n_threads,
    )[0]


def _check_segments(segment_ids, lengths, n):
    """Segment index per row and the number of segments."""
    if segment_ids is not None and lengths is not None:
        raise ValueError("give segment_ids or lengths, not both")
    if segment_ids is not None:
        seg = np.asarray(segment_ids)
        if seg.dtype.kind not in "iu":
            raise TypeError(f"segment_ids must be an integer array; got dtype={seg.dtype}")
        if seg.shape != (n,):
            raise ValueError(
                f"segment_ids must have shape ({n},) (one per row of hidden); "
                f"got shape {seg.shape}"
            )
        if n and seg.min() < 0:
            i = int(np.flatnonzero(seg < 0)[0])
            raise ValueError(f"segment_ids must be non-negative; got {seg[i]} at position {i}")
        seg = seg.astype(np.int64)
        return seg, (int(seg.max()) + 1 if n else 0)
    lens = np.asarray(lengths)
    if lens.dtype.kind not in "iu" or lens.ndim != 1:
        raise TypeError(
            f"lengths must be a 1-D integer array; got dtype={lens.dtype}, shape {lens.shape}"
        )
    if lens.size and lens.min() < 0:
        i = int(np.flatnonzero(lens < 0)[0])
        raise ValueError(f"lengths must be non-negative; got {lens[i]} at position {i}")
    if int(lens.sum()) != n:
        raise ValueError(
            f"lengths must sum to the number of rows of hidden ({n}); they sum "
            f"to {int(lens.sum())}"
        )
    return np.repeat(np.arange(lens.size), lens), lens.size


def linear_log_prob(
    hidden, weight, labels, *, bias=None, segment_ids=None, lengths=None, n_threads=None
):
    """Log-probability of each label under ``softmax(hidden @ weight.T + bias)``.

    Computed without storing the logits. With ``segment_ids`` or
    ``lengths`` the per-row values are summed per segment: the
    log-likelihood of each candidate sequence (language-model scoring and
    reranking).

    Parameters
    ----------
    hidden : array_like of shape (N, d)
        Inputs of the last layer (float32 or float64).
    weight : array_like of shape (V, d)
        One row per class (``torch.nn.Linear.weight`` layout).
    labels : array_like of int, shape (N,)
        Class indices in ``[0, V)``.
    bias : array_like of shape (V,), optional
        Added to every row of logits.
    segment_ids : array_like of int, shape (N,), optional
        Non-negative segment of each row; segment ``s`` is entry ``s`` of
        the result (length ``max id + 1``).
    lengths : array_like of int, shape (S,), optional
        Row counts of consecutive segments, summing to N (instead of
        ``segment_ids``).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray of float64
        ``log p(labels[i] | hidden[i])`` of shape (N,), or the per-segment
        sums; accumulated in float64 whatever the input dtype.

    Raises
    ------
    ValueError
        If shapes disagree, a label is out of range, both ``segment_ids``
        and ``lengths`` are given, or ``lengths`` does not sum to N.
    TypeError
        If ``segment_ids`` or ``lengths`` is not an integer array.

    See Also
    --------
    linear_cross_entropy, linear_top_k

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> rng = np.random.default_rng(0)
    >>> hidden = rng.standard_normal((6, 4))
    >>> weight = rng.standard_normal((10, 4))
    >>> labels = rng.integers(0, 10, 6)
    >>> np.round(xentc.linear_log_prob(hidden, weight, labels), 4)
    array([-3.5299, -3.6923, -1.4823, -7.073 , -5.1436, -2.2899])
    >>> np.round(xentc.linear_log_prob(hidden, weight, labels, lengths=[2, 4]), 4)
    array([ -7.2221, -15.9888])
    """
    from . import _linear

    h, w, b = _operands(hidden, weight, bias)
    n, v = h.shape[0], w.shape[0]
    n_threads = V.resolve_n_threads(n_threads)
    lab, _ = V.check_labels(labels, n, v, source="weight rows")
    seg = None
    if segment_ids is not None or lengths is not None:
        seg, n_seg = _check_segments(segment_ids, lengths, n)
    rows = _run(_linear.OP_STATS, h, w, b, lab, 0.0, n_threads)
    logp = -rows[:, _LOSS]
    if seg is None:
        return logp
    return np.bincount(seg, weights=logp, minlength=n_seg)


def linear_top_k(hidden, weight, k, *, bias=None, n_threads=None):
    """The k most probable classes of each row of ``softmax(hidden @ weight.T + bias)``.

    Computed without storing the logits.

    Parameters
    ----------
    hidden : array_like of shape (N, d)
        Inputs of the last layer (float32 or float64).
    weight : array_like of shape (V, d)
        One row per class (``torch.nn.Linear.weight`` layout).
    k : int
        How many classes per row, in ``[1, V]``.
    bias : array_like of shape (V,), optional
        Added to every row of logits.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    indices : ndarray of int64, shape (N, k)
        Classes, most probable first; on equal logits the lower class index
        comes first.
    log_probs : ndarray of float64, shape (N, k)
        Their log-probabilities (NaN for rows with non-finite logits).

    Raises
    ------
    ValueError
        If ``k`` is outside ``[1, V]`` or the shapes disagree.
    TypeError
        If ``k`` is not an int.

    See Also
    --------
    linear_log_prob, xentc.metrics.top_k_accuracy_score

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> rng = np.random.default_rng(0)
    >>> hidden = rng.standard_normal((6, 4))
    >>> weight = rng.standard_normal((10, 4))
    >>> labels = rng.integers(0, 10, 6)
    >>> indices, log_probs = xentc.linear_top_k(hidden, weight, 3)
    >>> indices[:2]
    array([[5, 9, 3],
           [4, 5, 3]])
    >>> np.round(log_probs[:2], 4)
    array([[-1.4501, -1.5026, -2.0705],
           [-0.8727, -1.087 , -1.8495]])
    """
    from . import _linear

    h, w, b = _operands(hidden, weight, bias)
    n, v = h.shape[0], w.shape[0]
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int in [1, {v}]; got {k!r}")
    if not 1 <= k <= v:
        raise ValueError(f"k must be in [1, {v}] (the number of weight rows); got {k}")
    k = int(k)
    n_threads = V.resolve_n_threads(n_threads)
    topv = np.empty((n, k))
    topi = np.empty((n, k), dtype=np.int64)
    rows = _run(_linear.OP_TOPK, h, w, b, None, 0.0, n_threads, k=k, topv=topv, topi=topi)
    return topi, topv - rows[:, _LSE : _LSE + 1]


class LinearCrossEntropy(_LossBase):
    """Fused linear + softmax cross-entropy as a loss object.

    ``loss(hidden, weight, labels, bias=None, sample_weight=None)`` (or
    calling the object) and ``loss_gradient(...)``, which returns the loss
    and the gradients with respect to ``hidden``, ``weight`` and ``bias``
    from one forward and one gradient sweep.

    Parameters
    ----------
    class_weight : array_like of shape (V,), dict or "balanced", optional
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

    See Also
    --------
    linear_cross_entropy : The loss alone.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> rng = np.random.default_rng(0)
    >>> hidden = rng.standard_normal((6, 4))
    >>> weight = rng.standard_normal((10, 4))
    >>> labels = rng.integers(0, 10, 6)
    >>> loss, d_hidden, d_weight, d_bias = xentc.LinearCrossEntropy().loss_gradient(
    ...     hidden, weight, labels
    ... )
    >>> d_hidden.shape, d_weight.shape, d_bias.shape
    ((6, 4), (10, 4), (10,))
    """

    _params = ("class_weight", "ignore_index", "label_smoothing", "reduction", "n_threads")

    def __init__(
        self,
        *,
        class_weight=None,
        ignore_index=None,
        label_smoothing=0.0,
        reduction="mean",
        n_threads=None,
    ):
        self.class_weight = class_weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.reduction = reduction
        self.n_threads = n_threads

    def __call__(self, hidden, weight, labels, bias=None, sample_weight=None):
        return self.loss(hidden, weight, labels, bias, sample_weight)

    def loss(self, hidden, weight, labels, bias=None, sample_weight=None):
        """The reduced loss (the per-sample losses for ``reduction="none"``).

        Parameters
        ----------
        hidden : array_like of shape (N, d)
            Inputs of the last layer (float32 or float64).
        weight : array_like of shape (V, d)
            One row per class (``torch.nn.Linear.weight`` layout).
        labels : array_like of int, shape (N,)
            Class indices in ``[0, V)``, or ``ignore_index``.
        bias : array_like of shape (V,), optional
            Added to every row of logits.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample (row).

        Returns
        -------
        loss : float or ndarray
            The reduced loss (a float; NaN when there is no sample or every
            sample is ignored), or the per-sample losses of shape (N,) for
            ``reduction="none"``, in the input's dtype.
        """
        return _linear_ce(
            hidden,
            weight,
            labels,
            bias,
            self.class_weight,
            sample_weight,
            self.ignore_index,
            self.label_smoothing,
            self.reduction,
            self.n_threads,
        )[0]

    def loss_gradient(self, hidden, weight, labels, bias=None, sample_weight=None, *, out=None):
        """The loss and its gradients, from one forward and one gradient sweep.

        Parameters
        ----------
        hidden : array_like of shape (N, d)
            Inputs of the last layer (float32 or float64).
        weight : array_like of shape (V, d)
            One row per class (``torch.nn.Linear.weight`` layout).
        labels : array_like of int, shape (N,)
            Class indices in ``[0, V)``, or ``ignore_index``.
        bias : array_like of shape (V,), optional
            Added to every row of logits.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample (row).
        out : tuple of 3 ndarray or None, optional
            ``(d_hidden, d_weight, d_bias)`` arrays to write into, each of the
            right shape and dtype, or None.

        Returns
        -------
        loss : float or ndarray
            The reduced loss (a float; NaN when there is no sample or every
            sample is ignored), or the per-sample losses of shape (N,) for
            ``reduction="none"``, in the input's dtype.
        d_hidden : ndarray of shape (N, d)
            Gradient with respect to ``hidden``.
        d_weight : ndarray of shape (V, d)
            Gradient with respect to ``weight``.
        d_bias : ndarray of shape (V,)
            Gradient with respect to ``bias`` (at ``bias = 0`` when it is None:
            what fitting an intercept needs).
        """
        return _linear_ce(
            hidden,
            weight,
            labels,
            bias,
            self.class_weight,
            sample_weight,
            self.ignore_index,
            self.label_smoothing,
            self.reduction,
            self.n_threads,
            grad=True,
            out=out,
        )

    def gradient_hessian(self, *args, **kwargs):
        """Not available: always raises.

        The diagonal Hessian is defined per logit, and this loss never forms
        the logits; use :class:`SparseSoftmaxCrossEntropy` on
        ``hidden @ weight.T + bias``.

        Parameters
        ----------
        *args, **kwargs
            Ignored.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(
            "LinearCrossEntropy has no gradient_hessian: it never "
            "forms the logits (use SparseSoftmaxCrossEntropy on "
            "hidden @ weight.T + bias)"
        )
