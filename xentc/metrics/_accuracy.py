"""Accuracies: Keras-style binary / categorical / sparse categorical, and
`accuracy`, which resolves the target type first.

Design:
  A. `accuracy` resolves the target type the way
     sklearn.utils.multiclass.type_of_target does (`_targets`) and picks the
     rule that is right for it; element-wise "binary accuracy" on
     single-label one-hot targets counts the correct zeros and is never what
     it reports.
  B. Sparse targets are never densified: mismatches are counted on the CSR
     structure.
  C. 2-D float scores go through one argmax kernel pass that also reports
     NaN, instead of an isnan pass plus np.argmax.
"""

import numbers
import warnings

import numpy as np

from .. import _validation as V
from .._rowstats import argmax_rows
from ._targets import (
    _check_flag,
    _encode,
    _integral_float,
    _label_array,
    _refuse_masked,
    _type_of_target,
    _unique,
)

__all__ = [
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
]


def _dense_scores(y_pred, name="y_pred"):
    if V._is_sparse(y_pred):
        raise TypeError(f"{name} must be a dense array of scores; got a scipy.sparse matrix")
    arr = np.asarray(y_pred)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype={arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        pos = np.argwhere(np.isnan(arr))[0]
        raise ValueError(
            f"{name} contains NaN at position {tuple(int(i) for i in pos)}; "
            "accuracy is undefined for it"
        )
    return arr


def _argmax_scores(y_pred, name="y_pred"):
    """(_dense_scores(y_pred, name), its row argmax or None if not 2-D).

    For 2-D float32/float64 scores one kernel pass gives the argmax and
    says whether there is a NaN (then the same error as _dense_scores is
    raised), instead of an isnan pass over n*C values plus np.argmax."""
    if V._is_sparse(y_pred):
        return _dense_scores(y_pred, name), None
    arr = np.asarray(y_pred)
    if arr.ndim != 2 or arr.dtype not in (np.float32, np.float64) or arr.shape[1] == 0:
        arr = _dense_scores(arr, name)
        return arr, (arr.argmax(axis=1) if arr.ndim == 2 else None)
    top, has_nan = argmax_rows(arr)
    if has_nan:
        _dense_scores(arr, name)  # raises, naming the first NaN
    return arr, top


def _check_not_empty(n, name="y_true"):
    if n == 0:
        raise ValueError(f"{name} is empty; accuracy needs at least one sample")


def _indicator_values(y, name="y_true"):
    """Check that a dense or sparse target holds only 0 and 1."""
    data = _canonical_csr(y).data if V._is_sparse(y) else np.asarray(y)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold 0/1 targets; got dtype={data.dtype}")
    bad = (data != 0) & (data != 1)
    if bad.any():
        if V._is_sparse(y):
            raise ValueError(f"{name} must hold only 0 and 1; found {data[bad][0].item()!r}")
        pos = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must hold only 0 and 1; got {data[tuple(pos)].item()!r} at "
            f"position {tuple(int(i) for i in pos)}"
        )


def _row_sums(y):
    if V._is_sparse(y):
        return np.asarray(y.sum(axis=1), dtype=np.float64).reshape(-1)
    return np.asarray(y).sum(axis=1, dtype=np.float64)


def _argmax_rows(y):
    if V._is_sparse(y):
        return np.asarray(y.tocsr().argmax(axis=1)).reshape(-1)
    return np.asarray(y).argmax(axis=1)


def _check_same_shape(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"y_true and y_pred must have the same shape; got y_true.shape="
            f"{tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}"
        )


def binary_accuracy(y_true, y_pred, *, threshold=0.5):
    """Element-wise accuracy of ``y_pred > threshold`` against 0/1 targets.

    Keras's ``binary_accuracy``, averaged over all elements. For
    single-label one-hot targets this number is inflated (the correct zeros
    count), so it warns and points to `categorical_accuracy`.

    Parameters
    ----------
    y_true : array-like or scipy.sparse matrix of shape (n_samples,) or (n_samples, n_labels)
        0/1 targets; a sparse target is never densified.
    y_pred : array-like of the same shape
        Scores; an element is predicted positive when strictly above
        `threshold`. A (n_samples, 1) column meets 1-D y_true.
    threshold : float, default=0.5
        Decision threshold (0 for logits).

    Returns
    -------
    float
        Fraction of elements predicted right.

    Raises
    ------
    ValueError
        y_true not 0/1, NaN in y_pred, shapes that differ, no samples.
    TypeError
        A threshold that is not a real number; non-numeric inputs.

    Warns
    -----
    UserWarning
        When y_true looks like single-label one-hot targets.

    See Also
    --------
    categorical_accuracy, accuracy

    Examples
    --------
    >>> from xentc.metrics import binary_accuracy
    >>> binary_accuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6])
    0.5
    >>> binary_accuracy([[1, 0, 1], [0, 0, 0]], [[0.9, 0.1, 0.2], [0.6, 0.1, 0.1]])
    0.6666666666666666
    """
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a real number; got {threshold!r}")
    _refuse_masked(y_true=y_true, y_pred=y_pred)
    y_true = V.checked_csr(y_true, "y_true")
    pred = _dense_scores(y_pred)
    sparse = V._is_sparse(y_true)
    truth = y_true if sparse else np.asarray(y_true)
    if not sparse and truth.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
        pred = pred.reshape(-1)
    if not sparse and truth.ndim == 2 and truth.shape[1] == 1 and pred.ndim == 1:
        truth = truth.reshape(-1)
    _check_same_shape(truth, pred)
    _check_not_empty(pred.size)
    _indicator_values(truth)
    if truth.ndim == 2 and truth.shape[1] >= 2 and np.all(_row_sums(truth) == 1):
        k = truth.shape[1]
        warnings.warn(
            f"binary_accuracy: y_true looks like single-label one-hot targets (each "
            f"row of its {k} columns has exactly one 1); element-wise accuracy counts "
            f"the correct zeros and is inflated (an all-zero prediction scores "
            f"{k - 1}/{k}). Use categorical_accuracy (argmax vs argmax) or "
            "accuracy() instead.",
            UserWarning,
            stacklevel=2,
        )
    positive = pred > threshold
    if sparse:
        wrong = _count_mismatch_sparse(truth, positive)
        return float(1.0 - wrong.sum() / positive.size)
    return float(np.mean(positive == (truth != 0)))


def _canonical_csr(y):
    """CSR without duplicates or stored zeros; copies rather than touching y
    (y is a structure V.checked_csr built: scipy routines are safe on it)."""
    csr = y.tocsr()
    if not csr.has_canonical_format or (csr.data == 0).any():
        csr = csr.copy()
        csr.sum_duplicates()
        csr.eliminate_zeros()
    return csr


def _count_mismatch_sparse(truth, positive):
    """Per-row count of entries where a sparse 0/1 target and a dense
    boolean prediction differ, without densifying the target."""
    csr = _canonical_csr(truth)
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    matched = np.bincount(rows, weights=positive[rows, csr.indices], minlength=csr.shape[0])
    true_count = np.diff(csr.indptr)
    pred_count = np.count_nonzero(positive, axis=1)
    return (true_count - matched) + (pred_count - matched)


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows where argmax(y_pred) == argmax(y_true).

    Parameters
    ----------
    y_true : array-like or scipy.sparse matrix of shape (n_samples, n_classes)
        One-hot or soft targets.
    y_pred : array-like of shape (n_samples, n_classes)
        Scores (probabilities or logits). Ties go to the first maximal
        column (numpy.argmax).

    Returns
    -------
    float
        Fraction of rows whose predicted class is the target's.

    Raises
    ------
    ValueError
        y_pred not 2-D, shapes that differ, NaN in y_pred, no samples.

    See Also
    --------
    sparse_categorical_accuracy, accuracy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import categorical_accuracy
    >>> y_true = np.eye(3)[[0, 1, 2, 1]]
    >>> y_pred = [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [0.1, 0.1, 0.8]]
    >>> categorical_accuracy(y_true, y_pred)
    0.5
    """
    _refuse_masked(y_true=y_true, y_pred=y_pred)
    y_true = V.checked_csr(y_true, "y_true")
    pred, top = _argmax_scores(y_pred)
    truth = y_true if V._is_sparse(y_true) else np.asarray(y_true)
    if pred.ndim != 2:
        raise ValueError(f"y_pred must be 2-D (n_samples, n_classes); got shape {pred.shape}")
    _check_same_shape(truth, pred)
    _check_not_empty(pred.shape[0])
    if V._is_sparse(truth):
        return float(np.mean(_argmax_rows(truth) == top))
    truth, true_top = _argmax_scores(truth, "y_true")
    return float(np.mean(true_top == top))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows where argmax(y_pred) equals the integer label.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        Class indices in [0, n_classes) (integral floats are accepted).
    y_pred : array-like of shape (n_samples, n_classes)
        Scores (probabilities or logits).

    Returns
    -------
    float
        Fraction of rows whose argmax is the label.

    Raises
    ------
    ValueError
        A label that is not a column index of y_pred (the first one is
        named), y_pred not 2-D, lengths that differ, NaN, no samples.
    TypeError
        Non-numeric labels.

    See Also
    --------
    categorical_accuracy, accuracy

    Examples
    --------
    >>> from xentc.metrics import sparse_categorical_accuracy
    >>> y_pred = [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [0.1, 0.1, 0.8]]
    >>> sparse_categorical_accuracy([0, 1, 2, 1], y_pred)
    0.5
    """
    _refuse_masked(y_true=y_true, y_pred=y_pred)
    pred, top = _argmax_scores(y_pred)
    if pred.ndim != 2:
        raise ValueError(f"y_pred must be 2-D (n_samples, n_classes); got shape {pred.shape}")
    lab = np.asarray(y_true)
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab.reshape(-1)
    lab = _class_indices(lab, pred)
    _check_not_empty(pred.shape[0])
    return float(np.mean(lab == top))


def _class_indices(labels, pred):
    """Integer labels checked as column indices of the (N, C) scores."""
    if labels.ndim != 1 or labels.shape[0] != pred.shape[0]:
        raise ValueError(
            f"y_true must be 1-D with one label per row of y_pred "
            f"({pred.shape[0]},); got shape {labels.shape}"
        )
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"y_true must hold integer class indices; got dtype={labels.dtype}")
    n_cols = pred.shape[1]
    # integers: two reductions settle the range without an (N,) mask
    if labels.dtype.kind != "f" and (
        labels.size == 0 or (labels.min() >= 0 and labels.max() < n_cols)
    ):
        return labels.astype(np.intp, copy=False)
    bad = (labels < 0) | (labels >= n_cols)
    if labels.dtype.kind == "f":
        bad |= labels != np.round(labels)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"y_true[{i}] = {labels[i].item()!r} is not a column index of y_pred: "
            f"integer labels must be in [0, {n_cols}) for y_pred with {n_cols} "
            "columns"
        )
    return labels.astype(np.intp)


def accuracy(y_true, y_pred, *, from_logits=False):
    """Accuracy with the rule that fits the target type.

    The target type is resolved the way
    ``sklearn.utils.multiclass.type_of_target`` does:

    - labels (N,) with one column of scores (N,) or (N, 1): binary, positive
      when the score exceeds 0.5 (probabilities) or 0 (``from_logits``); the
      positive class is the larger of the two labels;
    - labels (N,) with hard predictions (N,): fraction equal;
    - labels (N,) with scores (N, C): argmax accuracy; integer labels are
      column indices, other labels map to the columns in sorted order;
    - single-label one-hot (or soft) targets (N, C): argmax vs argmax;
    - multilabel indicator (N, K), dense or scipy.sparse: subset accuracy
      (a row counts when every label is right), scores thresholded as above.

    Parameters
    ----------
    y_true : array-like or scipy.sparse matrix
        Labels (n_samples,) or a 2-D (n_samples, n_classes) target.
    y_pred : array-like or scipy.sparse matrix
        Scores or hard predictions, as listed above.
    from_logits : bool, default=False
        Whether one-column scores are logits (threshold 0, not 0.5).

    Returns
    -------
    float
        The accuracy under the resolved rule.

    Raises
    ------
    ValueError
        Targets that are not class labels (continuous, say), scores that
        do not fit the labels (one score per sample for 3 classes, values
        outside [0, 1] without ``from_logits``), shapes that differ, NaN,
        a mix of string and number labels, no samples.
    TypeError
        ``from_logits`` not a bool; sparse y_pred for 1-D y_true.

    See Also
    --------
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.metrics import accuracy
    >>> accuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6])  # binary scores
    0.5
    >>> accuracy([0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3]])
    0.6666666666666666
    >>> one_hot = np.eye(3)[[0, 1, 2, 1]]
    >>> accuracy(one_hot, np.zeros((4, 3)))  # argmax rule, not element-wise 2/3
    0.25
    """
    from_logits = _check_flag("from_logits", from_logits)
    threshold = 0.0 if from_logits else 0.5
    _refuse_masked(y_true=y_true, y_pred=y_pred)
    y_true = V.checked_csr(y_true, "y_true")
    y_pred = V.checked_csr(y_pred, "y_pred")
    if V._is_sparse(y_true):
        if y_true.ndim != 2:
            raise ValueError(f"sparse y_true must be 2-D; got shape {y_true.shape}")
        return _indicator_accuracy(y_true, y_pred, threshold)
    truth = _label_array(y_true)
    if truth.ndim == 2 and truth.shape[1] == 1:
        truth = truth.reshape(-1)
    if truth.ndim == 1:
        return _label_accuracy(truth, y_pred, threshold, from_logits)
    if truth.ndim == 2:
        return _indicator_accuracy(truth, y_pred, threshold)
    raise ValueError(
        f"y_true must be 1-D labels or a 2-D (n_samples, n_classes) target; "
        f"got shape {truth.shape}"
    )


def _label_accuracy(truth, y_pred, threshold, from_logits):
    _check_not_empty(truth.shape[0])
    y_type = _type_of_target(truth, "y_true")
    if y_type not in ("binary", "multiclass"):
        raise ValueError(f"y_true must hold class labels; its type is {y_type!r}")
    if V._is_sparse(y_pred):
        raise TypeError("y_pred must be dense for 1-D y_true; got a scipy.sparse matrix")
    pred = _label_array(y_pred)
    if pred.ndim == 2 and pred.shape[1] == 1:
        pred = pred.reshape(-1)
    if pred.shape[0] != truth.shape[0]:
        raise ValueError(f"y_true has {truth.shape[0]} samples but y_pred has {pred.shape[0]}")
    if pred.ndim == 2:
        return _argmax_label_accuracy(truth, *_argmax_scores(pred))
    if pred.ndim != 1:
        raise ValueError(f"y_pred must be 1-D or 2-D; got shape {pred.shape}")
    if pred.dtype.kind == "f":
        pred = _dense_scores(pred)
        binary_truth = _unique(truth).shape[0] <= 2
        if from_logits or (binary_truth and pred.min() >= 0 and pred.max() <= 1):
            return _threshold_label_accuracy(truth, pred, threshold)
        if not _integral_float(pred):  # neither scores we can read nor hard labels
            if pred.min() >= 0 and pred.max() <= 1:
                return _threshold_label_accuracy(truth, pred, threshold)  # raises: not binary
            raise ValueError(
                "y_pred holds scores outside [0, 1]; pass from_logits=True for "
                "decision_function output"
            )
    if (truth.dtype.kind in "OUS") != (pred.dtype.kind in "OUS"):
        raise ValueError(
            "Mix of label input types (string and number) in y_true "
            f"({truth.dtype}) and y_pred ({pred.dtype})"
        )
    return float(np.mean(truth == pred))


def _threshold_label_accuracy(truth, score, threshold):
    classes = _unique(truth)
    if classes.shape[0] > 2:
        raise ValueError(
            f"y_pred holds one score per sample (binary), but y_true has "
            f"{classes.shape[0]} classes; pass (n_samples, {classes.shape[0]}) "
            "scores"
        )
    if truth.dtype.kind in "biuf" and np.all(np.isin(classes, (0, 1))):
        positive = truth == 1
    elif classes.shape[0] == 2:
        positive = truth == classes[1]
    else:
        raise ValueError(
            f"y_true has the single class {classes[0]!r}, which is not 0 or 1, so "
            "the positive class is unknown"
        )
    return float(np.mean((score > threshold) == positive))


def _argmax_label_accuracy(truth, score, top):
    n_cols = score.shape[1]
    if truth.dtype.kind in "biuf":
        idx = _class_indices(truth, score)
    else:
        classes = _unique(truth)
        if classes.shape[0] != n_cols:
            raise ValueError(
                f"y_true has {classes.shape[0]} distinct labels but y_pred has "
                f"{n_cols} columns; encode y_true as column indices"
            )
        idx = _encode(truth, classes)
    return float(np.mean(top == idx))


def _indicator_accuracy(truth, y_pred, threshold):
    sparse = V._is_sparse(truth)
    if not sparse and truth.dtype.kind not in "biuf":
        raise TypeError(f"2-D y_true must be numeric; got dtype={truth.dtype}")
    pred_sparse = V._is_sparse(y_pred)
    pred = y_pred if pred_sparse else np.asarray(y_pred)
    _check_same_shape(truth, pred)
    _check_not_empty(truth.shape[0])
    if sparse:
        truth = _canonical_csr(truth)
    sums = _row_sums(truth)
    data = truth.data if sparse else truth
    zero_one = bool(np.all((data == 0) | (data == 1)))
    if not zero_one:
        if np.all(data >= 0) and np.allclose(sums, 1):
            # soft targets (e.g. smoothed labels): the class is their argmax
            return categorical_accuracy(truth, _dense_scores(pred))
        raise ValueError("2-D y_true must be a 0/1 indicator matrix or rows of probabilities")
    hard = pred_sparse or pred.dtype.kind in "biu"
    if not hard and np.all(sums == 1):
        return categorical_accuracy(truth, _dense_scores(pred))
    if hard:
        _indicator_values(pred, "y_pred")
        if pred_sparse or sparse:
            import scipy.sparse as sp

            diff = sp.csr_matrix(truth, dtype=bool) != sp.csr_matrix(pred, dtype=bool)
            return float(np.mean(np.diff(diff.tocsr().indptr) == 0))
        return float(np.mean(np.all((truth != 0) == (pred != 0), axis=1)))
    positive = _dense_scores(pred) > threshold
    if sparse:
        return float(np.mean(_count_mismatch_sparse(truth, positive) == 0))
    return float(np.mean(np.all(positive == (truth != 0), axis=1)))
