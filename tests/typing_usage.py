"""Calls of the public API as README and docs/ write them, checked by
`mypy --strict` (tools/typecheck.sh) against the stubs in xentc/*.pyi.

`assert_type` fails the type check when a stub's return type drifts from
what a user is promised (float for reduced losses, arrays otherwise), and
does nothing at run time. The file also runs (tests/test_typing.py calls
`main`), so every call here is a real, valid call, and the isinstance checks
tie the stubs' return types to what the code returns.
"""

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from typing_extensions import assert_type

import xentc
import xentc.compat.keras
import xentc.compat.scipy
import xentc.compat.tf
import xentc.compat.torch
from xentc.scoring import StreamingScores

FloatArray = npt.NDArray[np.floating[Any]]


def _array(x: object) -> None:
    assert isinstance(x, np.ndarray) and x.dtype.kind == "f", type(x)


def _float(x: object) -> None:
    assert isinstance(x, float), type(x)


def core() -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((200, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 200)
    soft_targets = rng.dirichlet(np.ones(10), 200)
    multilabel = (rng.random((200, 10)) < 0.2).astype(np.float32)
    probs = assert_type(xentc.softmax(logits), FloatArray)
    _array(probs)

    mean = assert_type(xentc.sparse_softmax_cross_entropy(logits, labels), float)
    _float(mean)
    per_sample = assert_type(
        xentc.sparse_softmax_cross_entropy(
            logits, labels, reduction="none", label_smoothing=0.1, class_weight="balanced"
        ),
        FloatArray,
    )
    _array(per_sample)
    _float(xentc.sparse_softmax_cross_entropy(logits, labels, reduction="sum"))
    chosen: Literal["none", "mean", "sum"] = "none" if mean > 0 else "mean"
    assert_type(
        xentc.sparse_softmax_cross_entropy(logits, labels, reduction=chosen), float | FloatArray
    )

    loss = xentc.SparseSoftmaxCrossEntropy(ignore_index=-100)
    value, grad = loss.loss_gradient(logits, labels)
    assert_type(value, float | FloatArray)
    _array(assert_type(grad, FloatArray))
    work = logits.copy()
    value, grad = loss.loss_gradient(work, labels, out=work)
    assert grad is work
    grad, hess = loss.gradient_hessian(logits, labels)
    _array(hess)
    assert loss.set_params(label_smoothing=0.1) is loss
    assert_type(loss.set_params(label_smoothing=0.1), xentc.SparseSoftmaxCrossEntropy)

    _float(xentc.softmax_cross_entropy(logits, soft_targets))
    _float(xentc.softmax_cross_entropy(logits, sp.csr_matrix(soft_targets)))
    _float(xentc.sigmoid_cross_entropy(logits, multilabel, pos_weight=3.0))
    _float(xentc.binary_cross_entropy(probs[:, 0], labels == 0))
    _float(xentc.categorical_cross_entropy(probs, labels))
    _float(xentc.sparse_softmax_cross_entropy(logits, labels, focal_gamma=2.0))
    _float(xentc.sigmoid_cross_entropy(logits, multilabel, focal_gamma=2.0, focal_alpha=0.25))
    for fn in (xentc.softmax, xentc.log_softmax):
        _array(assert_type(fn(logits), FloatArray))
    _array(assert_type(xentc.logsumexp(logits, axis=-1), FloatArray))
    _array(assert_type(xentc.sigmoid(logits), FloatArray))
    _array(assert_type(xentc.log_sigmoid(logits), FloatArray))
    assert isinstance(assert_type(xentc.sigmoid(0.5), np.floating[Any]), np.floating)

    sizes = [4, 3, 3]
    grouped_labels = np.stack([rng.integers(0, g, 200) for g in sizes], axis=1)
    _float(xentc.grouped_softmax_cross_entropy(logits, grouped_labels, groups=sizes))
    value, grad = xentc.GroupedSoftmaxCrossEntropy(groups=sizes).loss_gradient(
        logits, grouped_labels
    )
    assert_type(
        xentc.metrics.grouped_accuracy(grouped_labels, logits, groups=sizes), dict[str, Any]
    )

    hidden = rng.standard_normal((32, 8)).astype(np.float32)
    weight = (0.1 * rng.standard_normal((50, 8))).astype(np.float32)
    tokens = rng.integers(0, 50, 32)
    _float(assert_type(xentc.linear_cross_entropy(hidden, weight, tokens), float))
    total, d_hidden, d_weight, d_bias = xentc.LinearCrossEntropy().loss_gradient(
        hidden, weight, tokens
    )
    _float(total)
    assert d_hidden.shape == hidden.shape
    assert d_bias.shape == (weight.shape[0],)  # also without a bias
    _array(assert_type(d_weight, FloatArray))
    _array(xentc.linear_log_prob(hidden, weight, tokens, lengths=[16, 16]))
    top, log_p = xentc.linear_top_k(hidden, weight, 3)
    assert_type(top, npt.NDArray[np.int64])
    assert top.dtype == np.int64 and log_p.dtype == np.float64

    assert_type(xentc.show_config(), None)
    config = assert_type(xentc.get_config(), dict[str, Any])
    assert "simd_active" in config
    targets = assert_type(xentc.available_simd_targets(), list[str])
    with xentc.simd_target(targets[0]):
        assert xentc.get_simd_target() == targets[0]
    assert_type(xentc.__version__, str)


def metrics_and_scoring() -> None:
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((300, 4))
    labels = rng.integers(0, 4, 300)
    proba = xentc.softmax(logits)
    for score in (
        xentc.log_loss(labels, proba),
        xentc.metrics.log_loss(labels, logits, from_logits=True),
        xentc.top_k_accuracy_score(labels, logits, k=2),
        xentc.accuracy(labels, logits),
        xentc.sparse_categorical_accuracy(labels, logits),
        xentc.metrics.brier_score(labels, proba),
        xentc.metrics.expected_calibration_error(labels, proba),
    ):
        _float(assert_type(score, float))
    prob_true, prob_pred, counts = xentc.metrics.reliability_curve(labels == 0, proba[:, 0])
    _array(prob_true)
    _array(prob_pred)
    assert counts.dtype.kind in "iu"

    scores = StreamingScores(k=3, n_bins=10)
    assert scores.update(labels, logits) is scores
    state = scores.to_dict()
    report = StreamingScores.from_dict(state).merge(StreamingScores(k=3, n_bins=10)).result()
    _float(report["log_loss"])


def compat() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((50, 5))
    y = rng.integers(0, 5, 50)
    t = xentc.compat.torch
    mean = assert_type(t.cross_entropy(x, y), np.floating[Any])
    assert isinstance(mean, np.floating)
    _array(assert_type(t.cross_entropy(x, y, reduction="none"), FloatArray))
    assert_type(t.nll_loss(t.log_softmax(x, dim=1), y, reduction="sum"), np.floating[Any])
    assert_type(
        t.binary_cross_entropy_with_logits(x, (x > 0).astype(float), pos_weight=np.ones(5)),
        np.floating[Any],
    )
    _array(assert_type(t.sigmoid_focal_loss(x, (x > 0).astype(float)), FloatArray))

    _array(xentc.compat.tf.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x))
    _array(xentc.compat.keras.sparse_categorical_crossentropy(y, x, from_logits=True))
    keras_loss = xentc.compat.keras.SparseCategoricalCrossentropy(from_logits=True)
    assert isinstance(keras_loss(y, x), np.floating)
    assert_type(xentc.compat.keras.to_categorical(y), npt.NDArray[np.float64])

    s = xentc.compat.scipy
    assert isinstance(s.logsumexp(x), np.floating)
    lse, sign = s.logsumexp(x, axis=1, b=np.ones(5), return_sign=True)
    _array(lse)
    _array(sign)
    _array(assert_type(s.softmax(x, axis=1), FloatArray))
    _array(assert_type(s.expit(x), FloatArray))


def sklearn_and_dask() -> None:
    import dask.array as da

    import xentc.dask
    from xentc.sklearn import CrossEntropyClassifier, TemperatureScaler, neg_log_loss_scorer

    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + 0.5 * rng.standard_normal(120) > 0).astype(int)
    clf = CrossEntropyClassifier(alpha=1e-2).fit(X, y)
    assert_type(clf, CrossEntropyClassifier)
    _array(assert_type(clf.predict_proba(X), FloatArray))
    _float(assert_type(neg_log_loss_scorer(clf, X, y), float))
    scaler = TemperatureScaler().fit(clf.decision_function(X), y)
    _float(assert_type(scaler.temperature_, float))

    dx = da.from_array(rng.standard_normal((100, 3)), chunks=(25, 3))
    dy = da.from_array(rng.integers(0, 3, 100), chunks=25)
    lazy = assert_type(xentc.dask.sparse_softmax_cross_entropy(dx, dy), da.Array)
    _float(float(lazy.compute()))
    _float(assert_type(xentc.dask.log_loss(dy, dx), float))


def main() -> None:
    core()
    metrics_and_scoring()
    compat()
    sklearn_and_dask()


if __name__ == "__main__":
    main()
