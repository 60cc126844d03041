# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython driver of the fused linear + cross-entropy kernels
(src/linear_kernels.h): NumPy buffers to pointers, GIL released.

Design:
A. Mechanical only: linear.py has checked dtypes, shapes and values and
   hands over arrays whose rows are contiguous with positive row strides
   (what BLAS accepts), int64 labels and float64 per-row arrays.
B. BLAS is the user's: sgemm/dgemm from scipy.linalg.cython_blas (no new
   dependency, no link-time BLAS). The threads are ours (OpenMP, see
   src/linear_body.h Design C); linear.py keeps BLAS single-threaded around the
   call so the two thread pools do not multiply.
C. exp is the dispatched SIMD kernel. This module links its own copy of
   src/dispatch.c, so each call first selects the target that _kernels has
   active (`set_simd_target`, XENTC_SIMD): both modules run the same code.
   The tile loops of src/linear_body.h follow the same target name.
"""
cimport numpy as cnp
from libc.stdint cimport int64_t
from libc.string cimport memset
from scipy.linalg.cython_blas cimport sgemm, dgemm
from xentc._common cimport _dt, _ptr, _ld

cnp.import_array()

cdef extern from "xentc_kernels.h" nogil:
    ctypedef void (*xentc_elem_fn)(const void *x, void *out, Py_ssize_t i0, Py_ssize_t i1) noexcept nogil
    ctypedef struct xentc_kernel_table:
        xentc_elem_fn exp[2]
    int xentc_select(const char *name)
    const xentc_kernel_table *xentc_active()

cdef extern from "linear_kernels.h" nogil:
    enum:
        XL_OP_STATS
        XL_OP_TOPK
        XL_OP_LOSS_GRAD
        XL_ISA_BASELINE
        XL_ISA_AVX2
        XL_ISA_AVX512
    ctypedef struct xl_row:
        pass
    ctypedef struct xl_args:
        int dtype
        int isa
        Py_ssize_t n, d, v
        const void *h
        Py_ssize_t ldh
        const void *w
        Py_ssize_t ldw
        const void *bias
        const int64_t *labels
        double smoothing
        xl_row *rows
        const double *row_a
        void *dh
        Py_ssize_t lddh
        void *dw
        Py_ssize_t lddw
        double *db
        Py_ssize_t k
        double *topv
        int64_t *topi
        xentc_elem_fn exp_fn
        void *gemm
        int n_threads
        Py_ssize_t rows_sb, vt
    int xl_run(xl_args *a, int op)

# Columns of the per-row state array (the fields of xl_row, in order).
ROW_FIELDS = ("m", "lse", "inv_s", "loss")

OP_STATS = XL_OP_STATS
OP_TOPK = XL_OP_TOPK
OP_LOSS_GRAD = XL_OP_LOSS_GRAD


def run(int op, str target, h, w, bias, labels, double smoothing, rows, row_a, dh, dw, db,
        Py_ssize_t k, topv, topi, int n_threads, Py_ssize_t rows_sb, Py_ssize_t vt):
    """One fused pass (op: OP_STATS, OP_TOPK or OP_LOSS_GRAD); fills `rows`
    (n, 4) and, as asked, the gradients / top-k arrays. Raises MemoryError
    if per-thread scratch cannot be allocated."""
    cdef xl_args a
    memset(&a, 0, sizeof(a))
    cdef int rc
    cdef int dt = _dt(<cnp.ndarray>h)
    if xentc_select(target.encode()) != 0:
        raise ValueError(f"SIMD target {target!r} is not available to xentc._linear")
    a.dtype = dt
    a.isa = {"avx2": XL_ISA_AVX2, "avx512": XL_ISA_AVX512}.get(target, XL_ISA_BASELINE)
    a.n = h.shape[0]
    a.d = h.shape[1]
    a.v = w.shape[0]
    a.h = _ptr(h)
    a.ldh = _ld(h)
    a.w = _ptr(w)
    a.ldw = _ld(w)
    a.bias = _ptr(bias)
    a.labels = <const int64_t *>_ptr(labels)
    a.smoothing = smoothing
    a.rows = <xl_row *>_ptr(rows)
    a.row_a = <const double *>_ptr(row_a)
    a.dh = _ptr(dh)
    a.lddh = _ld(dh)
    a.dw = _ptr(dw)
    a.lddw = _ld(dw)
    a.db = <double *>_ptr(db)
    a.k = k
    a.topv = <double *>_ptr(topv)
    a.topi = <int64_t *>_ptr(topi)
    a.exp_fn = xentc_active().exp[dt]
    a.gemm = <void *>sgemm if dt == 0 else <void *>dgemm
    a.n_threads = n_threads
    a.rows_sb = rows_sb
    a.vt = vt
    with nogil:
        rc = xl_run(&a, op)
    if rc != 0:
        raise MemoryError("xentc: could not allocate the per-thread tile buffers")
