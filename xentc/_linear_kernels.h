/* _linear_kernels.h -- the fused linear + cross-entropy driver: per-row state,
 * the ordered combines, and one tile body per dtype (_linear_body.h).
 * Called from _linear.pyx with validated, kernel-form arrays. */
#ifndef XENTC_LINEAR_KERNELS_H
#define XENTC_LINEAR_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xentc_kernels.h"

enum { XL_OP_STATS = 0, XL_OP_TOPK = 1, XL_OP_GRAD = 2, XL_OP_LOSS_GRAD = 3 };

/* Per-row state, one record per row of hidden (a (n, 9) float64 array on
 * the Python side; the column order is XL_ROW_FIELDS in _linear.pyx). */
typedef struct {
    double m;     /* running max of the row's logits */
    double k;     /* entries equal to m */
    double s;     /* sum of exp(x - m) over the entries below m */
    double xy;    /* the label's logit */
    double sumx;  /* sum of the logits (label smoothing) */
    double bad;   /* 1 if a logit was not finite */
    double lse;   /* log-sum-exp (after finish) */
    double inv_s; /* 1 / sum exp(x - m) (after finish) */
    double loss;  /* unweighted loss (after finish; 0 for ignored rows) */
} xl_row;

/* Statistics of one row over one tile. */
typedef struct {
    double m, k, s, xy, sumx;
    int bad, has_y;
} xl_tile_stats;

typedef struct {
    int dtype;                 /* 0 float32, 1 float64 */
    ptrdiff_t n, d, v;         /* rows, features, vocabulary */
    const void *h;             /* hidden (n, d), row stride ldh */
    ptrdiff_t ldh;
    const void *w;             /* weight (v, d), row stride ldw */
    ptrdiff_t ldw;
    const void *bias;          /* (v,) or NULL */
    const int64_t *labels;     /* (n,) with -1 for ignored rows, or NULL */
    double smoothing;
    int need_sumx;
    xl_row *rows;              /* (n,) */
    const double *row_a;       /* gradient: a_i = w_i * scale, 0 = skip */
    void *dh;                  /* (n, d), row stride lddh, or NULL */
    ptrdiff_t lddh;
    void *dw;                  /* (v, d), row stride lddw, or NULL */
    ptrdiff_t lddw;
    double *db;                /* (v,) float64, or NULL */
    ptrdiff_t k;               /* top-k */
    double *topv;              /* (n, k) */
    int64_t *topi;             /* (n, k) */
    xentc_elem_fn exp_fn;
    void *gemm;                /* sgemm / dgemm from scipy.linalg.cython_blas */
    int n_threads;
    ptrdiff_t rows_sb, vt;     /* tiling (Design A) */
} xl_args;

static void xl_merge_stats(const xl_args *a, ptrdiff_t r, const xl_tile_stats *t)
{
    xl_row *q = a->rows + r;
    if (t->has_y) q->xy = t->xy;
    q->sumx += t->sumx;
    if (t->bad) {
        q->bad = 1.0;
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
static void xl_merge_topk(const xl_args *a, ptrdiff_t r, const double *tv, const int64_t *ti,
                          double *tmpv, int64_t *tmpi)
{
    const ptrdiff_t k = a->k;
    double *gv = a->topv + r * k;
    int64_t *gi = a->topi + r * k;
    ptrdiff_t p = 0, q = 0;
    for (ptrdiff_t o = 0; o < k; o++) {
        int take_tile;
        if (p < k && gi[p] >= 0 && q < k && ti[q] >= 0) take_tile = tv[q] > gv[p];
        else take_tile = !(p < k && gi[p] >= 0);
        if (take_tile && q < k && ti[q] >= 0) {
            tmpv[o] = tv[q];
            tmpi[o] = ti[q++];
        } else if (!take_tile) {
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

static void xl_init_rows(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr)
{
    for (ptrdiff_t r = r0; r < r0 + nr; r++) {
        xl_row *q = a->rows + r;
        q->m = -INFINITY;
        q->k = q->s = q->sumx = q->bad = 0.0;
        q->xy = NAN;
        if (a->topi)
            for (ptrdiff_t j = 0; j < a->k; j++) {
                a->topv[r * a->k + j] = -INFINITY;
                a->topi[r * a->k + j] = -1;
            }
    }
}

/* Design B: loss = (1-eps) (m - x_y) + eps (m - mean x) + log1p((k-1) + s). */
static void xl_finish_rows(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr)
{
    const double eps = a->smoothing, inv_v = 1.0 / (double)a->v;
    for (ptrdiff_t r = r0; r < r0 + nr; r++) {
        xl_row *q = a->rows + r;
        if (q->bad != 0.0 || !(q->k > 0.0)) {
            q->m = q->lse = q->inv_s = q->loss = NAN;
        } else {
            const double log_s = log1p((q->k - 1.0) + q->s);
            q->lse = q->m + log_s;
            q->inv_s = 1.0 / (q->k + q->s);
            if (eps == 0.0)
                q->loss = (q->m - q->xy) + log_s;
            else
                q->loss = (1.0 - eps) * (q->m - q->xy) + eps * (q->m - q->sumx * inv_v) + log_s;
        }
        if (a->labels && a->labels[r] < 0) q->loss = 0.0;
    }
}

#define R float
#define SFX f32
#include "_linear_body.h"
#undef R
#undef SFX

#define R double
#define SFX f64
#include "_linear_body.h"
#undef R
#undef SFX

/* Runs op over all rows, super-block by super-block. Returns 0 or -1 (out
 * of memory). */
static int xl_run(xl_args *a, int op)
{
    int (*sweep)(const xl_args *, int, ptrdiff_t, ptrdiff_t) =
        a->dtype == 0 ? sweep_f32 : sweep_f64;
    const size_t item = a->dtype == 0 ? sizeof(float) : sizeof(double);
    const int grad = op == XL_OP_LOSS_GRAD;
    if (grad) {
        if (a->dw)
            for (ptrdiff_t c = 0; c < a->v; c++)
                memset((char *)a->dw + c * a->lddw * item, 0, a->d * item);
        if (a->db) memset(a->db, 0, a->v * sizeof(double));
    }
    for (ptrdiff_t r0 = 0; r0 < a->n; r0 += a->rows_sb) {
        const ptrdiff_t nr = a->n - r0 < a->rows_sb ? a->n - r0 : a->rows_sb;
        xl_init_rows(a, r0, nr);
        if (sweep(a, op == XL_OP_TOPK ? XL_OP_TOPK : XL_OP_STATS, r0, nr)) return -1;
        xl_finish_rows(a, r0, nr);
        if (grad) {
            if (a->dh)
                for (ptrdiff_t i = r0; i < r0 + nr; i++)
                    memset((char *)a->dh + i * a->lddh * item, 0, a->d * item);
            if (sweep(a, XL_OP_GRAD, r0, nr)) return -1;
        }
    }
    return 0;
}

#endif
