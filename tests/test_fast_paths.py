"""Per-call fast paths (xentc/_fast_paths.pxi): on every input they accept,
the public call gives bit for bit what the full validation path gives; every
input outside them (layouts, byte order, masked arrays, options, sizes, bad
values) takes the checked path, with its results and its error messages."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import DTYPES

import xentc
from xentc import _focal, _kernels
from xentc import losses as L
from xentc import metrics as M
from xentc import special as S

RNG = np.random.default_rng(20261130)
SHAPES_2D = [(1, 10), (1, 1), (3, 7), (17, 2), (64, 33)]
SHAPES = SHAPES_2D + [(10,), (1,), (129,)]


def logits(shape, dtype, scale=4.0):
    x = RNG.standard_normal(shape) * scale
    x.flat[:: max(1, x.size // 3)] *= 10  # some large magnitudes
    return x.astype(dtype)


def binary(shape, dtype):
    return (RNG.random(shape) < 0.4).astype(dtype)


def soft(shape, dtype):
    t = RNG.random(shape) ** 3
    return (t / t.sum(axis=-1, keepdims=True)).astype(dtype)


def probs(shape, dtype):
    p = RNG.random(shape)
    p[p < 0.1] = 0.0  # clipped entries
    p[..., -1] += 0.01  # no all-zero rows
    return (
        (p / p.sum(axis=-1, keepdims=True)).astype(dtype) if len(shape) == 2 else p.astype(dtype)
    )


def same(a, b):
    """Bit-identical results: values (NaN where NaN), dtype, shape, type."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, float):
        assert a == b or (np.isnan(a) and np.isnan(b)), (a, b)
        return
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    assert np.array_equal(a, b, equal_nan=True), np.max(np.abs(a - b))


# ---- accepted inputs: fast == checked, bit for bit --------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_primitives_identical(dtype, shape):
    for _ in range(5):
        x = logits(shape, dtype)
        x.flat[0] = RNG.choice([np.inf, -np.inf, np.nan, x.flat[0]])
        for op in ("softmax", "log_softmax"):
            assert getattr(_kernels, "fast_" + op)(x, -1, None) is not None
            same(
                getattr(S, op)(x), S._map_rows(getattr(_kernels, op + "_rows"), x, -1, None, None)
            )
            same(
                getattr(S, op)(x, axis=x.ndim - 1, n_threads=2),
                getattr(S, op)(x.copy(order="F"), axis=-1),
            )
        for keepdims in (False, True):
            got = S.logsumexp(x, keepdims=keepdims)
            want = S.logsumexp(x, keepdims=keepdims, out=np.empty_like(got))
            same(got, want)
        for op in ("sigmoid", "log_sigmoid"):
            assert getattr(_kernels, "fast_" + op)(x, None) is not None
            same(
                getattr(S, op)(x),
                S._elementwise(getattr(_kernels, op + "_elements"), x, None, None),
            )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES_2D, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_losses_identical(dtype, shape, reduction):
    n, c = shape
    for _ in range(5):
        x = logits(shape, dtype)
        y = RNG.integers(0, c, n).astype(RNG.choice(["int64", "int32", "uint8", "int16"]))
        t = soft(shape, dtype)
        for gamma in (0.0, 2.0, 0.5):
            got = L.sparse_softmax_cross_entropy(x, y, reduction=reduction, focal_gamma=gamma)
            same(_kernels.fast_sparse_softmax_ce(x, y, reduction, None, gamma), got)
            want = _focal.sparse_softmax(x, y, None, None, None, 0.0, reduction, None, gamma)[0]
            same(got, want)
            obj = L.SparseSoftmaxCrossEntropy(reduction=reduction, focal_gamma=gamma)
            same(obj(x, y), obj._run(x, y, None, reduction)[0])

            got = L.softmax_cross_entropy(x, t, reduction=reduction, focal_gamma=gamma)
            same(_kernels.fast_softmax_ce(x, t, reduction, None, gamma), got)
            same(got, _focal.soft_softmax(x, t, None, None, 0.0, reduction, None, gamma)[0])
            obj = L.SoftmaxCrossEntropy(reduction=reduction, focal_gamma=gamma)
            same(obj(x, t), obj._run(x, t, None, reduction)[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sigmoid_losses_identical(dtype, shape, reduction):
    k = shape[1] if len(shape) == 2 else 1
    for _ in range(4):
        z, t = logits(shape, dtype), binary(shape, dtype)
        t.flat[::3] = 0.25  # soft targets too
        pws = [None, 2.5, 0.0, np.array([3.0], dtype)]
        if k > 1:
            pws.append((RNG.random(k) * 4).astype(dtype))
        for pw in pws:
            for gamma, alpha in ((0.0, None), (2.0, None), (0.0, 0.25), (1.5, 0.75)):
                kw = dict(pos_weight=pw, reduction=reduction, focal_gamma=gamma, focal_alpha=alpha)
                got = L.sigmoid_cross_entropy(z, t, **kw)
                same(_kernels.fast_sigmoid_ce(z, t, pw, reduction, None, gamma, alpha), got)
                want = _focal.sigmoid(z, t, pw, None, 0.0, reduction, None, gamma, alpha)[0]
                same(got, want)
                obj = L.SigmoidCrossEntropy(**kw)
                same(obj(z, t), obj._run(z, t, None, reduction)[0])
        p = probs(shape, dtype)
        p.flat[0] = 1.0
        for eps in ("auto", 1e-3, 0.0):
            got = L.binary_cross_entropy(p, t, eps=eps, reduction=reduction)
            same(_kernels.fast_binary_ce(p, t, eps, reduction, None), got)
            same(got, L._binary_prob(p, t, eps, None, reduction, None)[0])
            obj = L.BinaryCrossEntropy(eps=eps, reduction=reduction)
            same(obj(p, t), obj._run(p, t, None, reduction)[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES_2D, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_categorical_identical(dtype, shape, reduction):
    n, c = shape
    for _ in range(4):
        p = probs(shape, dtype)
        y = RNG.integers(0, c, n)
        t = soft(shape, dtype)
        for target in (y, t):
            for eps in ("auto", 1e-4):
                got = L.categorical_cross_entropy(p, target, eps=eps, reduction=reduction)
                same(_kernels.fast_categorical_ce(p, target, eps, reduction, None), got)
                same(got, L._categorical_prob(p, target, eps, False, None, reduction, None)[0])
                obj = L.CategoricalCrossEntropy(eps=eps, reduction=reduction)
                same(obj(p, target), obj._run(p, target, None, reduction)[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 2), (20, 10), (40, 3), (300, 50)], ids=str)
def test_log_loss_identical(dtype, shape):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    from scipy.special import softmax

    n, c = shape
    for int_dtype in ("int64", "int32", "uint8", "int16"):
        y = RNG.permutation(np.arange(n) % c).astype(int_dtype)
        z = (RNG.standard_normal(shape) * 2).astype(dtype)  # no eps clipping in sklearn
        for normalize in (True, False):
            got = M.log_loss(y, z, from_logits=True, normalize=normalize)
            same(_kernels.fast_log_loss_logits(y, z, normalize), got)
            # np.bool_ is outside the fast path: the full, scikit-learn-compatible path
            same(got, M.log_loss(y, z, from_logits=True, normalize=np.bool_(normalize)))
            ref = sklearn_metrics.log_loss(
                y, softmax(z.astype(np.float64), axis=1), normalize=normalize
            )
            np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-9)


# ---- inputs outside the fast paths: declined, then the checked path ---------------


def outside_arrays(x):
    """Variants of x that hold its values but that no fast path serves."""
    out = [
        ("F-ordered", np.asfortranarray(x)),
        ("strided", np.repeat(x, 2, axis=-1)[..., ::2]),
        ("byteswapped", x.astype(x.dtype.newbyteorder())),
        ("list", x.tolist()),
        ("float16", x.astype(np.float16)),
        ("subclass", x.view(type("Sub", (np.ndarray,), {}))),
    ]
    return out


def test_outside_inputs_are_declined_and_checked():
    x = logits((3, 10), np.float32)
    z1 = x[:, 0].copy()
    t = binary((3, 10), np.float32)
    y = np.array([1, 2, 3])
    for name, v in outside_arrays(x):
        assert _kernels.fast_softmax(v, -1, None) is None, name
        assert _kernels.fast_sigmoid(v, None) is None, name
        assert _kernels.fast_sparse_softmax_ce(v, y, "mean", None) is None, name
        assert _kernels.fast_sigmoid_ce(v, t, None, "mean", None) is None, name
        assert _kernels.fast_sigmoid_ce(x, v, None, "mean", None) is None, name
        # the checked path computes the same function of the same values:
        # bit for bit what the fast path gives on their converted copy
        got = S.softmax(v)
        conv = np.ascontiguousarray(np.asarray(v), dtype=got.dtype)
        same(got, S.softmax(conv))
        same(S.sigmoid(v), S.sigmoid(conv))
        same(L.sparse_softmax_cross_entropy(v, y), L.sparse_softmax_cross_entropy(conv, y))
    # non-native byte order: declined, converted once, same bits as native
    sw = x.astype(x.dtype.newbyteorder())
    same(S.softmax(sw), S.softmax(x))
    same(L.sigmoid_cross_entropy(sw, t), L.sigmoid_cross_entropy(x, t))
    same(L.sparse_softmax_cross_entropy(sw, y.astype(">i8")), L.sparse_softmax_cross_entropy(x, y))
    # F-ordered 2-D input: declined, same values
    xf = np.asfortranarray(x)
    assert _kernels.fast_log_softmax(xf, -1, None) is None
    same(S.log_softmax(xf), S.log_softmax(x))
    same(
        L.softmax_cross_entropy(xf, soft(x.shape, np.float32) * 0 + 0.1),
        L.softmax_cross_entropy(x, np.full(x.shape, 0.1, np.float32)),
    )
    # 0-d, empty, >= the parallel threshold, other axes, out=: declined
    assert _kernels.fast_sigmoid(np.float32(1.0) * np.ones((), np.float32), None) is None
    assert _kernels.fast_softmax(np.ones((0, 3), np.float32), -1, None) is None
    big = logits((65536,), np.float32)
    assert _kernels.fast_sigmoid(big, None) is None
    same(S.sigmoid(big), S._elementwise(_kernels.sigmoid_elements, big, None, None))
    assert _kernels.fast_softmax(x, 0, None) is None
    assert _kernels.fast_softmax(x, np.int64(-1), None) is None
    assert _kernels.fast_sparse_softmax_ce(x, y, "none", None) is None
    assert _kernels.fast_sigmoid_ce(x, t, np.float32(2.0), "mean", None) is None
    assert _kernels.fast_sparse_softmax_ce(x, y.astype(np.float64), "mean", None) is None
    assert _kernels.fast_sparse_softmax_ce(x, y, "mean", np.int64(1)) is None
    assert _kernels.fast_sparse_softmax_ce(x, y, "mean", None, 2) is None  # int gamma
    assert _kernels.fast_sigmoid_ce(z1, t[:, 0], None, "mean", 0) is None
    assert _kernels.fast_sigmoid_ce(x, t.astype(np.float64), None, "mean", None) is None
    assert _kernels.fast_binary_ce(x * 0 + 0.5, t, 0, "mean", None) is None  # int eps
    # the checked path still serves what the fast path declines
    np.testing.assert_allclose(
        L.sigmoid_cross_entropy(x, t.astype(np.float64)), L.sigmoid_cross_entropy(x, t)
    )
    assert L.sparse_softmax_cross_entropy(x, y, reduction="none").shape == (3,)


def test_masked_arrays_still_refused():
    x = logits((2, 10), np.float32)
    m = np.ma.masked_array(x, mask=np.zeros_like(x, bool))
    y = np.array([1, 2])
    t = binary(x.shape, np.float32)
    for call in (
        lambda: S.softmax(m),
        lambda: S.sigmoid(m),
        lambda: S.logsumexp(m),
        lambda: L.sparse_softmax_cross_entropy(m, y),
        lambda: L.sparse_softmax_cross_entropy(x, np.ma.masked_array(y)),
        lambda: L.sigmoid_cross_entropy(x, np.ma.masked_array(t)),
        lambda: L.softmax_cross_entropy(m, t),
        lambda: L.binary_cross_entropy(np.ma.masked_array(t), t),
    ):
        with pytest.raises(TypeError, match="masked array"):
            call()


@pytest.mark.parametrize(
    "call,exc,pattern",
    [
        # values the fast path declines get the checked path's message
        (
            lambda x, t, y: L.sigmoid_cross_entropy(x, t * 2),
            ValueError,
            r"targets must be in \[0, 1\]",
        ),
        (
            lambda x, t, y: L.sigmoid_cross_entropy(x, t, pos_weight=-1.0),
            ValueError,
            "pos_weight must be non-negative",
        ),
        (
            lambda x, t, y: L.sigmoid_cross_entropy(
                x, t, pos_weight=np.full(10, np.nan, np.float32)
            ),
            ValueError,
            "pos_weight must be finite",
        ),
        (
            lambda x, t, y: L.sigmoid_cross_entropy(x, t, pos_weight=np.ones(3, np.float32)),
            ValueError,
            r"pos_weight must have shape \(10,\)",
        ),
        (
            lambda x, t, y: L.softmax_cross_entropy(x, -t),
            ValueError,
            "targets must be non-negative",
        ),
        (
            lambda x, t, y: L.sparse_softmax_cross_entropy(x, y + 10),
            ValueError,
            r"labels\[0\] = 1\d is out of range",
        ),
        (lambda x, t, y: L.sparse_softmax_cross_entropy(x, y - 5), ValueError, "out of range"),
        (
            lambda x, t, y: L.sparse_softmax_cross_entropy(x, y[:1]),
            ValueError,
            "labels has 1 entries",
        ),
        (
            lambda x, t, y: L.sparse_softmax_cross_entropy(x, y, reduction="avg"),
            ValueError,
            "reduction must be one of",
        ),
        (
            lambda x, t, y: L.sparse_softmax_cross_entropy(x, y, n_threads=0),
            ValueError,
            "n_threads must be None or a positive int",
        ),
        (
            lambda x, t, y: S.softmax(x, n_threads=True),
            TypeError,
            "n_threads must be None or a positive int",
        ),
        (lambda x, t, y: S.softmax(x, axis=2), ValueError, "axis 2 is out of bounds"),
        (
            lambda x, t, y: L.sparse_softmax_cross_entropy(x, y, focal_gamma=-1.0),
            ValueError,
            "focal_gamma must be a finite float",
        ),
        (
            lambda x, t, y: L.sigmoid_cross_entropy(x, t, focal_alpha=1.5),
            ValueError,
            "focal_alpha must be None or a float",
        ),
        (
            lambda x, t, y: L.binary_cross_entropy(t * 3, t),
            ValueError,
            r"probs must be in \[0, 1\]",
        ),
        (
            lambda x, t, y: L.binary_cross_entropy(t, t, eps=0.7),
            ValueError,
            r"eps must be in \[0, 0.5\)",
        ),
        (
            lambda x, t, y: L.categorical_cross_entropy(t * 3, y),
            ValueError,
            r"probs must be in \[0, 1\]",
        ),
        (lambda x, t, y: L.categorical_cross_entropy(t, y + 10), ValueError, "out of range"),
        (
            lambda x, t, y: M.log_loss(y[:1], x[:1], from_logits=True),
            ValueError,
            "y_true contains only one label",
        ),
        (
            lambda x, t, y: M.log_loss(np.arange(2), np.full((2, 10), np.nan), from_logits=True),
            ValueError,
            "Input contains NaN",
        ),
        (
            lambda x, t, y: M.log_loss(np.array([0, 1, 1]), x[:3], from_logits=True),
            ValueError,
            "different number of classes",
        ),
    ],
)
def test_refused_inputs_keep_their_messages(call, exc, pattern):
    x = logits((4, 10), np.float32)
    t = binary((4, 10), np.float32)
    y = np.array([1, 2, 3, 4])
    with pytest.raises(exc, match=pattern):
        call(x, t, y)


def test_negative_target_beside_nan_follows_the_checked_path():
    # the full check (np.min) lets a NaN hide a negative target; the fast
    # path declines such input rather than deciding differently
    x = logits((1, 4), np.float64)
    t = np.array([[np.nan, -1.0, 0.5, 0.5]])
    assert _kernels.fast_softmax_ce(x, t, "mean", None) is None
    same(L.softmax_cross_entropy(x, t), L._softmax_soft(x, t, None, None, 0.0, "mean", None)[0])


def test_fast_path_inputs_not_modified_and_labels_private():
    x = logits((3, 10), np.float32)
    y = np.array([1, 2, 3])
    t = binary(x.shape, np.float32)
    pw = np.linspace(0.5, 4, 10).astype(np.float32)
    before = [a.copy() for a in (x, y, t, pw)]
    L.sparse_softmax_cross_entropy(x, y)
    L.sigmoid_cross_entropy(x, t, pos_weight=pw)
    S.softmax(x)
    S.sigmoid(x)
    for a, b in zip((x, y, t, pw), before):
        np.testing.assert_array_equal(a, b)


def test_simd_targets_agree_through_fast_paths():
    x = logits((1, 10), np.float32)
    y = np.array([3])
    for target in xentc.available_simd_targets():
        with xentc.simd_target(target):
            got = L.sparse_softmax_cross_entropy(x, y)
            same(got, L._sparse_softmax(x, y, None, None, None, 0.0, "mean", None)[0])
            same(S.softmax(x), S._map_rows(_kernels.softmax_rows, x, -1, None, None))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_small_calls_open_no_openmp_region():
    # libgomp starts its worker threads at the first parallel region and keeps
    # them: a process that made only single-request calls has none
    code = """
import os, numpy as np, xentc
from xentc import losses as L, metrics as M
before = len(os.listdir("/proc/self/task"))
x = np.ones((1, 10), np.float32); y = np.array([3]); t = np.zeros((1, 10), np.float32)
for nt in (None, 4):
    xentc.softmax(x, n_threads=nt); xentc.logsumexp(x, n_threads=nt)
    xentc.sigmoid(x, n_threads=nt); L.sparse_softmax_cross_entropy(x, y, n_threads=nt)
    L.sigmoid_cross_entropy(x, t, pos_weight=np.ones(10, np.float32), n_threads=nt)
M.log_loss(np.arange(10), np.ones((10, 10), np.float32), from_logits=True)
mid = len(os.listdir("/proc/self/task"))
xentc.sigmoid(np.ones(1 << 20, np.float32), n_threads=2)
print(before, mid, len(os.listdir("/proc/self/task")))
"""
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    before, mid, after = map(int, res.stdout.split())
    assert mid == before, res.stdout
    if _kernels.openmp_linked() and len(os.sched_getaffinity(0)) > 1:
        assert after > before, res.stdout  # the probe itself can see a region open
