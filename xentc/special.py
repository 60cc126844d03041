"""Primitives: logsumexp, softmax, log_softmax, sigmoid, log_sigmoid.

Same values as scipy.special (logsumexp, softmax, log_softmax, expit,
log_expit) for finite input; for rows with +/-inf the mathematical limit is
taken where it exists (a row whose max is +inf puts probability 1/k on each of
its k infinite entries). float32 stays float32, float16 computes in float32,
integers in float64.
"""

import math

import numpy as np

from . import _kernels
from . import _validation as V

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax"]


def _to_rows(arr, axes):
    """(rows, outer_shape, perm): `arr` with `axes` moved last and flattened
    into rows of length prod(shape[axes]); a view when that needs no move."""
    rest = [i for i in range(arr.ndim) if i not in axes]
    perm = rest + list(axes)
    moved = arr if perm == list(range(arr.ndim)) else arr.transpose(perm)
    outer = tuple(arr.shape[i] for i in rest)
    width = math.prod(arr.shape[i] for i in axes)
    return moved.reshape(math.prod(outer), width), outer, perm


def _from_rows(rows, shape, perm):
    """Inverse of _to_rows for a result of the input's full shape."""
    moved_shape = tuple(shape[i] for i in perm)
    res = rows.reshape(moved_shape)
    return res if perm == list(range(len(shape))) else res.transpose(np.argsort(perm))


def _checked_rows(x, axis, name="x"):
    """(2-D rows with contiguous elements, restore info) of a float input.
    Rows run along `axis` (None = all elements in one row)."""
    arr = V.as_float_array(x, name)
    shape = arr.shape
    if axis is None:
        return V.rows_contiguous(arr.reshape(1, -1)), (shape, None)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int or None; got {axis!r}")
    ndim = max(arr.ndim, 1)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for {name} with {arr.ndim} dimensions")
    axis = int(axis) % ndim
    if arr.ndim == 0:
        arr = arr.reshape(1)
    # the common case, (N, C) along its last axis, skips the general reshaping
    rows = arr if arr.ndim == 2 and axis == 1 else _to_rows(arr, (axis,))[0]
    return V.rows_contiguous(rows), (shape, axis)


def _deliver(result, out, name="out"):
    if out is None:
        return result
    V.check_out(out, result.shape, result.dtype, name)
    out[...] = result
    return out


def logsumexp(x, axis=-1, keepdims=False, *, out=None, n_threads=None):
    """log(sum(exp(x))) along `axis` (None: over all elements), max-shifted.

    Empty reductions give -inf, rows holding NaN give NaN, a +inf entry gives
    +inf.
    """
    n_threads = V.resolve_n_threads(n_threads)
    rows, (shape, ax) = _checked_rows(x, axis)
    res = np.empty(rows.shape[0], dtype=rows.dtype)
    if rows.shape[0]:
        _kernels.logsumexp_rows(rows, res, n_threads)
    if ax is None:
        red_shape = (1,) * len(shape) if keepdims else ()
    else:
        red_shape = shape[:ax] + ((1,) if keepdims else ()) + shape[ax + 1 :]
    return _deliver(res.reshape(red_shape), out)


def _map_rows(op, x, axis, out, n_threads):
    n_threads = V.resolve_n_threads(n_threads)
    rows, (shape, ax) = _checked_rows(x, axis)
    # rows along the last axis and a C-contiguous `out` of the result's shape
    # and dtype: write straight into it (no temporary, no copy), unless it
    # overlaps the input other than as the very same elements (in place)
    if (
        type(out) is np.ndarray
        and out.flags.c_contiguous
        and out.flags.writeable
        and out.shape == shape
        and out.dtype == rows.dtype
        and len(shape)
        and (ax is None or ax == len(shape) - 1)
    ):
        target = out.reshape(rows.shape)
        if not np.may_share_memory(target, rows) or V.same_view(target, rows):
            if rows.size:
                op(rows, target, n_threads)
            return out
    res = np.empty(rows.shape, dtype=rows.dtype)
    if rows.size:
        op(rows, res, n_threads)
    if ax is None:
        res = res.reshape(shape)
    else:
        moved_shape = (
            tuple(np.delete(np.array(shape, dtype=np.intp), ax)) + (shape[ax],)
            if len(shape)
            else (1,)
        )
        res = np.moveaxis(res.reshape(moved_shape), -1, ax) if len(shape) else res.reshape(())
    return _deliver(res, out)


def softmax(x, axis=-1, *, out=None, n_threads=None):
    """exp(x - logsumexp(x)) along `axis`; the argmax entry is computed as
    1/(1 + sum of the others) so it keeps full precision near 1."""
    return _map_rows(_kernels.softmax_rows, x, axis, out, n_threads)


def log_softmax(x, axis=-1, *, out=None, n_threads=None):
    """x - logsumexp(x) along `axis`, without forming log(softmax)."""
    return _map_rows(_kernels.log_softmax_rows, x, axis, out, n_threads)


def _elementwise(op, x, out, n_threads):
    n_threads = V.resolve_n_threads(n_threads)
    arr = V.flat_contiguous(V.as_float_array(x, "x"))
    if (
        type(out) is np.ndarray
        and out.flags.c_contiguous
        and out.flags.aligned
        and (not np.may_share_memory(out, arr) or V.same_view(out, arr))
    ):
        V.check_out(out, arr.shape, arr.dtype)
        target = out
    else:
        target = np.empty(arr.shape, dtype=arr.dtype)
    if arr.size:
        op(arr.reshape(-1), target.reshape(-1), n_threads)
    if target is out:
        return out
    return _deliver(target if arr.ndim else target[()], out)


def sigmoid(x, *, out=None, n_threads=None):
    """1 / (1 + exp(-x)), evaluated as exp(-|x|)/(1 + exp(-|x|)) for x < 0 so
    tiny probabilities keep their relative precision (== scipy.special.expit)."""
    return _elementwise(_kernels.sigmoid_elements, x, out, n_threads)


def log_sigmoid(x, *, out=None, n_threads=None):
    """log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))
    (== scipy.special.log_expit)."""
    return _elementwise(_kernels.log_sigmoid_elements, x, out, n_threads)
