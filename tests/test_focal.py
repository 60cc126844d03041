"""Focal losses (focal_gamma / focal_alpha): gamma = 0 bit-identical to the
plain losses; loss, gradient and Hessian against the NumPy twins, finite
differences and mpmath (confident rows included); dtypes, layouts, SIMD
targets, n_threads; weights, ignore_index, smoothing, reductions; limits;
bad input; the torchvision shim against its formula in PyTorch ops."""

import mpmath
import numpy as np
import pytest
import scipy.sparse as ssp
from conftest import DTYPES, THREADS, assert_close, layouts
from sklearn.base import clone

import xentc
from xentc import _reference as ref

GAMMAS = [0.5, 1.0, 2.0, 3.7]
REDUCTIONS = ["none", "sum", "mean"]
# focal terms chain more roundings than plain CE (power, log1p, division)
RTOL = {np.float32: 1e-4, np.float64: 1e-11}
ATOL = {np.float32: 1e-6, np.float64: 1e-14}
dname = lambda d: np.dtype(d).name


def close(actual, desired, dtype, what, scale=1.0):
    assert_close(
        actual, desired, dtype, rtol=RTOL[dtype] * scale, atol=ATOL[dtype] * scale, err_msg=what
    )


def _x(shape, dtype, seed=0, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _soft(n, c, seed=2):
    t = np.random.default_rng(seed).random((n, c)) ** 3
    return t / t.sum(axis=1, keepdims=True)


def _binary(shape, seed=3):
    return (np.random.default_rng(seed).random(shape) < 0.3).astype(np.float64)


# ---- cases: (name, fast function, reference twin, loss class, make y, kwargs) ----


def _sparse_case(n, c, dtype, seed=0, **kw):
    x = _x((n, c), dtype, seed)
    y = np.random.default_rng(seed + 1).integers(0, c, n)
    return (
        xentc.sparse_softmax_cross_entropy,
        ref.sparse_softmax_focal_cross_entropy,
        xentc.SparseSoftmaxCrossEntropy,
        x,
        y,
        kw,
    )


def _dense_case(n, c, dtype, seed=0, sparse=False, **kw):
    x = _x((n, c), dtype, seed)
    t = _soft(n, c, seed + 1)
    if sparse:
        t = ssp.csr_matrix(np.where(t > 0.2, t, 0.0))
    return (
        xentc.softmax_cross_entropy,
        ref.softmax_focal_cross_entropy,
        xentc.SoftmaxCrossEntropy,
        x,
        t,
        kw,
    )


def _sigmoid_case(shape, dtype, seed=0, sparse=False, soft=False, **kw):
    x = _x(shape, dtype, seed)
    y = np.random.default_rng(seed + 1).random(shape) if soft else _binary(shape, seed + 1)
    if sparse:
        y = ssp.csr_matrix(y)
    return (
        xentc.sigmoid_cross_entropy,
        ref.sigmoid_focal_cross_entropy,
        xentc.SigmoidCrossEntropy,
        x,
        y,
        kw,
    )


def make_case(name, dtype, gamma, **extra):
    n_w = {
        "sparse": 37,
        "sparsew": 37,
        "dense": 37,
        "csr": 37,
        "sig1": 301,
        "sig2": 37,
        "sigcsr": 37,
        "sigsoft": 37,
    }[name]
    opts = (
        {
            "sparse": {
                "class_weight": np.linspace(0.5, 2.0, 7),
                "ignore_index": 3,
                "label_smoothing": 0.1,
            },
            "sparsew": {"class_weight": np.linspace(0.5, 2.0, 40), "ignore_index": 3},
            "dense": {"class_weight": np.linspace(0.5, 2.0, 7), "label_smoothing": 0.1},
            "csr": {"class_weight": np.linspace(0.5, 2.0, 7)},
            "sig1": {"pos_weight": 2.5, "focal_alpha": 0.25},
            "sig2": {
                "pos_weight": np.linspace(0.5, 3, 7),
                "label_smoothing": 0.1,
                "focal_alpha": 0.7,
            },
            "sigcsr": {"pos_weight": 1.5, "focal_alpha": 0.25},
            "sigsoft": {"focal_alpha": 0.4},
        }[name]
        if extra.pop("options", True)
        else {}
    )
    opts.update(extra)
    opts["focal_gamma"] = gamma
    if name == "sparse":
        case = _sparse_case(37, 7, dtype, **opts)
    elif name == "sparsew":  # rows of 40: the row kernel, not the columnar one
        case = _sparse_case(37, 40, dtype, **opts)
    elif name in ("dense", "csr"):
        case = _dense_case(37, 7, dtype, sparse=name == "csr", **opts)
    elif name == "sig1":
        case = _sigmoid_case((301,), dtype, **opts)
    else:
        case = _sigmoid_case(
            (37, 7), dtype, sparse=name == "sigcsr", soft=name == "sigsoft", **opts
        )
    sw = np.random.default_rng(9).random(n_w) * 2
    return case, sw


CASES = ["sparse", "sparsew", "dense", "csr", "sig1", "sig2", "sigcsr", "sigsoft"]


def _obj(cls, kw, reduction):
    return cls(**{**kw, "reduction": reduction})


# ---- gamma = 0 is the plain loss, bit for bit ---------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["sparse", "dense", "csr", "sig1", "sig2", "sigcsr"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_gamma_zero_is_plain_bit_for_bit(dtype, name, reduction):
    (fn, _, cls, x, y, kw), sw = make_case(name, dtype, 0.0)
    kw.pop("focal_alpha", None)
    plain = {k: v for k, v in kw.items() if k != "focal_gamma"}
    for gamma in (0.0, 0, np.float64(0.0), np.float32(0.0)):
        a = fn(x, y, sample_weight=sw, reduction=reduction, **plain)
        b = fn(x, y, sample_weight=sw, reduction=reduction, focal_gamma=gamma, **plain)
        assert np.array_equal(a, b), f"{name} {dname(dtype)} gamma={gamma!r} loss"
        oa = cls(reduction=reduction, **plain)
        ob = cls(reduction=reduction, focal_gamma=gamma, **plain)
        for ra, rb in zip(oa.gradient_hessian(x, y, sw), ob.gradient_hessian(x, y, sw)):
            assert np.array_equal(ra, rb), f"{name} {dname(dtype)} gamma={gamma!r} grad/hess"


def test_gamma_zero_with_alpha_is_alpha_weighted_plain():
    x = _x((50, 4), np.float64)
    y = _binary((50, 4))
    at = 0.25 * y + 0.75 * (1 - y)
    got = xentc.sigmoid_cross_entropy(x, y, focal_alpha=0.25, reduction="none")
    np.testing.assert_allclose(
        got, at * xentc.sigmoid_cross_entropy(x, y, reduction="none"), rtol=1e-15
    )


# ---- against the NumPy twins ----------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_matches_reference(dtype, name, gamma, reduction):
    (fn, twin, cls, x, y, kw), sw = make_case(name, dtype, gamma)
    what = f"{name} {dname(dtype)} gamma={gamma} {reduction}"
    got = fn(x, y, sample_weight=sw, reduction=reduction, **kw)
    want, g_ref, h_ref = twin(x, y, sample_weight=sw, reduction=reduction, return_grad=True, **kw)
    close(got, want, dtype, what + " loss")
    obj = _obj(cls, kw, reduction)
    loss, g = obj.loss_gradient(x, y, sw)
    g2, h = obj.gradient_hessian(x, y, sw)
    assert np.array_equal(np.asarray(loss), np.asarray(got)), what + " object loss"
    assert np.array_equal(g, g2), what + " gradient with / without Hessian"
    assert g.dtype == x.dtype and h.dtype == x.dtype
    scale = float(np.max(np.abs(g_ref))) or 1.0
    close(g / scale, g_ref / scale, dtype, what + " gradient")
    scale = float(np.max(np.abs(h_ref))) or 1.0
    close(h / scale, h_ref / scale, dtype, what + " hessian")


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_simd_targets_agree(simd, dtype, name):
    """every SIMD target (vector tails, masks, 16-lane emulation) gives the
    twin's numbers; long rows exercise the CHUNK loops"""
    for shape_kw in ({}, {"long": True}):
        (_, twin, cls, x, y, kw), sw = make_case(name, dtype, 2.0)
        if shape_kw and name in ("sparse", "dense"):
            x = _x((3, 1500), dtype, 4)
            y = np.array([0, 1499, 700]) if name == "sparse" else _soft(3, 1500)
            kw = (
                {"focal_gamma": 2.0, "label_smoothing": 0.05}
                if name == "sparse"
                else {"focal_gamma": 2.0}
            )
            sw = None
        elif shape_kw:
            continue
        loss, g, h = (
            *_obj(cls, kw, "sum").loss_gradient(x, y, sw),
            _obj(cls, kw, "sum").gradient_hessian(x, y, sw)[1],
        )
        want, g_ref, h_ref = twin(x, y, sample_weight=sw, reduction="sum", return_grad=True, **kw)
        what = f"{name} {dname(dtype)} simd={simd} {x.shape}"
        close(loss, want, dtype, what + " loss")
        close(g / np.abs(g_ref).max(), g_ref / np.abs(g_ref).max(), dtype, what + " gradient")
        close(h / np.abs(h_ref).max(), h_ref / np.abs(h_ref).max(), dtype, what + " hessian")


# ---- finite differences -----------------------------------------------------------


@pytest.mark.parametrize("gamma", [0.5, 2.0, 3.7])
@pytest.mark.parametrize("name", CASES)
def test_derivatives_match_finite_differences(name, gamma):
    (_, _, cls, x, y, kw), sw = make_case(name, np.float64, gamma)
    obj = _obj(cls, kw, "mean")
    g, h = obj.gradient_hessian(x, y, sw)
    step = 1e-6
    flat = x.reshape(-1)
    idx = np.random.default_rng(0).choice(flat.size, 40, replace=False)
    for i in idx:
        xp, xm = flat.copy(), flat.copy()
        xp[i] += step
        xm[i] -= step
        xp, xm = xp.reshape(x.shape), xm.reshape(x.shape)
        fd_g = (obj.loss(xp, y, sw) - obj.loss(xm, y, sw)) / (2 * step)
        fd_h = (
            obj.loss_gradient(xp, y, sw)[1].reshape(-1)[i]
            - obj.loss_gradient(xm, y, sw)[1].reshape(-1)[i]
        ) / (2 * step)
        gi, hi = g.reshape(-1)[i], h.reshape(-1)[i]
        assert abs(gi - fd_g) <= 1e-7 * max(1.0, abs(gi)) / x.size**0.5 + 1e-9, (
            f"{name} gamma={gamma} element {i}: gradient {gi} vs finite difference {fd_g}"
        )
        assert abs(hi - fd_h) <= 1e-6 * max(abs(hi), 1e-3), (
            f"{name} gamma={gamma} element {i}: hessian {hi} vs finite difference {fd_h}"
        )


# ---- high precision (mpmath), confident rows ----------------------------------------

mpmath.mp.dps = 60


def _mp_softmax_focal(xs, a, gamma):
    # log-sum-exp as m + log1p(sum over the others): 1 + e^-200 needs no
    # 90 digits this way, and neither does 1 - p = -expm1(log p)
    top = max(range(len(xs)), key=lambda j: xs[j])
    m = xs[top]
    log_s = mpmath.log1p(mpmath.fsum(mpmath.exp(v - m) for j, v in enumerate(xs) if j != top))
    total = mpmath.mpf(0)
    for v, aj in zip(xs, a):
        if aj:
            lp = (v - m) - log_s
            total += -aj * (-mpmath.expm1(lp)) ** gamma * lp
    return total


def _mp_row(xs, a, gamma):
    """loss, gradient and Hessian diagonal of one row by mpmath.diff"""
    xs = [mpmath.mpf(float(v)) for v in xs]
    gamma = mpmath.mpf(gamma)

    def along(k):
        return lambda t: _mp_softmax_focal(xs[:k] + [t] + xs[k + 1 :], a, gamma)

    loss = _mp_softmax_focal(xs, a, gamma)
    # derivatives as small as e^-spread next to an O(1) loss: enough digits
    spread = float(max(xs) - min(xs))
    with mpmath.workdps(60 + int(spread)):
        g = [mpmath.diff(along(k), xs[k]) for k in range(len(xs))]
        h = [mpmath.diff(along(k), xs[k], 2) for k in range(len(xs))]
    return float(loss), np.array(g, dtype=float), np.array(h, dtype=float)


# rows (logits, label): confident (gap 30 / 12), wrong-confident, tie at the top, flat
MP_ROWS = {
    np.float64: [
        ([30.0, 0.0, 0.0, 0.0], 0),
        ([30.0, 0.0, -5.0, 2.0], 0),
        ([0.0, 30.0, 1.0, 0.0], 0),
        ([4.0, 4.0, 1.0, -2.0], 0),
        ([0.3, -0.2, 0.1, 0.0], 2),
        ([200.0, 0.0, -1.0, 3.0], 0),
    ],
    np.float32: [
        ([12.0, 0.0, 0.0, 0.0], 0),
        ([12.0, 0.0, -5.0, 2.0], 0),
        ([0.0, 12.0, 1.0, 0.0], 0),
        ([4.0, 4.0, 1.0, -2.0], 0),
        ([0.3, -0.2, 0.1, 0.0], 2),
    ],
}
MP_RTOL = {np.float64: 1e-12, np.float32: 2e-5}


@pytest.mark.parametrize("width", [4, 20], ids=["columnar", "row"])
@pytest.mark.parametrize("gamma", [0.5, 2.0, 3.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_softmax_against_mpmath(simd, dtype, gamma, width):
    """relative precision per element, including (1-p)^gamma ~ e^(-30 gamma)
    on confident rows where 1 - p would lose every digit; short rows take
    the columnar kernel, rows of 20 the row kernel"""
    if width == 20 and simd not in ("baseline", "avx512"):
        pytest.skip("row kernel: two targets suffice (mpmath is slow)")
    for row, label in MP_ROWS[dtype][: 6 if width == 4 else 3]:
        row = row + [-3.0 - 0.25 * j for j in range(width - 4)]
        x = np.array([row], dtype=dtype)
        for smoothing in (0.0, 0.1):
            a = [(1 - smoothing) * (j == label) + smoothing / width for j in range(width)]
            obj = xentc.SparseSoftmaxCrossEntropy(
                focal_gamma=gamma, reduction="sum", label_smoothing=smoothing
            )
            loss, g = obj.loss_gradient(x, [label])
            h = obj.gradient_hessian(x, [label])[1]
            want, g_mp, h_mp = _mp_row(x[0], a, gamma)
            what = f"{dname(dtype)} gamma={gamma} row={row} eps={smoothing}"
            rt = MP_RTOL[dtype]
            assert abs(loss - want) <= rt * abs(want), f"{what}: loss {loss} vs {want}"
            for name, got, mp in (("gradient", g[0], g_mp), ("hessian", h[0], h_mp)):
                err = np.abs(got - mp) / np.maximum(np.abs(mp), 1e-300)
                # entries that are exactly representable as 0 only in the limit
                ok = (err <= rt * 50) | (np.abs(mp) < 1e-300)
                assert ok.all(), f"{what} {name}: {got} vs {mp}"


def _mp_sigmoid_focal(x, y, gamma, alpha, pw=1.0):
    x = x if isinstance(x, mpmath.mpf) else mpmath.mpf(float(x))
    y = mpmath.mpf(float(y))
    s = 1 / (1 + mpmath.exp(-x))
    ce = -(pw * y * mpmath.log(s) + (1 - y) * mpmath.log(1 / (1 + mpmath.exp(x))))
    q = y * (1 / (1 + mpmath.exp(x))) + (1 - y) * s
    at = 1 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    return at * q**gamma * ce


@pytest.mark.parametrize("gamma", [0.5, 2.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sigmoid_against_mpmath(simd, dtype, gamma):
    xs = [-30.0, -12.0, -3.0, -0.5, 0.0, 0.7, 4.0, 12.0, 30.0]
    if dtype == np.float32:
        xs = [v for v in xs if abs(v) <= 12]
    for y in (0.0, 1.0, 0.3):
        for alpha, pw in ((None, 1.0), (0.25, 2.0)):
            x = np.array(xs, dtype=dtype)
            t = np.full(len(xs), y)
            obj = xentc.SigmoidCrossEntropy(
                focal_gamma=gamma, focal_alpha=alpha, pos_weight=pw, reduction="none"
            )
            loss = obj.loss(x, t)
            g, h = obj.gradient_hessian(x, t)
            for i, v in enumerate(xs):
                f = lambda u, y=y, alpha=alpha, pw=pw: _mp_sigmoid_focal(u, y, gamma, alpha, pw)
                with mpmath.workdps(100):
                    want = [f(v), mpmath.diff(f, mpmath.mpf(v)), mpmath.diff(f, mpmath.mpf(v), 2)]
                what = f"{dname(dtype)} gamma={gamma} x={v} y={y} alpha={alpha} pw={pw}"
                for name, got, mp, tol in (
                    ("loss", loss[i], want[0], 1),
                    ("gradient", g[i], want[1], 10),
                    ("hessian", h[i], want[2], 50),
                ):
                    mp = float(mp)
                    assert abs(got - mp) <= tol * MP_RTOL[dtype] * abs(mp) + 1e-300, (
                        f"{what} {name}: {got} vs {mp}"
                    )


# ---- threads, layouts, in place, inputs untouched ----------------------------------


@pytest.mark.parametrize("name", CASES)
def test_threads_bit_identical(name):
    big = {
        "sparse": (20000, 7),
        "sparsew": (4000, 40),
        "dense": (20000, 7),
        "csr": (20000, 7),
        "sig1": (200000,),
        "sig2": (20000, 7),
        "sigcsr": (20000, 7),
        "sigsoft": (20000, 7),
    }[name]
    (_, _, cls, _, _, kw), _ = make_case(name, np.float32, 2.0)
    x = _x(big, np.float32, 5)
    n = big[0]
    if name.startswith("sparse"):
        y = np.random.default_rng(1).integers(0, big[1], n)
    elif name in ("dense", "csr"):
        y = _soft(n, 7)
        y = ssp.csr_matrix(np.where(y > 0.2, y, 0.0)) if name == "csr" else y
    else:
        y = np.random.default_rng(1).random(big) if name == "sigsoft" else _binary(big)
        y = ssp.csr_matrix(y) if name == "sigcsr" else y
    sw = np.random.default_rng(2).random(n)
    results = []
    for t in THREADS:
        obj = cls(**{**kw, "n_threads": t})
        results.append((obj.loss(x, y, sw), *obj.gradient_hessian(x, y, sw)))
    for t, r in zip(THREADS[1:], results[1:]):
        for a, b in zip(results[0], r):
            assert np.array_equal(a, b), f"{name}: n_threads={t} differs from 1"


@pytest.mark.parametrize("name", ["sparse", "dense", "sig2"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_layouts(dtype, name):
    (_, _, cls, x, y, kw), sw = make_case(name, dtype, 2.0)
    obj = _obj(cls, kw, "none")
    base = (obj.loss(x, y, sw), *obj.gradient_hessian(x, y, sw))
    for lay, xl in layouts(x):
        got = (obj.loss(xl, y, sw), *obj.gradient_hessian(xl, y, sw))
        for a, b in zip(got, base):
            close(a, b, dtype, f"{name} {dname(dtype)} layout={lay}", scale=0.01)


@pytest.mark.parametrize("name", ["sparse", "dense", "csr", "sig1", "sig2", "sigcsr"])
def test_in_place_gradient_and_inputs_untouched(name):
    (_, _, cls, x, y, kw), sw = make_case(name, np.float64, 2.0)
    obj = _obj(cls, kw, "mean")
    x0 = x.copy()
    y0 = y.copy()
    loss, g = obj.loss_gradient(x, y, sw)
    assert np.array_equal(x, x0)
    assert (y != y0).nnz == 0 if ssp.issparse(y) else np.array_equal(y, y0)
    xi = x.copy()
    loss2, g2 = obj.loss_gradient(xi, y, sw, out=xi)
    assert g2 is xi and loss2 == loss
    assert np.array_equal(g2, g), f"{name}: in-place gradient differs"


# ---- weights, reductions, ignore_index ------------------------------------------------


def test_mean_is_weighted_mean_and_ignored_rows_are_zero():
    x = _x((40, 5), np.float64)
    y = np.random.default_rng(1).integers(0, 5, 40)
    y[::4] = -100
    sw = np.random.default_rng(2).random(40)
    kw = {"focal_gamma": 2.0, "ignore_index": -100, "sample_weight": sw}
    per = xentc.sparse_softmax_cross_entropy(x, y, reduction="none", **kw)
    assert np.all(per[::4] == 0)
    keep = y != -100
    total = xentc.sparse_softmax_cross_entropy(x, y, reduction="sum", **kw)
    mean = xentc.sparse_softmax_cross_entropy(x, y, reduction="mean", **kw)
    np.testing.assert_allclose(total, per.sum(), rtol=1e-14)
    np.testing.assert_allclose(mean, total / sw[keep].sum(), rtol=1e-14)
    g, _ = xentc.SparseSoftmaxCrossEntropy(focal_gamma=2.0, ignore_index=-100).gradient_hessian(
        x, y, sw
    )
    assert np.all(g[::4] == 0)
    assert np.isnan(xentc.sparse_softmax_cross_entropy(x[:0], y[:0], focal_gamma=2.0))
    assert np.isnan(
        xentc.sparse_softmax_cross_entropy(x[:3], [-100] * 3, ignore_index=-100, focal_gamma=2.0)
    )


def test_focal_down_weights_easy_examples():
    """(1 - p_t)^gamma < 1: focal <= plain everywhere, much smaller where easy"""
    x = np.array([[8.0, 0.0, 0.0], [0.0, 0.0, 8.0]])
    plain = xentc.sparse_softmax_cross_entropy(x, [0, 0], reduction="none")
    focal = xentc.sparse_softmax_cross_entropy(x, [0, 0], reduction="none", focal_gamma=2.0)
    assert np.all(focal <= plain)
    assert focal[0] < 1e-6 * plain[0] and focal[1] > 0.99 * plain[1]


# ---- limits ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_limits_nan_and_inf(simd, dtype):
    inf, nan = np.inf, np.nan
    x = np.array(
        [
            [1.0, nan, 0.0],
            [inf, 0.0, 1.0],
            [0.0, -inf, 2.0],
            [1e30, -1e30, 0.0],
            [-inf, -inf, -inf],
            [inf, inf, 0.0],
        ],
        dtype=dtype,
    )
    y = np.array([0, 0, 0, 0, 0, 1])
    obj = xentc.SparseSoftmaxCrossEntropy(focal_gamma=2.0, reduction="none")
    loss = obj.loss(x, y)
    g, h = obj.gradient_hessian(x, y)
    assert np.isnan(loss[0]) and np.isnan(g[0]).all() and np.isnan(h[0]).all()
    assert loss[1] == 0 and np.all(g[1] == 0) and np.all(h[1] == 0)
    want = ref.sparse_softmax_focal_cross_entropy(x[2:3], [0], focal_gamma=2.0, reduction="sum")
    close(loss[2], want, dtype, "-inf non-target logit")
    assert np.isfinite(g[2]).all() and g[2][1] == 0
    assert loss[3] == 0 and np.isfinite(g[3]).all()
    assert np.isnan(loss[4])
    # two +inf logits share p = 1/2: (1/2)^2 * log 2
    close(loss[5], 0.25 * np.log(2), dtype, "tied +inf")
    assert np.isfinite(g[5]).all()
    xs = np.array([inf, -inf, inf, -inf, nan, 1e30, -1e30], dtype=dtype)
    ys = np.array([1, 0, 0, 1, 1, 0, 1.0])
    sig = xentc.SigmoidCrossEntropy(focal_gamma=2.0, focal_alpha=0.25, reduction="none")
    ls = sig.loss(xs, ys)
    gs, hs = sig.gradient_hessian(xs, ys)
    assert ls[0] == 0 and ls[1] == 0 and ls[2] == inf and ls[3] == inf and np.isnan(ls[4])
    close(ls[5:], [0.75e30, 0.25e30], dtype, "huge finite logits: loss = alpha_t |x|")
    assert np.isfinite(gs[[0, 1, 2, 3, 5, 6]]).all() and np.isnan(gs[4])
    assert np.isfinite(hs[[0, 1, 2, 3, 5, 6]]).all()
    np.testing.assert_allclose(gs[[2, 5]], 0.75)  # y=0, x -> inf: alpha_t * 1
    np.testing.assert_allclose(gs[[3, 6]], -0.25)  # y=1, x -> -inf: -alpha_t * 1


def test_no_overflow_for_huge_logits():
    for dtype in DTYPES:
        x = np.array([[3e38, -3e38, 0.0], [-1e4, 1e4, 0.0]], dtype=dtype)
        loss = xentc.sparse_softmax_cross_entropy(x, [1, 0], focal_gamma=0.5, reduction="none")
        g, h = xentc.SparseSoftmaxCrossEntropy(focal_gamma=0.5).gradient_hessian(x, [1, 0])
        assert np.all(np.isfinite(g)) and np.all(np.isfinite(h))
        assert loss[0] == np.inf or loss[0] > 1e30
        close(loss[1], 2e4, dtype, "wrong and confident: loss = gap")


# ---- loss objects and bad input ------------------------------------------------------


@pytest.mark.parametrize(
    "cls,params",
    [
        (xentc.SparseSoftmaxCrossEntropy, {"focal_gamma": 2.0}),
        (xentc.SoftmaxCrossEntropy, {"focal_gamma": 1.5}),
        (xentc.SigmoidCrossEntropy, {"focal_gamma": 2.0, "focal_alpha": 0.25}),
    ],
)
def test_loss_objects_params_clone_repr(cls, params):
    obj = cls(**params)
    assert {k: obj.get_params()[k] for k in params} == params
    assert clone(obj).get_params() == obj.get_params()
    assert "focal_gamma=" in repr(obj) and "focal_gamma" not in repr(cls())
    assert cls().get_params()["focal_gamma"] == 0.0
    obj.set_params(focal_gamma=0.0)
    assert obj.focal_gamma == 0.0


x3 = np.zeros((2, 3))


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (
            lambda: xentc.sparse_softmax_cross_entropy(x3, [0, 1], focal_gamma=-1.0),
            ValueError,
            "focal_gamma must be a finite float >= 0; got -1.0",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(x3, [0, 1], focal_gamma=np.nan),
            ValueError,
            "focal_gamma",
        ),
        (
            lambda: xentc.softmax_cross_entropy(x3, np.eye(3)[:2], focal_gamma=np.inf),
            ValueError,
            "focal_gamma",
        ),
        (
            lambda: xentc.softmax_cross_entropy(x3, np.eye(3)[:2], focal_gamma="2"),
            TypeError,
            "focal_gamma must be a float >= 0; got '2'",
        ),
        (lambda: xentc.sigmoid_cross_entropy(x3, x3, focal_gamma=True), TypeError, "focal_gamma"),
        (lambda: xentc.sigmoid_cross_entropy(x3, x3, focal_gamma=None), TypeError, "focal_gamma"),
        (
            lambda: xentc.sigmoid_cross_entropy(x3, x3, focal_alpha=1.5),
            ValueError,
            r"focal_alpha must be None or a float in \[0, 1\]; got 1.5",
        ),
        (
            lambda: xentc.sigmoid_cross_entropy(x3, x3, focal_gamma=2.0, focal_alpha=-0.1),
            ValueError,
            "focal_alpha",
        ),
        (lambda: xentc.sigmoid_cross_entropy(x3, x3, focal_alpha="a"), TypeError, "focal_alpha"),
        (
            lambda: xentc.SparseSoftmaxCrossEntropy(focal_gamma=-2).loss(x3, [0, 1]),
            ValueError,
            "focal_gamma",
        ),
        (
            lambda: xentc.SigmoidCrossEntropy(focal_alpha=2).gradient_hessian(x3, x3),
            ValueError,
            "focal_alpha",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(x3, [0, 3], focal_gamma=2.0),
            ValueError,
            "labels",
        ),
    ],
)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- torchvision.ops.sigmoid_focal_loss shim ---------------------------------------------


def _torchvision_formula(torch, x, y, alpha, gamma, reduction):
    """torchvision.ops.sigmoid_focal_loss's documented formula in PyTorch ops"""
    F = torch.nn.functional
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha,gamma", [(0.25, 2), (-1, 2), (0.5, 0), (0.9, 1.5), (-1, 0)])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sigmoid_focal_loss_shim(dtype, alpha, gamma, reduction):
    torch = pytest.importorskip("torch")
    from xentc.compat.torch import sigmoid_focal_loss

    x = _x((6, 5, 7), dtype, 3, scale=2.0)
    for y in (
        _binary((6, 5, 7)).astype(dtype),
        np.random.default_rng(4).random((6, 5, 7)).astype(dtype),
    ):
        ours = sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction=reduction)
        theirs = _torchvision_formula(
            torch, torch.from_numpy(x), torch.from_numpy(y), alpha, gamma, reduction
        ).numpy()
        assert np.asarray(ours).shape == theirs.shape and np.asarray(ours).dtype == theirs.dtype
        close(
            ours,
            theirs,
            dtype,
            f"sigmoid_focal_loss alpha={alpha} gamma={gamma} {reduction}",
            scale=3.0,
        )


def test_sigmoid_focal_loss_shim_high_precision():
    """the shim keeps confident elements' loss where the float64 formula
    (1 - p_t) rounds: compare with mpmath"""
    from xentc.compat.torch import sigmoid_focal_loss

    x = np.array([40.0, -40.0, 20.0, 0.1])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    ours = sigmoid_focal_loss(x, y)
    for i in range(4):
        want = float(_mp_sigmoid_focal(x[i], y[i], 2, 0.25))
        assert abs(ours[i] - want) <= 1e-14 * want, f"x={x[i]}: {ours[i]} vs {want}"


def test_sigmoid_focal_loss_shim_errors():
    from xentc.compat.torch import sigmoid_focal_loss

    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        sigmoid_focal_loss(np.zeros(3), np.zeros(3), reduction="avg")
    with pytest.raises(ValueError, match="targets must have the shape"):
        sigmoid_focal_loss(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_dense_limits(simd, dtype):
    """short dense rows (columnar kernel) hand non-finite rows to the limits path"""
    inf, nan = np.inf, np.nan
    x = np.array(
        [[1.0, nan, 0.0], [inf, 0.0, 1.0], [0.0, -inf, 2.0], [inf, inf, 0.0], [0.5, 0.1, -0.3]],
        dtype=dtype,
    )
    t = np.array([[1, 0, 0], [1, 0, 0], [0.5, 0, 0.5], [0, 1, 0], [0.2, 0.3, 0.5]])
    obj = xentc.SoftmaxCrossEntropy(focal_gamma=2.0, reduction="none")
    loss = obj.loss(x, t)
    g, h = obj.gradient_hessian(x, t)
    assert np.isnan(loss[0]) and np.isnan(g[0]).all() and np.isnan(h[0]).all()
    assert loss[1] == 0 and np.all(g[1] == 0) and np.all(h[1] == 0)
    close(
        loss[2:],
        ref.softmax_focal_cross_entropy(x[2:], t[2:], focal_gamma=2.0, reduction="none"),
        dtype,
        "dense limits",
    )
    close(loss[3], 0.25 * np.log(2), dtype, "tied +inf")
    assert np.isfinite(g[2:]).all() and np.isfinite(h[2:]).all()
