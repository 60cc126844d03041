"""Grouped softmax cross-entropy: several categorical targets per sample.

A product has a category (12 values), a colour (7) and a size (5): its
logits are one row of 12 + 7 + 5 columns, its labels one row of 3 indices,
and each group of columns is a softmax of its own. `groups` gives the group
sizes (logits (N, sum(groups))), or the logits are (N, G, C) with equal
groups. One C pass over each block of rows does every group
(src/body_grouped.h); here are the checks, the weights and the layout.

Weighting follows the losses' one rule (DESIGN.md 3.2, 3.9) per (sample,
group) entry: w_ig = sample_weight_i * class_weight_g[y_ig]; "none" gives
the (N, G) weighted entry losses, "sum" their sum, "mean" their sum over the
sum of the weights of the non-ignored entries. focal_gamma > 0 gives the
focal loss -sum_j t_j (1 - p_j)^gamma log p_j per entry (class_weight is the
alpha); focal_gamma = 0 runs the plain kernel, bit for bit.
"""

import numbers

import numpy as np

from . import _kernels
from . import _validation as V
from .losses import _class_weight_array, _grad_scale, _LossBase, _reduce

__all__ = ["GroupedSoftmaxCrossEntropy", "grouped_accuracy", "grouped_softmax_cross_entropy"]


def _check_groups(groups):
    """Group sizes as an int64 array of positive ints."""
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__"):
        raise TypeError(
            f"groups must be a sequence of group sizes (positive ints); got {groups!r}"
        )
    sizes = list(groups)
    if not sizes:
        raise ValueError("groups must hold at least one group size; got an empty sequence")
    for g, c in enumerate(sizes):
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (numbers.Integral, np.integer)):
            raise TypeError(f"groups[{g}] must be a positive int (a group size); got {c!r}")
        if not 1 <= c < 2**31:  # labels travel to the kernels as int32
            raise ValueError(
                f"groups[{g}] must be a positive int (a group size) below 2**31; got {c}"
            )
    return np.asarray(sizes, dtype=np.int64)


def _logits_layout(logits, groups, name="logits"):
    """(x (N, sum C) with contiguous rows, sizes, input shape)."""
    x = V.as_float_array(logits, name)
    if groups is None:
        if x.ndim != 3:
            raise ValueError(
                f"{name} must be 3-D (n_samples, n_groups, n_classes) when groups is "
                f"None, or 2-D (n_samples, sum(groups)) with groups given; got shape "
                f"{x.shape}"
            )
        n, g, c = x.shape
        if g == 0 or c == 0:
            raise ValueError(
                f"{name} must have at least one group of at least one class; got shape {x.shape}"
            )
        sizes = np.full(g, c, dtype=np.int64)
        x2 = x.reshape(n, g * c)  # a view when x is C-contiguous
    else:
        sizes = _check_groups(groups)
        if x.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, sum(groups)={int(sizes.sum())}) when "
                f"groups is given; got shape {x.shape}"
            )
        if x.shape[1] != sizes.sum():
            raise ValueError(
                f"{name} has {x.shape[1]} columns but groups {sizes.tolist()} sum to "
                f"{int(sizes.sum())}; they must match"
            )
        x2 = x
    return V.rows_contiguous(x2), sizes, x.shape


def _check_grouped_labels(labels, n, sizes, ignore_index, name="labels"):
    """The kernels' private int32 copy of labels (N, G), with ignored entries
    set to -1, after checking every other label against its group's size
    (one C pass); and the number ignored."""
    if V._is_sparse(labels):
        raise TypeError(
            f"{name} must be a 2-D array (n_samples, n_groups) of class indices; got a "
            "scipy.sparse matrix"
        )
    lab = np.asarray(labels)
    g = sizes.shape[0]
    if lab.ndim != 2 or lab.shape != (n, g):
        raise ValueError(
            f"{name} must have shape (n_samples, n_groups) = ({n}, {g}); got shape {lab.shape}"
        )
    if ignore_index is not None and (
        isinstance(ignore_index, (bool, np.bool_))
        or not isinstance(ignore_index, (numbers.Integral, np.integer))
    ):
        raise TypeError(f"ignore_index must be None or an int; got {ignore_index!r}")
    if lab.dtype.kind == "f":
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"{name} must be integers (class indices); got non-integral value "
                f"{lab[i, j].item()!r} at position ({i}, {j})"
            )
        src = np.clip(lab, -(2.0**62), 2.0**62).astype(np.int64)
    elif lab.dtype.kind == "u" and lab.dtype.itemsize == 8:
        # beyond int64: clipped to its max, which no group size reaches
        src = np.minimum(lab, np.iinfo(np.int64).max).astype(np.int64)
    elif lab.dtype.kind in "iu":
        src = (
            lab
            if (
                lab.dtype == np.int64
                and lab.dtype.isnative
                and lab.flags.c_contiguous
                and lab.flags.aligned
            )
            else np.ascontiguousarray(lab, dtype=np.int64)
        )
    else:
        raise TypeError(f"{name} must be an integer array of class indices; got dtype={lab.dtype}")
    ign = None if ignore_index is None else int(ignore_index)
    out, bad, n_ignored = _kernels.grouped_labels(src, sizes, ign)
    if bad >= 0:
        i, j = divmod(bad, g)
        extra = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise ValueError(
            f"{name}[{i}, {j}] = {lab[i, j].item()!r} is out of range: group {j} has "
            f"{sizes[j]} classes, so its labels must be in [0, {sizes[j]}){extra}"
        )
    return out, n_ignored


def _group_class_weights(class_weight, sizes, column):
    """Per-entry class weights (N, G) float64, or None; column(j) gives
    group j's labels (-1 = ignored)."""
    if class_weight is None:
        return None
    g = sizes.shape[0]
    if isinstance(class_weight, str):
        class_weight = [class_weight] * g  # "balanced" for every group
    if (
        isinstance(class_weight, dict)
        or not hasattr(class_weight, "__len__")
        or len(class_weight) != g
    ):
        raise ValueError(
            f"class_weight must be None, 'balanced' or a sequence of {g} entries (one "
            f"per group: None, an array, a dict or 'balanced'); got {class_weight!r}"
        )
    w = None
    for j, cw in enumerate(class_weight):
        if cw is None:
            continue
        col = column(j)
        if w is None:
            w = np.ones((col.shape[0], g))
        kept = col >= 0
        counts = np.bincount(col[kept], minlength=int(sizes[j])) if isinstance(cw, str) else None
        arr = _class_weight_array(cw, int(sizes[j]), np.float64, counts, name=f"class_weight[{j}]")
        w[:, j] = arr[np.maximum(col, 0)]
    return w


def _check_gamma(focal_gamma):
    if isinstance(focal_gamma, (bool, np.bool_)) or not isinstance(focal_gamma, numbers.Real):
        raise TypeError(f"focal_gamma must be a float >= 0; got {focal_gamma!r}")
    gamma = float(focal_gamma)
    if not (np.isfinite(gamma) and gamma >= 0):
        raise ValueError(f"focal_gamma must be a finite float >= 0; got {focal_gamma!r}")
    return gamma


def _out_buffer(out, x, in_shape):
    """The gradient buffer (N, sum C) with contiguous rows: `out` or a new one."""
    if out is None:
        return np.empty(x.shape, dtype=x.dtype)
    V.check_out(out, in_shape, x.dtype, "out")
    if out.ndim == 3:
        if not out.flags.c_contiguous:
            raise ValueError(
                f"out of shape {out.shape} must be C-contiguous; got strides {out.strides}"
            )
        return out.reshape(x.shape)
    if out.shape[1] > 1 and out.strides[1] != x.itemsize:
        raise ValueError(
            f"out must have contiguous rows (its last axis of stride {x.itemsize}); "
            f"got strides {out.strides}"
        )
    return out


def _packed(a, n_cols):
    """True if the rows of `a` (N, n_cols) follow each other with no gap."""
    return a is None or a.shape[0] <= 1 or a.strides[0] == n_cols * a.itemsize


def _prep_grouped(
    logits,
    labels,
    groups,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    focal_gamma,
    reduction,
    n_threads,
):
    """Checks everything once (the losses' validation boundary, DESIGN 5):
    returns (compute function, logits in kernel layout and the caller's
    shape, kernel-form keyword arguments)."""
    x, sizes, in_shape = _logits_layout(logits, groups)
    n = x.shape[0]
    n_groups = sizes.shape[0]
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    gamma = _check_gamma(focal_gamma)
    n_threads = V.resolve_n_threads(n_threads)
    lab, n_ignored = _check_grouped_labels(labels, n, sizes, ignore_index)
    w = _group_class_weights(class_weight, sizes, lambda j: lab[:, j])
    if sample_weight is not None:
        sw = V.check_weights(sample_weight, "sample_weight", n)
        w = sw[:, None] * (w if w is not None else np.ones((1, n_groups)))
    if w is not None:
        w = np.where(lab < 0, 0.0, w) if n_ignored else np.ascontiguousarray(w)
    return (
        _compute_grouped,
        x.reshape(in_shape),
        dict(
            sizes=sizes,
            labels=lab,
            w=w,
            n_ignored=n_ignored,
            eps=eps,
            gamma=gamma,
            reduction=reduction,
            n_threads=n_threads,
        ),
    )


def _compute_grouped(
    x_in,
    sizes,
    labels,
    w,
    n_ignored,
    eps,
    gamma,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    """Unchecked. x_in: the logits in the caller's shape (N, sum C) or
    (N, G, C) with contiguous rows; labels: private int32 (N, G), -1 where
    ignored; w: float64 (N, G) with 0 at ignored entries, or None."""
    in_shape = x_in.shape
    n, n_groups = labels.shape
    x = V.rows_contiguous(x_in.reshape(n, int(sizes.sum())))
    total_cols = x.shape[1]
    if grad and out is not None and np.may_share_memory(out, x_in) and not V.same_view(out, x_in):
        # out overlaps the logits in another layout: through a temporary
        V.check_out(out, in_shape, x.dtype, "out")
        loss, g, h = _compute_grouped(
            x_in, sizes, labels, w, n_ignored, eps, gamma, reduction, n_threads, grad, hess
        )
        np.copyto(out, g)
        return loss, out, h
    if reduction == "mean":
        w = V.scaled_for_mean(w)  # exact; the mean cannot overflow
    weight_sum = float(w.sum()) if w is not None else float(n * n_groups - n_ignored)
    g_buf = _out_buffer(out, x, in_shape) if grad else None
    h_buf = np.empty(x.shape, dtype=x.dtype) if hess else None
    c = int(sizes[0])
    # equal groups, packed rows: (N*G, C) rows of one group (body_grouped.h B)
    flat = bool((sizes == c).all()) and all(_packed(a, total_cols) for a in (x, g_buf, h_buf))
    scale = _grad_scale(reduction if reduction != "none" else "sum", weight_sum)
    per_entry = np.empty((n, n_groups), dtype=x.dtype) if reduction == "none" else None
    if flat:

        def view(a):
            return None if a is None else a.reshape(n * n_groups, c)

        total = _kernels.grouped_loss(
            view(x),
            labels.reshape(-1, 1),
            np.array([0, c], dtype=np.int64),
            row_weight=None if w is None else w.reshape(-1, 1),
            smoothing=eps,
            gamma=gamma,
            grad_scale=scale,
            loss_out=None if per_entry is None else per_entry.reshape(-1, 1),
            grad_out=view(g_buf),
            hess_out=view(h_buf),
            n_threads=n_threads,
        )
    else:
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        total = _kernels.grouped_loss(
            x,
            labels,
            offsets,
            row_weight=w,
            smoothing=eps,
            gamma=gamma,
            grad_scale=scale,
            loss_out=per_entry,
            grad_out=g_buf,
            hess_out=h_buf,
            n_threads=n_threads,
        )
    if grad and out is not None:
        g_ret = out
    else:
        g_ret = None if g_buf is None else g_buf.reshape(in_shape)
    h_ret = None if h_buf is None else h_buf.reshape(in_shape)
    return _reduce(total, weight_sum, per_entry, reduction), g_ret, h_ret


def _grouped(
    logits,
    labels,
    groups,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    focal_gamma,
    reduction,
    n_threads,
    grad=False,
    hess=False,
    out=None,
):
    fn, x, kw = _prep_grouped(
        logits,
        labels,
        groups,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        focal_gamma,
        reduction,
        n_threads,
    )
    return fn(x, **kw, grad=grad, hess=hess, out=out)


def grouped_softmax_cross_entropy(
    logits,
    labels,
    *,
    groups=None,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    focal_gamma=0.0,
    reduction="mean",
    n_threads=None,
):
    """Softmax cross-entropy over several groups of columns at once.

    Each sample has ``G`` categorical targets (a product's category, colour
    and size, say); group ``g`` owns ``groups[g]`` consecutive columns of
    ``logits`` and its own softmax. The loss of an entry ``(i, g)`` is that
    group's softmax cross-entropy; all groups are computed in one fused pass
    over each row (guide: :doc:`/grouped`).

    Parameters
    ----------
    logits : array_like of shape (N, sum(groups)) or (N, G, C)
        Scores; 3-D logits (equal group sizes) need no ``groups``.
    labels : array_like of int, shape (N, G)
        ``labels[i, g]`` is a class index within group ``g``.
    groups : sequence of int, optional
        The ``G`` group sizes; ``None`` for 3-D logits.
    class_weight : "balanced" or sequence, optional
        ``"balanced"`` (every group), or ``G`` entries, each None, an array
        of that group's size, a dict ``{class: weight}`` or
        ``"balanced"``. An entry's weight is
        ``sample_weight[i] * class_weight[g][labels[i, g]]``.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    ignore_index : int, optional
        Entries with this label count nowhere.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``; group ``g``'s target is
        ``(1 - eps) * onehot + eps / C_g``.
    focal_gamma : float, default=0.0
        ``> 0`` gives the focal loss ``-sum_j t_j (1 - p_j)**gamma log p_j``
        per entry.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"none"``: the (N, G) weighted entry losses; ``"sum"``; ``"mean"``:
        the weighted mean over the non-ignored entries (NaN if none).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    loss : float or ndarray
        The reduced loss, or the (N, G) entry losses for
        ``reduction="none"``.

    Raises
    ------
    ValueError
        If the groups do not match the logits' columns, a label is out of
        its group's range, or an option is out of its domain.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    GroupedSoftmaxCrossEntropy : The same loss with its derivatives.
    xentc.metrics.grouped_accuracy : Per-group accuracy and exact match.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0, 0.3, 0.1], [0.0, 1.0, 3.0, -2.0, 2.0]])
    >>> labels = np.array([[0, 1], [2, 0]])  # groups of 3 and 2 classes
    >>> xentc.grouped_softmax_cross_entropy(logits, labels, groups=[3, 2], reduction="none")
    array([[0.2413113 , 0.79813887],
           [0.16984602, 4.01814993]])
    >>> round(xentc.grouped_softmax_cross_entropy(logits, labels, groups=[3, 2]), 6)
    1.306862
    """
    return _grouped(
        logits,
        labels,
        groups,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        focal_gamma,
        reduction,
        n_threads,
    )[0]


class GroupedSoftmaxCrossEntropy(_LossBase):
    """Grouped softmax cross-entropy as a loss object.

    The loss of :func:`grouped_softmax_cross_entropy` on logits
    (N, sum(groups)) or (N, G, C) with labels (N, G). Derivatives are with
    respect to the logits, in the logits' shape; the Hessian diagonal is
    ``w * p * (1 - p)`` per group for the plain loss, as for
    :class:`SparseSoftmaxCrossEntropy`.

    Parameters
    ----------
    groups : sequence of int, optional
        The ``G`` group sizes; ``None`` for 3-D logits.
    class_weight : "balanced" or sequence, optional
        Per group: None, an array, a dict or ``"balanced"``.
    ignore_index : int, optional
        Entries with this label count nowhere.
    label_smoothing : float, default=0.0
        Smoothing ``eps`` in ``[0, 1]``.
    focal_gamma : float, default=0.0
        Focusing parameter of the focal loss; 0 is the plain loss.
    reduction : {"mean", "sum", "none"}, default="mean"
        As for :func:`grouped_softmax_cross_entropy`.
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    See Also
    --------
    grouped_softmax_cross_entropy : The loss alone.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> logits = np.array([[2.0, 0.5, -1.0, 0.3, 0.1], [0.0, 1.0, 3.0, -2.0, 2.0]])
    >>> labels = np.array([[0, 1], [2, 0]])
    >>> loss_fn = xentc.GroupedSoftmaxCrossEntropy(groups=[3, 2])
    >>> loss, grad = loss_fn.loss_gradient(logits, labels)
    >>> round(loss, 6), grad.shape
    (1.306862, (2, 5))
    """

    _params = (
        "groups",
        "class_weight",
        "ignore_index",
        "label_smoothing",
        "focal_gamma",
        "reduction",
        "n_threads",
    )

    def __init__(
        self,
        *,
        groups=None,
        class_weight=None,
        ignore_index=None,
        label_smoothing=0.0,
        focal_gamma=0.0,
        reduction="mean",
        n_threads=None,
    ):
        self.groups = groups
        self.class_weight = class_weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.focal_gamma = focal_gamma
        self.reduction = reduction
        self.n_threads = n_threads

    def _prepare(self, y_pred, y, sample_weight, reduction):
        return _prep_grouped(
            y_pred,
            y,
            self.groups,
            self.class_weight,
            sample_weight,
            self.ignore_index,
            self.label_smoothing,
            self.focal_gamma,
            reduction,
            self.n_threads,
        )


# ---------------------------------------------------------------------------
# metric


def grouped_accuracy(y_true, y_pred, groups=None):
    """Per-group accuracy and exact match (every group right) of a grouped task.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_groups)
        Labels: within-group class indices, or any values when y_pred holds
        predicted labels.
    y_pred : array-like
        (n_samples, n_groups) predicted labels when `groups` is None and
        y_pred is 2-D; otherwise scores (logits or probabilities):
        (n_samples, sum(groups)) with `groups`, or (n_samples, n_groups,
        n_classes). Each group's prediction is its argmax.
    groups : sequence of int, default=None
        Class count of each group, for (n_samples, sum(groups)) scores.

    Returns
    -------
    dict
        ``{"per_group": [accuracy of group g, ...], "exact_match": float}``.

    Raises
    ------
    ValueError
        y_true not 2-D or empty, shapes that do not fit y_true or `groups`.
    TypeError
        Non-numeric scores.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import grouped_accuracy
    >>> y_true = np.array([[0, 1], [2, 0]])
    >>> scores = np.array([[5.0, 1, 0, 0, 3], [0, 1, 4, 1, 2]])  # groups of 3 and 2
    >>> grouped_accuracy(y_true, scores, groups=[3, 2])
    {'per_group': [1.0, 0.5], 'exact_match': 0.5}
    """
    truth = np.asarray(y_true)
    if truth.ndim != 2:
        raise ValueError(f"y_true must be 2-D (n_samples, n_groups); got shape {truth.shape}")
    n, n_groups = truth.shape
    if n == 0:
        raise ValueError("y_true is empty: accuracy is undefined for 0 samples")
    scores = np.asarray(y_pred)
    if groups is None and scores.ndim == 2:
        if scores.shape != truth.shape:
            raise ValueError(
                f"y_pred of predicted labels must have y_true's shape {truth.shape}; "
                f"got {scores.shape} (pass groups= for (N, sum(groups)) scores)"
            )
        pred = scores
    else:
        if scores.dtype.kind not in "biuf":
            raise TypeError(f"y_pred scores must be numeric; got dtype={scores.dtype}")
        if groups is None:
            if scores.ndim != 3:
                raise ValueError(
                    f"y_pred must be (n_samples, n_groups) labels, (n_samples, "
                    f"n_groups, n_classes) scores, or (n_samples, sum(groups)) scores "
                    f"with groups; got shape {scores.shape}"
                )
            sizes = np.full(scores.shape[1], scores.shape[2], dtype=np.int64)
            scores = scores.reshape(scores.shape[0], -1)
        else:
            sizes = _check_groups(groups)
            if scores.ndim != 2 or scores.shape[1] != sizes.sum():
                raise ValueError(
                    f"y_pred must be (n_samples, sum(groups)={int(sizes.sum())}) "
                    f"scores; got shape {scores.shape}"
                )
        if scores.shape[0] != n or sizes.shape[0] != n_groups:
            raise ValueError(
                f"y_pred has {scores.shape[0]} samples and {sizes.shape[0]} groups but "
                f"y_true has shape {truth.shape}; they must match"
            )
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        pred = np.stack(
            [np.argmax(scores[:, offsets[g] : offsets[g + 1]], axis=1) for g in range(n_groups)],
            axis=1,
        )
    right = pred == truth
    return {
        "per_group": [float(v) for v in right.mean(axis=0)],
        "exact_match": float(right.all(axis=1).mean()),
    }
