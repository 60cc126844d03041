"""keras.losses / keras.metrics names on NumPy arrays, computed by xentc's kernels.

Losses (functions return per-sample values, like Keras):
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_focal_crossentropy, categorical_focal_crossentropy
Loss classes (Keras reductions, `sample_weight`):
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy
Metrics (per-sample 0/1 as float32, like Keras's functions):
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy
Utility: to_categorical

Keras rules reproduced here (and only here):
- Probabilities: renormalised along the class axis (categorical, sparse),
  clipped to [1e-7, 1 - 1e-7] (keras.backend.epsilon()) before the log;
  probabilities outside [0, 1] are clipped silently, as Keras does.
- from_logits=True: exact log-softmax / log-sigmoid, no clipping (the torch,
  jax and TF backends; the numpy backend clips sigmoid outputs instead).
- Binary losses are element-wise, then averaged over `axis`.
- label_smoothing: binary y (1 - ls) + ls / 2; categorical y (1 - ls) + ls / C
  with C = y_true.shape[-1], the last axis even when `axis` is another one.
- Focal losses: the focal factor uses the unclipped probabilities (after
  the sigmoid / softmax for logits), the cross-entropy the clipped ones.
- Loss classes convert both inputs to `dtype` (None: float32, Keras's
  floatx), squeeze/expand y_true and sample_weight to the loss's rank, and
  reduce: "sum_over_batch_size" / "mean": sum / number of loss values,
  "sum", "mean_with_sample_weight": sum / sum(sample_weight), None / "none":
  no reduction; a zero divisor gives 0 (divide_no_nan); per-sample losses
  that are 0-d or of shape (0,) come back unreduced.
- ignore_class: those entries give 0 and are masked out of the reduction, so
  "sum_over_batch_size" divides by the number of valid entries.
Backends differ in a few corners; this follows the torch backend (for
sparse probability inputs the TF backend skips the renormalisation).
"""

import numbers
import warnings

import numpy as np

from .. import _validation as V
from .. import losses as _losses
from .. import special as _special
from .._rowstats import in_top_k
from . import _normalize_axes, _to_rows

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

EPSILON = 1e-7  # keras.backend.epsilon()
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ---------------------------------------------------------------------------
# arguments


def _pred(y_pred):
    return V.as_float_array(y_pred, "y_pred")


def _true_like(y_true, p):
    """y_true cast to y_pred's dtype (Keras: ops.cast(y_true, y_pred.dtype))."""
    y = V.plain_array(y_true, "y_true")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y_true must be numeric; got dtype={y.dtype}")
    return y.astype(p.dtype, copy=False)


def _same_shape(y, p):
    if y.shape != p.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got y_true.shape={y.shape} "
            f"and y_pred.shape={p.shape}"
        )


def _smoothing(label_smoothing):
    return V.check_smoothing(label_smoothing) if label_smoothing else 0.0


def _check_axis_type(axis):
    if isinstance(axis, (bool, np.bool_)):
        raise ValueError(f"axis must be of type int; got axis={axis!r}")


def _explain_range(arr, name, lo, hi):
    """After the core refused an input: raise naming the Keras argument if
    `arr` is outside [lo, hi]; return if not (the caller re-raises)."""
    if arr.size and not (np.min(arr) >= lo and np.max(arr) <= hi):
        flat = arr.reshape(-1)
        i = int(np.flatnonzero((flat < lo) | (flat > hi))[0])
        pos = tuple(int(j) for j in np.unravel_index(i, arr.shape))
        raise ValueError(
            f"{name} must be in [{lo}, {hi}]; got {flat[i].item()!r} at position {pos}"
        )


def _out_of_unit(arr):
    return bool(arr.size) and not (np.min(arr) >= 0 and np.max(arr) <= 1)


# ---------------------------------------------------------------------------
# the cross-entropy pieces, on xentc kernels


def _binary_elements(y, p, from_logits, ls, n_threads):
    """Element-wise binary cross-entropy of y_pred `p` (logits or
    probabilities) against y_true `y`, both of one shape."""
    shape = p.shape
    pf, yf = p.reshape(-1), y.reshape(-1)
    if from_logits:
        try:
            return _losses.sigmoid_cross_entropy(
                pf, yf, label_smoothing=ls, reduction="none", n_threads=n_threads
            ).reshape(shape)
        except ValueError:
            _explain_range(y, "y_true", 0, 1)
            raise
    if ls:
        yf = yf * (1 - ls) + 0.5 * ls
    try:
        per = _losses.binary_cross_entropy(
            pf, yf, eps=EPSILON, reduction="none", n_threads=n_threads
        )
    except ValueError:
        if not _out_of_unit(pf):
            _explain_range(yf, "y_true", 0, 1)
            raise
        # Keras clips predictions outside [0, 1] silently
        per = _losses.binary_cross_entropy(
            np.clip(pf, EPSILON, 1 - EPSILON),
            yf,
            eps=EPSILON,
            reduction="none",
            n_threads=n_threads,
        )
    return per.reshape(shape)


def _categorical_rows(rows, targets, from_logits, ls, n_threads):
    """Per-row categorical cross-entropy; `targets` are (M, C) rows or (M,)
    integer labels (the sparse loss)."""
    if from_logits:
        if targets.ndim == 1:
            return _losses.sparse_softmax_cross_entropy(
                rows, targets, reduction="none", n_threads=n_threads
            )
        return _losses.softmax_cross_entropy(
            rows, targets, label_smoothing=ls, reduction="none", n_threads=n_threads
        )
    if ls:
        targets = targets * (1 - ls) + ls / targets.shape[-1]
    try:
        return _losses.categorical_cross_entropy(
            rows, targets, eps=EPSILON, renormalize=True, reduction="none", n_threads=n_threads
        )
    except ValueError:
        if not _out_of_unit(rows):
            raise
    # probabilities outside [0, 1]: Keras renormalises and clips them silently
    q = rows / np.sum(rows, axis=1, keepdims=True)
    np.clip(q, EPSILON, 1 - EPSILON, out=q)
    return _losses.categorical_cross_entropy(
        q, targets, eps=EPSILON, renormalize=False, reduction="none", n_threads=n_threads
    )


def _smooth_last_axis(y, ls, axis_is_last):
    """Keras smooths with C = y_true.shape[-1] even when the class axis is
    another one; the core's smoothing (C = row length) covers the usual case."""
    if not ls or axis_is_last:
        return y, ls
    return y * (1 - ls) + ls / y.shape[-1], 0.0


# ---------------------------------------------------------------------------
# loss functions


def binary_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1, *, n_threads=None
):
    """``keras.losses.binary_crossentropy``: element-wise, averaged over ``axis``.

    Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as Keras does.

    Parameters
    ----------
    y_true : array_like
        Targets in ``[0, 1]``.
    y_pred : array_like
        Probabilities (or logits with ``from_logits``), ``y_true``'s shape.
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    Returns
    -------
    ndarray
        One value per sample: ``y_pred``'s shape without ``axis``.

    See Also
    --------
    xentc.binary_cross_entropy, xentc.sigmoid_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> y_true = np.array([[1.0, 0.0, 1.0]])
    >>> y_pred = np.array([[0.9, 0.2, 0.6]])
    >>> K.binary_crossentropy(y_true, y_pred)
    array([0.27977656])
    """
    p = _pred(y_pred)
    y = _true_like(y_true, p)
    _same_shape(y, p)
    per = _binary_elements(y, p, from_logits, _smoothing(label_smoothing), n_threads)
    return np.mean(per, axis=axis)


def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1, *, n_threads=None
):
    """``keras.losses.categorical_crossentropy``: one value per sample.

    Probabilities are renormalised per row and clipped to
    ``[1e-7, 1 - 1e-7]`` as Keras does.

    Parameters
    ----------
    y_true : array_like
        One-hot or soft target rows, ``y_pred``'s shape.
    y_pred : array_like
        Probabilities (or logits with ``from_logits``).
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    Returns
    -------
    ndarray
        One value per sample: ``y_pred``'s shape without ``axis``.

    See Also
    --------
    xentc.categorical_cross_entropy, xentc.softmax_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.categorical_crossentropy(K.to_categorical(labels, 3), logits, from_logits=True)
    array([0.2413113 , 0.16984602])
    """
    _check_axis_type(axis)
    p = _pred(y_pred)
    y = _true_like(y_true, p)
    _warn_single_class(p, "categorical_crossentropy")
    _same_shape(y, p)
    if p.ndim < 1:
        raise ValueError("y_true and y_pred must be at least rank 1; got scalars")
    (ax,) = _normalize_axes(axis, p.ndim)
    y, ls = _smooth_last_axis(y, _smoothing(label_smoothing), ax == p.ndim - 1)
    rows, outer, _ = _to_rows(p, (ax,))
    trows = _to_rows(y, (ax,))[0]
    try:
        return _categorical_rows(rows, trows, from_logits, ls, n_threads).reshape(outer)
    except ValueError:
        _explain_range(y, "y_true", 0, np.inf)  # the core takes no negative targets
        raise


def _warn_single_class(p, fn_name):
    if p.ndim and p.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={p.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _sparse(y_true, y_pred, from_logits, ignore_class, axis, n_threads):
    """(per-sample losses, valid mask or None) of the sparse loss."""
    p = _pred(y_pred)
    if p.ndim < 1:
        raise ValueError("y_pred must be at least rank 1 (the classes); got a scalar")
    (ax,) = _normalize_axes(axis, p.ndim)
    y = V.plain_array(y_true, "y_true")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y_true must hold class indices; got dtype={y.dtype}")
    if y.ndim == p.ndim and y.shape[ax] == 1:
        y = np.squeeze(y, axis=ax)
    expected = p.shape[:ax] + p.shape[ax + 1 :]
    if y.shape != expected:
        raise ValueError(
            f"y_true must have the shape of y_pred without axis {axis}, "
            f"{expected}; got y_true.shape={y.shape} (y_pred.shape={p.shape})"
        )
    rows, outer, _ = _to_rows(p, (ax,))
    labels = y.reshape(-1)
    valid = None if ignore_class is None else labels != ignore_class
    try:
        if from_logits:
            per = _losses.sparse_softmax_cross_entropy(
                rows, labels, ignore_index=ignore_class, reduction="none", n_threads=n_threads
            )
        else:
            # the probability kernel knows no ignored rows: class 0 for them, zeroed after
            safe = labels if valid is None else np.where(valid, labels, 0)
            per = _categorical_rows(rows, safe, False, 0.0, n_threads)
            if valid is not None:
                per[~valid] = 0
    except ValueError:
        _explain_labels(y, labels, valid, rows.shape[1])
        raise
    return per.reshape(outer), (None if valid is None else valid.reshape(outer))


def _explain_labels(y, labels, valid, n_classes):
    """After the core refused the labels: raise naming y_true and where."""
    bad = (labels < 0) | (labels >= n_classes) | (labels != np.round(labels))
    if valid is not None:
        bad &= valid
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        pos = tuple(int(j) for j in np.unravel_index(i, y.shape))
        raise ValueError(
            f"y_true holds {labels[i].item()!r} at position {pos}: class indices "
            f"must be integers in [0, {n_classes})"
        )


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1, *, n_threads=None
):
    """``keras.losses.sparse_categorical_crossentropy``: against integer labels.

    Parameters
    ----------
    y_true : array_like of int
        Class indices, ``y_pred``'s shape without ``axis`` (a trailing
        size-1 axis is squeezed).
    y_pred : array_like
        Probabilities (or logits with ``from_logits``).
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    ignore_class : int, optional
        Entries with this label give 0.
    axis : int, default=-1
        The class axis.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    Returns
    -------
    ndarray
        One value per label.

    See Also
    --------
    xentc.sparse_softmax_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    array([0.2413113 , 0.16984602])
    """
    return _sparse(y_true, y_pred, from_logits, ignore_class, axis, n_threads)[0]


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    *,
    n_threads=None,
):
    """``keras.losses.binary_focal_crossentropy``: ``(1 - p_t)**gamma * BCE``, averaged over ``axis``.

    With ``apply_class_balancing`` each element is also weighted by
    ``alpha`` (positives) or ``1 - alpha`` (negatives). Guide:
    :doc:`/focal`.

    Parameters
    ----------
    y_true : array_like
        Targets in ``[0, 1]``.
    y_pred : array_like
        Probabilities (or logits with ``from_logits``), ``y_true``'s shape.
    apply_class_balancing : bool, default=False
        Weight by ``alpha`` / ``1 - alpha``.
    alpha : float, default=0.25
        Weight of the positive class, with class balancing.
    gamma : float, default=2.0
        Focusing parameter.
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    Returns
    -------
    ndarray
        One value per sample: ``y_pred``'s shape without ``axis``.

    See Also
    --------
    xentc.sigmoid_cross_entropy : With ``focal_gamma`` / ``focal_alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> y_true = np.array([[1.0, 0.0, 1.0]])
    >>> y_pred = np.array([[0.9, 0.2, 0.6]])
    >>> K.binary_focal_crossentropy(y_true, y_pred)
    array([0.03057048])
    """
    p = _pred(y_pred)
    y = _true_like(y_true, p)
    _same_shape(y, p)
    ls = _smoothing(label_smoothing)
    if ls:
        y = y * (1 - ls) + 0.5 * ls
    if from_logits:
        p = _special.sigmoid(p, n_threads=n_threads)
    bce = _binary_elements(y, p, False, 0.0, n_threads)
    # focal factor (1 - p_t)^gamma with p_t = y p + (1 - y)(1 - p), unclipped p
    p_t = y * p
    p_t += (1 - y) * (1 - p)
    np.subtract(1, p_t, out=p_t)
    np.power(p_t, gamma, out=p_t)
    bce *= p_t
    if apply_class_balancing:
        bce *= y * alpha + (1 - y) * (1 - alpha)
    return np.mean(bce, axis=axis)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    *,
    n_threads=None,
):
    """``keras.losses.categorical_focal_crossentropy``: one value per sample.

    ``-sum_j alpha * (1 - q_j)**gamma * y_j * log(q_j)``, ``q`` the
    renormalised, clipped probabilities. Guide: :doc:`/focal`.

    Parameters
    ----------
    y_true : array_like
        One-hot or soft target rows, ``y_pred``'s shape.
    y_pred : array_like
        Probabilities (or logits with ``from_logits``).
    alpha : float, default=0.25
        Weight of every term.
    gamma : float, default=2.0
        Focusing parameter.
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    Returns
    -------
    ndarray
        One value per sample.

    See Also
    --------
    xentc.softmax_cross_entropy : With ``focal_gamma``.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.categorical_focal_crossentropy(K.to_categorical(labels, 3), probs)
    array([0.00802519, 0.02043302])
    """
    _check_axis_type(axis)
    p = _pred(y_pred)
    y = _true_like(y_true, p)
    _warn_single_class(p, "categorical_focal_crossentropy")
    _same_shape(y, p)
    if p.ndim < 1:
        raise ValueError("y_true and y_pred must be at least rank 1; got scalars")
    (ax,) = _normalize_axes(axis, p.ndim)
    ls = _smoothing(label_smoothing)
    if ls:
        y = y * (1 - ls) + ls / y.shape[-1]
    if from_logits:
        q = _special.softmax(p, axis=ax, n_threads=n_threads)  # ours: normalise in place
        q /= np.sum(q, axis=ax, keepdims=True)
    else:
        q = p / np.sum(p, axis=ax, keepdims=True)
    np.clip(q, EPSILON, 1 - EPSILON, out=q)
    # no core kernel weights each class term by its own focal factor, so this
    # one is NumPy: two (N, C) buffers, q and the factor
    factor = np.subtract(1, q)
    np.power(factor, gamma, out=factor)
    factor *= np.asarray(alpha, dtype=q.dtype)
    np.log(q, out=q)
    factor *= q
    factor *= y
    return -np.sum(factor, axis=ax)


# ---------------------------------------------------------------------------
# loss classes and Keras's reductions


def _squeeze_or_expand(x1, x2, expand_rank_1=True):
    """Keras: make ranks equal when they differ by one through a trailing 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Keras: fold an ignore_class mask into the sample weights; for the
    averaging reductions valid entries weigh total/valid so the mean is over them."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(np.count_nonzero(mask))
        share = mask.size / valid if valid else 0.0
        fmask = np.where(mask, dtype.type(share), dtype.type(0))
    else:
        fmask = mask.astype(dtype)
    if sample_weight is None:
        return fmask
    fmask, sample_weight = _squeeze_or_expand(fmask, sample_weight)
    return sample_weight * fmask


def _reduce_weighted(values, sample_weight, mask, reduction, dtype):
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
    sw = _apply_mask(sw, mask, dtype, reduction)
    if sw is not None:
        values, sw = _squeeze_or_expand(values, sw)
        values = values * sw
    if reduction is None or reduction == "none" or values.shape in ((), (0,)):
        return values
    total = np.sum(values, dtype=np.float64)
    if reduction == "sum":
        return dtype.type(total)
    if reduction == "mean_with_sample_weight" and sw is not None:
        divisor = np.sum(sw, dtype=np.float64)
    else:
        divisor = values.size
    return dtype.type(total / divisor if divisor != 0 else 0.0)


class _Loss:
    """A Keras loss object: the constructor stores arguments, __call__
    converts, computes per-sample losses, and reduces the Keras way.
    Subclasses list their own arguments in `_args` and define `_values`."""

    _args = ()

    def __init__(self, reduction, name, dtype, n_threads):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
        self.reduction = reduction
        self.name = name
        self.dtype = dtype
        self.n_threads = n_threads

    def _compute_dtype(self):
        dtype = np.dtype("float32" if self.dtype is None else self.dtype)
        if dtype.kind != "f":
            raise TypeError(f"dtype must be a floating-point dtype; got {self.dtype!r}")
        return dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        dtype = self._compute_dtype()
        y_pred = V.plain_array(y_pred, "y_pred").astype(dtype, copy=False)
        y_true = V.plain_array(y_true, "y_true").astype(dtype, copy=False)
        y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
        values, mask = self._values(y_true, y_pred)
        return _reduce_weighted(
            np.asarray(values).astype(dtype, copy=False),
            sample_weight,
            mask,
            self.reduction,
            dtype,
        )

    def get_config(self):
        """The constructor's arguments, as Keras's ``get_config``.

        Returns
        -------
        dict
            Argument name to value; ``from_config`` rebuilds the loss.
        """
        config = {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}
        config.update({a: getattr(self, a) for a in self._args})
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild a loss from :meth:`get_config` output.

        Parameters
        ----------
        config : dict
            What ``get_config`` returned.

        Returns
        -------
        loss
            A new loss object of this class.
        """
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class BinaryCrossentropy(_Loss):
    """``keras.losses.BinaryCrossentropy`` as a loss object.

    Calling it, ``loss(y_true, y_pred, sample_weight=None)``, computes
    :func:`binary_crossentropy` per sample and reduces the Keras way.

    Parameters
    ----------
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    reduction : str or None, default="sum_over_batch_size"
        One of ``"sum_over_batch_size"``, ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or None, as in Keras.
    name : str
        The loss's name (for ``get_config``).
    dtype : dtype, optional
        Computation dtype (None: float32, Keras's default).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    See Also
    --------
    binary_crossentropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> y_true = np.array([[1.0, 0.0, 1.0]])
    >>> y_pred = np.array([[0.9, 0.2, 0.6]])
    >>> round(float(K.BinaryCrossentropy()(y_true, y_pred)), 5)
    0.27978
    """

    _args = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
        *,
        n_threads=None,
    ):
        super().__init__(reduction, name, dtype, n_threads)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _values(self, y_true, y_pred):
        return binary_crossentropy(
            y_true,
            y_pred,
            self.from_logits,
            self.label_smoothing,
            self.axis,
            n_threads=self.n_threads,
        ), None


class CategoricalCrossentropy(_Loss):
    """``keras.losses.CategoricalCrossentropy`` as a loss object.

    Calling it, ``loss(y_true, y_pred, sample_weight=None)``, computes
    :func:`categorical_crossentropy` per sample and reduces the Keras way.

    Parameters
    ----------
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    reduction : str or None, default="sum_over_batch_size"
        One of ``"sum_over_batch_size"``, ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or None, as in Keras.
    name : str
        The loss's name (for ``get_config``).
    dtype : dtype, optional
        Computation dtype (None: float32, Keras's default).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    See Also
    --------
    categorical_crossentropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> loss = K.CategoricalCrossentropy()
    >>> round(float(loss(K.to_categorical(labels, 3), probs)), 5)
    0.43375
    """

    _args = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
        *,
        n_threads=None,
    ):
        super().__init__(reduction, name, dtype, n_threads)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _values(self, y_true, y_pred):
        return categorical_crossentropy(
            y_true,
            y_pred,
            self.from_logits,
            self.label_smoothing,
            self.axis,
            n_threads=self.n_threads,
        ), None


class SparseCategoricalCrossentropy(_Loss):
    """``keras.losses.SparseCategoricalCrossentropy`` as a loss object.

    Calling it, ``loss(y_true, y_pred, sample_weight=None)``, computes
    :func:`sparse_categorical_crossentropy` per sample and reduces the Keras way.

    Parameters
    ----------
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    ignore_class : int, optional
        Entries with this label are masked out of the reduction.
    reduction : str or None, default="sum_over_batch_size"
        One of ``"sum_over_batch_size"``, ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or None, as in Keras.
    axis : int, default=-1
        The class axis.
    name : str
        The loss's name (for ``get_config``).
    dtype : dtype, optional
        Computation dtype (None: float32, Keras's default).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    See Also
    --------
    sparse_categorical_crossentropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> loss = K.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(labels, logits)), 5)
    0.20558
    >>> K.SparseCategoricalCrossentropy.from_config(loss.get_config()).from_logits
    True
    """

    _args = ("from_logits", "ignore_class", "axis")

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
        *,
        n_threads=None,
    ):
        super().__init__(reduction, name, dtype, n_threads)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def _values(self, y_true, y_pred):
        return _sparse(
            y_true, y_pred, self.from_logits, self.ignore_class, self.axis, self.n_threads
        )


class BinaryFocalCrossentropy(_Loss):
    """``keras.losses.BinaryFocalCrossentropy`` as a loss object.

    Calling it, ``loss(y_true, y_pred, sample_weight=None)``, computes
    :func:`binary_focal_crossentropy` per sample and reduces the Keras way.

    Parameters
    ----------
    apply_class_balancing : bool, default=False
        Weight by ``alpha`` / ``1 - alpha``.
    alpha : float, default=0.25
        Weight of the positive class, with class balancing.
    gamma : float, default=2.0
        Focusing parameter.
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    reduction : str or None, default="sum_over_batch_size"
        One of ``"sum_over_batch_size"``, ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or None, as in Keras.
    name : str
        The loss's name (for ``get_config``).
    dtype : dtype, optional
        Computation dtype (None: float32, Keras's default).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    See Also
    --------
    binary_focal_crossentropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> y_true = np.array([[1.0, 0.0, 1.0]])
    >>> y_pred = np.array([[0.9, 0.2, 0.6]])
    >>> round(float(K.BinaryFocalCrossentropy()(y_true, y_pred)), 5)
    0.03057
    """

    _args = ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
        *,
        n_threads=None,
    ):
        super().__init__(reduction, name, dtype, n_threads)
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _values(self, y_true, y_pred):
        return binary_focal_crossentropy(
            y_true,
            y_pred,
            self.apply_class_balancing,
            self.alpha,
            self.gamma,
            self.from_logits,
            self.label_smoothing,
            self.axis,
            n_threads=self.n_threads,
        ), None


class CategoricalFocalCrossentropy(_Loss):
    """``keras.losses.CategoricalFocalCrossentropy`` as a loss object.

    Calling it, ``loss(y_true, y_pred, sample_weight=None)``, computes
    :func:`categorical_focal_crossentropy` per sample and reduces the Keras way.

    Parameters
    ----------
    alpha : float, default=0.25
        Weight of every term.
    gamma : float, default=2.0
        Focusing parameter.
    from_logits : bool, default=False
        ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float, default=0.0
        In ``[0, 1]``, Keras's smoothing.
    axis : int, default=-1
        The class axis.
    reduction : str or None, default="sum_over_batch_size"
        One of ``"sum_over_batch_size"``, ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or None, as in Keras.
    name : str
        The loss's name (for ``get_config``).
    dtype : dtype, optional
        Computation dtype (None: float32, Keras's default).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a Keras
        argument.

    See Also
    --------
    categorical_focal_crossentropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> loss = K.CategoricalFocalCrossentropy()
    >>> round(float(loss(K.to_categorical(labels, 3), probs)), 5)
    0.01423
    """

    _args = ("alpha", "gamma", "from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
        *,
        n_threads=None,
    ):
        super().__init__(reduction, name, dtype, n_threads)
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _values(self, y_true, y_pred):
        return categorical_focal_crossentropy(
            y_true,
            y_pred,
            self.alpha,
            self.gamma,
            self.from_logits,
            self.label_smoothing,
            self.axis,
            n_threads=self.n_threads,
        ), None


# ---------------------------------------------------------------------------
# metrics (Keras's functions: one float32 0/1 per sample, no averaging)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """``keras.metrics.binary_accuracy``: ``y_true == (y_pred > threshold)``, element-wise.

    Parameters
    ----------
    y_true : array_like
        0/1 targets.
    y_pred : array_like
        Probabilities (or any scores), ``y_true``'s shape.
    threshold : float, default=0.5
        Decision threshold.

    Returns
    -------
    ndarray of float32
        1 or 0 per element, ``y_pred``'s shape.

    See Also
    --------
    xentc.metrics.binary_accuracy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> y_true = np.array([[1.0, 0.0, 1.0]])
    >>> y_pred = np.array([[0.9, 0.2, 0.6]])
    >>> K.binary_accuracy(y_true, y_pred)
    array([[1., 1., 1.]], dtype=float32)
    """
    y, p = _squeeze_or_expand(V.plain_array(y_true, "y_true"), V.plain_array(y_pred, "y_pred"))
    hit = (p > threshold).astype(y.dtype) == y
    return hit.astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """``keras.metrics.categorical_accuracy``: ``argmax(y_true) == argmax(y_pred)``.

    Parameters
    ----------
    y_true : array_like
        One-hot target rows.
    y_pred : array_like
        Scores, ``y_true``'s shape.

    Returns
    -------
    ndarray of float32
        1 or 0 per sample.

    See Also
    --------
    xentc.metrics.categorical_accuracy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.categorical_accuracy(K.to_categorical(labels, 3), probs)
    array([1., 1.], dtype=float32)
    """
    true_cls = np.argmax(V.plain_array(y_true, "y_true"), axis=-1)
    p = V.plain_array(y_pred, "y_pred")
    shape = true_cls.shape
    if true_cls.ndim == p.ndim:  # y_true had one axis more than y_pred
        true_cls = np.squeeze(true_cls, -1)
    hit = (true_cls == np.argmax(p, axis=-1)).astype(np.float32)
    return hit.reshape(shape) if len(shape) == p.ndim else hit


def sparse_categorical_accuracy(y_true, y_pred):
    """``keras.metrics.sparse_categorical_accuracy``: ``y_true == argmax(y_pred)``.

    Parameters
    ----------
    y_true : array_like of int
        Class indices.
    y_pred : array_like
        Scores, the classes along the last axis.

    Returns
    -------
    ndarray of float32
        1 or 0 per sample.

    See Also
    --------
    xentc.metrics.sparse_categorical_accuracy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.sparse_categorical_accuracy(labels, probs)
    array([1., 1.], dtype=float32)
    """
    p = V.plain_array(y_pred, "y_pred")
    y = V.plain_array(y_true, "y_true")
    y = y.astype(p.dtype) if p.dtype.kind == "f" else y
    shape = y.shape
    squeezed = y.ndim == p.ndim and y.shape[-1] == 1
    if squeezed:
        y = np.squeeze(y, -1)
    hit = (y == np.argmax(p, axis=-1).astype(y.dtype)).astype(np.float32)
    if squeezed:
        hit = hit.reshape(shape)
    if hit.ndim > 1 and hit.shape[-1] == 1:
        hit = np.squeeze(hit, -1)
    return hit


def _checked_in_top_k(labels, scores, k):
    """Is each label's score among the k largest of its row? Keras's rule:
    ties count as in, a NaN score at the label is out."""
    c = scores.shape[1]
    labels = V.plain_array(labels, "labels").astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        i = int(np.flatnonzero((labels < 0) | (labels >= c))[0])
        raise ValueError(
            f"y_true[{i}] = {labels[i]} is out of range: class indices must be in "
            f"[0, {c}) (y_pred has {c} columns)"
        )
    return in_top_k(scores, labels, k, ties="in")


def _check_k(k):
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive int; got {k!r}")
    return int(k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """``keras.metrics.top_k_categorical_accuracy``: ``argmax(y_true)`` among the top ``k`` of ``y_pred``.

    Parameters
    ----------
    y_true : array_like
        One-hot target rows.
    y_pred : array_like
        Scores, ``y_true``'s shape.
    k : int, default=5
        How many of the largest scores count; ties count as in.

    Returns
    -------
    ndarray of float32
        1 or 0 per sample.

    See Also
    --------
    xentc.metrics.top_k_accuracy_score

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.top_k_categorical_accuracy(K.to_categorical(labels, 3), probs, k=2)
    array([1., 1.], dtype=float32)
    """
    k = _check_k(k)
    p = V.plain_array(y_pred, "y_pred")
    true_cls = np.argmax(V.plain_array(y_true, "y_true"), axis=-1)
    shape = true_cls.shape
    hit = _checked_in_top_k(true_cls.reshape(-1), p.reshape(-1, p.shape[-1]), k).astype(np.float32)
    return hit.reshape(shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """``keras.metrics.sparse_top_k_categorical_accuracy``: ``y_true`` among the top ``k`` of ``y_pred``.

    Parameters
    ----------
    y_true : array_like of int
        Class indices.
    y_pred : array_like
        Scores, the classes along the last axis; with ``from_sorted_ids``,
        class ids sorted best first.
    k : int, default=5
        How many of the largest scores count; ties count as in.
    from_sorted_ids : bool, default=False
        ``y_pred`` holds sorted ids: check the first ``k`` columns.

    Returns
    -------
    ndarray of float32
        1 or 0 per sample.

    See Also
    --------
    xentc.metrics.top_k_accuracy_score

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    >>> labels = np.array([0, 2])
    >>> K.sparse_top_k_categorical_accuracy(labels, probs, k=1)
    array([1., 1.], dtype=float32)
    """
    k = _check_k(k)
    p = V.plain_array(y_pred, "y_pred")
    y = V.plain_array(y_true, "y_true")
    shape = y.shape
    rows = p.reshape(-1, p.shape[-1])
    if from_sorted_ids:
        hit = np.any(y.reshape(-1, 1).astype(rows.dtype) == rows[:, :k], axis=1)
    else:
        hit = _checked_in_top_k(y.reshape(-1), rows, k)
    return hit.astype(np.float32).reshape(shape)


def to_categorical(x, num_classes=None):
    """``keras.utils.to_categorical``: one-hot encoding, the classes last.

    Parameters
    ----------
    x : array_like of int
        Class indices; a trailing axis of size 1 is replaced.
    num_classes : int, optional
        Number of classes (default: ``max(x) + 1``).

    Returns
    -------
    ndarray of float64
        One-hot array of shape ``x.shape + (num_classes,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import keras as K
    >>> K.to_categorical(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    labels = np.array(x, dtype=np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(labels)) + 1
    onehot = np.zeros((labels.size, num_classes))
    onehot[np.arange(labels.size), labels] = 1
    return onehot.reshape(shape + (num_classes,))
