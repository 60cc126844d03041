"""Streaming scores: exact metrics over data that arrives in chunks.

Design:
  A. State is a handful of sums (weight, loss, hits, squared error; one per
     calibration bin and one per class), never rows: memory is
     O(chunk + C + n_bins) for any number of rows.
  B. Each sum is a compensated float64 pair (hi, lo) updated by TwoSum
     (Knuth), so adding chunk partials, or merging states from threads,
     processes or machines, loses nothing to rounding: the result depends on
     the chunking and the merge order only through the partial sums of one
     chunk (np.sum is pairwise, np.bincount sequential: relative error below
     block_rows * 2**-53 at worst, ~sqrt(block_rows) * 2**-53 in practice).
  C. Per-row numbers come from the xentc kernels, so the log-loss equals the
     one-shot functions of xentc.metrics. Multiclass rows go through one
     fused kernel pass (_rowstats: loss, argmax, top-k rank, top-label
     probability, squared error) instead of a NumPy pass per metric; the
     rest is whole-array NumPy on blocks of at most _BLOCK rows, so a caller
     may pass a chunk of any size without a temporary of that size.
  D. An update is atomic: the blocks of a chunk fill a fresh partial state
     that is merged only when the whole chunk has been checked, so a bad row
     leaves the scores as they were (and the error names its global row).
  E. task="grouped" (several softmax groups per row, xentc.grouped) is only
     ever explicit: its per-(sample, group) losses come from the grouped
     kernel, its state adds one sum per group, and the metrics it does not
     define (top-k, Brier, ECE, per-class) are left out of the result, as
     top-k is for binary.
"""

import math
import numbers
import re
import warnings

import numpy as np

from . import _validation as V
from ._rowstats import row_stats
from .grouped import (
    _check_grouped_labels,
    _check_groups,
    _compute_grouped,
    _logits_layout,
)
from .losses import (
    binary_cross_entropy,
    categorical_cross_entropy,
    sigmoid_cross_entropy,
)
from .special import sigmoid

__all__ = ["INPUTS", "METRICS", "TASKS", "StreamingScores"]

TASKS = ("auto", "binary", "multiclass", "multilabel", "grouped")
INPUTS = ("logits", "probabilities")
METRICS = ("log_loss", "accuracy", "top_k_accuracy", "brier", "ece", "per_class")
_BLOCK = 65536  # rows per internal block: bounds every temporary
_FORMAT = "xentc.StreamingScores"
_VERSION = 1


class _Sum:
    """Compensated float64 sum of a scalar or a vector (TwoSum per add)."""

    __slots__ = ("hi", "lo")

    def __init__(self, size=None):
        shape = () if size is None else (size,)
        self.hi = np.zeros(shape)
        self.lo = np.zeros(shape)

    def add(self, x):
        s = self.hi + x
        with np.errstate(invalid="ignore"):
            b = s - self.hi
            self.lo = self.lo + ((self.hi - (s - b)) + (x - b))
        self.hi = s

    def merge(self, other):
        self.add(other.hi)
        self.lo = self.lo + other.lo

    def value(self):
        # an infinite sum leaves lo NaN (inf - inf); hi alone is the value
        return np.where(np.isfinite(self.hi), self.hi + self.lo, self.hi)

    def to_json(self):
        # strict JSON has no inf / nan: those travel as the strings "inf", "nan"
        return [_json_floats(self.hi), _json_floats(self.lo)]

    @classmethod
    def from_json(cls, pair, size=None):
        out = cls(size)
        hi, lo = (np.asarray(v, dtype=np.float64) for v in pair)
        if hi.shape != out.hi.shape or lo.shape != out.lo.shape:
            raise ValueError(f"state sum has shape {hi.shape}; expected {out.hi.shape}")
        out.hi, out.lo = hi, lo
        return out


def _json_floats(a):
    v = a.tolist()
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return [x if math.isfinite(x) else str(x) for x in v]


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def _check_int(name, value, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {low}; got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}")
    return int(value)


def _check_metrics(metrics):
    if metrics is None:
        return METRICS
    if isinstance(metrics, str):
        metrics = [metrics]
    chosen = list(metrics)
    unknown = [m for m in chosen if m not in METRICS]
    if unknown or not chosen:
        raise ValueError(
            f"metrics must be None or a non-empty subset of {METRICS}; got {metrics!r}"
        )
    return tuple(m for m in METRICS if m in chosen)


def _first(mask):
    return int(np.flatnonzero(mask)[0])


class StreamingScores:
    """Log-loss, accuracy, top-k accuracy, Brier score and calibration, fed chunk by chunk.

    Every sum is a compensated float64 pair, so the result does not depend
    on how the data was chunked or in which order partial results were
    merged (beyond the rounding of one chunk's own sums); memory is
    O(chunk + C + n_bins). The engine of the ``xentc score`` command
    (guide: :doc:`/scoring`).

    Parameters
    ----------
    task : {"auto", "binary", "multiclass", "multilabel", "grouped"}, default="auto"
        ``"auto"`` decides on the first chunk (1-D ``y_pred``: binary; 2-D
        ``y_pred`` with 1-D ``y_true``: multiclass; 2-D ``y_pred`` with a
        2-D 0/1 ``y_true``, dense or scipy.sparse: multilabel) and every
        later chunk must agree; it never picks ``"grouped"``.
        ``"grouped"``: ``y_pred`` (N, sum(groups)) with ``groups``, or
        (N, G, C); ``y_true`` (N, G) within-group class indices. Reports
        ``log_loss`` (mean over the (sample, group) entries), ``accuracy``
        (exact match: every group right) and ``per_group``.
    inputs : {"logits", "probabilities"}, default="logits"
        Logits go through softmax (multiclass) or sigmoid (binary,
        multilabel) inside the kernels; probabilities are used as given
        (clipped at the dtype's eps for the log-loss, as scikit-learn).
    labels : array_like, optional
        The class of each column, in column order (multiclass; multilabel:
        label names), or ``[negative, positive]`` (binary). None:
        ``y_true`` holds column indices (multiclass) or 0/1 (binary,
        multilabel).
    k : int, default=5
        The k of the top-k accuracy (multiclass).
    n_bins : int, default=15
        Equal-width bins on ``[0, 1]`` for the calibration metrics; a value
        on an edge belongs to the bin below (as scikit-learn's
        ``calibration_curve``).
    metrics : iterable of str, optional
        Compute only these names of :data:`xentc.scoring.METRICS` (None:
        all); ``"ece"`` includes the reliability table.
    n_threads : int, optional
        Threads for the kernels (None: the default).
    groups : sequence of int, optional
        Group sizes for ``task="grouped"`` (None: 3-D ``y_pred`` gives
        them).

    Attributes
    ----------
    n_samples : int
        Samples added so far.

    See Also
    --------
    xentc.metrics.log_loss, xentc.metrics.brier_score,
    xentc.metrics.expected_calibration_error : The one-shot functions.

    Notes
    -----
    The calibration "confidence" is the top-label probability for
    multiclass (hit: argmax is right) and the probability of the positive
    label for sigmoid outputs (binary, every decision of multilabel; hit:
    the label is 1), as torchmetrics' calibration errors and scikit-learn's
    ``calibration_curve`` define them.

    Examples
    --------
    >>> import numpy as np
    >>> from xentc.scoring import StreamingScores
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [1.0, 0.2, 0.3], [0.1, 2.0, 0.0]])
    >>> labels = np.array([0, 2, 1, 1])
    >>> scores = StreamingScores(k=2, n_bins=5)
    >>> scores = scores.update(labels[:2], logits[:2]).update(labels[2:], logits[2:])
    >>> report = scores.result()
    >>> round(report["log_loss"], 6), report["accuracy"], report["top_k_accuracy"]
    (0.531893, 0.75, 0.75)
    """

    def __init__(
        self,
        task="auto",
        inputs="logits",
        labels=None,
        k=5,
        n_bins=15,
        metrics=None,
        n_threads=None,
        groups=None,
    ):
        self.task = _check_choice("task", task, TASKS)
        if groups is not None and self.task != "grouped":
            raise ValueError(
                f"groups is for task='grouped' only; got groups={groups!r} with task={task!r}"
            )
        if labels is not None and self.task == "grouped":
            raise ValueError(
                "labels is not supported for task='grouped': y_true holds class "
                "indices within each group"
            )
        self.groups = None if groups is None else _check_groups(groups)
        self.inputs = _check_choice("inputs", inputs, INPUTS)
        self.k = _check_int("k", k, 1)
        self.n_bins = _check_int("n_bins", n_bins, 1)
        self.metrics = _check_metrics(metrics)
        if self.task == "grouped" and not {"log_loss", "accuracy"} & set(self.metrics):
            raise ValueError(
                f"metrics for task='grouped' must include 'log_loss' or "
                f"'accuracy' (the others are not defined per group); got "
                f"{list(self.metrics)!r}"
            )
        self.n_threads = n_threads if n_threads is None else V.resolve_n_threads(n_threads)
        self.labels = self._check_labels(labels)
        self._edges = np.linspace(0.0, 1.0, self.n_bins + 1)
        self._buffer = None
        self._reset(None, None)

    # -- configuration ------------------------------------------------------

    def _check_labels(self, labels):
        if labels is None:
            return None
        if V._is_sparse(labels):
            raise TypeError("labels must be a 1-D sequence of class values; got a sparse matrix")
        arr = np.asarray(labels)
        if arr.ndim != 1 or arr.shape[0] < 2:
            raise ValueError(
                f"labels must be a 1-D sequence of at least two class values; got {labels!r}"
            )
        if arr.dtype.kind not in "biufUSO":
            raise TypeError(f"labels must hold numbers or strings; got dtype={arr.dtype}")
        try:
            distinct = np.unique(arr).shape[0]
        except TypeError as exc:
            raise TypeError(f"labels must be mutually comparable values; got {labels!r}") from exc
        if distinct != arr.shape[0]:
            raise ValueError(f"labels must be distinct; got {labels!r}")
        if self.task == "binary" and arr.shape[0] != 2:
            raise ValueError(
                f"labels for task='binary' must be [negative, positive]; got {labels!r}"
            )
        self._sorter = np.argsort(arr, kind="stable")
        self._sorted = arr[self._sorter]
        return arr

    def _config(self):
        return {
            "task": self.task,
            "inputs": self.inputs,
            "k": self.k,
            "n_bins": self.n_bins,
            "metrics": list(self.metrics),
            "labels": None if self.labels is None else self.labels.tolist(),
            "groups": None if self.groups is None else self.groups.tolist(),
        }

    def _reset(self, task, n_columns, sizes=None):
        """Empty sums for a decided task (or none yet: task None); sizes:
        the group sizes of a grouped task."""
        self._task = task
        self._n_columns = n_columns
        self._sizes = sizes
        n_groups = 0 if sizes is None else sizes.shape[0]
        self._group_sums = {name: _Sum(n_groups) for name in ("log_loss", "accuracy")}
        self.n_samples = 0
        self._weight = _Sum()
        self._sums = {name: _Sum() for name in ("log_loss", "accuracy", "top_k_accuracy", "brier")}
        self._bin_count = np.zeros(self.n_bins, dtype=np.int64)
        self._bins = {name: _Sum(self.n_bins) for name in ("weight", "confidence", "hits")}
        n_classes = self._n_classes()
        self._support = np.zeros(n_classes, dtype=np.int64)
        self._classes = {name: _Sum(n_classes) for name in ("weight", "log_loss", "accuracy")}

    def _n_classes(self):
        if self._task in (None, "grouped"):
            return 0
        return 2 if self._task == "binary" else self._n_columns

    def _fresh(self, task, n_columns, sizes=None):
        part = object.__new__(StreamingScores)
        part.__dict__.update(
            {
                k: v
                for k, v in self.__dict__.items()
                if k
                in (
                    "task",
                    "inputs",
                    "k",
                    "n_bins",
                    "metrics",
                    "n_threads",
                    "labels",
                    "_sorter",
                    "_sorted",
                    "_edges",
                    "groups",
                )
            }
        )
        part._buffer = self._buffer
        part._reset(task, n_columns, sizes)
        return part

    # -- feeding ------------------------------------------------------------

    def update(self, y_true, y_pred, sample_weight=None):
        """Add a chunk.

        Parameters
        ----------
        y_true : array_like or scipy.sparse matrix
            Labels (N,), or 0/1 targets (N, K) (dense or scipy.sparse) for
            multilabel, or (N, G) class indices for grouped.
        y_pred : array_like of shape (N,) or (N, C)
            Logits or probabilities, as ``inputs`` says.
        sample_weight : array_like of shape (N,), optional
            Non-negative weight of each sample.

        Returns
        -------
        StreamingScores
            ``self``, so calls chain.

        Raises
        ------
        ValueError
            If the chunk disagrees with the task decided so far, the lengths
            differ, or a label or probability is out of range.
        """
        if self.task == "grouped":
            return self._update_grouped(y_true, y_pred, sample_weight)
        pred = V.as_float_array(y_pred, "y_pred")
        sparse = V._is_sparse(y_true)
        truth = V.checked_csr(y_true, "y_true") if sparse else _label_array(y_true)
        if pred.ndim == 2 and pred.shape[1] == 1 and truth.ndim == 1:
            pred = pred.reshape(-1)  # one score column against labels: binary
        if pred.ndim not in (1, 2):
            raise ValueError(
                f"y_pred must be 1-D (n_samples,) or 2-D (n_samples, n_columns); "
                f"got shape {pred.shape}"
            )
        task, n_columns = self._decide(truth, pred, sparse)
        n = pred.shape[0]
        if truth.shape[0] != n:
            raise ValueError(
                f"y_true has {truth.shape[0]} rows but y_pred has {n}; they must match"
            )
        w = None
        if sample_weight is not None:
            w = self._check_weight(sample_weight, n)
        part = self._fresh(task, n_columns)
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            part._add_block(
                truth[start:stop],
                pred[start:stop],
                None if w is None else w[start:stop],
                self.n_samples + start,
            )
        self._buffer = part._buffer  # keep the scratch block for the next chunk
        if self._task is None:  # decided by this chunk, now that it was valid
            self._reset(task, n_columns)
        self._merge_sums(part)
        return self

    def _update_grouped(self, y_true, y_pred, sample_weight):
        pred, sizes, shape = _logits_layout(
            y_pred, None if self.groups is None else self.groups.tolist(), name="y_pred"
        )
        if self._sizes is not None and not np.array_equal(sizes, self._sizes):
            raise ValueError(
                f"this chunk has y_pred of shape {shape} (groups {sizes.tolist()}), "
                f"but the scores were started with groups {self._sizes.tolist()}"
            )
        if V._is_sparse(y_true):
            raise TypeError(
                "y_true for task 'grouped' must be a dense (n_samples, n_groups) "
                "array of class indices; got a sparse matrix"
            )
        truth = _label_array(y_true)
        n = pred.shape[0]
        if truth.ndim != 2 or truth.shape != (n, sizes.shape[0]):
            raise ValueError(
                f"y_true for task 'grouped' must have shape (n_samples, n_groups) = "
                f"({n}, {sizes.shape[0]}); got shape {truth.shape}"
            )
        w = None if sample_weight is None else self._check_weight(sample_weight, n)
        part = self._fresh("grouped", pred.shape[1], sizes)
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            part._add_block(
                truth[start:stop],
                pred[start:stop],
                None if w is None else w[start:stop],
                self.n_samples + start,
            )
        if self._task is None:
            self._reset("grouped", pred.shape[1], sizes)
        self._merge_sums(part)
        return self

    def _decide(self, truth, pred, sparse):
        task = self.task
        if task == "auto":
            if self._task is not None:
                task = self._task
            elif pred.ndim == 1:
                task = "binary"
            elif truth.ndim == 1:
                task = "multiclass"
            else:
                task = "multilabel"
                # a few rows can be one-hot by chance: only a chunk of 100+ rows warns
                if (
                    not sparse
                    and truth.ndim == 2
                    and truth.shape[0] >= 100
                    and truth.shape[1] > 2
                    and truth.dtype.kind in "biuf"
                    and np.all(truth.sum(axis=1) == 1)
                ):
                    warnings.warn(
                        "task='auto': the 2-D y_true rows are one-hot, which is scored "
                        "as multilabel (independent sigmoids); pass "
                        "task='multiclass' if y_pred holds softmax outputs",
                        UserWarning,
                        stacklevel=3,
                    )
        want_pred = 1 if task == "binary" else 2
        if pred.ndim != want_pred:
            raise ValueError(
                f"y_pred has shape {pred.shape} but task {task!r} needs "
                f"{'(n_samples,)' if want_pred == 1 else '(n_samples, n_columns)'}"
            )
        if task in ("binary", "multiclass") and sparse:
            raise TypeError(f"y_true for task {task!r} must be 1-D labels; got a sparse matrix")
        if task == "binary" and truth.ndim != 1:
            raise ValueError(f"y_true for task 'binary' must be 1-D; got shape {truth.shape}")
        if (
            task == "multiclass"
            and truth.ndim != 1
            and not (truth.ndim == 2 and truth.shape[1] == pred.shape[1])
        ):
            raise ValueError(
                f"y_true for task 'multiclass' must be 1-D labels or one-hot rows "
                f"of y_pred's shape; got shape {truth.shape}"
            )
        if task == "multilabel" and (truth.ndim != 2 or truth.shape[1] != pred.shape[1]):
            raise ValueError(
                f"y_true for task 'multilabel' must be (n_samples, {pred.shape[1]}) "
                f"0/1 targets like y_pred; got shape {truth.shape}"
            )
        n_columns = 1 if task == "binary" else pred.shape[1]
        if self._task is not None and (task != self._task or n_columns != self._n_columns):
            raise ValueError(
                f"this chunk is {task!r} with y_pred of shape {pred.shape}, but the "
                f"scores were started as {self._task!r} with {self._n_columns} "
                "column(s) per sample"
            )
        if self.labels is not None and task != "binary" and self.labels.shape[0] != n_columns:
            raise ValueError(
                f"labels has {self.labels.shape[0]} entries but y_pred has {n_columns} columns"
            )
        if self.labels is not None and task == "binary" and self.labels.shape[0] != 2:
            raise ValueError(
                f"labels for a binary task must be [negative, positive]; got "
                f"{self.labels.tolist()!r}"
            )
        if task == "multiclass" and n_columns < 2:
            raise ValueError("task 'multiclass' needs y_pred with at least 2 columns; got 1")
        return task, n_columns

    def _check_weight(self, sample_weight, n):
        if V._is_sparse(sample_weight):
            raise TypeError("sample_weight must be a dense 1-D array; got a sparse matrix")
        w = np.asarray(sample_weight)
        if w.dtype.kind not in "biuf":
            raise TypeError(f"sample_weight must be numeric; got dtype={w.dtype}")
        w = np.ascontiguousarray(w, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},); got shape {w.shape}")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            i = _first(bad)
            raise ValueError(
                f"sample_weight row {self.n_samples + i} = {w[i]!r}: weights must "
                "be finite and non-negative"
            )
        return w

    # -- one block ------------------------------------------------------------

    def _scratch(self, n, c, dtype):
        buf = self._buffer
        if buf is None or buf.dtype != dtype or buf.shape[1:] != (c,) or buf.shape[0] < n:
            buf = self._buffer = np.empty((max(n, min(_BLOCK, 4096)), c), dtype=dtype)
        return buf[:n]

    def _check_probabilities(self, p, row0):
        lo, hi = p.min(), p.max()
        if np.isnan(lo) or lo < 0 or hi > 1:
            flat_bad = np.isnan(p) | (p < 0) | (p > 1)
            row = _first(flat_bad.any(axis=1) if p.ndim == 2 else flat_bad)
            raise ValueError(
                f"y_pred row {row0 + row}: probabilities must be in [0, 1]; got "
                f"{np.asarray(p[row]).tolist()!r}"
            )

    def _checked_total(self, per_row, pred, w, row0):
        """(sum_i w_i l_i, per_row): a NaN loss is a bad row (NaN in y_pred or
        logits whose loss is undefined, e.g. two +inf); an infinite loss of
        a zero-weight row counts as 0, not as 0 * inf = NaN."""
        total = self._wsum(per_row, w)
        if not np.isnan(total):
            return total, per_row
        nan = np.isnan(per_row)
        if nan.any():
            row = _first(nan)
            values = np.asarray(pred[row])
            what = (
                "contains NaN"
                if np.isnan(values).any()
                else "has infinite logits for which the loss is undefined"
            )
            shown = values.tolist() if values.size <= 8 else f"{values.size} values"
            raise ValueError(f"y_pred row {row0 + row} {what}: {shown}")
        per_row = np.where(w > 0, per_row, 0)
        return self._wsum(per_row, w), per_row

    def _add_block(self, truth, pred, w, row0):
        n = pred.shape[0]
        if n == 0:
            return
        if self.inputs == "probabilities":
            self._check_probabilities(pred, row0)
        # logits: the per-row loss is always computed, as the NaN detector
        if self._task == "grouped":
            self._grouped(truth, pred, w, row0)
        elif self._task == "multiclass":
            self._multiclass(self._class_indices(truth, n, row0), pred, w, row0)
        elif self._task == "binary":
            self._binary(self._binary_targets(truth, row0), pred, w, row0)
        else:
            self._multilabel(self._indicator(truth, pred.dtype, row0), pred, w, row0)
        self.n_samples += n
        self._weight.add(float(n) if w is None else np.sum(w))

    def _wsum(self, values, w):
        """sum_i w_i values_i in float64 (pairwise / BLAS within the block)."""
        if w is None:
            if values.dtype == bool:  # hits: an exact count, no float copy
                return float(np.count_nonzero(values))
            return np.sum(values, dtype=np.float64)
        with np.errstate(invalid="ignore"):  # 0 * inf: the caller sees the NaN
            return np.dot(w, values.astype(np.float64, copy=False))

    def _bin_ids(self, conf):
        """np.searchsorted(edges[1:-1], conf) (the bin whose (lower, upper]
        holds conf; bin 0 also holds 0) at a fraction of its cost:
        floor(conf * B) is the bin or a neighbour, one comparison with each
        edge settles it."""
        edges, last = self._edges, self.n_bins - 1
        f = np.minimum((conf.astype(np.float64) * self.n_bins).astype(np.intp), last)
        np.maximum(f, 0, out=f)
        f -= (conf <= edges[f]) & (f > 0)
        f += (conf > edges[f + 1]) & (f < last)
        return f

    def _bin(self, conf, hits, w):
        # bincount casts float32 weights to float64 itself; unweighted hits
        # are counted (exact) rather than summed as floats
        ids = self._bin_ids(conf)
        counts = np.bincount(ids, minlength=self.n_bins)
        self._bin_count += counts
        if w is None:
            self._bins["weight"].add(counts.astype(np.float64))
            self._bins["confidence"].add(np.bincount(ids, weights=conf, minlength=self.n_bins))
            hit_ids = ids[hits.astype(bool, copy=False)]
            self._bins["hits"].add(np.bincount(hit_ids, minlength=self.n_bins).astype(np.float64))
            return
        self._bins["weight"].add(np.bincount(ids, weights=w, minlength=self.n_bins))
        self._bins["confidence"].add(np.bincount(ids, weights=w * conf, minlength=self.n_bins))
        self._bins["hits"].add(np.bincount(ids, weights=w * hits, minlength=self.n_bins))

    def _per_class(self, idx, w, per_row_loss, correct, n_classes):
        support = np.bincount(idx, minlength=n_classes)
        self._support += support
        self._classes["weight"].add(
            support.astype(np.float64)
            if w is None
            else np.bincount(idx, weights=w, minlength=n_classes)
        )
        if per_row_loss is not None:
            lw = per_row_loss if w is None else w * per_row_loss
            self._classes["log_loss"].add(np.bincount(idx, weights=lw, minlength=n_classes))
        if correct is not None:
            hits = (
                np.bincount(idx[correct], minlength=n_classes).astype(np.float64)
                if w is None
                else np.bincount(idx, weights=w * correct, minlength=n_classes)
            )
            self._classes["accuracy"].add(hits)

    # multiclass --------------------------------------------------------------

    def _class_indices(self, truth, n, row0):
        """Column index of each label (one-hot rows are read as their 1)."""
        c = self._n_columns
        if truth.ndim == 2:
            t = np.asarray(truth)
            ok = np.all((t == 0) | (t == 1), axis=1) & (t.sum(axis=1) == 1)
            if not ok.all():
                i = _first(~ok)
                raise ValueError(
                    f"y_true row {row0 + i} is not a one-hot row: {np.asarray(t[i]).tolist()!r}"
                )
            return np.argmax(t, axis=1).astype(np.intp)
        if self.labels is not None:
            return self._encode(truth, row0)
        kind = truth.dtype.kind
        if kind not in "biuf":
            raise TypeError(
                f"y_true holds {truth.dtype} values; pass labels=[...] (the class "
                "of each column) to score non-integer class values"
            )
        bad = (truth < 0) | (truth >= c)
        if kind == "f":
            bad |= ~(truth == np.round(truth))
        if bad.any():
            i = _first(bad)
            raise ValueError(
                f"y_true row {row0 + i} = {truth[i].item()!r} is not a class index "
                f"in [0, {c}) (y_pred has {c} columns; pass labels=[...] for other "
                "class values)"
            )
        return truth.astype(np.intp)

    def _encode(self, truth, row0):
        if (truth.dtype.kind in "OUS") != (self._sorted.dtype.kind in "OUS"):
            raise TypeError(
                f"y_true holds {truth.dtype} values but labels are {self._sorted.dtype}"
            )
        pos = np.searchsorted(self._sorted, truth)
        pos = np.minimum(pos, self._sorted.shape[0] - 1)
        bad = self._sorted[pos] != truth
        if bad.any():
            i = _first(bad)
            raise ValueError(
                f"y_true row {row0 + i} = {truth[i].item()!r} is not one of "
                f"labels {self.labels.tolist()!r}"
            )
        return self._sorter[pos].astype(np.intp)

    def _multiclass(self, idx, pred, w, row0):
        n, c = pred.shape
        logits = self.inputs == "logits"
        need = set(self.metrics)
        top_k = "top_k_accuracy" in need and self.k < c
        # one kernel pass gives every per-row number the metrics need (Design C)
        want = [
            name
            for name, used in (
                ("loss", logits),
                ("argmax", need & {"accuracy", "ece", "per_class"}),
                ("rank", top_k),
                ("p_top", "ece" in need),
                ("sq", "brier" in need),
            )
            if used
        ]
        stats = (
            row_stats(pred, idx, want=want, probabilities=not logits, n_threads=self.n_threads)
            if want
            else {}
        )
        loss = stats.get("loss")  # logits: always computed, as the NaN detector
        if loss is None and need & {"log_loss", "per_class"}:
            loss = categorical_cross_entropy(pred, idx, reduction="none", n_threads=self.n_threads)
        if loss is not None:
            total, loss = self._checked_total(loss, pred, w, row0)
            self._sums["log_loss"].add(total)
        correct = None
        if "argmax" in stats:
            correct = stats["argmax"] == idx
            self._sums["accuracy"].add(self._wsum(correct, w))
        if "top_k_accuracy" in need:
            hits = stats["rank"] < self.k if top_k else np.ones(n, dtype=bool)
            self._sums["top_k_accuracy"].add(self._wsum(hits, w))
        if "ece" in need:
            self._bin(stats["p_top"], correct, w)
        if "brier" in need:
            self._sums["brier"].add(self._wsum(stats["sq"], w))
        if "per_class" in need:
            self._per_class(idx, w, loss, correct, c)

    # binary ------------------------------------------------------------------

    def _binary_targets(self, truth, row0):
        if self.labels is not None:
            pos = self._encode(truth, row0)  # column 0 = negative, 1 = positive
            return pos.astype(np.float64)
        if truth.dtype.kind not in "biuf":
            raise TypeError(
                f"y_true holds {truth.dtype} values; pass labels=[negative, "
                "positive] to score them"
            )
        bad = (truth != 0) & (truth != 1)
        if bad.any():
            i = _first(bad)
            raise ValueError(
                f"y_true row {row0 + i} = {truth[i].item()!r} is not 0 or 1 (pass "
                "labels=[negative, positive] for other class values)"
            )
        return truth.astype(np.float64)

    def _binary(self, t, pred, w, row0):
        n = pred.shape[0]
        logits = self.inputs == "logits"
        need = set(self.metrics)
        tt = t.astype(pred.dtype)
        loss = None
        if need & {"log_loss", "per_class"} or logits:
            if logits:
                loss = sigmoid_cross_entropy(pred, tt, reduction="none", n_threads=self.n_threads)
            else:
                loss = binary_cross_entropy(pred, tt, reduction="none", n_threads=self.n_threads)
            total, loss = self._checked_total(loss, pred, w, row0)
            self._sums["log_loss"].add(total)
        correct = (pred > (0.0 if logits else 0.5)) == (t == 1)
        self._sums["accuracy"].add(self._wsum(correct, w))
        if need & {"brier", "ece"}:
            if logits:
                prob = sigmoid(
                    pred, out=self._scratch(n, 1, pred.dtype).reshape(-1), n_threads=self.n_threads
                )
            else:
                prob = pred
            if "ece" in need:
                self._bin(prob, t, w)
            if "brier" in need:
                err = np.subtract(prob, t, dtype=np.float64)
                self._sums["brier"].add(self._wsum(err * err, w))
        if "per_class" in need:
            self._per_class(t.astype(np.intp), w, loss, correct, 2)

    # multilabel --------------------------------------------------------------

    def _indicator(self, truth, dtype, row0):
        """The block's 0/1 targets as a dense array (one block, never the whole)."""
        t = truth.toarray() if V._is_sparse(truth) else np.asarray(truth)
        if t.dtype.kind not in "biuf":
            raise TypeError(f"y_true must hold 0/1 targets; got dtype={t.dtype}")
        bad = (t != 0) & (t != 1)
        if bad.any():
            i = _first(bad.any(axis=1))
            raise ValueError(
                f"y_true row {row0 + i} holds values other than 0 and 1: "
                f"{np.asarray(t[i]).tolist()!r}"
            )
        return V.rows_contiguous(t.astype(dtype, copy=False))

    def _multilabel(self, t, pred, w, row0):
        n, k = pred.shape
        logits = self.inputs == "logits"
        need = set(self.metrics)
        loss = None
        if need & {"log_loss", "per_class"} or logits:
            if logits:
                loss = sigmoid_cross_entropy(pred, t, reduction="none", n_threads=self.n_threads)
            else:
                loss = binary_cross_entropy(pred, t, reduction="none", n_threads=self.n_threads)
            total, _ = self._checked_total(loss.sum(axis=1, dtype=np.float64), pred, w, row0)
            if w is not None and not np.isfinite(loss).all():
                loss = np.where(w[:, None] > 0, loss, 0)
            self._sums["log_loss"].add(total)
        positive = t == 1
        right = (pred > (0.0 if logits else 0.5)) == positive
        self._sums["accuracy"].add(self._wsum(right.all(axis=1), w))
        if need & {"brier", "ece"}:
            if logits:
                prob = sigmoid(pred, out=self._scratch(n, k, pred.dtype), n_threads=self.n_threads)
            else:
                prob = pred
            if "ece" in need:
                self._bin(
                    prob.reshape(-1), positive.reshape(-1), None if w is None else np.repeat(w, k)
                )
            if "brier" in need:
                err = np.subtract(prob, t, dtype=np.float64)
                self._sums["brier"].add(self._wsum(np.einsum("ij,ij->i", err, err), w))
        if "per_class" in need:
            ones = np.ones(n) if w is None else w
            self._support += np.count_nonzero(positive, axis=0)
            self._classes["weight"].add(ones @ positive.astype(np.float64))
            if loss is not None:
                self._classes["log_loss"].add(ones @ loss.astype(np.float64))
            self._classes["accuracy"].add(ones @ right.astype(np.float64))

    # grouped -----------------------------------------------------------------

    def _grouped(self, truth, pred, w, row0):
        n = pred.shape[0]
        sizes = self._sizes
        try:
            lab, _ = _check_grouped_labels(truth, n, sizes, None, name="y_true")
        except ValueError as exc:  # the block's row -> the stream's row
            raise ValueError(
                re.sub(r"^y_true\[(\d+),", lambda m: f"y_true[{row0 + int(m.group(1))},", str(exc))
            ) from None
        need = set(self.metrics)
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        if self.inputs == "logits":
            # the kernel's per-entry losses, bit-identical to reduction="none"
            loss = _compute_grouped(
                pred, sizes, lab, None, 0, 0.0, 0.0, "none", V.resolve_n_threads(self.n_threads)
            )[0]
        else:
            idx = lab.astype(np.intp)
            loss = np.stack(
                [
                    categorical_cross_entropy(
                        pred[:, offsets[g] : offsets[g + 1]],
                        idx[:, g],
                        reduction="none",
                        n_threads=self.n_threads,
                    )
                    for g in range(sizes.shape[0])
                ],
                axis=1,
            )
        total, _ = self._checked_total(loss.sum(axis=1, dtype=np.float64), pred, w, row0)
        if w is not None and not np.isfinite(loss).all():
            loss = np.where(w[:, None] > 0, loss, 0)  # inf at weight 0 counts as 0
        ones = np.ones(n) if w is None else w
        self._sums["log_loss"].add(total)
        self._group_sums["log_loss"].add(ones @ loss.astype(np.float64))
        if "accuracy" in need:
            if (sizes == sizes[0]).all():  # one argmax over (N, G, C): 1.4-2.4x the slices
                guess = pred.reshape(n, sizes.shape[0], -1).argmax(axis=2)
            else:
                guess = np.stack(
                    [
                        np.argmax(pred[:, offsets[g] : offsets[g + 1]], axis=1)
                        for g in range(sizes.shape[0])
                    ],
                    axis=1,
                )
            right = guess == lab
            self._sums["accuracy"].add(self._wsum(right.all(axis=1), w))
            self._group_sums["accuracy"].add(ones @ right.astype(np.float64))

    # -- combining, results, state --------------------------------------------

    def _merge_sums(self, other):
        self.n_samples += other.n_samples
        self._weight.merge(other._weight)
        for name, s in self._sums.items():
            s.merge(other._sums[name])
        self._bin_count += other._bin_count
        for name, s in self._bins.items():
            s.merge(other._bins[name])
        self._support += other._support
        for name, s in self._classes.items():
            s.merge(other._classes[name])
        for name, s in self._group_sums.items():
            s.merge(other._group_sums[name])

    def merge(self, other):
        """Add the sums of another instance with the same options.

        For partial results of other threads, processes or machines.

        Parameters
        ----------
        other : StreamingScores
            Scores made with the same options.

        Returns
        -------
        StreamingScores
            ``self``.

        Raises
        ------
        TypeError
            If ``other`` is not a StreamingScores.
        ValueError
            If the options differ.
        """
        if not isinstance(other, StreamingScores):
            raise TypeError(f"merge needs a StreamingScores; got {type(other).__name__}")
        if other._config() != self._config():
            raise ValueError(
                f"cannot merge scores with different options: {self._config()} "
                f"vs {other._config()}"
            )
        if other._task is None:
            return self
        if self._task is None:
            self._reset(other._task, other._n_columns, other._sizes)
        elif (self._task, self._n_columns) != (other._task, other._n_columns) or (
            self._sizes is not None and not np.array_equal(self._sizes, other._sizes)
        ):
            raise ValueError(
                f"cannot merge {self._task!r} scores with {self._n_columns} "
                f"column(s) and {other._task!r} scores with {other._n_columns}"
            )
        self._merge_sums(other)
        return self

    def result(self):
        """The metrics, as a plain dict of Python numbers.

        Returns
        -------
        dict
            ``task``, ``inputs``, ``n_samples``, ``weight_sum``, ``log_loss``,
            ``accuracy``, ``top_k_accuracy`` and ``k`` (multiclass), ``brier``,
            ``ece`` and ``reliability`` (per bin: ``bin_edges``, ``count``,
            ``weight``, ``confidence``, ``accuracy``), ``per_class`` (or
            ``per_group`` for grouped), restricted to ``metrics``; NaN where a
            value is undefined (no data).
        """
        task = self._task or (self.task if self.task != "auto" else None)
        weight = float(self._weight.value())
        if self._task == "grouped":
            decisions = weight * self._sizes.shape[0]  # one decision per (sample, group)
        else:
            decisions = weight * (self._n_columns if self._task == "multilabel" else 1)
        out = {
            "task": task,
            "inputs": self.inputs,
            "n_samples": int(self.n_samples),
            "weight_sum": weight,
        }

        def ratio(num, den):
            return float(num / den) if den > 0 else float("nan")

        if "log_loss" in self.metrics:
            out["log_loss"] = ratio(self._sums["log_loss"].value(), decisions)
        if "accuracy" in self.metrics:
            out["accuracy"] = ratio(self._sums["accuracy"].value(), weight)
        if "top_k_accuracy" in self.metrics and task in ("multiclass", None):
            out["top_k_accuracy"] = ratio(self._sums["top_k_accuracy"].value(), weight)
            out["k"] = self.k
        if task == "grouped":
            return self._grouped_result(out, weight, ratio)
        if "brier" in self.metrics:
            brier = ratio(self._sums["brier"].value(), decisions)
            if self._task == "multiclass" and self._n_columns == 2:
                brier *= 0.5  # sklearn's scale_by_half="auto": two classes are scaled
            out["brier"] = brier
        if "ece" in self.metrics:
            bw = self._bins["weight"].value()
            conf, hits = self._bins["confidence"].value(), self._bins["hits"].value()
            out["ece"] = ratio(np.sum(np.abs(hits - conf)), decisions)
            with np.errstate(invalid="ignore", divide="ignore"):
                out["reliability"] = {
                    "bin_edges": self._edges.tolist(),
                    "count": self._bin_count.tolist(),
                    "weight": bw.tolist(),
                    "confidence": np.where(bw > 0, conf / bw, np.nan).tolist(),
                    "accuracy": np.where(bw > 0, hits / bw, np.nan).tolist(),
                }
        if "per_class" in self.metrics and self._task is not None:
            out["per_class"] = self._per_class_result(weight)
        return out

    def _grouped_result(self, out, weight, ratio):
        """Adds per_group; top-k, Brier, ECE and per-class are not defined."""
        if self._task is None:
            return out
        per_group = []
        for g, size in enumerate(self._sizes.tolist()):
            entry = {"size": size}
            for name in ("log_loss", "accuracy"):
                if name in self.metrics:
                    entry[name] = ratio(self._group_sums[name].value()[g], weight)
            per_group.append(entry)
        out["per_group"] = per_group
        return out

    def _per_class_result(self, weight):
        cw = self._classes["weight"].value()
        den = np.full(cw.shape, weight) if self._task == "multilabel" else cw
        with np.errstate(invalid="ignore", divide="ignore"):

            def mean(name):
                return np.where(den > 0, self._classes[name].value() / den, np.nan).tolist()

            if self.labels is not None:
                names = self.labels.tolist()
            else:
                names = list(range(self._n_classes()))
            return {
                "labels": names,
                "support": self._support.tolist(),
                "weight": cw.tolist(),
                "log_loss": mean("log_loss"),
                "accuracy": mean("accuracy"),
            }

    def to_dict(self):
        """The state as a JSON-serialisable dict.

        ``json.dumps`` / ``json.loads`` round-trips it exactly; use it to
        checkpoint a long job or ship partial results.

        Returns
        -------
        dict
            Options, decided task and every compensated sum.

        See Also
        --------
        from_dict
        """
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "config": self._config(),
            "decided_task": self._task,
            "n_columns": self._n_columns,
            "n_samples": int(self.n_samples),
            "weight": self._weight.to_json(),
            "sums": {name: s.to_json() for name, s in self._sums.items()},
            "bin_count": self._bin_count.tolist(),
            "bins": {name: s.to_json() for name, s in self._bins.items()},
            "support": self._support.tolist(),
            "classes": {name: s.to_json() for name, s in self._classes.items()},
            "group_sizes": None if self._sizes is None else self._sizes.tolist(),
            "groups": {name: s.to_json() for name, s in self._group_sums.items()},
        }

    @classmethod
    def from_dict(cls, state):
        """Rebuild an instance from :meth:`to_dict` output.

        Parameters
        ----------
        state : dict
            What ``to_dict()`` returned, possibly after a JSON round trip.

        Returns
        -------
        StreamingScores
            An instance that continues where the saved one stopped.

        Raises
        ------
        ValueError
            If ``state`` was not made by ``to_dict`` or by a version of xentc
            with another state format.

        Examples
        --------
        >>> import json
        >>> import numpy as np
        >>> from xentc.scoring import StreamingScores
        >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [1.0, 0.2, 0.3], [0.1, 2.0, 0.0]])
        >>> labels = np.array([0, 2, 1, 1])
        >>> saved = json.dumps(StreamingScores(k=2).update(labels[:2], logits[:2]).to_dict())
        >>> resumed = StreamingScores.from_dict(json.loads(saved)).update(labels[2:], logits[2:])
        >>> round(resumed.result()["log_loss"], 6)
        0.531893
        """
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(
                f"state must be a dict made by StreamingScores.to_dict() (format "
                f"{_FORMAT!r}); got {type(state).__name__}"
            )
        if state.get("version") != _VERSION:
            raise ValueError(
                f"state version {state.get('version')!r} is not supported "
                f"(this xentc reads version {_VERSION})"
            )
        try:
            cfg = state["config"]
            self = cls(
                task=cfg["task"],
                inputs=cfg["inputs"],
                labels=cfg["labels"],
                k=cfg["k"],
                n_bins=cfg["n_bins"],
                metrics=cfg["metrics"],
                groups=cfg.get("groups"),
            )
            task, n_columns = state["decided_task"], state["n_columns"]
            if task is not None:
                _check_choice("decided_task", task, TASKS[1:])
                sizes = None
                if task == "grouped":
                    sizes = _check_groups(state["group_sizes"])
                    if sizes.sum() != n_columns:
                        raise ValueError(
                            f"state group_sizes {sizes.tolist()} do not sum to "
                            f"n_columns={n_columns}"
                        )
                self._reset(task, _check_int("n_columns", n_columns, 1), sizes)
            self.n_samples = _check_int("n_samples", state["n_samples"], 0)
            self._weight = _Sum.from_json(state["weight"])
            self._sums = {name: _Sum.from_json(state["sums"][name]) for name in self._sums}
            self._bin_count = np.asarray(state["bin_count"], dtype=np.int64).reshape(self.n_bins)
            self._bins = {
                name: _Sum.from_json(state["bins"][name], self.n_bins) for name in self._bins
            }
            nc = self._n_classes()
            self._support = np.asarray(state["support"], dtype=np.int64).reshape(nc)
            self._classes = {
                name: _Sum.from_json(state["classes"][name], nc) for name in self._classes
            }
            ng = 0 if self._sizes is None else self._sizes.shape[0]
            groups = state.get("groups") or {}  # absent in states of other tasks
            self._group_sums = {
                name: _Sum.from_json(groups[name], ng) if ng else _Sum(0)
                for name in self._group_sums
            }
        except (KeyError, TypeError) as exc:
            raise ValueError(f"state is incomplete or malformed: {exc!r}") from exc
        return self

    def __repr__(self):
        return (
            f"StreamingScores(task={self.task!r}, inputs={self.inputs!r}, k={self.k}, "
            f"n_bins={self.n_bins}, n_samples={self.n_samples})"
        )


def _label_array(y):
    """Labels as an ndarray (pandas/pyarrow columns included)."""
    if isinstance(y, np.ndarray):
        return y
    if hasattr(y, "to_numpy"):
        return np.asarray(y.to_numpy())
    return np.asarray(y)
