"""xentc.sklearn: estimator checks, equivalence with LogisticRegression, the
objective each option defines, scorers in model selection, temperature
scaling, and bad input."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp, softmax

pytest.importorskip("sklearn")
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from xentc import losses
from xentc.metrics import log_loss
from xentc.sklearn import (
    CrossEntropyClassifier,
    LogitsTransformer,
    TemperatureScaler,
    accuracy_scorer,
    neg_log_loss_logits_scorer,
    neg_log_loss_scorer,
)


def _data(n_classes, n=400, d=8, seed=0):
    return make_classification(
        n,
        d,
        n_informative=5,
        n_redundant=1,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    # scipy's L-BFGS-B makes many tiny BLAS calls; on a busy 2-core machine
    # OpenBLAS's spinning worker threads make these small fits 5-10x slower.
    # Results do not depend on it (fixed-order xentc kernels, tiny BLAS calls).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


XB, YB = _data(2)
XM, YM = _data(4)
XL, YL = make_multilabel_classification(300, 8, n_classes=4, random_state=0)
XL = (XL - XL.mean(0)) / XL.std(0)


# ---------------------------------------------------------------------------
# scikit-learn's estimator checks


@parametrize_with_checks(
    [
        CrossEntropyClassifier(),
        CrossEntropyClassifier(loss="softmax"),
        CrossEntropyClassifier(loss="sigmoid"),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# the objective: LogisticRegression equivalence and a NumPy twin


@pytest.mark.parametrize(
    "X,y,name", [(XB, YB, "binary"), (XM, YM, "4-class")], ids=["binary", "4-class"]
)
@pytest.mark.parametrize("weights", ["none", "sample_weight", "balanced"])
def test_matches_logistic_regression(X, y, name, weights):
    C = 0.3
    sw = np.random.default_rng(1).uniform(0.2, 2.0, len(y)) if weights == "sample_weight" else None
    cw = "balanced" if weights == "balanced" else None
    lr = LogisticRegression(C=C, tol=1e-10, max_iter=5000, class_weight=cw)
    lr.fit(X, y, sample_weight=sw)
    # sum of the per-sample weights LogisticRegression normalises by
    w_sum = len(y) if sw is None else sw.sum()
    if cw == "balanced":
        w_sum = len(y)  # balanced weights sum to n_samples
    ce = CrossEntropyClassifier(
        alpha=1 / (C * w_sum), tol=1e-10, max_iter=5000, class_weight=cw
    ).fit(X, y, sample_weight=sw)
    assert (
        ce.coef_.shape
        == lr.coef_.shape
        == ((1, X.shape[1]) if name == "binary" else (4, X.shape[1]))
    )
    np.testing.assert_allclose(ce.coef_, lr.coef_, atol=1e-4, rtol=0)
    np.testing.assert_allclose(ce.intercept_, lr.intercept_, atol=1e-4, rtol=0)
    np.testing.assert_allclose(ce.predict_proba(X), lr.predict_proba(X), atol=1e-5)


def _reference_objective(est, X, y, sw, params):
    """The documented objective, in plain NumPy, at flat params [coef, intercept]."""
    k, d = est.coef_.shape
    coef = params[: k * d].reshape(k, d)
    intercept = params[k * d :] if est.fit_intercept else np.zeros(k)
    Z = X @ coef.T + intercept
    eps = est.label_smoothing
    sw = np.ones(X.shape[0]) if sw is None else sw
    if y.ndim == 2:  # multilabel: per-label sigmoid, summed over labels
        T, w = (1 - eps) * y + eps / 2, sw
    else:
        classes, idx = np.unique(y, return_inverse=True)
        cw = np.ones(len(classes))
        if est.class_weight == "balanced":  # scikit-learn's: counts weighted by sample_weight
            counts = np.bincount(idx, weights=sw)
            cw = counts.sum() / (len(classes) * counts)
        w = sw * cw[idx]
        if k == 1:
            T = (1 - eps) * (idx == 1)[:, None] + eps / 2
        else:
            T = (1 - eps) * np.eye(k)[idx] + eps / k
    if k == 1 or y.ndim == 2:
        pw = 1.0 if est.pos_weight is None else np.asarray(est.pos_weight)
        per = (pw * T * np.logaddexp(0, -Z) + (1 - T) * np.logaddexp(0, Z)).sum(axis=1)
    else:
        per = (T * (logsumexp(Z, axis=1, keepdims=True) - Z)).sum(axis=1)
    return np.dot(w, per) / w.sum() + est.alpha / 2 * np.sum(coef**2)


@pytest.mark.parametrize(
    "X,y,params",
    [
        pytest.param(XB, YB, dict(label_smoothing=0.1), id="binary-label_smoothing"),
        pytest.param(XB, YB, dict(pos_weight=3.0), id="binary-pos_weight"),
        pytest.param(
            XB,
            YB,
            dict(class_weight="balanced", sample_weight=True),
            id="binary-balanced-sample_weight",
        ),
        pytest.param(
            XM,
            YM,
            dict(label_smoothing=0.2, class_weight="balanced"),
            id="softmax-smoothing-balanced",
        ),
        pytest.param(XM, YM, dict(fit_intercept=False, alpha=0.05), id="softmax-no-intercept"),
        pytest.param(
            XL,
            YL,
            dict(pos_weight=[1.0, 2.0, 0.5, 3.0], sample_weight=True),
            id="multilabel-pos_weight-sample_weight",
        ),
        pytest.param(XL, YL, dict(label_smoothing=0.05), id="multilabel-smoothing"),
    ],
)
def test_fitted_coef_minimises_documented_objective(X, y, params):
    params = dict(params)
    sw = (
        np.random.default_rng(2).uniform(0.1, 3, len(y))
        if params.pop("sample_weight", False)
        else None
    )
    params.setdefault("alpha", 0.01)
    est = CrossEntropyClassifier(tol=1e-10, max_iter=2000, **params).fit(X, y, sample_weight=sw)
    flat = np.r_[est.coef_.ravel(), est.intercept_ if est.fit_intercept else []]
    f0 = _reference_objective(est, X, y, sw, flat)
    h = 1e-6
    grad = np.array(
        [
            (
                _reference_objective(est, X, y, sw, flat + h * e)
                - _reference_objective(est, X, y, sw, flat - h * e)
            )
            / (2 * h)
            for e in np.eye(flat.size)
        ]
    )
    assert np.abs(grad).max() < 1e-5, f"gradient of the documented objective {grad}"
    assert np.isfinite(f0)


def test_multilabel_and_one_vs_rest_separate_into_binary_fits():
    kw = dict(alpha=0.01, tol=1e-10, max_iter=2000)
    multi = CrossEntropyClassifier(**kw).fit(XL, YL)
    ovr = CrossEntropyClassifier(loss="sigmoid", **kw).fit(XM, YM)
    for j in range(4):
        single = CrossEntropyClassifier(**kw).fit(XL, YL[:, j])
        np.testing.assert_allclose(multi.coef_[j], single.coef_[0], atol=1e-4)
        single = CrossEntropyClassifier(**kw).fit(XM, YM == j)
        np.testing.assert_allclose(ovr.coef_[j], single.coef_[0], atol=1e-4)
    proba = ovr.predict_proba(XM)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(ovr.predict_log_proba(XM), np.log(proba), atol=1e-10)


# ---------------------------------------------------------------------------
# targets, input formats, dtypes


def test_sparse_X_and_sparse_Y_match_dense(monkeypatch):
    seen = []
    original = losses._compute_binary_family

    def spy(x, kernel, kind, *args, **kwargs):  # the per-step (unchecked) loss call
        seen.append(kind == "csr")
        return original(x, kernel, kind, *args, **kwargs)

    monkeypatch.setattr(losses, "_compute_binary_family", spy)
    kw = dict(alpha=0.01, tol=1e-10, max_iter=2000)
    dense = CrossEntropyClassifier(**kw).fit(XL, YL)
    sparse = CrossEntropyClassifier(**kw).fit(sp.csr_matrix(XL), sp.csr_matrix(YL))
    assert seen and all(seen[-sparse.n_iter_ :]), "sparse Y was densified"
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-6)
    np.testing.assert_array_equal(sparse.predict(sp.csr_matrix(XL)), dense.predict(XL))
    assert dense.predict(XL).shape == YL.shape and dense.classes_.tolist() == [0, 1, 2, 3]
    assert dense.decision_function(XL).shape == YL.shape
    np.testing.assert_allclose(dense.predict_proba(XL), expit(dense.decision_function(XL)))


@pytest.mark.parametrize("n_classes", [2, 4])
def test_float32_stays_float32(monkeypatch, n_classes):
    X, y = _data(n_classes)
    dtypes = []
    for name in ("_compute_binary_family", "_compute_sparse_softmax"):
        original = getattr(losses, name)

        def spy(y_pred, *args, _original=original, **kwargs):  # the per-step loss call
            dtypes.append(y_pred.dtype)
            return _original(y_pred, *args, **kwargs)

        monkeypatch.setattr(losses, name, spy)
    est = CrossEntropyClassifier(alpha=0.01, tol=1e-6).fit(X.astype(np.float32), y)
    assert set(dtypes) == {np.dtype(np.float32)}
    assert est.coef_.dtype == est.intercept_.dtype == np.float32
    assert est.decision_function(X.astype(np.float32)).dtype == np.float32
    ref = CrossEntropyClassifier(alpha=0.01, tol=1e-10).fit(X, y)
    assert ref.coef_.dtype == np.float64
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=2e-3)


def test_string_labels_and_binary_shapes():
    labels = np.array(["spam", "ham"])[YB]
    est = CrossEntropyClassifier().fit(XB, labels)
    assert est.classes_.tolist() == ["ham", "spam"]
    assert est.coef_.shape == (1, XB.shape[1]) and est.intercept_.shape == (1,)
    assert est.decision_function(XB).shape == (len(YB),)
    proba = est.predict_proba(XB)
    np.testing.assert_allclose(proba[:, 1], expit(est.decision_function(XB)))
    np.testing.assert_allclose(est.predict_log_proba(XB), np.log(proba), atol=1e-12)
    assert set(est.predict(XB)) <= {"ham", "spam"} and est.score(XB, labels) > 0.8
    multi = CrossEntropyClassifier().fit(XM, np.array(list("abcd"))[YM])
    np.testing.assert_allclose(
        multi.predict_proba(XM), softmax(multi.decision_function(XM), axis=1)
    )
    two_logits = CrossEntropyClassifier(loss="softmax").fit(XB, YB)
    assert two_logits.coef_.shape == (2, XB.shape[1])


def test_n_threads_does_not_change_the_fit():
    one = CrossEntropyClassifier(n_threads=1).fit(XM, YM)
    two = CrossEntropyClassifier(n_threads=2).fit(XM, YM)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_pickle_and_clone():
    est = CrossEntropyClassifier(alpha=0.1, class_weight="balanced").fit(XM, YM)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(XM), est.predict_proba(XM))
    assert clone(est).get_params() == est.get_params()
    assert "alpha=0.1" in repr(est)


def test_convergence_warning():
    with pytest.warns(ConvergenceWarning, match="did not converge after 1 iteration"):
        CrossEntropyClassifier(max_iter=1).fit(XM, YM)


# ---------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "params,fit_args,error,message",
    [
        pytest.param(
            {},
            (np.r_[[[np.nan] * 8], XB[1:]], YB),
            ValueError,
            "Input X contains NaN",
            id="nan-in-X",
        ),
        pytest.param(
            {},
            (XB, YB[:-1]),
            ValueError,
            "inconsistent numbers of samples",
            id="inconsistent-lengths",
        ),
        pytest.param({}, (XB, np.zeros(len(YB))), ValueError, "only one class", id="single-class"),
        pytest.param(
            {}, (XB, YB + 0.5), ValueError, "Unknown label type: continuous", id="continuous-y"
        ),
        pytest.param({}, (XB[:, :0], YB), ValueError, "0 feature", id="no-features"),
        pytest.param(
            dict(loss="hinge"),
            (XB, YB),
            ValueError,
            "loss must be 'auto', 'softmax' or",
            id="unknown-loss",
        ),
        pytest.param(
            dict(alpha=-1.0),
            (XB, YB),
            ValueError,
            r"alpha must be in \[0.0, inf\)",
            id="negative-alpha",
        ),
        pytest.param(
            dict(label_smoothing=1.0),
            (XB, YB),
            ValueError,
            "label_smoothing must be in",
            id="smoothing-1",
        ),
        pytest.param(
            dict(max_iter=0), (XB, YB), ValueError, "max_iter must be an int >= 1", id="max_iter-0"
        ),
        pytest.param(
            dict(tol="small"), (XB, YB), TypeError, "tol must be a real number", id="tol-str"
        ),
        pytest.param(
            dict(pos_weight=2.0),
            (XM, YM),
            ValueError,
            "pos_weight applies to sigmoid",
            id="pos_weight-with-softmax",
        ),
        pytest.param(
            dict(pos_weight=[1.0, 2.0]),
            (XL, YL),
            ValueError,
            "pos_weight must have shape",
            id="pos_weight-wrong-length",
        ),
        pytest.param(
            dict(class_weight="balanced"),
            (XL, YL),
            ValueError,
            "class_weight is not supported for multilabel",
            id="class_weight-multilabel",
        ),
        pytest.param(
            dict(loss="softmax"),
            (XL, YL),
            ValueError,
            "needs one label per sample",
            id="softmax-multilabel",
        ),
        pytest.param(
            dict(class_weight={7: 2.0}),
            (XB, YB),
            ValueError,
            "not in class_weight|not found",
            id="class_weight-unknown-label",
        ),
        pytest.param(
            {},
            (XL, YL * 2),
            ValueError,
            "multilabel|Multioutput|multiclass-multioutput",
            id="indicator-with-2",
        ),
    ],
)
def test_fit_rejects_bad_input(params, fit_args, error, message):
    with pytest.raises(error, match=message):
        CrossEntropyClassifier(**params).fit(*fit_args)


@pytest.mark.parametrize(
    "sample_weight,message",
    [
        pytest.param(-np.ones(len(YB)), "non-negative", id="negative"),
        pytest.param(np.ones(3), r"shape \(400,\)", id="wrong-length"),
        pytest.param(np.zeros(len(YB)), "at least one non-zero", id="all-zero"),
        pytest.param(np.full(len(YB), np.nan), "finite", id="nan"),
    ],
)
def test_fit_rejects_bad_sample_weight(sample_weight, message):
    with pytest.raises(ValueError, match=message):
        CrossEntropyClassifier().fit(XB, YB, sample_weight=sample_weight)


def test_predict_errors_and_inputs_not_modified():
    with pytest.raises(NotFittedError):
        CrossEntropyClassifier().predict(XB)
    X, y, sw = XM.copy(), YM.copy(), np.linspace(0.5, 1.5, len(YM))
    sw0 = sw.copy()
    est = CrossEntropyClassifier().fit(X, y, sample_weight=sw)
    est.predict_proba(X)
    np.testing.assert_array_equal(X, XM)
    np.testing.assert_array_equal(y, YM)
    np.testing.assert_array_equal(sw, sw0)
    with pytest.raises(
        ValueError, match="X has 7 features, but CrossEntropyClassifier is expecting 8 features"
    ):
        est.predict(X[:, :7])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((2, 8), np.nan))


# ---------------------------------------------------------------------------
# scorers


def test_import_xentc_does_not_import_sklearn():
    code = (
        "import sys, xentc, xentc.metrics; import numpy as np;"
        "xentc.metrics.log_loss([0, 1], [0.2, 0.9]);"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_scorers_in_cross_val_score_match_sklearn():
    cv = KFold(3, shuffle=True, random_state=0)
    labels = np.array(list("abcd"))[YM]
    est = CrossEntropyClassifier(alpha=1e-3)
    ours = cross_val_score(est, XM, labels, scoring=neg_log_loss_scorer, cv=cv)
    theirs = cross_val_score(est, XM, labels, scoring="neg_log_loss", cv=cv)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    logits = cross_val_score(est, XM, labels, scoring=neg_log_loss_logits_scorer, cv=cv)
    np.testing.assert_allclose(logits, theirs, rtol=1e-9)
    acc = cross_val_score(est, XM, labels, scoring=accuracy_scorer, cv=cv)
    np.testing.assert_allclose(acc, cross_val_score(est, XM, labels, scoring="accuracy", cv=cv))
    # a third-party estimator, binary
    lr = LogisticRegression()
    np.testing.assert_allclose(
        cross_val_score(lr, XB, YB, scoring=neg_log_loss_logits_scorer, cv=cv),
        cross_val_score(lr, XB, YB, scoring="neg_log_loss", cv=cv),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        cross_val_score(lr, XB, YB, scoring=accuracy_scorer, cv=cv),
        cross_val_score(lr, XB, YB, scoring="accuracy", cv=cv),
    )


def test_scorer_handles_fold_missing_a_class():
    est = CrossEntropyClassifier().fit(XM, YM)
    X_fold, y_fold = XM[YM != 3], YM[YM != 3]
    with pytest.raises(ValueError, match="different number of classes"):
        sk_log_loss(y_fold, est.predict_proba(X_fold))
    expected = -sk_log_loss(y_fold, est.predict_proba(X_fold), labels=est.classes_)
    assert neg_log_loss_scorer(est, X_fold, y_fold) == pytest.approx(expected, rel=1e-12)
    assert neg_log_loss_logits_scorer(est, X_fold, y_fold) == pytest.approx(expected, rel=1e-9)
    assert accuracy_scorer(est, X_fold, y_fold) == pytest.approx(
        np.mean(est.predict(X_fold) == y_fold)
    )


def test_scorers_on_multilabel_models():
    est = CrossEntropyClassifier().fit(XL, YL)
    assert accuracy_scorer(est, XL, YL) == pytest.approx(est.score(XL, YL))
    # per-label probabilities do not sum to one: both warn as scikit-learn does
    with pytest.warns(UserWarning, match="do not sum to one"):
        ours = neg_log_loss_scorer(est, XL, YL)
    with pytest.warns(UserWarning, match="do not sum to one"):
        theirs = -sk_log_loss(YL, est.predict_proba(XL))
    assert ours == pytest.approx(theirs, rel=1e-12)
    with pytest.raises(ValueError, match="use neg_log_loss_scorer"):
        neg_log_loss_logits_scorer(est, XL, YL)


def test_grid_search_with_scorers():
    grid = {"alpha": [1e-4, 100.0]}  # 100: coefficients shrunk to ~0
    for scorer in (neg_log_loss_scorer, neg_log_loss_logits_scorer, accuracy_scorer):
        search = GridSearchCV(CrossEntropyClassifier(), grid, scoring=scorer, cv=2).fit(XM, YM)
        assert search.best_params_ == {"alpha": 1e-4}, scorer
    multi = GridSearchCV(
        CrossEntropyClassifier(),
        grid,
        cv=2,
        refit="nll",
        scoring={"nll": neg_log_loss_scorer, "acc": accuracy_scorer},
    )
    multi.fit(XM, YM)
    assert set(multi.cv_results_) >= {"mean_test_nll", "mean_test_acc"}
    assert pickle.loads(pickle.dumps(neg_log_loss_scorer))(multi.best_estimator_, XM, YM) < 0


# ---------------------------------------------------------------------------
# TemperatureScaler


def _overconfident(kind, factor=3.0, n=4000, seed=0):
    """Logits z whose labels were drawn from link(z); the model reports factor * z."""
    rng = np.random.default_rng(seed)
    if kind == "binary":
        z = rng.normal(size=n) * 2
        y = (rng.random(n) < expit(z)).astype(int)
    elif kind == "multiclass":
        z = rng.normal(size=(n, 5)) * 2
        cdf = softmax(z, axis=1).cumsum(axis=1)
        y = (rng.random((n, 1)) > cdf).sum(axis=1)
    else:
        z = rng.normal(size=(n, 4)) * 2
        y = (rng.random(z.shape) < expit(z)).astype(int)
    return factor * z, y


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "multilabel-sparse"])
def test_temperature_scaler_lowers_held_out_log_loss(kind):
    logits, y = _overconfident(kind.split("-")[0])
    half = len(y) // 2
    y_fit = sp.csr_matrix(y[:half]) if kind.endswith("sparse") else y[:half]
    ts = TemperatureScaler().fit(logits[:half], y_fit)
    assert ts.temperature_ == pytest.approx(3.0, rel=0.15)
    held_logits, held_y = logits[half:], y[half:]
    if kind.startswith("multilabel"):
        before = losses.sigmoid_cross_entropy(held_logits, held_y)
        after = losses.sigmoid_cross_entropy(ts.transform(held_logits), held_y)
        np.testing.assert_allclose(
            ts.predict_proba(held_logits), expit(held_logits / ts.temperature_)
        )
    else:
        before = log_loss(held_y, held_logits, from_logits=True)
        after = log_loss(held_y, ts.predict_proba(held_logits))
        np.testing.assert_array_equal(
            ts.predict(held_logits), ts.classes_[np.argmax(ts.predict_proba(held_logits), 1)]
        )
    assert after < before - 0.02, (before, after)
    np.testing.assert_allclose(ts.transform(held_logits), held_logits / ts.temperature_)


def test_temperature_scaler_in_pipeline_after_frozen_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 6))
    cdf = softmax(X @ rng.normal(size=(4, 6)).T * 0.7, axis=1).cumsum(axis=1)
    y = (rng.random((3000, 1)) > cdf).sum(axis=1)
    model = CrossEntropyClassifier().fit(X[:1000], y[:1000])
    model.coef_ *= 4.0  # make the fitted model over-confident
    model.intercept_ *= 4.0
    calibrated = Pipeline(
        [
            ("logits", LogitsTransformer(FrozenEstimator(model))),
            ("temperature", TemperatureScaler()),
        ]
    ).fit(X[1000:2000], y[1000:2000])
    before = log_loss(y[2000:], model.predict_proba(X[2000:]))
    after = log_loss(y[2000:], calibrated.predict_proba(X[2000:]))
    assert calibrated[-1].temperature_ > 2.0
    assert after < before - 0.1, (before, after)
    np.testing.assert_array_equal(calibrated.predict(X[2000:]), model.predict(X[2000:]))
    assert calibrated.score(X[2000:], y[2000:]) == pytest.approx(model.score(X[2000:], y[2000:]))
    assert neg_log_loss_scorer(calibrated, X[2000:], y[2000:]) == pytest.approx(-after)
    assert clone(calibrated).get_params()["temperature__tol"] == 1e-6


def test_temperature_scaler_bad_input():
    logits, y = _overconfident("multiclass", n=200)
    with pytest.raises(ValueError, match=r"logits have 5 class column\(s\) but y has 4 classes"):
        TemperatureScaler().fit(logits, np.minimum(y, 3))
    with pytest.raises(ValueError, match=r"X has 200 rows but y has 199 labels"):
        TemperatureScaler().fit(logits, y[:-1])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        TemperatureScaler().fit(np.full((3, 2), np.nan), [0, 1, 1])
    ts = TemperatureScaler(classes=[0, 1, 2, 3, 4]).fit(logits, np.minimum(y, 3))
    with pytest.raises(
        ValueError,
        match=r"X has 4 logit column\(s\), but TemperatureScaler was "
        "fitted on 5",
    ):
        ts.transform(logits[:, :4])
    with pytest.raises(NotFittedError):
        TemperatureScaler().transform(logits)
