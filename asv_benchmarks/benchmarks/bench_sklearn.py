"""asv: xentc.sklearn and xentc.metrics side by side with scikit-learn.

- CrossEntropyClassifier vs LogisticRegression(solver="lbfgs") on the same
  data at the same tolerance (alpha = 1 / (C * n_samples), so the objective
  is the same): fit time, and the final objective each reaches (track_),
  evaluated by one NumPy function for both.
- xentc.metrics.log_loss (probabilities, and logits with from_logits=True)
  vs sklearn.metrics.log_loss: time and peak memory.

Inputs are generated here from fixed seeds (self-contained; no common.py).

Run:  cd asv_benchmarks && asv run --bench bench_sklearn
      (asv run --quick --bench bench_sklearn for a smoke run)
"""

import functools

import numpy as np
from scipy.special import logsumexp, softmax
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sklearn_log_loss

from xentc.metrics import log_loss as xentc_log_loss
from xentc.sklearn import CrossEntropyClassifier

N_SAMPLES, N_FEATURES, C, TOL, MAX_ITER = 20_000, 100, 1.0, 1e-4, 1000


@functools.cache
def _classification(n_classes, dtype):
    X, y = make_classification(
        N_SAMPLES,
        N_FEATURES,
        n_informative=30,
        n_redundant=10,
        n_classes=n_classes,
        random_state=42,
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(dtype), y


def _objective(X, y, coef, intercept, alpha):
    """mean cross-entropy + alpha/2 ||coef||^2 in float64 (one logit: sigmoid)."""
    Z = X.astype(np.float64) @ coef.T.astype(np.float64) + intercept
    if Z.shape[1] == 1:
        z = Z[:, 0]
        per = np.logaddexp(0, z) - (y == 1) * z
    else:
        per = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    return float(per.mean() + 0.5 * alpha * np.sum(coef.astype(np.float64) ** 2))


def _model(impl):
    if impl == "xentc":
        return CrossEntropyClassifier(alpha=1 / (C * N_SAMPLES), tol=TOL, max_iter=MAX_ITER)
    return LogisticRegression(C=C, solver="lbfgs", tol=TOL, max_iter=MAX_ITER)


class LinearClassifierFit:
    """CrossEntropyClassifier vs LogisticRegression(lbfgs), equal objective and tol."""

    params = (["xentc", "sklearn"], ["float32", "float64"], [2, 10])
    param_names = ["impl", "dtype", "n_classes"]
    timeout = 300

    def setup(self, impl, dtype, n_classes):
        self.X, self.y = _classification(n_classes, dtype)

    def time_fit(self, impl, dtype, n_classes):
        _model(impl).fit(self.X, self.y)

    def peakmem_fit(self, impl, dtype, n_classes):
        _model(impl).fit(self.X, self.y)

    def track_final_objective(self, impl, dtype, n_classes):
        model = _model(impl).fit(self.X, self.y)
        return _objective(self.X, self.y, model.coef_, model.intercept_, 1 / (C * N_SAMPLES))

    track_final_objective.unit = "objective"

    def track_n_iter(self, impl, dtype, n_classes):
        return int(np.max(_model(impl).fit(self.X, self.y).n_iter_))

    track_n_iter.unit = "iterations"


@functools.cache
def _scores(kind, dtype):
    rng = np.random.default_rng(7)
    if kind == "binary":  # 1e6 positive-class probabilities / logits
        logits = rng.normal(scale=2.0, size=1_000_000)
        y = (rng.random(logits.shape[0]) < 1 / (1 + np.exp(-logits))).astype(np.int64)
        proba = 1 / (1 + np.exp(-logits))
    else:  # 2e5 x 10 softmax probabilities / logits
        logits = rng.normal(scale=2.0, size=(200_000, 10))
        proba = softmax(logits, axis=1)
        y = (rng.random((logits.shape[0], 1)) > proba.cumsum(axis=1)).sum(axis=1)
        y = np.minimum(y, 9)
    return y, proba.astype(dtype), logits.astype(dtype)


class LogLoss:
    """log_loss on probabilities (both) and on logits (xentc, from_logits=True)."""

    params = (
        ["xentc", "xentc-logits", "sklearn"],
        ["binary", "multiclass"],
        ["float32", "float64"],
    )
    param_names = ["impl", "kind", "dtype"]

    def setup(self, impl, kind, dtype):
        self.y, self.proba, self.logits = _scores(kind, dtype)

    def _run(self, impl):
        if impl == "xentc":
            return xentc_log_loss(self.y, self.proba)
        if impl == "xentc-logits":
            return xentc_log_loss(self.y, self.logits, from_logits=True)
        return sklearn_log_loss(self.y, self.proba)

    def time_log_loss(self, impl, kind, dtype):
        self._run(impl)

    def peakmem_log_loss(self, impl, kind, dtype):
        self._run(impl)

    def track_value(self, impl, kind, dtype):
        return self._run(impl)

    track_value.unit = "nats"
