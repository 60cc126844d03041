/* body_common.h -- what every kernel family builds on: lane helpers, row
 * statistics, the limits path, the softmax gradient pass, row addressing.
 *
 * The kernel bodies (src/body_*.h) are written once for both dtypes and all
 * ISAs: kernels_body.h lists them in order, and kernels_target.h includes
 * that list once with the float32 macro set and once with the float64 one;
 * XENTC_TARGET names the ISA. The Design notes below are those the other
 * body files cite as "Design A" ... "Design G".
 *
 * Design:
 * A. A softmax row is summarised by `stats`: its max m, the number k of
 *    entries equal to m, and s_o = sum over the entries *below* m of
 *    exp(x_j - m). Keeping the max terms (each exactly 1) out of the sum lets
 *    us form s - 1 = (k-1) + s_o and log(s) = log1p(s - 1) without
 *    cancellation: a confident prediction's loss (log1p of something tiny)
 *    keeps full relative precision instead of drowning in the rounding of
 *    1 + tiny, and so do 1 - p_max in the gradient and Hessian. Separating
 *    the max terms costs one compare per vector, no argmax search.
 * B. Cross-entropy is formed as sum_j tw_j * (m - x_j) + S * log(s),
 *    S = sum_j tw_j: every term is >= 0, so nothing cancels. The rejected
 *    textbook form "logsumexp - x_y" loses all digits when the loss is small.
 * C. Sums of float32 values run in float32 lanes over XT_CHUNK elements and are
 *    then folded into a float64 total, so long rows keep ~float64 accuracy
 *    without converting every element.
 * D. A row whose max is not finite, or whose fast-path result is not finite,
 *    is recomputed by the scalar `limits` path, which takes the mathematical
 *    limits (target logit = +inf -> loss 0; 0 * inf terms of zero-weight
 *    targets dropped) and returns NaN where a row holds NaN. Fast paths never
 *    branch per element on special values.
 * E. Rows shorter than SMALL_C elements are processed a block at a time:
 *    per-row maxima first, then one flat vector pass of exp over the whole
 *    block, then a vector log1p over the block's row sums. Per-row work
 *    (horizontal sums, a scalar log1p) would otherwise dominate (C = 2
 *    would cost 20x more per logit than C = 1000). Rows go in and out of
 *    the columnar layout through in-register transposes (gather_cols /
 *    scatter_cols, body_short_rows.h), and loss-only steps stay in vectors
 *    up to the accumulator: no per-element scalar code is left.
 * F. The tail of a row (n mod XT_NLANES elements) is handled by re-reading the
 *    last full vector and masking the lanes already counted, not by a
 *    scalar loop.
 * G. Sigmoid cross-entropy uses the sign-split form
 *        loss = L*log1p(e) + (x >= 0 ? (1-y)*x : -pw*y*x),
 *        e = exp(-|x|), L = 1 + (pw-1)*y,
 *    whose two terms are both >= 0 (no cancellation, no overflow for any x);
 *    gradient and Hessian reuse e: q = e/(1+e) is min(s, 1-s).
 */

/* ---- small helpers ---------------------------------------------------- */

static inline double FN(hsum)(XT_VREAL v)
{
    double s = 0.0;
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) s += (double)v[l];
    return s;
}

static inline XT_REAL FN(hmax)(XT_VREAL v)
{
    XT_REAL m = v[0];
    for (ptrdiff_t l = 1; l < XT_NLANES; l++) m = v[l] > m ? v[l] : m;
    return m;
}

/* lane-wise max that never picks a NaN from v */
static inline XT_VREAL FN(vmax)(XT_VREAL acc, XT_VREAL v)
{ return XT_SELECT(v > acc, v, acc); }

static inline XT_VREAL FN(vabs)(XT_VREAL v)
{ return XT_SELECT(v < 0, -v, v); }

/* v with the lanes of mask m cleared */
static inline XT_VREAL FN(clear)(XT_VINT m, XT_VREAL v)
{ return (XT_VREAL)(~m & (XT_VINT)v); }

static inline ptrdiff_t FN(min_p)(ptrdiff_t a, ptrdiff_t b)
{ return a < b ? a : b; }

/* mask of the lanes l < k */
static inline XT_VINT FN(lane_lt)(ptrdiff_t k)
{
    XT_VINT iota;
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) iota[l] = (XT_LANE_INT)l;
    return iota < (XT_LANE_INT)k;
}

/* ---- row statistics (Design A, F) --------------------------------------- */

static XT_REAL FN(row_max)(const XT_REAL *x, ptrdiff_t n)
{
    if (n < XT_NLANES) return FN(hmax)(XT_LOAD_PART(x, n, -INFINITY));
    XT_VREAL m0 = XT_SPLAT(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    ptrdiff_t j = 0;
    for (; j + 4 * XT_NLANES <= n; j += 4 * XT_NLANES) {
        m0 = FN(vmax)(m0, XT_LOAD(x + j));
        m1 = FN(vmax)(m1, XT_LOAD(x + j + XT_NLANES));
        m2 = FN(vmax)(m2, XT_LOAD(x + j + 2 * XT_NLANES));
        m3 = FN(vmax)(m3, XT_LOAD(x + j + 3 * XT_NLANES));
    }
    for (; j + XT_NLANES <= n; j += XT_NLANES) m0 = FN(vmax)(m0, XT_LOAD(x + j));
    if (j < n) m1 = FN(vmax)(m1, XT_LOAD(x + n - XT_NLANES)); /* overlap: max is idempotent */
    return FN(hmax)(FN(vmax)(FN(vmax)(m0, m1), FN(vmax)(m2, m3)));
}

/* sum over x_j < m of exp(x_j - m) (float64), and the count of x_j == m.
 * With e_out, also stores exp(x_j - m) for every j (exactly 1 at the max;
 * e_out may alias x). `full` selects the subnormal-preserving exp (for
 * stored softmax outputs) over the faster one (sums, gradients). pf, if not
 * NULL, is the next row: it is prefetched while this compute-bound pass
 * runs, so that the next memory-bound max pass finds it in cache. */
XENTC_INLINE double FN(sum_exp_below_impl)(const XT_REAL *x, ptrdiff_t n, XT_REAL m, double *k_out,
                                           XT_REAL *e_out, int full, const XT_REAL *pf)
{
    const XT_VREAL vm = XT_SPLAT(m);
    XT_VINT kc = { 0 };
    double total = 0.0;
    ptrdiff_t j = 0;
#define XENTC_EXP(d) (full ? XT_VEXP(d) : XT_VEXP_NONPOS(d))
    while (j + XT_NLANES <= n) {
        const ptrdiff_t end = FN(min_p)(n, j + XT_CHUNK);
        XT_VREAL a0 = XT_SPLAT(0), a1 = XT_SPLAT(0);
        for (; j + 2 * XT_NLANES <= end; j += 2 * XT_NLANES) {
            if (pf) __builtin_prefetch(pf + j, 0, 3);
            XT_VREAL d0 = XT_LOAD(x + j) - vm, d1 = XT_LOAD(x + j + XT_NLANES) - vm;
            XT_VREAL x0 = XENTC_EXP(d0), x1 = XENTC_EXP(d1);
            XT_VINT e0 = d0 == 0, e1 = d1 == 0;
            if (e_out) {
                XT_STORE(e_out + j, x0);
                XT_STORE(e_out + j + XT_NLANES, x1);
            }
            a0 += FN(clear)(e0, x0);
            a1 += FN(clear)(e1, x1);
            kc -= e0 + e1;
        }
        for (; j + XT_NLANES <= end; j += XT_NLANES) {
            XT_VREAL d0 = XT_LOAD(x + j) - vm;
            XT_VREAL x0 = XENTC_EXP(d0);
            XT_VINT e0 = d0 == 0;
            if (e_out) XT_STORE(e_out + j, x0);
            a0 += FN(clear)(e0, x0);
            kc -= e0;
        }
        total += FN(hsum)(a0 + a1);
    }
    if (j < n) {
        XT_VREAL d, ex;
        XT_VINT skip;
        if (e_out || n < XT_NLANES) { /* partial load: stored lanes may alias x */
            d = XT_LOAD_PART(x + j, n - j, -INFINITY) - vm;
            skip = ~FN(lane_lt)(n - j);
            ex = XENTC_EXP(d);
            if (e_out) XT_STORE_PART(e_out + j, ex, n - j);
        } else { /* Design F: re-read the last full vector */
            d = XT_LOAD(x + n - XT_NLANES) - vm;
            skip = FN(lane_lt)(XT_NLANES - (n - j));
            ex = XENTC_EXP(d);
        }
        XT_VINT eq = (d == 0) & ~skip;
        total += FN(hsum)(FN(clear)(skip | eq, ex));
        kc -= eq;
    }
#undef XENTC_EXP
    double k = 0.0;
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) k += (double)kc[l];
    *k_out = k;
    return total;
}

static double FN(sum_exp_below)(const XT_REAL *x, ptrdiff_t n, XT_REAL m, double *k_out,
                                const XT_REAL *pf)
{ return FN(sum_exp_below_impl)(x, n, m, k_out, NULL, 0, pf); }

static double FN(sum_exp_below_store)(const XT_REAL *x, ptrdiff_t n, XT_REAL m, double *k_out,
                                      XT_REAL *e_out, int full, const XT_REAL *pf)
{
    return full ? FN(sum_exp_below_impl)(x, n, m, k_out, e_out, 1, pf)
                : FN(sum_exp_below_impl)(x, n, m, k_out, e_out, 0, pf);
}

typedef struct {
    XT_REAL m;    /* row max (NaN ignored) */
    double k;     /* entries equal to the max */
    double s_o;   /* sum of exp(x_j - m) over the entries below the max */
    double s_m1;  /* s - 1, s = k + s_o = sum_j exp(x_j - m) */
    double log_s; /* log(s) = logsumexp(x) - m */
    double inv_s; /* 1 / s */
} FN(stats_t);

static inline void FN(finish_stats)(FN(stats_t) *st)
{
    /* s - 1 = (k - 1) + s_o is exact for k = 1 and far from 0 otherwise */
    st->s_m1 = (st->k - 1.0) + st->s_o;
    st->log_s = log1p(st->s_m1);
    st->inv_s = 1.0 / (st->k + st->s_o);
}

/* Fills st; returns 0 when the max is not finite (take the limits path,
 * before anything is written). With e_out, exp(x_j - m) is stored there. */
static int FN(stats)(const XT_REAL *x, ptrdiff_t n, FN(stats_t) *st, XT_REAL *e_out, int full,
                     const XT_REAL *pf)
{
    st->m = FN(row_max)(x, n);
    if (!isfinite(st->m)) return 0;
    st->s_o = e_out ? FN(sum_exp_below_store)(x, n, st->m, &st->k, e_out, full, pf)
                    : FN(sum_exp_below)(x, n, st->m, &st->k, pf);
    FN(finish_stats)(st);
    return 1;
}

/* sum_j w_j * (m - x_j) and sum_j w_j with w_j = c_j * (a*t_j + b);
 * t, c may be NULL (t = 0, c = 1). Used for soft targets and smoothing.
 * Returns 1 when some t_j < 0 (NaN is not): the sign check of dense targets
 * rides on this pass (xentc_args.neg_target_row). */
static int FN(weighted_gap)(const XT_REAL *x, const XT_REAL *t, const XT_REAL *c, ptrdiff_t n,
                            XT_REAL m, XT_REAL a, XT_REAL b, double *gap_out, double *wsum_out)
{
    const XT_VREAL vm = XT_SPLAT(m);
    double gap = 0.0, wsum = 0.0;
    XT_VINT neg = { 0 };
    for (ptrdiff_t j = 0; j < n;) {
        const ptrdiff_t end = FN(min_p)(n, j + XT_CHUNK);
        XT_VREAL ag = XT_SPLAT(0), aw = XT_SPLAT(0);
        for (; j < end; j += XT_NLANES) {
            const ptrdiff_t k = end - j;
            XT_VREAL xv = k >= XT_NLANES ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, 0);
            XT_VREAL tv =
                t ? (k >= XT_NLANES ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0)) : XT_SPLAT(0);
            XT_VREAL cv =
                c ? (k >= XT_NLANES ? XT_LOAD(c + j) : XT_LOAD_PART(c + j, k, 0)) : XT_SPLAT(1);
            XT_VREAL w = cv * (tv * a + b);
            if (k < XT_NLANES) w = XT_SELECT(FN(lane_lt)(k), w, XT_SPLAT(0));
            ag += FN(clear)(w == 0, w * (vm - xv)); /* 0 * inf = 0: zero targets drop out */
            aw += w;
            neg |= tv < 0;
        }
        gap += FN(hsum)(ag);
        wsum += FN(hsum)(aw);
    }
    *gap_out = gap;
    *wsum_out = wsum;
    return XT_ANY(neg);
}

/* xentc_args.neg_target_row = min(itself, row), atomically (the rows of one
 * call run on several threads) */
static inline void FN(report_neg_row)(const xentc_args *a, ptrdiff_t row)
{
    int64_t cur = __atomic_load_n(a->neg_target_row, __ATOMIC_RELAXED);
    while ((int64_t)row < cur &&
           !__atomic_compare_exchange_n(a->neg_target_row, &cur, (int64_t)row, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {}
}

/* ---- the limits path (Design D) ---------------------------------------- */

typedef struct {
    int nan;       /* row holds NaN */
    int undefined; /* every element is -inf (or the row is empty): no softmax */
    int inf;       /* max is +inf: the k infinite entries share probability 1/k */
    double m, log_s, log_k;
} FN(limits_t);

static void FN(limits)(const XT_REAL *x, ptrdiff_t n, FN(limits_t) *L)
{
    double m = -INFINITY;
    ptrdiff_t k = 0;
    L->nan = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        if (x[j] != x[j])
            L->nan = 1;
        else if (x[j] > m)
            m = x[j];
    }
    for (ptrdiff_t j = 0; j < n; j++) k += (x[j] == m);
    L->m = m;
    L->inf = (m == INFINITY);
    L->log_k = log((double)k);
    L->log_s = 0.0;
    L->undefined = (m == -INFINITY);
    if (L->nan || L->undefined || L->inf) return;
    double s = 0.0;
    for (ptrdiff_t j = 0; j < n; j++) s += exp((double)x[j] - m);
    L->log_s = log(s);
}

/* log-probability of an element in the limit */
static inline double FN(limit_lp)(const FN(limits_t) *L, XT_REAL xj)
{
    if (L->nan || L->undefined) return NAN;
    if (L->inf) return xj == INFINITY ? -L->log_k : -INFINITY;
    return ((double)xj - L->m) - L->log_s;
}

static inline double FN(limit_lse)(const FN(limits_t) *L)
{
    if (L->nan) return NAN;
    if (L->undefined) return -INFINITY;
    if (L->inf) return INFINITY;
    return L->m + L->log_s;
}

/* One row of any softmax CE in the limits path. Target weights are
 * tw_j = c_j * ((1-smoothing) * t_j + smoothing/C) where t_j comes from a label, a dense
 * row or a sorted CSR row. Terms with tw_j == 0 are dropped (0 * inf = 0). */
static double FN(softmax_ce_limits)(const XT_REAL *x, ptrdiff_t n, int64_t label, const XT_REAL *t,
                                    const int64_t *idx, const XT_REAL *val, ptrdiff_t nnz,
                                    const XT_REAL *c, double smoothing, double ga, XT_REAL *g,
                                    XT_REAL *h)
{
    FN(limits_t) L;
    FN(limits)(x, n, &L);
    double loss = 0.0, S = 0.0;
    ptrdiff_t k = 0;
    /* first pass: loss and S (needs x intact: g may alias x) */
    for (ptrdiff_t j = 0; j < n; j++) {
        double tj = 0.0;
        if (t)
            tj = t[j];
        else if (label >= 0)
            tj = (j == label);
        else if (k < nnz && idx[k] == j)
            tj = val[k++];
        double tw = (c ? (double)c[j] : 1.0) * ((1.0 - smoothing) * tj + smoothing / (double)n);
        S += tw;
        if (tw != 0.0 || L.nan || L.undefined) loss -= tw * FN(limit_lp)(&L, x[j]);
    }
    if (g || h) {
        k = 0;
        for (ptrdiff_t j = 0; j < n; j++) {
            double tj = 0.0;
            if (t)
                tj = t[j];
            else if (label >= 0)
                tj = (j == label);
            else if (k < nnz && idx[k] == j)
                tj = val[k++];
            double tw =
                (c ? (double)c[j] : 1.0) * ((1.0 - smoothing) * tj + smoothing / (double)n);
            double p = exp(FN(limit_lp)(&L, x[j]));
            if (g) g[j] = (XT_REAL)(ga * (S * p - tw));
            if (h) h[j] = (XT_REAL)(ga * S * p * (1.0 - p));
        }
    }
    return loss;
}

/* ---- softmax gradient / Hessian pass ----------------------------------- */

/* From e_j = exp(x_j - m) already stored in g (or in h when g is NULL):
 *   g_j = gs*p_j - c_j*(gu + gt*t_j),  h_j = hs*p_j*(1-p_j),  p_j = e_j/s,
 * with the max entries (e = 1, p = 1/s) formed without cancellation (Design A):
 *   g = (gs - c*(gu + gt*t)) - gs*(s-1)/s,   h = hs*(1/s)*((s-1)/s).
 * gs, gu, gt are products of the same float ga, so for a one-hot target at
 * the max gs - c*gt is exactly 0. t, c may be NULL. */
static void FN(softmax_grad_finish)(ptrdiff_t n, const FN(stats_t) *st, XT_REAL gs, XT_REAL gu,
                                    XT_REAL gt, const XT_REAL *t, const int64_t *idx,
                                    const XT_REAL *val, ptrdiff_t nnz, const XT_REAL *c,
                                    XT_REAL hs, XT_REAL *g, XT_REAL *h)
{
    const XT_REAL inv_s = (XT_REAL)st->inv_s, q_max = (XT_REAL)(st->s_m1 * st->inv_s);
    const XT_REAL h_max = (XT_REAL)((double)hs * st->inv_s * (st->s_m1 * st->inv_s));
    const XT_REAL *e = g ? g : h;
    ptrdiff_t kk = 0; /* next CSR entry */
    for (ptrdiff_t j = 0; j < n; j += XT_NLANES) {
        const ptrdiff_t k = n - j;
        XT_VREAL ev = k >= XT_NLANES ? XT_LOAD(e + j) : XT_LOAD_PART(e + j, k, 0);
        XT_VINT at_max = ev == 1;
        XT_VREAL p = ev * inv_s;
        if (h) {
            XT_VREAL hv = XT_SELECT(at_max, XT_SPLAT(h_max), hs * p * (1 - p));
            if (k >= XT_NLANES)
                XT_STORE(h + j, hv);
            else
                XT_STORE_PART(h + j, hv, k);
        }
        if (g) {
            XT_VREAL tv =
                t ? (k >= XT_NLANES ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0)) : XT_SPLAT(0);
            XT_VREAL cv =
                c ? (k >= XT_NLANES ? XT_LOAD(c + j) : XT_LOAD_PART(c + j, k, 0)) : XT_SPLAT(1);
            XT_VREAL tw = cv * (gu + gt * tv);
            XT_VREAL gv = XT_SELECT(at_max, (gs - tw) - gs * q_max, gs * p - tw);
            for (; kk < nnz && idx[kk] < j + XT_NLANES; kk++) { /* CSR targets in this vector */
                const ptrdiff_t l = (ptrdiff_t)idx[kk] - j;
                const XT_REAL tw_l = (c ? c[idx[kk]] : (XT_REAL)1) * (gu + gt * val[kk]);
                gv[l] = ev[l] == 1 ? (gs - tw_l) - gs * q_max : gs * p[l] - tw_l;
            }
            if (k >= XT_NLANES)
                XT_STORE(g + j, gv);
            else
                XT_STORE_PART(g + j, gv, k);
        }
    }
}

static inline void FN(zero_row)(XT_REAL *p, ptrdiff_t n)
{
    if (p) memset(p, 0, (size_t)n * sizeof(XT_REAL));
}

/* The label entry y of a labelled softmax row's gradient / Hessian, in
 * float64 from p_y and q_y = 1 - p_y formed without cancellation (Design A);
 * the uniform smoothing part of the other entries is already in g. */
static inline void FN(label_entry)(XT_REAL *g, XT_REAL *h, int64_t y, double ga, double smoothing,
                                   ptrdiff_t n, double p_y, double q_y)
{
    if (g) g[y] = (XT_REAL)(ga * (smoothing * (1.0 - 1.0 / (double)n) - q_y));
    if (h) h[y] = (XT_REAL)(ga * p_y * q_y);
}

static inline double FN(row_weight)(const xentc_args *a, ptrdiff_t i)
{ return a->row_weight ? a->row_weight[i] : 1.0; }

static inline XT_REAL *FN(row_ptr)(void *base, ptrdiff_t ld, ptrdiff_t i)
{ return base ? (XT_REAL *)base + i * ld : NULL; }
