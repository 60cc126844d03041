"""Argument checking shared by every public function.

Every decision about dtype, shape, layout and value lives here or in the
public modules, so that the Cython layer sees only what its kernels accept
(float32/float64 data with contiguous rows, int64 labels, float64 row
weights) and a user never sees a raw Cython buffer error. Messages name the
argument, what was expected and what was found.
"""
import numbers

import numpy as np

from . import _config, _kernels

REDUCTIONS = ("none", "sum", "mean")
_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _is_sparse(x):
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


def float_dtype_for(dtype, name):
    """The computation dtype for an input of `dtype`: float32/float64 kept,
    float16 -> float32, bool/integers -> float64; anything else is refused."""
    dtype = np.dtype(dtype)
    if dtype == np.float32 or dtype == np.float64:
        return dtype.newbyteorder("=")
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind == "f":
        raise TypeError(f"{name} must be float16, float32 or float64; got dtype={dtype} "
                        f"(cast it to float64 first)")
    raise TypeError(f"{name} must be a real floating-point array; got dtype={dtype}")


def as_float_array(x, name, dtype=None):
    """Array of a computation dtype (see float_dtype_for), or of `dtype`."""
    if type(x) is np.ndarray and dtype is None and x.dtype in _NATIVE_FLOATS:
        return x
    if _is_sparse(x):
        raise TypeError(f"{name} must be a dense array; got a scipy.sparse {type(x).__name__}")
    arr = np.asarray(x)
    target = float_dtype_for(arr.dtype, name) if dtype is None else dtype
    if arr.dtype != target:
        arr = arr.astype(target)
    return arr


def rows_contiguous(arr):
    """A 2-D view/copy whose rows are contiguous and aligned (kernel layout).
    Row stride may be anything (row slices and negative steps need no copy)."""
    item = arr.itemsize
    if (arr.ndim == 2 and arr.flags.aligned and arr.dtype.isnative
            and (arr.strides[1] == item or arr.shape[1] <= 1)
            and arr.strides[0] % item == 0):
        if arr.shape[1] <= 1 and arr.strides[1] != item:
            return np.ascontiguousarray(arr)
        return arr
    return np.ascontiguousarray(arr)


def flat_contiguous(arr):
    return arr if (arr.flags.c_contiguous and arr.flags.aligned) else np.ascontiguousarray(arr)


def check_2d(arr, name, what="(n_samples, n_classes)"):
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D {what}; got shape {arr.shape}")
    return arr


def check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
    return reduction


def check_smoothing(label_smoothing):
    if type(label_smoothing) is float and 0.0 <= label_smoothing <= 1.0:
        return label_smoothing
    if isinstance(label_smoothing, (bool, np.bool_)) or not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"label_smoothing must be a float in [0, 1]; got {label_smoothing!r}")
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1]; got {label_smoothing!r}")
    return eps


def resolve_n_threads(n_threads):
    """None -> the OpenMP default (honours OMP_NUM_THREADS and threadpoolctl)."""
    if n_threads is None:
        return _config.default_n_threads()
    if type(n_threads) is int and n_threads >= 1:
        return n_threads
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads must be None or a positive int; got {n_threads!r}")
    if n_threads < 1:
        raise ValueError(f"n_threads must be None or a positive int; got {n_threads}")
    return int(n_threads)


def check_weights(w, name, length, dtype=np.float64):
    """1-D, finite, non-negative weights of the given length."""
    if _is_sparse(w):
        raise TypeError(f"{name} must be a dense 1-D array; got a scipy.sparse matrix")
    arr = np.asarray(w)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype={arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"{name} must have shape ({length},); got shape {arr.shape}")
    if length and not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; got {arr[bad]} at position {bad}")
    if length and (arr < 0).any():
        bad = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"{name} must be non-negative; got {arr[bad]} at position {bad}")
    return arr


def check_labels(labels, n_samples, n_classes, ignore_index=None, name="labels", source="logits"):
    """int64 labels with ignored entries set to -1, after checking that every
    other label lies in [0, n_classes). The input is never modified: int64
    labels without ignore_index are used as they are, anything else is copied.
    Returns (labels, ignored mask or None)."""
    if _is_sparse(labels):
        raise TypeError(f"{name} must be a 1-D array of class indices; got a scipy.sparse matrix")
    lab = labels if type(labels) is np.ndarray else np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape ({n_samples},); got shape {lab.shape}")
    if lab.shape[0] != n_samples:
        raise ValueError(f"{name} has {lab.shape[0]} entries but the {source} have "
                         f"{n_samples} rows; they must match")
    kind = lab.dtype.kind
    if kind == "f":
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must be integers (class indices); got non-integral "
                             f"value {lab[i].item()!r} at position {i}")
        out = np.clip(lab, -2.0**62, 2.0**62).astype(np.int64)
    elif kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices; got dtype={lab.dtype}")
    elif (lab.dtype == np.int64 and lab.dtype.isnative and lab.flags.c_contiguous
          and lab.flags.aligned and ignore_index is None):
        out = lab
    else:
        out = np.array(lab, dtype=np.int64)  # a copy: the input is never modified
    if ignore_index is not None:
        ignore_index = int(ignore_index)
        if out is lab:
            out = lab.copy()
    bad = _kernels.check_labels(out, n_classes, ignore_index)
    if bad >= 0:
        extra = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise ValueError(f"{name}[{bad}] = {lab[bad].item()!r} is out of range: class indices must "
                         f"be in [0, {n_classes}){extra} (n_classes={n_classes} from the {source})")
    return out, ((out == -1) if ignore_index is not None else None)


def check_out(out, shape, dtype, name="out"):
    """`out` must be an ndarray of `shape` and `dtype` with contiguous rows."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray; got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {out.shape}")
    if out.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)}; got {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return out


def csr_targets(targets, shape, dtype, name="targets"):
    """Canonical CSR (sorted indices, no duplicates) of the logits' dtype with
    int64 index arrays; never densified. Returns (indptr, indices, data)."""
    if targets.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)} like the logits; got {targets.shape}")
    csr = targets.tocsr()
    if not csr.has_canonical_format:
        csr = csr.copy()
        csr.sum_duplicates()
    data = np.ascontiguousarray(csr.data, dtype=dtype)
    if data.dtype.kind != "f":
        raise TypeError(f"{name} must hold numbers; got dtype={csr.data.dtype}")
    return (np.ascontiguousarray(csr.indptr, dtype=np.int64),
            np.ascontiguousarray(csr.indices, dtype=np.int64), data)


def check_range(arr, name, lo, hi):
    """Values in [lo, hi] (NaN passes: it propagates to the loss instead)."""
    if arr.size == 0:
        return
    mn, mx = np.min(arr), np.max(arr)
    if mn < lo or mx > hi:
        flat = np.asarray(arr).ravel()
        i = int(np.flatnonzero((flat < lo) | (flat > hi))[0])
        pos = np.unravel_index(i, np.shape(arr))
        pos = pos[0] if len(pos) == 1 else pos
        raise ValueError(f"{name} must be in [{lo}, {hi}]; got {flat[i].item()!r} at position {pos}")
