"""Grouped softmax cross-entropy (plain and focal), its gradient and Hessian,
grouped_accuracy: against the NumPy twin (xentc._reference), finite
differences and mpmath; dtypes, layouts, thread counts, SIMD targets, group
sizes 1..65 equal and unequal, weights, ignore_index, smoothing, limits,
bad input."""

import mpmath
import numpy as np
import pytest
from conftest import DTYPES, THREADS, assert_close, layouts

import xentc
from xentc import _reference as ref

GROUPS = {
    "one": [1],
    "pairs": [2] * 7,
    "tiny": [3, 1, 5],
    "product": [12, 7, 5],
    "cliff": [15, 16, 17],
    "long": [40],
    "mixed": [2, 40, 1, 20, 63, 64, 65],
    "sizes1to40": list(range(1, 41)),
}
REDUCTIONS = ["none", "sum", "mean"]
ids_dtype = lambda d: np.dtype(d).name


def _data(n, groups, dtype, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, sum(groups))) * scale).astype(dtype)
    y = np.stack([rng.integers(0, c, n) for c in groups], axis=1)
    return x, y


def _split_ce(x, y, groups, **kw):
    """the same loss as one sparse CE call per group"""
    off = np.concatenate([[0], np.cumsum(groups)])
    return np.stack(
        [
            xentc.sparse_softmax_cross_entropy(
                x[:, off[g] : off[g + 1]], y[:, g], reduction="none", **kw
            )
            for g in range(len(groups))
        ],
        axis=1,
    )


# ---- against the twin ---------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(GROUPS))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_matches_reference(simd, dtype, name, reduction):
    groups = GROUPS[name]
    x, y = _data(37, groups, dtype)
    obj = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction=reduction)
    r_loss, r_g, r_h = ref.grouped_softmax_cross_entropy(
        x, y, groups=groups, reduction=reduction, return_grad=True
    )
    assert_close(
        xentc.grouped_softmax_cross_entropy(x, y, groups=groups, reduction=reduction),
        r_loss,
        dtype,
    )
    loss, g = obj.loss_gradient(x, y)
    assert_close(loss, r_loss, dtype)
    assert_close(g, r_g, dtype, err_msg="gradient")
    g2, h = obj.gradient_hessian(x, y)
    np.testing.assert_array_equal(g, g2)
    assert_close(h, r_h, dtype, err_msg="hessian")


OPTIONS = {
    "plain": {},
    "class_weight": {"class_weight": [np.linspace(0.5, 2.0, 12), None, {1: 3.0, 4: 0.0}]},
    "balanced": {"class_weight": "balanced"},
    "balanced_mixed": {"class_weight": ["balanced", np.arange(1, 8), "balanced"]},
    "sample_weight": {"sample_weight": "rand"},
    "ignore_index": {"ignore_index": -100},
    "smoothing": {"label_smoothing": 0.2},
    "focal": {"focal_gamma": 2.0},
    "focal_half": {"focal_gamma": 0.5},
    "focal_smoothing": {"focal_gamma": 1.5, "label_smoothing": 0.1},
    "all": {
        "class_weight": [np.linspace(0.5, 2.0, 12), "balanced", None],
        "sample_weight": "rand",
        "ignore_index": -100,
        "label_smoothing": 0.25,
        "focal_gamma": 3.0,
    },
}


def _resolve(opts, y):
    opts = dict(opts)
    if opts.get("sample_weight") == "rand":
        opts["sample_weight"] = np.random.default_rng(5).random(y.shape[0]) * 2
    if "ignore_index" in opts:
        y = y.copy()
        y[::4, 1] = opts["ignore_index"]
        y[1::5, 0] = opts["ignore_index"]
    return opts, y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_options_and_derivatives(simd, dtype, option, reduction):
    groups = [12, 7, 5]
    x, y = _data(41, groups, dtype)
    opts, y = _resolve(OPTIONS[option], y)
    sw = opts.pop("sample_weight", None)
    r_loss, r_g, r_h = ref.grouped_softmax_cross_entropy(
        x, y, groups=groups, sample_weight=sw, reduction=reduction, return_grad=True, **opts
    )
    got = xentc.grouped_softmax_cross_entropy(
        x, y, groups=groups, sample_weight=sw, reduction=reduction, **opts
    )
    assert_close(got, r_loss, dtype)
    obj = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction=reduction, **opts)
    loss, g = obj.loss_gradient(x, y, sw)
    assert_close(loss, r_loss, dtype)
    assert_close(g, r_g, dtype, err_msg="gradient")
    _, h = obj.gradient_hessian(x, y, sw)
    assert_close(h, r_h, dtype, err_msg="hessian")


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_three_d_logits_equal_two_d_with_groups(dtype):
    x3 = (np.random.default_rng(0).standard_normal((23, 4, 6)) * 3).astype(dtype)
    y = np.random.default_rng(1).integers(0, 6, (23, 4))
    obj3 = xentc.GroupedSoftmaxCrossEntropy(reduction="none")
    obj2 = xentc.GroupedSoftmaxCrossEntropy(groups=[6] * 4, reduction="none")
    l3, g3 = obj3.loss_gradient(x3, y)
    l2, g2 = obj2.loss_gradient(x3.reshape(23, 24), y)
    assert l3.shape == (23, 4) and g3.shape == (23, 4, 6)
    np.testing.assert_array_equal(l3, l2)
    np.testing.assert_array_equal(g3.reshape(23, 24), g2)


# ---- the plain path is the sparse kernel, bit for bit --------------------------


@pytest.mark.parametrize("name", ["pairs", "product", "cliff", "mixed"])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_focal_gamma_zero_is_plain_bit_for_bit(dtype, name):
    groups = GROUPS[name]
    x, y = _data(50, groups, dtype)
    for reduction in REDUCTIONS:
        a = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction=reduction)
        b = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction=reduction, focal_gamma=0.0)
        la, ga = a.loss_gradient(x, y)
        lb, gb = b.loss_gradient(x, y)
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(ga, gb)


@pytest.mark.parametrize("name", ["pairs", "product", "long", "wide"])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_entries_equal_sparse_ce_per_group(simd, dtype, name):
    groups = GROUPS[name] if name != "wide" else [80, 80]
    x, y = _data(70, groups, dtype)
    got = xentc.grouped_softmax_cross_entropy(x, y, groups=groups, reduction="none")
    assert_close(got, _split_ce(x, y, groups), dtype)
    if name in ("pairs", "wide"):  # equal groups are (N*G, C) rows: the sparse kernel exactly
        flat = xentc.sparse_softmax_cross_entropy(
            x.reshape(-1, groups[0]), y.reshape(-1), reduction="none"
        )
        np.testing.assert_array_equal(got, flat.reshape(got.shape))


# ---- finite differences and mpmath ----------------------------------------------


@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"label_smoothing": 0.3},
        {"focal_gamma": 0.5},
        {"focal_gamma": 1.0},
        {"focal_gamma": 2.0},
        {"focal_gamma": 3.5, "label_smoothing": 0.2},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain",
)
def test_derivatives_match_finite_differences(opts):
    groups = [4, 1, 9, 2]
    x, y = _data(5, groups, np.float64, scale=2.0)
    w = np.random.default_rng(3).random(5) + 0.5
    obj = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction="mean", **opts)
    g, h = obj.gradient_hessian(x, y, w)
    step = 1e-6
    num_g = np.zeros_like(x)
    num_h = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += step
        xm[idx] -= step
        num_g[idx] = (obj.loss(xp, y, w) - obj.loss(xm, y, w)) / (2 * step)
        num_h[idx] = (
            obj.gradient_hessian(xp, y, w)[0][idx] - obj.gradient_hessian(xm, y, w)[0][idx]
        ) / (2 * step)
    np.testing.assert_allclose(g, num_g, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(h, num_h, rtol=1e-5, atol=1e-8)


def _mp_focal(row, y, gamma, eps=0.0):
    """-sum_j t_j (1-p_j)^gamma log p_j and its derivatives in 60 digits"""
    mpmath.mp.dps = 60
    z = [mpmath.mpf(float(v)) for v in row]
    c = len(z)
    lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))
    lp = [v - lse for v in z]
    t = [(1 - mpmath.mpf(eps)) * (j == y) + mpmath.mpf(eps) / c for j in range(c)]

    def loss(zz):
        lse2 = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in zz))
        return -mpmath.fsum(
            t[j] * (1 - mpmath.exp(zz[j] - lse2)) ** gamma * (zz[j] - lse2) for j in range(c)
        )

    val = -mpmath.fsum(t[j] * (-mpmath.expm1(lp[j])) ** gamma * lp[j] for j in range(c))
    grad = [mpmath.diff(lambda v, k=k: loss(z[:k] + [v] + z[k + 1 :]), z[k]) for k in range(c)]
    return float(val), np.array([float(v) for v in grad])


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_confident_entries_against_mpmath(simd, dtype, gamma):
    # gaps up to 30: 1 - p_t down to ~1e-13, where 1 - p loses every digit
    rows = np.array(
        [
            [0.0, -3.0, -7.0, 2.0, 1.0],
            [25.0, 0.0, -1.0, 1.0, -4.0],
            [30.0, 5.0, 4.0, 3.0, 0.0],
            [-2.0, 14.0, 1.5, 0.5, 0.25],
        ],
        dtype=dtype,
    )
    labels = np.array([[3], [0], [0], [1]])
    obj = xentc.GroupedSoftmaxCrossEntropy(groups=[5], focal_gamma=gamma, reduction="none")
    loss, g = obj.loss_gradient(rows, labels)
    rtol = 3e-6 if dtype == np.float32 else 1e-12
    for i in range(rows.shape[0]):
        want, want_g = _mp_focal(rows[i], labels[i, 0], gamma)
        np.testing.assert_allclose(loss[i, 0], want, err_msg=f"row {i}")
        np.testing.assert_allclose(
            g[i], want_g, rtol=rtol * 10, atol=1e-300 if gamma else 0, err_msg=f"gradient row {i}"
        )
        assert want > 0 and loss[i, 0] > 0


def test_focal_smoothing_against_mpmath():
    rows = np.array([[9.0, -2.0, 0.5, 3.0], [0.1, 0.2, 0.3, 0.4]])
    labels = np.array([[0], [2]])
    loss, g = xentc.GroupedSoftmaxCrossEntropy(
        groups=[4], focal_gamma=2.5, label_smoothing=0.1, reduction="none"
    ).loss_gradient(rows, labels)
    for i in range(2):
        want, want_g = _mp_focal(rows[i], labels[i, 0], 2.5, eps=0.1)
        np.testing.assert_allclose(loss[i, 0], want, rtol=1e-13)
        np.testing.assert_allclose(g[i], want_g, rtol=1e-10)


# ---- layouts, threads, SIMD ------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_layouts_give_identical_results(dtype):
    groups = [3, 8, 2, 20]
    x, y = _data(29, groups, dtype)
    obj = xentc.GroupedSoftmaxCrossEntropy(groups=groups, reduction="none", focal_gamma=0.0)
    want_l, want_g = obj.loss_gradient(np.ascontiguousarray(x), y)
    for name, xl in layouts(x):
        for yname, yl in layouts(y):
            l, g = obj.loss_gradient(xl, yl)
            np.testing.assert_array_equal(l, want_l, err_msg=f"{name}/{yname}")
            np.testing.assert_array_equal(g, want_g, err_msg=f"{name}/{yname}")
    x3 = (np.random.default_rng(2).standard_normal((11, 5, 4)) * 2).astype(dtype)
    y3 = np.random.default_rng(3).integers(0, 4, (11, 5))
    want3 = xentc.grouped_softmax_cross_entropy(x3, y3, reduction="none")
    for name, xl in layouts(x3):
        np.testing.assert_array_equal(
            xentc.grouped_softmax_cross_entropy(xl, y3, reduction="none"), want3, err_msg=name
        )


@pytest.mark.parametrize("n_threads", THREADS)
@pytest.mark.parametrize("case", ["equal", "unequal", "focal", "cols"])
def test_threads_bit_identical(case, n_threads):
    groups = {
        "equal": [5] * 8,
        "unequal": [12, 7, 5, 30, 2],
        "focal": [12, 7, 5],
        "cols": [20] * 3,
    }[case]
    x, y = _data(7000, groups, np.float32)
    w = np.random.default_rng(4).random(7000)
    obj = xentc.GroupedSoftmaxCrossEntropy(
        groups=groups, focal_gamma=2.0 if case == "focal" else 0.0
    )
    base = obj.set_params(n_threads=1).loss_gradient(x, y, w)
    got = obj.set_params(n_threads=n_threads).loss_gradient(x, y, w)
    assert got[0] == base[0]
    np.testing.assert_array_equal(got[1], base[1])
    obj.set_params(reduction="none")
    np.testing.assert_array_equal(
        obj.set_params(n_threads=n_threads).loss(x, y, w),
        obj.set_params(n_threads=1).loss(x, y, w),
    )


def test_simd_targets_agree():
    groups = [2, 3, 16, 17, 5, 70]
    x, y = _data(300, groups, np.float32)
    results = {}
    for target in xentc.available_simd_targets():
        with xentc.simd_target(target):
            results[target] = xentc.GroupedSoftmaxCrossEntropy(
                groups=groups, reduction="none"
            ).gradient_hessian(x, y)
    want = ref.grouped_softmax_cross_entropy(
        x, y, groups=groups, reduction="none", return_grad=True
    )
    for target, (g, h) in results.items():
        assert_close(g, want[1], np.float32, err_msg=target)
        assert_close(h, want[2], np.float32, err_msg=target)


def test_in_place_gradient_and_out():
    groups = [3, 6, 2]
    x, y = _data(20, groups, np.float64)
    want_l, want_g = xentc.GroupedSoftmaxCrossEntropy(groups=groups).loss_gradient(x, y)
    buf = x.copy()
    loss, g = xentc.GroupedSoftmaxCrossEntropy(groups=groups).loss_gradient(buf, y, out=buf)
    assert g is buf and loss == want_l
    np.testing.assert_array_equal(buf, want_g)
    x3 = x[:, :6].reshape(20, 2, 3).copy()
    y3 = np.minimum(y[:, :2], 2)
    want3 = xentc.GroupedSoftmaxCrossEntropy(focal_gamma=1.0).loss_gradient(x3, y3)[1]
    buf3 = x3.copy()
    g3 = xentc.GroupedSoftmaxCrossEntropy(focal_gamma=1.0).loss_gradient(buf3, y3, out=buf3)[1]
    assert g3 is buf3
    np.testing.assert_array_equal(buf3, want3)
    with pytest.raises(ValueError, match="out must have shape"):
        xentc.GroupedSoftmaxCrossEntropy(groups=groups).loss_gradient(x, y, out=np.empty((20, 10)))
    with pytest.raises(TypeError, match="out must have dtype"):
        xentc.GroupedSoftmaxCrossEntropy(groups=groups).loss_gradient(
            x, y, out=np.empty(x.shape, np.float32)
        )


# ---- limits, NaN, empty ------------------------------------------------------------


@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids_dtype)
def test_nan_and_infinite_logits(simd, dtype, gamma):
    groups = [3, 3, 3, 3, 20]
    x, y = _data(4, groups, dtype)
    y[:, :4] = 0
    x[0, 0:3] = [np.nan, 1, 2]  # NaN: that entry only
    x[1, 3:6] = [np.inf, 1, 2]  # label at +inf: loss 0
    x[2, 6:9] = [1, np.inf, 2]  # another entry at +inf: loss inf
    x[3, 9:12] = -np.inf  # no softmax at all: NaN
    x[0, 12 + y[0, 4]] = np.inf  # a long group, label at +inf
    loss, g = xentc.GroupedSoftmaxCrossEntropy(
        groups=groups, reduction="none", focal_gamma=gamma
    ).loss_gradient(x, y)
    assert np.isnan(loss[0, 0]) and np.isnan(g[0, :3]).all()
    assert loss[1, 1] == 0 and (g[1, 3:6] == 0).all()
    assert loss[2, 2] == np.inf
    np.testing.assert_array_equal(g[2, 6:9], [-1, 1, 0])
    assert np.isnan(loss[3, 3])
    assert loss[0, 4] == 0
    finite = np.ones_like(loss, bool)
    finite[[0, 1, 2, 3, 0], [0, 1, 2, 3, 4]] = False
    assert np.isfinite(loss[finite]).all() and (loss[finite] > 0).all()
    assert np.isfinite(g[1:, 12:]).all()


def test_empty_and_all_ignored():
    x = np.zeros((0, 5))
    y = np.zeros((0, 2), np.int64)
    assert np.isnan(xentc.grouped_softmax_cross_entropy(x, y, groups=[2, 3]))
    assert xentc.grouped_softmax_cross_entropy(x, y, groups=[2, 3], reduction="sum") == 0
    assert xentc.grouped_softmax_cross_entropy(x, y, groups=[2, 3], reduction="none").shape == (
        0,
        2,
    )
    x, y = _data(4, [2, 3], np.float64)
    y[:] = -1
    assert np.isnan(xentc.grouped_softmax_cross_entropy(x, y, groups=[2, 3], ignore_index=-1))
    g = xentc.GroupedSoftmaxCrossEntropy(groups=[2, 3], ignore_index=-1).loss_gradient(x, y)[1]
    assert (g == 0).all()


def test_mean_is_weighted_mean_over_entries():
    groups = [4, 2, 3]
    x, y = _data(9, groups, np.float64)
    y[2, 1] = 7
    sw = np.arange(1.0, 10.0)
    cw = [None, [2.0, 0.5], {0: 3.0}]
    per = xentc.grouped_softmax_cross_entropy(
        x, y, groups=groups, reduction="none", sample_weight=sw, class_weight=cw, ignore_index=7
    )
    w = sw[:, None] * np.ones((9, 3))
    yk = np.where(y == 7, 0, y)
    w[:, 1] *= np.array([2.0, 0.5])[yk[:, 1]]
    w[:, 2] *= np.where(yk[:, 2] == 0, 3.0, 1.0)
    w[2, 1] = 0
    assert per[2, 1] == 0
    mean = xentc.grouped_softmax_cross_entropy(
        x, y, groups=groups, sample_weight=sw, class_weight=cw, ignore_index=7
    )
    np.testing.assert_allclose(mean, per.sum() / w.sum(), rtol=1e-14)


def test_float16_and_integer_logits_and_float_labels():
    x, y = _data(6, [3, 4], np.float64, scale=1.0)
    want = xentc.grouped_softmax_cross_entropy(
        x.astype(np.float16).astype(np.float32), y, groups=[3, 4]
    )
    got = xentc.grouped_softmax_cross_entropy(
        x.astype(np.float16), y.astype(np.float64), groups=[3, 4]
    )
    assert got == want
    assert np.isfinite(
        xentc.grouped_softmax_cross_entropy(
            np.arange(14).reshape(2, 7), [[0, 1], [2, 3]], groups=[3, 4]
        )
    )


# ---- bad input ---------------------------------------------------------------------

X, Y = _data(3, [2, 3], np.float64)
BAD = [
    (
        {"logits": X, "labels": Y},
        ValueError,
        r"3-D \(n_samples, n_groups, n_classes\) when groups is None",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 2]},
        ValueError,
        r"5 columns but groups \[2, 2\] sum to 4",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 0, 3]},
        ValueError,
        r"groups\[1\] must be a positive int",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3.0]},
        TypeError,
        r"groups\[1\] must be a positive int",
    ),
    ({"logits": X, "labels": Y, "groups": 5}, TypeError, "groups must be a sequence"),
    ({"logits": X, "labels": Y, "groups": []}, ValueError, "at least one group"),
    (
        {"logits": X, "labels": Y[:, :1], "groups": [2, 3]},
        ValueError,
        r"shape \(n_samples, n_groups\) = \(3, 2\)",
    ),
    (
        {"logits": X, "labels": np.array([[0, 0], [2, 0], [0, 0]]), "groups": [2, 3]},
        ValueError,
        r"labels\[1, 0\] = 2 is out of range: group 0 has 2 classes, so its labels must be in \[0, 2\)",
    ),
    (
        {
            "logits": X,
            "labels": np.array([[0, 0], [0, -1], [0, 3]]),
            "groups": [2, 3],
            "ignore_index": -1,
        },
        ValueError,
        r"labels\[2, 1\] = 3 .* in \[0, 3\) or ignore_index=-1",
    ),
    (
        {"logits": X, "labels": Y + 0.5, "groups": [2, 3]},
        ValueError,
        r"non-integral value \d+\.5 at position \(0, 0\)",
    ),
    (
        {"logits": X, "labels": Y.astype(str), "groups": [2, 3]},
        TypeError,
        "integer array of class indices",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "class_weight": [None]},
        ValueError,
        "sequence of 2 entries",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "class_weight": [None, [1, 2]]},
        ValueError,
        r"class_weight\[1\] must have shape \(3,\)",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "class_weight": [{5: 1.0}, None]},
        ValueError,
        r"class_weight\[0\] keys must be class indices in \[0, 2\)",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "class_weight": "most"},
        ValueError,
        r"class_weight\[0\] must be None, 'balanced'",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "focal_gamma": -1.0},
        ValueError,
        "focal_gamma must be a finite float >= 0",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "focal_gamma": np.nan},
        ValueError,
        "focal_gamma",
    ),
    ({"logits": X, "labels": Y, "groups": [2, 3], "focal_gamma": True}, TypeError, "focal_gamma"),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "sample_weight": np.ones(4)},
        ValueError,
        r"sample_weight must have shape \(3,\)",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "ignore_index": 1.5},
        TypeError,
        "ignore_index must be None or an int",
    ),
    (
        {"logits": X, "labels": Y, "groups": [2, 3], "reduction": "avg"},
        ValueError,
        "reduction must be one of",
    ),
    (
        {"logits": X.astype(np.complex128), "labels": Y, "groups": [2, 3]},
        TypeError,
        "real floating-point",
    ),
]


@pytest.mark.parametrize("kwargs,exc,match", BAD, ids=[m[:40] for _, _, m in BAD])
def test_bad_input_messages(kwargs, exc, match):
    kwargs = dict(kwargs)
    with pytest.raises(exc, match=match):
        xentc.grouped_softmax_cross_entropy(kwargs.pop("logits"), kwargs.pop("labels"), **kwargs)


def test_uint64_labels_beyond_int64_are_refused():
    y = np.array([[0, 2**63 + 1]] * 3, dtype=np.uint64)
    with pytest.raises(ValueError, match=r"labels\[0, 1\] = 9223372036854775809 is out of range"):
        xentc.grouped_softmax_cross_entropy(X, y, groups=[2, 3], ignore_index=-1)


def test_inputs_never_modified():
    x, y = _data(30, [3, 4, 20], np.float32)
    y[0, 0] = -100
    x_copy, y_copy = x.copy(), y.copy()
    w = np.random.default_rng(0).random(30)
    w_copy = w.copy()
    xentc.GroupedSoftmaxCrossEntropy(
        groups=[3, 4, 20], ignore_index=-100, focal_gamma=1.0, class_weight="balanced"
    ).gradient_hessian(x, y, w)
    xentc.grouped_softmax_cross_entropy(x, y, groups=[3, 4, 20], ignore_index=-100)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(w, w_copy)


def test_loss_object_sklearn_conventions():
    from sklearn.base import clone

    obj = xentc.GroupedSoftmaxCrossEntropy(groups=[2, 3], focal_gamma=2.0)
    assert repr(obj) == "GroupedSoftmaxCrossEntropy(groups=[2, 3], focal_gamma=2.0)"
    c = clone(obj)
    assert c is not obj and c.get_params() == obj.get_params()
    x, y = _data(8, [2, 3], np.float64)
    assert (
        obj(x, y)
        == obj.loss(x, y)
        == xentc.grouped_softmax_cross_entropy(x, y, groups=[2, 3], focal_gamma=2.0)
    )
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        obj.set_params(gamma=1)
    assert xentc.losses.grouped_softmax_cross_entropy is xentc.grouped_softmax_cross_entropy


# ---- grouped_accuracy ---------------------------------------------------------------


def test_grouped_accuracy():
    y = np.array([[0, 1], [1, 2], [2, 0], [1, 1]])
    pred = np.array([[0, 1], [1, 0], [0, 0], [1, 1]])
    r = xentc.metrics.grouped_accuracy(y, pred)
    assert r == {"per_group": [0.75, 0.75], "exact_match": 0.5}
    scores = np.zeros((4, 6))
    for i, (a, b) in enumerate(pred):
        scores[i, a] = 1
        scores[i, 3 + b] = 1
    assert xentc.metrics.grouped_accuracy(y, scores, groups=[3, 3]) == r
    assert xentc.metrics.grouped_accuracy(y, scores.reshape(4, 2, 3)) == r
    assert xentc.metrics.grouped_accuracy(np.array([["a", "x"]]), np.array([["a", "y"]])) == {
        "per_group": [1.0, 0.0],
        "exact_match": 0.0,
    }
    with pytest.raises(ValueError, match="must match"):
        xentc.metrics.grouped_accuracy(y, scores, groups=[6])
    with pytest.raises(ValueError, match=r"y_true's shape \(4, 2\)"):
        xentc.metrics.grouped_accuracy(y, pred[:, :1])
    with pytest.raises(ValueError, match="empty"):
        xentc.metrics.grouped_accuracy(np.zeros((0, 2)), np.zeros((0, 2)))


# ---- scikit-learn: multiclass-multioutput y ------------------------------------------


def _product_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    cols = []
    for c, names in [
        (4, np.array(["shoe", "shirt", "bag", "hat"])),
        (3, np.array(["10", "20", "30"])),
        (5, np.array(list("SMLXY"))),
    ]:
        W = rng.standard_normal((6, c)) * 2
        cols.append(names[np.argmax(X @ W + rng.gumbel(size=(n, c)) * 0.3, axis=1)])
    return X, np.stack(cols, axis=1)  # strings: "10", "20", "30" in the middle


def test_classifier_fits_multioutput_with_one_grouped_model():
    from xentc.sklearn import CrossEntropyClassifier

    X, Y = _product_data()
    clf = CrossEntropyClassifier(alpha=1e-3, tol=1e-10, max_iter=3000).fit(X, Y)
    assert clf.coef_.shape == (12, 6) and clf.intercept_.shape == (12,)
    assert [list(c) for c in clf.classes_] == [
        ["bag", "hat", "shirt", "shoe"],
        ["10", "20", "30"],
        list("LMSXY"),
    ]
    pred = clf.predict(X)
    assert pred.shape == (400, 3)
    assert set(pred[:, 0]) <= {"shoe", "shirt", "bag", "hat"}
    proba = clf.predict_proba(X)
    assert [p.shape for p in proba] == [(400, 4), (400, 3), (400, 5)]
    for g, p in enumerate(proba):
        np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
        np.testing.assert_array_equal(clf.classes_[g][p.argmax(axis=1)], pred[:, g])
        np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)[g]), p, rtol=1e-12)
    acc = xentc.metrics.grouped_accuracy(Y, pred)
    assert min(acc["per_group"]) > 0.8 and acc["exact_match"] > 0.6
    # the objective separates by output: each block equals that output's own fit
    for g in range(3):
        single = CrossEntropyClassifier(alpha=1e-3, loss="softmax", tol=1e-10, max_iter=3000).fit(
            X, Y[:, g]
        )
        np.testing.assert_allclose(proba[g], single.predict_proba(X), atol=2e-5)


def test_classifier_multioutput_weights_and_errors():
    from xentc.sklearn import CrossEntropyClassifier

    X, Y = _product_data(200, seed=1)
    w = np.random.default_rng(2).random(200) + 0.5
    a = CrossEntropyClassifier(class_weight="balanced").fit(X, Y, sample_weight=w)
    b = CrossEntropyClassifier(class_weight=[{"bag": 5.0}, None, None]).fit(X, Y)
    assert not np.allclose(a.coef_, b.coef_)
    with pytest.raises(ValueError, match="list of 3 dicts"):
        CrossEntropyClassifier(class_weight=[None]).fit(X, Y)
    with pytest.raises(ValueError, match="loss='sigmoid' needs"):
        CrossEntropyClassifier(loss="sigmoid").fit(X, Y)
    with pytest.raises(ValueError, match="pos_weight applies to sigmoid"):
        CrossEntropyClassifier(pos_weight=2.0).fit(X, Y)
    X32 = X.astype(np.float32)
    clf = CrossEntropyClassifier().fit(X32, Y)
    assert clf.coef_.dtype == np.float32


def test_docs_page_runs(capsys):
    """Every python block of docs/grouped.md runs, in order, in one namespace."""
    import pathlib
    import re

    page = (pathlib.Path(__file__).parent.parent / "docs" / "grouped.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) == 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/grouped.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "[12, 7, 5] (24, 16)" in out
    assert namespace["scores"]["exact_match"] > 0.3
    assert min(namespace["scores"]["per_group"]) > 0.6


@pytest.mark.parametrize("gamma", [0.0, 1.5])
def test_many_rows_with_weights_match_reference(simd, gamma):
    """more rows than one kernel chunk (256) and one row block, every option"""
    groups = [3, 70, 1, 18, 2]
    x, y = _data(1500, groups, np.float64)
    y[::7, 3] = -1
    sw = np.random.default_rng(9).random(1500)
    cw = [None, "balanced", None, np.linspace(0.1, 3, 18), {1: 4.0}]
    for reduction in REDUCTIONS:
        kw = {
            "groups": groups,
            "class_weight": cw,
            "ignore_index": -1,
            "label_smoothing": 0.1,
            "focal_gamma": gamma,
            "reduction": reduction,
        }
        want = ref.grouped_softmax_cross_entropy(x, y, sample_weight=sw, return_grad=True, **kw)
        obj = xentc.GroupedSoftmaxCrossEntropy(**kw)
        loss, g = obj.loss_gradient(x, y, sw)
        _, h = obj.gradient_hessian(x, y, sw)
        assert_close(loss, want[0], np.float64)
        assert_close(g, want[1], np.float64)
        assert_close(h, want[2], np.float64)


def test_accuracy_scorer_on_multioutput_model_is_exact_match():
    from xentc.sklearn import CrossEntropyClassifier, accuracy_scorer

    X, Y = _product_data(300, seed=3)
    clf = CrossEntropyClassifier().fit(X, Y)
    want = xentc.metrics.grouped_accuracy(Y, clf.predict(X))["exact_match"]
    assert accuracy_scorer(clf, X, Y) == want
    assert 0 < want < 1


@pytest.mark.parametrize("gamma,eps", [(2.0, 0.0), (0.5, 0.0), (3.0, 0.15)])
def test_one_group_equals_sparse_focal_loss(gamma, eps):
    """two independent focal implementations (body_grouped.h, body_focal.h)"""
    x, y = _data(60, [7], np.float64)
    cw = np.linspace(0.5, 2.0, 7)
    kw = {"focal_gamma": gamma, "label_smoothing": eps, "reduction": "sum"}
    a = xentc.SparseSoftmaxCrossEntropy(class_weight=cw, **kw).gradient_hessian(x, y[:, 0])
    b = xentc.GroupedSoftmaxCrossEntropy(groups=[7], class_weight=[cw], **kw).gradient_hessian(
        x, y
    )
    np.testing.assert_allclose(b[0], a[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b[1], a[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        xentc.grouped_softmax_cross_entropy(x, y, groups=[7], class_weight=[cw], **kw),
        xentc.sparse_softmax_cross_entropy(x, y[:, 0], class_weight=cw, **kw),
        rtol=1e-14,
    )


# ---- the validation boundary's rules (DESIGN 5) -------------------------------


def test_huge_sample_weights_give_the_plain_mean():
    x, y = _data(40, [3, 5], np.float64)
    plain = xentc.grouped_softmax_cross_entropy(x, y, groups=[3, 5])
    huge = xentc.grouped_softmax_cross_entropy(
        x, y, groups=[3, 5], sample_weight=np.full(40, 1e308)
    )
    assert np.isfinite(huge)
    np.testing.assert_allclose(huge, plain, rtol=1e-15)


def test_out_overlapping_logits_in_another_layout_goes_through_a_temporary():
    x, y = _data(30, [4, 4], np.float64)
    _, want = xentc.GroupedSoftmaxCrossEntropy(groups=[4, 4]).loss_gradient(x, y)
    buf = np.concatenate([x, x], axis=1)  # (30, 16): logits in the left half
    logits = buf[:, :8]
    out = buf[:, 4:12]  # overlaps the logits, shifted by 4 columns
    _, got = xentc.GroupedSoftmaxCrossEntropy(groups=[4, 4]).loss_gradient(logits, y, out=out)
    assert got is out
    np.testing.assert_allclose(out, want, rtol=1e-15, atol=0)


def test_bound_loss_checks_targets_once_and_follows_new_logits():
    x, y = _data(25, [2, 6], np.float32)
    loss = xentc.GroupedSoftmaxCrossEntropy(groups=[2, 6])
    bound = loss._bind(x, y)
    z = (x * 0.5).astype(np.float32)
    lb, gb = bound(z)
    lw, gw = loss.loss_gradient(z, y)
    assert lb == lw
    np.testing.assert_array_equal(gb, gw)
