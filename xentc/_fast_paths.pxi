# Included by _kernels.pyx (it uses that module's kernel table, _run_loss and
# _block_rows, so the fast paths run exactly the kernels, arguments and block
# order of the checked path).
#
# Per-call fast paths: a single small request (online scoring) spends
# microseconds in Python-level checks and dispatch and nanoseconds in the
# kernel. Each entry below serves the common case only -- exact
# numpy.ndarray inputs, C-contiguous, native float32/float64, default options,
# fewer than _PARALLEL_MIN elements (so one thread, no OpenMP region, and
# n_threads needs no resolving) -- checks it in one C pass, and otherwise
# returns None: the caller then takes its full validation path, which decides
# every error message. So an input is refused exactly when it was before:
# the fast path only ever accepts inputs the full path accepts (its value
# checks are at least as strict: e.g. a negative target is declined even
# beside a NaN, which the full path lets through), and on those it computes
# the full path's kernel call bit for bit.
# Private copies (labels, column weights) are taken in the checking pass
# itself, as _validation.py's Design A requires.

from libc.math cimport isnan, isinf, INFINITY
from libc.string cimport memcpy
from libc.float cimport FLT_EPSILON, DBL_EPSILON

# reductions the fast loss paths serve (the "none" reduction allocates an
# output and goes through the full path)
cdef enum:
    _FAST_MEAN = 0
    _FAST_SUM = 1
    # the primitives keep the GIL below this many elements (releasing it costs
    # about as much as the kernel); the losses release it in _run_loss
    _FAST_NOGIL_MIN = 4096


cdef inline bint _fast_float(object obj):
    """An exact ndarray the kernels read as it is, flat: native float32 or
    float64, aligned, C-contiguous."""
    if type(obj) is not np.ndarray:
        return False
    cdef cnp.ndarray a = <cnp.ndarray>obj
    cdef int tn = a.descr.type_num
    return ((tn == cnp.NPY_FLOAT32 or tn == cnp.NPY_FLOAT64) and cnp.PyArray_ISNOTSWAPPED(a)
            and cnp.PyArray_ISALIGNED(a) and cnp.PyArray_IS_C_CONTIGUOUS(a))


cdef inline bint _fast_size(cnp.ndarray a):
    # empty inputs have their own rules (NaN means, -inf logsumexp): full path
    return 0 < a.size < _PARALLEL_MIN


cdef inline bint _fast_n_threads(object n_threads):
    """n_threads the full path accepts without changing anything below
    _PARALLEL_MIN elements (where every call runs on the calling thread)."""
    return n_threads is None or (type(n_threads) is int and 1 <= n_threads <= 2147483647)


cdef inline int _fast_reduction(object reduction):
    if type(reduction) is str:
        if reduction == "mean":
            return _FAST_MEAN
        if reduction == "sum":
            return _FAST_SUM
    return -1


cdef inline bint _fast_like(object t, cnp.ndarray x):
    """t is a fast array of x's dtype and shape."""
    if not _fast_float(t):
        return False
    cdef cnp.ndarray a = <cnp.ndarray>t
    if a.descr.type_num != x.descr.type_num or a.ndim != x.ndim:
        return False
    cdef int i
    for i in range(x.ndim):
        if a.shape[i] != x.shape[i]:
            return False
    return True


cdef bint _fast_in_range(cnp.ndarray a, double lo, double hi) noexcept:
    """No entry below lo or above hi (NaN passes, as in the full checks)."""
    cdef Py_ssize_t i, n = a.size
    cdef const float *f
    cdef const double *d
    if a.descr.type_num == cnp.NPY_FLOAT32:
        f = <const float *>cnp.PyArray_DATA(a)
        for i in range(n):
            if f[i] < lo or f[i] > hi:
                return False
    else:
        d = <const double *>cnp.PyArray_DATA(a)
        for i in range(n):
            if d[i] < lo or d[i] > hi:
                return False
    return True


cdef bint _fast_has_nan(cnp.ndarray a) noexcept:
    cdef Py_ssize_t i, n = a.size
    cdef const float *f
    cdef const double *d
    if a.descr.type_num == cnp.NPY_FLOAT32:
        f = <const float *>cnp.PyArray_DATA(a)
        for i in range(n):
            if isnan(f[i]):
                return True
    else:
        d = <const double *>cnp.PyArray_DATA(a)
        for i in range(n):
            if isnan(d[i]):
                return True
    return False


cdef inline bint _fast_axis_last(object axis, int ndim):
    return type(axis) is int and (axis == -1 or axis == ndim - 1)


cdef int64_t *_fast_labels(object obj, Py_ssize_t n, int64_t bound, uint8_t *seen):
    """Private int64 copy of exact-ndarray 1-D integer labels of length n,
    every value in [0, bound) (each read once); NULL when they are anything
    else (the caller declines). seen: if not NULL, seen[v] = 1 per value."""
    if type(obj) is not np.ndarray:
        return NULL
    cdef cnp.ndarray lab = <cnp.ndarray>obj
    if (lab.ndim != 1 or lab.shape[0] != n or not cnp.PyArray_ISALIGNED(lab)
            or not cnp.PyArray_ISNOTSWAPPED(lab)):
        return NULL
    cdef char kind = lab.descr.kind
    if kind != b'i' and kind != b'u':
        return NULL
    cdef int64_t *dst = <int64_t *>malloc(n * sizeof(int64_t) if n > 0 else 1)
    if dst == NULL:
        return NULL
    cdef Py_ssize_t i
    if _copy_any(kind, lab.itemsize, cnp.PyArray_DATA(lab), lab.strides[0], n, dst, bound,
                 False, 0) != -1:
        free(dst)
        return NULL
    if seen != NULL:
        for i in range(n):
            seen[dst[i]] = 1
    return dst


cdef inline void _fast_args(xentc_args *a, cnp.ndarray x, bint flat) noexcept:
    """What the loss entries (_set_common) set for x with every option at its
    default; each fast path then sets its targets, weights and grad_scale."""
    memset(a, 0, sizeof(xentc_args))
    if flat:
        a.n_rows = 1
        a.n_cols = x.size
        a.ldx = x.size
        a.flat = 1
    else:
        a.n_rows = x.shape[0]
        a.n_cols = x.shape[1]
        a.ldx = _ld(x)
    a.x = cnp.PyArray_DATA(x)
    a.grad_scale = 1.0


cdef inline double _fast_scale(int reduction, double denom) noexcept:
    """losses._grad_scale for a plain call (weight_sum * divisor = denom)."""
    if reduction != _FAST_MEAN:
        return 1.0
    return 1.0 / denom if denom != 0 else 0.0


cdef inline object _fast_reduce(double total, int reduction, double denom):
    """losses._reduce for reduction mean / sum."""
    if reduction == _FAST_SUM:
        return total
    return total / denom


cdef inline bint _fast_gamma(object gamma, object alpha, double *g, double *al, int *use_al):
    """focal_gamma: a float >= 0 (finite); focal_alpha: None or a float in [0, 1]."""
    if type(gamma) is not float:
        return False
    g[0] = <double>gamma
    if not (g[0] >= 0.0) or isinf(g[0]):
        return False
    use_al[0] = 0
    al[0] = 0.0
    if alpha is not None:
        if type(alpha) is not float or not (0.0 <= <double>alpha <= 1.0):
            return False
        al[0] = <double>alpha
        use_al[0] = 1
    return True


cdef enum:  # which kernel-table slot a primitive fast path runs
    _FAST_SIGMOID
    _FAST_LOG_SIGMOID
    _FAST_LOGSUMEXP
    _FAST_SOFTMAX
    _FAST_LOG_SOFTMAX


cdef object _fast_elementwise(int op, object x, object n_threads):
    """sigmoid / log_sigmoid of a fast array with at least one dimension, as
    a fresh array of its shape; None to decline (special._elementwise)."""
    if not _fast_float(x) or not _fast_n_threads(n_threads):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if a.ndim == 0 or not _fast_size(a):
        return None
    cdef int d = _dt(a)
    cdef const xentc_kernel_table *k = xentc_table()
    cdef xentc_elem_fn fn = k.sigmoid[d] if op == _FAST_SIGMOID else k.log_sigmoid[d]
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(a.ndim, a.shape, a.descr.type_num, 0)
    cdef const void *xp = cnp.PyArray_DATA(a)
    cdef void *op_ = cnp.PyArray_DATA(out)
    cdef Py_ssize_t n = a.size
    if n < _FAST_NOGIL_MIN:
        fn(xp, op_, 0, n)
    else:
        with nogil:
            fn(xp, op_, 0, n)
    return out


cdef object _fast_rows(int op, object x, object axis, bint keepdims, object n_threads):
    """logsumexp / softmax / log_softmax along the last axis of a fast 1-D or
    2-D array (special.py's results: logsumexp of a 1-D array is a 0-d
    array); None to decline."""
    if not _fast_float(x) or not _fast_n_threads(n_threads):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if (a.ndim != 1 and a.ndim != 2) or not _fast_size(a) or not _fast_axis_last(axis, a.ndim):
        return None
    cdef int d = _dt(a)
    cdef const xentc_kernel_table *k = xentc_table()
    cdef Py_ssize_t n_cols = a.shape[a.ndim - 1]
    cdef Py_ssize_t n_rows = a.size // n_cols
    cdef cnp.npy_intp dims[2]
    cdef int nd
    cdef Py_ssize_t ldo
    cdef xentc_rows_fn fn
    cdef cnp.ndarray out
    if op == _FAST_LOGSUMEXP:
        fn = k.logsumexp[d]
        # the reduced shape: (N,) / (N, 1) for 2-D, () / (1,) for 1-D
        nd = a.ndim - 1
        dims[0] = n_rows
        if keepdims:
            dims[nd] = 1
            nd += 1
        out = cnp.PyArray_EMPTY(nd, dims, a.descr.type_num, 0)
        ldo = n_rows
    else:
        fn = k.softmax[d] if op == _FAST_SOFTMAX else k.log_softmax[d]
        out = cnp.PyArray_EMPTY(a.ndim, a.shape, a.descr.type_num, 0)
        ldo = n_cols
    cdef const void *xp = cnp.PyArray_DATA(a)
    cdef void *op_ = cnp.PyArray_DATA(out)
    if a.size < _FAST_NOGIL_MIN:
        fn(xp, n_cols, n_cols, 0, n_rows, op_, ldo)
    else:
        with nogil:
            fn(xp, n_cols, n_cols, 0, n_rows, op_, ldo)
    return out


def fast_sigmoid(object x, object n_threads):
    return _fast_elementwise(_FAST_SIGMOID, x, n_threads)


def fast_log_sigmoid(object x, object n_threads):
    return _fast_elementwise(_FAST_LOG_SIGMOID, x, n_threads)


def fast_logsumexp(object x, object axis, bint keepdims, object n_threads):
    return _fast_rows(_FAST_LOGSUMEXP, x, axis, keepdims, n_threads)


def fast_softmax(object x, object axis, object n_threads):
    return _fast_rows(_FAST_SOFTMAX, x, axis, False, n_threads)


def fast_log_softmax(object x, object axis, object n_threads):
    return _fast_rows(_FAST_LOG_SOFTMAX, x, axis, False, n_threads)


def fast_sparse_softmax_ce(object x, object labels, object reduction, object n_threads,
                           object focal_gamma=0.0):
    """sparse_softmax_cross_entropy(x, labels) with no options but
    reduction mean / sum and focal_gamma; None to decline."""
    cdef int red = _fast_reduction(reduction)
    cdef double gamma = 0.0, alpha = 0.0
    cdef int use_alpha
    if (red < 0 or not _fast_float(x) or not _fast_n_threads(n_threads)
            or not _fast_gamma(focal_gamma, None, &gamma, &alpha, &use_alpha)):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if a.ndim != 2 or not _fast_size(a):
        return None
    cdef Py_ssize_t n = a.shape[0]
    cdef int64_t *lab = _fast_labels(labels, n, a.shape[1], NULL)
    if lab == NULL:
        return None
    cdef int d = _dt(a)
    cdef xentc_focal_args f
    _fast_args(&f.base, a, False)
    f.base.labels = lab
    f.base.grad_scale = _fast_scale(red, <double>n)
    cdef xentc_loss_fn fn
    if gamma == 0.0:
        fn = xentc_table().sparse_softmax_ce[d]
    else:
        fn = (<const _focal_table *>xentc_table()).focal_sparse_softmax_ce[d]
        f.gamma = gamma
        f.alpha = alpha
        f.use_alpha = use_alpha
    cdef double total
    try:
        total = _run_loss(fn, &f.base, n, _block_rows(a.shape[1]), a.size, 1)
    finally:
        free(lab)
    return _fast_reduce(total, red, <double>n)


def fast_softmax_ce(object x, object targets, object reduction, object n_threads,
                    object focal_gamma=0.0):
    """softmax_cross_entropy(x, dense targets of x's dtype and shape);
    None to decline."""
    cdef int red = _fast_reduction(reduction)
    cdef double gamma = 0.0, alpha = 0.0
    cdef int use_alpha
    if (red < 0 or not _fast_float(x) or not _fast_n_threads(n_threads)
            or not _fast_gamma(focal_gamma, None, &gamma, &alpha, &use_alpha)):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if a.ndim != 2 or not _fast_size(a) or not _fast_like(targets, a):
        return None
    cdef cnp.ndarray t = <cnp.ndarray>targets
    if not _fast_in_range(t, 0.0, INFINITY):
        return None
    cdef Py_ssize_t n = a.shape[0]
    cdef int d = _dt(a)
    cdef xentc_focal_args f
    _fast_args(&f.base, a, False)
    f.base.t = cnp.PyArray_DATA(t)
    f.base.ldt = _ld(t)
    f.base.grad_scale = _fast_scale(red, <double>n)
    cdef xentc_loss_fn fn
    if gamma == 0.0:
        fn = xentc_table().dense_softmax_ce[d]
    else:
        fn = (<const _focal_table *>xentc_table()).focal_dense_softmax_ce[d]
        f.gamma = gamma
    cdef double total = _run_loss(fn, &f.base, n, _block_rows(a.shape[1]), a.size, 1)
    return _fast_reduce(total, red, <double>n)


def fast_sigmoid_ce(object x, object targets, object pos_weight, object reduction,
                    object n_threads, object focal_gamma=0.0, object focal_alpha=None):
    """sigmoid_cross_entropy(x, dense targets of x's dtype and shape) with
    pos_weight None, a float, or a 1-D array of x's dtype (length 1, or K for
    2-D x); None to decline."""
    cdef int red = _fast_reduction(reduction)
    cdef double gamma = 0.0, alpha = 0.0
    cdef int use_alpha
    if (red < 0 or not _fast_float(x) or not _fast_n_threads(n_threads)
            or not _fast_gamma(focal_gamma, focal_alpha, &gamma, &alpha, &use_alpha)):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if (a.ndim != 1 and a.ndim != 2) or not _fast_size(a) or not _fast_like(targets, a):
        return None
    cdef cnp.ndarray t = <cnp.ndarray>targets
    cdef cnp.ndarray pw
    cdef double pw_s = 1.0
    cdef Py_ssize_t kcols = a.shape[1] if a.ndim == 2 else 1, i
    cdef void *pw_col = NULL
    if pos_weight is not None:
        if type(pos_weight) is float:
            pw_s = <double>pos_weight
        elif _fast_float(pos_weight):
            pw = <cnp.ndarray>pos_weight
            if pw.ndim != 1 or pw.descr.type_num != a.descr.type_num:
                return None
            if pw.shape[0] == 1:
                pw_s = (<const float *>cnp.PyArray_DATA(pw))[0] if _dt(pw) == 0 else \
                    (<const double *>cnp.PyArray_DATA(pw))[0]
            elif pw.shape[0] != kcols:
                return None
            else:  # per-column weights: a private copy, checked as copied
                pw_col = malloc(kcols * pw.itemsize)
                if pw_col == NULL:
                    return None
                memcpy(pw_col, cnp.PyArray_DATA(pw), kcols * pw.itemsize)
                for i in range(kcols):
                    pw_s = ((<const float *>pw_col)[i] if _dt(pw) == 0
                            else (<const double *>pw_col)[i])
                    if not (pw_s >= 0.0) or isinf(pw_s):
                        free(pw_col)
                        return None
                pw_s = 1.0
        else:
            return None
        if not (pw_s >= 0.0) or isinf(pw_s):  # finite, non-negative (NaN fails)
            free(pw_col)
            return None
    if not _fast_in_range(t, 0.0, 1.0):
        free(pw_col)
        return None
    cdef int d = _dt(a)
    cdef bint flat = pw_col == NULL  # losses._compute_binary_family's rule
    cdef xentc_focal_args f
    _fast_args(&f.base, a, flat)
    f.base.t = cnp.PyArray_DATA(t)
    f.base.ldt = a.size if flat else _ld(t)
    f.base.pos_weight = pw_s
    f.base.col_weight = pw_col
    cdef double denom = <double>a.shape[0] * kcols
    f.base.grad_scale = _fast_scale(red, denom)
    cdef xentc_loss_fn fn
    if gamma == 0.0 and not use_alpha:
        fn = xentc_table().sigmoid_ce[d]
    else:
        fn = (<const _focal_table *>xentc_table()).focal_sigmoid_ce[d]
        f.gamma = gamma
        f.alpha = alpha
        f.use_alpha = use_alpha
    cdef double total
    try:
        if flat:
            total = _run_loss(fn, &f.base, a.size, _BLOCK_ELEMS * 4, a.size, 1)
        else:
            total = _run_loss(fn, &f.base, a.shape[0], _block_rows(kcols), a.size, 1)
    finally:
        free(pw_col)
    return _fast_reduce(total, red, denom)


cdef inline bint _fast_eps(object eps, int type_num, double *out):
    """losses._resolve_eps: "auto" -> the dtype's machine epsilon, or a float
    in [0, 0.5)."""
    if type(eps) is str:
        if eps != "auto":
            return False
        out[0] = FLT_EPSILON if type_num == cnp.NPY_FLOAT32 else DBL_EPSILON
        return True
    if type(eps) is float and 0.0 <= <double>eps < 0.5:
        out[0] = <double>eps
        return True
    return False


def fast_binary_ce(object probs, object targets, object eps, object reduction,
                   object n_threads):
    """binary_cross_entropy(probs, dense targets of probs' dtype and shape);
    None to decline."""
    cdef int red = _fast_reduction(reduction)
    if red < 0 or not _fast_float(probs) or not _fast_n_threads(n_threads):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>probs
    cdef double e
    if ((a.ndim != 1 and a.ndim != 2) or not _fast_size(a) or not _fast_like(targets, a)
            or not _fast_eps(eps, a.descr.type_num, &e)):
        return None
    cdef cnp.ndarray t = <cnp.ndarray>targets
    if not _fast_in_range(t, 0.0, 1.0) or not _fast_in_range(a, 0.0, 1.0):
        return None
    cdef xentc_args arg
    _fast_args(&arg, a, True)
    arg.t = cnp.PyArray_DATA(t)
    arg.ldt = a.size
    arg.clip_eps = e
    cdef double denom = <double>a.shape[0] * (a.shape[1] if a.ndim == 2 else 1)
    arg.grad_scale = _fast_scale(red, denom)
    cdef double total = _run_loss(xentc_table().binary_ce[_dt(a)], &arg, a.size,
                                  _BLOCK_ELEMS * 4, a.size, 1)
    return _fast_reduce(total, red, denom)


def fast_categorical_ce(object probs, object targets, object eps, object reduction,
                        object n_threads):
    """categorical_cross_entropy(probs, integer labels or dense targets of
    probs' dtype and shape), renormalize=False; None to decline."""
    cdef int red = _fast_reduction(reduction)
    if red < 0 or not _fast_float(probs) or not _fast_n_threads(n_threads):
        return None
    cdef cnp.ndarray a = <cnp.ndarray>probs
    cdef double e
    if a.ndim != 2 or not _fast_size(a) or not _fast_eps(eps, a.descr.type_num, &e):
        return None
    cdef Py_ssize_t n = a.shape[0]
    cdef int d = _dt(a)
    cdef xentc_args arg
    cdef xentc_loss_fn fn
    cdef int64_t *lab = NULL
    cdef cnp.ndarray t
    if _fast_like(targets, a):
        t = <cnp.ndarray>targets
        if not _fast_in_range(t, 0.0, INFINITY):
            return None
    elif not (type(targets) is np.ndarray and (<cnp.ndarray>targets).ndim == 1):
        return None
    if not _fast_in_range(a, 0.0, 1.0):
        return None
    _fast_args(&arg, a, False)
    if (<cnp.ndarray>targets).ndim == 1:
        lab = _fast_labels(targets, n, a.shape[1], NULL)
        if lab == NULL:
            return None
        arg.labels = lab
        fn = xentc_table().sparse_categorical_ce[d]
    else:
        arg.t = cnp.PyArray_DATA(t)
        arg.ldt = _ld(t)
        fn = xentc_table().dense_categorical_ce[d]
    arg.clip_eps = e
    arg.grad_scale = _fast_scale(red, <double>n)
    cdef double total
    try:
        total = _run_loss(fn, &arg, n, _block_rows(a.shape[1]), a.size, 1)
    finally:
        free(lab)
    return _fast_reduce(total, red, <double>n)


def fast_log_loss_logits(object y_true, object y_proba, object normalize):
    """metrics.log_loss(y_true, logits, from_logits=True) for 1-D integer
    y_true holding every class 0..C-1 of 2-D logits (C >= 2): then
    scikit-learn's inferred classes are exactly arange(C), the target type is
    binary/multiclass and the encoded labels are y_true itself, so the value
    is the sparse softmax CE kernel's (metrics._cross_entropy). None to
    decline."""
    if not _fast_float(y_proba) or type(normalize) is not bool:
        return None
    cdef cnp.ndarray a = <cnp.ndarray>y_proba
    if a.ndim != 2 or a.shape[1] < 2 or not _fast_size(a) or a.shape[0] < a.shape[1]:
        return None  # fewer rows than columns: some class is missing
    if _fast_has_nan(a):
        return None  # "Input contains NaN": the full path says so
    cdef Py_ssize_t n = a.shape[0], c = a.shape[1], j
    cdef uint8_t *seen = <uint8_t *>malloc(c)
    if seen == NULL:
        return None
    memset(seen, 0, c)
    cdef int64_t *lab = _fast_labels(y_true, n, c, seen)
    cdef bint every = lab != NULL
    for j in range(c):
        every = every and seen[j]
    free(seen)
    if not every:
        free(lab)
        return None
    cdef int red = _FAST_MEAN if normalize else _FAST_SUM
    cdef xentc_args arg
    _fast_args(&arg, a, False)
    arg.labels = lab
    arg.grad_scale = _fast_scale(red, <double>n)
    cdef double total
    try:
        total = _run_loss(xentc_table().sparse_softmax_ce[_dt(a)], &arg, n, _block_rows(c),
                          a.size, 1)
    finally:
        free(lab)
    return _fast_reduce(total, red, <double>n)
