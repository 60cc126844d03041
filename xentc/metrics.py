"""Metrics on model outputs: log-loss and accuracies.

Design:
  A. `log_loss` and `top_k_accuracy_score` are drop-ins for the installed
     scikit-learn's functions: same value, warnings and error messages for
     the same inputs. The checks below follow scikit-learn's order (argument
     types, then y_proba, then lengths, sample_weight, labels, column counts)
     because that order decides which message a bad input gets. None of it
     imports scikit-learn: scoring production outputs must stay light.
  B. Labels are encoded to integer class indices once (an O(N) table lookup
     for small-range integers, a sort otherwise) and the kernels read the
     indices: no N x C one-hot matrix is ever built for integer labels.
  C. `from_logits=True` feeds logits straight to the fused softmax / sigmoid
     cross-entropy kernels, so probabilities never materialise (and are not
     clipped at eps: the result is the exact cross-entropy).
  D. `accuracy` resolves the target type the way
     sklearn.utils.multiclass.type_of_target does and picks the rule that is
     right for it; element-wise "binary accuracy" on single-label one-hot
     targets counts the correct zeros and is never what it reports.
"""

import math
import numbers
import warnings

import numpy as np

from . import _validation as V
from . import losses as _losses
from ._rowstats import argmax_rows, row_stats
from .losses import categorical_cross_entropy, softmax_cross_entropy

__all__ = [
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "log_loss",
    "sparse_categorical_accuracy",
    "top_k_accuracy_score",
]

_ROW_CHUNK = 65536  # rows per block where a temporary (rows, C) array is needed


# ---------------------------------------------------------------------------
# scikit-learn-compatible argument checks (messages match scikit-learn's)


class _LocalInvalidParameterError(ValueError, TypeError):
    """Stand-in for sklearn's InvalidParameterError when sklearn is absent."""


def _invalid_parameter(message):
    # scikit-learn's own class when it is installed, so `except` clauses
    # written against scikit-learn keep working; imported only on failure.
    try:
        from sklearn.utils._param_validation import InvalidParameterError
    except ImportError:  # pragma: no cover - depends on the environment
        InvalidParameterError = _LocalInvalidParameterError
    return InvalidParameterError(message)


def _undefined_metric_warning():
    try:
        from sklearn.exceptions import UndefinedMetricWarning
    except ImportError:  # pragma: no cover - depends on the environment
        return UserWarning
    return UndefinedMetricWarning


def _is_arraylike(x):
    return (
        (hasattr(x, "__len__") or hasattr(x, "shape") or hasattr(x, "__array__"))
        and not np.isscalar(x)
        and not V._is_sparse(x)
    )


def _check_params(func, values):
    """values: [(name, value, kind)], kind in 'array', 'array|None',
    'array|hidden-None' (None allowed but not advertised), 'bool', 'int>=1'
    (scikit-learn's wording of each constraint)."""
    wording = {
        "array": "an array-like",
        "array|None": "an array-like or None",
        "array|hidden-None": "an array-like",
        "bool": "an instance of 'bool' or an instance of 'numpy.bool'",
        "int>=1": "an int in the range [1, inf)",
    }
    for name, value, kind in values:
        if kind == "array":
            ok = _is_arraylike(value)
        elif kind in ("array|None", "array|hidden-None"):
            ok = value is None or _is_arraylike(value)
        elif kind == "bool":
            ok = isinstance(value, (bool, np.bool_))
        else:
            ok = isinstance(value, numbers.Integral) and value >= 1
        if not ok:
            raise _invalid_parameter(
                f"The {name!r} parameter of {func} must be {wording[kind]}. Got {value!r} instead."
            )


def _refuse_masked(**arrays):
    for name, value in arrays.items():
        V.refuse_masked(value, name)


def _check_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def _num_samples(x):
    if hasattr(x, "shape") and x.shape is not None:
        if len(x.shape) == 0:
            raise TypeError(
                "Input should have at least 1 dimension i.e. satisfy "
                f"`len(x.shape) > 0`, got scalar `{x!r}` instead."
            )
        return int(x.shape[0])
    try:
        return len(x)
    except TypeError as exc:
        raise TypeError(f"Expected sequence or array-like, got {type(x)}") from exc


def _check_consistent_length(*arrays):
    lengths = [_num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: {lengths!r}"
        )


def _assert_finite(arr, input_name="", allow_inf=False):
    """scikit-learn's NaN / infinity messages. Returns (min, max) of a float
    array (None otherwise): min and max propagate NaN and hold any inf, so
    two reductions replace a full boolean mask and serve range checks too."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return None
    lo, hi = arr.min(), arr.max()
    padded = input_name + " " if input_name else ""
    if np.isnan(lo):
        raise ValueError(f"Input {padded}contains NaN.")
    if not allow_inf and (np.isinf(lo) or np.isinf(hi)):
        raise ValueError(
            f"Input {padded}contains infinity or a value too large for {arr.dtype!r}."
        )
    return lo, hi


def _check_float_array(x, *, dtypes, allow_inf=False, input_name=""):
    """y_proba / y_score as scikit-learn's check_array(ensure_2d=False) sees it:
    `dtypes` kept if listed, others converted to the first (dtypes=None:
    any numeric dtype kept); at most 2-D; finite; at least one sample (and
    one column). Returns the array and its (min, max)."""
    if not isinstance(x, np.ndarray):
        if hasattr(x, "to_numpy"):  # pandas keeps its column dtype
            x = np.asarray(x.to_numpy())
        else:  # sequences convert straight to the target dtype (numpy's messages)
            x = np.asarray(x, dtype=dtypes[0] if dtypes is not None else None)
    if x.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{x}\n")
    if dtypes is None:
        if x.dtype.kind in "US":
            raise ValueError(
                "dtype='numeric' is not compatible with arrays of bytes/strings."
                "Convert your data to numeric values explicitly instead."
            )
        arr = x if x.dtype.kind in "biuf" else x.astype(np.float64)
    else:
        arr = x if x.dtype in dtypes else x.astype(dtypes[0])
    return arr, _check_shape_finite(arr, input_name, allow_inf)


def _check_shape_finite(arr, input_name="", allow_inf=False):
    """The rest of check_array: at most 2-D, finite, not empty; (min, max)."""
    if arr.ndim >= 3:
        raise ValueError(f"Found array with dim {arr.ndim}, while dim <= 2 is required.")
    extremes = _assert_finite(arr, input_name, allow_inf)
    if arr.ndim >= 1 and arr.shape[0] < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required."
        )
    if arr.ndim == 2 and arr.shape[1] < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required."
        )
    if extremes is None and arr.size and arr.ndim:
        extremes = (arr.min(), arr.max()) if arr.dtype.kind in "biuf" else None
    return extremes


def _check_sample_weight(sample_weight, n_samples):
    """scikit-learn's _check_sample_weight: 1-D, finite, not all zero
    (negative weights are allowed, as in scikit-learn's metrics)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{w}\n")
    if w.dtype.kind not in "biuf":
        w = w.astype(np.float64)
    if w.ndim >= 3:
        raise ValueError(f"Found array with dim {w.ndim}, while dim <= 2 is required.")
    _assert_finite(w, "sample_weight")
    if w.ndim != 1:
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {w.ndim}D array. "
            "Expected either a scalar value or a 1D array of length "
            f"{n_samples}."
        )
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n_samples,)}!")
    if not np.any(w != 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return w


def _check_label_array(y):
    """check_array(y, ensure_2d=False, dtype=None): labels of any dtype, at
    most 2-D, finite, at least one sample."""
    arr = _label_array(y)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{arr}\n")
    _check_shape_finite(arr)
    return arr


def _column_or_1d(y, input_name="y"):
    arr = _label_array(y)
    if arr.ndim == 1:
        return arr
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr.reshape(-1)
    raise ValueError(
        f"{input_name} should be a 1d array, got an array of shape {arr.shape} instead."
    )


# ---------------------------------------------------------------------------
# target types and label encoding


def _label_array(y):
    """ndarray view of labels; ragged sequences become object arrays (as
    scikit-learn's check_array(dtype=object) retry does)."""
    if isinstance(y, np.ndarray):
        return y
    if hasattr(y, "to_numpy"):
        return np.asarray(y.to_numpy())
    try:
        return np.asarray(y)
    except ValueError:  # ragged: an object array of the rows
        rows = list(y)
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return out


def _integral_float(values):
    with np.errstate(invalid="ignore"):
        return bool(np.all(values.astype(np.int64).astype(values.dtype) == values))


def _is_multilabel(y):
    if not (y.ndim == 2 and y.shape[1] > 1):
        return False
    if V._is_sparse(y):
        data = y.tocsr().data
        labels = np.unique(data)
        return data.size == 0 or (
            (labels.size == 1 or (labels.size == 2 and 0 in labels))
            and (y.dtype.kind in "biu" or _integral_float(labels))
        )
    if y.dtype.kind not in "biuf":
        return False
    labels = np.unique(y)
    return labels.shape[0] < 3 and (y.dtype.kind in "biu" or _integral_float(labels))


def _type_of_target(y, input_name="", memo=None):
    """scikit-learn's type_of_target for an ndarray or scipy.sparse matrix:
    'binary', 'multiclass', 'multilabel-indicator', 'continuous',
    '<type>-multioutput' or 'unknown'. A dict `memo` receives the unique
    labels and codes of a 1-D target, which the caller needs next."""
    if _is_multilabel(y):
        return "multilabel-indicator"
    sparse = V._is_sparse(y)
    if y.ndim >= 1 and y.shape[0] > 0:
        first = y[[0], :] if sparse else y[0]
        if isinstance(first, bytes):
            raise TypeError(
                "Support for labels represented as bytes is not supported. Convert "
                "the labels to a string or integer format."
            )
        if isinstance(first, (list, tuple)):
            raise ValueError(
                "You appear to be using a legacy multi-label data representation. "
                "Sequence of sequences are no longer supported; use a binary array "
                "or sparse matrix instead - the MultiLabelBinarizer transformer "
                "can convert to this format."
            )
    if y.ndim not in (1, 2):
        return "unknown"
    if min(y.shape) == 0:
        return "binary" if y.ndim == 1 else "unknown"
    if not sparse and y.dtype == object and not isinstance(y.flat[0], str):
        return "unknown"
    suffix = "-multioutput" if y.ndim == 2 and y.shape[1] > 1 else ""
    if y.dtype.kind == "f":
        data = y.tocsr().data if sparse else y
        if not _integral_float(data):
            _assert_finite(data, input_name)
            return "continuous" + suffix
    if suffix:
        return "multiclass" + suffix
    if sparse:
        uniques = _unique(y.tocsr().data)
    elif memo is not None:
        memo["unique"] = _unique(y, return_inverse=True)
        uniques = memo["unique"][0]
    else:
        uniques = _unique(y)
    return "multiclass" if uniques.shape[0] > 2 else "binary"


def _small_int_span(y):
    """(min, span) when the integer labels fit a lookup table of ~O(N)."""
    if y.dtype.kind not in "biu" or y.size == 0:
        return None
    lo, hi = int(y.min()), int(y.max())
    span = hi - lo + 1
    small = span <= 4 * y.size + 1024 and span < (1 << 26) and -(1 << 62) < lo and hi < (1 << 62)
    return (lo, span) if small else None


def _offsets(y, lo):
    """y - lo as intp (no copy when y already is intp with lo == 0)."""
    if lo == 0 and y.dtype == np.intp:
        return y
    return np.subtract(y, lo, dtype=np.intp, casting="unsafe")


def _unique(y, return_inverse=False):
    """Sorted unique values (and each entry's index in them). Small-range
    integers use a count table, O(N), instead of np.unique's sort."""
    flat = y.reshape(-1)
    fast = _small_int_span(flat)
    if fast is None:
        return np.unique(flat, return_inverse=return_inverse)
    lo, span = fast
    offsets = _offsets(flat, lo)
    present = np.bincount(offsets, minlength=span) > 0
    uniques = (np.flatnonzero(present) + lo).astype(flat.dtype)
    if not return_inverse:
        return uniques
    if present.all():  # labels lo..hi all occur: the offsets are the codes
        return uniques, offsets
    return uniques, (np.cumsum(present) - 1)[offsets]


def _encode(y, classes):
    """Indices of y in the sorted `classes` (every value of y is in classes)."""
    if y.dtype == object or classes.dtype == object:
        table = {c: i for i, c in enumerate(classes.tolist())}
        return np.fromiter((table[v] for v in y.tolist()), dtype=np.int64, count=y.shape[0])
    fast = _small_int_span(y)
    if fast is not None and classes.dtype.kind in "biu":
        lo, span = fast
        table = np.full(span, -1, dtype=np.intp)
        inside = (classes >= lo) & (classes < lo + span)
        table[_offsets(classes[inside], lo)] = np.flatnonzero(inside)
        return table[_offsets(y, lo)]
    return np.searchsorted(classes, y)


def _unique_labels(y_obj, y, y_type, memo=None):
    """scikit-learn's unique_labels for one target (y_obj as passed, y its
    array): sorted classes, or arange(K) for an indicator matrix."""
    if y_type == "multilabel-indicator":
        return np.arange(y.shape[1])
    if y_type not in ("binary", "multiclass"):
        raise ValueError(f"Unknown label type: {(y_obj,)!r}")
    if not hasattr(y_obj, "__array__") and not hasattr(y_obj, "shape"):
        # plain sequences are unique'd as Python objects, which is where a
        # mix of strings and numbers shows up
        values = set(y_obj)
        if len({isinstance(v, str) for v in values}) > 1:
            raise ValueError(
                "Mix of label input types (string and number); "
                f"Got {np.unique(np.asarray(y_obj))}."
            )
        return np.asarray(sorted(values))
    return memo["unique"][0] if memo and "unique" in memo else _unique(y)


def _all_in(y, labels):
    """np.isin(y, labels).all(), testing only the distinct values of y."""
    try:
        values = _unique(y)
    except TypeError:  # unorderable objects: test every entry
        values = y
    return bool(np.all(np.isin(values, labels)))


def _binarizer_fit(y_obj, memo=None):
    """What LabelBinarizer().fit(y) checks and learns: (classes, y_type)."""
    y = _label_array(y_obj)
    y_type = _type_of_target(y, "y", memo)
    if "multioutput" in y_type:
        raise ValueError("Multioutput target data is not supported with label binarization")
    if _num_samples(y) == 0:
        raise ValueError(f"y has 0 samples: {y_obj!r}")
    return _unique_labels(y_obj, y, y_type, memo), y_type


def _encode_targets(y_true, labels):
    """y_true as log_loss sees it: ("index", class indices, classes) for
    single-label targets, ("indicator", (N, K) matrix, classes) for a
    multilabel indicator. Mirrors LabelBinarizer's checks and messages."""
    if labels is not None:
        classes, fit_type = _binarizer_fit(labels)
        if not np.all(classes == labels):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are "
                "ordered lexicographically. Pass the ordered "
                f"labels={classes.tolist()} and ensure that the columns of y_prob "
                "correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        if not _all_in(_label_array(y_true), labels):
            undeclared = set(y_true) - set(labels)
            raise ValueError(
                f"y_true contains values {undeclared} not belonging to the passed labels {labels}."
            )
        memo = None
    else:
        memo = {}
        classes, fit_type = _binarizer_fit(y_true, memo)
    if classes.shape[0] == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide "
                "the list of all expected class labels explicitly through the "
                "labels argument."
            )
        raise ValueError(f"The labels array needs to contain at least two labels, got {classes}.")
    y = _label_array(y_true)
    y_type = fit_type if memo is not None else _type_of_target(y)
    if y_type.startswith("multilabel") and not fit_type.startswith("multilabel"):
        raise ValueError("The object was not fitted with multilabel input.")
    if "multioutput" in y_type:
        raise ValueError("Multioutput target data is not supported with label binarization")
    if y_type == "unknown":
        raise ValueError("The type of target data is not known")
    if y_type == "multilabel-indicator":
        if classes.shape[0] != y.shape[1]:
            raise ValueError(
                f"classes {classes} mismatch with the labels "
                f"{np.arange(y.shape[1])} found in the data"
            )
        return "indicator", y, classes
    if y_type not in ("binary", "multiclass"):
        raise ValueError(f"{y_type} target data is not supported with label binarization")
    y = _column_or_1d(y)
    if memo and "unique" in memo and memo["unique"][0] is classes:
        return "index", memo["unique"][1], classes
    return "index", _encode(y, classes), classes


# ---------------------------------------------------------------------------
# log_loss


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

    Drop-in for ``sklearn.metrics.log_loss``: same value, warnings and errors
    (probabilities are clipped to [eps, 1 - eps], eps the machine epsilon of
    y_proba's dtype; columns follow the sorted labels; 1-D y_proba is the
    probability of the positive class). float16 is computed in float32.

    With ``from_logits=True`` y_proba holds logits (``decision_function``
    output): 1-D or one column -> sigmoid, 2-D -> softmax over the columns.
    The value is ``log_loss(y_true, expit(z))`` resp.
    ``log_loss(y_true, softmax(z))`` computed without forming the
    probabilities and without the eps clipping.
    """
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
    w = _check_sample_weight(sample_weight, p.shape[0])
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

    Drop-in for ``sklearn.metrics.top_k_accuracy_score`` (same ties: among
    equal scores the class with the larger index ranks first; binary y_true
    with 1-D scores thresholds at 0.5 for probabilities, 0 otherwise).
    Computed by counting, per row, the scores that beat the true one, so no
    per-row sort is done.
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
        hits = _in_top_k(score, y_idx, k)
    if normalize:
        return float(np.average(hits, weights=sample_weight))
    if sample_weight is None:
        return float(np.sum(hits))
    return float(np.dot(hits, sample_weight))


def _encode_known(y, classes):
    """Encode y against classes; unseen labels are an error (as sklearn's _encode)."""
    if y.dtype.kind in "OUS":
        table = {c: i for i, c in enumerate(classes.tolist())}
        try:
            return np.array([table[v] for v in y.tolist()], dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"y contains previously unseen labels: {exc}") from None
    diff = np.setdiff1d(y, classes)
    if diff.size:
        raise ValueError(f"y contains previously unseen labels: {list(diff)}")
    return np.searchsorted(classes, y).astype(np.int64)


def _in_top_k(score, y_idx, k):
    """True class is in the top k when fewer than k scores rank above it:
    strictly larger scores, plus equal scores at a larger column index (the
    order of a stable ascending sort read backwards)."""
    n, c = score.shape
    if score.dtype in (np.float32, np.float64):  # the kernel counts the same way
        return row_stats(score, y_idx, want=("rank",))["rank"] < k
    hits = np.empty(n, dtype=bool)
    cols = np.arange(c)
    for r0 in range(0, n, _ROW_CHUNK):
        s = score[r0 : r0 + _ROW_CHUNK]
        yi = y_idx[r0 : r0 + _ROW_CHUNK]
        own = s[np.arange(s.shape[0]), yi][:, None]
        above = np.count_nonzero(s > own, axis=1)
        above += np.count_nonzero((s == own) & (cols > yi[:, None]), axis=1)
        hits[r0 : r0 + _ROW_CHUNK] = above < k
    return hits


# ---------------------------------------------------------------------------
# Keras-style accuracies and the resolved `accuracy`


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

    Keras's binary_accuracy, averaged over all elements. For single-label
    one-hot targets this number is inflated (the correct zeros count), so it
    warns and points to `categorical_accuracy`.
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

    y_true: one-hot or soft targets (N, C), dense or scipy.sparse; y_pred:
    scores (N, C). Ties go to the first maximal column (numpy.argmax).
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

    y_true: class indices (N,) or (N, 1) in [0, C); y_pred: scores (N, C).
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

    - labels (N,) with one column of scores (N,) or (N, 1): binary, positive
      when the score exceeds 0.5 (probabilities) or 0 (``from_logits``); the
      positive class is the larger of the two labels;
    - labels (N,) with hard predictions (N,): fraction equal;
    - labels (N,) with scores (N, C): argmax accuracy; integer labels are
      column indices, other labels map to the columns in sorted order;
    - single-label one-hot (or soft) targets (N, C): argmax vs argmax;
    - multilabel indicator (N, K), dense or scipy.sparse: subset accuracy
      (a row counts when every label is right), scores thresholded as above.
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


from .calibration import brier_score, expected_calibration_error, reliability_curve  # noqa: E402

__all__ += ["brier_score", "expected_calibration_error", "reliability_curve"]
from .grouped import grouped_accuracy  # noqa: E402  (grouped tasks: xentc/grouped.py)

__all__ += ["grouped_accuracy"]
