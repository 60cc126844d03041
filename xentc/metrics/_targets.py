"""Target types and label checks, the way scikit-learn sees them (private).

Design:
  A. A copy of what scikit-learn's `check_array`, `check_consistent_length`,
     `type_of_target`, `unique_labels` and `LabelBinarizer` check, in the
     same order and with the same messages, because that order decides which
     message a bad input gets. Nothing here imports scikit-learn (scoring
     production outputs must stay light); its exception classes are used
     when it is installed, so `except` clauses written against it still work.
  B. Labels are encoded to integer class indices once (an O(N) table lookup
     for small-range integers, a sort otherwise): no N x C one-hot matrix is
     ever built for integer labels.

This is the one module of xentc that decides what a target *is*; the
metrics (`_log_loss`, `_accuracy`, `_calibration`) import it.
(`xentc.sklearn` calls scikit-learn's own functions, which it imports
anyway; the shims in `xentc.compat` follow their framework's rules, not
scikit-learn's.)
"""

import numbers
import warnings

import numpy as np

from .. import _validation as V

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
    extremes = V.sklearn_assert_finite(arr, input_name, allow_inf)
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
            V.sklearn_assert_finite(data, input_name)
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


def _binary_outcome(y, pos_label):
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


def _sorted_class_indices(y, labels, n_columns):
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
