"""The fused per-row scoring kernel (src/body_rowstats.h via xentc._rowstats)
against its NumPy twin, the sparse CE kernel (bit for bit), scikit-learn's
top-k ties and mpmath; every SIMD target, dtype, layout and thread count."""

import mpmath
import numpy as np
import pytest
from conftest import DTYPES, RTOL, THREADS, layouts
from sklearn.metrics import top_k_accuracy_score

import xentc
from xentc import _reference as ref
from xentc._rowstats import WANTS, argmax_rows, row_stats
from xentc.losses import sparse_softmax_cross_entropy

ALL = ("loss", "argmax", "top", "rank", "p_top", "sq")
WIDTHS = [1, 2, 3, 10, 17, 1000]


def make(rng, n, c, dtype, ties=False):
    if ties:  # few distinct values: ties at the max and at the label
        x = rng.integers(-2, 3, size=(n, c)).astype(dtype)
    else:
        x = (rng.standard_normal((n, c)) * 4).astype(dtype)
    return x, rng.integers(0, c, size=n)


def check_row_stats(x, y, got, dtype, n_threads):
    want = ref.row_stats(x, y)
    np.testing.assert_array_equal(got["argmax"], want["argmax"])
    np.testing.assert_array_equal(got["top"], x[np.arange(x.shape[0]), want["argmax"]])
    np.testing.assert_array_equal(got["rank"], want["rank"])
    loss = sparse_softmax_cross_entropy(x, y, reduction="none", n_threads=n_threads)
    np.testing.assert_array_equal(got["loss"], loss)  # bit for bit, NaN included
    assert got["loss"].dtype == dtype and got["p_top"].dtype == dtype
    np.testing.assert_allclose(got["p_top"], want["p_top"], rtol=RTOL[dtype], atol=0)
    np.testing.assert_allclose(
        got["sq"], want["sq"], rtol=RTOL[dtype] * 4, atol=1e-15 if dtype == np.float64 else 1e-7
    )


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("c", WIDTHS, ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_reference(simd, dtype, c, ties):
    rng = np.random.default_rng(c)
    x, y = make(rng, 301 if c < 1000 else 23, c, dtype, ties)
    check_row_stats(x, y, row_stats(x, y, want=ALL, n_threads=1), dtype, 1)


@pytest.mark.parametrize("c", [2, 3, 10, 17, 300], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_threads_bit_identical(dtype, c):
    # more rows than one block (and an odd count, for the C=2 vector tail)
    rng = np.random.default_rng(7)
    x, y = make(rng, 20011 if c < 300 else 611, c, dtype)
    x[5, 1] = np.inf
    runs = [row_stats(x, y, want=ALL, n_threads=t) for t in THREADS]
    for t, got in zip(THREADS, runs):
        for name in ALL:
            np.testing.assert_array_equal(got[name], runs[0][name], err_msg=f"{name} t={t}")
        check_row_stats(x, y, got, dtype, t)


@pytest.mark.parametrize("c", [3, 17], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_layouts(dtype, c):
    rng = np.random.default_rng(3)
    x, y = make(rng, 97, c, dtype, ties=True)
    base = row_stats(np.ascontiguousarray(x), y, want=ALL)
    for name, arr in layouts(x):
        got = row_stats(arr, y, want=ALL)
        for key in ALL:
            np.testing.assert_array_equal(got[key], base[key], err_msg=f"{key} layout={name}")
        assert np.array_equal(arr, x)  # input untouched


def special_rows(c, dtype):
    """Rows with NaN (first, middle, last), +inf (one, two), -inf, all -inf."""
    rng = np.random.default_rng(c)
    rows = []
    for pos in sorted({0, c // 2, c - 1}):
        r = rng.standard_normal(c)
        r[pos] = np.nan
        rows.append(r)
    r = rng.standard_normal(c)
    r[c - 1] = np.inf
    rows.append(r)
    if c > 2:
        r = rng.standard_normal(c)
        r[[1, c - 1]] = np.inf
        rows.append(r)
    r = rng.standard_normal(c)
    r[0] = -np.inf
    rows.append(r)
    rows.append(np.full(c, -np.inf))
    r = np.full(c, -np.inf)
    r[c - 1] = 2.0
    rows.append(r)
    x = np.array(rows, dtype=dtype)
    return x, rng.integers(0, c, size=x.shape[0])


@pytest.mark.parametrize("c", [2, 3, 10, 17, 40], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_nan_and_inf_rows(simd, dtype, c):
    x, y = special_rows(c, dtype)
    # embed them among ordinary rows so the fast paths run around them
    rng = np.random.default_rng(1)
    plain, py = make(rng, 70, c, dtype)
    x, y = np.concatenate([plain[:33], x, plain[33:]]), np.concatenate([py[:33], y, py[33:]])
    got = row_stats(x, y, want=ALL)
    want = ref.row_stats(x, y)
    np.testing.assert_array_equal(got["argmax"], np.argmax(x, axis=1))
    np.testing.assert_array_equal(got["top"], x[np.arange(x.shape[0]), np.argmax(x, axis=1)])
    np.testing.assert_array_equal(got["rank"], want["rank"])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(
            got["loss"], sparse_softmax_cross_entropy(x, y, reduction="none")
        )
    np.testing.assert_allclose(got["p_top"], want["p_top"], rtol=RTOL[dtype], equal_nan=True)
    np.testing.assert_allclose(
        got["sq"], want["sq"], rtol=RTOL[dtype] * 4, atol=1e-7, equal_nan=True
    )
    nan_rows = np.isnan(x).any(axis=1)
    assert np.isnan(got["p_top"][nan_rows]).all() and np.isnan(got["sq"][nan_rows]).all()


@pytest.mark.parametrize("c", [3, 10, 17, 100], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_argmax_only_and_without_labels(simd, dtype, c):
    x, _ = special_rows(c, dtype)
    rng = np.random.default_rng(2)
    x = np.concatenate([x, make(rng, 200, c, dtype, ties=True)[0]])
    top, has_nan = argmax_rows(x)
    np.testing.assert_array_equal(top, np.argmax(x, axis=1))
    assert has_nan
    top, has_nan = argmax_rows(x[~np.isnan(x).any(axis=1)])
    assert not has_nan
    got = row_stats(x, want=("argmax", "p_top", "sq"))
    want = ref.row_stats(x)
    np.testing.assert_array_equal(got["argmax"], np.argmax(x, axis=1))
    np.testing.assert_allclose(got["sq"], want["sq"], rtol=RTOL[dtype] * 4, equal_nan=True)


@pytest.mark.parametrize("c", [2, 3, 17], ids=lambda c: f"C={c}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_probabilities(simd, dtype, c):
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(c), size=150).astype(dtype)
    p[:20] = np.round(p[:20], 1)  # ties
    y = rng.integers(0, c, size=150)
    got = row_stats(p, y, want=("argmax", "rank", "p_top", "sq"), probabilities=True)
    want = ref.row_stats(p, y, probabilities=True)
    np.testing.assert_array_equal(got["argmax"], want["argmax"])
    np.testing.assert_array_equal(got["rank"], want["rank"])
    np.testing.assert_array_equal(got["p_top"], p.max(axis=1))
    np.testing.assert_array_equal(
        row_stats(p, want=("top",), probabilities=True)["top"], p.max(axis=1)
    )
    np.testing.assert_allclose(got["sq"], want["sq"], rtol=1e-12)
    q = np.array(p)
    q[3, c - 1] = np.nan
    assert row_stats(q, want=("argmax",), probabilities=True)["argmax"][3] == c - 1


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_rank_is_sklearn_top_k(dtype, k):
    rng = np.random.default_rng(k)
    x, y = make(rng, 500, 6, dtype, ties=True)
    hits = row_stats(x, y, want=("rank",))["rank"] < k
    assert hits.mean() == top_k_accuracy_score(y, x, k=k, labels=np.arange(6))
    assert xentc.metrics.top_k_accuracy_score(y, x, k=k, labels=np.arange(6)) == hits.mean()


@pytest.mark.parametrize("c", [3, 40], ids=lambda c: f"C={c}")
def test_confident_squared_error_mpmath(c):
    """Design D: a confident right row keeps its tiny squared error (the
    textbook sum p^2 - 2 p_y + 1 gives 0 or noise of 1e-16)."""
    x = np.zeros((4, c))
    y = np.array([0, 1, c - 1, 2])
    for i, gap in enumerate([20.0, 30.0, 8.0, 0.5]):
        x[i, y[i]] = gap
    x[3, 0] = 0.5  # a tie at the max with the label
    got = row_stats(x, y, want=("sq",))["sq"]
    mpmath.mp.dps = 50
    for i in range(4):
        e = [mpmath.exp(mpmath.mpf(v)) for v in x[i]]
        s = sum(e)
        exact = sum((ej / s - (1 if j == y[i] else 0)) ** 2 for j, ej in enumerate(e))
        assert abs(got[i] - float(exact)) <= 1e-12 * float(exact), (i, got[i], exact)


def test_bad_requests():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="need labels"):
        row_stats(x, want=("rank",))
    with pytest.raises(ValueError, match="logits only"):
        row_stats(x, [0, 1], want=("loss",), probabilities=True)
    with pytest.raises(ValueError, match="want must name"):
        row_stats(x, want=("median",))
    assert set(WANTS) == set(ALL)


def test_accuracy_nan_error_unchanged():
    x = np.zeros((10, 4), dtype=np.float32)
    x[5, 3] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN at position \(5, 3\)"):
        xentc.metrics.accuracy(np.zeros(10, dtype=int), x)
    with pytest.raises(ValueError, match=r"y_pred contains NaN at position \(5, 3\)"):
        xentc.metrics.sparse_categorical_accuracy(np.zeros(10, dtype=int), x)
    with pytest.raises(ValueError, match=r"y_pred contains NaN at position \(5, 3\)"):
        xentc.metrics.categorical_accuracy(np.eye(4)[np.zeros(10, dtype=int)], x)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_accuracy_paths_match_numpy_argmax(dtype):
    rng = np.random.default_rng(9)
    x, y = make(rng, 1000, 7, dtype, ties=True)
    want = float(np.mean(np.argmax(x, axis=1) == y))
    assert xentc.metrics.accuracy(y, x, from_logits=True) == want
    assert xentc.metrics.sparse_categorical_accuracy(y, x) == want
    assert xentc.metrics.categorical_accuracy(np.eye(7)[y], x) == want
    swapped = x.astype(x.dtype.newbyteorder())  # non-native order: NumPy's argmax path
    assert xentc.metrics.accuracy(y, swapped, from_logits=True) == want
    assert xentc.metrics.top_k_accuracy_score(
        y, swapped, k=2, labels=np.arange(7)
    ) == xentc.metrics.top_k_accuracy_score(y, x, k=2, labels=np.arange(7))
