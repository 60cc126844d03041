"""Drop-in shims: PyTorch / TensorFlow / Keras / SciPy names on NumPy arrays.

Each submodule copies one framework's function names, argument names,
defaults and numbers, and computes with xentc's kernels (xentc.losses,
xentc.special). NumPy in, NumPy out; no framework is imported.

    compat.torch   torch.nn.functional  cross_entropy, nll_loss, binary_cross_entropy,
                                        binary_cross_entropy_with_logits, (log_)softmax
    compat.tf      tf.nn                *_cross_entropy_with_logits (per-example outputs)
    compat.keras   keras.losses / keras.metrics / keras.utils.to_categorical
    compat.scipy   scipy.special        logsumexp, softmax, log_softmax, expit, log_expit

Design:
A. A framework's quirks (PyTorch's weighted-mean denominator, Keras's 1e-7
   clipping and renormalisation, TF's per-example outputs, SciPy's weights
   `b`) live in its own module and nowhere else; the core keeps one rule.
B. The core computes on rows: every shim moves its reduction axis (or axes)
   to the end and flattens the rest. That transpose is a copy only when the
   axis is not already last, which the framework's layout forces anyway.
C. Inputs the core refuses but a framework accepts (probabilities outside
   [0, 1] that Keras clips, say) are handled in the shim after the core
   raised, so the common path pays for no extra validation pass. The one
   exception is torch's binary_cross_entropy: PyTorch refuses NaN
   probabilities, which the core's range check lets through.
D. Where a framework's +/-inf arithmetic yields NaN (inf - inf) xentc returns
   the mathematical limit (DESIGN.md section 2); docs/compat.md lists each case.

Only the mechanics shared by several shims live here: applying a row
function along axes (rows come from xentc.special._to_rows), laying a
broadcast weight onto rows, and the pos_weight sigmoid cross-entropy that
tf and torch share.
"""

import importlib

import numpy as np

from .. import _validation as V
from .. import losses as _losses
from .. import special as _special
from ..special import _from_rows, _to_rows

__all__ = ["keras", "scipy", "tf", "torch"]


def _normalize_axes(axes, ndim, name="axis"):
    """Tuple of non-negative axes; AxisError (a ValueError and an IndexError)
    when one is out of bounds, ValueError on duplicates."""
    if isinstance(axes, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a tuple of ints; got {axes!r}")
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of ints; got {axes!r}")
    out = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name} must be an int or a tuple of ints; got {axes!r}")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(int(a), ndim)
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in {name}: {axes!r}")
    return tuple(out)


def _along(fn, arr, axes, n_threads):
    """Apply a core row function (softmax, log_softmax) along `axes` of
    `arr`; the result has arr's shape. Rows are formed here rather than by
    the core's `axis=` so that any tuple of axes, and empty arrays, work."""
    rows, _, perm = _to_rows(arr, axes)
    return _from_rows(fn(rows, axis=-1, n_threads=n_threads), arr.shape, perm)


def _broadcast_split(weight, shape, name):
    """Lay a weight that broadcasts to `shape` onto rows.

    Returns (None, scalar) when the weight is one number, else
    (split, columns): the input reshaped to (-1, prod(shape[split:])) rows
    meets the weight as a vector `columns` of that row length (the smallest
    trailing block that holds every axis along which the weight varies), so
    the core's per-column weight takes it without an input-sized copy.
    """
    w = V.plain_array(weight, "weight")
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype={w.dtype}")
    w = w.astype(np.float64)
    try:
        full = np.broadcast_shapes(w.shape, shape)
    except ValueError:
        full = None
    if full != tuple(shape):
        raise ValueError(
            f"{name} of shape {w.shape} must broadcast to the input's shape {tuple(shape)}"
        )
    padded = (1,) * (len(shape) - w.ndim) + w.shape
    varying = [i for i, s in enumerate(padded) if s != 1]
    if not varying:
        return None, float(w.reshape(-1)[0]) if w.size else 1.0
    split = varying[0]
    cols = np.broadcast_to(w.reshape(padded[split:]), tuple(shape[split:])).reshape(-1)
    return split, np.ascontiguousarray(cols)


def _sigmoid_ce(x, t, pos_weight, reduction, n_threads):
    """Sigmoid cross-entropy of logits `x` against targets `t` of the same
    shape, with a `pos_weight` that broadcasts to it (TF's and PyTorch's
    rule). Returns (result, from_core).

    The core computes it (`reduction` applied, from_core True) when the
    inputs are in its domain; for targets outside [0, 1] or a negative
    pos_weight, which both frameworks accept, their formula
    (1 - t) x - (1 + (pw - 1) t) log(sigmoid(x)) is evaluated per element
    instead (from_core False). Per-element results come as rows: reshape
    them to x.shape.
    """
    shape = x.shape
    split, pw = (
        (None, None) if pos_weight is None else _broadcast_split(pos_weight, shape, "pos_weight")
    )
    if split is None:  # one long row: the core splits elements across threads
        xr, tr = x.reshape(-1), t.reshape(-1)
    else:  # rows meeting the per-column pos_weight
        rows = (int(np.prod(shape[:split], dtype=np.int64)), pw.size)
        xr, tr = x.reshape(rows), t.reshape(rows)
    if pw is None or bool(np.all(np.isfinite(pw)) and np.all(np.asarray(pw) >= 0)):
        try:
            res = _losses.sigmoid_cross_entropy(
                xr, tr, pos_weight=pw, reduction=reduction, n_threads=n_threads
            )
            return res, True
        except ValueError:
            if not t.size or (np.min(t) >= 0 and np.max(t) <= 1):
                raise
    log_sig = _special.log_sigmoid(xr, n_threads=n_threads)
    coef = 1.0 if pw is None else 1 + (np.asarray(pw, dtype=x.dtype) - 1) * tr
    with np.errstate(invalid="ignore"):
        return (1 - tr) * xr - coef * log_sig, False


def __getattr__(name):
    """`xentc.compat.torch` etc. load on first use (PEP 562)."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
