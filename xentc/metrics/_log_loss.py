"""`log_loss` and `top_k_accuracy_score`: drop-ins for scikit-learn's.

Design:
  A. Same value, warnings and error messages as the installed scikit-learn
     for the same inputs; the checks (in `_targets`) follow scikit-learn's
     order: argument types, then y_proba, then lengths, sample_weight,
     labels, column counts.
  B. The kernels read integer class indices (`_targets._encode_targets`), so
     no one-hot matrix is built, and are called through the unchecked
     internals of `xentc.losses`: nothing is validated twice.
  C. `from_logits=True` feeds logits straight to the fused softmax / sigmoid
     cross-entropy kernels, so probabilities never materialise (and are not
     clipped at eps: the result is the exact cross-entropy).
  D. top-k counts, per row, the scores that beat the true one (no sort).
"""

import math
import warnings

import numpy as np

from .. import _kernels
from .. import _validation as V
from .. import losses as _losses
from .._rowstats import in_top_k
from ..losses import categorical_cross_entropy, softmax_cross_entropy
from ._targets import (
    _check_consistent_length,
    _check_flag,
    _check_float_array,
    _check_label_array,
    _check_params,
    _column_or_1d,
    _encode_known,
    _encode_targets,
    _refuse_masked,
    _type_of_target,
    _undefined_metric_warning,
    _unique,
)

__all__ = ["log_loss", "top_k_accuracy_score"]


def log_loss(
    y_true,
    y_proba=None,
    *,
    normalize=True,
    sample_weight=None,
    labels=None,
    from_logits=False,
    y_pred="deprecated",
):
    """Log loss (cross-entropy) of predicted probabilities or logits.

    Drop-in for ``sklearn.metrics.log_loss``: same value, warnings and
    errors for the same inputs. Probabilities are clipped to
    ``[eps, 1 - eps]``, eps the machine epsilon of y_proba's dtype; float16
    is computed in float32.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        True labels (any values: the columns of y_proba follow their sorted
        order), or a 0/1 multilabel indicator matrix.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities; a 1-D array is the probability of the
        positive class. With ``from_logits=True``: logits
        (``decision_function`` output), 1-D or one column -> sigmoid, 2-D
        -> softmax over the columns.
    normalize : bool, default=True
        Return the (weighted) mean over samples; False returns the sum.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights. Negative weights are allowed (scikit-learn's
        rule); all zero is an error.
    labels : array-like, default=None
        All class labels, when y_true does not hold every class.
    from_logits : bool, default=False
        Whether y_proba holds logits. The value is then
        ``log_loss(y_true, expit(z))`` resp. ``log_loss(y_true, softmax(z))``
        computed by the fused kernels, without forming the probabilities
        and without the eps clipping.
    y_pred : array-like, optional
        Deprecated name of y_proba (scikit-learn 1.9), with its FutureWarning.

    Returns
    -------
    float
        The mean (``normalize=True``) or summed cross-entropy.

    Raises
    ------
    ValueError
        With scikit-learn's message for the same input: probabilities
        outside [0, 1], NaN or infinity, inconsistent lengths, a class
        count that differs from y_proba's columns, labels not in
        ``labels``, a single class without ``labels``.
    TypeError
        ``from_logits`` not a bool, or y_proba missing.

    See Also
    --------
    top_k_accuracy_score, accuracy, brier_score

    Examples
    --------
    >>> from xentc.metrics import log_loss
    >>> y_true = [0, 1, 1]
    >>> y_proba = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]
    >>> round(log_loss(y_true, y_proba), 6)
    0.228393
    >>> round(log_loss(["no", "yes", "yes"], [0.1, 0.8, 0.7]), 6)  # P(positive class)
    0.228393
    >>> round(log_loss([0, 1], [-2.0, 3.0], from_logits=True), 6)  # sigmoid logits
    0.087758
    """
    if (
        from_logits is True
        and labels is None
        and sample_weight is None
        and type(y_pred) is str
        and y_pred == "deprecated"
    ):
        # per-call fast path: 1-D integer y_true holding every class of 2-D
        # logits (see _kernels.fast_log_loss_logits); None: the checks below
        res = _kernels.fast_log_loss_logits(y_true, y_proba, normalize)
        if res is not None:
            return res
    _check_params(
        "log_loss",
        [
            ("y_true", y_true, "array"),
            ("y_proba", y_proba, "array|hidden-None"),
            ("normalize", normalize, "bool"),
            ("sample_weight", sample_weight, "array|None"),
            ("labels", labels, "array|None"),
        ],
    )
    from_logits = _check_flag("from_logits", from_logits)
    _refuse_masked(y_true=y_true, y_proba=y_proba, sample_weight=sample_weight, labels=labels)
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError(
                "Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
                "use `y_proba` instead."
            )
        warnings.warn(
            "`y_pred` was renamed to `y_proba` in version 1.9 and will be removed in "
            "1.11. Use `y_proba` instead.",
            FutureWarning,
            stacklevel=2,
        )
        _check_params("log_loss", [("y_pred", y_pred, "array")])
        y_proba = y_pred
    if y_proba is None:
        raise TypeError("log_loss() missing required argument: 'y_proba'")

    p, extremes = _check_float_array(
        y_proba,
        allow_inf=from_logits,
        dtypes=(np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.float16)),
    )
    if not from_logits and extremes is not None:
        if extremes[1] > 1:
            raise ValueError(f"y_prob contains values greater than 1: {extremes[1]}")
        if extremes[0] < 0:
            raise ValueError(f"y_prob contains values lower than 0: {extremes[0]}")
    _check_consistent_length(p, y_true, sample_weight)
    w = V.check_sample_weight(sample_weight, p.shape[0], allow_negative=True)
    kind, target, classes = _encode_targets(y_true, labels)

    one_column = p.ndim == 1 or p.shape[1] == 1
    n_columns = 2 if one_column else p.shape[1]
    if not one_column and not from_logits:
        sums = np.sum(p, axis=1)
        if not np.all(np.isclose(sums, 1, rtol=math.sqrt(np.finfo(p.dtype).eps))):
            warnings.warn(
                "The y_prob values do not sum to one. Make sure to pass probabilities.",
                UserWarning,
                stacklevel=2,
            )
    if classes.shape[0] != n_columns:
        if labels is None:
            raise ValueError(
                "y_true and y_prob contain different number of classes: "
                f"{classes.shape[0]} vs {n_columns}. Please provide the "
                "true labels explicitly through the labels argument. Classes "
                f"found in y_true: {classes}"
            )
        raise ValueError(
            "The number of classes in labels is different from that in y_prob. "
            f"Classes found in labels: {classes}"
        )
    return _cross_entropy(p, kind, target, w, normalize, from_logits)


def _cross_entropy(p, kind, target, w, normalize, from_logits):
    """Weighted mean (or sum) of the per-sample cross-entropy by the kernels."""
    eps = float(np.finfo(p.dtype).eps)
    one_column = p.ndim == 1 or p.shape[1] == 1
    if one_column:
        p = p.reshape(-1)
        if kind == "indicator":
            # a 2-column indicator against one column: both columns count
            # (logits [0, z] have the softmax [expit(-z), expit(z)])
            p = np.stack([np.zeros_like(p), p] if from_logits else [1 - p, p], axis=1)
            one_column = False
    if kind == "indicator" and not from_logits and np.min(target) < 0:
        return _average(_xlogy_rows(target, p, eps), w, normalize)

    n_threads = V.resolve_n_threads(None)
    x = V.as_float_array(p, "y_proba")  # float16 -> float32; already checked above
    if kind == "index" and not one_column:
        # the one O(N) pass that makes the labels a private kernel-form copy
        labels, _ = V.check_labels(target, x.shape[0], x.shape[1], name="y_true", source="y_proba")

    def run(weights, reduction):
        # p and the targets were checked above: the kernels are called
        # through the unchecked internals (nothing is validated twice)
        if weights is not None:
            weights = np.array(weights, dtype=np.float64)
        if one_column:
            t = np.ascontiguousarray(target, dtype=x.dtype)
            kernel, eps_k = ("sigmoid", 0.0) if from_logits else ("binary", eps)
            return _losses._compute_binary_family(
                x, kernel, "dense", t, weights, None, 1.0, 0.0, eps_k, reduction, n_threads
            )[0]
        if kind == "index":
            rows = V.rows_contiguous(x)
            if from_logits:
                return _losses._compute_sparse_softmax(
                    rows, labels, weights, 0.0, reduction, n_threads
                )[0]
            return _losses._compute_categorical(
                rows, "labels", labels, weights, eps, False, reduction, n_threads
            )[0]
        if from_logits:
            return softmax_cross_entropy(p, target, sample_weight=weights, reduction=reduction)
        return categorical_cross_entropy(
            p, target, eps=eps, sample_weight=weights, reduction=reduction
        )

    if w is None:
        return float(run(None, "mean" if normalize else "sum"))
    if np.all(w >= 0):
        if normalize and np.sum(w) == 0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        return float(run(w, "mean" if normalize else "sum"))
    # negative weights (allowed by scikit-learn): per-sample losses, then average
    return _average(run(None, "none"), w, normalize)


def _average(per_sample, w, normalize):
    per_sample = np.asarray(per_sample, dtype=np.float64)
    if w is None:
        return float(per_sample.mean() if normalize else per_sample.sum())
    if normalize:
        return float(np.average(per_sample, weights=w))
    return float(np.dot(per_sample, w))


def _xlogy_rows(t, p, eps):
    """-sum_j t_ij log(clip(p_ij)) in NumPy (indicator targets with negative
    entries, which the kernels refuse but scikit-learn accepts)."""
    t = np.asarray(t, dtype=np.float64)
    q = np.clip(p.astype(np.float64), eps, 1 - eps)
    return -np.sum(np.where(t == 0, 0.0, t * np.log(q)), axis=1)


# ---------------------------------------------------------------------------
# top_k_accuracy_score


def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None, labels=None):
    """Fraction of samples whose true label is among the k highest scores.

    Drop-in for ``sklearn.metrics.top_k_accuracy_score``, ties included:
    among equal scores the class with the larger index ranks first. Binary
    y_true with 1-D scores thresholds at 0.5 for probabilities, 0 otherwise.
    Computed by counting, per row, the scores that beat the true one (no
    per-row sort).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (binary or multiclass).
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores (probabilities, logits or any ranking); columns follow the
        sorted labels.
    k : int, default=2
        How many of the highest scores count as a hit.
    normalize : bool, default=True
        Return the (weighted) fraction; False returns the (weighted) count.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights.
    labels : array-like of shape (n_classes,), default=None
        All class labels, sorted, when y_true does not hold every class.

    Returns
    -------
    float
        The top-k accuracy (or count of hits with ``normalize=False``).

    Raises
    ------
    ValueError
        With scikit-learn's message: a target that is not binary or
        multiclass, a class count that differs from y_score's columns,
        unsorted or duplicate ``labels``, labels missing from ``labels``.

    Warns
    -----
    UndefinedMetricWarning
        When ``k >= n_classes`` (a perfect score by construction);
        scikit-learn's class when it is installed, else UserWarning.

    See Also
    --------
    accuracy, log_loss

    Examples
    --------
    >>> from xentc.metrics import top_k_accuracy_score
    >>> y_true = [0, 1, 2, 2]
    >>> y_score = [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]]
    >>> top_k_accuracy_score(y_true, y_score, k=2)
    0.75
    >>> top_k_accuracy_score(y_true, y_score, k=2, normalize=False)
    3.0
    """
    _check_params(
        "top_k_accuracy_score",
        [
            ("y_true", y_true, "array"),
            ("y_score", y_score, "array"),
            ("k", k, "int>=1"),
            ("normalize", normalize, "bool"),
            ("sample_weight", sample_weight, "array|None"),
            ("labels", labels, "array|None"),
        ],
    )
    k = int(k)
    _refuse_masked(y_true=y_true, y_score=y_score, sample_weight=sample_weight, labels=labels)
    y = _check_label_array(y_true)
    y = _column_or_1d(y)
    y_type = _type_of_target(y, "y_true")
    if y_type == "binary" and labels is not None and len(labels) > 2:
        y_type = "multiclass"
    if y_type not in ("binary", "multiclass"):
        raise ValueError(f"y type must be 'binary' or 'multiclass', got '{y_type}' instead.")
    score, extremes = _check_float_array(y_score, dtypes=None)
    score_min, score_max = extremes if extremes is not None else (np.nan, np.nan)
    if y_type == "binary":
        if score.ndim == 2 and score.shape[1] != 1:
            raise ValueError(
                f"`y_true` is binary while y_score is 2d with {score.shape[1]} "
                "classes. If `y_true` does not contain all the labels, `labels` "
                "must be provided."
            )
        score = score.reshape(-1)
    elif score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since "
            f"`y_true` contains multiple classes. Got `y_score.shape={score.shape}`."
        )
    _check_consistent_length(y, score, sample_weight)
    n_score_classes = score.shape[1] if score.ndim == 2 else 2
    if labels is None:
        classes = _unique(y)
        if len(classes) != n_score_classes:
            raise ValueError(
                f"Number of classes in 'y_true' ({len(classes)}) not equal to the "
                f"number of classes in 'y_score' ({n_score_classes}).You can "
                "provide a list of all known classes by assigning it to the "
                "`labels` parameter."
            )
    else:
        lab = _column_or_1d(labels)
        classes = np.unique(lab)
        if len(classes) != len(lab):
            raise ValueError("Parameter 'labels' must be unique.")
        if not np.array_equal(classes, lab):
            raise ValueError("Parameter 'labels' must be ordered.")
        if len(classes) != n_score_classes:
            raise ValueError(
                f"Number of given labels ({len(classes)}) not equal to the number "
                f"of classes in 'y_score' ({n_score_classes})."
            )
        if len(np.setdiff1d(y, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'.")
    if k >= len(classes):
        warnings.warn(
            f"'k' ({k}) greater than or equal to 'n_classes' ({len(classes)}) will "
            "result in a perfect score and is therefore meaningless.",
            _undefined_metric_warning(),
            stacklevel=2,
        )
    y_idx = _encode_known(y, classes)
    if y_type == "binary":
        if k == 1:
            threshold = 0.5 if score_min >= 0 and score_max <= 1 else 0
            hits = (score > threshold).astype(np.int64) == y_idx
        else:
            hits = np.ones(score.shape, dtype=bool)
    else:
        hits = in_top_k(score, y_idx, k, ties="index")
    if normalize:
        return float(np.average(hits, weights=sample_weight))
    if sample_weight is None:
        return float(np.sum(hits))
    return float(np.dot(hits, sample_weight))
