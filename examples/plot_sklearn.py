"""
A scikit-learn pipeline, tuned on log-loss, then calibrated
===========================================================

:class:`xentc.sklearn.CrossEntropyClassifier` is a linear model fitted with
L-BFGS on xentc's fused loss and gradient; ``neg_log_loss_scorer`` is
scikit-learn's ``"neg_log_loss"`` computed by xentc, and
:class:`xentc.sklearn.TemperatureScaler` calibrates a fitted model's logits
(guide: :doc:`/sklearn`).
"""

# %%
# Tune on log-loss
# ----------------
# Every object is a scikit-learn estimator or scorer: it drops into
# ``make_pipeline`` and ``GridSearchCV`` as it is.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from xentc.metrics import accuracy, expected_calibration_error, log_loss, reliability_curve
from xentc.sklearn import (
    CrossEntropyClassifier,
    LogitsTransformer,
    TemperatureScaler,
    neg_log_loss_scorer,
)

X, y = make_classification(
    n_samples=3000, n_features=20, n_informative=8, n_classes=3, random_state=0
)
X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.5, random_state=0)
X_valid, X_test, y_valid, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)

pipe = make_pipeline(StandardScaler(), CrossEntropyClassifier())
search = GridSearchCV(
    pipe, {"crossentropyclassifier__alpha": [1e-4, 1e-2, 1.0]}, scoring=neg_log_loss_scorer, cv=5
)
search.fit(X_train, y_train)
print("best:", search.best_params_)
for alpha, score in zip(
    search.cv_results_["param_crossentropyclassifier__alpha"],
    search.cv_results_["mean_test_score"],
):
    print(f"  alpha={alpha:<6} mean CV log-loss {-score:.4f}")

model = search.best_estimator_
proba = model.predict_proba(X_test)
print("held-out log-loss:", log_loss(y_test, proba))
print("held-out accuracy:", accuracy(y_test, proba))

# %%
# Calibrate an over-confident model
# ---------------------------------
# The tuned model is already well calibrated. An unregularised one fitted on
# 300 samples is not: it is over-confident. ``LogitsTransformer`` turns the
# fitted model into a step that outputs its logits (``decision_function``),
# ``FrozenEstimator`` keeps it as fitted, and ``TemperatureScaler`` fits one
# temperature on held-out data.
overfit = make_pipeline(StandardScaler(), CrossEntropyClassifier(alpha=0.0, max_iter=1000))
overfit.fit(X_train[:300], y_train[:300])
calibrated = Pipeline(
    [
        ("logits", LogitsTransformer(FrozenEstimator(overfit))),
        ("temperature", TemperatureScaler()),
    ]
).fit(X_valid, y_valid)
print("temperature:", calibrated[-1].temperature_)
before, after = overfit.predict_proba(X_test), calibrated.predict_proba(X_test)
for name, p in (("before", before), ("after", after)):
    print(
        f"{name:>6}: log-loss {log_loss(y_test, p):.4f}, "
        f"ECE {expected_calibration_error(y_test, p, n_bins=10):.4f}, "
        f"accuracy {accuracy(y_test, p):.4f}"
    )

# %%
# Reliability before and after
# ----------------------------
# Per bin of top-class probability, the fraction of right predictions
# (``xentc.metrics.reliability_curve``). Dividing the logits by the
# temperature moves the confidence, never the predicted class, so the
# accuracy is unchanged.
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
for name, p in (("unregularised", before), ("temperature-scaled", after)):
    frac_right, confidence, _ = reliability_curve(y_test, p, n_bins=10)
    ax.plot(confidence, frac_right, marker="o", label=name)
ax.set_xlabel("mean top-class probability in bin")
ax.set_ylabel("fraction right in bin")
ax.legend()
fig.tight_layout()
assert np.array_equal(before.argmax(axis=1), after.argmax(axis=1))
