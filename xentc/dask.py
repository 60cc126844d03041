"""xentc on Dask: scoring of partitioned predictions and lazy row-wise kernels.

Design:
  a. Row-wise primitives and losses are `map_blocks` over the eager xentc
     function: a block is a set of whole rows, so the class axis is rechunked
     into one chunk once (a row's softmax needs all of its classes) and every
     block's result is exactly the eager result on those rows.
  b. Reductions ("sum", "mean", scoring) never average averages: every block
     returns additive partial sums (weighted loss sum and weight sum; a
     `StreamingScores` state), a tree adds them, and the ratio is taken once.
  c. Scoring: one task per partition turns its rows into a
     `StreamingScores.to_dict()` state (small, JSON-safe, independent of the
     pickling of our classes); a `dask.delayed` tree with fan-in
     `split_every` (32) merges them. Chosen by measurement
     (asv_benchmarks/compare_dask.py, "Reduction"): dask.bag's reduction
     needs ~3x the tasks and was 2-3x slower; a tree of fan-in 8 cost more
     than fan-in 32; a single flat merge was as fast as fan-in 32 but sends
     every state to one task (memory grows with partitions x classes), which
     the tree bounds.
  d. Threads: a task calls the kernel with `n_threads` chosen where it runs
     (`_task_threads`): an explicit value wins; in a distributed worker that
     runs more than one task at a time, 1 (the worker's threads already fill
     the cores); in a single-threaded worker, OpenMP's default, which the
     nanny sets to OMP_NUM_THREADS=1 unless configured otherwise; in the local
     threaded scheduler (not the main thread), 1; in the synchronous
     scheduler, OpenMP's default.
  e. Work happens on whatever scheduler is active when the graph is computed
     (`dask.compute` picks up a `distributed.Client` if one exists).

Nothing here is imported by `import xentc`; it needs the `dask` extra.
"""

import contextlib
import functools
import glob
import os
import threading

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as exc:  # one actionable line instead of a bare module name
    raise ImportError(f"xentc.dask needs Dask: pip install 'xentc[dask]' ({exc})") from exc

from . import _validation as V
from . import losses as _losses
from . import special as _special

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

# ---------------------------------------------------------------------------
# threads per task


def _current_worker():
    """The distributed worker running this task, or None."""
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return get_worker()
    except ValueError:  # not inside a worker task
        return None


def _task_threads(n_threads):
    """n_threads for one kernel call inside a task (see Design d)."""
    if n_threads is not None:
        return n_threads
    worker = _current_worker()
    if worker is not None:
        return 1 if worker.state.nthreads > 1 else None
    return None if threading.current_thread() is threading.main_thread() else 1


def _check_n_threads(n_threads):
    return None if n_threads is None else V.resolve_n_threads(n_threads)


# ---------------------------------------------------------------------------
# argument handling


def _is_frame(x):
    """A Dask DataFrame or Series (without importing dask.dataframe)."""
    return dask.is_dask_collection(x) and not isinstance(x, da.Array) and hasattr(x, "npartitions")


def _as_dask(x, name):
    if isinstance(x, da.Array):
        return x
    if _is_frame(x):
        raise TypeError(
            f"{name} must be a Dask or NumPy array; got a Dask {type(x).__name__} "
            "(use .to_dask_array(lengths=True))"
        )
    return da.asarray(x)


def _float_dtype(x, name):
    """The dtype the eager kernel computes in, checked before any task runs."""
    return V.as_float_array(np.empty((0,), dtype=x.dtype), name).dtype


def _axis(axis, ndim, name="x"):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int; got {axis!r}")
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise ValueError(f"axis {axis} is out of bounds for {name} with {ndim} dimensions")
    return int(axis) % n


def _whole_axis(x, axis):
    """Rechunk so that `axis` is one chunk (a no-op when it already is)."""
    if x.ndim and len(x.chunks[axis]) > 1:
        return x.rechunk({axis: -1})
    return x


def _rows_like(arr, name, rows_chunks, shape):
    """`arr` as a Dask array whose row chunks match `rows_chunks`."""
    a = _as_dask(arr, name)
    if a.ndim != len(shape) or any(
        not (np.isnan(s) or np.isnan(t)) and s != t for s, t in zip(a.shape, shape)
    ):
        raise ValueError(f"{name} must have shape {shape}; got {a.shape}")
    if a.ndim == 2:
        a = _whole_axis(a, 1)
    if a.chunks[0] == rows_chunks:
        return a
    if any(np.isnan(c) for c in rows_chunks + a.chunks[0]):
        raise ValueError(
            f"{name} and the predictions have unknown chunk sizes (NaN), so their "
            "rows cannot be aligned; call .compute_chunk_sizes() on both (or pass "
            "Dask Series / DataFrames of one frame)"
        )
    return a.rechunk({0: rows_chunks})


def _meta(ndim, dtype):
    return np.empty((0,) * ndim, dtype=dtype)


# ---------------------------------------------------------------------------
# lazy primitives


def _softmax_block(b, op, axis, n_threads):
    return op(b, axis=axis, n_threads=_task_threads(n_threads))


def _lazy_along_axis(op, x, axis, n_threads):
    x = _as_dask(x, "x")
    dtype = _float_dtype(x, "x")
    n_threads = _check_n_threads(n_threads)
    if x.ndim == 0:
        return x.map_blocks(_softmax_block, op, -1, n_threads, dtype=dtype, meta=_meta(0, dtype))
    axis = _axis(axis, x.ndim)
    x = _whole_axis(x, axis)
    return x.map_blocks(
        _softmax_block, op, axis, n_threads, dtype=dtype, meta=_meta(x.ndim, dtype)
    )


def softmax(x, axis=-1, *, n_threads=None):
    """Lazy :func:`xentc.softmax` on a Dask array.

    Blocks split along ``axis`` are rechunked into one chunk along it.

    Parameters
    ----------
    x : dask.array.Array
        Real input, chunked any way.
    axis : int, default=-1
        Axis of the softmax.
    n_threads : int, optional
        Threads per block task (None: the default; see :doc:`/dask` on
        threads and workers).

    Returns
    -------
    dask.array.Array
        Lazy result, as the eager function's; ``.compute()`` runs it.

    See Also
    --------
    xentc.softmax : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> probs = xentc.dask.softmax(logits)
    >>> bool(np.allclose(probs.compute(), xentc.softmax(x)))
    True
    """
    return _lazy_along_axis(_special.softmax, x, axis, n_threads)


def log_softmax(x, axis=-1, *, n_threads=None):
    """Lazy :func:`xentc.log_softmax` on a Dask array.

    Blocks split along ``axis`` are rechunked into one chunk along it.

    Parameters
    ----------
    x : dask.array.Array
        Real input, chunked any way.
    axis : int, default=-1
        Axis of the softmax.
    n_threads : int, optional
        Threads per block task (None: the default; see :doc:`/dask` on
        threads and workers).

    Returns
    -------
    dask.array.Array
        Lazy result, as the eager function's; ``.compute()`` runs it.

    See Also
    --------
    xentc.log_softmax : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> bool(np.allclose(xentc.dask.log_softmax(logits).compute(), xentc.log_softmax(x)))
    True
    """
    return _lazy_along_axis(_special.log_softmax, x, axis, n_threads)


def _lse_block(b, axis, keepdims, n_threads):
    return _special.logsumexp(b, axis=axis, keepdims=keepdims, n_threads=_task_threads(n_threads))


def _lse_partial(b, axis=None, keepdims=None, n_threads=None):
    # da.reduction hands over the reduced axes as a tuple: here all of them
    return _special.logsumexp(b, axis=None, keepdims=True, n_threads=_task_threads(n_threads))


def _lse_total(b, axis=None, keepdims=False, n_threads=None):
    return _special.logsumexp(b, axis=None, keepdims=keepdims, n_threads=_task_threads(n_threads))


def logsumexp(x, axis=-1, keepdims=False, *, n_threads=None):
    """Lazy :func:`xentc.logsumexp` on a Dask array.

    An int ``axis`` is rechunked into one chunk and computed per block
    (equal to the eager result bit for bit); ``axis=None`` is a tree of
    block-wise log-sum-exps (equal within rounding).

    Parameters
    ----------
    x : dask.array.Array
        Real input, chunked any way.
    axis : int or None, default=-1
        Axis to reduce; None: every element.
    keepdims : bool, default=False
        Keep the reduced axis with length 1.
    n_threads : int, optional
        Threads per block task (None: the default; see :doc:`/dask` on
        threads and workers).

    Returns
    -------
    dask.array.Array
        Lazy result, as the eager function's; ``.compute()`` runs it.

    See Also
    --------
    xentc.logsumexp : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> bool((xentc.dask.logsumexp(logits).compute() == xentc.logsumexp(x)).all())
    True
    """
    x = _as_dask(x, "x")
    dtype = _float_dtype(x, "x")
    n_threads = _check_n_threads(n_threads)
    if axis is None:
        part = functools.partial(_lse_partial, n_threads=n_threads)
        return da.reduction(
            x,
            part,
            functools.partial(_lse_total, n_threads=n_threads),
            combine=part,
            axis=None,
            keepdims=keepdims,
            dtype=dtype,
            concatenate=True,
            meta=_meta(x.ndim if keepdims else 0, dtype),
        )
    if x.ndim == 0:
        return x.map_blocks(_lse_block, -1, keepdims, n_threads, dtype=dtype, meta=_meta(0, dtype))
    axis = _axis(axis, x.ndim)
    x = _whole_axis(x, axis)
    if keepdims:
        chunks = x.chunks[:axis] + ((1,),) + x.chunks[axis + 1 :]
        return x.map_blocks(
            _lse_block,
            axis,
            True,
            n_threads,
            dtype=dtype,
            chunks=chunks,
            meta=_meta(x.ndim, dtype),
        )
    return x.map_blocks(
        _lse_block,
        axis,
        False,
        n_threads,
        dtype=dtype,
        drop_axis=axis,
        meta=_meta(x.ndim - 1, dtype),
    )


def _sigmoid_block(b, n_threads):
    return _special.sigmoid(b, n_threads=_task_threads(n_threads))


def sigmoid(x, *, n_threads=None):
    """Lazy :func:`xentc.sigmoid` on a Dask array.

    Element-wise: any chunking is kept.

    Parameters
    ----------
    x : dask.array.Array
        Real input, chunked any way.
    n_threads : int, optional
        Threads per block task (None: the default; see :doc:`/dask` on
        threads and workers).

    Returns
    -------
    dask.array.Array
        Lazy result, as the eager function's; ``.compute()`` runs it.

    See Also
    --------
    xentc.sigmoid : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> xentc.dask.sigmoid(logits).chunks[0]
    (250, 250, 250, 250)
    """
    x = _as_dask(x, "x")
    dtype = _float_dtype(x, "x")
    return x.map_blocks(
        _sigmoid_block, _check_n_threads(n_threads), dtype=dtype, meta=_meta(x.ndim, dtype)
    )


# ---------------------------------------------------------------------------
# lazy losses: "none" per block; "sum" / "mean" from per-block [loss sum, weight sum]


def _ratio(parts, reduction, divisor):
    total, weight = float(parts[0]), float(parts[1])
    if reduction == "sum":
        return np.float64(total)
    denom = weight * divisor
    return np.float64(total / denom if denom != 0 else np.nan)


def _finish(partials, reduction, divisor=1):
    """0-d float64 Dask array from the (n_blocks, 2) partial sums."""
    sums = partials.sum(axis=0)  # a tree over blocks (dask's split_every)
    return sums.map_blocks(
        _ratio, reduction, divisor, drop_axis=0, dtype=np.float64, meta=np.empty((), np.float64)
    )


def _sparse_block(x, y, w, cw, ignore_index, eps, reduction, n_threads):
    nt = _task_threads(n_threads)
    if reduction == "none":
        return _losses.sparse_softmax_cross_entropy(
            x,
            y,
            class_weight=cw,
            sample_weight=w,
            ignore_index=ignore_index,
            label_smoothing=eps,
            reduction="none",
            n_threads=nt,
        )
    total = _losses.sparse_softmax_cross_entropy(
        x,
        y,
        class_weight=cw,
        sample_weight=w,
        ignore_index=ignore_index,
        label_smoothing=eps,
        reduction="sum",
        n_threads=nt,
    )
    # the same per-row weights the eager "mean" divides by (labels were checked above)
    y = np.asarray(y)
    kept = np.ones(y.shape[0], bool) if ignore_index is None else y != ignore_index
    wr = np.ones(y.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    if cw is not None:
        wr = wr * np.asarray(cw, dtype=np.float64)[np.where(kept, y, 0)]
    return np.array([[total, float(wr[kept].sum())]])


def _balanced_weights(counts):
    return _losses._class_weight_array("balanced", counts.shape[0], np.float64, counts)


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
):
    """Lazy :func:`xentc.sparse_softmax_cross_entropy` on Dask arrays.

    ``"mean"`` is ``sum_i w_i l_i / sum_i w_i`` over all non-ignored rows of
    all blocks (not a mean of block means). ``class_weight="balanced"``
    counts the classes over the whole array first (one extra pass over the
    labels).

    Parameters
    ----------
    logits : dask.array.Array of shape (N, C)
        Logits; the class axis is rechunked into one chunk.
    labels : dask.array.Array or ndarray of shape (N,)
        Integer labels, aligned to the logits' row chunks.
    class_weight : array_like of shape (C,), dict or "balanced", optional
        As for the eager function.
    sample_weight : dask.array.Array or ndarray of shape (N,), optional
        Non-negative weight of each row.
    ignore_index : int, optional
        Rows with this label contribute nothing.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"none"``: a lazy (N,) array; ``"sum"`` / ``"mean"``: a lazy 0-d
        float64 array.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    dask.array.Array
        The lazy loss.

    See Also
    --------
    xentc.sparse_softmax_cross_entropy : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> y = rng.integers(0, 5, 1000)
    >>> labels = da.from_array(y, chunks=250)
    >>> loss = xentc.dask.sparse_softmax_cross_entropy(logits, labels)
    >>> bool(np.isclose(loss.compute(), xentc.sparse_softmax_cross_entropy(x, y)))
    True
    """
    x = _as_dask(logits, "logits")
    dtype = _float_dtype(x, "logits")
    if x.ndim != 2:
        raise ValueError(f"logits must be 2-D (n_samples, n_classes); got shape {x.shape}")
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = _check_n_threads(n_threads)
    x = _whole_axis(x, 1)
    n, c = x.shape
    y = _rows_like(labels, "labels", x.chunks[0], (n,))
    if y.dtype.kind not in "biu":
        raise TypeError(f"labels must be integers; got dtype={y.dtype}")
    w = (
        None
        if sample_weight is None
        else _rows_like(sample_weight, "sample_weight", x.chunks[0], (n,))
    )
    if isinstance(class_weight, str) and class_weight == "balanced":
        valid = (y >= 0) & (y < c)
        if ignore_index is not None:
            valid &= y != ignore_index
        counts = da.bincount(da.where(valid, y, c), minlength=c + 1)[:c]
        cw = counts.map_blocks(_balanced_weights, dtype=np.float64)
    else:
        cw = _losses._class_weight_array(class_weight, c, np.float64)
    # blockwise over rows "i"; the class axis "j" is one chunk
    args = [
        x,
        "ij",
        y,
        "i",
        w,
        None if w is None else "i",
        cw,
        None if not isinstance(cw, da.Array) else "k",
    ]
    if reduction == "none":
        return da.blockwise(
            _sparse_block,
            "i",
            *args,
            ignore_index,
            None,
            eps,
            None,
            "none",
            None,
            n_threads,
            None,
            dtype=dtype,
            concatenate=True,
            meta=_meta(1, dtype),
        )
    partials = da.blockwise(
        _sparse_block,
        "ij",
        *args,
        ignore_index,
        None,
        eps,
        None,
        "sum",
        None,
        n_threads,
        None,
        dtype=np.float64,
        concatenate=True,
        adjust_chunks={"i": 1, "j": 2},
        meta=_meta(2, np.float64),
    )
    return _finish(partials, reduction)


def _sigmoid_ce_block(x, t, w, pos_weight, eps, reduction, n_threads):
    nt = _task_threads(n_threads)
    if reduction == "none":
        return _losses.sigmoid_cross_entropy(
            x,
            t,
            pos_weight=pos_weight,
            sample_weight=w,
            label_smoothing=eps,
            reduction="none",
            n_threads=nt,
        )
    total = _losses.sigmoid_cross_entropy(
        x,
        t,
        pos_weight=pos_weight,
        sample_weight=w,
        label_smoothing=eps,
        reduction="sum",
        n_threads=nt,
    )
    weight = float(x.shape[0]) if w is None else float(np.sum(w, dtype=np.float64))
    return np.array([[total, weight]])


def sigmoid_cross_entropy(
    logits,
    targets,
    *,
    pos_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    n_threads=None,
):
    """Lazy :func:`xentc.sigmoid_cross_entropy` on Dask arrays.

    ``"mean"`` divides by ``sum_i w_i`` (and by K for 2-D logits) over all
    blocks at once.

    Parameters
    ----------
    logits : dask.array.Array of shape (N,) or (N, K)
        Logits; the label axis is rechunked into one chunk.
    targets : dask.array.Array or ndarray, same shape as ``logits``
        Dense targets in ``[0, 1]``.
    pos_weight : float or array_like of shape (K,), optional
        Weight of the positive term, per label.
    sample_weight : dask.array.Array or ndarray of shape (N,), optional
        Non-negative weight of each row.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"none"``: lazy element losses of the logits' shape; ``"sum"`` /
        ``"mean"``: a lazy 0-d float64 array.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    dask.array.Array
        The lazy loss.

    See Also
    --------
    xentc.sigmoid_cross_entropy : The eager function.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> z, t = rng.standard_normal(1000), rng.integers(0, 2, 1000).astype(float)
    >>> loss = xentc.dask.sigmoid_cross_entropy(da.from_array(z, chunks=250), t)
    >>> bool(np.isclose(loss.compute(), xentc.sigmoid_cross_entropy(z, t)))
    True
    """
    x = _as_dask(logits, "logits")
    dtype = _float_dtype(x, "logits")
    if x.ndim not in (1, 2):
        raise ValueError(
            f"logits must be 1-D (n_samples,) or 2-D (n_samples, n_labels); got shape {x.shape}"
        )
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = _check_n_threads(n_threads)
    if x.ndim == 2:
        x = _whole_axis(x, 1)
    k = x.shape[1] if x.ndim == 2 else 1
    _losses._pos_weight(pos_weight, k, dtype)  # checked now, applied per block
    t = _rows_like(targets, "targets", x.chunks[0], x.shape)
    w = (
        None
        if sample_weight is None
        else _rows_like(sample_weight, "sample_weight", x.chunks[0], (x.shape[0],))
    )
    ind = "ij" if x.ndim == 2 else "i"
    args = [x, ind, t, ind, w, None if w is None else "i", pos_weight, None, eps, None]
    if reduction == "none":
        return da.blockwise(
            _sigmoid_ce_block,
            ind,
            *args,
            "none",
            None,
            n_threads,
            None,
            dtype=dtype,
            concatenate=True,
            meta=_meta(x.ndim, dtype),
        )
    # partials (n_blocks, 2): "j" is the label axis (one chunk) or a new axis
    shape = (
        {"adjust_chunks": {"i": 1, "j": 2}}
        if x.ndim == 2
        else {"adjust_chunks": {"i": 1}, "new_axes": {"j": 2}}
    )
    partials = da.blockwise(
        _sigmoid_ce_block,
        "ij",
        *args,
        "sum",
        None,
        n_threads,
        None,
        dtype=np.float64,
        concatenate=True,
        meta=_meta(2, np.float64),
        **shape,
    )
    return _finish(partials, reduction, divisor=k)


# ---------------------------------------------------------------------------
# scoring: per-partition StreamingScores states, merged as a tree


def _resolve_task(task, true_ndim, pred_shape):
    """task="auto" decided once from the inputs' shapes, by StreamingScores'
    rule, so that every partition scores the same task whatever its rows hold."""
    if task != "auto":
        return task
    if len(pred_shape) == 1 or (pred_shape[1] == 1 and true_ndim == 1):
        return "binary"
    return "multiclass" if true_ndim == 1 else "multilabel"


def _new_scores(options):
    from .scoring import StreamingScores

    return StreamingScores(**options)


def _update(y_true, y_pred, w, options, n_threads):
    scores = _new_scores({**options, "n_threads": _task_threads(n_threads)})
    if len(y_pred):
        scores.update(y_true, y_pred, sample_weight=w)
    return scores.to_dict()


def _update_block(y_pred, y_true, w, options, n_threads):
    out = np.empty(1, dtype=object)  # one state per row block
    out[0] = _update(y_true, y_pred, w, options, n_threads)
    return out


def _update_partition(part, pred_cols, true_cols, weight_col, options, n_threads):
    def column(cols):
        return part[cols[0]].to_numpy() if isinstance(cols, tuple) else part[cols].to_numpy()

    w = None if weight_col is None else part[weight_col].to_numpy()
    return _update(column(true_cols), column(pred_cols), w, options, n_threads)


def _merge(*states):
    from .scoring import StreamingScores

    states = [s[0] if isinstance(s, np.ndarray) else s for s in states]
    total = StreamingScores.from_dict(states[0])
    for s in states[1:]:
        total.merge(StreamingScores.from_dict(s))
    return total.to_dict()


def _tree(parts, split_every):
    """Merge the partition states `split_every` at a time, level by level."""
    level = list(parts)
    while True:  # at least one level, so a lone partition comes back as a plain dict
        level = [
            dask.delayed(_merge, pure=True)(*level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
        if len(level) == 1:
            return level[0]


def _array_states(y_true, y_pred, sample_weight, options, n_threads):
    yp = _as_dask(y_pred, "y_pred")
    if yp.ndim not in (1, 2):
        raise ValueError(f"y_pred must be 1-D or 2-D; got shape {yp.shape}")
    if yp.ndim == 2:
        yp = _whole_axis(yp, 1)
    yt = _as_dask(y_true, "y_true")
    if yt.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D or 2-D; got shape {yt.shape}")
    yt = _rows_like(yt, "y_true", yp.chunks[0], yp.shape[:1] + yt.shape[1:])
    w = (
        None
        if sample_weight is None
        else _rows_like(sample_weight, "sample_weight", yp.chunks[0], yp.shape[:1])
    )
    options = {**options, "task": _resolve_task(options.get("task", "auto"), yt.ndim, yp.shape)}
    ind = {1: "i", 2: "ij"}
    states = da.blockwise(
        _update_block,
        "i",
        yp,
        ind[yp.ndim],
        yt,
        ind[yt.ndim].replace("j", "k"),
        w,
        None if w is None else "i",
        options,
        None,
        n_threads,
        None,
        concatenate=True,
        adjust_chunks={"i": 1},
        dtype=object,
        meta=np.empty((0,), object),
    )
    return list(states.to_delayed())


def _frame_states(y_true, y_pred, sample_weight, options, n_threads):
    """One frame holding predictions, labels and weights, so that a source
    (e.g. a parquet directory) is read once, partition by partition."""
    if not (_is_frame(y_true) and (sample_weight is None or _is_frame(sample_weight))):
        raise TypeError(
            "with Dask DataFrame predictions, y_true (and sample_weight) must be "
            f"Dask Series/DataFrames of the same frame; got y_true "
            f"{type(y_true).__name__}, sample_weight {type(sample_weight).__name__}"
        )

    def columns(obj, prefix):
        if obj.ndim == 2:
            return {f"{prefix}{i}": obj[c] for i, c in enumerate(obj.columns)}, [
                f"{prefix}{i}" for i in range(len(obj.columns))
            ]
        return {f"{prefix}0": obj}, (f"{prefix}0",)  # a tuple marks a 1-D column

    pred, pred_cols = columns(y_pred, "__xentc_pred_")
    true, true_cols = columns(y_true, "__xentc_true_")
    weight, weight_col = (
        ({}, None)
        if sample_weight is None
        else ({"__xentc_weight__": sample_weight}, "__xentc_weight__")
    )
    first = next(iter(pred.values()))
    frame = first.to_frame(name=next(iter(pred))).assign(
        **dict(list(pred.items())[1:]), **true, **weight
    )
    options = {
        **options,
        "task": _resolve_task(
            options.get("task", "auto"),
            1 if isinstance(true_cols, tuple) else 2,
            (None,) if isinstance(pred_cols, tuple) else (None, len(pred_cols)),
        ),
    }
    return [
        dask.delayed(_update_partition, pure=True)(
            part, pred_cols, true_cols, weight_col, options, n_threads
        )
        for part in frame.to_delayed()
    ]


def score(y_true, y_pred, *, sample_weight=None, split_every=32, **options):
    """Every metric of :class:`~xentc.scoring.StreamingScores` on Dask collections.

    Each partition becomes a ``StreamingScores`` state in one task; the
    states are merged ``split_every`` at a time in a tree, on whatever
    scheduler is active (a ``distributed.Client`` if one exists).
    ``task="auto"`` is decided once from the inputs' dimensions. The result
    equals the in-memory ``StreamingScores`` on the concatenated rows
    (within rounding of the float64 sums). Guide: :doc:`/dask`.

    Parameters
    ----------
    y_true : dask.array.Array, ndarray, dask Series or DataFrame
        Labels or targets, rechunked to the predictions' rows (Series /
        DataFrames: of the same frame as ``y_pred``).
    y_pred : dask.array.Array or dask DataFrame
        Scores (N,) or (N, C) chunked along rows any way (a split class axis
        is rechunked into one chunk), or a Dask Series / DataFrame with one
        column per class.
    sample_weight : dask.array.Array, ndarray or dask Series, optional
        Non-negative weight of each row.
    split_every : int, default=32
        How many partition states one merge task combines.
    **options
        :class:`~xentc.scoring.StreamingScores` options (``task``,
        ``inputs``, ``labels``, ``k``, ``n_bins``, ...).

    Returns
    -------
    dict
        :meth:`StreamingScores.result() <xentc.scoring.StreamingScores.result>`
        of all the rows (computed, not lazy).

    See Also
    --------
    log_loss, accuracy, top_k_accuracy_score

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> y = rng.integers(0, 5, 1000)
    >>> labels = da.from_array(y, chunks=250)
    >>> report = xentc.dask.score(labels, logits, k=2)
    >>> report["n_samples"], round(report["log_loss"], 6)
    (1000, 2.000685)
    """
    from .scoring import StreamingScores

    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every must be an int >= 2; got {split_every!r}")
    n_threads = _check_n_threads(options.pop("n_threads", None))
    StreamingScores(**options)  # bad options fail here, before any task runs
    if _is_frame(y_pred):
        parts = _frame_states(y_true, y_pred, sample_weight, options, n_threads)
    else:
        parts = _array_states(y_true, y_pred, sample_weight, options, n_threads)
    (state,) = dask.compute(_tree(parts, split_every))
    return StreamingScores.from_dict(state).result()


def log_loss(y_true, y_pred, *, sample_weight=None, **options):
    """Weighted mean log-loss of a whole Dask collection.

    :func:`score` with only that metric; ``inputs="logits"`` unless told
    otherwise.

    Parameters
    ----------
    y_true : dask.array.Array, ndarray, dask Series or DataFrame
        Labels or targets.
    y_pred : dask.array.Array or dask DataFrame
        Logits (or probabilities with ``inputs="probabilities"``).
    sample_weight : dask.array.Array, ndarray or dask Series, optional
        Non-negative weight of each row.
    **options
        :class:`~xentc.scoring.StreamingScores` options (``task``,
        ``inputs``, ``labels``, ``k``, ``n_bins``, ...).

    Returns
    -------
    float
        The log-loss.

    See Also
    --------
    score, xentc.metrics.log_loss

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> y = rng.integers(0, 5, 1000)
    >>> labels = da.from_array(y, chunks=250)
    >>> round(xentc.dask.log_loss(labels, logits), 6)
    2.000685
    """
    options.setdefault("metrics", ["log_loss"])
    return score(y_true, y_pred, sample_weight=sample_weight, **options)["log_loss"]


def accuracy(y_true, y_pred, *, sample_weight=None, **options):
    """Weighted accuracy of a whole Dask collection, by the task's rule.

    Argmax (multiclass), ``p > 0.5`` / ``logit > 0`` (binary) or subset
    accuracy (multilabel); :func:`score` with only that metric.

    Parameters
    ----------
    y_true : dask.array.Array, ndarray, dask Series or DataFrame
        Labels or targets.
    y_pred : dask.array.Array or dask DataFrame
        Logits or probabilities.
    sample_weight : dask.array.Array, ndarray or dask Series, optional
        Non-negative weight of each row.
    **options
        :class:`~xentc.scoring.StreamingScores` options (``task``,
        ``inputs``, ``labels``, ``k``, ``n_bins``, ...).

    Returns
    -------
    float
        The accuracy.

    See Also
    --------
    score, xentc.metrics.accuracy

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> y = rng.integers(0, 5, 1000)
    >>> labels = da.from_array(y, chunks=250)
    >>> xentc.dask.accuracy(labels, logits) == xentc.metrics.accuracy(y, x)
    True
    """
    options.setdefault("metrics", ["accuracy"])
    return score(y_true, y_pred, sample_weight=sample_weight, **options)["accuracy"]


def top_k_accuracy_score(y_true, y_score, *, k=2, sample_weight=None, **options):
    """Weighted top-k accuracy of multiclass scores of a whole Dask collection.

    Parameters
    ----------
    y_true : dask.array.Array, ndarray or dask Series
        Labels.
    y_score : dask.array.Array or dask DataFrame of shape (N, C)
        Logits or probabilities.
    k : int, default=2
        How many of the largest scores count (2, as scikit-learn).
    sample_weight : dask.array.Array, ndarray or dask Series, optional
        Non-negative weight of each row.
    **options
        :class:`~xentc.scoring.StreamingScores` options (``task``,
        ``inputs``, ``labels``, ``k``, ``n_bins``, ...).

    Returns
    -------
    float
        The top-k accuracy.

    See Also
    --------
    score, xentc.metrics.top_k_accuracy_score

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import xentc
    >>> import xentc.dask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 5))
    >>> logits = da.from_array(x, chunks=(250, 5))
    >>> y = rng.integers(0, 5, 1000)
    >>> labels = da.from_array(y, chunks=250)
    >>> xentc.dask.top_k_accuracy_score(labels, logits, k=2)
    0.391
    """
    options.setdefault("metrics", ["top_k_accuracy"])
    return score(y_true, y_score, sample_weight=sample_weight, k=k, **options)["top_k_accuracy"]


# ---------------------------------------------------------------------------
# `xentc score 'dir/*.parquet' --workers N | --scheduler ADDRESS`


def parquet_files(pattern):
    """The sorted ``.parquet`` files of a directory, a glob or one file path.

    Parameters
    ----------
    pattern : str
        A directory (its ``*.parquet`` files), a glob, or a file path.

    Returns
    -------
    list of str
        The file paths, sorted.

    Raises
    ------
    xentc._io.InputError
        If nothing matches, or a match is not a ``.parquet`` file.

    Examples
    --------
    >>> import xentc.dask
    >>> xentc.dask.parquet_files("predictions/*.parquet")  # doctest: +SKIP
    ['predictions/part-000.parquet', 'predictions/part-001.parquet']
    """
    from ._io import InputError

    if os.path.isdir(pattern):
        found = glob.glob(os.path.join(pattern, "*.parquet"))
    else:
        found = glob.glob(pattern)
    files = sorted(f for f in found if os.path.isfile(f))
    if not files:
        raise InputError(f"{pattern}: no .parquet files match")
    other = [f for f in files if not f.lower().endswith(".parquet")]
    if other:
        raise InputError(f"{other[0]}: --workers / --scheduler read .parquet files only")
    return files


def _score_file(path, read, options, n_threads):
    """One task: a whole file read in chunks (bounded memory) into one state;
    errors name the file, the column and the row, as on one machine."""
    from . import _io
    from .cli import _role_of

    inputs = _io.open_inputs(path, **read)
    try:
        scores = _new_scores({**options, "n_threads": _task_threads(n_threads)})
        for y_true, y_pred, w, _ in _io.iter_chunks(inputs):
            if y_true is None:
                raise _io.InputError(f"{inputs.origin('y_pred')}: no labels (pass --label-column)")
            try:
                scores.update(y_true, y_pred, w)
            except (ValueError, TypeError) as exc:
                if isinstance(exc, _io.InputError):
                    raise
                role = _role_of(str(exc)) or "y_pred"
                raise _io.InputError(f"{inputs.origin(role)}: {exc}") from None
    finally:
        inputs.close()
    return scores.to_dict()


def _first_chunk(files, read):
    """(y_true, y_pred, prediction columns, file descriptions) of the first
    rows of the first non-empty file: the options are decided there, as the
    single-machine path decides them on its first chunk."""
    from . import _io
    from .cli import _pred_columns

    for path in files:
        inputs = _io.open_inputs(path, **read)
        try:
            chunk = next(_io.iter_chunks(inputs), None)
            if chunk is not None:
                if chunk[0] is None:
                    raise _io.InputError(
                        f"{inputs.origin('y_pred')}: no labels (pass --label-column)"
                    )
                return chunk[0], chunk[1], _pred_columns(inputs), inputs.files
        finally:
            inputs.close()
    raise _io.InputError(f"{files[0]}: no rows to score in {len(files)} file(s)")


def local_cluster(n_workers, threads_per_worker=1, **kwargs):
    """A ``distributed.LocalCluster`` of worker processes on loopback only.

    It listens on 127.0.0.1 only, with no dashboard, and the scheduler's
    HTTP endpoints on a free loopback port (not the shared default 8787).

    Parameters
    ----------
    n_workers : int
        Worker processes.
    threads_per_worker : int, default=1
        Threads of each worker (see :doc:`/dask`: keep kernel threads times
        worker threads within the cores).
    **kwargs
        Passed to ``distributed.LocalCluster``.

    Returns
    -------
    distributed.LocalCluster
        The running cluster; use it as a context manager to close it.

    Examples
    --------
    >>> import distributed
    >>> import xentc.dask
    >>> with xentc.dask.local_cluster(2) as cluster, distributed.Client(cluster):  # doctest: +SKIP
    ...     report = xentc.dask.score(labels, logits)
    """
    import distributed

    scheduler_kwargs = {"dashboard_address": "127.0.0.1:0", **kwargs.pop("scheduler_kwargs", {})}
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
        scheduler_kwargs=scheduler_kwargs,
        **kwargs,
    )


def _cluster_client(scheduler, workers):
    """A Client of an existing scheduler, or of a local cluster on loopback."""
    import distributed

    stack = contextlib.ExitStack()
    if scheduler is not None:
        client = stack.enter_context(distributed.Client(scheduler, timeout="20s"))
    else:
        cluster = stack.enter_context(local_cluster(workers))
        client = stack.enter_context(distributed.Client(cluster))
    return stack, client


def score_files(args, split_every=32):
    """The distributed path of ``xentc score --workers / --scheduler``.

    One task per parquet file of ``args.predictions`` (a directory or a
    glob), on ``args.scheduler`` or on a :func:`local_cluster` of
    ``args.workers`` processes; labels and weights must be columns of the
    files.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``xentc score`` command line.
    split_every : int, default=32
        How many file states one merge task combines.

    Returns
    -------
    scores : StreamingScores
        The merged scores of every file.
    files : list of dict
        A description of each file read.

    Raises
    ------
    xentc._io.InputError
        If labels or weights are given as separate files, or a file does not
        match the others.
    """
    from . import _io
    from .cli import make_scores
    from .scoring import StreamingScores

    if args.labels or args.weights:
        raise _io.InputError(
            "with --workers / --scheduler, labels and weights must be columns "
            "of the parquet files (--label-column, --weight-column), not "
            "--labels / --weights files"
        )
    files = parquet_files(args.predictions)
    read = {
        "label_column": args.label_column,
        "columns": args.columns,
        "weight_column": args.weight_column,
        "chunk_rows": args.chunk_rows,
    }
    y_true, y_pred, columns, described = _first_chunk(files, read)
    proto = make_scores(args, y_true, y_pred, columns)
    options = {
        "task": _resolve_task(proto.task, np.ndim(y_true), np.shape(y_pred)),
        "inputs": proto.inputs,
        "k": proto.k,
        "n_bins": proto.n_bins,
        "metrics": list(proto.metrics),
        "labels": None if proto.labels is None else proto.labels.tolist(),
    }
    n_threads = _check_n_threads(args.n_threads)
    stack, client = _cluster_client(args.scheduler, args.workers)
    with stack:
        parts = [dask.delayed(_score_file, pure=True)(f, read, options, n_threads) for f in files]
        state = client.compute(_tree(parts, split_every)).result()
    shown = f"{args.predictions} [{len(files)} files]"
    return StreamingScores.from_dict(state), {
        role: text.replace(files[0], shown, 1) for role, text in described.items()
    }
