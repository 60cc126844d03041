"""Losses, gradients and Hessians against the NumPy twins (xentc._reference),
finite differences and mpmath; every dtype, shapes from empty to C=50000,
layouts, thread counts and SIMD targets; limits, NaN, weights, reductions."""

import numpy as np
import pytest
import scipy.sparse as ssp
from conftest import DTYPES, THREADS, assert_close, layouts

import xentc
from xentc import _reference as ref

NC = [
    (0, 3),
    (1, 1),
    (1, 2),
    (2, 3),
    (5, 17),
    (17, 2),
    (33, 3),
    (20, 1000),
    (3, 50000),
    (1000, 10),
]
REDUCTIONS = ["none", "sum", "mean"]
ids_dtype = lambda d: np.dtype(d).name
ids_shape = lambda s: "x".join(map(str, s))


def _logits(shape, dtype, seed=0, scale=4.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _labels(n, c, seed=1):
    return np.random.default_rng(seed).integers(0, c, n)


def _soft(n, c, seed=2):
    t = np.random.default_rng(seed).random((n, c)) ** 4
    return t / np.maximum(t.sum(axis=1, keepdims=True), 1e-300)


# ---- sparse softmax CE --------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", NC, ids=ids_shape)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sparse_softmax_matches_reference(simd, dtype, shape, reduction):
    x = _logits(shape, dtype)
    y = _labels(shape[0], shape[1])
    got = xentc.sparse_softmax_cross_entropy(x, y, reduction=reduction)
    assert_close(got, ref.sparse_softmax_cross_entropy(x, y, reduction=reduction), dtype)


OPTIONS = {
    "plain": {},
    "class_weight": {"class_weight": np.linspace(0.5, 2.0, 7)},
    "class_weight_dict": {"class_weight": {0: 3.0, 4: 0.5}},
    "balanced": {"class_weight": "balanced"},
    "sample_weight": {"sample_weight": "rand"},
    "ignore_index": {"ignore_index": 2},
    "smoothing": {"label_smoothing": 0.1},
    "all": {
        "class_weight": np.linspace(0.5, 2.0, 7),
        "sample_weight": "rand",
        "ignore_index": 3,
        "label_smoothing": 0.25,
    },
}


def _resolve(opts, n):
    opts = dict(opts)
    if opts.get("sample_weight") == "rand":
        opts["sample_weight"] = np.random.default_rng(5).random(n) * 2
    return opts


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sparse_softmax_options_and_derivatives(dtype, option, reduction):
    n, c = 41, 7
    x = _logits((n, c), dtype)
    y = _labels(n, c)
    opts = _resolve(OPTIONS[option], n)
    loss_obj = xentc.SparseSoftmaxCrossEntropy(
        reduction=reduction, **{k: v for k, v in opts.items() if k != "sample_weight"}
    )
    sw = opts.get("sample_weight")
    r_loss, r_g, r_h = ref.sparse_softmax_cross_entropy(
        x, y, reduction=reduction, return_grad=True, **opts
    )
    assert_close(
        xentc.sparse_softmax_cross_entropy(x, y, reduction=reduction, **opts), r_loss, dtype
    )
    loss, g = loss_obj.loss_gradient(x, y, sw)
    assert_close(loss, r_loss, dtype)
    assert_close(g, r_g, dtype, err_msg="gradient")
    g2, h = loss_obj.gradient_hessian(x, y, sw)
    np.testing.assert_array_equal(g2, g)
    assert_close(h, r_h, dtype, err_msg="hessian")
    assert g.dtype == dtype and h.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sparse_softmax_layouts(dtype):
    x = _logits((9, 13), dtype)
    y = _labels(9, 13)
    expected = ref.sparse_softmax_cross_entropy(x, y, reduction="none")
    for name, xv in layouts(x):
        assert_close(
            xentc.sparse_softmax_cross_entropy(xv, y, reduction="none"),
            expected,
            dtype,
            err_msg=f"layout={name}",
        )
        for lname, yv in layouts(y):
            assert_close(
                xentc.sparse_softmax_cross_entropy(xv, yv, reduction="sum"),
                expected.sum(),
                dtype,
                err_msg=f"layout={name} labels={lname}",
            )


LOSS_CASES = {
    "sparse": lambda x, n, c: (
        xentc.SparseSoftmaxCrossEntropy(label_smoothing=0.1),
        _labels(n, c),
    ),
    "soft": lambda x, n, c: (
        xentc.SoftmaxCrossEntropy(class_weight=np.linspace(1, 2, c)),
        _soft(n, c),
    ),
    "soft_csr": lambda x, n, c: (
        xentc.SoftmaxCrossEntropy(label_smoothing=0.05),
        ssp.csr_matrix(np.where(_soft(n, c) > 0.1, _soft(n, c), 0)),
    ),
    "sigmoid": lambda x, n, c: (
        xentc.SigmoidCrossEntropy(pos_weight=np.linspace(0.5, 3, c)),
        np.random.default_rng(3).random((n, c)),
    ),
    "sigmoid_flat": lambda x, n, c: (
        xentc.SigmoidCrossEntropy(label_smoothing=0.1),
        np.random.default_rng(3).random((n, c)),
    ),
    "sigmoid_csr": lambda x, n, c: (
        xentc.SigmoidCrossEntropy(pos_weight=2.0),
        ssp.random(n, c, density=0.2, format="csr", random_state=4),
    ),
    # short rows with a per-label pos_weight: rows grouped against a tiled pos_weight
    "sigmoid_short_rows": lambda x, n, c: (
        xentc.SigmoidCrossEntropy(pos_weight=np.linspace(0.5, 3, c)),
        np.random.default_rng(3).random((n, c)),
    ),
}


@pytest.mark.parametrize("n_threads", THREADS)
@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_threads_bit_identical(case, n_threads):
    n, c = 30000, 37
    if case == "sigmoid_short_rows":
        c = 5
    x = _logits((n, c), np.float32, seed=9)
    obj, y = LOSS_CASES[case](x, n, c)
    sw = None if case == "sigmoid_short_rows" else np.random.default_rng(1).random(n)
    obj.set_params(n_threads=1)
    base = obj.loss_gradient(x, y, sw)
    obj.set_params(n_threads=n_threads)
    other = obj.loss_gradient(x, y, sw)
    assert base[0] == other[0]
    np.testing.assert_array_equal(base[1], other[1])


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_gradient_matches_finite_differences(case, reduction):
    n, c = 6, 5
    x = _logits((n, c), np.float64, seed=11, scale=2.0)
    obj, y = LOSS_CASES[case](x, n, c)
    obj.set_params(reduction=reduction)
    sw = np.random.default_rng(2).random(n) + 0.5
    _, g = obj.loss_gradient(x, y, sw)
    _, h = obj.gradient_hessian(x, y, sw)
    step = 1e-6
    num_g = np.empty_like(x)
    num_h = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += step
        xm[idx] -= step
        gp = obj.loss_gradient(xp, y, sw)[1][idx]
        gm = obj.loss_gradient(xm, y, sw)[1][idx]
        num_g[idx] = (obj.loss(xp, y, sw) - obj.loss(xm, y, sw)) / (2 * step)
        num_h[idx] = (gp - gm) / (2 * step)
    np.testing.assert_allclose(g, num_g, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(h, num_h, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "case", ["sparse", "soft", "soft_csr", "sigmoid", "sigmoid_csr", "sigmoid_flat"]
)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_in_place_gradient(case, dtype):
    n, c = 40, 9
    x = _logits((n, c), dtype, seed=4)
    obj, y = LOSS_CASES[case](x, n, c)
    loss, g = obj.loss_gradient(x, y)
    buf = x.copy()
    loss2, g2 = obj.loss_gradient(buf, y, out=buf)
    assert g2 is buf and loss2 == loss
    np.testing.assert_array_equal(buf, g)


def test_out_validation():
    x = _logits((4, 3), np.float64)
    y = _labels(4, 3)
    obj = xentc.SparseSoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"out must have shape \(4, 3\)"):
        obj.loss_gradient(x, y, out=np.empty((3, 4)))
    with pytest.raises(TypeError, match="out must have dtype float64; got float32"):
        obj.loss_gradient(x, y, out=np.empty((4, 3), np.float32))
    # a layout the kernel cannot write goes through a temporary
    strided = np.empty((4, 6))[:, ::2]
    _, g = obj.loss_gradient(x, y, out=strided)
    assert g is strided
    np.testing.assert_array_equal(strided, obj.loss_gradient(x, y)[1])


# ---- soft-target softmax CE ---------------------------------------------------


@pytest.mark.parametrize("sparse_targets", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [s for s in NC if s[0] * s[1] <= 200000], ids=ids_shape)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_soft_softmax_matches_reference(simd, dtype, shape, reduction, sparse_targets):
    x = _logits(shape, dtype)
    t = _soft(*shape)
    if sparse_targets:
        t = ssp.csr_matrix(np.where(t > 0.05, t, 0.0))
    got = xentc.softmax_cross_entropy(x, t, reduction=reduction)
    assert_close(got, ref.softmax_cross_entropy(x, t, reduction=reduction), dtype)


@pytest.mark.parametrize("sparse_targets", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize(
    "option", ["class_weight", "balanced", "smoothing", "sample_weight", "all"]
)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_soft_softmax_options(dtype, option, sparse_targets):
    n, c = 30, 7
    x = _logits((n, c), dtype)
    t = _soft(n, c)
    if sparse_targets:
        t = ssp.csr_matrix(np.where(t > 0.1, t, 0.0))
    opts = {
        "class_weight": {"class_weight": np.linspace(0.5, 2, c)},
        "balanced": {"class_weight": "balanced"},
        "smoothing": {"label_smoothing": 0.2},
        "sample_weight": {"sample_weight": np.random.default_rng(0).random(n)},
        "all": {
            "class_weight": np.linspace(0.5, 2, c),
            "label_smoothing": 0.3,
            "sample_weight": np.random.default_rng(0).random(n),
        },
    }[option]
    r_loss, r_g, r_h = ref.softmax_cross_entropy(x, t, return_grad=True, **opts)
    assert_close(xentc.softmax_cross_entropy(x, t, **opts), r_loss, dtype)
    obj = xentc.SoftmaxCrossEntropy(**{k: v for k, v in opts.items() if k != "sample_weight"})
    g, h = obj.gradient_hessian(x, t, opts.get("sample_weight"))
    assert_close(g, r_g, dtype)
    assert_close(h, r_h, dtype)


def test_csr_targets_unsorted_duplicates_and_formats():
    x = _logits((3, 4), np.float64)
    dense = np.array([[0.0, 0.5, 0.5, 0.0], [1.0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0]])
    coo = ssp.coo_matrix(([0.5, 0.25, 0.25, 1.0], ([0, 0, 0, 1], [2, 1, 1, 0])), shape=(3, 4))
    expected = ref.softmax_cross_entropy(x, dense, reduction="none")
    for t in (coo, coo.tocsr(), coo.tocsc(), ssp.csr_array(dense)):
        np.testing.assert_allclose(
            xentc.softmax_cross_entropy(x, t, reduction="none"), expected, rtol=1e-14
        )
    assert coo.nnz == 4  # input untouched (duplicates not summed in place)


def _no_dense(base):
    """A scipy.sparse subclass of `base` whose every densifying method
    raises, so a computation that densifies its targets fails loudly."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("targets were densified")

    attrs = {"toarray": refuse, "todense": refuse, "__array__": refuse}
    if hasattr(base, "A"):  # the spmatrix shortcut for toarray() (scipy < 1.14)
        attrs["A"] = property(refuse)
    return type(f"NoDense{base.__name__}", (base,), attrs)


@pytest.mark.parametrize("base", [ssp.csr_matrix, ssp.csr_array], ids=lambda b: b.__name__)
def test_sparse_targets_never_densified(base):
    x = _logits((50, 20), np.float64)
    dense = ssp.random(50, 20, density=0.1, format="csr", random_state=0).toarray()
    t = _no_dense(base)(dense)
    with pytest.raises(AssertionError, match="densified"):
        t.toarray()  # the guard itself works
    for fn in (xentc.softmax_cross_entropy, xentc.sigmoid_cross_entropy):
        np.testing.assert_allclose(fn(x, t), fn(x, dense), rtol=1e-12)
    for obj in (xentc.SoftmaxCrossEntropy(), xentc.SigmoidCrossEntropy()):
        for got, want in zip(obj.loss_gradient(x, t), obj.loss_gradient(x, dense)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        for got, want in zip(obj.gradient_hessian(x, t), obj.gradient_hessian(x, dense)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


# ---- sigmoid CE ----------------------------------------------------------------

SIG_SHAPES = [(0,), (1,), (7,), (33,), (100001,), (0, 3), (1, 1), (5, 2), (33, 17), (200, 1000)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SIG_SHAPES, ids=ids_shape)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sigmoid_matches_reference(simd, dtype, shape, reduction):
    x = _logits(shape, dtype, scale=10.0)
    t = np.random.default_rng(1).random(shape)
    assert_close(
        xentc.sigmoid_cross_entropy(x, t, reduction=reduction),
        ref.sigmoid_cross_entropy(x, t, reduction=reduction),
        dtype,
    )


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize(
    "option", ["pos_scalar", "pos_array", "sample_weight", "smoothing", "csr", "all"]
)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sigmoid_options(dtype, option, ndim):
    n, k = 37, 6
    shape = (n, k) if ndim == 2 else (n,)
    x = _logits(shape, dtype, scale=6.0)
    t = (np.random.default_rng(2).random(shape) > 0.6).astype(np.float64)
    sw = np.random.default_rng(3).random(n)
    opts = {
        "pos_scalar": {"pos_weight": 3.0},
        "pos_array": {"pos_weight": np.linspace(0.2, 4, k) if ndim == 2 else np.array([2.5])},
        "sample_weight": {"sample_weight": sw},
        "smoothing": {"label_smoothing": 0.2},
        "csr": {},
        "all": {
            "pos_weight": np.linspace(0.2, 4, k) if ndim == 2 else 1.5,
            "sample_weight": sw,
            "label_smoothing": 0.1,
        },
    }[option]
    tt = ssp.csr_matrix(t) if option in ("csr", "all") and ndim == 2 else t
    for reduction in REDUCTIONS:
        r_loss, r_g, r_h = ref.sigmoid_cross_entropy(
            x, t, reduction=reduction, return_grad=True, **opts
        )
        assert_close(
            xentc.sigmoid_cross_entropy(x, tt, reduction=reduction, **opts), r_loss, dtype
        )
        obj = xentc.SigmoidCrossEntropy(
            reduction=reduction, **{k_: v for k_, v in opts.items() if k_ != "sample_weight"}
        )
        g, h = obj.gradient_hessian(x, tt, opts.get("sample_weight"))
        assert_close(g, r_g, dtype, err_msg=f"grad {reduction}")
        assert_close(h, r_h, dtype, err_msg=f"hess {reduction}")


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sigmoid_extremes(simd, dtype):
    x = np.array(
        [1e4, -1e4, 30.0, -30.0, np.inf, -np.inf, np.inf, -np.inf, np.nan, 0.0], dtype=dtype
    )
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    loss = xentc.sigmoid_cross_entropy(x, t, reduction="none")
    assert loss[0] == 0 and loss[1] == 0
    assert loss[2] == pytest.approx(np.log1p(np.exp(-30.0)), rel=1e-6)  # not 0: no cancellation
    assert loss[4] == 0 and loss[5] == 0 and loss[6] == np.inf and loss[7] == np.inf
    assert np.isnan(loss[8]) and loss[9] == pytest.approx(np.log(2))
    g, _ = xentc.SigmoidCrossEntropy(reduction="none").gradient_hessian(x, t)
    np.testing.assert_array_equal(g[[4, 5, 6, 7]], [0, 0, 1, -1])


# ---- probability inputs ------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(0,), (1,), (33,), (10001,), (5, 3), (40, 17)], ids=ids_shape)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_binary_ce_matches_reference(simd, dtype, shape, reduction):
    p = np.random.default_rng(0).random(shape).astype(dtype)
    p.flat[:3] = [0.0, 1.0, 0.5][: p.size]
    t = (np.random.default_rng(1).random(shape) > 0.5).astype(np.float64)
    sw = np.random.default_rng(2).random(shape[0])
    for opts in ({}, {"eps": 1e-3}, {"sample_weight": sw}):
        assert_close(
            xentc.binary_cross_entropy(p, t, reduction=reduction, **opts),
            ref.binary_cross_entropy(p, t, reduction=reduction, **opts),
            dtype,
        )
    r = ref.binary_cross_entropy(p, t, reduction=reduction, return_grad=True)
    g, h = xentc.BinaryCrossEntropy(reduction=reduction).gradient_hessian(p, t)
    assert_close(g, r[1], dtype, rtol=1e-4 if dtype == np.float32 else None)
    assert_close(h, r[2], dtype, rtol=1e-4 if dtype == np.float32 else None)


@pytest.mark.parametrize("target_kind", ["labels", "dense", "csr"])
@pytest.mark.parametrize("renormalize", [False, True])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_categorical_ce_matches_reference(simd, dtype, renormalize, target_kind):
    n, c = 50, 6
    p = np.random.default_rng(0).random((n, c))
    if not renormalize:
        p /= p.sum(axis=1, keepdims=True)
    p[0, :] = 0.0
    p[0, 2] = 1.0
    p = p.astype(dtype)
    y = _labels(n, c)
    t = {
        "labels": y,
        "dense": _soft(n, c),
        "csr": ssp.csr_matrix(np.where(_soft(n, c) > 0.2, _soft(n, c), 0)),
    }[target_kind]
    sw = np.random.default_rng(3).random(n)
    for reduction in REDUCTIONS:
        for opts in ({}, {"eps": 1e-4}, {"sample_weight": sw}):
            assert_close(
                xentc.categorical_cross_entropy(
                    p, t, renormalize=renormalize, reduction=reduction, **opts
                ),
                ref.categorical_cross_entropy(
                    p, t, renormalize=renormalize, reduction=reduction, **opts
                ),
                dtype,
            )
    r = ref.categorical_cross_entropy(p, t, renormalize=renormalize, return_grad=True)
    g, h = xentc.CategoricalCrossEntropy(renormalize=renormalize).gradient_hessian(p, t)
    assert_close(g, r[1], dtype, rtol=1e-4 if dtype == np.float32 else 1e-10)
    assert_close(h, r[2], dtype, rtol=1e-4 if dtype == np.float32 else 1e-10)


def test_probability_gradient_finite_differences():
    p = np.random.default_rng(0).uniform(0.1, 0.9, (5, 4))
    t = _soft(5, 4)
    for obj, tt in (
        (xentc.CategoricalCrossEntropy(renormalize=True), t),
        (xentc.CategoricalCrossEntropy(), t),
        (xentc.BinaryCrossEntropy(), (t > 0.2).astype(float)),
    ):
        g, h = obj.gradient_hessian(p, tt)
        step = 1e-7
        for idx in np.ndindex(p.shape):
            pp, pm = p.copy(), p.copy()
            pp[idx] += step
            pm[idx] -= step
            assert (obj.loss(pp, tt) - obj.loss(pm, tt)) / (2 * step) == pytest.approx(
                g[idx], rel=1e-5, abs=1e-8
            )
            num_h = (obj.loss_gradient(pp, tt)[1][idx] - obj.loss_gradient(pm, tt)[1][idx]) / (
                2 * step
            )
            assert num_h == pytest.approx(h[idx], rel=1e-4, abs=1e-6)


# ---- limits, NaN, extreme values, high precision -----------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_softmax_ce_infinite_logits_take_limits(simd, dtype):
    inf = np.inf
    x = np.array(
        [
            [inf, 0.0, 1.0],  # target is the +inf logit: loss 0
            [0.0, inf, 1.0],  # another logit is +inf: loss inf
            [-inf, 0.0, 0.0],  # target logit -inf: loss inf
            [1.0, -inf, 0.0],  # a -inf non-target: harmless
            [inf, inf, 0.0],  # two +inf, target one of them: log 2
            [np.nan, 0.0, 0.0],  # NaN row: NaN
            [-inf, -inf, -inf],
        ],  # undefined: NaN
        dtype=dtype,
    )
    y = np.array([0, 0, 0, 0, 0, 1, 0])
    loss = xentc.sparse_softmax_cross_entropy(x, y, reduction="none")
    assert loss[0] == 0 and loss[1] == inf and loss[2] == inf
    assert loss[3] == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-6)
    assert loss[4] == pytest.approx(np.log(2), rel=1e-6)
    assert np.isnan(loss[5]) and np.isnan(loss[6])
    assert_close(loss, ref.sparse_softmax_cross_entropy(x, y, reduction="none"), dtype)
    g, _h = xentc.SparseSoftmaxCrossEntropy(reduction="none").gradient_hessian(x, y)
    np.testing.assert_array_equal(g[0], [0, 0, 0])
    assert np.isnan(g[5]).all()
    # soft targets: a zero target on a -inf logit contributes 0, not 0 * inf = NaN
    t = np.array([[0.0, 0.5, 0.5]])
    assert np.isfinite(xentc.softmax_cross_entropy(np.array([[-inf, 1.0, 2.0]], dtype), t))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_large_logits_no_overflow(simd, dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [0.0, 0.0, 1e4]], dtype=dtype)
    y = np.array([0, 2, 0])
    loss = xentc.sparse_softmax_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(loss, [0.0, 5e3, 1e4], rtol=1e-6)
    g, _ = xentc.SparseSoftmaxCrossEntropy().gradient_hessian(x, y)
    assert np.isfinite(g).all()


def _mp_sparse_ce(row, label):
    import mpmath as mp

    mp.mp.dps = 60
    lse = mp.log(mp.fsum(mp.exp(mp.mpf(float(v))) for v in row))
    return lse - mp.mpf(float(row[label]))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sparse_ce_against_mpmath(simd, dtype):
    """Error budget per row: 4 ulps of the loss plus the effect of rounding
    each shifted logit x_j - max once in the dtype, eps/2 * sum_j p_j |x_j - max|
    (every method that shifts in the input's precision pays this).
    This holds down to losses of 1e-30 (confident predictions), where the
    textbook `lse - x_y` returns 0."""
    mp = pytest.importorskip("mpmath")
    rng = np.random.default_rng(0)
    rows = [rng.standard_normal(50) * s for s in (1.0, 10.0, 100.0)]
    rows.append(np.concatenate([[80.0], rng.standard_normal(9)]))  # loss ~ e^-80
    rows.append(np.concatenate([[20.0], np.full(999, -5.0)]))
    rows.append(np.array([1e-30, 0.0]))
    rows.append(np.linspace(-60, 60, 5001))
    eps = float(np.finfo(dtype).eps)
    for row in rows:
        x = row.astype(dtype)[None, :]
        for label in (0, int(np.argmin(row)), len(row) - 1):
            expected = _mp_sparse_ce(x[0], label)
            got = xentc.sparse_softmax_cross_entropy(x, [label], reduction="sum")
            xd = x.astype(np.float64)
            sensitivity = float(np.sum(ref.softmax(xd) * np.abs(xd - xd.max()))) * eps / 2
            assert abs(mp.mpf(got) - expected) <= 4 * eps * abs(expected) + sensitivity, (
                row[:3],
                label,
            )
            if sensitivity < eps * abs(expected):  # well-conditioned rows: 4 ulps flat
                assert abs(mp.mpf(got) - expected) <= 4 * eps * abs(expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_sigmoid_ce_against_mpmath(simd, dtype):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    xs = np.array([-1e3, -80, -20, -1, -1e-8, 0, 1e-8, 1, 20, 80, 1e3], dtype=dtype)
    for y in (0.0, 1.0, 0.3):
        got = xentc.sigmoid_cross_entropy(xs, np.full(xs.shape, y), reduction="none")
        for xv, g in zip(xs, got):
            xm = mp.mpf(float(xv))
            sp_pos = mp.log1p(mp.exp(xm)) if xm < 100 else xm + mp.log1p(mp.exp(-xm))
            sp_neg = mp.log1p(mp.exp(-xm)) if xm > -100 else -xm + mp.log1p(mp.exp(xm))
            expected = y * sp_neg + (1 - y) * sp_pos
            assert (
                abs(mp.mpf(float(g)) - expected)
                <= 4 * np.finfo(dtype).eps * abs(expected) + 1e-300
            ), (xv, y)


# ---- reductions, empty, ignore -----------------------------------------------------


def test_empty_and_all_ignored_give_nan_mean():
    x = np.zeros((0, 4))
    assert np.isnan(xentc.sparse_softmax_cross_entropy(x, np.zeros(0, int)))
    assert xentc.sparse_softmax_cross_entropy(x, np.zeros(0, int), reduction="sum") == 0
    assert xentc.sparse_softmax_cross_entropy(x, np.zeros(0, int), reduction="none").shape == (0,)
    x = _logits((3, 4), np.float64)
    y = np.array([-100, -100, -100])
    assert np.isnan(xentc.sparse_softmax_cross_entropy(x, y, ignore_index=-100))
    _, g = xentc.SparseSoftmaxCrossEntropy(ignore_index=-100).loss_gradient(x, y)
    np.testing.assert_array_equal(g, 0)
    assert np.isnan(xentc.sigmoid_cross_entropy(np.zeros(0), np.zeros(0)))


def test_single_class_and_float16():
    x = np.array([[3.0], [-2.0]])
    np.testing.assert_array_equal(
        xentc.sparse_softmax_cross_entropy(x, [0, 0], reduction="none"), [0, 0]
    )
    x16 = _logits((4, 5), np.float16)
    out = xentc.sparse_softmax_cross_entropy(x16, _labels(4, 5), reduction="none")
    assert out.dtype == np.float32


def test_mean_is_weighted_mean():
    x = _logits((10, 4), np.float64)
    y = _labels(10, 4)
    sw = np.arange(10.0)
    per = xentc.sparse_softmax_cross_entropy(x, y, reduction="none")
    assert xentc.sparse_softmax_cross_entropy(x, y, sample_weight=sw) == pytest.approx(
        np.sum(per * sw) / sw.sum()
    )
    assert np.allclose(
        xentc.sparse_softmax_cross_entropy(x, y, sample_weight=sw, reduction="none"), per * sw
    )
    x2 = _logits((10, 3), np.float64)
    t2 = np.random.default_rng(0).random((10, 3))
    per2 = xentc.sigmoid_cross_entropy(x2, t2, reduction="none")
    assert xentc.sigmoid_cross_entropy(x2, t2, sample_weight=sw) == pytest.approx(
        np.sum(per2 * sw[:, None]) / (sw.sum() * 3)
    )


# ---- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((3, 4)), [0, 1]),
            ValueError,
            "labels has 2 entries but the logits have 3 rows",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((3, 4)), [0, 4, 1]),
            ValueError,
            r"labels\[1\] = 4 is out of range: class indices must be in \[0, 4\)",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((3, 4)), [0, -1, 1]),
            ValueError,
            r"labels\[1\] = -1 is out of range",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((3, 4)), [0, 1.5, 1]),
            ValueError,
            r"non-integral value 1.5 at position 1",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((2, 4)), ["a", "b"]),
            TypeError,
            "labels must be an integer array",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.array([["a"]]), [0]),
            TypeError,
            "logits must be a real floating-point array",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros(4), [0]),
            ValueError,
            r"logits must be 2-D",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(
                np.zeros((2, 4)), [0, 1], class_weight=[1, 2]
            ),
            ValueError,
            r"class_weight must have shape \(4,\); got shape \(2,\)",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(
                np.zeros((2, 4)), [0, 1], sample_weight=[1, -2]
            ),
            ValueError,
            "sample_weight must be non-negative; got -2.0 at position 1",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(
                np.zeros((2, 4)), [0, 1], sample_weight=[1, np.nan]
            ),
            ValueError,
            "sample_weight must be finite",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((2, 4)), [0, 1], reduction="avg"),
            ValueError,
            r"reduction must be one of \('none', 'sum', 'mean'\); got 'avg'",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(
                np.zeros((2, 4)), [0, 1], label_smoothing=1.5
            ),
            ValueError,
            r"label_smoothing must be in \[0, 1\]; got 1.5",
        ),
        (
            lambda: xentc.softmax_cross_entropy(np.zeros((2, 4)), np.zeros((2, 3))),
            ValueError,
            r"targets must have the logits' shape \(2, 4\); got \(2, 3\)",
        ),
        (
            lambda: xentc.softmax_cross_entropy(np.zeros((2, 2)), [[1, 0], [-1, 2]]),
            ValueError,
            "targets must be non-negative",
        ),
        (
            lambda: xentc.sigmoid_cross_entropy(np.zeros((2, 3)), np.full((2, 3), 2.0)),
            ValueError,
            r"targets must be in \[0, 1\]; got 2.0",
        ),
        (
            lambda: xentc.sigmoid_cross_entropy(
                np.zeros((2, 3)), np.zeros((2, 3)), pos_weight=[1, 2]
            ),
            ValueError,
            r"pos_weight must have shape \(3,\)",
        ),
        (
            lambda: xentc.sigmoid_cross_entropy(
                np.zeros((2, 3)), np.zeros((2, 3)), pos_weight=-1.0
            ),
            ValueError,
            "pos_weight must be non-negative",
        ),
        (
            lambda: xentc.binary_cross_entropy(np.array([0.5, 1.5]), [0, 1]),
            ValueError,
            r"probs must be in \[0, 1\]; got 1.5 at position 1",
        ),
        (
            lambda: xentc.binary_cross_entropy(np.array([0.5]), [0], eps=0.7),
            ValueError,
            r"eps must be in \[0, 0.5\)",
        ),
        (
            lambda: xentc.categorical_cross_entropy(np.full((2, 2), 0.5), [0, 2]),
            ValueError,
            r"targets\[1\] = 2 is out of range",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((2, 4)), [0, 1], n_threads=0),
            ValueError,
            "n_threads must be None or a positive int",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(np.zeros((2, 0)), [0, 1]),
            ValueError,
            "at least one class",
        ),
        (
            lambda: xentc.sparse_softmax_cross_entropy(ssp.csr_matrix(np.zeros((2, 4))), [0, 1]),
            TypeError,
            "logits must be a dense array",
        ),
    ],
)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_ignore_index_accepted_in_range_check():
    x = _logits((3, 4), np.float64)
    y = np.array([0, -100, 3])
    got = xentc.sparse_softmax_cross_entropy(x, y, ignore_index=-100, reduction="none")
    assert got[1] == 0
    with pytest.raises(ValueError, match=r"\[0, 4\) or ignore_index=-100"):
        xentc.sparse_softmax_cross_entropy(x, [0, -5, 1], ignore_index=-100)


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_inputs_never_modified(case):
    n, c = 20, 6
    x = _logits((n, c), np.float32)
    obj, y = LOSS_CASES[case](x, n, c)
    xs, ys = x.copy(), y.copy()
    sw = np.ones(n)
    obj.loss_gradient(x, y, sw)
    obj.gradient_hessian(x, y, sw)
    np.testing.assert_array_equal(x, xs)
    if ssp.issparse(y):
        assert (y != ys).nnz == 0
    else:
        np.testing.assert_array_equal(y, ys)
    np.testing.assert_array_equal(sw, 1)


# ---- loss objects --------------------------------------------------------------


@pytest.mark.parametrize(
    "cls",
    [
        xentc.SparseSoftmaxCrossEntropy,
        xentc.SoftmaxCrossEntropy,
        xentc.SigmoidCrossEntropy,
        xentc.BinaryCrossEntropy,
        xentc.CategoricalCrossEntropy,
    ],
)
def test_loss_objects_follow_sklearn_conventions(cls):
    sklearn_base = pytest.importorskip("sklearn.base")
    obj = cls(reduction="sum", n_threads=2)
    assert obj.get_params()["reduction"] == "sum"
    clone = sklearn_base.clone(obj)
    assert clone is not obj and clone.get_params() == obj.get_params()
    assert repr(obj) == f"{cls.__name__}(reduction='sum', n_threads=2)"
    assert repr(cls()) == f"{cls.__name__}()"
    assert obj.set_params(reduction="mean") is obj and obj.reduction == "mean"
    with pytest.raises(ValueError, match="invalid parameter 'bogus'"):
        obj.set_params(bogus=1)


def test_loss_object_call_equals_function():
    x = _logits((12, 5), np.float64)
    y = _labels(12, 5)
    obj = xentc.SparseSoftmaxCrossEntropy(label_smoothing=0.1, class_weight="balanced")
    assert obj(x, y) == xentc.sparse_softmax_cross_entropy(
        x, y, label_smoothing=0.1, class_weight="balanced"
    )
    assert obj.loss(x, y) == obj(x, y)
    # "none": loss per sample, gradient of the sum
    none = xentc.SparseSoftmaxCrossEntropy(reduction="none")
    loss, g = none.loss_gradient(x, y)
    assert loss.shape == (12,)
    np.testing.assert_allclose(
        g, xentc.SparseSoftmaxCrossEntropy(reduction="sum").loss_gradient(x, y)[1]
    )


@pytest.mark.parametrize("shape", [(1, 10), (64, 1000), (3000, 2), (0, 5)], ids=ids_shape)
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_plain_call_fast_path_equals_full_path(dtype, shape):
    """The plain sparse CE call is validated in one C pass; it must give the
    same bits as the general path, and fall back to it for anything unusual."""
    x = _logits(shape, dtype)
    y = _labels(shape[0], shape[1])
    for reduction in ("mean", "sum"):
        fast = xentc.sparse_softmax_cross_entropy(x, y, reduction=reduction)
        full = xentc.SparseSoftmaxCrossEntropy(reduction=reduction)(x, y)
        assert fast == full or (np.isnan(fast) and np.isnan(full))
    # unusual inputs take the general path: int32 labels, a list, Fortran order
    assert xentc.sparse_softmax_cross_entropy(x, y.astype(np.int32)) == pytest.approx(
        xentc.SparseSoftmaxCrossEntropy()(x, y), nan_ok=True
    )
    if shape[0]:
        with pytest.raises(ValueError, match="out of range"):
            bad = y.copy()
            bad[-1] = shape[1]
            xentc.sparse_softmax_cross_entropy(x, bad)
