"""xentc.metrics.brier_score / expected_calibration_error / reliability_curve
against scikit-learn's brier_score_loss and calibration_curve, and against
StreamingScores on the same data."""

import numpy as np
import pytest
from scipy.special import expit, softmax

import xentc.metrics as xm
from xentc.scoring import StreamingScores

skm = pytest.importorskip("sklearn.metrics")
from sklearn.calibration import calibration_curve

RNG = np.random.default_rng(7)
N = 500
Y2 = RNG.integers(0, 2, N)
P1 = RNG.random(N)
Z1 = RNG.standard_normal(N) * 2
Y4 = RNG.integers(0, 4, N)
P4 = RNG.dirichlet(np.ones(4), N)
Z4 = RNG.standard_normal((N, 4)) * 2
P2 = RNG.dirichlet(np.ones(2), N)
W = RNG.random(N)
S2 = np.array(["ham", "spam"])[Y2]
S4 = np.array(["a", "b", "c", "d"])[Y4]


BRIER_CASES = {
    "binary": ((Y2, P1), {}),
    "binary-weighted": ((Y2, P1), {"sample_weight": W}),
    "binary-pos_label-0": ((Y2, 1 - P1), {"pos_label": 0}),
    "binary-strings": ((S2, P1), {"pos_label": "spam"}),
    "binary-{1,2}": ((Y2 + 1, P1), {}),
    "binary-{-1,1}": ((2 * Y2 - 1, P1), {}),
    "binary-unscaled": ((Y2, P1), {"scale_by_half": False}),
    "binary-column": ((Y2, P1[:, None]), {}),
    "two-columns": ((Y2, P2), {}),
    "two-columns-unscaled": ((Y2, P2), {"scale_by_half": False}),
    "multiclass": ((Y4, P4), {}),
    "multiclass-weighted": ((Y4, P4), {"sample_weight": W}),
    "multiclass-half": ((Y4, P4), {"scale_by_half": True}),
    "multiclass-strings": ((S4, P4), {}),
    "multiclass-labels": ((Y4[Y4 < 3], P4[Y4 < 3]), {"labels": [0, 1, 2, 3]}),
    "float32": ((Y4, P4.astype(np.float32)), {}),
}


@pytest.mark.parametrize("case", list(BRIER_CASES))
def test_brier_score_equals_sklearn(case):
    args, kwargs = BRIER_CASES[case]
    ours = xm.brier_score(*args, **kwargs)
    theirs = skm.brier_score_loss(*args, **kwargs)
    rtol = 1e-6 if args[1].dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, theirs, rtol=rtol)


def test_brier_score_from_logits():
    np.testing.assert_allclose(
        xm.brier_score(Y2, Z1, from_logits=True), skm.brier_score_loss(Y2, expit(Z1)), rtol=1e-12
    )
    np.testing.assert_allclose(
        xm.brier_score(Y4, Z4, from_logits=True, sample_weight=W),
        skm.brier_score_loss(Y4, softmax(Z4, axis=1), sample_weight=W),
        rtol=1e-12,
    )


@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")
def test_brier_score_errors_match_sklearn():
    for args, kwargs in [
        ((S2, P1), {}),
        ((Y4, P1), {}),
        ((Y2, P1 + 1), {}),
        ((Y2, P1 - 1), {}),
        ((Y4[:-1], P4[:-1, :3]), {}),
    ]:
        with pytest.raises(ValueError) as ours:
            xm.brier_score(*args, **kwargs)
        with pytest.raises(ValueError) as theirs:
            skm.brier_score_loss(*args, **kwargs)
        assert (
            str(ours.value).split(":")[0].split("{")[0]
            == str(theirs.value).split(":")[0].split("{")[0]
        )
    with pytest.warns(UserWarning, match="do not sum to one"):
        xm.brier_score(Y4, P4 * 0.9)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [1, 5, 10])
def test_reliability_curve_equals_calibration_curve(strategy, n_bins):
    prob_true, prob_pred, counts = xm.reliability_curve(Y2, P1, n_bins=n_bins, strategy=strategy)
    ref_true, ref_pred = calibration_curve(Y2, P1, n_bins=n_bins, strategy=strategy)
    np.testing.assert_allclose(prob_true, ref_true, rtol=1e-12)
    np.testing.assert_allclose(prob_pred, ref_pred, rtol=1e-12)
    assert counts.sum() == N and (counts > 0).all()
    # values on the edges go to the lower bin, as calibration_curve does
    edges = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.5])
    t, p, _ = xm.reliability_curve(np.array([0, 1, 0, 1, 0, 1, 1]), edges, n_bins=5)
    rt, rp = calibration_curve(np.array([0, 1, 0, 1, 0, 1, 1]), edges, n_bins=5)
    np.testing.assert_allclose(t, rt)
    np.testing.assert_allclose(p, rp)


def test_reliability_curve_multiclass_weights_and_logits():
    t, p, c = xm.reliability_curve(Y4, Z4, n_bins=8, from_logits=True, sample_weight=W)
    prob = softmax(Z4, axis=1)
    conf, hit = prob.max(1), prob.argmax(1) == Y4
    ids = np.searchsorted(np.linspace(0, 1, 9)[1:-1], conf)
    keep = np.bincount(ids, minlength=8) > 0
    ids_w = np.bincount(ids, W, 8)
    ids_w[~keep] = 1.0
    np.testing.assert_array_equal(c, np.bincount(ids, minlength=8)[keep])
    np.testing.assert_allclose(t, (np.bincount(ids, W * hit, 8) / ids_w)[keep], rtol=1e-12)
    np.testing.assert_allclose(p, (np.bincount(ids, W * conf, 8) / ids_w)[keep], rtol=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_expected_calibration_error_equals_streaming(from_logits):
    pred4, pred1 = (Z4, Z1) if from_logits else (P4, P1)
    inputs = "logits" if from_logits else "probabilities"
    for y, pred in ((Y4, pred4), (Y2, pred1)):
        one_shot = xm.expected_calibration_error(
            y, pred, sample_weight=W, n_bins=10, from_logits=from_logits
        )
        s = StreamingScores(inputs=inputs, n_bins=10)
        for a in range(0, N, 77):
            s.update(y[a : a + 77], pred[a : a + 77], W[a : a + 77])
        np.testing.assert_allclose(one_shot, s.result()["ece"], rtol=1e-12)
    # the bin table gives the ECE by its definition
    t, p, c = xm.reliability_curve(Y2, P1, n_bins=15)
    np.testing.assert_allclose(
        xm.expected_calibration_error(Y2, P1), np.sum(c * np.abs(t - p)) / N, rtol=1e-12
    )


def test_perfectly_calibrated_and_confident_extremes():
    y = np.array([0, 1, 1, 0])
    assert xm.expected_calibration_error(y, y.astype(float)) == 0.0
    assert xm.brier_score(y, y.astype(float)) == 0.0
    assert xm.expected_calibration_error(y, 1.0 - y) == 1.0
    with pytest.raises(ValueError, match="n_bins must be an int >= 1"):
        xm.reliability_curve(y, y.astype(float), n_bins=0)
    with pytest.raises(ValueError, match="Strategy must be either"):
        xm.reliability_curve(y, y.astype(float), strategy="log")
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        xm.brier_score(y, y.astype(float), from_logits="yes")
