/* linear_body.h -- fused linear + softmax cross-entropy over tiles, written
 * once and included by linear_kernels.h per dtype (XT_REAL = float / double) and
 * per ISA (XL_TARGET).
 *
 * Design:
 * A. Never hold the N x V logits. Rows are cut into super-blocks of
 *    `rows_sb` rows and the vocabulary into tiles of `vt` columns (both
 *    chosen in linear.py from the shapes). One BLAS GEMM writes a
 *    super-block x tile of logits into a per-thread buffer (512 KiB for
 *    float32, L2-resident); the buffer is folded at once into per-row
 *    statistics and then reused.
 * B. Per-row statistics are the ones the logits kernels use (src/body_common.h,
 *    Design A): max m, count k of entries equal to m, s_o = sum of
 *    exp(x - m) over the entries below m. Tiles are merged online (a new max
 *    rescales the old sum), in float64, and the loss is formed as
 *    (m - x_y) + log1p((k - 1) + s_o): two non-negative terms, so a small
 *    loss keeps its relative precision (no "lse - x_y" cancellation).
 * C. Determinism without waiting: the vocabulary tiles form a fixed number
 *    of groups (<= 16, from V only). The unit of work is (super-block,
 *    group): its tiles are folded in order into per-(row, group)
 *    statistics, and each row then merges its groups in order, so the
 *    reduction tree is fixed by the shapes and any n_threads gives the same
 *    bits. Tasks are handed out dynamically with no ordering between them
 *    (an `omp ordered` pipeline was tried first: on a loaded machine one
 *    descheduled thread stalled the others, 2 threads took 3-4x longer than
 *    1). In the gradient, a group owns its rows of d_weight and d_bias
 *    (super-blocks run in order) and accumulates its d_hidden contribution
 *    in its own (rows, d) partial; the partials are summed in group order.
 *    Top-k lists select exactly (no rounding), so top-k runs one task per
 *    super-block over all groups.
 * D. The gradient recomputes each tile's logits (one extra GEMM) instead of
 *    storing them: p = exp(x - m) / s from the forward statistics, G = a_i *
 *    (p - (1 - smoothing) onehot - smoothing / V), then d_weight[tile] += G^T H and
 *    d_hidden += G W[tile] (through a per-thread partial, see C).
 * E. exp runs through the dispatched SIMD kernel (`xentc_active()->exp`);
 *    the other per-tile loops are `omp simd` loops, and this whole body is
 *    compiled once per ISA (XL_TARGET: baseline, AVX2+FMA, AVX-512 on
 *    x86-64) and picked with the target _kernels has active, so the tile
 *    fold is vectorised for the CPU and honours XENTC_SIMD (the baseline
 *    build's 4-lane loops cost ~9% of a d=256 forward, measured with perf).
 *    Within a tile row, sums run in XT_REAL lanes (at most vt terms) and are
 *    folded into float64 per tile (as src/body_common.h, Design C).
 * F. Non-finite logits (NaN/inf inputs, or overflow) mark their row "bad":
 *    its loss, log-probabilities and gradient row come out NaN.
 */

#define XL_CAT_(a, b, c) a##_##b##_##c
#define XL_CAT(a, b, c) XL_CAT_(a, b, c)
#define XL(name) XL_CAT(name, XT_SFX, ISA)

typedef void (*XL(gemm_t))(char *ta, char *tb, int *m, int *n, int *k, XT_REAL *alpha, XT_REAL *a,
                           int *lda, XT_REAL *b, int *ldb, XT_REAL *beta, XT_REAL *c, int *ldc);

/* logits of rows [r0, r0 + nr) x columns [c0, c0 + vc) into x (ld vc) */
static XL_TARGET void XL(tile_logits)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                                      ptrdiff_t vc, XT_REAL *x)
{
    XL(gemm_t) gemm = (XL(gemm_t))a->gemm;
    const XT_REAL *bias = (const XT_REAL *)a->bias;
    XT_REAL one = 1, zero = 0;
    XT_REAL beta = bias ? one : zero;
    if (bias)
        for (ptrdiff_t i = 0; i < nr; i++) memcpy(x + i * vc, bias + c0, vc * sizeof(XT_REAL));
    /* column-major view: x^T (vc x nr) = W[c0:c0+vc] (vc x d) . H[r0:r0+nr]^T (d x nr) */
    int m = (int)vc, n = (int)nr, k = (int)a->d, lda = (int)a->ldw, ldb = (int)a->ldh,
        ldc = (int)vc;
    gemm("T", "N", &m, &n, &k, &one, (XT_REAL *)a->w + c0 * a->ldw, &lda,
         (XT_REAL *)a->h + r0 * a->ldh, &ldb, &beta, x, &ldc);
}

/* Design B: statistics of each row of the tile (x is overwritten). With
 * topv, also each row's k best (value, column) of the tile. */
static XL_TARGET void XL(tile_stats)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                                     ptrdiff_t vc, XT_REAL *x, xl_stats *st, double *topv,
                                     int64_t *topi)
{
    for (ptrdiff_t i = 0; i < nr; i++) {
        XT_REAL *row = x + i * vc;
        XT_REAL m = -INFINITY;
        int bad = 0;
#pragma omp simd reduction(max : m) reduction(| : bad)
        for (ptrdiff_t j = 0; j < vc; j++) {
            XT_REAL v = row[j];
            m = v > m ? v : m;
            bad |= !(v - v == 0); /* inf - inf and NaN - NaN are NaN */
        }
        xl_stats *t = st + i;
        xl_stats_init(t);
        t->bad = bad;
        t->m = m;
        if (a->labels) {
            int64_t y = a->labels[r0 + i] - c0;
            if (y >= 0 && y < vc) {
                t->has_y = 1;
                t->xy = row[y];
            }
        }
        if (a->smoothing != 0.0) {
            XT_REAL sx = 0;
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
        const XT_REAL *row = x + i * vc;
        XT_REAL s = 0, kc = 0; /* at most vt terms per lane sum (Design E) */
#pragma omp simd reduction(+ : s, kc)
        for (ptrdiff_t j = 0; j < vc; j++) {
            XT_REAL e = row[j];
            s += e < 1 ? e : 0;
            kc += e == 1 ? 1 : 0;
        }
        st[i].s = s;
        st[i].k = kc;
    }
}

/* Gradient tile in place (Design D): x holds logits on entry, G on exit;
 * d_bias of the tile's columns accumulates G's column sums. */
static XL_TARGET void XL(tile_grad)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t c0,
                                    ptrdiff_t vc, XT_REAL *x)
{
    for (ptrdiff_t i = 0; i < nr; i++) {
        XT_REAL *row = x + i * vc;
        const XT_REAL m = (XT_REAL)a->rows[r0 + i].m;
        if (a->row_a[r0 + i] == 0.0) continue;
#pragma omp simd
        for (ptrdiff_t j = 0; j < vc; j++) row[j] -= m;
    }
    a->exp_fn(x, x, 0, nr * vc);
    const double smoothing = a->smoothing, inv_v = 1.0 / (double)a->v;
    for (ptrdiff_t i = 0; i < nr; i++) {
        XT_REAL *row = x + i * vc;
        const double ai = a->row_a[r0 + i];
        if (ai == 0.0) {
            memset(row, 0, vc * sizeof(XT_REAL));
            continue;
        }
        const XT_REAL ca = (XT_REAL)(ai * a->rows[r0 + i].inv_s),
                      cb = (XT_REAL)(ai * smoothing * inv_v);
#pragma omp simd
        for (ptrdiff_t j = 0; j < vc; j++) row[j] = row[j] * ca - cb;
        int64_t y = a->labels[r0 + i] - c0;
        if (y >= 0 && y < vc) row[y] -= (XT_REAL)(ai * (1.0 - smoothing));
    }
    if (a->db) {
        double *db = a->db + c0;
        for (ptrdiff_t i = 0; i < nr; i++) {
            const XT_REAL *row = x + i * vc;
#pragma omp simd
            for (ptrdiff_t j = 0; j < vc; j++) db[j] += (double)row[j];
        }
    }
}

/* d_weight[c0:c0+vc] += G^T H[r0:r0+nr];  part (+)= G W[c0:c0+vc] */
static XL_TARGET void XL(tile_grad_gemms)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr,
                                          ptrdiff_t c0, ptrdiff_t vc, XT_REAL *g, XT_REAL *part,
                                          int first)
{
    XL(gemm_t) gemm = (XL(gemm_t))a->gemm;
    XT_REAL one = 1, zero = 0;
    int d = (int)a->d, n = (int)nr, v = (int)vc, ldh = (int)a->ldh, ldw = (int)a->ldw,
        lddw = (int)a->lddw;
    if (a->dw) /* col-major dW^T (d x vc) += H^T (d x nr) . G (nr x vc) */
        gemm("N", "T", &d, &v, &n, &one, (XT_REAL *)a->h + r0 * a->ldh, &ldh, g, &v, &one,
             (XT_REAL *)a->dw + c0 * a->lddw, &lddw);
    if (part) /* col-major part^T (d x nr) (+)= W^T (d x vc) . G^T (vc x nr) */
        gemm("N", "N", &d, &n, &v, &one, (XT_REAL *)a->w + c0 * a->ldw, &ldw, g, &v,
             first ? &zero : &one, part, &d);
}

/* Scratch of one thread. */
typedef struct {
    XT_REAL *x;    /* rows_sb x vt logits / gradient tile */
    xl_stats *st;  /* rows_sb tile statistics */
    xl_stats *acc; /* rows_sb group statistics */
    double *topv;  /* rows_sb x k tile top-k values */
    int64_t *topi; /* rows_sb x k tile top-k columns */
    double *tmpv;  /* k slots for a merge */
    int64_t *tmpi;
} XL(scratch);

static XL_TARGET void XL(free_scratch)(XL(scratch) * s)
{
    free(s->x);
    free(s->st);
    free(s->acc);
    free(s->topv);
    free(s->topi);
    free(s->tmpv);
    free(s->tmpi);
}

static XL_TARGET int XL(alloc_scratch)(const xl_args *a, int stats, int topk, XL(scratch) * s)
{
    const size_t rows = (size_t)a->rows_sb;
    memset(s, 0, sizeof(*s));
    s->x = (XT_REAL *)malloc(rows * a->vt * sizeof(XT_REAL));
    int ok = s->x != NULL;
    if (stats) {
        s->st = (xl_stats *)malloc(rows * sizeof(xl_stats));
        s->acc = (xl_stats *)malloc(rows * sizeof(xl_stats));
        ok = ok && s->st && s->acc;
    }
    if (topk) {
        s->topv = (double *)malloc(rows * a->k * sizeof(double));
        s->topi = (int64_t *)malloc(rows * a->k * sizeof(int64_t));
        s->tmpv = (double *)malloc((size_t)a->k * sizeof(double));
        s->tmpi = (int64_t *)malloc((size_t)a->k * sizeof(int64_t));
        ok = ok && s->topv && s->topi && s->tmpv && s->tmpi;
    }
    if (!ok) XL(free_scratch)(s);
    return ok;
}

/* Statistics of rows [r0, r0 + nr) over the tiles of groups [g0, g1), into
 * group_stats; with topk, also the rows' running top-k lists. */
static XL_TARGET void XL(stats_task)(const xl_args *a, ptrdiff_t r0, ptrdiff_t nr, ptrdiff_t g0,
                                     ptrdiff_t g1, int topk, XL(scratch) * s)
{
    for (ptrdiff_t g = g0; g < g1; g++) {
        ptrdiff_t t0, t1;
        xl_group_tiles(a, g, &t0, &t1);
        for (ptrdiff_t i = 0; i < nr; i++) xl_stats_init(s->acc + i);
        for (ptrdiff_t t = t0; t < t1; t++) {
            const ptrdiff_t c0 = t * a->vt;
            const ptrdiff_t vc = a->v - c0 < a->vt ? a->v - c0 : a->vt;
            XL(tile_logits)(a, r0, nr, c0, vc, s->x);
            XL(tile_stats)(a, r0, nr, c0, vc, s->x, s->st, topk ? s->topv : NULL, s->topi);
            for (ptrdiff_t i = 0; i < nr; i++) xl_stats_merge(s->acc + i, s->st + i);
            if (topk)
                for (ptrdiff_t i = 0; i < nr; i++)
                    xl_merge_topk(a->k, a->topv + (r0 + i) * a->k, a->topi + (r0 + i) * a->k,
                                  s->topv + i * a->k, s->topi + i * a->k, s->tmpv, s->tmpi);
        }
        for (ptrdiff_t i = 0; i < nr; i++) a->group_stats[(r0 + i) * a->n_groups + g] = s->acc[i];
    }
}

/* Design C: tasks (super-block, group), or (super-block) for top-k. */
static XL_TARGET int XL(forward)(const xl_args *a, int topk)
{
    const ptrdiff_t n_sb = (a->n + a->rows_sb - 1) / a->rows_sb;
    const ptrdiff_t per_sb = topk ? 1 : a->n_groups, n_tasks = n_sb * per_sb;
    const int team = n_tasks < a->n_threads ? (int)n_tasks : a->n_threads;
    int failed = 0;
    if (topk)
        for (ptrdiff_t j = 0; j < a->n * a->k; j++) {
            a->topv[j] = -INFINITY;
            a->topi[j] = -1;
        }
#pragma omp parallel num_threads(team) if (team > 1) reduction(| : failed)
    {
        XL(scratch) s;
        const int ok = XL(alloc_scratch)(a, 1, topk, &s);
        failed |= !ok;
#pragma omp for schedule(dynamic, 1)
        for (ptrdiff_t task = 0; task < n_tasks; task++) {
            if (!ok) continue;
            const ptrdiff_t sb = task / per_sb, r0 = sb * a->rows_sb;
            const ptrdiff_t nr = a->n - r0 < a->rows_sb ? a->n - r0 : a->rows_sb;
            if (topk)
                XL(stats_task)(a, r0, nr, 0, a->n_groups, 1, &s);
            else
                XL(stats_task)(a, r0, nr, task % per_sb, task % per_sb + 1, 0, &s);
        }
        if (ok) XL(free_scratch)(&s);
    }
    return failed ? -1 : 0;
}

/* Design D, super-block by super-block; within one, tasks are groups. */
static XL_TARGET int XL(gradient)(const xl_args *a)
{
    const ptrdiff_t G = a->n_groups, d = a->d, rows_sb = a->rows_sb;
    const int team = G < a->n_threads ? (int)G : a->n_threads;
    XT_REAL *part = NULL;
    if (a->dw)
        for (ptrdiff_t c = 0; c < a->v; c++)
            memset((XT_REAL *)a->dw + c * a->lddw, 0, d * sizeof(XT_REAL));
    if (a->db) memset(a->db, 0, a->v * sizeof(double));
    if (a->dh) {
        part = (XT_REAL *)malloc((size_t)G * rows_sb * d * sizeof(XT_REAL));
        if (part == NULL) return -1;
    }
    int failed = 0;
    for (ptrdiff_t r0 = 0; r0 < a->n && !failed; r0 += rows_sb) {
        const ptrdiff_t nr = a->n - r0 < rows_sb ? a->n - r0 : rows_sb;
#pragma omp parallel num_threads(team) if (team > 1) reduction(| : failed)
        {
            XL(scratch) s;
            const int ok = XL(alloc_scratch)(a, 0, 0, &s);
            failed |= !ok;
#pragma omp for schedule(dynamic, 1)
            for (ptrdiff_t g = 0; g < G; g++) {
                ptrdiff_t t0, t1;
                if (!ok) continue;
                xl_group_tiles(a, g, &t0, &t1);
                for (ptrdiff_t t = t0; t < t1; t++) {
                    const ptrdiff_t c0 = t * a->vt;
                    const ptrdiff_t vc = a->v - c0 < a->vt ? a->v - c0 : a->vt;
                    XL(tile_logits)(a, r0, nr, c0, vc, s.x);
                    XL(tile_grad)(a, r0, nr, c0, vc, s.x);
                    XL(tile_grad_gemms)(a, r0, nr, c0, vc, s.x,
                                        part ? part + g * rows_sb * d : NULL, t == t0);
                }
            }
            if (ok) XL(free_scratch)(&s);
            if (part) { /* d_hidden rows: the group partials in group order */
#pragma omp for schedule(static)
                for (ptrdiff_t i = 0; i < nr; i++) {
                    XT_REAL *dst = (XT_REAL *)a->dh + (r0 + i) * a->lddh;
                    memcpy(dst, part + i * d, d * sizeof(XT_REAL));
                    for (ptrdiff_t g = 1; g < G; g++) {
                        const XT_REAL *src = part + (g * rows_sb + i) * d;
#pragma omp simd
                        for (ptrdiff_t j = 0; j < d; j++) dst[j] += src[j];
                    }
                }
            }
        }
    }
    free(part);
    return failed ? -1 : 0;
}

#undef XL
#undef XL_CAT
#undef XL_CAT_
