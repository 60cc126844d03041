# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython drivers: NumPy buffers to C pointers, rows split into fixed blocks,
blocks run in a ``prange`` with the GIL released.

Design:
A. Mechanical only. The Python layer (losses.py, special.py) has already
   checked dtypes, shapes, strides and values; here arrays are known to be
   float32/float64 with contiguous rows, labels int64, weights float64.
   The index copies (``copy_indices``, ``copy_csr``, ``grouped_labels``) are
   mechanical too: they read each caller value once, write it to a private
   buffer and report the first position (or a status code) that breaks the
   bound they are given; what is valid and every message the user reads are
   _validation.py's (grouped.py's for grouped labels). Nothing here raises
   for bad user input: the only raises are MemoryError and guards against
   misuse by xentc's own Python code. ``is_kernel_2d`` is the one layout
   predicate kept here, for the plain call's cost (in Python it costs about
   as much as the rest of the 1x10 call); for a native float32/float64
   ndarray with at least one column it must say yes exactly when
   _validation.rows_contiguous returns the array itself, which
   tests/test_kernel_entries.py checks.
E. One entry per kernel-table slot (``softmax_ce_sparse``, ``softmax_rows``,
   ``focal_sigmoid_ce``...), no string dispatch: the Python layer names the
   kernel it wants. Every entry zeroes its argument struct before filling
   the fields its kernel reads, so a field no caller sets reads as 0/NULL.
D. Thread-local SIMD override: ``simd_target()`` sets a per-thread kernel
   table (``set_thread_target``); every entry point picks its table on the
   calling thread before the GIL is released, so OpenMP workers use the
   caller's choice and other Python threads keep theirs.
B. Determinism: rows are cut into blocks of ``_block_rows(n_cols)`` rows, a
   number that depends on the row length only, never on the thread count.
   Each block's partial loss lands in its own slot and the slots are added in
   block order, so any ``n_threads`` gives bit-identical sums. Because of
   that, blocks can be handed out dynamically: a thread slowed by another
   process on its core does not hold the others up (static scheduling made
   2 threads slower than 1 on a busy 2-core machine).
C. Small inputs (under ``_PARALLEL_MIN`` elements) run on the calling thread:
   starting an OpenMP team costs more than they take.
F. Fresh output pages: a kernel that writes an (N, C) array (softmax,
   log_softmax, element-wise, gradients) hands its blocks out ``guided``:
   large contiguous runs first (half, a quarter, ... of what is left per
   thread), single blocks at the end. The output is usually a fresh
   ``np.empty`` whose pages the kernel faults in; one 32 KiB block at a time
   put the threads side by side inside every 2 MiB transparent huge page,
   both faulted it, and the kernel cleared a huge page for each and threw
   one away (extra faults per call, docs/threads.md). Fixed 2 MiB chunks do
   not help: threads in lockstep meet at every chunk boundary. Guided runs
   keep each page to one thread and still end dynamically (Design B).
"""
import numpy as np
cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, INT64_MAX
from xentc._common cimport _dt, _ptr, _ld

cnp.import_array()

cdef extern from "xentc_kernels.h" nogil:
    ctypedef struct xentc_args:
        Py_ssize_t n_rows, n_cols
        const void *x
        Py_ssize_t ldx
        const int64_t *labels
        const void *t
        Py_ssize_t ldt
        const int64_t *indptr
        const int64_t *indices
        const void *values
        const double *row_weight
        const void *elem_weight
        const void *col_weight
        double pos_weight
        double smoothing
        double clip_eps
        int renormalize
        int flat
        double grad_scale
        void *loss_out
        void *grad_out
        Py_ssize_t ldg
        void *hess_out
        Py_ssize_t ldh
        int64_t *neg_target_row

    ctypedef double (*xentc_loss_fn)(const xentc_args *a, Py_ssize_t r0, Py_ssize_t r1) noexcept nogil
    ctypedef void (*xentc_rows_fn)(const void *x, Py_ssize_t ldx, Py_ssize_t n_cols,
                                   Py_ssize_t r0, Py_ssize_t r1, void *out, Py_ssize_t ldo) noexcept nogil
    ctypedef void (*xentc_elem_fn)(const void *x, void *out, Py_ssize_t i0, Py_ssize_t i1) noexcept nogil

    ctypedef struct xentc_kernel_table:
        const char *name
        xentc_rows_fn logsumexp[2]
        xentc_rows_fn softmax[2]
        xentc_rows_fn log_softmax[2]
        xentc_elem_fn sigmoid[2]
        xentc_elem_fn log_sigmoid[2]
        xentc_elem_fn exp[2]
        xentc_elem_fn log[2]
        xentc_elem_fn log1p[2]
        xentc_loss_fn sparse_softmax_ce[2]
        xentc_loss_fn dense_softmax_ce[2]
        xentc_loss_fn csr_softmax_ce[2]
        xentc_loss_fn sigmoid_ce[2]
        xentc_loss_fn csr_sigmoid_ce[2]
        xentc_loss_fn binary_ce[2]
        xentc_loss_fn sparse_categorical_ce[2]
        xentc_loss_fn dense_categorical_ce[2]
        xentc_loss_fn csr_categorical_ce[2]

    int xentc_select(const char *name)
    const xentc_kernel_table *xentc_active()
    const char *xentc_compiled_targets()
    const char *xentc_supported_targets()

cdef extern from *:
    """
    /* per-thread override of the kernel table (Design D) */
    static __thread const xentc_kernel_table *xentc_tls_table = NULL;
    static const xentc_kernel_table *xentc_table(void)
    {
        return xentc_tls_table != NULL ? xentc_tls_table : xentc_active();
    }
    static void xentc_set_tls_table(const xentc_kernel_table *t) { xentc_tls_table = t; }
    static const xentc_kernel_table *xentc_get_tls_table(void) { return xentc_tls_table; }
    """
    const xentc_kernel_table *xentc_table() nogil
    void xentc_set_tls_table(const xentc_kernel_table *t) nogil
    const xentc_kernel_table *xentc_get_tls_table() nogil

cdef extern from "xentc_build_info.h":
    const char *XENTC_BUILD_COMPILER
    int XENTC_BUILD_OPENMP
    const char *XENTC_BUILD_OPENMP_NOTE

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int xentc_omp_max_threads(void) { return omp_get_max_threads(); }
    static int xentc_openmp_linked(void) { return 1; }
    #else
    static int xentc_omp_max_threads(void) { return 1; }
    static int xentc_openmp_linked(void) { return 0; }
    #endif
    """
    int xentc_omp_max_threads() nogil
    int xentc_openmp_linked() nogil

# Row blocks hold about this many elements (Design B); 32 KiB of float32.
cdef enum:
    _BLOCK_ELEMS = 8192
    # Below this many elements a call stays on one thread (Design C).
    _PARALLEL_MIN = 65536


def compiled_targets():
    return xentc_compiled_targets().decode().split(",")


def supported_targets():
    return xentc_supported_targets().decode().split(",")


def select_target(name):
    """Switch the process-wide kernel table; returns False if `name` is not
    compiled in or this CPU cannot run it."""
    return xentc_select(name.encode()) == 0


cdef dict _TABLES = {}


cdef _collect_tables():
    """Kernel table of every target this CPU runs, by name, taken at import
    (before any other thread can call in) by selecting each in turn."""
    cdef const xentc_kernel_table *start = xentc_active()
    for name in supported_targets():
        if xentc_select(name.encode()) == 0:
            _TABLES[name] = <Py_ssize_t>xentc_active()
    xentc_select(start.name)


_collect_tables()


def set_thread_target(name):
    """Per-thread override of the kernel table (Design D); None clears it.
    Returns False if `name` is not a target this CPU runs."""
    if name is None:
        xentc_set_tls_table(NULL)
        return True
    addr = _TABLES.get(name)
    if addr is None:
        return False
    xentc_set_tls_table(<const xentc_kernel_table *><Py_ssize_t>addr)
    return True


def thread_target():
    """Name of this thread's override, or None."""
    cdef const xentc_kernel_table *t = xentc_get_tls_table()
    return None if t == NULL else t.name.decode()


def active_target():
    """The target the calling thread's kernels run on."""
    return xentc_table().name.decode()


def openmp_linked():
    return bool(xentc_openmp_linked())


def omp_max_threads():
    return xentc_omp_max_threads()


def team_size_probe(int n_threads):
    """Number of distinct OpenMP threads a `prange` with `n_threads` ran on
    (lets a test prove the build is parallel without timing anything)."""
    cdef Py_ssize_t i, n = 4096
    cdef int *ids = <int *>malloc(n * sizeof(int))
    if ids == NULL:
        raise MemoryError()
    for i in prange(n, nogil=True, num_threads=n_threads, schedule="static"):
        ids[i] = threadid()
    seen = {ids[i] for i in range(n)}
    free(ids)
    return len(seen)


def build_compiler():
    return XENTC_BUILD_COMPILER.decode()


def build_openmp_note():
    """What the build found about OpenMP (flags used, or why not)."""
    return XENTC_BUILD_OPENMP_NOTE.decode()


cdef inline Py_ssize_t _block_rows(Py_ssize_t n_cols) noexcept nogil:
    if n_cols <= 0:
        return _BLOCK_ELEMS
    cdef Py_ssize_t b = _BLOCK_ELEMS // n_cols
    return b if b > 0 else 1


cdef int _team(Py_ssize_t n_blocks, Py_ssize_t n_elems, int n_threads) noexcept nogil:
    if n_elems < _PARALLEL_MIN or n_threads <= 1:
        return 1
    return <int>(n_blocks if n_blocks < n_threads else n_threads)


cdef double _run_loss(xentc_loss_fn fn, xentc_args *a, Py_ssize_t n_units, Py_ssize_t block,
                      Py_ssize_t n_elems, int n_threads, bint writes_rows=False) except? -1:
    """Runs fn over [0, n_units) in blocks; sums block partials in order.
    writes_rows: fn writes an (N, C) gradient / Hessian (Design F)."""
    cdef Py_ssize_t n_blocks = (n_units + block - 1) // block
    cdef Py_ssize_t b, r0, r1
    cdef double total = 0.0
    cdef int team = _team(n_blocks, n_elems, n_threads)
    if n_blocks == 0:
        return 0.0
    if team == 1:  # serial: same blocks, same order of additions, no allocation
        with nogil:
            for b in range(n_blocks):
                r0 = b * block
                r1 = r0 + block if r0 + block < n_units else n_units
                total = total + fn(a, r0, r1)
        return total
    cdef double *partial = <double *>malloc(n_blocks * sizeof(double))
    if partial == NULL:
        raise MemoryError()
    with nogil:
        if writes_rows:
            for b in prange(n_blocks, num_threads=team, schedule="guided"):
                r0 = b * block
                r1 = r0 + block if r0 + block < n_units else n_units
                partial[b] = fn(a, r0, r1)
        else:
            for b in prange(n_blocks, num_threads=team, schedule="dynamic"):
                r0 = b * block
                r1 = r0 + block if r0 + block < n_units else n_units
                partial[b] = fn(a, r0, r1)
        for b in range(n_blocks):
            total = total + partial[b]
    free(partial)
    return total


ctypedef fused idx_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused ptr_t:
    int32_t
    int64_t


cdef Py_ssize_t _copy_idx(const idx_t *src, Py_ssize_t step, Py_ssize_t n, int64_t *dst,
                          int64_t bound, bint has_ign, int64_t ign) noexcept nogil:
    cdef Py_ssize_t i
    cdef idx_t v
    cdef int64_t w
    cdef const char *base = <const char *>src
    for i in range(n):
        v = (<const idx_t *>(base + i * step))[0]   # read once: dst holds what was checked
        if idx_t is uint64_t:
            if v > <uint64_t>INT64_MAX:
                return i
        w = <int64_t>v
        if has_ign and w == ign:
            dst[i] = -1
        elif w < 0 or w >= bound:
            return i
        else:
            dst[i] = w
    return -1


cdef Py_ssize_t _copy_any(char kind, int size, const void *p, Py_ssize_t step, Py_ssize_t n,
                          int64_t *d, int64_t bound, bint has_ign, int64_t ign) noexcept nogil:
    if kind == b'i' and size == 1:
        return _copy_idx(<const int8_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'i' and size == 2:
        return _copy_idx(<const int16_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'i' and size == 4:
        return _copy_idx(<const int32_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'i' and size == 8:
        return _copy_idx(<const int64_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'u' and size == 1:
        return _copy_idx(<const uint8_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'u' and size == 2:
        return _copy_idx(<const uint16_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'u' and size == 4:
        return _copy_idx(<const uint32_t *>p, step, n, d, bound, has_ign, ign)
    if kind == b'u' and size == 8:
        return _copy_idx(<const uint64_t *>p, step, n, d, bound, has_ign, ign)
    return -2


def copy_indices(cnp.ndarray src, int64_t bound, object ignore=None):
    """(dst, bad): dst a fresh contiguous int64 array with dst[i] = src[i] for
    1-D integer `src` (any stride); entries equal to `ignore` become -1.
    `bad` is the first position whose value is outside [0, bound) (and not
    `ignore`), or -1; or -2 when src is not 1-D, native-order, aligned and of
    an integer type (the caller converts it first). Each src value is read
    exactly once, so dst holds exactly the values that were checked."""
    if (src.ndim != 1 or not cnp.PyArray_ISALIGNED(src) or not cnp.PyArray_ISNOTSWAPPED(src)):
        return None, -2
    cdef cnp.npy_intp n = src.shape[0]
    cdef Py_ssize_t step = src.strides[0]
    cdef cnp.ndarray dst = cnp.PyArray_EMPTY(1, &n, cnp.NPY_INT64, 0)
    cdef int64_t *d = <int64_t *>cnp.PyArray_DATA(dst)
    cdef const void *p = cnp.PyArray_DATA(src)
    cdef bint has_ign = ignore is not None
    cdef int64_t ign = ignore if has_ign else 0
    cdef char kind = src.descr.kind
    cdef int size = src.itemsize
    cdef Py_ssize_t bad
    if n < 65536:  # releasing the GIL costs more than a short copy
        bad = _copy_any(kind, size, p, step, n, d, bound, has_ign, ign)
    else:
        with nogil:
            bad = _copy_any(kind, size, p, step, n, d, bound, has_ign, ign)
    return dst, bad


# copy_csr status codes (the messages are _validation.py's)
cdef enum:
    _CSR_CANONICAL = 0
    _CSR_UNSORTED = 1       # valid, but some row has unsorted or repeated indices
    _CSR_BAD_START = 2      # indptr[0] != 0
    _CSR_DECREASING = 3     # indptr[pos] < indptr[pos - 1]
    _CSR_BAD_END = 4        # indptr[pos] > nnz, or indptr[-1] != nnz
    _CSR_BAD_INDEX = 5      # indices[pos] outside [0, n_cols)

CSR_CANONICAL, CSR_UNSORTED, CSR_BAD_START, CSR_DECREASING, CSR_BAD_END, CSR_BAD_INDEX = range(6)


cdef int _copy_csr(const ptr_t *ip, const ptr_t *ix, Py_ssize_t n_rows, int64_t nnz,
                   int64_t n_cols, int64_t *op, int64_t *ox, Py_ssize_t *pos) noexcept nogil:
    cdef Py_ssize_t r, k
    cdef int64_t v, prev = 0, last
    cdef bint canonical = True
    for r in range(n_rows + 1):
        v = <int64_t>ip[r]
        if r == 0 and v != 0:
            pos[0] = 0
            return _CSR_BAD_START
        if v < prev:
            pos[0] = r
            return _CSR_DECREASING
        if v > nnz:
            pos[0] = r
            return _CSR_BAD_END
        op[r] = v
        prev = v
    if prev != nnz:
        pos[0] = n_rows
        return _CSR_BAD_END
    for r in range(n_rows):   # bounds from the private copy, never from ip
        last = -1
        for k in range(op[r], op[r + 1]):
            v = <int64_t>ix[k]
            if v < 0 or v >= n_cols:
                pos[0] = k
                return _CSR_BAD_INDEX
            if v <= last:
                canonical = False
            ox[k] = v
            last = v
    return _CSR_CANONICAL if canonical else _CSR_UNSORTED


def copy_csr(cnp.ndarray indptr, cnp.ndarray indices, int64_t n_cols,
             cnp.ndarray indptr_out, cnp.ndarray indices_out):
    """Copies a CSR structure (contiguous int32 or int64 `indptr` of n_rows+1
    and `indices`, both the same dtype) into private contiguous int64 arrays
    while checking it. Returns (status, position), status one of CSR_*."""
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1, pos = 0
    cdef int64_t nnz = indices.shape[0]
    cdef int st
    cdef int64_t *op = <int64_t *>cnp.PyArray_DATA(indptr_out)
    cdef int64_t *ox = <int64_t *>cnp.PyArray_DATA(indices_out)
    if (n_rows < 0 or indptr_out.shape[0] != n_rows + 1 or indices_out.shape[0] != nnz
            or indptr.descr.type_num != indices.descr.type_num):
        raise ValueError("copy_csr: mismatched buffers")
    if indptr.itemsize == 4:
        with nogil:
            st = _copy_csr(<const int32_t *>cnp.PyArray_DATA(indptr),
                           <const int32_t *>cnp.PyArray_DATA(indices), n_rows, nnz, n_cols,
                           op, ox, &pos)
    else:
        with nogil:
            st = _copy_csr(<const int64_t *>cnp.PyArray_DATA(indptr),
                           <const int64_t *>cnp.PyArray_DATA(indices), n_rows, nnz, n_cols,
                           op, ox, &pos)
    return st, pos


def is_kernel_2d(object obj):
    """True if `obj` is a 2-D native float32/float64 ndarray with at least one
    column that the row kernels read as it is (aligned, contiguous rows):
    a one-call form of the layout test for the plain call's fast path."""
    if type(obj) is not np.ndarray:
        return False
    cdef cnp.ndarray x = <cnp.ndarray>obj
    cdef int tn = x.descr.type_num
    if x.ndim != 2 or x.shape[1] < 1 or (tn != cnp.NPY_FLOAT32 and tn != cnp.NPY_FLOAT64):
        return False
    if not cnp.PyArray_ISNOTSWAPPED(x) or not cnp.PyArray_ISALIGNED(x):
        return False
    return x.strides[1] == x.itemsize and x.strides[0] % x.itemsize == 0


def sparse_softmax_sum(cnp.ndarray x, cnp.ndarray labels, int n_threads):
    """sum_i loss_i of the sparse softmax CE kernel with no options: the
    plain call's fast path (checked arrays only: see losses.py)."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    a.n_rows = x.shape[0]
    a.n_cols = x.shape[1]
    a.x = cnp.PyArray_DATA(x)
    a.ldx = _ld(x)
    a.labels = <const int64_t *>cnp.PyArray_DATA(labels)
    a.grad_scale = 1.0
    return _run_loss(xentc_table().sparse_softmax_ce[_dt(x)], &a, a.n_rows,
                     _block_rows(a.n_cols), x.size, n_threads)


# ---------------------------------------------------------------------------
# Row and element-wise primitives (xentc/special.py): one entry per kernel of
# the table, each a two-line wrapper around the shared block loop.

cdef object _drive_rows(xentc_rows_fn fn, cnp.ndarray x, cnp.ndarray out, int n_threads,
                        bint one_per_row=False):
    """Runs the row primitive fn over a 2-D array with contiguous rows;
    one_per_row: fn writes one value per row (logsumexp), not an (N, C) array."""
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1]
    cdef Py_ssize_t ldx = _ld(x), ldo = _ld(out)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef void *op_ = cnp.PyArray_DATA(out)
    cdef Py_ssize_t block = _block_rows(n_cols)
    cdef Py_ssize_t n_blocks = (n_rows + block - 1) // block
    cdef int team = _team(n_blocks, n_rows * n_cols, n_threads)
    cdef Py_ssize_t b, r0, r1
    with nogil:
        if team == 1:
            fn(xp, ldx, n_cols, 0, n_rows, op_, ldo)
        elif one_per_row:  # no (N, C) output to fault in
            for b in prange(n_blocks, num_threads=team, schedule="dynamic"):
                r0 = b * block
                r1 = r0 + block if r0 + block < n_rows else n_rows
                fn(xp, ldx, n_cols, r0, r1, op_, ldo)
        else:  # an (N, C) output: Design F
            for b in prange(n_blocks, num_threads=team, schedule="guided"):
                r0 = b * block
                r1 = r0 + block if r0 + block < n_rows else n_rows
                fn(xp, ldx, n_cols, r0, r1, op_, ldo)
    return out


def logsumexp_rows(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out[i] = logsumexp(x[i, :]); out (n_rows,)."""
    return _drive_rows(xentc_table().logsumexp[_dt(x)], x, out, n_threads, True)


def softmax_rows(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out[i, :] = softmax(x[i, :]); out of x's shape, contiguous rows."""
    return _drive_rows(xentc_table().softmax[_dt(x)], x, out, n_threads)


def log_softmax_rows(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out[i, :] = log_softmax(x[i, :]); out of x's shape, contiguous rows."""
    return _drive_rows(xentc_table().log_softmax[_dt(x)], x, out, n_threads)


cdef object _drive_elementwise(xentc_elem_fn fn, cnp.ndarray x, cnp.ndarray out,
                               int n_threads):
    """Runs the element-wise fn over contiguous arrays of the same size."""
    cdef Py_ssize_t n = x.size
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef void *op_ = cnp.PyArray_DATA(out)
    cdef Py_ssize_t block = _BLOCK_ELEMS * 4
    cdef Py_ssize_t n_blocks = (n + block - 1) // block
    cdef int team = _team(n_blocks, n, n_threads)
    cdef Py_ssize_t b, i0, i1
    with nogil:
        if team == 1:
            fn(xp, op_, 0, n)
        else:  # guided: Design F
            for b in prange(n_blocks, num_threads=team, schedule="guided"):
                i0 = b * block
                i1 = i0 + block if i0 + block < n else n
                fn(xp, op_, i0, i1)
    return out


def sigmoid_elements(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out = sigmoid(x) element-wise (contiguous, same size)."""
    return _drive_elementwise(xentc_table().sigmoid[_dt(x)], x, out, n_threads)


def log_sigmoid_elements(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out = log(sigmoid(x)) element-wise (contiguous, same size)."""
    return _drive_elementwise(xentc_table().log_sigmoid[_dt(x)], x, out, n_threads)


def exp_elements(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out = exp(x): the vectorised exp, exposed for the accuracy tests."""
    return _drive_elementwise(xentc_table().exp[_dt(x)], x, out, n_threads)


def log_elements(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out = log(x): the vectorised log, exposed for the accuracy tests."""
    return _drive_elementwise(xentc_table().log[_dt(x)], x, out, n_threads)


def log1p_elements(cnp.ndarray x, cnp.ndarray out, int n_threads):
    """out = log1p(x): the vectorised log1p, exposed for the accuracy tests."""
    return _drive_elementwise(xentc_table().log1p[_dt(x)], x, out, n_threads)


# ---------------------------------------------------------------------------
# Loss kernels (xentc/losses.py): one entry per kernel. Each zeroes its
# argument struct, fills the fields its kernel reads and runs the block loop;
# every entry returns sum_i w_i * loss_i as a Python float.
#
# Shared keyword arguments: row_weight (n_rows,) float64 or None; grad_scale
# multiplies w_i in the derivatives; loss_out / grad_out / hess_out or None
# (per-row losses; gradient and Hessian of x's shape and dtype); n_threads.
# `flat` (element-wise kernels): x is 1-D, one long row split by elements,
# weights per element in elem_weight.

cdef inline void _set_common(xentc_args *a, cnp.ndarray x, bint flat, object row_weight,
                             double grad_scale, object loss_out, object grad_out,
                             object hess_out):
    a.row_weight = <const double *>_ptr(row_weight)
    if flat:
        a.n_rows = 1
        a.n_cols = x.shape[0]
    else:
        a.n_rows = x.shape[0]
        a.n_cols = x.shape[1]
    a.flat = flat
    a.x = cnp.PyArray_DATA(x)
    a.ldx = _ld(x)
    a.grad_scale = grad_scale
    a.loss_out = _ptr(loss_out)
    a.grad_out = _ptr(grad_out)
    a.ldg = _ld(grad_out)
    a.hess_out = _ptr(hess_out)
    a.ldh = _ld(hess_out)


cdef inline void _set_dense(xentc_args *a, cnp.ndarray t):
    a.t = cnp.PyArray_DATA(t)
    a.ldt = _ld(t)


cdef inline void _set_csr(xentc_args *a, cnp.ndarray indptr, cnp.ndarray indices,
                          cnp.ndarray values):
    a.indptr = <const int64_t *>cnp.PyArray_DATA(indptr)
    a.indices = <const int64_t *>cnp.PyArray_DATA(indices)
    a.values = cnp.PyArray_DATA(values)


cdef double _drive_loss(xentc_loss_fn fn, xentc_args *a, cnp.ndarray x,
                        int n_threads) except? -1:
    """Runs fn over rows (or, flat, over elements) in blocks (Design B);
    guided when it writes a gradient or Hessian (Design F)."""
    cdef bint writes = a.grad_out != NULL or a.hess_out != NULL
    if a.flat:
        return _run_loss(fn, a, a.n_cols, _BLOCK_ELEMS * 4, x.size, n_threads, writes)
    return _run_loss(fn, a, a.n_rows, _block_rows(a.n_cols), x.size, n_threads, writes)


def softmax_ce_sparse(cnp.ndarray x, cnp.ndarray labels, *, row_weight=None,
                      double smoothing=0.0, double grad_scale=1.0, loss_out=None,
                      grad_out=None, hess_out=None, int n_threads=1):
    """Softmax CE of logits x against int64 labels (-1 = ignored)."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    a.labels = <const int64_t *>cnp.PyArray_DATA(labels)
    a.smoothing = smoothing
    return _drive_loss(xentc_table().sparse_softmax_ce[_dt(x)], &a, x, n_threads)


def softmax_ce_dense(cnp.ndarray x, cnp.ndarray t, *, row_weight=None, col_weight=None,
                     double smoothing=0.0, double grad_scale=1.0, loss_out=None,
                     grad_out=None, hess_out=None, neg_target_row=None, int n_threads=1):
    """Softmax CE of logits x against dense soft targets t (x's shape and
    dtype); col_weight: class weights of x's dtype or None. neg_target_row:
    an int64 array of one element, lowered by the kernel to the first row
    holding a negative target (None: t not looked at for signs)."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&a, t)
    a.col_weight = _ptr(col_weight)
    a.smoothing = smoothing
    a.neg_target_row = <int64_t *>_ptr(neg_target_row)
    return _drive_loss(xentc_table().dense_softmax_ce[_dt(x)], &a, x, n_threads)


def softmax_ce_csr(cnp.ndarray x, cnp.ndarray indptr, cnp.ndarray indices, cnp.ndarray values,
                   *, row_weight=None, col_weight=None, double smoothing=0.0,
                   double grad_scale=1.0, loss_out=None, grad_out=None, hess_out=None,
                   int n_threads=1):
    """Softmax CE of logits x against canonical CSR soft targets."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_csr(&a, indptr, indices, values)
    a.col_weight = _ptr(col_weight)
    a.smoothing = smoothing
    return _drive_loss(xentc_table().csr_softmax_ce[_dt(x)], &a, x, n_threads)


def sigmoid_ce(cnp.ndarray x, cnp.ndarray t, *, row_weight=None, elem_weight=None,
               col_weight=None, double pos_weight=1.0, double smoothing=0.0, bint flat=False,
               double grad_scale=1.0, loss_out=None, grad_out=None, hess_out=None,
               int n_threads=1):
    """Sigmoid CE of logits x against dense targets t; pos_weight per column
    (col_weight, x's dtype) or scalar."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, flat, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&a, t)
    a.elem_weight = _ptr(elem_weight)
    a.col_weight = _ptr(col_weight)
    a.pos_weight = pos_weight
    a.smoothing = smoothing
    return _drive_loss(xentc_table().sigmoid_ce[_dt(x)], &a, x, n_threads)


def sigmoid_ce_csr(cnp.ndarray x, cnp.ndarray indptr, cnp.ndarray indices, cnp.ndarray values,
                   *, row_weight=None, col_weight=None, double pos_weight=1.0,
                   double smoothing=0.0, double grad_scale=1.0, loss_out=None,
                   grad_out=None, hess_out=None, int n_threads=1):
    """Sigmoid CE of logits x (2-D) against canonical CSR multi-label targets."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_csr(&a, indptr, indices, values)
    a.col_weight = _ptr(col_weight)
    a.pos_weight = pos_weight
    a.smoothing = smoothing
    return _drive_loss(xentc_table().csr_sigmoid_ce[_dt(x)], &a, x, n_threads)


def binary_ce(cnp.ndarray x, cnp.ndarray t, *, row_weight=None, elem_weight=None,
              double clip_eps=0.0, bint flat=False, double grad_scale=1.0, loss_out=None,
              grad_out=None, hess_out=None, int n_threads=1):
    """Binary CE of probabilities x, clipped to [clip_eps, 1 - clip_eps],
    against dense targets t."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, flat, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&a, t)
    a.elem_weight = _ptr(elem_weight)
    a.clip_eps = clip_eps
    return _drive_loss(xentc_table().binary_ce[_dt(x)], &a, x, n_threads)


def categorical_ce_sparse(cnp.ndarray x, cnp.ndarray labels, *, row_weight=None,
                          double clip_eps=0.0, bint renormalize=False, double grad_scale=1.0,
                          loss_out=None, grad_out=None, hess_out=None, int n_threads=1):
    """Categorical CE of probabilities x (clipped; rows divided by their sum
    first when renormalize) against int64 labels."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    a.labels = <const int64_t *>cnp.PyArray_DATA(labels)
    a.clip_eps = clip_eps
    a.renormalize = renormalize
    return _drive_loss(xentc_table().sparse_categorical_ce[_dt(x)], &a, x, n_threads)


def categorical_ce_dense(cnp.ndarray x, cnp.ndarray t, *, row_weight=None,
                         double clip_eps=0.0, bint renormalize=False, double grad_scale=1.0,
                         loss_out=None, grad_out=None, hess_out=None, int n_threads=1):
    """Categorical CE of probabilities x against dense targets t."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&a, t)
    a.clip_eps = clip_eps
    a.renormalize = renormalize
    return _drive_loss(xentc_table().dense_categorical_ce[_dt(x)], &a, x, n_threads)


def categorical_ce_csr(cnp.ndarray x, cnp.ndarray indptr, cnp.ndarray indices,
                       cnp.ndarray values, *, row_weight=None, double clip_eps=0.0,
                       bint renormalize=False, double grad_scale=1.0, loss_out=None,
                       grad_out=None, hess_out=None, int n_threads=1):
    """Categorical CE of probabilities x against canonical CSR targets."""
    cdef xentc_args a
    memset(&a, 0, sizeof(a))
    _set_common(&a, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_csr(&a, indptr, indices, values)
    a.clip_eps = clip_eps
    a.renormalize = renormalize
    return _drive_loss(xentc_table().csr_categorical_ce[_dt(x)], &a, x, n_threads)


# ---------------------------------------------------------------------------
# focal losses (src/body_focal.h, driven from xentc/_focal.py): the kernels
# take the plain xentc_args followed by gamma / alpha, and run through the
# same block loop (_run_loss) as every other loss. Each focal entry takes
# its plain twin's arguments after (gamma, alpha, use_alpha); alpha applies
# to the sigmoid kernels only.

cdef extern from "xentc_kernels.h" nogil:
    ctypedef struct xentc_focal_args:
        xentc_args base
        double gamma
        double alpha
        int use_alpha

    ctypedef struct _focal_table "xentc_kernel_table":
        xentc_loss_fn focal_sigmoid_ce[2]
        xentc_loss_fn focal_csr_sigmoid_ce[2]
        xentc_loss_fn focal_sparse_softmax_ce[2]
        xentc_loss_fn focal_dense_softmax_ce[2]
        xentc_loss_fn focal_csr_softmax_ce[2]


cdef inline const _focal_table *_focal_kernels() noexcept nogil:
    return <const _focal_table *>xentc_table()


cdef inline void _set_focal(xentc_focal_args *f, double gamma, double alpha, bint use_alpha):
    f.gamma = gamma
    f.alpha = alpha
    f.use_alpha = use_alpha


def focal_softmax_ce_sparse(cnp.ndarray x, double gamma, double alpha, bint use_alpha,
                            cnp.ndarray labels, *, row_weight=None, double smoothing=0.0,
                            double grad_scale=1.0, loss_out=None, grad_out=None,
                            hess_out=None, int n_threads=1):
    """Focal twin of softmax_ce_sparse."""
    cdef xentc_focal_args f
    memset(&f, 0, sizeof(f))
    _set_focal(&f, gamma, alpha, use_alpha)
    _set_common(&f.base, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    f.base.labels = <const int64_t *>cnp.PyArray_DATA(labels)
    f.base.smoothing = smoothing
    return _drive_loss(_focal_kernels().focal_sparse_softmax_ce[_dt(x)], &f.base, x, n_threads)


def focal_softmax_ce_dense(cnp.ndarray x, double gamma, double alpha, bint use_alpha,
                           cnp.ndarray t, *, row_weight=None, col_weight=None,
                           double smoothing=0.0, double grad_scale=1.0, loss_out=None,
                           grad_out=None, hess_out=None, int n_threads=1):
    """Focal twin of softmax_ce_dense."""
    cdef xentc_focal_args f
    memset(&f, 0, sizeof(f))
    _set_focal(&f, gamma, alpha, use_alpha)
    _set_common(&f.base, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&f.base, t)
    f.base.col_weight = _ptr(col_weight)
    f.base.smoothing = smoothing
    return _drive_loss(_focal_kernels().focal_dense_softmax_ce[_dt(x)], &f.base, x, n_threads)


def focal_softmax_ce_csr(cnp.ndarray x, double gamma, double alpha, bint use_alpha,
                         cnp.ndarray indptr, cnp.ndarray indices, cnp.ndarray values, *,
                         row_weight=None, col_weight=None, double smoothing=0.0,
                         double grad_scale=1.0, loss_out=None, grad_out=None, hess_out=None,
                         int n_threads=1):
    """Focal twin of softmax_ce_csr."""
    cdef xentc_focal_args f
    memset(&f, 0, sizeof(f))
    _set_focal(&f, gamma, alpha, use_alpha)
    _set_common(&f.base, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_csr(&f.base, indptr, indices, values)
    f.base.col_weight = _ptr(col_weight)
    f.base.smoothing = smoothing
    return _drive_loss(_focal_kernels().focal_csr_softmax_ce[_dt(x)], &f.base, x, n_threads)


def focal_sigmoid_ce(cnp.ndarray x, double gamma, double alpha, bint use_alpha, cnp.ndarray t,
                     *, row_weight=None, elem_weight=None, col_weight=None,
                     double pos_weight=1.0, double smoothing=0.0, bint flat=False,
                     double grad_scale=1.0, loss_out=None, grad_out=None, hess_out=None,
                     int n_threads=1):
    """Focal twin of sigmoid_ce."""
    cdef xentc_focal_args f
    memset(&f, 0, sizeof(f))
    _set_focal(&f, gamma, alpha, use_alpha)
    _set_common(&f.base, x, flat, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_dense(&f.base, t)
    f.base.elem_weight = _ptr(elem_weight)
    f.base.col_weight = _ptr(col_weight)
    f.base.pos_weight = pos_weight
    f.base.smoothing = smoothing
    return _drive_loss(_focal_kernels().focal_sigmoid_ce[_dt(x)], &f.base, x, n_threads)


def focal_sigmoid_ce_csr(cnp.ndarray x, double gamma, double alpha, bint use_alpha,
                         cnp.ndarray indptr, cnp.ndarray indices, cnp.ndarray values, *,
                         row_weight=None, col_weight=None, double pos_weight=1.0,
                         double smoothing=0.0, double grad_scale=1.0, loss_out=None,
                         grad_out=None, hess_out=None, int n_threads=1):
    """Focal twin of sigmoid_ce_csr."""
    cdef xentc_focal_args f
    memset(&f, 0, sizeof(f))
    _set_focal(&f, gamma, alpha, use_alpha)
    _set_common(&f.base, x, False, row_weight, grad_scale, loss_out, grad_out, hess_out)
    _set_csr(&f.base, indptr, indices, values)
    f.base.col_weight = _ptr(col_weight)
    f.base.pos_weight = pos_weight
    f.base.smoothing = smoothing
    return _drive_loss(_focal_kernels().focal_csr_sigmoid_ce[_dt(x)], &f.base, x, n_threads)


# Grouped softmax cross-entropy (xentc/grouped.py). Its own block: the kernel
# takes xentc_grouped_args, whose first member is the xentc_args the block
# runner passes through.

from libc.stdint cimport int32_t

cdef extern from "xentc_kernels.h" nogil:
    ctypedef struct xentc_grouped_args:
        xentc_args base
        const int32_t *labels
        Py_ssize_t n_groups
        const int64_t *offsets
        double gamma

cdef extern from *:
    """
    static xentc_loss_fn xentc_grouped_kernel(int d) { return xentc_table()->grouped_softmax_ce[d]; }
    """
    xentc_loss_fn xentc_grouped_kernel(int d) nogil


cdef inline Py_ssize_t _grouped_block_rows(Py_ssize_t n_cols) noexcept nogil:
    # whole multiples of 64 rows (the columnar kernels' block, so short
    # groups fill every vector block), at least 64 while that stays within
    # ~512 KiB of float32
    cdef Py_ssize_t b = _block_rows(n_cols)
    cdef Py_ssize_t cap = 131072 // n_cols if n_cols > 0 else 64
    if b >= 64:
        return b - b % 64
    return 64 if cap >= 64 else (cap if cap > b else b)


def grouped_loss(cnp.ndarray x, cnp.ndarray labels, cnp.ndarray offsets, *, row_weight=None,
                 double smoothing=0.0, double gamma=0.0, double grad_scale=1.0,
                 loss_out=None, grad_out=None, hess_out=None, int n_threads=1):
    """Grouped softmax CE over x (n_rows, n_cols) with contiguous rows.
    labels (n_rows, n_groups) int32 (-1 = ignored), offsets (n_groups + 1,)
    int64, row_weight (n_rows, n_groups) float64 or None, loss_out
    (n_rows, n_groups) or None: all C-contiguous, validated by the caller.
    Returns sum over entries of w * loss as a Python float."""
    cdef xentc_grouped_args ga
    memset(&ga, 0, sizeof(ga))
    ga.base.n_rows = x.shape[0]
    ga.base.n_cols = x.shape[1]
    ga.base.x = cnp.PyArray_DATA(x)
    ga.base.ldx = _ld(x)
    ga.labels = <const int32_t *>cnp.PyArray_DATA(labels)
    ga.base.row_weight = <const double *>_ptr(row_weight)
    ga.base.smoothing = smoothing
    ga.base.grad_scale = grad_scale
    ga.base.loss_out = _ptr(loss_out)
    ga.base.grad_out = _ptr(grad_out)
    ga.base.ldg = _ld(grad_out)
    ga.base.hess_out = _ptr(hess_out)
    ga.base.ldh = _ld(hess_out)
    ga.n_groups = offsets.shape[0] - 1
    ga.offsets = <const int64_t *>cnp.PyArray_DATA(offsets)
    ga.gamma = gamma
    return _run_loss(xentc_grouped_kernel(_dt(x)), &ga.base, ga.base.n_rows,
                     _grouped_block_rows(ga.base.n_cols), x.size, n_threads)


def grouped_labels(cnp.ndarray src, cnp.ndarray sizes, object ignore_index):
    """Checks int64 labels src (N, G), C-contiguous, against sizes (G,) int64
    in one pass and writes the private kernel copy (N, G) int32, ignored
    entries -1 (values are narrowed only once checked). Returns (copy, flat index i*G+g of the first bad label or -1, number
    ignored). The copy is what was checked, so src may change meanwhile."""
    cdef Py_ssize_t n = src.shape[0], g_count = src.shape[1], i, g
    cdef cnp.ndarray dst = np.empty((n, g_count), dtype=np.int32)
    cdef const int64_t *s = <const int64_t *>cnp.PyArray_DATA(src)
    cdef const int64_t *sz = <const int64_t *>cnp.PyArray_DATA(sizes)
    cdef int32_t *d = <int32_t *>cnp.PyArray_DATA(dst)
    cdef int64_t v, ign = 0
    cdef bint has_ignore = ignore_index is not None
    cdef Py_ssize_t bad = -1, n_ignored = 0
    if has_ignore:
        ign = ignore_index
    with nogil:
        for i in range(n):
            for g in range(g_count):
                v = s[i * g_count + g]
                if has_ignore and v == ign:
                    v = -1
                    n_ignored += 1
                elif v < 0 or v >= sz[g]:
                    bad = i * g_count + g
                    break
                d[i * g_count + g] = <int32_t>v
            if bad >= 0:
                break
    return dst, bad, n_ignored


# ---------------------------------------------------------------------------
# Per-row scoring statistics (src/body_rowstats.h). Every output is written
# per row, so any block schedule gives the same bits; rows are cut as the
# loss driver cuts them (_block_rows), which keeps the two-class loss
# bit-identical to sparse_softmax_ce's.

cdef extern from "xentc_kernels.h" nogil:
    ctypedef struct xentc_rowstats_args:
        Py_ssize_t n_rows, n_cols
        const void *x
        Py_ssize_t ldx
        const int64_t *labels
        int probabilities
        void *loss_out
        int64_t *argmax_out
        void *top_out
        int64_t *rank_out
        void *p_top_out
        double *sq_out

    ctypedef void (*xentc_rowstats_fn)(const xentc_rowstats_args *a, Py_ssize_t r0,
                                       Py_ssize_t r1) noexcept nogil

cdef extern from *:
    """
    /* the calling thread's table (Design D): simd_target() applies here too */
    static xentc_rowstats_fn xentc_rowstats_kernel(int d) { return xentc_table()->rowstats[d]; }
    """
    xentc_rowstats_fn xentc_rowstats_kernel(int d) nogil


def rowstats(cnp.ndarray x, labels, bint probabilities, loss_out, argmax_out, top_out,
             rank_out, p_top_out, sq_out, int n_threads):
    """Fills the given per-row outputs (None = not wanted) from the 2-D x
    (float32/float64, contiguous rows) and int64 labels (or None); the
    outputs are C-contiguous of length x.shape[0], loss/top/p_top of x's dtype,
    argmax/rank int64, sq float64."""
    cdef xentc_rowstats_args a
    memset(&a, 0, sizeof(a))
    a.n_rows = x.shape[0]
    a.n_cols = x.shape[1]
    a.x = cnp.PyArray_DATA(x)
    a.ldx = _ld(x)
    a.labels = <const int64_t *>_ptr(labels)
    a.probabilities = probabilities
    a.loss_out = _ptr(loss_out)
    a.argmax_out = <int64_t *>_ptr(argmax_out)
    a.top_out = _ptr(top_out)
    a.rank_out = <int64_t *>_ptr(rank_out)
    a.p_top_out = _ptr(p_top_out)
    a.sq_out = <double *>_ptr(sq_out)
    cdef xentc_rowstats_fn fn = xentc_rowstats_kernel(_dt(x))
    cdef Py_ssize_t block = _block_rows(a.n_cols)
    cdef Py_ssize_t n_blocks = (a.n_rows + block - 1) // block
    cdef int team = _team(n_blocks, a.n_rows * a.n_cols, n_threads)
    cdef Py_ssize_t b, r0, r1
    with nogil:
        if team == 1:
            for b in range(n_blocks):
                r0 = b * block
                r1 = r0 + block if r0 + block < a.n_rows else a.n_rows
                fn(&a, r0, r1)
        else:
            for b in prange(n_blocks, num_threads=team, schedule="dynamic"):
                r0 = b * block
                r1 = r0 + block if r0 + block < a.n_rows else a.n_rows
                fn(&a, r0, r1)


# ---------------------------------------------------------------------------
# per-call fast paths of single small requests (see the file's header)

include "_fast_paths.pxi"
