"""Per-row scoring statistics from one pass over each row (src/body_rowstats.h).

Internal and unchecked: scoring.py, xentc.metrics and compat.keras have validated the
arrays (2-D float32/float64 scores, labels in [0, C)) before they call
here. One kernel call yields any subset of: the loss lse - x_y (bit-identical
to sparse_softmax_cross_entropy(reduction="none")), the argmax (np.argmax's
rule, NaN included) and the score there (NaN for a row holding NaN), the
rank of the label under scikit-learn's top-k ties
(label in the top k iff rank < k), the top-label probability and the squared
error sum_j (p_j - [j = y])^2 (sum_j p_j^2 without labels).
"""

import numpy as np

from . import _kernels
from . import _validation as V

__all__ = ["WANTS", "argmax_rows", "in_top_k", "row_stats"]

WANTS = ("loss", "argmax", "top", "rank", "p_top", "sq")
_NEEDS_LABELS = ("loss", "rank")
_ROW_CHUNK = 4096  # rows per block of in_top_k's NumPy path: its (rows, C) masks stay small


def row_stats(pred, labels=None, *, want, probabilities=False, n_threads=None):
    """dict name -> per-row array for each name in `want` (a subset of WANTS).

    pred: (N, C) float32/float64 logits (or probabilities); labels: (N,)
    integer class indices in [0, C), or None; "loss" is for logits only.
    """
    want = tuple(want)
    unknown = [w for w in want if w not in WANTS]
    if unknown:
        raise ValueError(f"want must name items of {WANTS}; got {unknown!r}")
    if labels is None and any(w in _NEEDS_LABELS for w in want):
        raise ValueError(f"{[w for w in want if w in _NEEDS_LABELS]} need labels")
    if probabilities and "loss" in want:
        raise ValueError("loss is computed from logits only")
    x = V.rows_contiguous(pred)
    n = x.shape[0]
    out = {
        "loss": np.empty(n, dtype=x.dtype) if "loss" in want else None,
        "argmax": np.empty(n, dtype=np.int64) if "argmax" in want else None,
        "top": np.empty(n, dtype=x.dtype) if "top" in want else None,
        "rank": np.empty(n, dtype=np.int64) if "rank" in want else None,
        "p_top": np.empty(n, dtype=x.dtype) if "p_top" in want else None,
        "sq": np.empty(n, dtype=np.float64) if "sq" in want else None,
    }
    lab = None
    if labels is not None:
        lab = np.ascontiguousarray(labels, dtype=np.int64)
    if n and x.shape[1]:
        _kernels.rowstats(
            x,
            lab,
            probabilities,
            out["loss"],
            out["argmax"],
            out["top"],
            out["rank"],
            out["p_top"],
            out["sq"],
            V.resolve_n_threads(n_threads),
        )
    return {name: out[name] for name in want}


def argmax_rows(pred, n_threads=None):
    """(np.argmax(pred, axis=1), whether pred holds NaN) for 2-D
    float32/float64 scores with at least one column, in one kernel pass (no
    exp): a row holding NaN has its first NaN as argmax, so the scores at
    the argmax hold NaN iff pred does."""
    st = row_stats(pred, want=("argmax", "top"), n_threads=n_threads)
    return st["argmax"], bool(np.isnan(st["top"]).any())


def in_top_k(scores, labels, k, *, ties):
    """Whether each row's label is among the k highest scores of its row.

    scores: (N, C); labels: (N,) integer class indices in [0, C), checked by
    the caller. A label is in the top k when fewer than k scores of its row
    rank above its own score; `ties` says which equal scores rank above:

    - "index": scikit-learn's top_k_accuracy_score rule, equal scores at a
      larger column index rank above (a stable ascending sort read
      backwards); float32/float64 scores go through the rowstats kernel,
      which counts the same way.
    - "in": Keras's in_top_k rule, only strictly larger scores rank above
      (ties count as in), and a NaN score at the label is out.
    """
    if ties not in ("index", "in"):
        raise ValueError(f"ties must be 'index' or 'in'; got {ties!r}")
    if ties == "index" and scores.dtype in (np.float32, np.float64):
        return row_stats(scores, labels, want=("rank",))["rank"] < k
    n, c = scores.shape
    hits = np.empty(n, dtype=bool)
    cols = np.arange(c)
    for r0 in range(0, n, _ROW_CHUNK):
        block = scores[r0 : r0 + _ROW_CHUNK]
        lab = labels[r0 : r0 + _ROW_CHUNK, None]
        own = np.take_along_axis(block, lab, axis=1)
        above = np.count_nonzero(block > own, axis=1)
        if ties == "index":
            above += np.count_nonzero((block == own) & (cols > lab), axis=1)
            hits[r0 : r0 + _ROW_CHUNK] = above < k
        else:
            hits[r0 : r0 + _ROW_CHUNK] = (above < k) & ~np.isnan(own[:, 0])
    return hits
