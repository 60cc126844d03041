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

Only the mechanics shared by several shims live here: moving axes to rows
and splitting a broadcast weight into (rows, columns).
"""

import importlib

import numpy as np

from .. import _validation as V

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


def _to_rows(arr, axes):
    """(rows, outer_shape, perm): `arr` with `axes` moved last and flattened
    into rows of length prod(shape[axes]); a view when that needs no move."""
    rest = [i for i in range(arr.ndim) if i not in axes]
    perm = rest + list(axes)
    moved = arr if perm == list(range(arr.ndim)) else arr.transpose(perm)
    outer = tuple(arr.shape[i] for i in rest)
    width = int(np.prod([arr.shape[i] for i in axes], dtype=np.int64))
    return moved.reshape(int(np.prod(outer, dtype=np.int64)), width), outer, perm


def _from_rows(rows, shape, perm):
    """Inverse of _to_rows for a result of the input's full shape."""
    moved_shape = tuple(shape[i] for i in perm)
    res = rows.reshape(moved_shape)
    return res if perm == list(range(len(shape))) else res.transpose(np.argsort(perm))


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


def __getattr__(name):
    """`xentc.compat.torch` etc. load on first use (PEP 562)."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
