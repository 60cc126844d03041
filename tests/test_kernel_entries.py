"""The Cython entries of xentc._kernels, called directly: each loss entry
runs its own kernel-table slot with the options it is given (checked against
the NumPy reference twin, every option set to a non-default value so a field
wired to the wrong struct member or left unset shows), and the one layout
predicate kept in Cython agrees with _validation's rule."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import ATOL, DTYPES, RTOL

from xentc import _kernels
from xentc import _reference as R
from xentc import _validation as V


def _csr(t):
    m = sp.csr_matrix(t)
    m.sort_indices()
    return (
        m.indptr.astype(np.int64),
        m.indices.astype(np.int64),
        np.ascontiguousarray(m.data, dtype=t.dtype),
    )


def _problem(dtype, rng, n=7, c=5):
    x = rng.normal(size=(n, c)).astype(dtype)
    labels = rng.integers(0, c, n).astype(np.int64)
    t = rng.uniform(0, 1, (n, c)).astype(dtype)
    t[t < 0.4] = 0  # zeros so the CSR form is really sparse
    w = rng.uniform(0.5, 2.0, n)
    return x, labels, t, w


def _run(entry, x, *args, **kw):
    """(loss sum, losses, gradient, Hessian) of one raw entry call; the
    losses are per row (softmax, categorical) or per element (sigmoid,
    binary: the entries whose names say so)."""
    per_element = "sigmoid" in entry.__name__ or "binary" in entry.__name__
    loss = np.empty(x.shape if per_element else x.shape[0], dtype=x.dtype)
    grad, hess = np.empty_like(x), np.empty_like(x)
    total = entry(x, *args, loss_out=loss, grad_out=grad, hess_out=hess, n_threads=1, **kw)
    return total, loss, grad, hess


def _check(got, want, dtype):
    total, _, grad, hess = got
    loss_ref, g_ref, h_ref = want
    rtol, atol = 10 * RTOL[dtype], 10 * ATOL[dtype]
    np.testing.assert_allclose(total, loss_ref, rtol=rtol)
    np.testing.assert_allclose(grad, g_ref, rtol=rtol, atol=atol)
    np.testing.assert_allclose(hess, h_ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("focal", [False, True])
def test_softmax_entries(dtype, focal, simd):
    rng = np.random.default_rng(1)
    x, labels, t, w = _problem(dtype, rng)
    cw = np.linspace(0.5, 1.5, x.shape[1]).astype(dtype)
    f = (1.5, 0.0, False)
    common = dict(row_weight=w, smoothing=0.1)
    if focal:
        got = _run(_kernels.focal_softmax_ce_sparse, x, *f, labels, **common)
        want = R.sparse_softmax_focal_cross_entropy(
            x,
            labels,
            sample_weight=w,
            label_smoothing=0.1,
            reduction="sum",
            focal_gamma=1.5,
            return_grad=True,
        )
    else:
        got = _run(_kernels.softmax_ce_sparse, x, labels, **common)
        want = R.sparse_softmax_cross_entropy(
            x, labels, sample_weight=w, label_smoothing=0.1, reduction="sum", return_grad=True
        )
    _check(got, want, dtype)
    ref_kw = dict(class_weight=cw, sample_weight=w, label_smoothing=0.1, reduction="sum")
    if focal:
        want = R.softmax_focal_cross_entropy(x, t, **ref_kw, focal_gamma=1.5, return_grad=True)
        dense = _run(_kernels.focal_softmax_ce_dense, x, *f, t, col_weight=cw, **common)
        csr = _run(_kernels.focal_softmax_ce_csr, x, *f, *_csr(t), col_weight=cw, **common)
    else:
        want = R.softmax_cross_entropy(x, t, **ref_kw, return_grad=True)
        dense = _run(_kernels.softmax_ce_dense, x, t, col_weight=cw, **common)
        csr = _run(_kernels.softmax_ce_csr, x, *_csr(t), col_weight=cw, **common)
    _check(dense, want, dtype)
    _check(csr, want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("focal", [False, True])
def test_sigmoid_entries(dtype, focal, simd):
    rng = np.random.default_rng(2)
    x, _, t, w = _problem(dtype, rng)
    pw = np.linspace(0.5, 3.0, x.shape[1]).astype(dtype)
    ref_kw = dict(pos_weight=pw, sample_weight=w, label_smoothing=0.2, reduction="sum")
    common = dict(row_weight=w, col_weight=pw, smoothing=0.2)
    if focal:
        f = (2.0, 0.25, True)
        want = R.sigmoid_focal_cross_entropy(
            x, t, **ref_kw, focal_gamma=2.0, focal_alpha=0.25, return_grad=True
        )
        dense = _run(_kernels.focal_sigmoid_ce, x, *f, t, **common)
        csr = _run(_kernels.focal_sigmoid_ce_csr, x, *f, *_csr(t), **common)
    else:
        want = R.sigmoid_cross_entropy(x, t, **ref_kw, return_grad=True)
        dense = _run(_kernels.sigmoid_ce, x, t, **common)
        csr = _run(_kernels.sigmoid_ce_csr, x, *_csr(t), **common)
    _check(dense, want, dtype)
    _check(csr, want, dtype)
    # flat: one long row, the scalar pos_weight and per-element weights
    ew = np.repeat(w, x.shape[1]).astype(dtype)
    entry, f = (
        (_kernels.focal_sigmoid_ce, (2.0, 0.25, True)) if focal else (_kernels.sigmoid_ce, ())
    )
    flat = _run(
        entry,
        x.reshape(-1),
        *f,
        t.reshape(-1),
        elem_weight=ew,
        pos_weight=2.0,
        smoothing=0.2,
        flat=True,
    )
    ref = R.sigmoid_focal_cross_entropy if focal else R.sigmoid_cross_entropy
    extra = dict(focal_gamma=2.0, focal_alpha=0.25) if focal else {}
    want = ref(
        x.reshape(-1),
        t.reshape(-1),
        pos_weight=2.0,
        sample_weight=ew,
        label_smoothing=0.2,
        reduction="sum",
        return_grad=True,
        **extra,
    )
    _check(flat, want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_probability_entries(dtype, simd):
    rng = np.random.default_rng(3)
    x, labels, t, w = _problem(dtype, rng)
    p = rng.uniform(0, 1, x.shape).astype(dtype)
    p[0, 0], p[1, 1] = 0.0, 1.0  # inside the clip
    y = (t > 0.5).astype(dtype)
    want = R.binary_cross_entropy(
        p, y, eps=1e-3, sample_weight=w, reduction="sum", return_grad=True
    )
    _check(_run(_kernels.binary_ce, p, y, row_weight=w, clip_eps=1e-3), want, dtype)
    for renormalize in (False, True):
        kw = dict(row_weight=w, clip_eps=1e-3, renormalize=renormalize)
        ref_kw = dict(
            eps=1e-3, renormalize=renormalize, sample_weight=w, reduction="sum", return_grad=True
        )
        want = R.categorical_cross_entropy(p, labels, **ref_kw)
        _check(_run(_kernels.categorical_ce_sparse, p, labels, **kw), want, dtype)
        want = R.categorical_cross_entropy(p, t, **ref_kw)
        _check(_run(_kernels.categorical_ce_dense, p, t, **kw), want, dtype)
        _check(_run(_kernels.categorical_ce_csr, p, *_csr(t), **kw), want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_primitive_entries(dtype, simd):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 9)).astype(dtype)
    tol = 10 * RTOL[dtype]
    for entry, ref in [
        (_kernels.softmax_rows, R.softmax),
        (_kernels.log_softmax_rows, R.log_softmax),
    ]:
        out = entry(x, np.empty_like(x), 1)
        np.testing.assert_allclose(out, ref(x), rtol=tol, atol=tol)
    out = _kernels.logsumexp_rows(x, np.empty(x.shape[0], dtype), 1)
    np.testing.assert_allclose(out, R.logsumexp(x), rtol=tol)
    flat = x.reshape(-1)
    for entry, ref in [
        (_kernels.sigmoid_elements, R.sigmoid),
        (_kernels.log_sigmoid_elements, R.log_sigmoid),
        (_kernels.exp_elements, np.exp),
        (_kernels.log1p_elements, np.log1p),
    ]:
        arg = np.abs(flat) if entry is _kernels.log1p_elements else flat
        out = entry(arg, np.empty_like(arg), 1)
        np.testing.assert_allclose(out, ref(arg.astype(np.float64)), rtol=tol, atol=tol)
    pos = np.abs(flat) + 0.5
    out = _kernels.log_elements(pos, np.empty_like(pos), 1)
    np.testing.assert_allclose(out, np.log(pos.astype(np.float64)), rtol=tol, atol=tol)


def _layouts():
    """Arrays in every layout the plain call may meet."""
    base = np.arange(60, dtype=np.float64).reshape(6, 10)
    out = []
    for dt in (np.float32, np.float64, np.float16, np.int64):
        a = base.astype(dt)
        out += [a, np.asfortranarray(a), a[::2], a[::-1], a[:, ::2], a[:, :1], a[:, :0], a[0]]
        out += [a.reshape(2, 3, 10), a.astype(a.dtype.newbyteorder(">")), a.T]
    raw = np.zeros(6 * 10 * 4 + 1, dtype=np.uint8)[1:].view(np.float32).reshape(6, 10)
    out += [raw, np.asfortranarray(base)[:, ::-1], base.view(np.matrix), base.tolist()]
    return out


@pytest.mark.parametrize("arr", _layouts(), ids=lambda a: f"{getattr(a, 'dtype', 'list')}")
def test_is_kernel_2d_agrees_with_validation(arr):
    """is_kernel_2d (Cython, for the plain call's cost) says yes exactly when
    _validation.rows_contiguous hands a native float 2-D ndarray with at
    least one column to the kernels unchanged. (A misaligned C-contiguous
    array is the one case where the two differ: rows_contiguous keeps it, as
    np.ascontiguousarray does not realign, while is_kernel_2d sends it down
    the general path, which then keeps it too.)"""
    want = (
        type(arr) is np.ndarray
        and arr.ndim == 2
        and arr.dtype in (np.dtype(np.float32), np.dtype(np.float64))
        and arr.shape[1] >= 1
        and arr.flags.aligned
        and V.rows_contiguous(arr) is arr
    )
    assert _kernels.is_kernel_2d(arr) == want


def test_no_string_dispatch_left():
    """The string-keyed entries are gone: the Python layer names kernels."""
    for name in ("loss", "focal_loss", "rows", "elementwise"):
        assert not hasattr(_kernels, name), name
