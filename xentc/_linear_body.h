/* _linear_body.h -- fused linear + softmax cross-entropy over tiles, written
 * once and included twice by _linear.pyx (R = float / double).
 *
 * Design:
 * A. Never hold the N x V logits. Rows are cut into super-blocks of
 *    XL_ROWS rows (processed one after the other) and the vocabulary into
 *    tiles of `vt` columns. One BLAS GEMM writes a super-block x tile of
 *    logits into a per-thread buffer (~256 KiB, L2-resident); the buffer is
 *    folded at once into per-row statistics and then reused.
 * B. Per-row statistics are the ones the logits kernels use (kernels_body.h,
 *    Design A): max m, count k of entries equal to m, s_o = sum of
 *    exp(x - m) over the entries below m. Tiles are merged online (a new max
 *    rescales the old sum), in float64, and the loss is formed as
 *    (m - x_y) + log1p((k - 1) + s_o): two non-negative terms, so a small
 *    loss keeps its relative precision (no "lse - x_y" cancellation).
 * C. Determinism: within a super-block the vocabulary tiles are shared out
 *    dynamically (schedule(dynamic, 1)), but every combine that crosses
 *    tiles (row statistics, top-k lists, the d_hidden partials) runs in an
 *    `omp ordered` section, i.e. in tile order. Tile boundaries depend on the
 *    shapes only. d_weight and d_bias rows of a tile are owned by the one
 *    thread that handles that tile in this super-block, and super-blocks run
 *    in order. So every sum happens in the same order for any n_threads.
 *    The ordered combines are O(rows) (O(rows x d) for d_hidden) against the
 *    O(rows x vt x d) GEMMs of a tile, so the pipeline rarely waits.
 * D. The gradient recomputes each tile's logits (one extra GEMM) instead of
 *    storing them: p = exp(x - m) / s from the forward statistics, G = a_i *
 *    (p - (1 - eps) onehot - eps / V), then d_weight[tile] += G^T H and
 *    d_hidden += G W[tile] (through a per-thread partial, see C).
 * E. exp runs through the dispatched SIMD kernel (`xentc_active()->exp`), so
 *    the tile fold is vectorised for the CPU and honours XENTC_SIMD; the
 *    other per-tile loops are `omp simd` loops. Within a tile row, sums run
 *    in R lanes (at most vt terms) and are folded into float64 per tile
 *    (as kernels_body.h, Design C).
 * F. Non-finite logits (NaN/inf inputs, or overflow) mark their row "bad":
 *    its loss, log-probabilities and gradient row come out NaN.
 */

#define XL_CAT_(a, b) a##_##b
#define XL_CAT(a, b) XL_CAT_(a, b)
#define XL(name) XL_CAT(name, SFX)

typedef void (*XL(gemm_t))(char *ta, char *tb, int *m, int *n, int *k, R *alpha, R *a,
                           int *lda, R *b, int *ldb, R *beta, R *c, int *ldc);

/* Scratch of one thread for one super-block. */
typedef struct {
    R *x;              /* rows x vt logits / gradient tile */
    R *part;           /* rows x d partial d_hidden (gradient with d_hidden) */
    xl_tile_stats *st; /* rows tile statistics */
    double *topv;      /* rows x k tile top-k values */
    int64_t *topi;     /* rows x k tile top-k indices */
    double *tmpv;      /* k slots for the ordered merge */
    int64_t *tmpi;
} XL(scratch);

/* logits of rows [r0, r0 + nr) x columns [c0, c0 + vc) into x (ld vc) */
static void XL(tile_logits)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                            ptrdiff_t vc, R *x)
{
    XL(gemm_t) gemm = (XL(gemm_t))a->gemm;
    const R *bias = (const R *)a->bias;
    R one = 1, zero = 0;
    R beta = bias ? one : zero;
    if (bias)
        for (ptrdiff_t i = 0; i < nr; i++) memcpy(x + i * vc, bias + c0, vc * sizeof(R));
    /* column-major view: x^T (vc x nr) = W[c0:c0+vc] (vc x d) . H[r0:r0+nr]^T (d x nr) */
    int m = (int)vc, n = (int)nr, k = (int)a->d, lda = (int)a->ldw, ldb = (int)a->ldh,
        ldc = (int)vc;
    gemm("T", "N", &m, &n, &k, &one, (R *)a->w + c0 * a->ldw, &lda,
         (R *)a->h + r0 * a->ldh, &ldb, &beta, x, &ldc);
}

/* Design B: statistics of each row of the tile; leaves exp(x - m) in x for
 * the good rows. With topk, also the tile's k best (value, column). */
static void XL(tile_stats)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                           ptrdiff_t vc, R *x, xl_tile_stats *st, double *topv, int64_t *topi)
{
    for (ptrdiff_t i = 0; i < nr; i++) {
        R *row = x + i * vc;
        R m = -INFINITY;
        int bad = 0;
#pragma omp simd reduction(max : m) reduction(| : bad)
        for (ptrdiff_t j = 0; j < vc; j++) {
            R v = row[j];
            m = v > m ? v : m;
            bad |= !(v - v == 0); /* inf - inf and NaN - NaN are NaN */
        }
        xl_tile_stats *t = st + i;
        t->bad = bad;
        t->m = m;
        t->k = 0.0;
        t->s = 0.0;
        t->sumx = 0.0;
        t->has_y = 0;
        if (a->labels) {
            int64_t y = a->labels[r0 + i] - c0;
            if (y >= 0 && y < vc) {
                t->has_y = 1;
                t->xy = row[y];
            }
        }
        if (a->need_sumx) {
            R sx = 0;
#pragma omp simd reduction(+ : sx)
            for (ptrdiff_t j = 0; j < vc; j++) sx += row[j];
            t->sumx = sx;
        }
        if (topv) {
            const ptrdiff_t k = a->k;
            double *tv = topv + i * k;
            int64_t *ti = topi + i * k;
            for (ptrdiff_t q = 0; q < k; q++) ti[q] = -1;
            for (ptrdiff_t j = 0; j < vc; j++) {
                double v = row[j];
                if (ti[k - 1] >= 0 && !(v > tv[k - 1])) continue;
                ptrdiff_t p = k - 1; /* insertion; equal values keep the lower column first */
                while (p > 0 && (ti[p - 1] < 0 || v > tv[p - 1])) {
                    tv[p] = tv[p - 1];
                    ti[p] = ti[p - 1];
                    p--;
                }
                tv[p] = v;
                ti[p] = c0 + j;
            }
        }
        if (!bad) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < vc; j++) row[j] -= m;
        }
    }
    a->exp_fn(x, x, 0, nr * vc);
    for (ptrdiff_t i = 0; i < nr; i++) {
        if (st[i].bad) continue;
        const R *row = x + i * vc;
        R s = 0, kc = 0; /* at most vt terms per lane sum (Design E) */
#pragma omp simd reduction(+ : s, kc)
        for (ptrdiff_t j = 0; j < vc; j++) {
            R e = row[j];
            s += e < 1 ? e : 0;
            kc += e == 1 ? 1 : 0;
        }
        st[i].s = s;
        st[i].k = kc;
    }
}

/* Gradient tile in place (Design D): x holds logits on entry, G on exit. */
static void XL(tile_grad)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                          ptrdiff_t vc, R *x)
{
    for (ptrdiff_t i = 0; i < nr; i++) {
        R *row = x + i * vc;
        const R m = (R)a->rows[r0 + i].m;
        if (a->row_a[r0 + i] == 0.0) continue;
#pragma omp simd
        for (ptrdiff_t j = 0; j < vc; j++) row[j] -= m;
    }
    a->exp_fn(x, x, 0, nr * vc);
    const double eps = a->smoothing, inv_v = 1.0 / (double)a->v;
    for (ptrdiff_t i = 0; i < nr; i++) {
        R *row = x + i * vc;
        const double ai = a->row_a[r0 + i];
        if (ai == 0.0) {
            memset(row, 0, vc * sizeof(R));
            continue;
        }
        const R ca = (R)(ai * a->rows[r0 + i].inv_s), cb = (R)(ai * eps * inv_v);
#pragma omp simd
        for (ptrdiff_t j = 0; j < vc; j++) row[j] = row[j] * ca - cb;
        int64_t y = a->labels[r0 + i] - c0;
        if (y >= 0 && y < vc) row[y] -= (R)(ai * (1.0 - eps));
    }
    if (a->db) {
        double *db = a->db + c0;
        for (ptrdiff_t i = 0; i < nr; i++) {
            const R *row = x + i * vc;
#pragma omp simd
            for (ptrdiff_t j = 0; j < vc; j++) db[j] += (double)row[j];
        }
    }
}

/* d_weight[c0:c0+vc] += G^T H[r0:r0+nr]  and  part = G W[c0:c0+vc] */
static void XL(tile_grad_gemms)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                                ptrdiff_t vc, R *g, R *part)
{
    XL(gemm_t) gemm = (XL(gemm_t))a->gemm;
    R one = 1, zero = 0;
    int d = (int)a->d, n = (int)nr, v = (int)vc, ldh = (int)a->ldh, ldw = (int)a->ldw,
        lddw = (int)a->lddw;
    if (a->dw) /* col-major dW^T (d x vc) += H^T (d x nr) . G (nr x vc) */
        gemm("N", "T", &d, &v, &n, &one, (R *)a->h + r0 * a->ldh, &ldh, g, &v, &one,
             (R *)a->dw + c0 * a->lddw, &lddw);
    if (part) /* col-major part^T (d x nr) = W^T (d x vc) . G^T (vc x nr) */
        gemm("N", "N", &d, &n, &v, &one, (R *)a->w + c0 * a->ldw, &ldw, g, &v, &zero, part, &d);
}

static void XL(free_scratch)(XL(scratch) *s)
{
    free(s->x);
    free(s->part);
    free(s->st);
    free(s->topv);
    free(s->topi);
    free(s->tmpv);
    free(s->tmpi);
}

static int XL(alloc_scratch)(const xl_args *a, int op, XL(scratch) *s)
{
    const ptrdiff_t rows = a->rows_sb;
    memset(s, 0, sizeof(*s));
    s->x = (R *)malloc((size_t)rows * a->vt * sizeof(R));
    s->st = (xl_tile_stats *)malloc((size_t)rows * sizeof(xl_tile_stats));
    int ok = s->x && s->st;
    if (op == XL_OP_GRAD && a->dh) {
        s->part = (R *)malloc((size_t)rows * a->d * sizeof(R));
        ok = ok && s->part;
    }
    if (op == XL_OP_TOPK) {
        s->topv = (double *)malloc((size_t)rows * a->k * sizeof(double));
        s->topi = (int64_t *)malloc((size_t)rows * a->k * sizeof(int64_t));
        s->tmpv = (double *)malloc((size_t)a->k * sizeof(double));
        s->tmpi = (int64_t *)malloc((size_t)a->k * sizeof(int64_t));
        ok = ok && s->topv && s->topi && s->tmpv && s->tmpi;
    }
    if (!ok) XL(free_scratch)(s);
    return ok;
}

/* One pass over the vocabulary for rows [r0, r0 + nr): op XL_OP_STATS /
 * XL_OP_TOPK folds statistics (and top-k lists) into the row arrays,
 * XL_OP_GRAD accumulates the gradients. Returns 0, or -1 when scratch could
 * not be allocated. */
static int XL(sweep)(const xl_args *a, int op, ptrdiff_t r0, ptrdiff_t nr)
{
    const ptrdiff_t n_tiles = (a->v + a->vt - 1) / a->vt;
    const int team = a->n_threads < n_tiles ? a->n_threads : (int)n_tiles;
    int failed = 0;
#pragma omp parallel num_threads(team) if (team > 1) reduction(| : failed)
    {
        XL(scratch) s;
        const int ok = XL(alloc_scratch)(a, op, &s);
        failed |= !ok;
#pragma omp for ordered schedule(dynamic, 1)
        for (ptrdiff_t t = 0; t < n_tiles; t++) {
            const ptrdiff_t c0 = t * a->vt;
            const ptrdiff_t vc = a->v - c0 < a->vt ? a->v - c0 : a->vt;
            if (ok) {
                XL(tile_logits)(a, r0, nr, c0, vc, s.x);
                if (op == XL_OP_GRAD) {
                    XL(tile_grad)(a, r0, nr, c0, vc, s.x);
                    XL(tile_grad_gemms)(a, r0, nr, c0, vc, s.x, s.part);
                } else {
                    XL(tile_stats)(a, r0, nr, c0, vc, s.x, s.st, s.topv, s.topi);
                }
            }
#pragma omp ordered
            if (ok) {
                if (op == XL_OP_GRAD) {
                    if (s.part) {
                        for (ptrdiff_t i = 0; i < nr; i++) {
                            R *dst = (R *)a->dh + (r0 + i) * a->lddh;
                            const R *src = s.part + i * a->d;
#pragma omp simd
                            for (ptrdiff_t j = 0; j < a->d; j++) dst[j] += src[j];
                        }
                    }
                } else {
                    for (ptrdiff_t i = 0; i < nr; i++) xl_merge_stats(a, r0 + i, s.st + i);
                    if (op == XL_OP_TOPK)
                        for (ptrdiff_t i = 0; i < nr; i++)
                            xl_merge_topk(a, r0 + i, s.topv + i * a->k, s.topi + i * a->k,
                                      s.tmpv, s.tmpi);
                }
            }
        }
        if (ok) XL(free_scratch)(&s);
    }
    return failed ? -1 : 0;
}

#undef XL
#undef XL_CAT
#undef XL_CAT_
