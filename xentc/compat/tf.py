"""tf.nn cross-entropy names on NumPy arrays, computed by xentc's kernels.

    sigmoid_cross_entropy_with_logits, weighted_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits

TensorFlow's rules reproduced here: every function returns per-example
losses (no reduction) in the logits' dtype; element-wise losses keep the
logits' shape, softmax losses drop the class axis; labels must have the
logits' shape (the sparse labels: the logits' shape without the last axis);
out-of-range sparse labels raise, as TF does on CPU. Formulas (TF docs):

    sigmoid:   max(x, 0) - x*z + log(1 + exp(-|x|))
    weighted:  (1 - z)*x + (1 + (q - 1)*z) * (log(1 + exp(-|x|)) + max(-x, 0))
    softmax:   -sum_j labels_j * log_softmax(logits)_j

`name` is accepted and ignored (no graph here); `n_threads` is xentc's.
"""

import numpy as np

from .. import _validation as V
from .. import losses as _losses
from .. import special as _special
from . import _normalize_axes, _sigmoid_ce, _to_rows

__all__ = [
    "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits",
]


def _labels_like(labels, x):
    V.refuse_masked(labels, "labels")
    z = np.asarray(labels)
    if z.dtype.kind not in "biuf":
        raise TypeError(f"labels must be numeric; got dtype={z.dtype}")
    if z.shape != x.shape:
        raise ValueError(f"logits and labels must have the same shape ({x.shape} vs {z.shape})")
    return z.astype(x.dtype, copy=False)


def _sigmoid_family(labels, logits, pos_weight, n_threads):
    """Element-wise sigmoid cross-entropy, TF's output shape."""
    x = V.as_float_array(logits, "logits")
    z = _labels_like(labels, x)
    res, _ = _sigmoid_ce(x, z, pos_weight, "none", n_threads)
    return res.reshape(x.shape)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None, *, n_threads=None):
    """``tf.nn.sigmoid_cross_entropy_with_logits``: element-wise sigmoid cross-entropy.

    Parameters
    ----------
    labels : array_like
        Targets in ``[0, 1]``, ``logits``' shape.
    logits : array_like
        Logits, any shape.
    name : str, optional
        Accepted for TensorFlow compatibility, unused.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a TensorFlow
        argument.

    Returns
    -------
    ndarray
        Element losses, ``logits``' shape.

    See Also
    --------
    xentc.sigmoid_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import tf
    >>> tf.sigmoid_cross_entropy_with_logits(
    ...     labels=np.array([1.0, 0.0, 1.0]), logits=np.array([2.0, -1.0, 0.5])
    ... )
    array([0.12692801, 0.31326169, 0.47407698])
    """
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs both labels= and logits=")
    return _sigmoid_family(labels, logits, None, n_threads)


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None, *, n_threads=None):
    """``tf.nn.weighted_cross_entropy_with_logits``: the positive term scaled by ``pos_weight``.

    Parameters
    ----------
    labels : array_like
        Targets in ``[0, 1]``, ``logits``' shape.
    logits : array_like
        Logits, any shape.
    pos_weight : float or array_like
        A number or an array broadcasting to ``logits``' shape.
    name : str, optional
        Accepted for TensorFlow compatibility, unused.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a TensorFlow
        argument.

    Returns
    -------
    ndarray
        Element losses, ``logits``' shape.

    See Also
    --------
    xentc.sigmoid_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import tf
    >>> tf.weighted_cross_entropy_with_logits(
    ...     np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.5]), 3.0
    ... )
    array([0.38078403, 0.31326169, 1.42223095])
    """
    return _sigmoid_family(labels, logits, pos_weight, n_threads)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None, *, n_threads=None):
    """``tf.nn.softmax_cross_entropy_with_logits``: one loss per example.

    Parameters
    ----------
    labels : array_like
        Class probabilities (or one-hot rows), ``logits``' shape.
    logits : array_like
        Logits, the classes along ``axis``.
    axis : int, default=-1
        The class axis.
    name : str, optional
        Accepted for TensorFlow compatibility, unused.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a TensorFlow
        argument.

    Returns
    -------
    ndarray
        Losses, ``logits``' shape without ``axis``.

    See Also
    --------
    xentc.softmax_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import tf
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> labels = np.array([[0.8, 0.2, 0.0], [0.0, 0.0, 1.0]])
    >>> tf.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    array([0.5413113 , 0.16984602])
    """
    x = V.as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the classes); got a scalar")
    t = _labels_like(labels, x)
    (ax,) = _normalize_axes(axis, x.ndim)
    rows, outer, _ = _to_rows(x, (ax,))
    trows, _, _ = _to_rows(t, (ax,))
    try:
        return _losses.softmax_cross_entropy(
            rows, trows, reduction="none", n_threads=n_threads
        ).reshape(outer)
    except ValueError:
        if not trows.size or np.min(trows) >= 0:
            raise
    # negative labels: TF applies its formula regardless; the core refuses them
    lp = _special.log_softmax(rows, n_threads=n_threads)
    return (-np.einsum("ij,ij->i", trows, lp)).reshape(outer)


def sparse_softmax_cross_entropy_with_logits(
    labels=None, logits=None, name=None, *, n_threads=None
):
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: one loss per integer label.

    Parameters
    ----------
    labels : array_like of int
        Class indices, ``logits``' shape without the last axis.
    logits : array_like
        Logits, the classes along the last axis.
    name : str, optional
        Accepted for TensorFlow compatibility, unused.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a TensorFlow
        argument.

    Returns
    -------
    ndarray
        Losses, ``labels``' shape.

    See Also
    --------
    xentc.sparse_softmax_cross_entropy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import tf
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> tf.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 2]), logits=logits)
    array([0.2413113 , 0.16984602])
    """
    if labels is None or logits is None:
        raise ValueError("sparse_softmax_cross_entropy_with_logits needs both labels= and logits=")
    x = V.as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the classes); got a scalar")
    V.refuse_masked(labels, "labels")
    y = np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be an integer array (int32 or int64 class indices); got dtype={y.dtype}"
        )
    if y.shape != x.shape[:-1]:
        raise ValueError(
            f"labels must have the shape of logits without the last dimension, "
            f"{x.shape[:-1]}; got {y.shape} (logits shape {x.shape})"
        )
    # explicit row count: reshape(-1, 0) cannot infer it for (N, 0) logits
    rows = x.reshape(int(np.prod(x.shape[:-1], dtype=np.int64)), x.shape[-1])
    # the core raises ValueError naming the first out-of-range label and the range
    return _losses.sparse_softmax_cross_entropy(
        rows, y.reshape(-1), reduction="none", n_threads=n_threads
    ).reshape(y.shape)
