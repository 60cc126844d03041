"""scipy.special names on NumPy arrays, computed by xentc's kernels.

    logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False)
    softmax(x, axis=None), log_softmax(x, axis=None), expit(x), log_expit(x)

SciPy's rules reproduced here: `axis=None` reduces over every element, and
`axis` may be a tuple (those axes are moved last and flattened into rows);
0-d results come back as NumPy scalars; `b` scales exp(a) and may be
negative (then the sign is returned with `return_sign=True`, or a negative
sum gives NaN); entries with b == 0 add nothing even where `a` is inf or NaN.
An integer input computes in float64, like SciPy.
"""

import numpy as np

from .. import _validation as V
from .. import special as _special
from . import _along, _normalize_axes, _to_rows

__all__ = ["expit", "log_expit", "log_softmax", "logsumexp", "softmax"]


def _axes(axis, ndim):
    """SciPy's axis argument as a tuple of axes (None: all of them)."""
    if axis is None:
        return tuple(range(ndim))
    return _normalize_axes(axis, ndim)


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _unwrap(res):
    """SciPy returns NumPy scalars, not 0-d arrays."""
    return res[()] if isinstance(res, np.ndarray) and res.ndim == 0 else res


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, *, n_threads=None):
    """``scipy.special.logsumexp``: ``log(sum(b * exp(a)))`` over ``axis``, max-shifted.

    Parameters
    ----------
    a : array_like
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (None: all).
    b : array_like, optional
        Scale factors broadcasting to ``a``'s shape; may be negative.
    keepdims : bool, default=False
        Keep the reduced axes with length 1.
    return_sign : bool, default=False
        Also return the sign of the sum (then the result is
        ``log(|sum|)``).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a SciPy
        argument.

    Returns
    -------
    res : ndarray or float
        The log of the (absolute) sum.
    sgn : ndarray or float
        Its sign; only with ``return_sign=True``.

    See Also
    --------
    xentc.logsumexp

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import scipy as S
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> S.logsumexp(x, axis=1)
    array([2.2413113 , 3.16984602])
    >>> res, sgn = S.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]), return_sign=True)
    >>> round(float(res), 6), float(sgn)
    (1.541325, -1.0)
    """
    a = np.asarray(a)
    if b is not None:
        b = np.asarray(b)
        dtype = np.result_type(a.dtype, b.dtype, np.float16)
        a, b = np.broadcast_arrays(a.astype(dtype, copy=False), b.astype(dtype, copy=False))
    arr = V.as_float_array(a, "a")
    arr = arr.reshape(1) if arr.ndim == 0 else arr
    axes = _axes(axis, arr.ndim)
    rows, _, _ = _to_rows(arr, axes)
    shape = _reduced_shape(arr.shape, axes, keepdims)
    if arr.size == 0:  # SciPy: -inf everywhere, and sign(-inf) = -1 as the sign
        out, sign = np.full(shape, -np.inf, arr.dtype), np.full(shape, -1.0, arr.dtype)
    elif b is None:
        out = _special.logsumexp(rows, axis=-1, n_threads=n_threads).reshape(shape)
        sign = _sign_of_log(out) if return_sign else None
    else:
        brows, _, _ = _to_rows((b.reshape(1) if b.ndim == 0 else b), axes)
        out, sign = _weighted_logsumexp(rows, brows.astype(rows.dtype, copy=False), n_threads)
        out, sign = out.reshape(shape), sign.reshape(shape)
        if not return_sign:  # a negative sum has no real log
            out = np.where(sign < 0, np.nan, out)
    if return_sign:
        return _unwrap(out), _unwrap(sign)
    return _unwrap(out)


def _sign_of_log(out):
    """Sign of exp(out): 0 for log(0) = -inf, NaN for NaN, else +1."""
    return np.where(np.isnan(out), np.nan, np.where(out == -np.inf, 0.0, 1.0)).astype(out.dtype)


def _weighted_logsumexp(rows, brows, n_threads):
    """log|sum_j b_j exp(a_j)| and its sign, per row.

    The positive and the negative parts are each a plain logsumexp of
    a + log|b| (entries of the other sign, and b == 0, set to -inf), then
    combined as lse_big + log1p(-exp(lse_small - lse_big)).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = np.log(np.abs(brows))
        shifted = rows + log_b
    shifted[brows == 0] = -np.inf
    pos = np.where(brows > 0, shifted, -np.inf)
    lse_pos = _special.logsumexp(pos, axis=-1, n_threads=n_threads)
    if not (brows < 0).any():
        return lse_pos, _sign_of_log(lse_pos)
    neg = np.where(brows < 0, shifted, -np.inf)
    lse_neg = _special.logsumexp(neg, axis=-1, n_threads=n_threads)
    big, small = np.maximum(lse_pos, lse_neg), np.minimum(lse_pos, lse_neg)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        sign = np.sign(lse_pos - lse_neg)
        out = big + np.log1p(-np.exp(small - big))
    out = np.where(big == -np.inf, -np.inf, out)  # both sums empty: log(0)
    out = np.where(small == np.inf, np.nan, out)  # inf - inf
    sign = np.where(lse_pos == lse_neg, np.where(big == np.inf, np.nan, 0.0), sign)
    sign = np.where(np.isnan(lse_pos) | np.isnan(lse_neg), np.nan, sign)
    out = np.where(np.isnan(sign), np.nan, out)
    return out.astype(rows.dtype, copy=False), sign.astype(rows.dtype)


def _along_scipy_axis(fn, x, axis, n_threads):
    arr = V.as_float_array(x, "x")
    if arr.ndim == 0:
        return _unwrap(_along(fn, arr.reshape(1), (0,), n_threads).reshape(()))
    return _along(fn, arr, _axes(axis, arr.ndim), n_threads)


def softmax(x, axis=None, *, n_threads=None):
    """``scipy.special.softmax`` over ``axis``.

    Parameters
    ----------
    x : array_like
        Input.
    axis : int or tuple of int, optional
        Axes to normalise over (None: the whole array).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a SciPy
        argument.

    Returns
    -------
    ndarray
        Probabilities of ``x``'s shape.

    See Also
    --------
    xentc.softmax

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import scipy as S
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> np.round(S.softmax(x, axis=1), 4)
    array([[0.7856, 0.1753, 0.0391],
           [0.042 , 0.1142, 0.8438]])
    """
    return _along_scipy_axis(_special.softmax, x, axis, n_threads)


def log_softmax(x, axis=None, *, n_threads=None):
    """``scipy.special.log_softmax`` over ``axis``.

    Parameters
    ----------
    x : array_like
        Input.
    axis : int or tuple of int, optional
        Axes to normalise over (None: the whole array).
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a SciPy
        argument.

    Returns
    -------
    ndarray
        Log-probabilities of ``x``'s shape.

    See Also
    --------
    xentc.log_softmax

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import scipy as S
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> np.round(S.log_softmax(x, axis=1), 4)
    array([[-0.2413, -1.7413, -3.2413],
           [-3.1698, -2.1698, -0.1698]])
    """
    return _along_scipy_axis(_special.log_softmax, x, axis, n_threads)


def expit(x, out=None, *, n_threads=None):
    """``scipy.special.expit``: the logistic sigmoid ``1 / (1 + exp(-x))``.

    Parameters
    ----------
    x : array_like
        Input.
    out : ndarray, optional
        Array to write the result into.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a SciPy
        argument.

    Returns
    -------
    ndarray or scalar
        Probabilities of ``x``'s shape.

    See Also
    --------
    xentc.sigmoid

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import scipy as S
    >>> S.expit(np.array([-50.0, 0.0, 3.0]))
    array([1.92874985e-22, 5.00000000e-01, 9.52574127e-01])
    """
    return _unwrap(_special.sigmoid(x, out=out, n_threads=n_threads))


def log_expit(x, out=None, *, n_threads=None):
    """``scipy.special.log_expit``: ``log(expit(x))`` without overflow or underflow.

    Parameters
    ----------
    x : array_like
        Input.
    out : ndarray, optional
        Array to write the result into.
    n_threads : int, optional
        Threads for xentc's kernel (None: the default); not a SciPy
        argument.

    Returns
    -------
    ndarray or scalar
        Log-probabilities of ``x``'s shape.

    See Also
    --------
    xentc.log_sigmoid

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.compat import scipy as S
    >>> S.log_expit(np.array([-800.0, 0.0, 3.0]))
    array([-8.00000000e+02, -6.93147181e-01, -4.85873516e-02])
    """
    return _unwrap(_special.log_sigmoid(x, out=out, n_threads=n_threads))
