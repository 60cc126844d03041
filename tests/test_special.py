"""xentc.special against the NumPy twins (xentc._reference) and scipy.special:
every dtype, shapes from empty to long rows, every axis, memory layouts,
thread counts and SIMD targets; +/-inf, NaN and extreme values."""

import numpy as np
import pytest
import scipy.special as sps
from conftest import DTYPES, THREADS, assert_close, layouts

import xentc
from xentc import _reference as ref

SHAPES = [(0, 3), (1, 1), (3, 0), (1, 17), (5, 2), (33, 3), (17, 1000), (2, 50000), (1000, 10)]
ROW_OPS = ["logsumexp", "softmax", "log_softmax"]


def _data(shape, dtype, seed=0, scale=5.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _call(op, x, **kw):
    return getattr(xentc, op)(x, **kw)


def _ref(op, x, **kw):
    return getattr(ref, op)(x, **kw)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", ROW_OPS)
def test_rows_match_reference(simd, op, dtype, shape):
    x = _data(shape, dtype)
    expected = _ref(op, x)
    for name, xv in layouts(x):
        got = _call(op, xv)
        assert got.dtype == dtype and got.shape == expected.shape, f"{op} layout={name}"
        assert_close(got, expected, dtype, err_msg=f"{op} {shape} layout={name}")


@pytest.mark.parametrize("n_threads", THREADS)
@pytest.mark.parametrize("op", ROW_OPS + ["sigmoid", "log_sigmoid"])
def test_threads_bit_identical(op, n_threads):
    x = _data((3000, 97), np.float32, seed=1)
    one = _call(op, x, n_threads=1)
    np.testing.assert_array_equal(_call(op, x, n_threads=n_threads), one)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, None])
@pytest.mark.parametrize("op", ROW_OPS)
def test_axes_match_scipy(op, axis):
    x = _data((4, 5, 6), np.float64, seed=2)
    sp = {"logsumexp": sps.logsumexp, "softmax": sps.softmax, "log_softmax": sps.log_softmax}[op]
    np.testing.assert_allclose(_call(op, x, axis=axis), sp(x, axis=axis), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [0, -1, None])
def test_logsumexp_keepdims(axis, keepdims):
    x = _data((3, 4), np.float64)
    np.testing.assert_allclose(
        xentc.logsumexp(x, axis=axis, keepdims=keepdims),
        sps.logsumexp(x, axis=axis, keepdims=keepdims),
        rtol=1e-14,
    )


def test_scalar_and_1d_inputs():
    assert xentc.logsumexp(2.5) == pytest.approx(2.5)
    assert xentc.softmax(3.0) == 1.0
    np.testing.assert_allclose(
        xentc.softmax([1.0, 2.0, 3.0]), sps.softmax([1.0, 2.0, 3.0]), rtol=1e-15
    )
    assert xentc.sigmoid(0.0) == 0.5
    assert xentc.logsumexp([1, 2, 3]).dtype == np.float64  # integers compute in float64
    assert xentc.softmax(np.ones(3, np.float16)).dtype == np.float32  # float16 upcast


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_limits_with_infinities(simd, dtype):
    inf, nan = np.inf, np.nan
    x = np.array(
        [
            [inf, 0.0, 1.0],  # one +inf: softmax one-hot
            [inf, inf, -1.0],  # two +inf share the mass
            [-inf, -inf, -inf],  # undefined
            [-inf, 0.0, 0.0],  # -inf gets probability 0
            [nan, 0.0, 1.0],  # NaN row
            [inf, nan, 0.0],
        ],  # NaN wins over inf
        dtype=dtype,
    )
    sm = xentc.softmax(x)
    np.testing.assert_array_equal(sm[0], [1, 0, 0])
    np.testing.assert_array_equal(sm[1], [0.5, 0.5, 0])
    assert np.isnan(sm[2]).all() and np.isnan(sm[4]).all() and np.isnan(sm[5]).all()
    np.testing.assert_allclose(sm[3], [0, 0.5, 0.5])
    lse = xentc.logsumexp(x)
    assert lse[0] == inf and lse[1] == inf and lse[2] == -inf
    assert lse[3] == pytest.approx(np.log(2)) and np.isnan(lse[4]) and np.isnan(lse[5])
    ls = xentc.log_softmax(x)
    np.testing.assert_array_equal(ls[0], [0, -inf, -inf])
    np.testing.assert_allclose(ls[1], [-np.log(2), -np.log(2), -inf])
    assert ls[3][0] == -inf
    assert_close(ls, ref.log_softmax(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_extreme_logits_do_not_overflow(simd, dtype):
    x = np.array(
        [[1e4, -1e4, 0.0], [-1e4, -1e4 + 1, -1e4], [3e38 if dtype == np.float32 else 1e300, 0, 0]],
        dtype=dtype,
    )
    assert np.isfinite(xentc.logsumexp(x)).all()
    assert_close(xentc.logsumexp(x), ref.logsumexp(x), dtype)
    assert_close(xentc.softmax(x), ref.softmax(x), dtype)
    assert_close(xentc.log_softmax(x), ref.log_softmax(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_confident_softmax_keeps_relative_precision(simd, dtype):
    """log_softmax of the winning class is -log1p(tiny), not -log(1 + tiny) = 0."""
    gap = 30.0 if dtype == np.float32 else 60.0
    x = np.array([[gap, 0.0, 0.0]], dtype=dtype)
    expected = -np.log1p(2 * np.exp(-gap))
    got = xentc.log_softmax(x)[0, 0]
    assert got != 0 and abs(got - expected) <= 2 * abs(np.spacing(dtype(expected)))
    p = xentc.softmax(x.astype(dtype))[0]
    assert p[1] == pytest.approx(np.exp(-gap) / (1 + 2 * np.exp(-gap)), rel=1e-6)


@pytest.mark.parametrize("n", list(range(34)) + [1000, 100001])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sigmoid_and_log_sigmoid(simd, dtype, n):
    x = np.concatenate([_data(n, np.float64, seed=n, scale=20.0)])[:n].astype(dtype)
    assert_close(xentc.sigmoid(x), sps.expit(x.astype(np.float64)), dtype)
    assert_close(xentc.log_sigmoid(x), sps.log_expit(x.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sigmoid_edges(simd, dtype):
    x = np.array(
        [np.inf, -np.inf, np.nan, 0.0, -800.0, 800.0, 1e4, -1e4, np.finfo(dtype).tiny / 8],
        dtype=dtype,
    )
    s = xentc.sigmoid(x)
    ls = xentc.log_sigmoid(x)
    assert s[0] == 1 and s[1] == 0 and np.isnan(s[2]) and s[3] == 0.5
    assert ls[0] == 0 and ls[1] == -np.inf and np.isnan(ls[2])
    assert ls[6] == 0 and ls[7] == -1e4
    assert_close(ls[[4, 5]], sps.log_expit(x[[4, 5]].astype(np.float64)), dtype)
    # tiny tail probabilities keep their relative precision
    y = np.array([-80.0], dtype=dtype)
    assert xentc.sigmoid(y)[0] == pytest.approx(np.exp(-80.0), rel=1e-6)


@pytest.mark.parametrize("op", ["sigmoid", "log_sigmoid"])
def test_elementwise_layouts(op):
    x = _data((7, 9), np.float64)
    expected = _ref(op, x)
    for name, xv in layouts(x):
        np.testing.assert_allclose(_call(op, xv), expected, rtol=1e-14, err_msg=name)


@pytest.mark.parametrize("op", ROW_OPS + ["sigmoid", "log_sigmoid"])
def test_out_argument(op):
    x = _data((6, 5), np.float64)
    expected = _call(op, x)
    out = np.empty_like(expected)
    res = _call(op, x, out=out)
    assert res is out
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError, match="out must have shape"):
        _call(op, x, out=np.empty((2, 2)))
    with pytest.raises(TypeError, match="out must have dtype"):
        _call(op, x, out=np.empty(expected.shape, np.float32))


def test_in_place_sigmoid():
    x = _data(100, np.float64)
    expected = sps.expit(x)
    xentc.sigmoid(x, out=x)
    np.testing.assert_allclose(x, expected, rtol=1e-15)


@pytest.mark.parametrize("op", ROW_OPS + ["sigmoid", "log_sigmoid"])
def test_inputs_never_modified(op):
    x = _data((8, 11), np.float32)
    before = x.copy()
    _call(op, x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.array(["a", "b"]), TypeError, "real floating-point"),
        (np.array([1, 2], dtype=object), TypeError, "real floating-point"),
        (np.array([1 + 2j]), TypeError, "real floating-point"),
    ],
)
def test_bad_input_types(bad, exc, match):
    for op in ROW_OPS + ["sigmoid"]:
        with pytest.raises(exc, match=match):
            _call(op, bad)


def test_bad_axis_and_threads():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        xentc.softmax(x, axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        xentc.softmax(x, axis=1.5)
    with pytest.raises(ValueError, match="n_threads must be None or a positive int"):
        xentc.softmax(x, n_threads=0)
    with pytest.raises(TypeError, match="n_threads"):
        xentc.softmax(x, n_threads="2")


@pytest.mark.parametrize(
    "shape, axis", [((0,), 0), ((3, 0, 2), 1), ((3, 0, 2), 2), ((0, 4), 0), ((2, 0), -1)]
)
@pytest.mark.parametrize("op", ROW_OPS)
def test_empty_inputs_any_axis(op, shape, axis):
    x = np.zeros(shape)
    # scipy's softmax refuses empty input; the expected result is empty, same shape
    expected = sps.logsumexp(x, axis=axis) if op == "logsumexp" else x
    got = _call(op, x, axis=axis)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_out_may_be_the_input(op):
    """A C-contiguous `out` is written directly, so it may be `x` itself."""
    x = _data((40, 33), np.float32)
    expected = _call(op, x)
    buf = x.copy()
    assert _call(op, buf, out=buf) is buf
    np.testing.assert_array_equal(buf, expected)
