"""The accuracies of xentc.metrics follow their stated rules.

Nothing here needs scikit-learn: only the oracle comparison at the end
imports it (and skips without it). `test_runs_without_sklearn` runs this file
again with scikit-learn hidden (conftest's --without-sklearn) to prove it.
"""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import xentc.metrics as xm

# ---------------------------------------------------------------------------
# Keras-style accuracies

ONE_HOT = np.eye(3)[[0, 1, 2, 1]]


def test_binary_accuracy_is_strictly_greater_than_threshold():
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.5, 0.5, 0.51, 0.2, 0.9])
    assert xm.binary_accuracy(y, p) == pytest.approx(4 / 5)  # 0.5 counts as negative
    assert xm.binary_accuracy(y, p, threshold=0.0) == pytest.approx(3 / 5)
    assert xm.binary_accuracy(y.reshape(-1, 1), p) == pytest.approx(4 / 5)
    multilabel = np.array([[1, 0, 1], [0, 0, 0]])
    assert xm.binary_accuracy(multilabel, [[0.9, 0.1, 0.2], [0.6, 0.1, 0.1]]) == pytest.approx(
        4 / 6
    )
    assert xm.binary_accuracy(
        sp.csr_matrix(multilabel), np.array([[0.9, 0.1, 0.2], [0.6, 0.1, 0.1]])
    ) == pytest.approx(4 / 6)


def test_binary_accuracy_warns_on_one_hot_targets():
    with pytest.warns(
        UserWarning,
        match=r"inflated \(an all-zero prediction scores 2/3\).*"
        r"categorical_accuracy",
    ):
        value = xm.binary_accuracy(ONE_HOT, np.zeros((4, 3)))
    assert value == pytest.approx(2 / 3)
    with pytest.warns(UserWarning, match="categorical_accuracy"):
        xm.binary_accuracy(sp.csr_matrix(ONE_HOT), np.zeros((4, 3)))


def test_binary_accuracy_errors():
    with pytest.raises(ValueError, match=r"y_true must hold only 0 and 1; got 0\.7"):
        xm.binary_accuracy([0, 0.7], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"y_pred contains NaN at position \(1,\)"):
        xm.binary_accuracy([0, 1], [0.1, np.nan])
    with pytest.raises(
        ValueError,
        match=r"same shape; got y_true.shape=\(2,\) and "
        r"y_pred.shape=\(3,\)",
    ):
        xm.binary_accuracy([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="empty"):
        xm.binary_accuracy([], [])


def test_categorical_accuracy():
    pred = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [0.1, 0.1, 0.8]])
    assert xm.categorical_accuracy(ONE_HOT, pred) == pytest.approx(2 / 4)
    assert xm.categorical_accuracy(sp.csr_matrix(ONE_HOT), pred) == pytest.approx(2 / 4)
    soft = ONE_HOT * 0.9 + 0.1 / 3
    assert xm.categorical_accuracy(soft, pred) == pytest.approx(2 / 4)
    # ties go to the first maximal column
    assert xm.categorical_accuracy([[0, 1]], [[0.5, 0.5]]) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        xm.categorical_accuracy(ONE_HOT, pred[:, :2])


def test_sparse_categorical_accuracy():
    pred = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [0.1, 0.1, 0.8]])
    assert xm.sparse_categorical_accuracy([0, 1, 2, 1], pred) == pytest.approx(2 / 4)
    assert xm.sparse_categorical_accuracy(np.array([[0], [1], [2], [1]]), pred) == pytest.approx(
        2 / 4
    )
    assert xm.sparse_categorical_accuracy([0.0, 1.0, 2.0, 1.0], pred) == pytest.approx(2 / 4)
    with pytest.raises(
        ValueError,
        match=r"y_true\[2\] = 3 is not a column index of y_pred: "
        r"integer labels must be in \[0, 3\)",
    ):
        xm.sparse_categorical_accuracy([0, 1, 3, 1], pred)
    with pytest.raises(ValueError, match=r"y_true\[1\] = 0.5 is not a column index"):
        xm.sparse_categorical_accuracy([0, 0.5, 1, 1], pred)


# ---------------------------------------------------------------------------
# accuracy: the rule follows the target type


def test_accuracy_never_reports_elementwise_for_one_hot():
    zeros = np.zeros((4, 3))
    assert xm.accuracy(ONE_HOT, zeros) == pytest.approx(1 / 4)  # argmax -> class 0, not 2/3
    pred = np.eye(3)[[0, 1, 1, 1]] * 0.8 + 0.05
    assert xm.accuracy(ONE_HOT, pred) == pytest.approx(3 / 4)
    assert xm.accuracy(sp.csr_matrix(ONE_HOT), pred) == pytest.approx(3 / 4)
    # hard one-hot predictions: a row counts only when it is exactly right
    hard = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 1, 0]])
    assert xm.accuracy(ONE_HOT.astype(int), hard) == pytest.approx(3 / 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # accuracy itself never warns here
        xm.accuracy(ONE_HOT, pred)


def test_accuracy_multilabel_is_subset_accuracy():
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    proba = np.array([[0.9, 0.2, 0.7], [0.1, 0.6, 0.6], [0.8, 0.9, 0.1], [0.1, 0.1, 0.1]])
    expected = 3 / 4  # rows 0, 2 and 3 are right in every label; row 1 is not
    assert xm.accuracy(y, proba) == pytest.approx(expected)
    assert xm.accuracy(sp.csr_matrix(y), proba) == pytest.approx(expected)
    logits = np.log(proba / (1 - proba))
    assert xm.accuracy(y, logits, from_logits=True) == pytest.approx(expected)
    assert xm.accuracy(y, (proba > 0.5).astype(int)) == pytest.approx(expected)
    assert xm.accuracy(
        sp.csr_matrix(y), sp.csr_matrix((proba > 0.5).astype(int))
    ) == pytest.approx(expected)


def test_accuracy_binary_scores():
    y = [0, 1, 1, 0]
    assert xm.accuracy(y, [0.2, 0.7, 0.4, 0.6]) == pytest.approx(0.5)
    assert xm.accuracy(y, [[0.2], [0.7], [0.4], [0.6]]) == pytest.approx(0.5)
    assert xm.accuracy(y, [-1.0, 2.0, -0.3, 0.5], from_logits=True) == pytest.approx(0.5)
    assert xm.accuracy(["no", "yes", "yes", "no"], [0.2, 0.7, 0.4, 0.6]) == pytest.approx(0.5)
    assert xm.accuracy([-1, 1, 1, -1], [0.2, 0.7, 0.4, 0.6]) == pytest.approx(0.5)
    assert xm.accuracy(y, [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6]]) == pytest.approx(0.5)


def test_accuracy_multiclass_and_labels():
    scores = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3]])
    assert xm.accuracy([0, 1, 2], scores) == pytest.approx(2 / 3)
    assert xm.accuracy(["a", "b", "c"], scores) == pytest.approx(2 / 3)
    assert xm.accuracy(["a", "b", "c"], ["a", "b", "b"]) == pytest.approx(2 / 3)
    assert xm.accuracy([0, 1, 2], np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert xm.accuracy([0, 1, 2], np.array([0.0, 1.0, 1.0])) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "y_true,y_pred,kwargs,message",
    [
        pytest.param(
            [0, 1, 2],
            [0.2, 0.5, 0.9],
            {},
            "one score per sample .binary., but y_true has 3",
            id="1d-scores-for-3-classes",
        ),
        pytest.param(
            [0, 1, 1],
            [3.0, -2.0, 1.5],
            {},
            "outside \\[0, 1\\]; pass from_logits=True",
            id="logits-without-from_logits",
        ),
        pytest.param([0, 1, 3], np.eye(3), {}, "not a column index", id="label-out-of-range"),
        pytest.param(
            ["a", "b"],
            np.eye(3)[:2],
            {},
            "2 distinct labels but y_pred has 3 columns",
            id="string-labels-vs-columns",
        ),
        pytest.param(np.eye(3), np.eye(3)[:, :2], {}, "same shape", id="shape-mismatch"),
        pytest.param(
            [0, 1.5, 1], [0.1, 0.2, 0.3], {}, "its type is 'continuous'", id="continuous"
        ),
        pytest.param([0, 1], [np.nan, 0.2], {}, "NaN", id="nan-scores"),
        pytest.param(
            [[2, 0], [0, 3]],
            np.eye(2),
            {},
            "0/1 indicator matrix or rows of probab",
            id="bad-2d-target",
        ),
        pytest.param(["a", "b"], [1, 0], {}, "Mix of label input types", id="str-vs-int"),
        pytest.param([], [], {}, "empty", id="empty"),
    ],
)
def test_accuracy_errors(y_true, y_pred, kwargs, message):
    with pytest.raises(ValueError, match=message):
        xm.accuracy(y_true, y_pred, **kwargs)


def test_accuracy_multilabel_matches_sklearn_accuracy_score():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    y = (rng.random((200, 4)) < 0.5).astype(int)
    proba = rng.random((200, 4))
    assert xm.accuracy(y, proba) == skm.accuracy_score(y, (proba > 0.5).astype(int))
    labels, scores = rng.integers(0, 5, 200), rng.normal(size=(200, 5))
    assert xm.accuracy(labels, scores) == skm.accuracy_score(labels, scores.argmax(axis=1))


def test_runs_without_sklearn(request):
    """This file passes, with nothing skipped, when scikit-learn cannot be imported."""
    if request.config.getoption("--without-sklearn"):
        pytest.skip("already running with scikit-learn hidden")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-p",
            "no:cacheprovider",
            "--without-sklearn",
            "-k",
            "not matches_sklearn and not runs_without_sklearn",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary
    assert "scikit-learn hidden" in proc.stdout, proc.stdout[-3000:]
