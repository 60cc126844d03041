/* xentc_kernels.h -- the C interface between the Cython drivers and the
 * per-ISA kernel builds.
 *
 * Design:
 * A. Every kernel works on a range of rows [r0, r1) (or of elements, for the
 *    element-wise ones) and returns its partial sum. The Cython layer owns
 *    the threads: it cuts the rows into fixed-size blocks (independent of the
 *    thread count), runs blocks in a `prange`, and adds the per-block partial
 *    sums in block order. That is what makes results bit-identical for every
 *    n_threads.
 * B. A kernel sees validated input only (the Python layer checks shapes,
 *    dtypes, ranges): no checks, no allocation, no Python.h here.
 * C. Rows are contiguous; consecutive rows are `ld*` elements apart, so row
 *    slices and padded buffers need no copy.
 * D. Per-row weights are float64 (they enter float64 sums); per-column
 *    weights (class_weight, pos_weight) have the logits' dtype so they load
 *    straight into vector lanes.
 * E. The same table is compiled once per ISA (src/target_*.c); dispatch.c
 *    picks one at import. Index [0] of each entry is float32, [1] float64.
 */
#ifndef XENTC_KERNELS_H
#define XENTC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    ptrdiff_t n_rows, n_cols;
    const void *x; /* logits or probabilities, n_rows x n_cols */
    ptrdiff_t ldx;
    const int64_t *labels; /* sparse targets: class per row; < 0 = ignored */
    const void *t;         /* dense targets, same shape as x, or NULL */
    ptrdiff_t ldt;
    const int64_t *indptr; /* CSR targets (canonical: sorted, no duplicates) */
    const int64_t *indices;
    const void *values;
    const double *row_weight; /* per row, or NULL = 1 */
    const void *elem_weight;  /* per element (flat element-wise kernels), or NULL = 1 */
    const void *col_weight;   /* class_weight (softmax) / pos_weight (sigmoid), or NULL */
    double pos_weight;        /* scalar pos_weight when col_weight is NULL (sigmoid) */
    double smoothing;         /* label smoothing in [0, 1] */
    double clip_eps;          /* probabilities clipped to [clip_eps, 1 - clip_eps] */
    int renormalize;          /* probability rows divided by their sum first */
    int flat;                 /* element-wise kernels: one long row, weights per element */
    double grad_scale;        /* multiplies w_i in gradient and Hessian */
    void *loss_out;           /* weighted per-row (or per-element) losses, or NULL */
    void *grad_out;           /* may alias x (same layout); or NULL */
    ptrdiff_t ldg;
    void *hess_out; /* or NULL */
    ptrdiff_t ldh;
    /* dense soft targets (softmax CE): when not NULL, lowered atomically to
     * the first row holding a target < 0, found in the pass that reads the
     * targets for the loss; the Python layer then raises. NULL: checked before */
    int64_t *neg_target_row;
} xentc_args;

/* grouped softmax CE (src/body_grouped.h): `base` describes the whole
 * (n_rows, n_cols) logits; its row_weight and loss_out are (n_rows,
 * n_groups), C order, and base.labels is unused. The kernel has the
 * xentc_loss_fn signature and is passed &args.base (the first member). */
typedef struct {
    xentc_args base;
    const int32_t *labels; /* (n_rows, n_groups), C order; < 0 = ignored */
    ptrdiff_t n_groups;
    const int64_t
        *offsets; /* n_groups + 1 column offsets: group g is [offsets[g], offsets[g+1]) */
    double gamma; /* focal exponent; 0 = plain cross-entropy (the sparse kernel) */
} xentc_grouped_args;

/* Arguments of the focal kernels: the plain ones first, so that a focal
 * kernel receives &base through the common xentc_loss_fn signature. */
typedef struct {
    xentc_args base;
    double gamma;  /* focal exponent, >= 0 */
    double alpha;  /* sigmoid: alpha_t = alpha*y + (1-alpha)*(1-y) ... */
    int use_alpha; /* ... applied when set (torchvision's alpha >= 0) */
} xentc_focal_args;

/* loss kernels: return sum over rows of w_i * loss_i (float64) */
typedef double (*xentc_loss_fn)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1);
/* row primitives: out row i = f(x row i); for logsumexp out is (n_rows,) */
typedef void (*xentc_rows_fn)(const void *x, ptrdiff_t ldx, ptrdiff_t n_cols, ptrdiff_t r0,
                              ptrdiff_t r1, void *out, ptrdiff_t ldo);
/* element-wise primitives over [i0, i1) of contiguous arrays */
typedef void (*xentc_elem_fn)(const void *x, void *out, ptrdiff_t i0, ptrdiff_t i1);

/* Per-row statistics for scoring (src/body_rowstats.h); any output may be NULL. */
typedef struct {
    ptrdiff_t n_rows, n_cols;
    const void *x; /* logits, or probabilities when `probabilities` */
    ptrdiff_t ldx;
    const int64_t *labels; /* class per row in [0, n_cols), or NULL (no loss, rank, y term) */
    int probabilities;
    void *loss_out;      /* lse - x_y, dtype of x (logits and labels only) */
    int64_t *argmax_out; /* first index of the max; first NaN if any (np.argmax) */
    void *top_out;       /* x at the argmax (NaN for a row holding NaN), dtype of x */
    int64_t *rank_out;   /* scores ranked above the label's (scikit-learn's top-k ties) */
    void *p_top_out;     /* top-label probability, dtype of x */
    double *sq_out;      /* sum_j (p_j - [j == y])^2; sum_j p_j^2 without labels */
} xentc_rowstats_args;

typedef void (*xentc_rowstats_fn)(const xentc_rowstats_args *a, ptrdiff_t r0, ptrdiff_t r1);

typedef struct {
    const char *name;
    xentc_rows_fn logsumexp[2], softmax[2], log_softmax[2];
    xentc_elem_fn sigmoid[2], log_sigmoid[2];
    xentc_elem_fn exp[2], log[2], log1p[2]; /* exposed for accuracy tests */
    xentc_loss_fn sparse_softmax_ce[2];     /* labels */
    xentc_loss_fn dense_softmax_ce[2];      /* dense soft targets t */
    xentc_loss_fn csr_softmax_ce[2];        /* CSR soft targets */
    xentc_loss_fn sigmoid_ce[2];            /* dense targets t */
    xentc_loss_fn csr_sigmoid_ce[2];        /* CSR multi-label targets */
    xentc_loss_fn binary_ce[2];             /* probabilities, dense targets */
    xentc_loss_fn sparse_categorical_ce[2]; /* probabilities, labels */
    xentc_loss_fn dense_categorical_ce[2];  /* probabilities, dense targets */
    xentc_loss_fn csr_categorical_ce[2];    /* probabilities, CSR targets */
    xentc_loss_fn grouped_softmax_ce[2];    /* xentc_grouped_args: groups of columns */
    /* focal losses (src/body_focal.h): called with &xentc_focal_args.base */
    xentc_loss_fn focal_sigmoid_ce[2], focal_csr_sigmoid_ce[2];
    xentc_loss_fn focal_sparse_softmax_ce[2], focal_dense_softmax_ce[2], focal_csr_softmax_ce[2];
    xentc_rowstats_fn rowstats[2]; /* per-row scoring statistics */
} xentc_kernel_table;

/* dispatch.c */
int xentc_select(const char *name); /* 0 ok, -1 unknown / unsupported */
const xentc_kernel_table *xentc_active(void);
const char *xentc_compiled_targets(void);  /* e.g. "baseline,avx2,avx512" */
const char *xentc_supported_targets(void); /* the subset this CPU runs */

#endif /* XENTC_KERNELS_H */
