"""Primitives: logsumexp, softmax, log_softmax, sigmoid, log_sigmoid.

Same values as scipy.special (logsumexp, softmax, log_softmax, expit,
log_expit) for finite input; for rows with +/-inf the mathematical limit is
taken where it exists (a row whose max is +inf puts probability 1/k on each of
its k infinite entries). float32 stays float32, float16 computes in float32,
integers in float64.

Each function first offers its arguments to a per-call fast path
(``_kernels.fast_*``, xentc/_fast_paths.pxi): exact C-contiguous native
float32/float64 ndarrays below the parallel threshold, no ``out=``. It returns
None for anything else, which then takes the checked path below.
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
    """Log of the sum of exponentials, ``log(sum(exp(x)))``, along an axis.

    Computed with the maximum shifted out, so it neither overflows nor
    underflows. Same values as :func:`scipy.special.logsumexp` for finite
    input.

    Parameters
    ----------
    x : array_like
        Real input. float32 stays float32, float16 computes in float32,
        integers and bool in float64.
    axis : int or None, default=-1
        Axis to reduce; ``None`` reduces over all elements.
    keepdims : bool, default=False
        Keep the reduced axis with length 1, so the result broadcasts
        against ``x``.
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype. May be
        ``x`` itself (computed in place).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray
        ``x``'s shape without ``axis`` (a 0-d array for ``axis=None``). An
        empty reduction gives ``-inf``, a row holding NaN gives NaN, a row
        holding ``+inf`` gives ``+inf``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or ``axis`` is not an int or None.
    ValueError
        If ``axis`` is out of bounds or ``out`` has the wrong shape or dtype.

    See Also
    --------
    softmax, log_softmax

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -np.inf]])
    >>> xentc.logsumexp(x)
    array([   3.40760596, 1000.69314718])
    >>> float(xentc.logsumexp(x, axis=None))
    1000.6931471805599
    >>> xentc.logsumexp(x, axis=0, keepdims=True).shape
    (1, 3)
    """
    if out is None and (keepdims is False or keepdims is True):  # per-call fast path
        res = _kernels.fast_logsumexp(x, axis, keepdims, n_threads)
        if res is not None:
            return res
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
        moved_shape = shape[:ax] + shape[ax + 1 :] + shape[ax : ax + 1] if len(shape) else (1,)
        res = np.moveaxis(res.reshape(moved_shape), -1, ax) if len(shape) else res.reshape(())
    return _deliver(res, out)


def softmax(x, axis=-1, *, out=None, n_threads=None):
    """Softmax, ``exp(x - logsumexp(x))``, along an axis.

    The largest entry of each row is computed as ``1 / (1 + sum of the
    others)``, so probabilities near 1 keep their full precision. A row whose
    maximum is ``+inf`` puts ``1/k`` on each of its ``k`` infinite entries.

    Parameters
    ----------
    x : array_like
        Real input. float32 stays float32, float16 computes in float32,
        integers and bool in float64.
    axis : int or None, default=-1
        Axis along which the probabilities sum to 1; ``None``: over all
        elements.
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype. May be
        ``x`` itself (computed in place).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray
        Probabilities of ``x``'s shape and floating dtype.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or ``axis`` is not an int or None.
    ValueError
        If ``axis`` is out of bounds or ``out`` has the wrong shape or dtype.

    See Also
    --------
    log_softmax : Its logarithm, without forming ``log(softmax)``.
    logsumexp

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -np.inf]])
    >>> np.round(xentc.softmax(x), 4)
    array([[0.09  , 0.2447, 0.6652],
           [0.5   , 0.5   , 0.    ]])
    >>> x32 = x.astype(np.float32)
    >>> xentc.softmax(x32, out=x32) is x32  # in place
    True
    """
    if out is None:  # per-call fast path; None: declined, take the checked path
        res = _kernels.fast_softmax(x, axis, n_threads)
        if res is not None:
            return res
    return _map_rows(_kernels.softmax_rows, x, axis, out, n_threads)


def log_softmax(x, axis=-1, *, out=None, n_threads=None):
    """Log-softmax, ``x - logsumexp(x)``, along an axis.

    Computed directly, never as ``log(softmax(x))``, so tiny probabilities
    keep their logarithm instead of becoming ``-inf``.

    Parameters
    ----------
    x : array_like
        Real input. float32 stays float32, float16 computes in float32,
        integers and bool in float64.
    axis : int or None, default=-1
        Axis along which to normalise; ``None``: over all elements.
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype. May be
        ``x`` itself (computed in place).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray
        Log-probabilities of ``x``'s shape and floating dtype.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or ``axis`` is not an int or None.
    ValueError
        If ``axis`` is out of bounds or ``out`` has the wrong shape or dtype.

    See Also
    --------
    softmax, logsumexp

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, -80.0]])
    >>> np.round(xentc.log_softmax(x), 4)
    array([[ -2.4076,  -1.4076,  -0.4076],
           [ -0.6931,  -0.6931, -80.6931]])
    """
    if out is None:  # per-call fast path; None: declined, take the checked path
        res = _kernels.fast_log_softmax(x, axis, n_threads)
        if res is not None:
            return res
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
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, element-wise.

    Evaluated as ``exp(-|x|) / (1 + exp(-|x|))`` for negative ``x``, so tiny
    probabilities keep their relative precision. Same values as
    :func:`scipy.special.expit`.

    Parameters
    ----------
    x : array_like
        Real input. float32 stays float32, float16 computes in float32,
        integers and bool in float64.
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype. May be
        ``x`` itself (computed in place).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray or scalar
        Probabilities of ``x``'s shape and floating dtype (a scalar for a
        scalar ``x``).

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``out`` has the wrong shape or dtype.

    See Also
    --------
    log_sigmoid

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> xentc.sigmoid(np.array([-50.0, 0.0, 3.0]))
    array([1.92874985e-22, 5.00000000e-01, 9.52574127e-01])
    """
    if out is None:  # per-call fast path; None: declined, take the checked path
        res = _kernels.fast_sigmoid(x, n_threads)
        if res is not None:
            return res
    return _elementwise(_kernels.sigmoid_elements, x, out, n_threads)


def log_sigmoid(x, *, out=None, n_threads=None):
    """Log of the logistic sigmoid, ``log(sigmoid(x)) = -softplus(-x)``.

    Evaluated as ``min(x, 0) - log1p(exp(-|x|))``: finite and accurate for
    every finite ``x``. Same values as :func:`scipy.special.log_expit`.

    Parameters
    ----------
    x : array_like
        Real input. float32 stays float32, float16 computes in float32,
        integers and bool in float64.
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype. May be
        ``x`` itself (computed in place).
    n_threads : int, optional
        Threads for the kernel; ``None`` uses the default
        (``OMP_NUM_THREADS`` or the CPU count, see :func:`xentc.get_config`).
        Results do not depend on it.

    Returns
    -------
    ndarray or scalar
        Log-probabilities of ``x``'s shape and floating dtype (a scalar for
        a scalar ``x``).

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``out`` has the wrong shape or dtype.

    See Also
    --------
    sigmoid

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> xentc.log_sigmoid(np.array([-800.0, 0.0, 3.0]))
    array([-8.00000000e+02, -6.93147181e-01, -4.85873516e-02])
    """
    if out is None:  # per-call fast path; None: declined, take the checked path
        res = _kernels.fast_log_sigmoid(x, n_threads)
        if res is not None:
            return res
    return _elementwise(_kernels.log_sigmoid_elements, x, out, n_threads)
