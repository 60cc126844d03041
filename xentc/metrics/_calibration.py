"""Calibration metrics on whole arrays: Brier score, expected calibration
error and the reliability curve (public as xentc.metrics.<name>).

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

from .. import _validation as V
from .._rowstats import row_stats
from ..scoring import StreamingScores
from ..special import sigmoid
from ._targets import _binary_outcome, _sorted_class_indices

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


def _scores_state(
    y_true, y_proba, sample_weight, pos_label, labels, from_logits, metrics, n_bins=15
):
    """A StreamingScores fed the whole arrays (task from the shapes)."""
    p = _scores(y_proba, from_logits)
    y = _labels_1d(y_true)
    _check_length(y, p, sample_weight)
    inputs = "logits" if from_logits else "probabilities"
    if p.ndim == 1:
        task, target = "binary", _binary_outcome(y, pos_label)
    elif V._is_sparse(y) or y.ndim == 2:
        task, target = "multilabel", y
    else:
        task, target = "multiclass", _sorted_class_indices(y, labels, p.shape[1])
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

    Drop-in for ``sklearn.metrics.brier_score_loss`` (scikit-learn >= 1.7).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        1-D: probability of the positive class (``from_logits``: a sigmoid
        logit); the score is the mean of (y - p)^2. 2-D (columns in sorted
        class order; ``from_logits``: softmax logits): the mean over samples
        of sum_c (onehot_c - p_c)^2, in [0, 2].
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative per-sample weights.
    pos_label : int, float, bool or str, default=None
        The positive class of 1-D y_proba (default: the larger label, or 1).
    labels : array-like, default=None
        All class labels of 2-D y_proba, when y_true does not hold every one.
    scale_by_half : bool or "auto", default="auto"
        Halve the 2-D sum; "auto" halves it for two columns only, so binary
        scores lie in [0, 1] either way.
    from_logits : bool, default=False
        Whether y_proba holds logits.

    Returns
    -------
    float
        The (weighted) mean squared error.

    Raises
    ------
    ValueError
        Probabilities outside [0, 1], NaN, lengths that differ, labels that
        do not fit the columns, a bad ``scale_by_half``.

    See Also
    --------
    expected_calibration_error, reliability_curve, log_loss

    Examples
    --------
    >>> from xentc.metrics import brier_score
    >>> round(brier_score([0, 1, 1], [0.1, 0.8, 0.7]), 6)
    0.046667
    >>> round(brier_score([0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]]), 6)
    0.086667
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
    """Expected calibration error with equal-width bins on [0, 1].

    The sum over bins of ``(bin weight / total weight) * |accuracy - confidence|``.
    A value on a bin edge falls in the bin below (as
    ``sklearn.calibration.calibration_curve``).

    Parameters
    ----------
    y_true : array-like or scipy.sparse matrix
        Labels (n_samples,), or a 2-D 0/1 target for multilabel scores.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        2-D scores with 1-D labels: the top-label confidence is used
        (softmax of the logits with ``from_logits``); 1-D scores: the
        positive-class probability against the 0/1 outcome; 2-D scores with
        a 2-D target: every label decision.
    n_bins : int, default=15
        Number of equal-width bins.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative per-sample weights.
    pos_label : int, float, bool or str, default=None
        The positive class of 1-D y_proba.
    labels : array-like, default=None
        All class labels of 2-D y_proba.
    from_logits : bool, default=False
        Whether y_proba holds logits.

    Returns
    -------
    float
        The ECE, in [0, 1].

    Raises
    ------
    ValueError
        Probabilities outside [0, 1], NaN, lengths or shapes that differ,
        a bad ``n_bins``.

    See Also
    --------
    reliability_curve, brier_score

    Examples
    --------
    >>> from xentc.metrics import expected_calibration_error
    >>> round(expected_calibration_error([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], n_bins=2), 6)
    0.175
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
        hits = _binary_outcome(y, pos_label)
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
    idx = _sorted_class_indices(y, labels, p.shape[1])
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
    """Observed frequency and mean predicted probability per bin, with counts.

    Only non-empty bins are returned. For 1-D probabilities the first two outputs equal
    ``sklearn.calibration.calibration_curve``.

    Parameters
    ----------
    y_true : array-like or scipy.sparse matrix
        Labels (n_samples,), or a 2-D 0/1 target for multilabel scores.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities (logits with ``from_logits``). 2-D scores use the
        top-label confidence (every label decision for a 2-D target).
    n_bins : int, default=5
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or equal-count bins.
    pos_label : int, float, bool or str, default=None
        The positive class of 1-D y_proba.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the means (counts stay counts).
    labels : array-like, default=None
        All class labels of 2-D y_proba.
    from_logits : bool, default=False
        Whether y_proba holds logits.

    Returns
    -------
    prob_true : ndarray
        Observed frequency of hits in each non-empty bin.
    prob_pred : ndarray
        Mean confidence in each non-empty bin.
    counts : ndarray of int
        Number of predictions in each non-empty bin.

    Raises
    ------
    ValueError
        A bad ``n_bins`` or ``strategy``, probabilities outside [0, 1],
        NaN, lengths or shapes that differ.

    See Also
    --------
    expected_calibration_error, brier_score

    Examples
    --------
    >>> from xentc.metrics import reliability_curve
    >>> prob_true, prob_pred, counts = reliability_curve(
    ...     [0, 0, 1, 1, 1], [0.1, 0.3, 0.6, 0.8, 0.9], n_bins=2
    ... )
    >>> prob_true.tolist(), prob_pred.round(6).tolist(), counts.tolist()
    ([0.0, 1.0], [0.2, 0.766667], [2, 3])
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
