"""Per-row scoring statistics from one pass over each row (src/rowstats_body.h).

Internal and unchecked: scoring.py and metrics.py have validated the
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

__all__ = ["WANTS", "argmax_rows", "row_stats"]

WANTS = ("loss", "argmax", "top", "rank", "p_top", "sq")
_NEEDS_LABELS = ("loss", "rank")


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
