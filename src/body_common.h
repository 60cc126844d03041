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
 * C. Sums of float32 values run in float32 lanes over CHUNK elements and are
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
 *    would cost 20x more per logit than C = 1000).
 * F. The tail of a row (n mod NL elements) is handled by re-reading the
 *    last full vector and masking the lanes already counted, not by a
 *    scalar loop.
 * G. Sigmoid cross-entropy uses the sign-split form
 *        loss = L*log1p(e) + (x >= 0 ? (1-y)*x : -pw*y*x),
 *        e = exp(-|x|), L = 1 + (pw-1)*y,
 *    whose two terms are both >= 0 (no cancellation, no overflow for any x);
 *    gradient and Hessian reuse e: q = e/(1+e) is min(s, 1-s).
 */

/* ---- small helpers ---------------------------------------------------- */

static inline double FN(hsum)(VR v)
{
    double s = 0.0;
    for (ptrdiff_t l = 0; l < NL; l++) s += (double)v[l];
    return s;
}

static inline R FN(hmax)(VR v)
{
    R m = v[0];
    for (ptrdiff_t l = 1; l < NL; l++) m = v[l] > m ? v[l] : m;
    return m;
}

/* lane-wise max that never picks a NaN from v */
static inline VR FN(vmax)(VR acc, VR v)
{ return SEL(v > acc, v, acc); }

static inline VR FN(vabs)(VR v)
{ return SEL(v < 0, -v, v); }

/* v with the lanes of mask m cleared */
static inline VR FN(clear)(VI m, VR v)
{ return (VR)(~m & (VI)v); }

static inline ptrdiff_t FN(min_p)(ptrdiff_t a, ptrdiff_t b)
{ return a < b ? a : b; }

/* mask of the lanes l < k */
static inline VI FN(lane_lt)(ptrdiff_t k)
{
    VI iota;
    for (ptrdiff_t l = 0; l < NL; l++) iota[l] = (IT)l;
    return iota < (IT)k;
}

/* ---- row statistics (Design A, F) --------------------------------------- */

static R FN(row_max)(const R *x, ptrdiff_t n)
{
    if (n < NL) return FN(hmax)(LDPART(x, n, -INFINITY));
    VR m0 = SPLAT(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    ptrdiff_t j = 0;
    for (; j + 4 * NL <= n; j += 4 * NL) {
        m0 = FN(vmax)(m0, LD(x + j));
        m1 = FN(vmax)(m1, LD(x + j + NL));
        m2 = FN(vmax)(m2, LD(x + j + 2 * NL));
        m3 = FN(vmax)(m3, LD(x + j + 3 * NL));
    }
    for (; j + NL <= n; j += NL) m0 = FN(vmax)(m0, LD(x + j));
    if (j < n) m1 = FN(vmax)(m1, LD(x + n - NL)); /* overlap: max is idempotent */
    return FN(hmax)(FN(vmax)(FN(vmax)(m0, m1), FN(vmax)(m2, m3)));
}

/* sum over x_j < m of exp(x_j - m) (float64), and the count of x_j == m.
 * With e_out, also stores exp(x_j - m) for every j (exactly 1 at the max;
 * e_out may alias x). `full` selects the subnormal-preserving exp (for
 * stored softmax outputs) over the faster one (sums, gradients). pf, if not
 * NULL, is the next row: it is prefetched while this compute-bound pass
 * runs, so that the next memory-bound max pass finds it in cache. */
XENTC_INLINE double FN(sum_exp_below_impl)(const R *x, ptrdiff_t n, R m, double *k_out, R *e_out,
                                           int full, const R *pf)
{
    const VR vm = SPLAT(m);
    VI kc = { 0 };
    double total = 0.0;
    ptrdiff_t j = 0;
#define XENTC_EXP(d) (full ? VEXP(d) : VEXPN(d))
    while (j + NL <= n) {
        const ptrdiff_t end = FN(min_p)(n, j + CHUNK);
        VR a0 = SPLAT(0), a1 = SPLAT(0);
        for (; j + 2 * NL <= end; j += 2 * NL) {
            if (pf) __builtin_prefetch(pf + j, 0, 3);
            VR d0 = LD(x + j) - vm, d1 = LD(x + j + NL) - vm;
            VR x0 = XENTC_EXP(d0), x1 = XENTC_EXP(d1);
            VI e0 = d0 == 0, e1 = d1 == 0;
            if (e_out) {
                ST(e_out + j, x0);
                ST(e_out + j + NL, x1);
            }
            a0 += FN(clear)(e0, x0);
            a1 += FN(clear)(e1, x1);
            kc -= e0 + e1;
        }
        for (; j + NL <= end; j += NL) {
            VR d0 = LD(x + j) - vm;
            VR x0 = XENTC_EXP(d0);
            VI e0 = d0 == 0;
            if (e_out) ST(e_out + j, x0);
            a0 += FN(clear)(e0, x0);
            kc -= e0;
        }
        total += FN(hsum)(a0 + a1);
    }
    if (j < n) {
        VR d, ex;
        VI skip;
        if (e_out || n < NL) { /* partial load: stored lanes may alias x */
            d = LDPART(x + j, n - j, -INFINITY) - vm;
            skip = ~FN(lane_lt)(n - j);
            ex = XENTC_EXP(d);
            if (e_out) STPART(e_out + j, ex, n - j);
        } else { /* Design F: re-read the last full vector */
            d = LD(x + n - NL) - vm;
            skip = FN(lane_lt)(NL - (n - j));
            ex = XENTC_EXP(d);
        }
        VI eq = (d == 0) & ~skip;
        total += FN(hsum)(FN(clear)(skip | eq, ex));
        kc -= eq;
    }
#undef XENTC_EXP
    double k = 0.0;
    for (ptrdiff_t l = 0; l < NL; l++) k += (double)kc[l];
    *k_out = k;
    return total;
}

static double FN(sum_exp_below)(const R *x, ptrdiff_t n, R m, double *k_out, const R *pf)
{ return FN(sum_exp_below_impl)(x, n, m, k_out, NULL, 0, pf); }

static double FN(sum_exp_below_store)(const R *x, ptrdiff_t n, R m, double *k_out, R *e_out,
                                      int full, const R *pf)
{
    return full ? FN(sum_exp_below_impl)(x, n, m, k_out, e_out, 1, pf)
                : FN(sum_exp_below_impl)(x, n, m, k_out, e_out, 0, pf);
}

typedef struct {
    R m;          /* row max (NaN ignored) */
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
static int FN(stats)(const R *x, ptrdiff_t n, FN(stats_t) *st, R *e_out, int full, const R *pf)
{
    st->m = FN(row_max)(x, n);
    if (!isfinite(st->m)) return 0;
    st->s_o = e_out ? FN(sum_exp_below_store)(x, n, st->m, &st->k, e_out, full, pf)
                    : FN(sum_exp_below)(x, n, st->m, &st->k, pf);
    FN(finish_stats)(st);
    return 1;
}

/* sum_j w_j * (m - x_j) and sum_j w_j with w_j = c_j * (a*t_j + b);
 * t, c may be NULL (t = 0, c = 1). Used for soft targets and smoothing. */
static void FN(weighted_gap)(const R *x, const R *t, const R *c, ptrdiff_t n, R m, R a, R b,
                             double *gap_out, double *wsum_out)
{
    const VR vm = SPLAT(m);
    double gap = 0.0, wsum = 0.0;
    for (ptrdiff_t j = 0; j < n;) {
        const ptrdiff_t end = FN(min_p)(n, j + CHUNK);
        VR ag = SPLAT(0), aw = SPLAT(0);
        for (; j < end; j += NL) {
            const ptrdiff_t k = end - j;
            VR xv = k >= NL ? LD(x + j) : LDPART(x + j, k, 0);
            VR tv = t ? (k >= NL ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
            VR cv = c ? (k >= NL ? LD(c + j) : LDPART(c + j, k, 0)) : SPLAT(1);
            VR w = cv * (tv * a + b);
            if (k < NL) w = SEL(FN(lane_lt)(k), w, SPLAT(0));
            ag += FN(clear)(w == 0, w * (vm - xv)); /* 0 * inf = 0: zero targets drop out */
            aw += w;
        }
        gap += FN(hsum)(ag);
        wsum += FN(hsum)(aw);
    }
    *gap_out = gap;
    *wsum_out = wsum;
}

/* ---- the limits path (Design D) ---------------------------------------- */

typedef struct {
    int nan;       /* row holds NaN */
    int undefined; /* every element is -inf (or the row is empty): no softmax */
    int inf;       /* max is +inf: the k infinite entries share probability 1/k */
    double m, log_s, log_k;
} FN(limits_t);

static void FN(limits)(const R *x, ptrdiff_t n, FN(limits_t) *L)
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
static inline double FN(limit_lp)(const FN(limits_t) *L, R xj)
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
 * tw_j = c_j * ((1-eps) * t_j + eps/C) where t_j comes from a label, a dense
 * row or a sorted CSR row. Terms with tw_j == 0 are dropped (0 * inf = 0). */
static double FN(softmax_ce_limits)(const R *x, ptrdiff_t n, int64_t label, const R *t,
                                    const int64_t *idx, const R *val, ptrdiff_t nnz, const R *c,
                                    double eps, double ga, R *g, R *h)
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
        double tw = (c ? (double)c[j] : 1.0) * ((1.0 - eps) * tj + eps / (double)n);
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
            double tw = (c ? (double)c[j] : 1.0) * ((1.0 - eps) * tj + eps / (double)n);
            double p = exp(FN(limit_lp)(&L, x[j]));
            if (g) g[j] = (R)(ga * (S * p - tw));
            if (h) h[j] = (R)(ga * S * p * (1.0 - p));
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
static void FN(softmax_grad_finish)(ptrdiff_t n, const FN(stats_t) *st, R gs, R gu, R gt,
                                    const R *t, const int64_t *idx, const R *val, ptrdiff_t nnz,
                                    const R *c, R hs, R *g, R *h)
{
    const R inv_s = (R)st->inv_s, q_max = (R)(st->s_m1 * st->inv_s);
    const R h_max = (R)((double)hs * st->inv_s * (st->s_m1 * st->inv_s));
    const R *e = g ? g : h;
    ptrdiff_t kk = 0; /* next CSR entry */
    for (ptrdiff_t j = 0; j < n; j += NL) {
        const ptrdiff_t k = n - j;
        VR ev = k >= NL ? LD(e + j) : LDPART(e + j, k, 0);
        VI at_max = ev == 1;
        VR p = ev * inv_s;
        if (h) {
            VR hv = SEL(at_max, SPLAT(h_max), hs * p * (1 - p));
            if (k >= NL)
                ST(h + j, hv);
            else
                STPART(h + j, hv, k);
        }
        if (g) {
            VR tv = t ? (k >= NL ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
            VR cv = c ? (k >= NL ? LD(c + j) : LDPART(c + j, k, 0)) : SPLAT(1);
            VR tw = cv * (gu + gt * tv);
            VR gv = SEL(at_max, (gs - tw) - gs * q_max, gs * p - tw);
            for (; kk < nnz && idx[kk] < j + NL; kk++) { /* CSR targets in this vector */
                const ptrdiff_t l = (ptrdiff_t)idx[kk] - j;
                const R tw_l = (c ? c[idx[kk]] : (R)1) * (gu + gt * val[kk]);
                gv[l] = ev[l] == 1 ? (gs - tw_l) - gs * q_max : gs * p[l] - tw_l;
            }
            if (k >= NL)
                ST(g + j, gv);
            else
                STPART(g + j, gv, k);
        }
    }
}

static inline void FN(zero_row)(R *p, ptrdiff_t n)
{
    if (p) memset(p, 0, (size_t)n * sizeof(R));
}

static inline double FN(row_weight)(const xentc_args *a, ptrdiff_t i)
{ return a->row_weight ? a->row_weight[i] : 1.0; }

static inline R *FN(row_ptr)(void *base, ptrdiff_t ld, ptrdiff_t i)
{ return base ? (R *)base + i * ld : NULL; }
