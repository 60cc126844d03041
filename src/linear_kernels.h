/* linear_kernels.h -- the fused linear + cross-entropy driver: row
 * statistics and how they combine, the fixed reduction tree, and one tile
 * body per dtype (linear_body.h, which holds the Design notes). Called from
 * _linear.pyx with validated, kernel-form arrays. */
#ifndef XENTC_LINEAR_KERNELS_H
#define XENTC_LINEAR_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xentc_kernels.h"

enum { XL_OP_STATS = 0, XL_OP_TOPK = 1, XL_OP_LOSS_GRAD = 2 };
enum { XL_ISA_BASELINE = 0, XL_ISA_AVX2 = 1, XL_ISA_AVX512 = 2 };

/* Log-sum-exp statistics of one row over some columns (Design B). */
typedef struct {
    double m;    /* max of the logits */
    double k;    /* entries equal to m */
    double s;    /* sum of exp(x - m) over the entries below m */
    double xy;   /* the label's logit, if among the columns (has_y) */
    double sumx; /* sum of the logits (label smoothing) */
    int bad;     /* a logit was not finite */
    int has_y;
} xl_stats;

/* Per-row results: a (n, 4) float64 array on the Python side, columns in
 * this order (ROW_FIELDS in _linear.pyx). */
typedef struct {
    double m;     /* row max (NaN for a bad row) */
    double lse;   /* log-sum-exp */
    double inv_s; /* 1 / sum exp(x - m) */
    double loss;  /* unweighted loss; 0 for ignored rows */
} xl_row;

typedef struct {
    int dtype;         /* 0 float32, 1 float64 */
    int isa;           /* XL_ISA_* */
    ptrdiff_t n, d, v; /* rows, features, vocabulary */
    const void *h;     /* hidden (n, d), row stride ldh */
    ptrdiff_t ldh;
    const void *w; /* weight (v, d), row stride ldw */
    ptrdiff_t ldw;
    const void *bias;      /* (v,) or NULL */
    const int64_t *labels; /* (n,) with -1 for ignored rows, or NULL */
    double smoothing;
    xl_row *rows;        /* (n,) */
    const double *row_a; /* gradient: a_i = w_i * scale, 0 = skip the row */
    void *dh;            /* (n, d), row stride lddh, or NULL */
    ptrdiff_t lddh;
    void *dw; /* (v, d), row stride lddw, or NULL */
    ptrdiff_t lddw;
    double *db;    /* (v,) float64, or NULL */
    ptrdiff_t k;   /* top-k */
    double *topv;  /* (n, k) */
    int64_t *topi; /* (n, k) */
    xentc_elem_fn exp_fn;
    void *gemm; /* sgemm / dgemm from scipy.linalg.cython_blas */
    int n_threads;
    ptrdiff_t rows_sb, vt; /* tiling (Design A) */
    /* set by xl_run */
    ptrdiff_t n_tiles, n_groups;
    xl_stats *group_stats; /* (n, n_groups) */
} xl_args;

static inline void xl_stats_init(xl_stats *q)
{
    q->m = -INFINITY;
    q->k = q->s = q->sumx = 0.0;
    q->xy = NAN;
    q->bad = q->has_y = 0;
}

/* q <- q (+) t: the online log-sum-exp step (Design B). */
static inline void xl_stats_merge(xl_stats *q, const xl_stats *t)
{
    if (t->has_y) {
        q->xy = t->xy;
        q->has_y = 1;
    }
    q->sumx += t->sumx;
    if (t->bad) {
        q->bad = 1;
        return;
    }
    if (t->m > q->m) { /* new max: the old max entries join the sum below it */
        q->s = (q->s + q->k) * exp(q->m - t->m) + t->s;
        q->k = t->k;
        q->m = t->m;
    } else if (t->m == q->m) {
        q->k += t->k;
        q->s += t->s;
    } else {
        q->s += (t->s + t->k) * exp(t->m - q->m);
    }
}

/* Merge a tile's top-k list into the row's running list (both sorted by
 * value, descending; -1 marks an empty slot). On ties the running entry,
 * from an earlier tile and so a lower column, stays first. tmpv/tmpi: k
 * slots of scratch. */
static void xl_merge_topk(ptrdiff_t k, double *gv, int64_t *gi, const double *tv,
                          const int64_t *ti, double *tmpv, int64_t *tmpi)
{
    ptrdiff_t p = 0, q = 0;
    for (ptrdiff_t o = 0; o < k; o++) {
        const int run_ok = p < k && gi[p] >= 0, tile_ok = q < k && ti[q] >= 0;
        if (tile_ok && (!run_ok || tv[q] > gv[p])) {
            tmpv[o] = tv[q];
            tmpi[o] = ti[q++];
        } else if (run_ok) {
            tmpv[o] = gv[p];
            tmpi[o] = gi[p++];
        } else {
            tmpv[o] = -INFINITY;
            tmpi[o] = -1;
        }
    }
    memcpy(gv, tmpv, k * sizeof(double));
    memcpy(gi, tmpi, k * sizeof(int64_t));
}

/* Tiles [t0, t1) of group g (groups split the tiles as evenly as possible;
 * the split depends on the shapes only). */
static inline void xl_group_tiles(const xl_args *a, ptrdiff_t g, ptrdiff_t *t0, ptrdiff_t *t1)
{
    *t0 = g * a->n_tiles / a->n_groups;
    *t1 = (g + 1) * a->n_tiles / a->n_groups;
}

/* Row r from its group statistics, merged in group order (Design C), then
 * loss = (1-smoothing)(m - x_y) + smoothing (m - mean x) + log1p((k-1) + s) (Design B). */
static void xl_finish_row(const xl_args *a, ptrdiff_t r)
{
    xl_stats q;
    xl_row *o = a->rows + r;
    xl_stats_init(&q);
    for (ptrdiff_t g = 0; g < a->n_groups; g++)
        xl_stats_merge(&q, a->group_stats + r * a->n_groups + g);
    if (q.bad || !(q.k > 0.0)) {
        o->m = o->lse = o->inv_s = o->loss = NAN;
    } else {
        const double smoothing = a->smoothing, log_s = log1p((q.k - 1.0) + q.s);
        o->m = q.m;
        o->lse = q.m + log_s;
        o->inv_s = 1.0 / (q.k + q.s);
        if (smoothing == 0.0)
            o->loss = (q.m - q.xy) + log_s;
        else
            o->loss = (1.0 - smoothing) * (q.m - q.xy) +
                      smoothing * (q.m - q.sumx / (double)a->v) + log_s;
    }
    if (a->labels && a->labels[r] < 0) o->loss = 0.0;
}

/* one body per dtype and ISA (Design E of linear_body.h); the ISA is the
 * one _kernels has active, so it is one this CPU runs */
#define XL_TARGET
#define ISA baseline
#include "dtype_f32.h"
#include "linear_body.h"
#include "dtype_undef.h"
#include "dtype_f64.h"
#include "linear_body.h"
#include "dtype_undef.h"
#undef ISA
#undef XL_TARGET

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XL_HAVE_X86_TARGETS 1
#define XL_TARGET __attribute__((target("avx2,fma")))
#define ISA avx2
#include "dtype_f32.h"
#include "linear_body.h"
#include "dtype_undef.h"
#include "dtype_f64.h"
#include "linear_body.h"
#include "dtype_undef.h"
#undef ISA
#undef XL_TARGET

#define XL_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))
#define ISA avx512
#include "dtype_f32.h"
#include "linear_body.h"
#include "dtype_undef.h"
#include "dtype_f64.h"
#include "linear_body.h"
#include "dtype_undef.h"
#undef ISA
#undef XL_TARGET
#endif

/* Groups of vocabulary tiles: the unit of parallel work, and the first level
 * of the reduction tree. A fixed number (from V only) so that the tree does
 * not depend on n_threads; 16 keeps up to 16 threads busy. */
#define XL_MAX_GROUPS 16

/* Runs op over all rows. Returns 0, or -1 when a buffer could not be allocated. */
static int xl_run(xl_args *a, int op)
{
    a->n_tiles = (a->v + a->vt - 1) / a->vt;
    a->n_groups = a->n_tiles < XL_MAX_GROUPS ? a->n_tiles : XL_MAX_GROUPS;
    a->group_stats =
        (xl_stats *)malloc((size_t)(a->n ? a->n : 1) * a->n_groups * sizeof(xl_stats));
    if (a->group_stats == NULL) return -1;
    int (*forward)(const xl_args *, int) =
        a->dtype == 0 ? forward_f32_baseline : forward_f64_baseline;
    int (*gradient)(const xl_args *) =
        a->dtype == 0 ? gradient_f32_baseline : gradient_f64_baseline;
#ifdef XL_HAVE_X86_TARGETS
    if (a->isa == XL_ISA_AVX2) {
        forward = a->dtype == 0 ? forward_f32_avx2 : forward_f64_avx2;
        gradient = a->dtype == 0 ? gradient_f32_avx2 : gradient_f64_avx2;
    } else if (a->isa == XL_ISA_AVX512) {
        forward = a->dtype == 0 ? forward_f32_avx512 : forward_f64_avx512;
        gradient = a->dtype == 0 ? gradient_f32_avx512 : gradient_f64_avx512;
    }
#endif
    int rc = forward(a, op == XL_OP_TOPK);
    if (rc == 0) {
        for (ptrdiff_t r = 0; r < a->n; r++) xl_finish_row(a, r);
        if (op == XL_OP_LOSS_GRAD) rc = gradient(a);
    }
    free(a->group_stats);
    return rc;
}

#endif
