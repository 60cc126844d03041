"""Parity of xentc.compat.scipy with scipy.special (the oracle).

Same values, shapes, dtypes and result types (NumPy scalars for 0-d) for
every dimensionality and axis (None, int, negative, tuples), keepdims, the
weights `b` (zero, positive, mixed signs with return_sign) and the edge
cases (+/-inf, NaN, empty, scalars, integer input).

Tolerance: 1e-12 relative in float64, 1e-5 in float32, plus an absolute term
of a few ulps where SciPy's own formula carries one: log_softmax near 0 and
logsumexp near 0 are differences of O(|x|) terms, and a sum with weights of
both signs loses digits in proportion to its condition number.
"""

import numpy as np
import pytest

ss = pytest.importorskip("scipy.special")

import compat_report
from compat_report import readonly

from xentc.compat import scipy as xs

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def dname(dtype):
    return np.dtype(dtype).name


def record(what, dtype, ours, ref):
    compat_report.record("scipy", what, dtype, ours, ref)


def assert_parity(ours, ref, dtype, what, atol=0.0):
    assert type(ours) is type(ref), f"{what}: type {type(ours)} != scipy {type(ref)}"
    assert np.shape(ours) == np.shape(ref), f"{what}: shape {np.shape(ours)} != {np.shape(ref)}"
    assert np.asarray(ours).dtype == np.asarray(ref).dtype, (
        f"{what}: dtype {np.asarray(ours).dtype} != scipy {np.asarray(ref).dtype}"
    )
    o, r = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    same = (o == r) | (np.isnan(o) & np.isnan(r))
    with np.errstate(invalid="ignore"):
        close = np.abs(o - r) <= RTOL[dtype] * np.abs(r) + atol
    bad = ~(same | close)
    assert not bad.any(), (
        f"{what}: {np.count_nonzero(bad)} of {bad.size} differ; "
        f"first: ours {o[bad][0]!r} scipy {r[bad][0]!r}"
    )
    record(what, dtype, o, r)


SHAPES = {"1-d": (11,), "2-d": (6, 9), "3-d": (3, 4, 5), "4-d": (2, 3, 2, 4)}
AXES = [None, 0, -1, 1, (0, 2), (-1, 0), (2, 0, 1), (1, 3)]


def cases():
    """(shape name, axis) pairs that are valid for the shape."""
    out = []
    for name, shape in SHAPES.items():
        for axis in AXES:
            axes = () if axis is None else (axis if isinstance(axis, tuple) else (axis,))
            in_bounds = all(-len(shape) <= a < len(shape) for a in axes)
            if in_bounds and len({a % len(shape) for a in axes}) == len(axes):
                out.append((name, axis))
    return out


def _data(shape, dtype, seed, scale=4.0):
    return readonly((np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype))


def _lse_atol(a, dtype):
    return 4 * np.finfo(dtype).eps * (1 + np.max(np.abs(a), initial=0))


@pytest.mark.parametrize("keepdims", [False, True], ids=["", "keepdims"])
@pytest.mark.parametrize("shape_key,axis", cases(), ids=lambda v: f"{v}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_logsumexp(dtype, shape_key, axis, keepdims):
    a = _data(SHAPES[shape_key], dtype, 0)
    what = f"logsumexp {dname(dtype)} {shape_key} axis={axis} keepdims={keepdims}"
    assert_parity(
        xs.logsumexp(a, axis, keepdims=keepdims),
        ss.logsumexp(a, axis, keepdims=keepdims),
        dtype,
        what,
        _lse_atol(a, dtype),
    )
    _ours, sign = xs.logsumexp(a, axis, keepdims=keepdims, return_sign=True)
    _ref, ref_sign = ss.logsumexp(a, axis, keepdims=keepdims, return_sign=True)
    assert_parity(sign, ref_sign, dtype, what + " sign")


@pytest.mark.parametrize("b_kind", ["positive", "with-zeros", "broadcast-row", "scalar"])
@pytest.mark.parametrize("shape_key,axis", cases(), ids=lambda v: f"{v}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_logsumexp_positive_weights(dtype, shape_key, axis, b_kind):
    shape = SHAPES[shape_key]
    a = _data(shape, dtype, 1)
    rng = np.random.default_rng(2)
    b = {
        "positive": lambda: rng.uniform(0.1, 3, shape),
        "with-zeros": lambda: rng.uniform(0.1, 3, shape) * (rng.uniform(size=shape) > 0.3),
        "broadcast-row": lambda: rng.uniform(0.1, 3, shape[-1:]),
        "scalar": lambda: 2.5,
    }[b_kind]()
    b = np.asarray(b, dtype=dtype)
    what = f"logsumexp b={b_kind} {dname(dtype)} {shape_key} axis={axis}"
    atol = _lse_atol(a, dtype) + 4 * np.finfo(dtype).eps * np.log(3)
    for sign in (False, True):
        assert_parity(
            xs.logsumexp(a, axis, b=b, return_sign=sign)[0]
            if sign
            else xs.logsumexp(a, axis, b=b),
            ss.logsumexp(a, axis, b=b, return_sign=sign)[0]
            if sign
            else ss.logsumexp(a, axis, b=b),
            dtype,
            what,
            atol,
        )


@pytest.mark.parametrize("shape_key,axis", cases(), ids=lambda v: f"{v}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_logsumexp_mixed_sign_weights(dtype, shape_key, axis):
    shape = SHAPES[shape_key]
    a = _data(shape, dtype, 3, scale=1.0)
    b = np.random.default_rng(4).normal(size=shape).astype(dtype)
    ours, sign = xs.logsumexp(a, axis, b=b, return_sign=True)
    ref, ref_sign = ss.logsumexp(a, axis, b=b, return_sign=True)
    # cancellation: the result is only as good as sum|b e^a| / |sum b e^a| allows
    ea = np.abs(b.astype(np.float64)) * np.exp(a.astype(np.float64))
    signed = b.astype(np.float64) * np.exp(a.astype(np.float64))
    cond = np.sum(ea, axis=axis) / np.abs(np.sum(signed, axis=axis))
    atol = 16 * np.finfo(dtype).eps * cond * (1 + np.max(np.abs(a)))
    what = f"logsumexp mixed-sign b {dname(dtype)} {shape_key} axis={axis}"
    assert_parity(ours, ref, dtype, what, atol)
    assert_parity(sign, ref_sign, dtype, what + " sign")
    no_sign = xs.logsumexp(a, axis, b=b)
    assert_parity(no_sign, ss.logsumexp(a, axis, b=b), dtype, what + " (NaN where negative)", atol)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape_key,axis", cases(), ids=lambda v: f"{v}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_softmax_family(dtype, shape_key, axis, op):
    x = _data(SHAPES[shape_key], dtype, 5)
    atol = 4 * np.finfo(dtype).eps if op == "log_softmax" else 0.0
    assert_parity(
        getattr(xs, op)(x, axis),
        getattr(ss, op)(x, axis),
        dtype,
        f"{op} {dname(dtype)} {shape_key} axis={axis}",
        atol,
    )


@pytest.mark.parametrize("op", ["expit", "log_expit"])
@pytest.mark.parametrize("shape", [(), (17,), (4, 5), (2, 3, 4), (0,)], ids=lambda s: f"shape={s}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_expit_family(dtype, shape, op):
    x = _data(shape, dtype, 6, scale=20.0)
    x = x[()] if x.ndim == 0 else x
    assert_parity(getattr(xs, op)(x), getattr(ss, op)(x), dtype, f"{op} {dname(dtype)} {shape}")


@pytest.mark.parametrize("op", ["expit", "log_expit"])
def test_expit_out_argument(op):
    x = np.linspace(-30, 30, 13)
    out = np.empty_like(x)
    res = getattr(xs, op)(x, out=out)
    assert res is out
    assert_parity(out, getattr(ss, op)(x), np.float64, f"{op} out=")


@pytest.mark.parametrize(
    "x",
    [
        [np.inf, 1.0],
        [-np.inf, -np.inf],
        [np.nan, 1.0],
        [np.inf, -np.inf],
        [-np.inf, 2.0],
        [1000.0, 999.0],
        [-1000.0, -1001.0],
    ],
    ids=["+inf", "all-inf", "nan", "+inf,-inf", "-inf,finite", "large", "very-negative"],
)
def test_logsumexp_special_values(x):
    for sign in (False, True):
        assert_parity(
            xs.logsumexp(x, return_sign=sign),
            ss.logsumexp(x, return_sign=sign),
            np.float64,
            f"logsumexp of {x} return_sign={sign}",
        )


@pytest.mark.parametrize(
    "a,b",
    [
        ([1.0, 2.0], [1.0, -1.0]),
        ([np.inf, 1.0], [0.0, 1.0]),
        ([np.nan, 1.0], [0.0, 1.0]),
        ([np.inf, np.inf], [1.0, -1.0]),
        ([1.0, 1.0], [1.0, -1.0]),
        ([0.0, 0.0], [0.0, 0.0]),
        ([np.inf, 1.0], [-1.0, 1.0]),
        ([2.0, 1.0], [-1.0, 1.0]),
    ],
    ids=[
        "negative-sum",
        "inf-with-zero-weight",
        "nan-with-zero-weight",
        "inf-minus-inf",
        "exact-cancellation",
        "all-zero-weights",
        "minus-inf-sum",
        "negative-finite",
    ],
)
def test_logsumexp_weights_special_values(a, b):
    for sign in (False, True):
        assert_parity(
            xs.logsumexp(a, b=b, return_sign=sign),
            ss.logsumexp(a, b=b, return_sign=sign),
            np.float64,
            f"logsumexp of {a} b={b} return_sign={sign}",
        )


@pytest.mark.parametrize(
    "x",
    [[-np.inf, 1.0], [-np.inf, -np.inf], [np.nan, 1.0], [1e308, 0.0]],
    ids=["-inf", "all-inf", "nan", "huge"],
)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_special_values_that_match(op, x):
    with np.errstate(invalid="ignore"):  # SciPy's own inf - inf
        ref = getattr(ss, op)(x)
    assert_parity(getattr(xs, op)(x), ref, np.float64, f"{op} of {x}")


@pytest.mark.parametrize("op,expect", [("softmax", [1.0, 0.0]), ("log_softmax", [0.0, -np.inf])])
def test_softmax_plus_inf_takes_the_limit(op, expect):
    """SciPy computes inf - inf = NaN; xentc gives all the mass to the +inf entry."""
    with np.errstate(invalid="ignore"):
        assert np.isnan(getattr(ss, op)([np.inf, 1.0])[0])
    np.testing.assert_array_equal(getattr(xs, op)([np.inf, 1.0]), expect)


@pytest.mark.parametrize(
    "shape,axis",
    [((0, 3), 0), ((0, 3), 1), ((2, 0), 1), ((0,), None), ((3, 0, 2), 1)],
    ids=lambda v: f"{v}",
)
def test_empty(shape, axis):
    a = np.zeros(shape)
    for sign in (False, True):
        assert_parity(
            xs.logsumexp(a, axis, return_sign=sign),
            ss.logsumexp(a, axis, return_sign=sign),
            np.float64,
            f"logsumexp empty {shape} axis={axis} sign={sign}",
        )
    for op in ("softmax", "log_softmax"):
        ours = getattr(xs, op)(a, axis)
        try:
            ref = getattr(ss, op)(a, axis)
        except ValueError:  # SciPy cannot take the max over an empty axis
            ref = np.zeros(shape)
        assert_parity(ours, ref, np.float64, f"{op} empty {shape} axis={axis}")


def test_empty_with_axis_none_of_a_2d_array():
    """SciPy 1.17 raises IndexError here; xentc returns log(0) = -inf."""
    assert xs.logsumexp(np.zeros((2, 0))) == -np.inf


@pytest.mark.parametrize("value", [3.0, np.float32(3.0), 7], ids=["float", "float32", "int"])
def test_scalars_and_integers(value):
    for op in ("logsumexp", "softmax", "log_softmax", "expit", "log_expit"):
        dtype = np.float32 if isinstance(value, np.float32) else np.float64
        assert_parity(getattr(xs, op)(value), getattr(ss, op)(value), dtype, f"{op} of {value!r}")
    ints = np.arange(12).reshape(3, 4)
    assert_parity(
        xs.logsumexp(ints, axis=1), ss.logsumexp(ints, axis=1), np.float64, "logsumexp int"
    )
    assert_parity(xs.softmax(ints, axis=0), ss.softmax(ints, axis=0), np.float64, "softmax int")


def test_weight_dtype_promotion():
    a = np.float32([1.0, 2.0, 3.0])
    b = np.float64([1.0, 0.5, 2.0])
    assert_parity(
        xs.logsumexp(a, b=b), ss.logsumexp(a, b=b), np.float64, "logsumexp float32 a, float64 b"
    )


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda m: m.logsumexp(np.zeros((2, 3)), axis=2), np.exceptions.AxisError),
        (lambda m: m.logsumexp(np.zeros((2, 3)), axis=(0, 0)), ValueError),
        (lambda m: m.logsumexp(np.zeros((2, 3)), b=np.ones(4)), ValueError),
        (lambda m: m.softmax(np.zeros((2, 3)), axis=-3), np.exceptions.AxisError),
        (lambda m: m.log_softmax(np.zeros((2, 3)), axis=(1, -1)), ValueError),
    ],
    ids=[
        "axis-out-of-range",
        "duplicate-axes",
        "b-not-broadcastable",
        "softmax-axis",
        "log_softmax-duplicate-axes",
    ],
)
def test_errors_match_scipy(call, error):
    with pytest.raises(error):
        call(ss)
    with pytest.raises(error):
        call(xs)


def test_inputs_are_never_modified():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(4, 5))
    b = rng.normal(size=(4, 5))
    before = (a.copy(), b.copy())
    xs.logsumexp(a, axis=(0, 1), b=b, return_sign=True)
    xs.softmax(a, axis=(1, 0))
    xs.log_softmax(a, axis=0)
    xs.expit(a)
    np.testing.assert_array_equal(a, before[0])
    np.testing.assert_array_equal(b, before[1])


@pytest.mark.parametrize("op", ["logsumexp", "softmax", "log_softmax", "expit", "log_expit"])
def test_float16_computes_and_returns_float32(op):
    """xentc's rule (DESIGN.md 3): float16 is upcast; SciPy would stay in float16
    (expit: go to float64). The values are float32-accurate."""
    x = np.linspace(-6, 6, 25, dtype=np.float16).reshape(5, 5)
    ours = getattr(xs, op)(x)
    assert np.asarray(ours).dtype == np.float32
    ref = getattr(ss, op)(x.astype(np.float64))
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6, err_msg=f"{op} float16")
