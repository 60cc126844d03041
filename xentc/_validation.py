"""Argument checking shared by every public function: the one validation
boundary (DESIGN.md section 5).

Every decision about dtype, shape, layout and value lives here or in the
public modules, so that the Cython layer sees only what its kernels accept
(float32/float64 data with contiguous rows, int64 indices, float64 row
weights) and a user never sees a raw Cython buffer error. Messages name the
argument, what was expected and what was found.

Design:
  A. Index arrays (labels, CSR indptr/indices, COO rows/cols) are never
     handed to a kernel as the caller gave them. They are read once, checked
     and written to a fresh int64 array in the same pass
     (``_kernels.copy_indices`` / ``copy_csr``); the kernels index with that
     private copy, so neither another thread changing the caller's array nor
     an ``out=`` that aliases it can put an unchecked value in front of a
     kernel. scipy's cached flags (``has_canonical_format``,
     ``has_sorted_indices``) are never trusted and no scipy routine runs on a
     structure before it has been checked here.
  B. ``check_labels`` / ``csr_arrays`` / ``checked_csr`` are the helpers
     other modules call; they return private kernel-form arrays.
  C. ``out=`` (``OutBuffer``): written directly when the kernel can write
     its layout and it does not overlap any input (or is exactly the input
     of an in-place-safe kernel); otherwise computed into a temporary and
     copied. Strides that are not multiples of the item size are refused.
"""

import numbers
import os

import numpy as np

from . import _kernels

REDUCTIONS = ("none", "sum", "mean")
_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_INT64 = np.dtype(np.int64)
_MAX_N_THREADS = 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _usable_cpus():
    """CPUs this process may run on (its affinity mask), taken once: a read
    per call costs a system call and a set; a mask changed later only moves
    the n_threads cap, never a result (docs/DESIGN.md, n_threads)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


USABLE_CPUS = _usable_cpus()


def _is_sparse(x):
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


def refuse_masked(x, name):
    """Masked arrays are refused: dropping the mask would silently use the
    masked-out values."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a numpy masked array; xentc does not apply masks. Pass "
            f"{name}.filled(...) or {name}.compressed() (or give masked samples "
            "sample_weight=0 / ignore_index)"
        )


def plain_array(x, name):
    """np.asarray(x), refusing masked arrays (see refuse_masked)."""
    refuse_masked(x, name)
    return np.asarray(x)


def float_dtype_for(dtype, name):
    """The computation dtype for an input of `dtype`: float32/float64 kept
    (native byte order), float16 -> float32, bool/integers -> float64;
    anything else is refused."""
    dtype = np.dtype(dtype)
    kind, size = dtype.kind, dtype.itemsize
    if kind == "f" and size in (4, 8):
        return dtype.newbyteorder("=")
    if kind == "f" and size == 2:
        return np.dtype(np.float32)
    if kind in "biu":
        return np.dtype(np.float64)
    if kind == "f":
        raise TypeError(
            f"{name} must be float16, float32 or float64; got dtype={dtype} "
            f"(cast it to float64 first)"
        )
    raise TypeError(f"{name} must be a real floating-point array; got dtype={dtype}")


def as_float_array(x, name, dtype=None):
    """Array of a computation dtype (see float_dtype_for), or of `dtype`.
    Non-native byte order is converted here, once."""
    if type(x) is np.ndarray and dtype is None and x.dtype in _NATIVE_FLOATS and x.dtype.isnative:
        return x
    if _is_sparse(x):
        raise TypeError(f"{name} must be a dense array; got a scipy.sparse {type(x).__name__}")
    refuse_masked(x, name)
    arr = np.asarray(x)
    target = float_dtype_for(arr.dtype, name) if dtype is None else np.dtype(dtype)
    if arr.dtype != target or not arr.dtype.isnative:
        arr = arr.astype(target)
    return arr


def as_numeric_array(x, name):
    """Targets / weights: any real numeric dtype (not complex, not object)."""
    refuse_masked(x, name)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype={arr.dtype}")
    return arr


def rows_contiguous(arr):
    """A 2-D view/copy whose rows are contiguous and aligned (kernel layout).
    Row stride may be anything (row slices and negative steps need no copy)."""
    item = arr.itemsize
    if (
        arr.ndim == 2
        and arr.flags.aligned
        and arr.dtype.isnative
        and (arr.strides[1] == item or arr.shape[1] <= 1)
        and arr.strides[0] % item == 0
    ):
        if arr.shape[1] <= 1 and arr.strides[1] != item:
            return np.ascontiguousarray(arr)
        return arr
    return np.ascontiguousarray(arr)


def kernel_layout(arr):
    """True if a kernel can read/write `arr` as it is (rows_contiguous would
    return it unchanged)."""
    item = arr.itemsize
    if arr.ndim == 1:
        return arr.flags.aligned and (arr.strides[0] == item or arr.shape[0] <= 1)
    return (
        arr.ndim == 2
        and arr.flags.aligned
        and arr.strides[0] % item == 0
        and (arr.strides[1] == item or (arr.shape[1] <= 1 and arr.flags.c_contiguous))
    )


def flat_contiguous(arr):
    return arr if (arr.flags.c_contiguous and arr.flags.aligned) else np.ascontiguousarray(arr)


def check_2d(arr, name, what="(n_samples, n_classes)"):
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D {what}; got shape {arr.shape}")
    return arr


def check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
    return str(reduction)


def check_smoothing(label_smoothing):
    if type(label_smoothing) is float and 0.0 <= label_smoothing <= 1.0:
        return label_smoothing
    if isinstance(label_smoothing, (bool, np.bool_)) or not isinstance(
        label_smoothing, numbers.Real
    ):
        raise TypeError(f"label_smoothing must be a float in [0, 1]; got {label_smoothing!r}")
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1]; got {label_smoothing!r}")
    return eps


def check_ignore_index(ignore_index):
    """None, or an int that fits int64 (the kernels' label type)."""
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(
        ignore_index, numbers.Integral
    ):
        raise TypeError(f"ignore_index must be None or an int; got {ignore_index!r}")
    value = int(ignore_index)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f"ignore_index must fit in int64 [-2**63, 2**63 - 1]; got {value}")
    return value


def n_threads_cap():
    """Most threads a call may use: the CPUs of this process's affinity mask
    and OpenMP's current maximum (OMP_NUM_THREADS, threadpoolctl limits)."""
    omp = _kernels.omp_max_threads()
    return omp if 1 <= omp <= USABLE_CPUS else (USABLE_CPUS if omp > 1 else 1)


def resolve_n_threads(n_threads):
    """None -> every CPU OpenMP may use; an int >= 1 is clamped to that too
    (a request for more threads than CPUs only adds start-up cost, and a
    huge one can make OpenMP abort the process)."""
    if n_threads is None:
        return n_threads_cap()
    if type(n_threads) is not int:
        if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, numbers.Integral):
            raise TypeError(f"n_threads must be None or a positive int; got {n_threads!r}")
        n_threads = int(n_threads)
    if not 1 <= n_threads <= _MAX_N_THREADS:
        raise ValueError(
            f"n_threads must be None or a positive int (at most {_MAX_N_THREADS}); got {n_threads}"
        )
    return n_threads if n_threads == 1 else min(n_threads, n_threads_cap())


def check_weights(w, name, length, dtype=np.float64):
    """1-D, finite, non-negative weights of the given length, as a private
    contiguous copy (the kernels never read the caller's buffer)."""
    if _is_sparse(w):
        raise TypeError(f"{name} must be a dense 1-D array; got a scipy.sparse matrix")
    arr = as_numeric_array(w, name)
    arr = np.array(arr, dtype=dtype, order="C")  # copy: private
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"{name} must have shape ({length},); got shape {arr.shape}")
    if length and not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; got {arr[bad]} at position {bad}")
    if length and (arr < 0).any():
        bad = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"{name} must be non-negative; got {arr[bad]} at position {bad}")
    return arr


def sklearn_assert_finite(arr, input_name="", allow_inf=False):
    """scikit-learn's check_array NaN / infinity messages, for the drop-in
    metrics. Returns (min, max) of a float array (None otherwise): min and
    max propagate NaN and hold any inf, so two reductions replace a full
    boolean mask and serve range checks too."""
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


def check_sample_weight(sample_weight, n_samples, *, allow_negative):
    """Per-sample weights of a metric or an estimator; None stays None.

    The rule, for both: a 1-D array of length `n_samples`, finite, not all
    zero. `allow_negative` is the one difference and says who calls:

    - ``allow_negative=True``: scikit-learn's metrics rule (``log_loss``
      accepts a negative weight, it subtracts that sample). Used by the
      drop-in ``xentc.metrics.log_loss``, so the messages are
      scikit-learn's, word for word, and integer weights keep their dtype.
    - ``allow_negative=False``: the losses' rule (a weighted mean and an
      objective to minimise need w >= 0). Used by the estimators of
      ``xentc.sklearn``; xentc's messages (as ``check_weights``), float64.
    """
    if sample_weight is None:
        return None
    if allow_negative:
        w = np.asarray(sample_weight)
        if w.dtype.kind == "c":
            raise ValueError(f"Complex data not supported\n{w}\n")
        if w.dtype.kind not in "biuf":
            w = w.astype(np.float64)
        if w.ndim >= 3:
            raise ValueError(f"Found array with dim {w.ndim}, while dim <= 2 is required.")
        sklearn_assert_finite(w, "sample_weight")
        if w.ndim != 1:
            raise ValueError(
                f"Sample weights must be 1D array or scalar, got {w.ndim}D array. "
                "Expected either a scalar value or a 1D array of length "
                f"{n_samples}."
            )
        if w.shape != (n_samples,):
            raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n_samples,)}!")
    else:
        if _is_sparse(sample_weight):
            raise TypeError("sample_weight must be a dense 1-D array; got a scipy.sparse matrix")
        w = np.asarray(sample_weight)
        if w.dtype.kind not in "biuf":
            raise TypeError(f"sample_weight must be numeric; got dtype={w.dtype}")
        w = w.astype(np.float64)
        if w.ndim != 1 or w.shape[0] != n_samples:
            raise ValueError(f"sample_weight must have shape ({n_samples},); got shape {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("sample_weight must be finite; got NaN or infinity")
        if (w < 0).any():
            raise ValueError(f"sample_weight must be non-negative; got {w[w < 0][0]}")
    if not np.any(w != 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return w


def scaled_for_mean(w):
    """w times a power of two that brings max(w) into [0.5, 1): a weighted
    mean sum(w l) / sum(w) is unchanged (the scaling is exact) but neither
    sum can overflow (sample_weight=1e308 must not give NaN)."""
    if w is None or w.size == 0:
        return w
    top = float(np.max(w))
    if top <= 0.0 or 0.5 <= top < 1.0:
        return w
    return np.ldexp(w, -int(np.frexp(top)[1]))


def check_labels(labels, n_samples, n_classes, ignore_index=None, name="labels", source="logits"):
    """Labels as a private int64 array, checked and converted in one pass:
    every entry in [0, n_classes), or equal to `ignore_index` (then stored
    as -1, the kernels' marker). Returns (labels, ignored mask or None)."""
    if (
        ignore_index is None
        and type(labels) is np.ndarray
        and labels.dtype is _INT64
        and labels.ndim == 1
        and labels.shape[0] == n_samples
    ):
        # the common case (int64, any stride): straight to the checked copy
        out, bad = _kernels.copy_indices(labels, n_classes, None)
        if bad == -1:
            return out, None
    if _is_sparse(labels):
        raise TypeError(f"{name} must be a 1-D array of class indices; got a scipy.sparse matrix")
    refuse_masked(labels, name)
    ignore_index = check_ignore_index(ignore_index)
    lab = labels if type(labels) is np.ndarray else np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape ({n_samples},); got shape {lab.shape}")
    if lab.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {lab.shape[0]} entries but the {source} have "
            f"{n_samples} rows; they must match"
        )
    kind = lab.dtype.kind
    if kind == "f":
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name} must be integers (class indices); got non-integral "
                f"value {lab[i].item()!r} at position {i}"
            )
        src = np.clip(lab, -(2.0**62), 2.0**62).astype(np.int64)
    elif kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices; got dtype={lab.dtype}")
    elif not (lab.dtype.isnative and lab.flags.aligned):
        src = lab.astype(lab.dtype.newbyteorder("="))
    else:
        src = lab
    out, bad = _kernels.copy_indices(src, n_classes, ignore_index)
    assert bad != -2, "labels not converted to a form copy_indices reads"
    if bad >= 0:
        extra = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise ValueError(
            f"{name}[{bad}] = {lab[bad].item()!r} is out of range: class indices must "
            f"be in [0, {n_classes}){extra} (n_classes={n_classes} from the {source})"
        )
    return out, ((out == -1) if ignore_index is not None else None)


# ---------------------------------------------------------------------------
# out=


def check_out(out, shape, dtype, name="out"):
    """`out` must be a writeable ndarray of `shape` and (native) `dtype` whose
    strides are multiples of its item size."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray; got {type(out).__name__}")
    refuse_masked(out, name)
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {out.shape}")
    if out.dtype.newbyteorder("=") == dtype and not out.dtype.isnative:
        raise TypeError(
            f"{name} must have dtype {np.dtype(dtype)} in native byte order; got {out.dtype.str}"
        )
    if out.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)}; got {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    if any(s % out.itemsize for s in out.strides):
        raise ValueError(
            f"{name} must have strides that are multiples of its item size "
            f"{out.itemsize}; got strides {out.strides}"
        )
    return out


def same_view(a, b):
    """a and b are the same elements in the same layout."""
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.shape == b.shape
        and a.strides == b.strides
        and a.dtype == b.dtype
    )


class OutBuffer:
    """Where a kernel writes a result the caller asked for in `out`.

    `buf` is `out` itself when the kernel can write its layout and no input
    overlaps it (or it is exactly `alias`, the input of an in-place-safe
    kernel); otherwise a fresh array, copied into `out` by `finish()`.
    """

    def __init__(
        self, out, shape, dtype, inputs=(), alias=None, layout_ok=kernel_layout, name="out"
    ):
        self.out = out
        if out is None:
            self.buf = np.empty(shape, dtype=dtype)
            return
        check_out(out, shape, dtype, name)
        direct = layout_ok(out)
        if direct:
            for arr in inputs:
                if arr is None or not np.may_share_memory(out, arr):
                    continue
                if alias is not None and arr is alias and same_view(out, arr):
                    continue
                direct = False
                break
        self.buf = out if direct else np.empty(shape, dtype=dtype)

    def finish(self):
        if self.out is not None and self.buf is not self.out:
            self.out[...] = self.buf
            return self.out
        return self.buf


# ---------------------------------------------------------------------------
# scipy.sparse structures


def _csr_error(name, fmt, what):
    return ValueError(f"{name} is not a valid {fmt.upper()} matrix: {what}")


def _index_array(arr, name, what):
    if not isinstance(arr, np.ndarray) or arr.ndim != 1:
        raise _csr_error(
            name,
            "sparse",
            f"{what} must be a 1-D array; got {type(arr).__name__} of shape {np.shape(arr)}",
        )
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name}.{what} must hold integers; got dtype={arr.dtype}")
    return arr


def _data_array(targets, nnz, dtype, name, fmt):
    data = targets.data
    if not isinstance(data, np.ndarray):
        raise _csr_error(name, fmt, f"data must be an array; got {type(data).__name__}")
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype={data.dtype}")
    if data.shape != (nnz,):
        raise _csr_error(
            name,
            fmt,
            f"data has shape {data.shape} but there are {nnz} stored entries (len(indices))",
        )
    return np.array(data, dtype=dtype if dtype is not None else data.dtype.newbyteorder("="))


def _check_compressed(indptr, indices, n_major, n_minor, name, fmt):
    """Private int64 copies of a compressed (CSR/CSC/BSR) structure, checked;
    also whether every row is sorted without repeats."""
    indptr = _index_array(indptr, name, "indptr")
    indices = _index_array(indices, name, "indices")
    major = "rows" if fmt != "csc" else "columns"
    if indptr.shape[0] != n_major + 1:
        raise _csr_error(
            name,
            fmt,
            f"indptr has {indptr.shape[0]} entries; {n_major} {major} need {n_major + 1}",
        )
    fast = (
        indptr.dtype == indices.dtype
        and indptr.dtype.isnative
        and indptr.dtype.itemsize in (4, 8)
        and indptr.dtype.kind == "i"
        and indptr.flags.c_contiguous
        and indices.flags.c_contiguous
        and indptr.flags.aligned
        and indices.flags.aligned
    )
    if fast:
        src_ptr, src_idx = indptr, indices
    else:  # other index dtypes: converted first (uint64 above 2**63 wraps to a
        # negative value, which the checked copy below refuses)
        src_ptr, src_idx = indptr.astype(np.int64), indices.astype(np.int64)
    ip = np.empty(n_major + 1, dtype=np.int64)
    ix = np.empty(indices.shape[0], dtype=np.int64)
    status, pos = _kernels.copy_csr(src_ptr, src_idx, n_minor, ip, ix)
    nnz = indices.shape[0]
    if status == _kernels.CSR_BAD_START:
        raise _csr_error(name, fmt, f"indptr[0] = {indptr[0].item()}; it must be 0")
    if status == _kernels.CSR_DECREASING:
        raise _csr_error(
            name,
            fmt,
            f"indptr must be non-decreasing; indptr[{pos}] = "
            f"{indptr[pos].item()} < indptr[{pos - 1}] = {indptr[pos - 1].item()}",
        )
    if status == _kernels.CSR_BAD_END:
        raise _csr_error(
            name,
            fmt,
            f"indptr[{pos}] = {indptr[pos].item()} but there are {nnz} "
            "stored entries (indptr[-1] must equal len(indices))",
        )
    if status == _kernels.CSR_BAD_INDEX:
        what = "column" if fmt != "csc" else "row"
        raise ValueError(
            f"{name} has {what} index {indices[pos].item()} at indices[{pos}]; "
            f"{what} indices must be in [0, {n_minor})"
        )
    return ip, ix, status == _kernels.CSR_CANONICAL


def _checked_coord(arr, bound, name, what, axis):
    arr = _index_array(arr, name, what)
    if not (arr.dtype.isnative and arr.flags.aligned):
        arr = arr.astype(arr.dtype.newbyteorder("="))
    out, bad = _kernels.copy_indices(arr, bound)
    assert bad != -2, "coordinates not converted to a form copy_indices reads"
    if bad >= 0:
        raise ValueError(
            f"{name} has {axis} index {arr[bad].item()} at {what}[{bad}]; {axis} "
            f"indices must be in [0, {bound})"
        )
    return out


def _coo_to_csr(rows, cols, data, n_rows):
    """Canonical CSR (sorted, duplicates summed) from checked private COO."""
    order = np.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    if rows.size:
        new = np.empty(rows.size, dtype=bool)
        new[0] = True
        np.not_equal(rows[1:], rows[:-1], out=new[1:])
        new[1:] |= cols[1:] != cols[:-1]
        if not new.all():
            starts = np.flatnonzero(new)
            data = np.add.reduceat(data, starts)
            rows, cols = rows[starts], cols[starts]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr, np.ascontiguousarray(cols), np.ascontiguousarray(data)


def csr_arrays(targets, shape, dtype, name="targets"):
    """Canonical CSR arrays (indptr, indices: private int64; data: private, of
    `dtype`, or of the matrix's own dtype if None) of a scipy.sparse matrix or
    array of any format, after checking its structure (Design A). Never
    densified."""
    shape = tuple(shape)
    if tuple(targets.shape) != shape:
        raise ValueError(f"{name} must have shape {shape} like the logits; got {targets.shape}")
    n, c = shape
    fmt = getattr(targets, "format", None)
    if fmt in ("csr", "csc"):
        n_major, n_minor = (n, c) if fmt == "csr" else (c, n)
        ip, ix, canonical = _check_compressed(
            targets.indptr, targets.indices, n_major, n_minor, name, fmt
        )
        data = _data_array(targets, ix.shape[0], dtype, name, fmt)
        if fmt == "csr" and canonical:
            return ip, ix, data
        major = np.repeat(np.arange(n_major, dtype=np.int64), np.diff(ip))
        rows, cols = (major, ix) if fmt == "csr" else (ix, major)
        return _coo_to_csr(rows, cols, data, n)
    if fmt == "bsr":
        br, bc = targets.blocksize
        if br < 1 or bc < 1 or n % br or c % bc:
            raise _csr_error(name, fmt, f"blocksize {targets.blocksize} does not tile {shape}")
        ip, ix, _ = _check_compressed(targets.indptr, targets.indices, n // br, c // bc, name, fmt)
        nb = ix.shape[0]
        blocks = targets.data
        if not isinstance(blocks, np.ndarray) or blocks.shape != (nb, br, bc):
            raise _csr_error(
                name, fmt, f"data has shape {np.shape(blocks)}; expected {(nb, br, bc)}"
            )
        if blocks.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers; got dtype={blocks.dtype}")
        data = np.array(
            blocks, dtype=dtype if dtype is not None else blocks.dtype.newbyteorder("=")
        ).reshape(-1)
        block_row = np.repeat(np.arange(n // br, dtype=np.int64), np.diff(ip))
        rows = (
            block_row[:, None, None] * br
            + np.arange(br)[None, :, None]
            + np.zeros((1, 1, bc), dtype=np.int64)
        ).reshape(-1)
        cols = (
            ix[:, None, None] * bc
            + np.zeros((1, br, 1), dtype=np.int64)
            + np.arange(bc)[None, None, :]
        ).reshape(-1)
        return _coo_to_csr(rows, cols, data, n)
    if fmt == "coo":
        coo = targets
    elif fmt in ("lil", "dok", "dia"):
        # Python-level structures: scipy's conversion reads them without
        # indexing memory by their values; the COO result is checked below
        coo = targets.tocoo()
    else:
        raise TypeError(f"{name}: unsupported sparse format {fmt!r}")
    coords = getattr(coo, "coords", None) or (coo.row, coo.col)
    if len(coords) != 2:
        raise _csr_error(name, "coo", f"expected 2 coordinate arrays; got {len(coords)}")
    rows = _checked_coord(coords[0], n, name, "row", "row")
    cols = _checked_coord(coords[1], c, name, "col", "column")
    if rows.shape != cols.shape:
        raise _csr_error(
            name,
            "coo",
            f"row and col have different lengths ({rows.shape[0]} and {cols.shape[0]})",
        )
    data = _data_array(coo, rows.shape[0], dtype, name, "coo")
    return _coo_to_csr(rows, cols, data, n)


def checked_csr(y, name="y_true"):
    """A fresh scipy CSR matrix built from `csr_arrays` (same dtype as y), for
    code that goes on to use scipy routines; non-sparse input is returned
    unchanged."""
    if not _is_sparse(y):
        return y
    if len(getattr(y, "shape", ())) != 2:
        raise ValueError(f"{name} must be a 2-D sparse matrix; got shape {y.shape}")
    import scipy.sparse as sp

    indptr, indices, data = csr_arrays(y, y.shape, None, name)
    return sp.csr_matrix((data, indices, indptr), shape=y.shape)


def check_range(arr, name, lo, hi):
    """Values in [lo, hi] (NaN passes: it propagates to the loss instead)."""
    if arr.size == 0:
        return
    mn, mx = np.min(arr), np.max(arr)
    if mn < lo or mx > hi:
        flat = np.asarray(arr).ravel()
        i = int(np.flatnonzero((flat < lo) | (flat > hi))[0])
        pos = tuple(int(p) for p in np.unravel_index(i, np.shape(arr)))
        pos = pos[0] if len(pos) == 1 else pos
        raise ValueError(
            f"{name} must be in [{lo}, {hi}]; got {flat[i].item()!r} at position {pos}"
        )
