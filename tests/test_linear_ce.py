"""Fused linear + cross-entropy (xentc.linear): against the unfused NumPy
reference on float64 logits, finite differences, thread-count determinism,
layouts, edge shapes, bad input and the memory bound.

Accuracy budget (measured, see docs/linear.md): float64 loss within 1e-12
relative of the reference; float32 loss within 2e-6 relative and gradients
within 1e-5 of their largest entry (the float32 GEMM rounds each logit to
~1e-7 relative, and the reference is computed from float64 logits).
"""

import os
import subprocess
import sys
import textwrap

import mpmath
import numpy as np
import pytest
from conftest import DTYPES, TARGETS, layouts
from sklearn.base import clone

import xentc
from xentc import _reference as ref
from xentc import linear as XL
from xentc.linear import (
    LinearCrossEntropy,
    linear_cross_entropy,
    linear_log_prob,
    linear_top_k,
)

LOSS_RTOL = {np.float32: 2e-6, np.float64: 1e-12}
GRAD_RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def problem(n, d, v, dtype, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, d)).astype(dtype)
    w = (scale * rng.standard_normal((v, d)) / np.sqrt(d)).astype(dtype)
    b = rng.standard_normal(v).astype(dtype)
    y = rng.integers(0, v, n)
    return h, w, b, y


def logits64(h, w, b=None):
    z = np.asarray(h, np.float64) @ np.asarray(w, np.float64).T
    return z if b is None else z + np.asarray(b, np.float64)


def assert_grads(got, h, w, b, g_logits, dtype, msg=""):
    """got = (d_hidden, d_weight, d_bias) vs the chain rule on the reference
    logits gradient, each to GRAD_RTOL of its largest entry."""
    want = (
        g_logits @ np.asarray(w, np.float64),
        g_logits.T @ np.asarray(h, np.float64),
        g_logits.sum(axis=0),
    )
    for name, a, r in zip(("d_hidden", "d_weight", "d_bias"), got, want):
        scale = max(np.abs(r).max(), 1e-300) if r.size else 1.0
        np.testing.assert_allclose(
            np.asarray(a, np.float64),
            r,
            rtol=0,
            atol=GRAD_RTOL[dtype] * scale,
            err_msg=f"{name} {msg}",
        )


OPTIONS = {
    "plain": {},
    "smoothing": dict(label_smoothing=0.2),
    "ignore": dict(ignore_index=-100),
    "class_weight": dict(class_weight="array"),
    "class_weight_dict": dict(class_weight={0: 3.0, 2: 0.0}),
    "balanced": dict(class_weight="balanced"),
    "sample_weight": dict(sample_weight=True),
    "everything": dict(
        label_smoothing=0.1, ignore_index=-1, class_weight="array", sample_weight=True
    ),
}


def _materialise(opts, y, v, rng):
    opts = dict(opts)
    if opts.get("class_weight") == "array":
        opts["class_weight"] = rng.uniform(0.1, 2.0, v)
    if opts.get("sample_weight") is True:
        opts["sample_weight"] = rng.uniform(0.0, 2.0, y.shape[0])
    if "ignore_index" in opts:
        y = y.copy()
        y[::5] = opts["ignore_index"]
    return opts, y


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "nobias"])
def test_matches_unfused_reference(dtype, option, reduction, with_bias):
    h, w, b, y = problem(300, 24, 1000, dtype)
    b = b if with_bias else None
    rng = np.random.default_rng(1)
    opts, y = _materialise(OPTIONS[option], y, w.shape[0], rng)
    got = linear_cross_entropy(h, w, y, bias=b, reduction=reduction, **opts)
    want, g, _ = ref.sparse_softmax_cross_entropy(
        logits64(h, w, b), y, reduction=reduction, return_grad=True, **opts
    )
    np.testing.assert_allclose(
        got, want, rtol=LOSS_RTOL[dtype], atol=1e-300, err_msg=f"loss {option} {reduction}"
    )
    if reduction == "none":
        assert got.dtype == dtype and got.shape == (300,)
    loss, dh, dw, db = LinearCrossEntropy(
        reduction=reduction, **{k: v for k, v in opts.items() if k != "sample_weight"}
    ).loss_gradient(h, w, y, b, sample_weight=opts.get("sample_weight"))
    np.testing.assert_allclose(loss, want, rtol=LOSS_RTOL[dtype], atol=1e-300)
    assert dh.dtype == dw.dtype == db.dtype == dtype
    assert_grads((dh, dw, db), h, w, b, g, dtype, f"{option} {reduction}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_xentc_sparse_softmax_on_materialised_logits(dtype):
    h, w, b, y = problem(513, 64, 5003, dtype, seed=3)
    z = h @ w.T + b
    for kw in ({}, dict(label_smoothing=0.3, reduction="sum")):
        want = xentc.sparse_softmax_cross_entropy(z, y, **kw)
        got = xentc.linear_cross_entropy(h, w, y, bias=b, **kw)
        np.testing.assert_allclose(got, want, rtol=LOSS_RTOL[dtype])


def test_small_losses_keep_relative_precision():
    # confident predictions: loss ~ 1e-10, where "lse - x_y" would cancel
    _, _, _, y = problem(64, 8, 50, np.float64, seed=4)
    w = np.eye(50)
    h = 0.1 * np.random.default_rng(4).standard_normal((64, 50))
    h[np.arange(64), y] = 30.0
    z = logits64(h, w)  # exact: w is the identity
    with mpmath.workdps(40):
        want = np.array(
            [
                float(
                    mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v)) - zi[yi]) for v in zi))
                )
                for zi, yi in zip(z, y)
            ]
        )
    got = linear_cross_entropy(h, w, y, reduction="none")
    assert want.max() < 1e-8
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(
        xentc.sparse_softmax_cross_entropy(z, y, reduction="none"), want, rtol=1e-12
    )


@pytest.mark.parametrize("simd", TARGETS)
def test_every_simd_target(simd):
    h, w, b, y = problem(200, 16, 700, np.float32, seed=5)
    with xentc.simd_target(simd):
        got = linear_cross_entropy(h, w, y, bias=b)
    want = ref.sparse_softmax_cross_entropy(logits64(h, w, b), y)
    np.testing.assert_allclose(got, want, rtol=LOSS_RTOL[np.float32])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "nobias"])
def test_gradients_match_finite_differences(reduction, with_bias):
    h, w, b, y = problem(9, 5, 13, np.float64, seed=6)
    b = b if with_bias else np.zeros(13)
    opts = dict(
        label_smoothing=0.15,
        class_weight=np.linspace(0.5, 2.0, 13),
        sample_weight=np.linspace(0.1, 1.0, 9),
        reduction=reduction,
    )
    y[2] = -1
    opts["ignore_index"] = -1

    def f(hh, ww, bb):
        val = linear_cross_entropy(hh, ww, y, bias=bb, **opts)
        return float(np.sum(val))

    _, dh, dw, db = LinearCrossEntropy(
        **{k: v for k, v in opts.items() if k != "sample_weight"}
    ).loss_gradient(h, w, y, b, sample_weight=opts["sample_weight"])
    rng = np.random.default_rng(7)
    step = 1e-6
    for arr, grad, name in ((h, dh, "d_hidden"), (w, dw, "d_weight"), (b, db, "d_bias")):
        for _ in range(6):
            idx = tuple(rng.integers(0, s) for s in arr.shape)
            args = [h, w, b]
            which = {"d_hidden": 0, "d_weight": 1, "d_bias": 2}[name]
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += step
            minus[idx] -= step
            args[which] = plus
            fp = f(*args)
            args[which] = minus
            fm = f(*args)
            fd = (fp - fm) / (2 * step)
            assert abs(fd - grad[idx]) <= 1e-6 * max(1.0, abs(fd)), (name, idx, fd, grad[idx])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "shape",
    [(700, 48, 9001), (40, 7, 100003), (1000, 3, 20)],
    ids=lambda s: "n{}_d{}_v{}".format(*s),
)
def test_bit_identical_for_any_n_threads(dtype, shape, monkeypatch):
    # let 4 threads run even on a 2-core machine and small shapes go parallel
    monkeypatch.setattr(XL, "_usable_cpus", lambda: 8)
    monkeypatch.setattr(XL, "_SERIAL_FLOPS", 0)
    h, w, b, y = problem(*shape, dtype, seed=8)
    results = []
    for nt in (1, 2, 4):
        loss = LinearCrossEntropy(n_threads=nt, label_smoothing=0.05).loss_gradient(h, w, y, b)
        extra = (
            linear_cross_entropy(h, w, y, bias=b, reduction="none", n_threads=nt),
            linear_log_prob(h, w, y, bias=b, n_threads=nt),
            *linear_top_k(h, w, 3, bias=b, n_threads=nt),
        )
        results.append((np.float64(loss[0]),) + loss[1:] + extra)
    for nt, res in zip((2, 4), results[1:]):
        for i, (a, r) in enumerate(zip(res, results[0])):
            assert a.tobytes() == r.tobytes(), f"output {i} differs with n_threads={nt}"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_layouts_give_the_same_result(dtype):
    h, w, b, y = problem(77, 19, 301, dtype, seed=9)
    want = LinearCrossEntropy(reduction="sum").loss_gradient(h, w, y, b)
    for (hn, hh), (wn, ww) in zip(layouts(h), layouts(w)):
        got = LinearCrossEntropy(reduction="sum").loss_gradient(hh, ww, y, b)
        assert got[0] == want[0], (hn, wn)
        for a, r in zip(got[1:], want[1:]):
            np.testing.assert_array_equal(a, r, err_msg=f"{hn}/{wn}")
    # negative strides and a transposed (d, V) matrix as weight
    got = linear_cross_entropy(h[::-1], np.asfortranarray(w.T).T, y[::-1], bias=b, reduction="sum")
    np.testing.assert_allclose(got, want[0], rtol=LOSS_RTOL[dtype])


def test_inputs_are_never_modified():
    h, w, b, y = problem(50, 6, 40, np.float32, seed=10)
    copies = [a.copy() for a in (h, w, b, y)]
    LinearCrossEntropy(label_smoothing=0.1, ignore_index=3).loss_gradient(h, w, y, b)
    linear_top_k(h, w, 4, bias=b)
    linear_log_prob(h, w, y, bias=b, lengths=[10, 40])
    for a, c in zip((h, w, b, y), copies):
        np.testing.assert_array_equal(a, c)


def test_tiny_vocabularies():
    h, w, b, y = problem(30, 4, 1, np.float64, seed=11)
    assert linear_cross_entropy(h, w, y, bias=b) == 0.0
    _, dh, dw, db = LinearCrossEntropy().loss_gradient(h, w, y, b)
    assert not dh.any() and not dw.any() and not db.any()
    h, w, b, y = problem(30, 4, 2, np.float64, seed=11)
    want = ref.sparse_softmax_cross_entropy(logits64(h, w, b), y)
    np.testing.assert_allclose(linear_cross_entropy(h, w, y, bias=b), want, rtol=1e-12)


def test_huge_vocabulary():
    h, w, b, y = problem(20, 4, 300_007, np.float32, seed=12)
    want, g, _ = ref.sparse_softmax_cross_entropy(logits64(h, w, b), y, return_grad=True)
    loss, dh, dw, db = LinearCrossEntropy().loss_gradient(h, w, y, b)
    np.testing.assert_allclose(loss, want, rtol=LOSS_RTOL[np.float32])
    assert_grads((dh, dw, db), h, w, b, g, np.float32)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_no_rows(dtype):
    h = np.empty((0, 5), dtype)
    w = np.ones((7, 5), dtype)
    y = np.empty(0, np.int64)
    assert np.isnan(linear_cross_entropy(h, w, y))
    assert linear_cross_entropy(h, w, y, reduction="sum") == 0.0
    assert linear_cross_entropy(h, w, y, reduction="none").shape == (0,)
    loss, dh, dw, db = LinearCrossEntropy(reduction="sum").loss_gradient(h, w, y)
    assert loss == 0.0 and dh.shape == (0, 5) and not dw.any() and not db.any()
    assert linear_log_prob(h, w, y).shape == (0,)
    idx, lp = linear_top_k(h, w, 2)
    assert idx.shape == lp.shape == (0, 2)


def test_non_finite_rows_give_nan_for_that_row_only():
    h, w, b, y = problem(10, 4, 30, np.float64, seed=13)
    h[3, 1] = np.nan
    h[6, 0] = np.inf
    got = linear_cross_entropy(h, w, y, bias=b, reduction="none")
    assert np.isnan(got[[3, 6]]).all() and np.isfinite(np.delete(got, [3, 6])).all()
    assert np.isnan(linear_cross_entropy(h, w, y, bias=b))
    _, dh, _, _ = LinearCrossEntropy().loss_gradient(h, w, y, b)
    assert np.isnan(dh[3]).all()
    # an ignored bad row contributes nothing
    y[[3, 6]] = -1
    loss = linear_cross_entropy(h, w, y, bias=b, ignore_index=-1)
    assert np.isfinite(loss)


def test_dtype_promotion():
    h, w, b, y = problem(20, 4, 9, np.float64, seed=14)
    assert (
        linear_cross_entropy(h.astype(np.float16), w.astype(np.float32), y, reduction="none").dtype
        == np.float32
    )
    got = LinearCrossEntropy().loss_gradient(h.astype(np.float32), w, y, b.astype(np.float32))
    assert all(g.dtype == np.float64 for g in got[1:])
    assert linear_cross_entropy(h.tolist(), w.tolist(), y.tolist()) == pytest.approx(
        linear_cross_entropy(h, w, y), rel=1e-12
    )


def test_out_buffers():
    h, w, b, y = problem(40, 6, 50, np.float64, seed=15)
    want = LinearCrossEntropy().loss_gradient(h, w, y, b)
    outs = (np.empty_like(h), np.empty_like(w), np.empty_like(b))
    got = LinearCrossEntropy().loss_gradient(h, w, y, b, out=outs)
    for g, o, r in zip(got[1:], outs, want[1:]):
        assert g is o
        np.testing.assert_array_equal(o, r)
    # a Fortran-ordered out, and d_weight written over the weight itself
    w2 = w.copy()
    dw_f = np.asfortranarray(np.empty_like(w))
    got = LinearCrossEntropy().loss_gradient(h, w2, y, b, out=(None, w2, None))
    np.testing.assert_array_equal(w2, want[2])
    got = LinearCrossEntropy().loss_gradient(h, w, y, b, out=(None, dw_f, None))
    np.testing.assert_array_equal(dw_f, want[2])
    with pytest.raises(ValueError, match=r"out\[0\] \(d_hidden\) must have shape"):
        LinearCrossEntropy().loss_gradient(h, w, y, b, out=(np.empty((3, 3)), None, None))
    with pytest.raises(TypeError, match=r"out\[2\] \(d_bias\) must have dtype float64"):
        LinearCrossEntropy().loss_gradient(h, w, y, b, out=(None, None, b.astype(np.float32)))
    with pytest.raises(TypeError, match="tuple"):
        LinearCrossEntropy().loss_gradient(h, w, y, b, out=np.empty_like(h))


def test_loss_object_protocol():
    loss = LinearCrossEntropy(label_smoothing=0.1, ignore_index=-100)
    assert repr(loss) == "LinearCrossEntropy(ignore_index=-100, label_smoothing=0.1)"
    c = clone(loss)
    assert c.get_params() == loss.get_params() and c is not loss
    c.set_params(reduction="sum")
    assert c.reduction == "sum" and loss.reduction == "mean"
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        c.set_params(gamma=2)
    h, w, b, y = problem(20, 4, 9, np.float64, seed=16)
    assert (
        loss(h, w, y, b)
        == loss.loss(h, w, y, b)
        == linear_cross_entropy(h, w, y, bias=b, label_smoothing=0.1, ignore_index=-100)
    )
    with pytest.raises(NotImplementedError, match="never forms the logits"):
        loss.gradient_hessian(h, w, y)
    assert xentc.LinearCrossEntropy is LinearCrossEntropy
    from xentc import losses

    assert losses.linear_cross_entropy is linear_cross_entropy


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_log_prob_and_segments(dtype):
    h, w, b, y = problem(60, 8, 333, dtype, seed=17)
    lsm = ref.log_softmax(logits64(h, w, b), axis=1)
    want = lsm[np.arange(60), y]
    got = linear_log_prob(h, w, y, bias=b)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=LOSS_RTOL[dtype] * 10, atol=1e-12)
    lengths = np.array([10, 0, 25, 25])
    sums = linear_log_prob(h, w, y, bias=b, lengths=lengths)
    np.testing.assert_allclose(
        sums, [got[:10].sum(), 0.0, got[10:35].sum(), got[35:].sum()], rtol=1e-12
    )
    seg = np.repeat([2, 0, 1], 20)
    sums = linear_log_prob(h, w, y, bias=b, segment_ids=seg)
    np.testing.assert_allclose(
        sums, [got[20:40].sum(), got[40:].sum(), got[:20].sum()], rtol=1e-12
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_top_k(dtype):
    h, w, b, _y = problem(90, 8, 2000, dtype, seed=18)
    w[7] = w[1000]  # equal logits: the lower class comes first
    b[7] = b[1000]
    z = (h @ w.T + b).astype(dtype)
    lsm = ref.log_softmax(logits64(h, w, b), axis=1)
    for k in (1, 5, 2000):
        idx, lp = linear_top_k(h, w, k, bias=b)
        want = np.argsort(-z, axis=1, kind="stable")[:, :k]
        # the fused GEMM may round a near-tie differently: compare values, then indices
        np.testing.assert_allclose(
            np.take_along_axis(z, idx, 1), np.take_along_axis(z, want, 1), rtol=1e-5, atol=1e-6
        )
        assert (idx == want).mean() > 0.99
        np.testing.assert_allclose(
            lp, np.take_along_axis(lsm, idx, 1), rtol=LOSS_RTOL[dtype] * 10, atol=1e-5
        )
    idx, _ = linear_top_k(h, w, 2000, bias=b)
    pos7 = np.argmax(idx == 7, axis=1)
    pos1000 = np.argmax(idx == 1000, axis=1)
    assert (pos7 < pos1000).all()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda h, w, y: linear_cross_entropy(h[0], w, y), r"hidden must be 2-D"),
        (
            lambda h, w, y: linear_cross_entropy(h, w[:, :3], y),
            r"hidden has 4 features .* weight has 3",
        ),
        (lambda h, w, y: linear_cross_entropy(h, w[:0], y), r"weight must have at least one row"),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y, bias=np.ones(3)),
            r"bias must have shape \(9,\)",
        ),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y + 9),
            r"labels\[0\] = 1\d is out of range.*\[0, 9\)",
        ),
        (lambda h, w, y: linear_cross_entropy(h, w, y[:3]), r"labels has 3 entries"),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y, reduction="avg"),
            r"reduction must be one of",
        ),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y, label_smoothing=2.0),
            r"label_smoothing must be in",
        ),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y, sample_weight=-np.ones(20)),
            r"sample_weight must be non-negative",
        ),
        (lambda h, w, y: linear_cross_entropy(h, w, y, n_threads=0), r"n_threads must be"),
        (lambda h, w, y: linear_top_k(h, w, 10), r"k must be in \[1, 9\]"),
        (
            lambda h, w, y: linear_log_prob(h, w, y, lengths=[3, 4]),
            r"lengths must sum to .* \(20\)",
        ),
        (
            lambda h, w, y: linear_log_prob(h, w, y, segment_ids=-np.ones(20, int)),
            r"segment_ids must be non-negative",
        ),
        (
            lambda h, w, y: linear_log_prob(h, w, y, segment_ids=np.zeros(20, int), lengths=[20]),
            r"not both",
        ),
    ],
)
def test_bad_input_value_errors(call, match):
    h, w, _b, y = problem(20, 4, 9, np.float64, seed=19)
    with pytest.raises(ValueError, match=match):
        call(h, w, y)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda h, w, y: linear_cross_entropy(h.astype(complex), w, y),
            r"hidden must be a real floating-point",
        ),
        (
            lambda h, w, y: linear_cross_entropy(h, w.astype(np.longdouble), y),
            r"weight must be float16, float32 or float64",
        ),
        (
            lambda h, w, y: linear_cross_entropy(h, w, y.astype(str)),
            r"labels must be an integer array",
        ),
        (lambda h, w, y: linear_top_k(h, w, 2.0), r"k must be an int"),
        (
            lambda h, w, y: linear_log_prob(h, w, y, segment_ids=np.zeros(20)),
            r"segment_ids must be an integer",
        ),
    ],
)
def test_bad_input_type_errors(call, match):
    h, w, _b, y = problem(20, 4, 9, np.float64, seed=19)
    with pytest.raises(TypeError, match=match):
        call(h, w, y)


MEMORY_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from xentc.linear import LinearCrossEntropy, linear_cross_entropy
    n, d, v = 2048, 16, 60000
    rng = np.random.default_rng(0)
    h = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((v, d)).astype(np.float32)
    y = rng.integers(0, v, n)
    dw = np.zeros_like(w); dh = np.zeros_like(h); db = np.zeros(v, np.float32)
    LinearCrossEntropy().loss_gradient(h[:8], w, y[:8], out=(dh[:8], dw, db))  # warm up
    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith(field + ":"))
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak (VmHWM) so earlier peaks do not hide this one
    before = status("VmRSS")
    linear_cross_entropy(h, w, y)
    LinearCrossEntropy().loss_gradient(h, w, y, out=(dh, dw, db))
    unfused = (h @ w.T).sum() if len(sys.argv) > 1 else 0  # the control: must be caught
    print((status("VmHWM") - before) * 1024, n * v * 4)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_memory_stays_far_below_the_logits():
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(xentc.__file__))] + sys.path),
    )

    def growth(*control):
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, *control],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return tuple(map(int, out.stdout.split()))

    grew, logits_bytes = growth()
    # the logits would take 490 MB; the fused path may use O(N) + tiles only
    assert grew < logits_bytes / 20, (grew, logits_bytes)
    # the probe sees an unfused product when there is one
    grew, logits_bytes = growth("control")
    assert grew >= 0.9 * logits_bytes, (grew, logits_bytes)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_classifier_fused_path_fits_the_same_model(dtype, fit_intercept, monkeypatch):
    import xentc.sklearn as XS

    rng = np.random.default_rng(20)
    centers = rng.standard_normal((12, 5))
    y = rng.integers(0, 12, 400)
    X = (centers[y] + rng.standard_normal((400, 5))).astype(dtype)
    sw = rng.uniform(0.5, 2.0, 400)
    kw = dict(
        alpha=1e-3,
        fit_intercept=fit_intercept,
        label_smoothing=0.05,
        class_weight="balanced",
        max_iter=200,
        tol=1e-10,
    )
    monkeypatch.setattr(XS, "FUSED_MIN_CLASSES", 10**9)
    today = XS.CrossEntropyClassifier(**kw).fit(X, y, sample_weight=sw)
    calls = []
    monkeypatch.setattr(XS, "FUSED_MIN_CLASSES", 12)
    monkeypatch.setattr(XS, "_linear_ce", lambda *a, **k: calls.append(1) or _linear_ce(*a, **k))
    fused = XS.CrossEntropyClassifier(**kw).fit(X, y, sample_weight=sw)
    assert calls, "the fused path was not used"
    tol = 2e-3 if dtype == np.float32 else 1e-6  # float32 L-BFGS stops on float32 noise
    np.testing.assert_allclose(
        fused.coef_, today.coef_, rtol=0, atol=tol * np.abs(today.coef_).max()
    )
    np.testing.assert_allclose(fused.intercept_, today.intercept_, rtol=0, atol=tol * 10)
    # below the threshold, and for sparse X, the unfused path stays
    calls.clear()
    monkeypatch.setattr(XS, "FUSED_MIN_CLASSES", 13)
    XS.CrossEntropyClassifier(**kw).fit(X, y)
    import scipy.sparse as sp

    monkeypatch.setattr(XS, "FUSED_MIN_CLASSES", 2)
    XS.CrossEntropyClassifier(**kw).fit(sp.csr_matrix(X), y)
    assert not calls


def _linear_ce(*args, **kwargs):
    return XL._linear_ce(*args, **kwargs)


def test_docs_example_runs(capsys):
    import pathlib

    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "linear.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(code, "docs/linear.md", "exec"), namespace)
    top, top_log_p = namespace["top"], namespace["top_log_p"]
    assert top.shape == (1000, 5) and (np.diff(top_log_p, axis=1) <= 0).all()
    assert "loss" in namespace and capsys.readouterr().out.strip()


def test_without_threadpoolctl_runs_serially_with_the_same_bits(monkeypatch):
    from xentc import _linear

    h, w, b, y = problem(600, 32, 5000, np.float32, seed=21)
    want = LinearCrossEntropy(n_threads=2).loss_gradient(h, w, y, b)
    real_run, teams = _linear.run, []

    def spy(*args):
        teams.append(args[15])  # n_threads handed to the kernel
        return real_run(*args)

    monkeypatch.setattr(XL, "_blas_single_threaded", lambda: None)
    monkeypatch.setattr(_linear, "run", spy)
    got = LinearCrossEntropy(n_threads=2).loss_gradient(h, w, y, b)
    assert teams == [1]
    assert got[0] == want[0]
    for a, r in zip(got[1:], want[1:]):
        assert a.tobytes() == r.tobytes()
