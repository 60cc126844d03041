"""xentc.metrics against scikit-learn: log_loss and top_k_accuracy_score must
give the same value, warnings and error messages as the installed
scikit-learn for the same inputs (the accuracies, which need no
scikit-learn, are in test_accuracy.py).
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax

import xentc.metrics as xm

skm = pytest.importorskip("sklearn.metrics")
from sklearn.exceptions import UndefinedMetricWarning

RNG = np.random.default_rng(20240607)
P3 = RNG.dirichlet(np.ones(3), size=40)
Y3 = RNG.integers(0, 3, 40)
P2 = RNG.dirichlet(np.ones(2), size=40)
Y2 = RNG.integers(0, 2, 40)
S3 = np.array(["cat", "dog", "emu"])[Y3]
YML = (RNG.random((40, 3)) < 0.4).astype(int)
W40 = RNG.random(40)
SCORES = RNG.normal(size=(60, 5))
SCORES[::3, 1] = SCORES[::3, 2]  # ties between columns 1 and 2
SCORES[::7] = 0.0  # rows that are all ties
YK = RNG.integers(0, 5, 60)


def outcome(func, *args, **kwargs):
    """("ok", value) or ("error", exception); plus the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", func(*args, **kwargs))
        except Exception as exc:
            result = ("error", exc)
    shown = [
        (w.category, str(w.message)) for w in caught if not issubclass(w.category, RuntimeWarning)
    ]
    return result, shown


def assert_same_outcome(ours, theirs, rtol):
    (res_x, warn_x), (res_s, warn_s) = ours, theirs
    assert res_x[0] == res_s[0], f"xentc gave {res_x}, scikit-learn gave {res_s}"
    if res_s[0] == "ok":
        np.testing.assert_allclose(res_x[1], res_s[1], rtol=rtol, atol=0)
        assert isinstance(res_x[1], float)
    else:
        assert str(res_x[1]) == str(res_s[1])
        assert isinstance(res_x[1], type(res_s[1]).__mro__[1]) or type(res_x[1]) is type(
            res_s[1]
        ), (type(res_x[1]), type(res_s[1]))
    assert warn_x == warn_s


# ---------------------------------------------------------------------------
# log_loss: drop-in for sklearn.metrics.log_loss

LOG_LOSS_CASES = [
    ("multiclass", (Y3, P3), {}),
    ("multiclass-sum", (Y3, P3), dict(normalize=False)),
    ("multiclass-weights", (Y3, P3), dict(sample_weight=W40)),
    ("multiclass-weights-sum", (Y3, P3), dict(sample_weight=W40, normalize=False)),
    ("negative-weights", (Y3, P3), dict(sample_weight=RNG.normal(size=40))),
    ("negative-weights-sum", (Y3, P3), dict(sample_weight=RNG.normal(size=40), normalize=False)),
    ("weights-sum-to-zero", (Y3, P3), dict(sample_weight=np.r_[1.0, -1.0, np.zeros(38)])),
    ("weights-all-zero", (Y3, P3), dict(sample_weight=np.zeros(40))),
    ("weights-nan", (Y3, P3), dict(sample_weight=np.full(40, np.nan))),
    ("weights-2d", (Y3, P3), dict(sample_weight=np.ones((40, 1)))),
    ("weights-wrong-length", (Y3, P3), dict(sample_weight=np.ones(39))),
    ("weights-scalar", (Y3, P3), dict(sample_weight=2.0)),
    ("labels-sorted", (Y3, P3), dict(labels=[0, 1, 2])),
    ("labels-unsorted-list", (Y3, P3), dict(labels=[2, 1, 0])),
    ("labels-unsorted-array", (Y3, P3), dict(labels=np.array([2, 0, 1]))),
    ("labels-extra-class", (Y3, P3), dict(labels=[0, 1, 2, 3])),
    ("labels-missing-class", (Y3, P3), dict(labels=[0, 1])),
    ("labels-duplicates", (Y3, P3), dict(labels=[0, 1, 1])),
    ("labels-empty", (Y3, P3), dict(labels=[])),
    ("labels-wrong-type", (Y3, P3), dict(labels=["a", "b", "c"])),
    ("labels-scalar", (Y3, P3), dict(labels=3)),
    ("absent-class-with-labels", (Y3[Y3 < 2], P3[Y3 < 2]), dict(labels=[0, 1, 2])),
    ("absent-class-without-labels", (Y3[Y3 < 2], P3[Y3 < 2]), {}),
    ("strings", (S3, P3), {}),
    ("strings-object", (S3.astype(object), P3), {}),
    ("strings-list", (list(S3), P3), {}),
    ("strings-labels", (S3, P3), dict(labels=["cat", "dog", "emu"])),
    ("strings-labels-unsorted", (S3, P3), dict(labels=["emu", "cat", "dog"])),
    ("strings-unknown-label", (S3, P3), dict(labels=["cat", "dog"])),
    ("mixed-str-int", ([0, "b", 1], [[0.2, 0.8, 0], [0.3, 0.7, 0], [0.4, 0.6, 0]]), {}),
    ("binary-1d", (Y2, P2[:, 1]), {}),
    ("binary-2d", (Y2, P2), {}),
    ("binary-column", (Y2, P2[:, 1:]), {}),
    ("binary-pm1", (Y2 * 2 - 1, P2[:, 1]), {}),
    ("binary-strings", (np.array(["no", "yes"])[Y2], P2[:, 1]), {}),
    ("binary-bool", (Y2.astype(bool), P2[:, 1]), {}),
    ("binary-float-labels", (Y2.astype(float), P2[:, 1]), {}),
    ("binary-int8", (Y2.astype(np.int8), P2[:, 1]), {}),
    ("binary-list", (list(Y2), list(P2[:, 1])), {}),
    ("y_true-column-vector", (Y3.reshape(-1, 1), P3), {}),
    ("single-class", (np.ones(40, int), P2[:, 1]), {}),
    ("single-class-labels", (np.ones(40, int), P2[:, 1]), dict(labels=[0, 1])),
    ("single-label-in-labels", (np.ones(40, int), P2[:, 1]), dict(labels=[1])),
    ("single-class-3-labels", (np.ones(40, int), P3), dict(labels=[1, 0, 2])),
    ("1d-probs-3-classes", (Y3, P3[:, 0]), {}),
    ("not-summing-to-one", (Y3, P3 * 1.1 / 1.1**2), {}),
    ("greater-than-one", (Y3, P3 * 1.5), {}),
    ("lower-than-zero", (Y3, P3 - 0.5), {}),
    ("nan-proba", (Y3, np.r_[[[np.nan, 0, 1]], P3[1:]]), {}),
    ("inf-proba", (Y3, np.r_[[[np.inf, 0, 1]], P3[1:]]), {}),
    ("3d-proba", (Y3, P3[:, :, None]), {}),
    ("empty", ([], []), {}),
    ("zero-columns", (Y3, np.zeros((40, 0))), {}),
    ("complex-proba", (Y3, P3 + 0j), {}),
    ("string-proba", ([0, 1, 1], ["a", "b", "c"]), {}),
    ("int-proba", ([0, 1, 1], np.array([0, 1, 1])), {}),
    ("inconsistent-length", (Y3[:39], P3), {}),
    ("continuous-y", (Y3 + 0.5, P3), {}),
    ("nan-y", (np.r_[np.nan, Y3[1:].astype(float)], P3), {}),
    ("object-y", ([None] + [1] * 39, P2[:, 1]), {}),
    ("bytes-y", (np.array([b"a", b"b"]), [0.1, 0.2]), {}),
    ("multilabel", (YML, P3), {}),
    ("multilabel-bool", (YML.astype(bool), P3), {}),
    ("multilabel-float", (YML.astype(float), P3), {}),
    ("multilabel-with-labels", (YML, P3), dict(labels=[0, 1, 2])),
    ("multilabel-vs-2-columns", (YML, P2), {}),
    ("multilabel-2-vs-1d", (YML[:, :2], P2[:, 1]), {}),
    ("one-hot", (np.eye(3, dtype=int)[Y3], P3), {}),
    ("indicator-with-2", (YML * 2, P3), {}),
    ("indicator-with-minus-1", (YML * 2 - 1, P3), {}),
    ("multioutput", (np.c_[Y3, Y3], P3), {}),
    ("sparse-y_true", (sp.csr_matrix(YML), P3), {}),
    ("sparse-y_proba", (Y3, sp.csr_matrix(P3)), {}),
    ("string-y_true", ("abc", [0.2, 0.7, 0.6]), {}),
    ("normalize-not-bool", (Y3, P3), dict(normalize=1)),
    ("normalize-numpy-bool", (Y3, P3), dict(normalize=np.bool_(False))),
    ("fortran-order", (Y3, np.asfortranarray(P3)), {}),
    ("negative-stride", (Y3[::-1], P3[::-1]), {}),
    ("list-of-lists", (Y3, P3.tolist()), {}),
    ("y_pred-deprecated", (Y3,), dict(y_pred=P3)),
    ("y_pred-and-y_proba", (Y3, P3), dict(y_pred=P3)),
]


@pytest.mark.parametrize(
    "args,kwargs", [pytest.param(a, k, id=f"log_loss[{name}]") for name, a, k in LOG_LOSS_CASES]
)
def test_log_loss_matches_sklearn(args, kwargs):
    assert_same_outcome(
        outcome(xm.log_loss, *args, **kwargs), outcome(skm.log_loss, *args, **kwargs), rtol=1e-12
    )


@pytest.mark.parametrize(
    "dtype,rtol",
    [
        pytest.param(np.float64, 1e-12, id="float64"),
        pytest.param(np.float32, 1e-6, id="float32"),
        pytest.param(np.float16, 2e-3, id="float16"),
    ],
)
@pytest.mark.parametrize("shape", ["binary-1d", "multiclass"])
def test_log_loss_dtypes(dtype, rtol, shape):
    y, p = (Y2, P2[:, 1]) if shape == "binary-1d" else (Y3, P3)
    p = p.astype(dtype)
    # scikit-learn computes float16/float32 in that precision; we accumulate
    # in float64, so the tolerance is the input's precision
    np.testing.assert_allclose(xm.log_loss(y, p), skm.log_loss(y, p), rtol=rtol)
    np.testing.assert_allclose(
        xm.log_loss(y, p, sample_weight=W40), skm.log_loss(y, p, sample_weight=W40), rtol=rtol
    )


def test_log_loss_clips_at_dtype_eps():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.0, 1.0, 0.0, 1.0])
    for dtype in (np.float64, np.float32):
        expected = -np.log(np.finfo(dtype).eps) / 2 - np.log1p(-np.finfo(dtype).eps) / 2
        assert xm.log_loss(y, p.astype(dtype)) == pytest.approx(expected, rel=1e-6)
        assert xm.log_loss(y, p.astype(dtype)) == pytest.approx(
            skm.log_loss(y, p.astype(dtype)), rel=1e-6
        )


def test_log_loss_messages_match_sklearn_explicitly():
    with pytest.raises(
        ValueError,
        match=r"y_true and y_prob contain different number of "
        r"classes: 3 vs 2\. Please provide the true labels explicitly",
    ):
        xm.log_loss([0, 1, 2], [[0.2, 0.8], [0.3, 0.7], [0.4, 0.6]])
    with pytest.raises(
        ValueError,
        match=r"y_true contains values \{2\} not belonging to the "
        r"passed labels \[0, 1\]\.",
    ):
        xm.log_loss([1, 2, 1], [0.2, 0.7, 0.6], labels=[0, 1])
    with pytest.raises(
        ValueError,
        match=r"y_true contains only one label \(1\)\. Please "
        r"provide the list of all expected class labels",
    ):
        xm.log_loss([1, 1, 1], [0.2, 0.7, 0.6])
    with pytest.raises(
        ValueError,
        match=r"Found input variables with inconsistent numbers of "
        r"samples: \[2, 3\]",
    ):
        xm.log_loss([0, 1, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match=r"y_prob contains values greater than 1: 1\.6"):
        xm.log_loss([0, 1, 1], [0.2, 0.7, 1.6])
    with pytest.raises(
        ValueError,
        match=r"The number of classes in labels is different from "
        r"that in y_prob\. Classes found in labels: \[0 1 2 3\]",
    ):
        xm.log_loss([0, 1, 2], P3[:3], labels=[0, 1, 2, 3])
    with pytest.warns(
        UserWarning,
        match=r"Labels passed were \[1, 0\]\. But this function "
        r"assumes labels are ordered lexicographically\. Pass the ordered "
        r"labels=\[0, 1\]",
    ):
        xm.log_loss([1, 1, 1], [0.2, 0.7, 0.6], labels=[1, 0])
    with pytest.warns(UserWarning, match="The y_prob values do not sum to one"):
        xm.log_loss([0, 1, 1], [[0.2, 0.7], [0.3, 0.7], [0.4, 0.6]])
    with pytest.warns(FutureWarning, match="`y_pred` was renamed to `y_proba`"):
        xm.log_loss([0, 1, 1], y_pred=[0.2, 0.7, 0.6])


def test_log_loss_invalid_parameter_is_sklearns_class():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="The 'normalize' parameter of log_loss"):
        xm.log_loss([0, 1], [0.2, 0.7], normalize="yes")


def test_log_loss_pandas_inputs():
    pd = pytest.importorskip("pandas")
    y = pd.Series(S3)
    frame = pd.DataFrame(P3.astype(np.float32), columns=["cat", "dog", "emu"])
    for args in [
        (y, frame),
        (y, P3),
        (Y3, pd.DataFrame(P3)),
        (pd.Series(Y2), pd.Series(P2[:, 1])),
    ]:
        assert_same_outcome(outcome(xm.log_loss, *args), outcome(skm.log_loss, *args), rtol=1e-6)


def test_log_loss_large_matches_sklearn():
    y = RNG.integers(0, 7, 20000)
    p = RNG.dirichlet(np.ones(7), size=20000)
    w = RNG.random(20000)
    assert xm.log_loss(y, p, sample_weight=w) == pytest.approx(
        skm.log_loss(y, p, sample_weight=w), rel=1e-12
    )
    yb = RNG.integers(0, 2, 20000)
    assert xm.log_loss(yb, p[:, 0]) == pytest.approx(skm.log_loss(yb, p[:, 0]), rel=1e-12)


# ---------------------------------------------------------------------------
# log_loss(from_logits=True)

Z4 = RNG.normal(size=(300, 4)) * 3
Y4 = RNG.integers(0, 4, 300)
ZB = RNG.normal(size=300) * 3
YB = RNG.integers(0, 2, 300)


@pytest.mark.parametrize(
    "case",
    [
        "softmax",
        "softmax-weights",
        "softmax-sum",
        "sigmoid-1d",
        "sigmoid-column",
        "sigmoid-weights",
        "strings-labels",
        "absent-class",
        "one-hot",
        "float32",
    ],
)
def test_log_loss_from_logits_equals_log_loss_of_probabilities(case):
    z, y, kw, rtol = Z4, Y4, {}, 1e-12

    def probs(v):
        return softmax(v, axis=1) if v.ndim == 2 and v.shape[1] > 1 else expit(v)

    if case == "softmax-weights":
        kw = dict(sample_weight=RNG.random(300))
    elif case == "softmax-sum":
        kw = dict(normalize=False)
    elif case.startswith("sigmoid"):
        z, y = (ZB, YB) if case != "sigmoid-column" else (ZB[:, None], YB)
        if case == "sigmoid-weights":
            kw = dict(sample_weight=RNG.random(300))
    elif case == "strings-labels":
        y = np.array(list("wxyz"))[Y4]
        kw = dict(labels=list("wxyz"))
    elif case == "absent-class":
        y, kw = Y4 % 3, dict(labels=[0, 1, 2, 3])
    elif case == "one-hot":
        y = np.eye(4, dtype=int)[Y4]
    elif case == "float32":
        z, rtol = Z4.astype(np.float32), 1e-6
    expected = skm.log_loss(y, probs(z.astype(np.float64)), **kw)
    assert xm.log_loss(y, z, from_logits=True, **kw) == pytest.approx(expected, rel=rtol)


def test_log_loss_from_logits_is_not_clipped():
    # a confidently wrong logit of 100: the exact loss is ~100, while
    # clipped probabilities would cap it at -log(eps) ~ 36
    z = np.array([[100.0, 0.0], [0.0, 1.0]])
    assert xm.log_loss([1, 1], z, from_logits=True, labels=[0, 1]) == pytest.approx(
        (100 + np.log1p(np.exp(-100)) + np.log1p(np.exp(-1))) / 2, rel=1e-12
    )
    assert xm.log_loss([0, 1], np.array([np.inf, 3.0]), from_logits=True) == np.inf
    assert xm.log_loss(
        [1, 1], np.array([np.inf, 3.0]), from_logits=True, labels=[0, 1]
    ) == pytest.approx(np.log1p(np.exp(-3.0)) / 2, rel=1e-12)


def test_log_loss_from_logits_errors():
    with pytest.raises(ValueError, match="Input contains NaN"):
        xm.log_loss([0, 1], [np.nan, 1.0], from_logits=True)
    with pytest.raises(ValueError, match="different number of classes: 4 vs 3"):
        xm.log_loss(Y4, Z4[:, :3], from_logits=True)
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        xm.log_loss([0, 1], [0.1, 0.2], from_logits="yes")


def test_log_loss_never_builds_one_hot():
    n, k = 100_000, 50
    y = RNG.integers(0, k, n)
    p = RNG.dirichlet(np.ones(k), size=n)
    z = RNG.normal(size=(n, k))
    xm.log_loss(y, p)  # warm-up: import-time and first-call allocations
    for args, kw in [((y, p), {}), ((y, z), dict(from_logits=True))]:
        tracemalloc.start()
        xm.log_loss(*args, **kw)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # a one-hot of N x K would be n * k * 8 = 40 MB; allow O(N) buffers
        assert peak < n * k * 8 / 8, f"peak {peak / 1e6:.1f} MB suggests an N x K buffer"


def test_inputs_not_modified():
    y, p, w = Y3.copy(), P3.copy(), W40.copy()
    ysp = sp.csr_matrix(np.eye(3)[Y3])
    ysp.data[0] = 0.0  # a stored zero that canonicalisation must not remove in place
    ysp_data = ysp.data.copy()
    with pytest.warns(UserWarning, match="ordered lexicographically"):
        xm.log_loss(y, p, sample_weight=w, labels=[2, 0, 1])
    xm.log_loss(y, p * 10 - 5, from_logits=True)
    xm.top_k_accuracy_score(y, p, k=2, sample_weight=w)
    xm.accuracy(ysp, p)
    with pytest.warns(UserWarning):
        xm.binary_accuracy(np.eye(3)[Y3], p)
    xm.binary_accuracy(ysp, p)
    np.testing.assert_array_equal(y, Y3)
    np.testing.assert_array_equal(p, P3)
    np.testing.assert_array_equal(w, W40)
    np.testing.assert_array_equal(ysp.data, ysp_data)


# ---------------------------------------------------------------------------
# top_k_accuracy_score: drop-in

TOP_K_CASES = [
    (f"k={k}{suffix}", (YK, scores), dict(k=k, **kw))
    for k in (1, 2, 4, 5, 6)
    for suffix, scores, kw in [
        ("", SCORES, {}),
        ("-rounded", SCORES.round(1), {}),
        ("-sum", SCORES, dict(normalize=False)),
        ("-weights", SCORES, dict(sample_weight=RNG.random(60))),
        ("-weights-sum", SCORES, dict(sample_weight=RNG.random(60), normalize=False)),
    ]
]
TOP_K_CASES += [
    ("ties-first-column", ([0, 1, 2], [[0.5, 0.5, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]]), dict(k=1)),
    ("integer-scores", (YK, RNG.integers(0, 3, (60, 5))), dict(k=2)),
    ("float32-scores", (YK, SCORES.astype(np.float32)), dict(k=3)),
    ("strings", (np.array(list("abcde"))[YK], SCORES), dict(k=2)),
    ("strings-object", (np.array(list("abcde"))[YK].astype(object), SCORES), dict(k=2)),
    ("labels-absent-class", (YK[YK < 4], SCORES[YK < 4]), dict(k=2, labels=[0, 1, 2, 3, 4])),
    ("labels-too-many", (YK, SCORES), dict(k=2, labels=[0, 1, 2, 3, 4, 5])),
    ("labels-unsorted", (YK, SCORES), dict(k=2, labels=[0, 2, 1, 3, 4])),
    ("labels-duplicate", (YK, SCORES), dict(k=2, labels=[0, 1, 1, 3, 4])),
    ("labels-unknown-y", (YK, SCORES), dict(k=2, labels=[0, 1, 2, 3, 5])),
    ("classes-mismatch", (YK, SCORES[:, :4]), dict(k=2)),
    ("binary-proba", (Y2, P2[:, 1]), dict(k=1)),
    ("binary-decision", (Y2, P2[:, 1] - 0.5), dict(k=1)),
    ("binary-column", (Y2, P2[:, 1:]), dict(k=1)),
    ("binary-2d", (Y2, P2), dict(k=1)),
    ("binary-k2", (Y2, P2[:, 1]), dict(k=2)),
    ("binary-labels-3", (Y2, P2[:, 1]), dict(k=1, labels=[0, 1, 2])),
    ("binary-strings", (np.array(["n", "y"])[Y2], P2[:, 1]), dict(k=1)),
    ("multiclass-1d-scores", (YK, SCORES[:, 0]), dict(k=1)),
    ("k-zero", (YK, SCORES), dict(k=0)),
    ("k-float", (YK, SCORES), dict(k=2.0)),
    ("k-numpy-int", (YK, SCORES), dict(k=np.int64(2))),
    ("y-2d", (np.c_[YK, YK], SCORES), dict(k=2)),
    ("y-column", (YK.reshape(-1, 1), SCORES), dict(k=2)),
    ("y-continuous", (YK + 0.5, SCORES), dict(k=2)),
    ("y-inf", (np.r_[np.inf, YK[1:]], SCORES), dict(k=2)),
    ("scores-nan", (YK, np.r_[[[np.nan] * 5], SCORES[1:]]), dict(k=2)),
    ("scores-strings", (YK, SCORES.astype(str)), dict(k=2)),
    ("empty", (YK[:0], SCORES[:0]), dict(k=2)),
    ("inconsistent-length", (YK[:59], SCORES), dict(k=2)),
    ("weights-zero", (YK, SCORES), dict(k=2, sample_weight=np.zeros(60))),
    ("multilabel", (YML, P3), dict(k=1)),
]


@pytest.mark.parametrize(
    "args,kwargs", [pytest.param(a, k, id=f"top_k[{name}]") for name, a, k in TOP_K_CASES]
)
def test_top_k_accuracy_matches_sklearn(args, kwargs):
    assert_same_outcome(
        outcome(xm.top_k_accuracy_score, *args, **kwargs),
        outcome(skm.top_k_accuracy_score, *args, **kwargs),
        rtol=1e-12,
    )


def test_top_k_warning_and_errors_explicitly():
    with pytest.warns(
        UndefinedMetricWarning,
        match=r"'k' \(3\) greater than or equal to "
        r"'n_classes' \(3\) will result in a perfect score",
    ):
        assert xm.top_k_accuracy_score([0, 1, 2], P3[:3], k=3) == 1.0
    with pytest.raises(ValueError, match=r"Parameter 'labels' must be ordered\."):
        xm.top_k_accuracy_score([0, 1, 1], P3[:3], labels=[0, 2, 1])
    with pytest.raises(
        ValueError,
        match=r"`y_true` is binary while y_score is 2d with 3 "
        r"classes\.",
    ):
        xm.top_k_accuracy_score([0, 1, 1], P3[:3])


def test_top_k_large_random_with_ties():
    scores = RNG.integers(0, 4, size=(50_000, 10)).astype(float)
    y = RNG.integers(0, 10, 50_000)
    for k in (1, 3, 7):
        assert xm.top_k_accuracy_score(y, scores, k=k) == skm.top_k_accuracy_score(y, scores, k=k)
