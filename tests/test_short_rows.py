"""Short rows (C < 16) run the columnar block kernels (Design E of
src/kernels_body.h), whose rows are turned into column vectors and back by
in-register transposes: full NL x NL ones, and "two rows per vector" ones for
C <= NL/2. Every C from 1 to 17 crosses the switch points of every target
(NL = 2, 4, 8 and 16 lanes), with a row count that leaves partial vectors and
a partial block, strided rows, ignored labels, rows of +/-inf and NaN (the
limits path, also with the gradient written over the logits), against the
NumPy reference twin; then the sign check of dense targets that rides on the
loss kernel's pass."""

import re

import numpy as np
import pytest
from conftest import DTYPES, THREADS, assert_close

import xentc
from xentc import _reference as ref

CS = list(range(1, 18))
N = 150  # 2 full blocks of 64 rows and a partial one; not a multiple of 16


def _logits(n, c, dtype, seed=0, specials=True):
    rng = np.random.default_rng(seed + c)
    x = rng.standard_normal((n, c)) * 4
    if specials and c > 1:
        x[3, 0] = np.inf  # limits path: +inf max
        x[40, c - 1] = -np.inf
        x[77, :] = -np.inf  # every entry -inf
        x[101, c // 2] = np.nan
    return x.astype(dtype)


def _strided(x):
    """the same values with rows ldx = C + 5 apart"""
    big = np.zeros((x.shape[0], x.shape[1] + 5), dtype=x.dtype)
    big[:, 2 : 2 + x.shape[1]] = x
    return big[:, 2 : 2 + x.shape[1]]


@pytest.mark.parametrize("c", CS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", ["logsumexp", "softmax", "log_softmax"])
def test_row_ops(simd, op, dtype, c):
    x = _logits(N, c, dtype)
    expected = getattr(ref, op)(x)
    for xv in (x, _strided(x)):
        got = getattr(xentc, op)(xv)
        assert_close(got, expected, dtype, err_msg=f"{op} C={c}")


@pytest.mark.parametrize("c", CS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sparse_loss_grad_hess(simd, dtype, c):
    x = _logits(N, c, dtype, specials=False)
    y = np.random.default_rng(c).integers(0, c, N)
    y[[5, 16, 17, 149]] = -1  # ignored rows in full and partial vectors
    w = np.random.default_rng(1).uniform(0.5, 2, N)
    kw = dict(ignore_index=-1, label_smoothing=0.1, reduction="sum")
    loss_ref, g_ref, h_ref = ref.sparse_softmax_cross_entropy(
        x, y, sample_weight=w, return_grad=True, **kw
    )
    est = xentc.SparseSoftmaxCrossEntropy(**kw)
    for xv in (x, _strided(x)):
        assert_close(est.loss(xv, y, sample_weight=w), loss_ref, dtype)
        g, h = est.gradient_hessian(xv, y, sample_weight=w)
        assert_close(g, g_ref, dtype, err_msg=f"gradient C={c}")
        assert_close(h, h_ref, dtype, err_msg=f"Hessian C={c}")
    per_row = xentc.sparse_softmax_cross_entropy(x, y, ignore_index=-1, reduction="none")
    assert_close(
        per_row, ref.sparse_softmax_cross_entropy(x, y, ignore_index=-1, reduction="none"), dtype
    )


@pytest.mark.parametrize("c", [2, 3, 8, 9, 15])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_limits_rows_with_gradient_over_the_logits(simd, dtype, c):
    """rows with inf / NaN are redone from the block's copy of the logits,
    after the block's gradient rows were written: also when they are x"""
    x = _logits(N, c, dtype)
    y = np.random.default_rng(c).integers(0, c, N)
    est = xentc.SparseSoftmaxCrossEntropy(reduction="sum")
    loss, g = est.loss_gradient(x, y)
    x2 = x.copy()
    loss2, g2 = est.loss_gradient(x2, y, out=x2)
    assert g2 is x2 or np.shares_memory(g2, x2)
    np.testing.assert_array_equal(g2, g)
    assert loss2 == loss or (np.isnan(loss) and np.isnan(loss2))
    # rows without specials match the reference
    ok = np.isfinite(x).all(axis=1)
    _, g_ref, _ = ref.sparse_softmax_cross_entropy(x[ok], y[ok], reduction="sum", return_grad=True)
    assert_close(g[ok], g_ref, dtype)


@pytest.mark.parametrize("c", CS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_dense_targets(simd, dtype, c):
    x = _logits(N, c, dtype, specials=False)
    t = np.random.default_rng(c).random((N, c)).astype(dtype)
    t /= t.sum(axis=1, keepdims=True)
    loss_ref, g_ref, h_ref = ref.softmax_cross_entropy(x, t, reduction="sum", return_grad=True)
    est = xentc.SoftmaxCrossEntropy(reduction="sum")
    for xv, tv in ((x, t), (_strided(x), _strided(t))):
        assert_close(est.loss(xv, tv), loss_ref, dtype)
        g, h = est.gradient_hessian(xv, tv)
        assert_close(g, g_ref, dtype, err_msg=f"gradient C={c}")
        assert_close(h, h_ref, dtype, err_msg=f"Hessian C={c}")


@pytest.mark.parametrize("n_threads", THREADS)
@pytest.mark.parametrize("c", [3, 10])
def test_short_rows_bit_identical_across_threads(n_threads, c):
    x = _logits(40_000, c, np.float32)
    y = np.random.default_rng(0).integers(0, c, x.shape[0])
    one = xentc.sparse_softmax_cross_entropy(x, y, n_threads=1)
    assert xentc.sparse_softmax_cross_entropy(x, y, n_threads=n_threads) == one or np.isnan(one)
    ok = np.isfinite(x).all(axis=1)
    xo, yo = x[ok], y[ok]
    one = xentc.sparse_softmax_cross_entropy(xo, yo, n_threads=1)
    assert xentc.sparse_softmax_cross_entropy(xo, yo, n_threads=n_threads) == one
    np.testing.assert_array_equal(
        xentc.softmax(x, n_threads=n_threads), xentc.softmax(x, n_threads=1)
    )


@pytest.mark.parametrize("c", [2, 3, 7, 12, 20, 63])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_grouped_columnar_kernel(simd, dtype, c):
    """groups of up to 63 classes take the grouped columnar kernel (the same
    transposes, several column chunks)"""
    groups = [c, 3]
    x = _logits(N, c + 3, dtype, specials=False)
    rng = np.random.default_rng(c)
    lab = np.stack([rng.integers(0, c, N), rng.integers(0, 3, N)], axis=1)
    kw = dict(groups=groups, reduction="sum")
    expected = ref.grouped_softmax_cross_entropy(x, lab, **kw)
    assert_close(xentc.grouped_softmax_cross_entropy(x, lab, **kw), expected, dtype)


# ---- dense targets: the sign check in the kernel's pass --------------------


@pytest.mark.parametrize("n_threads", THREADS)
@pytest.mark.parametrize("c", [4, 40])  # the columnar kernel and the row kernel
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_negative_target_reported_at_first_position(simd, dtype, c, n_threads):
    n = 30_000  # several row blocks, so several threads see bad rows
    x = _logits(n, c, dtype, specials=False)
    t = np.full((n, c), 1.0 / c, dtype=dtype)
    t[25_000, 1] = -0.5
    t[9_001, c - 1] = -2.0
    t[9_001, c - 2] = -3.0
    t[9_002, 0] = -1.0
    x0, t0 = x.copy(), t.copy()
    msg = re.escape(
        f"targets must be non-negative; got {t[9_001, c - 2]} at position (9001, {c - 2})"
    )
    with pytest.raises(ValueError, match=msg):  # loss only: found by the kernel
        xentc.softmax_cross_entropy(x, t, n_threads=n_threads)
    with pytest.raises(ValueError, match=msg):
        xentc.softmax_cross_entropy(x, t, reduction="none", n_threads=n_threads)
    est = xentc.SoftmaxCrossEntropy(n_threads=n_threads)
    with pytest.raises(ValueError, match=msg):  # gradient: checked before anything is written
        est.loss_gradient(x, t, out=x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(t, t0)


@pytest.mark.parametrize("c", [4, 40])
def test_negative_target_in_a_limits_row(c):
    x = _logits(100, c, np.float32, specials=False)
    x[60, 0] = np.inf
    t = np.full((100, c), 1.0 / c, dtype=np.float32)
    t[60, 2] = -1.0
    with pytest.raises(ValueError, match=r"at position \(60, 2\)"):
        xentc.softmax_cross_entropy(x, t)


@pytest.mark.parametrize("c", [4, 40])
def test_nan_and_negative_zero_targets_pass_the_sign_check(c):
    x = _logits(100, c, np.float32, specials=False)
    t = np.full((100, c), 1.0 / c, dtype=np.float32)
    t[10, 0] = -0.0
    assert np.isfinite(xentc.softmax_cross_entropy(x, t))
    t[20, 1] = np.nan
    assert np.isnan(xentc.softmax_cross_entropy(x, t))
