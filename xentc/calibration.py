"""Calibration metrics on whole arrays: Brier score, expected calibration
error and the reliability curve (re-exported by xentc.metrics).

Design:
  A. `brier_score` is a drop-in for scikit-learn's `brier_score_loss`
     (>= 1.7: multiclass is the mean over samples of the sum over classes of
     the squared error, scaled by 1/2 for two classes only) and
     `reliability_curve` for `sklearn.calibration.calibration_curve`, plus the
     bin counts. Columns of 2-D scores follow the sorted class values, as
     scikit-learn's LabelBinarizer orders them.
  B. The sums are those of `xentc.scoring.StreamingScores` fed the whole
     array, so a one-shot number and a streamed one are the same number.
  C. "Confidence" is the top-label probability for softmax outputs (hit: the
     argmax is right) and the positive-label probability for sigmoid outputs
     (binary, and every label decision of a multilabel target; hit: the
     label is 1).
"""

import math
import numbers
import warnings

import numpy as np

from . import _validation as V
from ._rowstats import row_stats
from .scoring import StreamingScores
from .special import sigmoid

__all__ = ["brier_score", "expected_calibration_error", "reliability_curve"]


def _labels_1d(y, name="y_true"):
    if V._is_sparse(y):
        return y
    arr = np.asarray(y.to_numpy()) if hasattr(y, "to_numpy") else np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.reshape(-1)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array of labels; got the scalar {y!r}")
    return arr


def _scores(y_proba, from_logits):
    if not isinstance(from_logits, (bool, np.bool_)):
        raise TypeError(f"from_logits must be True or False; got {from_logits!r}")
    p = V.as_float_array(y_proba, "y_proba")
    if p.ndim == 2 and p.shape[1] == 1:
        p = p.reshape(-1)
    if p.ndim not in (1, 2):
        raise ValueError(f"y_proba must be 1-D or 2-D; got shape {p.shape}")
    if p.shape[0] == 0:
        raise ValueError("y_proba is empty; at least one sample is needed")
    if np.isnan(p).any():
        raise ValueError("Input y_proba contains NaN.")
    if not from_logits:
        if p.max() > 1:
            raise ValueError(f"y_prob contains values greater than 1: {p.max()}")
        if p.min() < 0:  # scikit-learn's two wordings (binary / multiclass)
            lower = "less" if p.ndim == 1 else "lower"
            raise ValueError(f"y_prob contains values {lower} than 0: {p.min()}")
    return p


def _check_length(y, p, sample_weight):
    lengths = [y.shape[0], p.shape[0]]
    if sample_weight is not None:
        lengths.append(np.shape(sample_weight)[0] if np.ndim(sample_weight) else -1)
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")


def _positive(y, pos_label):
    """0/1 targets of binary y_true, the positive class chosen as
    scikit-learn does: pos_label, else 1 for {0, 1} / {-1, 1}, else the
    larger of two numeric labels (strings need pos_label)."""
    classes = np.unique(y)
    if classes.shape[0] > 2:
        raise ValueError(
            "The type of the target inferred from y_true is multiclass but should "
            "be binary according to the shape of y_prob."
        )
    if pos_label is None:
        if classes.dtype.kind in "OUS":
            raise ValueError(
                f"y_true takes value in {set(classes.tolist())} and pos_label is "
                "not specified: either make y_true take value in {0, 1} or "
                "{-1, 1} or pass pos_label explicitly."
            )
        values = set(classes.tolist())
        pos_label = 1 if values <= {0, 1} or values <= {-1, 1} else classes[-1]
    return (y == pos_label).astype(np.int8)


def _classes(y, labels, n_columns):
    """Sorted class values and y's column indices (scikit-learn's order)."""
    classes = np.unique(np.asarray(labels)) if labels is not None else np.unique(y)
    if labels is not None and classes.shape[0] != len(labels):
        raise ValueError("Parameter 'labels' must be unique.")
    if classes.shape[0] != n_columns:
        if labels is None:
            raise ValueError(
                f"y_true and y_prob contain different number of classes: "
                f"{classes.shape[0]} vs {n_columns}. Please provide the true "
                "labels explicitly through the labels argument. Classes found in "
                f"y_true: {classes}"
            )
        raise ValueError(
            "The number of classes in labels is different from that in y_prob. "
            f"Classes found in labels: {classes}"
        )
    idx = np.searchsorted(classes, y)
    bad = classes[np.minimum(idx, classes.shape[0] - 1)] != y
    if bad.any():
        raise ValueError(
            f"y_true contains values {set(y[bad].tolist())} not belonging to the "
            f"passed labels {classes.tolist()}."
        )
    return idx


def _scores_state(
    y_true, y_proba, sample_weight, pos_label, labels, from_logits, metrics, n_bins=15
):
    """A StreamingScores fed the whole arrays (task from the shapes)."""
    p = _scores(y_proba, from_logits)
    y = _labels_1d(y_true)
    _check_length(y, p, sample_weight)
    inputs = "logits" if from_logits else "probabilities"
    if p.ndim == 1:
        task, target = "binary", _positive(y, pos_label)
    elif V._is_sparse(y) or y.ndim == 2:
        task, target = "multilabel", y
    else:
        task, target = "multiclass", _classes(y, labels, p.shape[1])
        if not from_logits:
            sums = p.sum(axis=1)
            if not np.all(np.isclose(sums, 1, rtol=math.sqrt(np.finfo(p.dtype).eps))):
                warnings.warn(
                    "The y_prob values do not sum to one. Make sure to pass probabilities.",
                    UserWarning,
                    stacklevel=3,
                )
    scores = StreamingScores(task=task, inputs=inputs, n_bins=n_bins, metrics=metrics)
    return scores.update(target, p, sample_weight)


def brier_score(
    y_true,
    y_proba,
    *,
    sample_weight=None,
    pos_label=None,
    labels=None,
    scale_by_half="auto",
    from_logits=False,
):
    """Brier score: mean squared error of the predicted probabilities.

    A drop-in for :func:`sklearn.metrics.brier_score_loss`. 1-D scores: the
    mean of ``(y - p)**2``. 2-D scores: the mean over samples of
    ``sum_c (onehot_c - p_c)**2``, in ``[0, 2]``.

    Parameters
    ----------
    y_true : array_like
        Labels (N,) (any values: binary ``[negative, positive]`` or the
        classes, sorted, as columns), or a 2-D 0/1 target (N, K) for
        multi-label scores.
    y_proba : array_like of shape (N,) or (N, C)
        1-D: probability of the positive class (a sigmoid logit with
        ``from_logits``); 2-D: one column per class in sorted class order
        (softmax logits with ``from_logits``), or per label.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    pos_label : int, float, bool or str, optional
        The positive class of 1-D scores (default: the larger of the two
        values, as scikit-learn).
    labels : array_like, optional
        The classes, when ``y_true`` does not show them all.
    scale_by_half : bool or "auto", default="auto"
        Halve the 2-D sum; ``"auto"`` halves it for two columns only, so
        binary scores lie in ``[0, 1]`` either way (scikit-learn >= 1.7).
    from_logits : bool, default=False
        ``y_proba`` holds logits: sigmoid (1-D) or softmax (2-D) is applied
        by the kernels, without forming a probability array.

    Returns
    -------
    float
        The Brier score (lower is better).

    Raises
    ------
    ValueError
        If the probabilities are outside ``[0, 1]``, the shapes disagree, or
        the labels do not match the columns.

    See Also
    --------
    expected_calibration_error, reliability_curve
    xentc.scoring.StreamingScores : The same in one pass over chunks.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import brier_score
    >>> y = np.array([0, 1, 1, 0, 1, 1])
    >>> p = np.array([0.1, 0.8, 0.6, 0.3, 0.9, 0.4])
    >>> round(brier_score(y, p), 6)
    0.111667
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [1.0, 0.2, 0.3]])
    >>> round(brier_score(np.array([0, 2, 1]), logits, from_logits=True), 6)
    0.346049
    """
    if not (scale_by_half == "auto" or isinstance(scale_by_half, (bool, np.bool_))):
        raise ValueError(f"scale_by_half must be True, False or 'auto'; got {scale_by_half!r}")
    scores = _scores_state(
        y_true, y_proba, sample_weight, pos_label, labels, from_logits, ["brier"]
    )
    value = scores.result()["brier"]
    n_columns = 2 if scores._task == "binary" else scores._n_columns
    auto_half = n_columns == 2  # what StreamingScores reports
    if scale_by_half != "auto" and bool(scale_by_half) != auto_half:
        value = value * 2.0 if auto_half else value * 0.5
    return float(value)


def expected_calibration_error(
    y_true,
    y_proba,
    *,
    n_bins=15,
    sample_weight=None,
    pos_label=None,
    labels=None,
    from_logits=False,
):
    """Expected calibration error over equal-width bins on ``[0, 1]``.

    ``sum_b (weight_b / total) * |accuracy_b - confidence_b|``. 2-D scores
    with 1-D labels use the top-label confidence against "argmax is right";
    1-D scores the positive-class probability against the 0/1 outcome; 2-D
    scores with a 2-D 0/1 target every label decision. A value on a bin
    edge falls in the bin below (as
    :func:`sklearn.calibration.calibration_curve`).

    Parameters
    ----------
    y_true : array_like
        Labels (N,) (any values: binary ``[negative, positive]`` or the
        classes, sorted, as columns), or a 2-D 0/1 target (N, K) for
        multi-label scores.
    y_proba : array_like of shape (N,) or (N, C)
        1-D: probability of the positive class (a sigmoid logit with
        ``from_logits``); 2-D: one column per class in sorted class order
        (softmax logits with ``from_logits``), or per label.
    n_bins : int, default=15
        Number of equal-width bins.
    sample_weight : array_like of shape (N,), optional
        Non-negative weight of each sample (row).
    pos_label : int, float, bool or str, optional
        The positive class of 1-D scores (default: the larger of the two
        values, as scikit-learn).
    labels : array_like, optional
        The classes, when ``y_true`` does not show them all.
    from_logits : bool, default=False
        ``y_proba`` holds logits: sigmoid (1-D) or softmax (2-D) is applied
        by the kernels, without forming a probability array.

    Returns
    -------
    float
        The ECE, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``n_bins`` is not positive, the probabilities are outside
        ``[0, 1]``, or the shapes disagree.

    See Also
    --------
    reliability_curve : The per-bin numbers.
    brier_score

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import expected_calibration_error
    >>> y = np.array([0, 1, 1, 0, 1, 1])
    >>> p = np.array([0.1, 0.8, 0.6, 0.3, 0.9, 0.4])
    >>> round(expected_calibration_error(y, p, n_bins=5), 6)
    0.183333
    """
    return float(
        _scores_state(
            y_true, y_proba, sample_weight, pos_label, labels, from_logits, ["ece"], n_bins=n_bins
        ).result()["ece"]
    )


def _confidence_and_hits(y_true, y_proba, pos_label, labels, from_logits):
    p = _scores(y_proba, from_logits)
    y = _labels_1d(y_true)
    if p.ndim == 1:
        hits = _positive(y, pos_label)
        if y.shape[0] != p.shape[0]:
            _check_length(y, p, None)
        return (sigmoid(p) if from_logits else p), hits, 1
    if V._is_sparse(y) or y.ndim == 2:
        t = y.toarray() if V._is_sparse(y) else y
        if t.shape != p.shape:
            raise ValueError(f"y_true must have y_proba's shape {p.shape}; got {t.shape}")
        prob = sigmoid(p) if from_logits else p
        return prob.reshape(-1), (t.reshape(-1) == 1), p.shape[1]
    _check_length(y, p, None)
    idx = _classes(y, labels, p.shape[1])
    # top-label probability and argmax from one kernel pass (no softmax array)
    st = row_stats(p, want=("argmax", "p_top"), probabilities=not from_logits)
    return st["p_top"], st["argmax"] == idx, 1


def reliability_curve(
    y_true,
    y_proba,
    *,
    n_bins=5,
    strategy="uniform",
    pos_label=None,
    sample_weight=None,
    labels=None,
    from_logits=False,
):
    """Observed frequency against mean predicted probability, per bin.

    For 1-D probabilities the first two results equal
    :func:`sklearn.calibration.calibration_curve`'s; the third counts the
    predictions in each bin. Only non-empty bins are returned.

    Parameters
    ----------
    y_true : array_like
        Labels (N,) (any values: binary ``[negative, positive]`` or the
        classes, sorted, as columns), or a 2-D 0/1 target (N, K) for
        multi-label scores.
    y_proba : array_like of shape (N,) or (N, C)
        1-D: probability of the positive class (a sigmoid logit with
        ``from_logits``); 2-D: one column per class in sorted class order
        (softmax logits with ``from_logits``), or per label.
    n_bins : int, default=5
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-count bins.
    pos_label : int, float, bool or str, optional
        The positive class of 1-D scores (default: the larger of the two
        values, as scikit-learn).
    sample_weight : array_like of shape (N,), optional
        Weights of the means (``counts`` stays counts).
    labels : array_like, optional
        The classes, when ``y_true`` does not show them all.
    from_logits : bool, default=False
        ``y_proba`` holds logits: sigmoid (1-D) or softmax (2-D) is applied
        by the kernels, without forming a probability array.

    Returns
    -------
    prob_true : ndarray
        Fraction of positives (or of right top-label predictions) per bin.
    prob_pred : ndarray
        Mean predicted probability (confidence) per bin.
    counts : ndarray of int
        Number of predictions per bin.

    Raises
    ------
    ValueError
        If ``n_bins`` or ``strategy`` is invalid, the probabilities are
        outside ``[0, 1]``, or the shapes disagree.

    See Also
    --------
    expected_calibration_error

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import reliability_curve
    >>> y = np.array([0, 1, 1, 0, 1, 1])
    >>> p = np.array([0.1, 0.8, 0.6, 0.3, 0.9, 0.4])
    >>> prob_true, prob_pred, counts = reliability_curve(y, p, n_bins=2)
    >>> prob_true, counts
    (array([0.33333333, 1.        ]), array([3, 3]))
    """
    if (
        isinstance(n_bins, (bool, np.bool_))
        or not isinstance(n_bins, numbers.Integral)
        or n_bins < 1
    ):
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins!r}")
    conf, hits, repeat = _confidence_and_hits(y_true, y_proba, pos_label, labels, from_logits)
    if strategy == "quantile":
        edges = np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100)
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise ValueError(
            "Invalid entry to 'strategy' input. Strategy must be either 'quantile' or 'uniform'."
        )
    ids = np.searchsorted(edges[1:-1], conf)
    counts = np.bincount(ids, minlength=n_bins)
    if sample_weight is None:
        total = counts.astype(np.float64)
        pred_sum = np.bincount(ids, weights=conf, minlength=n_bins)
        true_sum = np.bincount(ids, weights=hits, minlength=n_bins)
    else:
        w = V.check_weights(sample_weight, "sample_weight", conf.shape[0] // repeat)
        w = np.repeat(w, repeat)
        total = np.bincount(ids, weights=w, minlength=n_bins)
        pred_sum = np.bincount(ids, weights=w * conf, minlength=n_bins)
        true_sum = np.bincount(ids, weights=w * hits, minlength=n_bins)
    nonzero = counts != 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return (
            true_sum[nonzero] / total[nonzero],
            pred_sum[nonzero] / total[nonzero],
            counts[nonzero],
        )
