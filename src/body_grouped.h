/* body_grouped.h -- grouped softmax cross-entropy: several categorical
 * targets per row, each a softmax over its own group of columns.
 *
 * Included by kernels_body.h, so it is compiled for each dtype and ISA with
 * the same macros (FN, XT_REAL, XT_VREAL, ...) and can call the sparse kernels there.
 *
 * Design:
 * A. One pass over each block of rows. The driver cuts rows into blocks; in
 *    a block, the groups are visited in turn, each as the strided
 *    (rows x C_g) sub-matrix at column offset off_g, by the sparse softmax
 *    kernel itself: columnar SIMD for short groups (Design E of
 *    kernels_body.h: XT_NLANES rows per vector op, which is what makes groups of
 *    2-10 classes fast), row SIMD for long ones. Each group reads only its
 *    own columns, so the block's logits are read once; the block is sized
 *    (by the driver) so that a cache line shared by neighbouring groups is
 *    still in L1/L2 when the next group reads it. One implementation of the
 *    softmax numerics (max shift, exact s - 1, limits path) serves both.
 * B. Labels (int32: the private copy the driver checked, half the memory
 *    traffic of int64), entry weights and per-entry losses are row-major
 *    (N, G), like the user's; each group's share of a chunk of rows is
 *    gathered into a contiguous int64 buffer (the sparse kernels' layout)
 *    from L1. (Group-major copies made in Python cost a strided transposing
 *    pass, and their loads missed cache: 30% of the time at groups
 *    [12, 7, 5].) Equal
 *    groups with packed rows never come here split: the driver views them
 *    as (N*G, C) rows, one group, which also reaches the 2-class kernel.
 * C. Groups of up to 63 classes take a columnar kernel of their own, the
 *    sparse one's (Design E there) with room for 64 columns (the row kernel
 *    runs rows of 16-63 at ~4x the cost per logit: 12 vs 3 ns/logit at
 *    C = 20 against C = 15, float32, AVX-512) and a prefetching gather.
 * D. Focal loss (gamma > 0), per entry
 *        FL = -sum_j t_j (1 - p_j)^gamma log p_j,  t = (1-smoothing) onehot + smoothing/C
 *    (Keras's categorical_focal_crossentropy with smoothed targets), in
 *    float64 scalar code. q = 1 - p is formed as -expm1(log p), and log p of
 *    the max entry is -log1p(s - 1) with s - 1 exact (Design A there), so a
 *    confident entry keeps the relative precision of (1 - p)^gamma; the
 *    rejected 1 - exp(log p) returns 0 for every p > 1 - 2^-53.
 *    With u_j = t_j (1-p_j)^gamma (1 - gamma p_j log p_j / q_j) and
 *    v_j = t_j p_j du/dp (both per unit t), the derivatives w.r.t. logit k are
 *        g_k = p_k (U - u_k) - q_k u_k,
 *        h_k = p_k q_k U - v_k q_k^2 - p_k^2 (V - v_k),  U = sum u, V = sum v,
 *    written so that no term is a difference of nearly equal numbers: for
 *    the max entry (where u, v dominate) U - u_k and V - v_k are summed
 *    over the other entries, never subtracted, and v_k q_k^2 is formed with
 *    q^gamma (v alone has q^(gamma-2), unbounded for gamma < 2).
 */

/* log-probabilities of one focal entry (Design D) */
typedef struct {
    double log_s, m; /* finite max: log p_j = (x_j - m) - log_s */
    double log_k;    /* +inf max: log p_j = -log k on the k infinite entries */
    int inf;
} FN(grouped_focal_stats_t);

static inline double FN(grouped_focal_lp)(const FN(grouped_focal_stats_t) *S, XT_REAL xj)
{
    if (S->inf) return xj == INFINITY ? -S->log_k : -INFINITY;
    return ((double)xj - S->m) - S->log_s;
}

/* per-unit-target pieces at log-probability lp: u, v*q^2, and p, q */
static inline void FN(grouped_focal_terms)(double lp, double gamma, double *p, double *q,
                                           double *F, double *u, double *vq2)
{
    *p = exp(lp);
    *q = -expm1(lp);
    *F = pow(*q, gamma);
    const double r = *q == 0 ? -1.0 : lp / *q; /* log(p)/(1-p) -> -1 as p -> 1 */
    const double pr = *p == 0 ? 0.0 : *p * r;  /* -> 0 as p -> 0 */
    const double plp = *p == 0 ? 0.0 : *p * lp;
    *u = *F * (1.0 - gamma * pr);
    /* v = gamma q^(gamma-1) B; v q^2 = gamma F q B */
    *vq2 = gamma * *F * *q * (-(2.0 * *p + plp) + (gamma - 1.0) * *p * pr);
}

static inline double FN(grouped_focal_v)(double lp, double gamma)
{
    const double p = exp(lp), q = -expm1(lp);
    const double r = q == 0 ? -1.0 : lp / q;
    const double pr = p == 0 ? 0.0 : p * r;
    const double plp = p == 0 ? 0.0 : p * lp;
    /* q clamped to the smallest normal: only q == 0 exactly is affected, and
     * then every other p is 0, so the p_k^2 * v this feeds is 0 */
    const double qc = q < 2.2250738585072014e-308 ? 2.2250738585072014e-308 : q;
    return gamma * pow(qc, gamma - 1.0) * (-(2.0 * p + plp) + (gamma - 1.0) * p * pr);
}

/* One focal entry: logits x[0..n) of the group, label y >= 0. Returns the
 * unweighted loss; g, h (may be NULL; g may alias x) get ga * derivatives. */
static double FN(grouped_focal_entry)(const XT_REAL *x, ptrdiff_t n, int64_t y, double smoothing,
                                      double gamma, double ga, XT_REAL *g, XT_REAL *h)
{
    FN(grouped_focal_stats_t) S = { 0 };
    double m = -INFINITY;
    int nan = 0;
    ptrdiff_t jmax = -1, k = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        if (x[j] != x[j])
            nan = 1;
        else if (x[j] > m) {
            m = x[j];
            jmax = j;
        }
    }
    if (nan || m == -INFINITY) { /* NaN, or no softmax at all: NaN entry */
        for (ptrdiff_t j = 0; j < n; j++) {
            if (g) g[j] = (XT_REAL)NAN;
            if (h) h[j] = (XT_REAL)NAN;
        }
        return NAN;
    }
    for (ptrdiff_t j = 0; j < n; j++) k += (x[j] == m);
    if (m == INFINITY) {
        S.inf = 1;
        S.log_k = log((double)k);
    } else {
        double s_o = 0.0;
        for (ptrdiff_t j = 0; j < n; j++)
            if (x[j] < m) s_o += exp((double)x[j] - m);
        S.m = m;
        S.log_s = log1p(((double)k - 1.0) + s_o); /* exact s - 1 (body_common.h A) */
    }
    const double unif = smoothing / (double)n, keep = 1.0 - smoothing;
    /* entries with a nonzero target: all of them with smoothing, else y */
    const ptrdiff_t j0 = smoothing > 0 ? 0 : (ptrdiff_t)y,
                    j1 = smoothing > 0 ? n : (ptrdiff_t)y + 1;
    double loss = 0.0, U = 0.0, U_ex = 0.0, V = 0.0, V_ex = 0.0;
    for (ptrdiff_t j = j0; j < j1; j++) {
        const double t = (j == y ? keep : 0.0) + unif;
        if (t == 0.0) continue;
        const double lp = FN(grouped_focal_lp)(&S, x[j]);
        double p, q, F, u, vq2;
        FN(grouped_focal_terms)(lp, gamma, &p, &q, &F, &u, &vq2);
        loss -= t * F * lp;
        U += t * u;
        if (j != jmax) U_ex += t * u;
        if (h) {
            const double v = t * FN(grouped_focal_v)(lp, gamma);
            V += v;
            if (j != jmax) V_ex += v;
        }
    }
    if (g || h) {
        for (ptrdiff_t j = 0; j < n; j++) {
            const double t = (j == y ? keep : 0.0) + unif;
            const double lp =
                FN(grouped_focal_lp)(&S, x[j]); /* x[j] read before g[j] is written */
            double p, q, F, u, vq2;
            FN(grouped_focal_terms)(lp, gamma, &p, &q, &F, &u, &vq2);
            const double U_k = j == jmax ? U_ex : U - t * u;
            if (g) g[j] = (XT_REAL)(ga * (p * U_k - q * t * u));
            if (h) {
                const double V_k =
                    j == jmax ? V_ex : V - (t != 0.0 ? t * FN(grouped_focal_v)(lp, gamma) : 0.0);
                const double pvk = p == 0 ? 0.0 : p * p * V_k;
                h[j] = (XT_REAL)(ga * (p * q * U - t * vq2 - pvk));
            }
        }
    }
    return loss;
}

/* Focal loss over rows [r0, r1) of one group (a: the group's sub-problem). */
static double FN(grouped_focal_group)(const xentc_args *a, double gamma, ptrdiff_t r0,
                                      ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
        const int64_t y = a->labels[i];
        if (y < 0) {
            FN(zero_row)(g, n);
            FN(zero_row)(h, n);
            if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = 0;
            continue;
        }
        const double w = FN(row_weight)(a, i);
        const double loss = FN(grouped_focal_entry)((const XT_REAL *)a->x + i * a->ldx, n, y,
                                                    a->smoothing, gamma, w * a->grad_scale, g, h);
        if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
        total += w * loss;
    }
    return total;
}

/* ---- groups of 1..GCOLS_MAX-1 classes, columnar (Design C) ------------- */

#define GCOLS_MAX ((ptrdiff_t)64)

typedef struct {
    XT_REAL t[GCOLS_MAX * BR];                      /* t[j*BR + r] = x[r][j] */
    XT_REAL e[GCOLS_MAX * BR];                      /* exp(x - m), same layout */
    XT_REAL gg[GCOLS_MAX * BR], hh[GCOLS_MAX * BR]; /* gradient, Hessian, same layout */
    XT_REAL m[BR], log_s[BR], inv_s[BR], q_max[BR];
} FN(gcols_t);

/* body_short_rows.h's cols_load for up to GCOLS_MAX columns. The gather
 * prefetches PF rows ahead: the first group of a row block is the first to
 * touch its cache lines, and these loads then wait on memory (40% of the
 * kernel's time at groups [12, 7, 5] without it). The rows are transposed
 * by gather_cols (body_short_rows.h), XT_NLANES columns at a time. */
static void FN(gcols_load)(const XT_REAL *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                           ptrdiff_t rows, FN(gcols_t) *B, int want_e)
{
    enum { PF = 8 };
    for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
        for (ptrdiff_t l = r; l < r + XT_NLANES && l < rows; l++) {
            const XT_REAL *xr = x + (r0 + l) * ldx;
            __builtin_prefetch(xr + PF * ldx, 0, 3);
            __builtin_prefetch(xr + PF * ldx + n - 1, 0, 3);
        }
        FN(gather_cols)(x + (r0 + r) * ldx, ldx, n, rows - r, B->t + r, BR);
        XT_VREAL m = XT_LOAD(B->t + r);
        for (ptrdiff_t j = 1; j < n; j++) m = FN(vmax)(m, XT_LOAD(B->t + j * BR + r));
        XT_STORE(B->m + r, m);
        XT_VREAL mm = XT_SELECT(m - m == 0, m, XT_SPLAT(0)); /* inf/NaN max: limits path later */
        XT_VREAL so = XT_SPLAT(0);
        XT_VINT kc = { 0 };
        for (ptrdiff_t j = 0; j < n; j++) {
            XT_VREAL d = XT_LOAD(B->t + j * BR + r) - mm;
            XT_VREAL ex = XT_VEXP_NONPOS(d);
            XT_VINT eq = d == 0;
            if (want_e) XT_STORE(B->e + j * BR + r, ex);
            so += FN(clear)(eq, ex);
            kc -= eq;
        }
        XT_VREAL s_m1 = (XT_VINT_TO_REAL(kc) - 1) + so;
        XT_VREAL inv = 1 / (s_m1 + 1);
        XT_STORE(B->log_s + r, XT_VLOG1P(s_m1));
        XT_STORE(B->inv_s + r, inv);
        XT_STORE(B->q_max + r, s_m1 * inv);
    }
}

/* sparse_softmax_small (body_short_rows.h) for groups of up to GCOLS_MAX-1
 * classes, with the prefetching gather above. */
static double FN(grouped_cols_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x;
    const double smoothing = a->smoothing;
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    FN(gcols_t) B;
    XT_REAL loss_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        FN(gcols_load)(x, a->ldx, n, i0, rows, &B, want_grad);
        FN(cols_label_loss)(B.t, B.m, B.log_s, n, rows, a->labels + i0, smoothing, loss_v);
        if (want_grad) {
            const XT_REAL unif = (XT_REAL)(smoothing / (double)n);
            for (ptrdiff_t r = 0; r < rows; r += XT_NLANES) {
                XT_VREAL ga = XT_SPLAT((XT_REAL)a->grad_scale);
                if (a->row_weight)
                    for (ptrdiff_t l = 0; l < XT_NLANES && r + l < rows; l++)
                        ga[l] = (XT_REAL)(a->row_weight[i0 + r + l] * a->grad_scale);
                const XT_VREAL gu = ga * unif, inv_s = XT_LOAD(B.inv_s + r),
                               q_max = XT_LOAD(B.q_max + r);
                const XT_VREAL g_max = (ga - gu) - ga * q_max, h_max = ga * inv_s * q_max;
                /* separate loops: g comes out bit-identical with or without h (one
                 * product ga * p shared with h would change how g is contracted) */
                if (a->grad_out)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_VREAL e = XT_LOAD(B.e + j * BR + r);
                        XT_STORE(B.gg + j * BR + r,
                                 XT_SELECT(e == 1, g_max, ga * (e * inv_s) - gu));
                    }
                if (a->hess_out)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_VREAL e = XT_LOAD(B.e + j * BR + r), p = e * inv_s;
                        XT_STORE(B.hh + j * BR + r, XT_SELECT(e == 1, h_max, ga * p * (1 - p)));
                    }
                /* formed XT_NLANES rows per vector op (transposed), stored
                 * transposed back; the label entries are redone below */
                if (a->grad_out)
                    FN(scatter_cols)(B.gg + r, BR, n, rows - r,
                                     (XT_REAL *)a->grad_out + (i0 + r) * a->ldg, a->ldg);
                if (a->hess_out)
                    FN(scatter_cols)(B.hh + r, BR, n, rows - r,
                                     (XT_REAL *)a->hess_out + (i0 + r) * a->ldh, a->ldh);
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const int64_t y = a->labels[row];
            if (y < 0) {
                FN(zero_row)(g, n);
                FN(zero_row)(h, n);
                if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = 0;
                continue;
            }
            const double w = FN(row_weight)(a, row), ga = w * a->grad_scale;
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                XT_REAL xr[GCOLS_MAX]; /* g may alias x and is written: the block's copy */
                FN(cols_row)(B.t, n, i, xr);
                loss = FN(softmax_ce_limits)(xr, n, y, NULL, NULL, NULL, 0, NULL, smoothing, ga, g,
                                             h);
            } else if (want_grad) { /* the label entry, in float64 without cancellation */
                FN(cols_label_entry)(g, h, y, ga, smoothing, n, B.e[y * BR + i], B.inv_s[i],
                                     B.q_max[i]);
            }
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
            total += w * loss;
        }
    }
    return total;
}

/* Rows [r0, r1), every group (Design A), GCHUNK rows at a time: a chunk's
 * labels and weights of one group are gathered from the row-major (N, G)
 * arrays into contiguous buffers (the layout the kernels read), from L1,
 * since the chunk's first group brought those lines in. */
#define GCHUNK ((ptrdiff_t)256)

static double FN(grouped_softmax_ce)(const xentc_args *args, ptrdiff_t r0, ptrdiff_t r1)
{
    /* the table's signature takes xentc_args; the base is the first member */
    const xentc_grouped_args *ga = (const xentc_grouped_args *)args;
    const xentc_args *a = &ga->base;
    const ptrdiff_t G = ga->n_groups;
    int64_t lab[GCHUNK];
    double wt[GCHUNK];
    XT_REAL lo[GCHUNK];
    double total = 0.0;
    for (ptrdiff_t c0 = r0; c0 < r1; c0 += GCHUNK) {
        const ptrdiff_t len = FN(min_p)(GCHUNK, r1 - c0);
        for (ptrdiff_t grp = 0; grp < G; grp++) {
            const ptrdiff_t off = (ptrdiff_t)ga->offsets[grp];
            for (ptrdiff_t i = 0; i < len; i++) lab[i] = ga->labels[(c0 + i) * G + grp];
            if (a->row_weight)
                for (ptrdiff_t i = 0; i < len; i++) wt[i] = a->row_weight[(c0 + i) * G + grp];
            xentc_args s = *a;
            s.n_rows = len;
            s.n_cols = (ptrdiff_t)ga->offsets[grp + 1] - off;
            s.x = (const XT_REAL *)a->x + c0 * a->ldx + off;
            s.labels = lab;
            s.row_weight = a->row_weight ? wt : NULL;
            s.loss_out = a->loss_out ? lo : NULL;
            s.grad_out = a->grad_out ? (void *)((XT_REAL *)a->grad_out + c0 * a->ldg + off) : NULL;
            s.hess_out = a->hess_out ? (void *)((XT_REAL *)a->hess_out + c0 * a->ldh + off) : NULL;
            if (ga->gamma > 0)
                total += FN(grouped_focal_group)(&s, ga->gamma, 0, len);
            else if (s.n_cols < GCOLS_MAX && !(s.n_cols == 2 && s.ldx == 2)) /* 2 x 2: pairs */
                total += FN(grouped_cols_ce)(&s, 0, len);
            else
                total += FN(sparse_softmax_ce)(&s, 0, len);
            if (a->loss_out)
                for (ptrdiff_t i = 0; i < len; i++)
                    ((XT_REAL *)a->loss_out)[(c0 + i) * G + grp] = lo[i];
        }
    }
    return total;
}
