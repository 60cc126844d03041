/* kernels_body.h -- the kernel bodies, written once for both dtypes and all ISAs.
 *
 * Included twice by kernels_target.h, once with the float32 macro set and
 * once with the float64 one; XENTC_TARGET names the ISA.
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

#define XCAT3_(a, b, c) a##_##b##_##c
#define XCAT3(a, b, c) XCAT3_(a, b, c)
#define FN(name) XCAT3(name, SFX, XENTC_TARGET)

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
 * t, c may be NULL (t = 0, c = 1). Used for soft targets and smoothing.
 * Returns 1 when some t_j < 0 (NaN is not): the sign check of dense targets
 * rides on this pass (xentc_args.neg_target_row). */
static int FN(weighted_gap)(const R *x, const R *t, const R *c, ptrdiff_t n, R m, R a, R b,
                            double *gap_out, double *wsum_out)
{
    const VR vm = SPLAT(m);
    double gap = 0.0, wsum = 0.0;
    VI neg = { 0 };
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
            neg |= tv < 0;
        }
        gap += FN(hsum)(ag);
        wsum += FN(hsum)(aw);
    }
    *gap_out = gap;
    *wsum_out = wsum;
    return ANY(neg);
}

/* xentc_args.neg_target_row = min(itself, row), atomically (rows of one
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

/* ---- short rows, columnar (Design E) ----------------------------------- */

#define SMALL_C ((ptrdiff_t)16) /* rows shorter than this take the columnar path */
#define BR ((ptrdiff_t)64)      /* rows per columnar block, a multiple of NL */

/* A block of up to BR short rows, transposed so that every vector op works
 * on NL rows at once: t[j*BR + r] = x[r][j]. */
typedef struct {
    ptrdiff_t rows;
    R t[SMALL_C * BR];
    R e[SMALL_C * BR]; /* exp(x - m) when asked for, same layout */
    R m[BR];           /* row max */
    R log_s[BR];       /* logsumexp - m */
    R inv_s[BR];       /* 1 / s */
    R q_max[BR];       /* (s - 1) / s = 1 - p at the max, without cancellation */
} FN(cols_t);

/* Design E, transposes: rows l < rows (at most NL) of n columns, row l at
 * x + l*ldx, into column vectors dst[j*ld .. j*ld + NL) (rows past `rows`:
 * 0). NL columns at a time: one masked load per row, an in-register
 * NL x NL transpose, one store per column. */
__attribute__((noinline)) static void FN(gather_cols)(const R *x, ptrdiff_t ldx, ptrdiff_t n,
                                                      ptrdiff_t rows, R *dst, ptrdiff_t ld)
{
    if (2 * n <= NL) { /* two rows per vector: half the shuffles */
        VR v[NL / 2];
        _Pragma("GCC unroll 8") for (ptrdiff_t l = 0; l < NL / 2; l++)
        {
            const VR a = l < rows ? LDPART(x + l * ldx, n, 0) : SPLAT(0);
            const VR b = l + NL / 2 < rows ? LDPART(x + (l + NL / 2) * ldx, n, 0) : SPLAT(0);
            v[l] = CONCAT_LO(a, b);
        }
        HALF_TRANSPOSE(v);
        _Pragma("GCC unroll 8") for (ptrdiff_t j = 0; j < NL / 2; j++) if (j < n)
            ST(dst + j * ld, v[j]);
        return;
    }
    for (ptrdiff_t c0 = 0; c0 < n; c0 += NL) {
        const ptrdiff_t w = FN(min_p)(NL, n - c0);
        VR v[NL];
        _Pragma("GCC unroll 16") for (ptrdiff_t l = 0; l < NL; l++) v[l] =
            l < rows ? (w == NL ? LD(x + l * ldx + c0) : LDPART(x + l * ldx + c0, w, 0))
                     : SPLAT(0);
        TRANSPOSE(v);
        _Pragma("GCC unroll 16") for (ptrdiff_t j = 0; j < NL; j++) if (j < w)
            ST(dst + (c0 + j) * ld, v[j]);
    }
}

/* The inverse: column vectors src[j*ld ..] to rows l < rows of o (row l at
 * o + l*ldo), n columns each, with masked stores. */
__attribute__((noinline)) static void FN(scatter_cols)(const R *src, ptrdiff_t ld, ptrdiff_t n,
                                                       ptrdiff_t rows, R *o, ptrdiff_t ldo)
{
    if (2 * n <= NL) { /* two rows per vector, as in gather_cols */
        VR v[NL / 2];
        _Pragma("GCC unroll 8") for (ptrdiff_t j = 0; j < NL / 2; j++) v[j] =
            j < n ? LD(src + j * ld) : SPLAT(0);
        HALF_TRANSPOSE(v);
        _Pragma("GCC unroll 8") for (ptrdiff_t l = 0; l < NL / 2; l++)
        {
            if (l < rows) STPART(o + l * ldo, v[l], n);
            if (l + NL / 2 < rows) STPART(o + (l + NL / 2) * ldo, HIGH_DOWN(v[l]), n);
        }
        return;
    }
    for (ptrdiff_t c0 = 0; c0 < n; c0 += NL) {
        const ptrdiff_t w = FN(min_p)(NL, n - c0);
        VR v[NL];
        _Pragma("GCC unroll 16") for (ptrdiff_t j = 0; j < NL; j++) v[j] =
            j < w ? LD(src + (c0 + j) * ld) : SPLAT(0);
        TRANSPOSE(v);
        _Pragma("GCC unroll 16") for (ptrdiff_t l = 0; l < NL; l++) if (l < rows)
        {
            if (w == NL)
                ST(o + l * ldo + c0, v[l]);
            else
                STPART(o + l * ldo + c0, v[l], w);
        }
    }
}

static void FN(cols_load)(const R *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0, ptrdiff_t rows,
                          FN(cols_t) *B, int want_e, int full)
{
    B->rows = rows;
    for (ptrdiff_t r = 0; r < BR; r += NL) {
        FN(gather_cols)(x + (r0 + r) * ldx, ldx, n, rows - r, B->t + r, BR);
        VR m = LD(B->t + r);
        for (ptrdiff_t j = 1; j < n; j++) m = FN(vmax)(m, LD(B->t + j * BR + r));
        ST(B->m + r, m);
        VR mm = SEL(m - m == 0, m, SPLAT(0)); /* rows with inf/NaN max: limits path later */
        VR so = SPLAT(0);
        VI kc = { 0 };
        for (ptrdiff_t j = 0; j < n; j++) {
            VR d = LD(B->t + j * BR + r) - mm;
            VR ex = full ? VEXP(d) : VEXPN(d);
            VI eq = d == 0;
            if (want_e) ST(B->e + j * BR + r, ex);
            so += FN(clear)(eq, ex);
            kc -= eq;
        }
        /* s - 1 = (k - 1) + s_o is exact for k = 1 and far from 0 otherwise */
        VR s_m1 = (I2F(kc) - 1) + so;
        VR inv = 1 / (s_m1 + 1);
        ST(B->log_s + r, VLOG1P(s_m1));
        ST(B->inv_s + r, inv);
        ST(B->q_max + r, s_m1 * inv);
    }
}

/* Row i of a columnar block, back in a row (the limits paths read rows;
 * the output rows may alias x and are already written). */
static inline void FN(cols_row)(const R *t, ptrdiff_t n, ptrdiff_t i, R *row)
{
    for (ptrdiff_t j = 0; j < n; j++) row[j] = t[j * BR + i];
}

/* ---- two classes, contiguous rows: NL rows per vector step -------------- */

/* Rows (a, b) of a C-contiguous (n, 2) matrix, NL rows from row i. */
static inline void FN(load_pairs)(const R *x, ptrdiff_t i, VR *a, VR *b)
{ DEINTERLEAVE(LD(x + 2 * i), LD(x + 2 * i + NL), a, b); }

static inline void FN(store_pairs)(R *o, ptrdiff_t i, VR a, VR b)
{
    VR lo, hi;
    INTERLEAVE(a, b, &lo, &hi);
    ST(o + 2 * i, lo);
    ST(o + 2 * i + NL, hi);
}

/* For two classes the softmax sum is s = 1 + e, e = exp(-|a - b|), for ties
 * too (then e = 1 and k = 2): one exp and one log1p per row. */
static inline VR FN(pair_e)(VR a, VR b)
{ return VEXPN(-FN(vabs)(a - b)); }

/* How many leading rows of [r0, r1) the pair kernels take: whole vectors. */
static inline ptrdiff_t FN(pair_rows)(ptrdiff_t n, ptrdiff_t ldx, ptrdiff_t r0, ptrdiff_t r1)
{ return (n == 2 && ldx == 2) ? ((r1 - r0) / NL) * NL : 0; }

/* ---- primitives -------------------------------------------------------- */

static void FN(logsumexp_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                               ptrdiff_t r1, void *outv, ptrdiff_t ldo)
{
    (void)ldo;
    const R *x = (const R *)xv;
    R *out = (R *)outv;
    const ptrdiff_t np = FN(pair_rows)(n, ldx, r0, r1);
    for (ptrdiff_t i = r0; i < r0 + np; i += NL) {
        VR a, b;
        FN(load_pairs)(x, i, &a, &b);
        VR lse = FN(vmax)(a, b) + VLOG1P_UNIT(FN(pair_e)(a, b));
        ST(out + i, lse);
        for (ptrdiff_t l = 0; l < NL; l++) {
            if (lse[l] - lse[l] != 0) { /* inf or NaN: take the limit */
                FN(limits_t) L;
                FN(limits)(x + (i + l) * 2, 2, &L);
                out[i + l] = (R)FN(limit_lse)(&L);
            }
        }
    }
    r0 += np;
    if (n > 0 && n < SMALL_C) {
        FN(cols_t) B;
        for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
            FN(cols_load)(x, ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, 0, 0);
            for (ptrdiff_t r = 0; r < B.rows; r += NL) {
                const VR lse = LD(B.m + r) + LD(B.log_s + r);
                if (r + NL <= B.rows)
                    ST(out + i0 + r, lse);
                else
                    STPART(out + i0 + r, lse, B.rows - r);
                if (!ANY(lse - lse != 0)) continue;
                for (ptrdiff_t i = r; i < r + NL && i < B.rows; i++) {
                    if (!isfinite(lse[i - r])) { /* inf or NaN: take the limit */
                        FN(limits_t) L;
                        FN(limits)(x + (i0 + i) * ldx, n, &L);
                        out[i0 + i] = (R)FN(limit_lse)(&L);
                    }
                }
            }
        }
        return;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *xr = x + i * ldx;
        FN(stats_t) st;
        double lse = FN(stats)(xr, n, &st, NULL, 0, i + 1 < r1 ? xr + ldx : NULL)
                         ? (double)st.m + st.log_s
                         : NAN;
        if (!isfinite(lse)) {
            FN(limits_t) L;
            FN(limits)(xr, n, &L);
            lse = FN(limit_lse)(&L);
        }
        out[i] = (R)lse;
    }
}

/* log_softmax of a row whose stats are known */
static void FN(log_softmax_row_out)(const R *x, ptrdiff_t n, const FN(stats_t) *st, R *o)
{
    const VR vm = SPLAT(st->m);
    const R ls = (R)st->log_s;
    for (ptrdiff_t j = 0; j < n; j += NL) {
        const ptrdiff_t k = n - j;
        VR v = ((k >= NL ? LD(x + j) : LDPART(x + j, k, 0)) - vm) - ls;
        if (k >= NL)
            ST(o + j, v);
        else
            STPART(o + j, v, k);
    }
}

/* o holds exp(x_j - m): scale it to probabilities */
static void FN(scale_row)(R *o, ptrdiff_t n, R f)
{
    for (ptrdiff_t j = 0; j < n; j += NL) {
        const ptrdiff_t k = n - j;
        if (k >= NL)
            ST(o + j, LD(o + j) * f);
        else
            STPART(o + j, LDPART(o + j, k, 0) * f, k);
    }
}

static void FN(softmax_row_limits)(const R *x, ptrdiff_t n, R *o, int want_log)
{
    FN(limits_t) L;
    FN(limits)(x, n, &L);
    for (ptrdiff_t j = 0; j < n; j++) {
        double lp = FN(limit_lp)(&L, x[j]);
        o[j] = (R)(want_log ? lp : exp(lp));
    }
}

static void FN(softmax_like_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                  ptrdiff_t r1, void *outv, ptrdiff_t ldo, int want_log)
{
    const R *x = (const R *)xv;
    R *out = (R *)outv;
    if (n > 0 && n < SMALL_C) {
        FN(cols_t) B;
        for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
            FN(cols_load)(x, ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, !want_log, 1);
            /* outputs formed in the columnar layout (into B.e), NL rows per op,
             * then transposed back to the rows */
            for (ptrdiff_t r = 0; r < B.rows; r += NL) {
                const VR m = LD(B.m + r), ls = LD(B.log_s + r), inv_s = LD(B.inv_s + r);
                for (ptrdiff_t j = 0; j < n; j++) {
                    R *e = B.e + j * BR + r;
                    ST(e, want_log ? (LD(B.t + j * BR + r) - m) - ls : LD(e) * inv_s);
                }
                FN(scatter_cols)(B.e + r, BR, n, B.rows - r, out + (i0 + r) * ldo, ldo);
            }
            for (ptrdiff_t i = 0; i < B.rows; i++) {
                if (!isfinite(B.m[i]) || !isfinite(B.log_s[i])) {
                    R xr[SMALL_C];
                    FN(cols_row)(B.t, n, i, xr);
                    FN(softmax_row_limits)(xr, n, out + (i0 + i) * ldo, want_log);
                }
            }
        }
        return;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *xr = x + i * ldx;
        R *o = out + i * ldo;
        FN(stats_t) st;
        if (!FN(stats)(xr, n, &st, want_log ? NULL : o, 1, i + 1 < r1 ? xr + ldx : NULL))
            FN(softmax_row_limits)(xr, n, o, want_log);
        else if (want_log)
            FN(log_softmax_row_out)(xr, n, &st, o);
        else
            FN(scale_row)(o, n, (R)st.inv_s); /* NaN rows: inv_s is NaN, so is every p */
    }
}

static void FN(softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0, ptrdiff_t r1,
                             void *out, ptrdiff_t ldo)
{ FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 0); }

static void FN(log_softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                 ptrdiff_t r1, void *out, ptrdiff_t ldo)
{ FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 1); }

/* Element-wise map over [i0, i1); EXPR is a VR expression of `v`. */
#define XENTC_ELEMWISE(NAME, EXPR)                                             \
    static void FN(NAME)(const void *xv, void *ov, ptrdiff_t i0, ptrdiff_t i1) \
    {                                                                          \
        const R *x = (const R *)xv;                                            \
        R *o = (R *)ov;                                                        \
        for (ptrdiff_t j = i0; j < i1; j += NL) {                              \
            const ptrdiff_t k = i1 - j;                                        \
            VR v = k >= NL ? LD(x + j) : LDPART(x + j, k, 0);                  \
            VR r = EXPR;                                                       \
            if (k >= NL)                                                       \
                ST(o + j, r);                                                  \
            else                                                               \
                STPART(o + j, r, k);                                           \
        }                                                                      \
    }

static inline VR FN(vsigmoid)(VR v)
{
    VR e = VEXP(-FN(vabs)(v));
    VR d = 1 / (1 + e);
    return SEL(v >= 0, d, e * d);
}

static inline VR FN(vlog_sigmoid)(VR v)
{
    VR e = VEXP(-FN(vabs)(v));
    VR neg = SEL(v < 0, v, SPLAT(0));
    return neg - VLOG1P_UNIT(e);
}

XENTC_ELEMWISE(sigmoid_elem, FN(vsigmoid)(v))
XENTC_ELEMWISE(log_sigmoid_elem, FN(vlog_sigmoid)(v))
XENTC_ELEMWISE(exp_elem, VEXP(v))
XENTC_ELEMWISE(log_elem, VLOG(v))
XENTC_ELEMWISE(log1p_elem, VLOG1P(v))

/* ---- softmax cross-entropy --------------------------------------------- */

static inline double FN(row_weight)(const xentc_args *a, ptrdiff_t i)
{ return a->row_weight ? a->row_weight[i] : 1.0; }

static inline R *FN(row_ptr)(void *base, ptrdiff_t ld, ptrdiff_t i)
{ return base ? (R *)base + i * ld : NULL; }

/* Loss of a labelled row from its stats; NaN if the stats are unusable. */
static inline double FN(sparse_row_loss)(const FN(stats_t) *st, double xy, double eps, double gap,
                                         ptrdiff_t n)
{
    double loss = ((double)st->m - xy) + st->log_s;
    if (eps > 0) loss = (1.0 - eps) * loss + eps * (gap / (double)n + st->log_s);
    return loss;
}

/* Gradient / Hessian of a labelled row from the stored exps: the uniform
 * part in the vector pass, then the label entry without cancellation
 * (Design A). */
static void FN(sparse_row_grad)(ptrdiff_t n, const FN(stats_t) *st, int64_t y, double xy,
                                double eps, double ga, R *g, R *h)
{
    const R gaR = (R)ga;
    FN(softmax_grad_finish)(n, st, gaR, gaR * (R)(eps / (double)n), 0, NULL, NULL, NULL, 0, NULL,
                            gaR, g, h);
    const int y_at_max = xy == (double)st->m;
    const double p_y = y_at_max ? st->inv_s : exp(xy - (double)st->m) * st->inv_s;
    const double q_y = y_at_max ? st->s_m1 * st->inv_s : 1.0 - p_y;
    if (g) g[y] = (R)(ga * (eps * (1.0 - 1.0 / (double)n) - q_y));
    if (h) h[y] = (R)(ga * p_y * q_y);
}

static double FN(sparse_softmax_small)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const R *x = (const R *)a->x;
    const double eps = a->smoothing;
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    VACC acc = { 0 };
    FN(cols_t) B;
    R loss_v[BR], gg[SMALL_C * BR], hh[SMALL_C * BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        FN(cols_load)(x, a->ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, want_grad, 0);
        /* the labelled logit of each row (a select per column, NL rows at a
         * time; m for ignored rows), then the loss of NL rows at a time */
        for (ptrdiff_t i = 0; i < BR; i += NL) {
            VR m = LD(B.m + i), ls = LD(B.log_s + i), xy = m;
            if (i + NL <= B.rows) {
                const VI yv = LDLAB(a->labels + i0 + i);
                for (ptrdiff_t j = 0; j < n; j++) xy = SEL(yv == (IT)j, LD(B.t + j * BR + i), xy);
            } else {
                for (ptrdiff_t l = 0; l < NL && i + l < B.rows; l++) {
                    const int64_t y = a->labels[i0 + i + l];
                    if (y >= 0) xy[l] = B.t[y * BR + i + l];
                }
            }
            VR l = (m - xy) + ls;
            if (eps > 0) {
                VR gap = SPLAT(0);
                for (ptrdiff_t j = 0; j < n; j++) gap += m - LD(B.t + j * BR + i);
                l = (R)(1.0 - eps) * l + (R)eps * (gap * (R)(1.0 / (double)n) + ls);
            }
            ST(loss_v + i, l);
        }
        if (want_grad) { /* NL rows per op in the columnar layout, then transposed back */
            const R unif = (R)(eps / (double)n);
            for (ptrdiff_t r = 0; r < B.rows; r += NL) {
                VR ga = SPLAT((R)a->grad_scale);
                if (a->row_weight)
                    for (ptrdiff_t l = 0; l < NL && r + l < B.rows; l++)
                        ga[l] = (R)(a->row_weight[i0 + r + l] * a->grad_scale);
                const VR gu = ga * unif, inv_s = LD(B.inv_s + r), q_max = LD(B.q_max + r);
                const VR g_max = (ga - gu) - ga * q_max, h_max = ga * inv_s * q_max;
                for (ptrdiff_t j = 0; j < n; j++) {
                    const VR e = LD(B.e + j * BR + r), p = e * inv_s;
                    const VI at_max = e == 1;
                    if (a->grad_out) ST(gg + j * BR + r, SEL(at_max, g_max, ga * p - gu));
                    if (a->hess_out) ST(hh + j * BR + r, SEL(at_max, h_max, ga * p * (1 - p)));
                }
                if (a->grad_out)
                    FN(scatter_cols)(gg + r, BR, n, B.rows - r,
                                     (R *)a->grad_out + (i0 + r) * a->ldg, a->ldg);
                if (a->hess_out)
                    FN(scatter_cols)(hh + r, BR, n, B.rows - r,
                                     (R *)a->hess_out + (i0 + r) * a->ldh, a->ldh);
            }
        }
        for (ptrdiff_t i = 0; i < B.rows; i++) {
            if (!want_grad && i % NL == 0 && i + NL <= B.rows) {
                /* loss only, NL rows with labels and finite maxima: one vector step */
                const VI yv = LDLAB(a->labels + i0 + i);
                const VR m = LD(B.m + i);
                if (!ANY((yv < 0) | (m - m != 0))) {
                    const VR w = a->row_weight ? LDW(a->row_weight + i0 + i) : SPLAT(1);
                    const VR wl = w * LD(loss_v + i);
                    if (a->loss_out) ST((R *)a->loss_out + i0 + i, wl);
                    ACC(&acc, wl);
                    i += NL - 1;
                    continue;
                }
            }
            const ptrdiff_t row = i0 + i;
            R *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            R *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const int64_t y = a->labels[row];
            if (y < 0) {
                FN(zero_row)(g, n);
                FN(zero_row)(h, n);
                if (a->loss_out) ((R *)a->loss_out)[row] = 0;
                continue;
            }
            const double w = FN(row_weight)(a, row), ga = w * a->grad_scale;
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                R xr[SMALL_C]; /* g may alias x and is written: the block's copy */
                FN(cols_row)(B.t, n, i, xr);
                loss = FN(softmax_ce_limits)(xr, n, y, NULL, NULL, NULL, 0, NULL, eps, ga, g, h);
            } else if (want_grad) { /* the label entry, in float64 without cancellation */
                const R e_y = B.e[y * BR + i], q_max = B.q_max[i];
                const double p_y = (double)e_y * (double)B.inv_s[i];
                const double q_y = e_y == 1 ? (double)q_max : 1.0 - p_y;
                if (g) g[y] = (R)(ga * (eps * (1.0 - 1.0 / (double)n) - q_y));
                if (h) h[y] = (R)(ga * p_y * q_y);
            }
            if (a->loss_out) ((R *)a->loss_out)[row] = (R)(w * loss);
            total += w * loss;
        }
    }
    for (ptrdiff_t l = 0; l < (ptrdiff_t)(sizeof acc / sizeof(double)); l++) total += acc[l];
    return total;
}

/* Sparse CE on two-class rows, NL rows per step. A step holding an ignored
 * row or a non-finite result is redone by the columnar kernel. */
static double FN(sparse_softmax_pairs)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const R *x = (const R *)a->x;
    const R eps = (R)a->smoothing, half_eps = (R)(a->smoothing / 2);
    R *g_out = (R *)a->grad_out, *h_out = (R *)a->hess_out;
    double total = 0.0;
    VACC acc = { 0 };
    for (ptrdiff_t i = r0; i < r1; i += NL) {
        const VI y = LDLAB(a->labels + i);
        const VI is_b = y == 1;
        const VR w = a->row_weight ? LDW(a->row_weight + i) : SPLAT(1);
        VR va, vb;
        FN(load_pairs)(x, i, &va, &vb);
        VR e = FN(pair_e)(va, vb);
        VR m = FN(vmax)(va, vb);
        VR ls = VLOG1P_UNIT(e);
        VR gap = m - SEL(is_b, vb, va); /* m - x_y */
        VR loss = gap + ls;
        if (a->smoothing > 0) loss = (1 - eps) * loss + eps * (FN(vabs)(va - vb) * (R)0.5 + ls);
        if (ANY((y < 0) | (loss - loss != 0))) { /* ignored rows, inf, NaN */
            total += FN(sparse_softmax_small)(a, i, i + NL);
            continue;
        }
        VR wl = w * loss;
        ACC(&acc, wl);
        if (a->loss_out) ST((R *)a->loss_out + i, wl);
        if (g_out || h_out) {
            VR inv_s = 1 / (1 + e);
            VI a_max = va >= vb; /* ties: either is the max */
            VR p_a = SEL(a_max, inv_s, e * inv_s), q_a = SEL(a_max, e * inv_s, inv_s);
            VR ga = w * (R)a->grad_scale;
            if (g_out) {
                VR g_a = ga * SEL(is_b, p_a - half_eps, half_eps - q_a);
                VR g_b = ga * SEL(is_b, half_eps - p_a, q_a - half_eps);
                FN(store_pairs)(g_out, i, g_a, g_b);
            }
            if (h_out) {
                VR hv = ga * p_a * q_a;
                FN(store_pairs)(h_out, i, hv, hv);
            }
        }
    }
    for (ptrdiff_t l = 0; l < (ptrdiff_t)(sizeof acc / sizeof(double)); l++) total += acc[l];
    return total;
}

static double FN(sparse_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    if (n < SMALL_C) {
        ptrdiff_t np = FN(pair_rows)(n, a->ldx, r0, r1);
        if ((a->grad_out && a->ldg != 2) || (a->hess_out && a->ldh != 2)) np = 0;
        double total = np ? FN(sparse_softmax_pairs)(a, r0, r0 + np) : 0.0;
        return total + FN(sparse_softmax_small)(a, r0 + np, r1);
    }
    const double eps = a->smoothing;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *x = (const R *)a->x + i * a->ldx;
        R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
        const int64_t y = a->labels[i];
        if (y < 0) { /* ignored row: no loss, no gradient */
            FN(zero_row)(g, n);
            FN(zero_row)(h, n);
            if (a->loss_out) ((R *)a->loss_out)[i] = 0;
            continue;
        }
        const double w = FN(row_weight)(a, i);
        const double ga = w * a->grad_scale;
        const double xy = x[y]; /* read before g (which may alias x) is written */
        FN(stats_t) st;
        double loss;
        st.m = FN(row_max)(x, n);
        if (!isfinite(st.m)) {
            loss = FN(softmax_ce_limits)(x, n, y, NULL, NULL, NULL, 0, NULL, eps, ga, g, h);
        } else {
            double gap = 0.0, wsum;
            if (eps > 0) FN(weighted_gap)(x, NULL, NULL, n, st.m, 0, 1, &gap, &wsum);
            R *e = g ? g : h;
            const R *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
            st.s_o = e ? FN(sum_exp_below_store)(x, n, st.m, &st.k, e, 0, pf)
                       : FN(sum_exp_below)(x, n, st.m, &st.k, pf);
            FN(finish_stats)(&st);
            loss = FN(sparse_row_loss)(&st, xy, eps, gap, n);
            if (e) FN(sparse_row_grad)(n, &st, y, xy, eps, ga, g, h);
        }
        if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
        total += w * loss;
    }
    return total;
}

/* dense soft targets and CSR soft targets share this row body */
static double FN(soft_softmax_ce_row)(const xentc_args *a, ptrdiff_t i, const R *t,
                                      const int64_t *idx, const R *val, ptrdiff_t nnz)
{
    const ptrdiff_t n = a->n_cols;
    const double eps = a->smoothing;
    const R *x = (const R *)a->x + i * a->ldx;
    const R *c = (const R *)a->col_weight;
    R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
    const double w = FN(row_weight)(a, i);
    const double ga = w * a->grad_scale;
    FN(stats_t) st;
    double loss, S = 0.0;
    st.m = FN(row_max)(x, n);
    if (!isfinite(st.m)) {
        if (t && a->neg_target_row)
            for (ptrdiff_t j = 0; j < n; j++)
                if (t[j] < 0) {
                    FN(report_neg_row)(a, i);
                    break;
                }
        loss = FN(softmax_ce_limits)(x, n, -1, t, idx, val, nnz, c, eps, ga, g, h);
    } else {
        double gap = 0.0; /* the target terms first: g may alias x */
        if (t) {
            if (FN(weighted_gap)(x, t, c, n, st.m, (R)(1.0 - eps), (R)(eps / (double)n), &gap,
                                 &S) &&
                a->neg_target_row)
                FN(report_neg_row)(a, i);
        } else {
            for (ptrdiff_t k = 0; k < nnz; k++) {
                const double cw = c ? (double)c[idx[k]] : 1.0;
                const double tw = cw * (double)val[k];
                if (tw != 0.0) gap += tw * ((double)st.m - (double)x[idx[k]]);
                S += tw;
            }
            gap *= (1.0 - eps);
            S *= (1.0 - eps);
            if (eps > 0) {
                double ugap, usum;
                FN(weighted_gap)(x, NULL, c, n, st.m, 0, (R)(eps / (double)n), &ugap, &usum);
                gap += ugap;
                S += usum;
            }
        }
        R *e = g ? g : h;
        const R *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
        st.s_o = e ? FN(sum_exp_below_store)(x, n, st.m, &st.k, e, 0, pf)
                   : FN(sum_exp_below)(x, n, st.m, &st.k, pf);
        FN(finish_stats)(&st);
        loss = gap + S * st.log_s;
        if (e) {
            const R gaR = (R)ga;
            const R gs = gaR * (R)S, gu = gaR * (R)(eps / (double)n), gt = gaR * (R)(1.0 - eps);
            FN(softmax_grad_finish)(n, &st, gs, gu, gt, t, idx, val, t ? 0 : nnz, c, gs, g, h);
        }
    }
    if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
    return w * loss;
}

/* Dense soft targets on short rows: the targets are transposed like the
 * logits (Design E) and every step works on NL rows. */
static double FN(dense_softmax_small)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const R *x = (const R *)a->x, *c = (const R *)a->col_weight;
    const double eps = a->smoothing;
    const R keep = (R)(1.0 - eps), unif = (R)(eps / (double)n);
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    FN(cols_t) B;
    R tt[SMALL_C * BR], gg[SMALL_C * BR], hh[SMALL_C * BR], loss_v[BR], S_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        FN(cols_load)(x, a->ldx, n, i0, rows, &B, want_grad, 0);
        for (ptrdiff_t r = 0; r < BR; r += NL) {
            FN(gather_cols)((const R *)a->t + (i0 + r) * a->ldt, a->ldt, n, rows - r, tt + r, BR);
            if (a->neg_target_row) { /* rows past `rows` were filled with 0 */
                VI neg = { 0 };
                for (ptrdiff_t j = 0; j < n; j++) neg |= LD(tt + j * BR + r) < 0;
                for (ptrdiff_t l = 0; l < NL && ANY(neg); l++)
                    if (neg[l]) {
                        FN(report_neg_row)(a, i0 + r + l);
                        break;
                    }
            }
        }
        for (ptrdiff_t r = 0; r < BR; r += NL) {
            const VR m = LD(B.m + r);
            VR gap = SPLAT(0), S = SPLAT(0);
            for (ptrdiff_t j = 0; j < n; j++) {
                const VR tw = (c ? c[j] : (R)1) * (keep * LD(tt + j * BR + r) + unif);
                gap += FN(clear)(tw == 0, tw * (m - LD(B.t + j * BR + r)));
                S += tw;
            }
            ST(loss_v + r, gap + S * LD(B.log_s + r));
            ST(S_v + r, S);
        }
        if (want_grad) {
            for (ptrdiff_t r = 0; r < BR; r += NL) {
                VR ga = SPLAT((R)a->grad_scale);
                if (a->row_weight)
                    for (ptrdiff_t l = 0; l < NL && r + l < rows; l++)
                        ga[l] = (R)(a->row_weight[i0 + r + l] * a->grad_scale);
                const VR gs = ga * LD(S_v + r), inv_s = LD(B.inv_s + r), q_max = LD(B.q_max + r);
                for (ptrdiff_t j = 0; j < n; j++) {
                    const VR e = LD(B.e + j * BR + r), p = e * inv_s;
                    const VR tw =
                        (c ? c[j] : (R)1) * (ga * unif + ga * keep * LD(tt + j * BR + r));
                    const VI at_max = e == 1;
                    ST(hh + j * BR + r, SEL(at_max, gs * inv_s * q_max, gs * p * (1 - p)));
                    ST(gg + j * BR + r, SEL(at_max, (gs - tw) - gs * q_max, gs * p - tw));
                }
                if (r < rows && a->grad_out)
                    FN(scatter_cols)(gg + r, BR, n, rows - r, (R *)a->grad_out + (i0 + r) * a->ldg,
                                     a->ldg);
                if (r < rows && a->hess_out)
                    FN(scatter_cols)(hh + r, BR, n, rows - r, (R *)a->hess_out + (i0 + r) * a->ldh,
                                     a->ldh);
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            R *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            R *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const double w = FN(row_weight)(a, row);
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                R xr[SMALL_C]; /* g may alias x and is written: the block's copy */
                FN(cols_row)(B.t, n, i, xr);
                loss = FN(softmax_ce_limits)(xr, n, -1, (const R *)a->t + row * a->ldt, NULL, NULL,
                                             0, c, eps, w * a->grad_scale, g, h);
            }
            if (a->loss_out) ((R *)a->loss_out)[row] = (R)(w * loss);
            total += w * loss;
        }
    }
    return total;
}

static double FN(dense_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    if (a->n_cols < SMALL_C) return FN(dense_softmax_small)(a, r0, r1);
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(soft_softmax_ce_row)(a, i, (const R *)a->t + i * a->ldt, NULL, NULL, 0);
    return total;
}

static double FN(csr_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total +=
            FN(soft_softmax_ce_row)(a, i, NULL, a->indices + b, (const R *)a->values + b, e - b);
    }
    return total;
}

/* ---- sigmoid cross-entropy (Design G) ---------------------------------- */

/* One vector step of sigmoid_span at element j, k elements left; `full`
 * (k >= NL) is a constant at each call site so both loops are branch-free. */
XENTC_INLINE VR FN(sigmoid_step)(const R *x, const R *t, const R *pw, R pw_s, const R *we, R w,
                                 R keep, R half_eps, R gsc, R *lo, R *g, R *h, ptrdiff_t j,
                                 ptrdiff_t k, int full)
{
    VR xv = full ? LD(x + j) : LDPART(x + j, k, 0);
    VR yv = t ? (full ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
    yv = yv * keep + half_eps;
    VR pv = pw ? (full ? LD(pw + j) : LDPART(pw + j, k, 1)) : SPLAT(pw_s);
    VR wv = we ? (full ? LD(we + j) : LDPART(we + j, k, 0)) : SPLAT(w);
    VR e = VEXPN(-FN(vabs)(xv)); /* exp(-|x|) < FLT_MIN is 0: a loss term < 1e-38 */
    VR L = 1 + (pv - 1) * yv;
    VI pos = xv >= 0;
    VR coef = SEL(pos, 1 - yv, -pv * yv);
    VR lin = FN(clear)(coef == 0, coef * xv); /* 0 * inf = 0 at the limits */
    VR wl = wv * (L * VLOG1P_UNIT(e) + lin);
    if (!full) wl = SEL(FN(lane_lt)(k), wl, SPLAT(0));
    if (lo) {
        if (full)
            ST(lo + j, wl);
        else
            STPART(lo + j, wl, k);
    }
    if (g || h) {
        VR d = 1 / (1 + e);
        VR q = e * d;
        VR ga = wv * gsc;
        if (g) {
            VR gv = ga * SEL(pos, (1 - yv) - L * q, L * q - pv * yv);
            if (full)
                ST(g + j, gv);
            else
                STPART(g + j, gv, k);
        }
        if (h) {
            VR hv = ga * L * q * d;
            if (full)
                ST(h + j, hv);
            else
                STPART(h + j, hv, k);
        }
    }
    return wl;
}

/* A contiguous span of n elements. t == NULL means targets 0. pw: per-element
 * pos_weight or NULL (then pw_s). Weights: we (per element) or w (scalar).
 * Returns the sum of weighted losses. */
XENTC_INLINE double FN(sigmoid_span_impl)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                                          const R *pw, R pw_s, const R *we, double w, R *lo, R *g,
                                          R *h)
{
    const R keep = (R)(1.0 - a->smoothing), half_eps = (R)(a->smoothing / 2);
    const R gsc = (R)a->grad_scale, wR = (R)w;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
        VR acc = SPLAT(0);
        ptrdiff_t j = j0;
        for (; j + NL <= end; j += NL)
            acc +=
                FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, lo, g, h, j, NL, 1);
        if (j < end)
            acc += FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, lo, g, h, j,
                                    end - j, 0);
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

/* The common argument patterns get their own copy of the loop, with the
 * NULL pointers known at compile time: otherwise the compiler keeps a test
 * per pointer in the loop and spills registers. */
static double FN(sigmoid_span)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                               const R *pw, R pw_s, const R *we, double w, R *lo, R *g, R *h)
{
    if (t && !pw && !we && !lo && !h) {
        if (!g) return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, NULL, NULL);
        return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, g, NULL);
    }
    return FN(sigmoid_span_impl)(a, x, t, n, pw, pw_s, we, w, lo, g, h);
}

static double FN(sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const R *pw = (const R *)a->col_weight;
    const R pw_s = (R)a->pos_weight;
    if (a->flat) { /* one long row; r0, r1 index elements; weights per element */
        const R *we = (const R *)a->elem_weight;
        return FN(sigmoid_span)(a, (const R *)a->x + r0, (const R *)a->t + r0, r1 - r0,
                                pw ? pw + r0 : NULL, pw_s, we ? we + r0 : NULL, 1.0,
                                a->loss_out ? (R *)a->loss_out + r0 : NULL,
                                a->grad_out ? (R *)a->grad_out + r0 : NULL,
                                a->hess_out ? (R *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    /* short contiguous rows with a per-label pos_weight and no row weights:
     * G rows at a time as one span, against pos_weight tiled G times (a row
     * at a time would spend most of its time in vector tails) */
    enum { TILE = 1024 };
    if (pw && !a->row_weight && n > 0 && n < 4 * NL && a->ldx == n && a->ldt == n &&
        (!a->grad_out || a->ldg == n) && (!a->hess_out || a->ldh == n)) {
        R tile[TILE];
        const ptrdiff_t G = TILE / n;
        for (ptrdiff_t k = 0; k < G * n; k++) tile[k] = pw[k % n];
        for (ptrdiff_t i = r0; i < r1; i += G) {
            const ptrdiff_t rows = FN(min_p)(G, r1 - i);
            total += FN(sigmoid_span)(a, (const R *)a->x + i * n, (const R *)a->t + i * n,
                                      rows * n, tile, pw_s, NULL, 1.0,
                                      a->loss_out ? (R *)a->loss_out + i * n : NULL,
                                      a->grad_out ? (R *)a->grad_out + i * n : NULL,
                                      a->hess_out ? (R *)a->hess_out + i * n : NULL);
        }
        return total;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        total += FN(sigmoid_span)(
            a, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt, n, pw, pw_s, NULL,
            FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
            FN(row_ptr)(a->grad_out, a->ldg, i), FN(row_ptr)(a->hess_out, a->ldh, i));
    }
    return total;
}

/* CSR multi-label targets: the gaps between a row's (sorted) stored entries
 * are spans with target 0; each stored entry is a span of one. Every element
 * gets its exact loss, and in-place gradients stay safe. */
static double FN(csr_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const R *pw = (const R *)a->col_weight;
    const R pw_s = (R)a->pos_weight;
    const R *vals = (const R *)a->values;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *x = (const R *)a->x + i * a->ldx;
        R *lo = FN(row_ptr)(a->loss_out, n, i);
        R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
        const double w = FN(row_weight)(a, i);
        ptrdiff_t j = 0;
        for (int64_t k = a->indptr[i]; k <= a->indptr[i + 1]; k++) {
            const ptrdiff_t stop = k < a->indptr[i + 1] ? (ptrdiff_t)a->indices[k] : n;
            const ptrdiff_t len = stop - j;
            if (len > 0)
                total += FN(sigmoid_span)(a, x + j, NULL, len, pw ? pw + j : NULL, pw_s, NULL, w,
                                          lo ? lo + j : NULL, g ? g + j : NULL, h ? h + j : NULL);
            if (stop < n) {
                total += FN(sigmoid_span)(a, x + stop, vals + k, 1, pw ? pw + stop : NULL, pw_s,
                                          NULL, w, lo ? lo + stop : NULL, g ? g + stop : NULL,
                                          h ? h + stop : NULL);
            }
            j = stop + 1;
        }
    }
    return total;
}

/* ---- probability inputs ------------------------------------------------ */

/* Binary CE on probabilities over a span: p clipped to [eps, 1-eps];
 * 0*log(0) terms are 0 (xlogy). Derivatives are those of the clipped loss
 * (zero where the clip is active). */
static double FN(binary_ce_span)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                                 const R *we, double w, R *lo, R *g, R *h)
{
    const R eps = (R)a->eps, one_m = 1 - (R)a->eps;
    const R gsc = (R)a->grad_scale;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
        VR acc = SPLAT(0);
        for (ptrdiff_t j = j0; j < end; j += NL) {
            const ptrdiff_t k = end - j;
            const int full = k >= NL;
            VR p = full ? LD(x + j) : LDPART(x + j, k, (R)0.5);
            VR y = full ? LD(t + j) : LDPART(t + j, k, 0);
            VR wv = we ? (full ? LD(we + j) : LDPART(we + j, k, 0)) : SPLAT((R)w);
            VR pc = SEL(p < eps, SPLAT(eps), p);
            pc = SEL(pc > one_m, SPLAT(one_m), pc);
            VR l1 = SEL(y == 0, SPLAT(0), y * VLOG(pc));
            VR l0 = SEL(y == 1, SPLAT(0), (1 - y) * VLOG1P(-pc));
            VR wl = -(wv * (l1 + l0));
            if (!full) wl = SEL(FN(lane_lt)(k), wl, SPLAT(0));
            acc += wl;
            if (lo) {
                if (full)
                    ST(lo + j, wl);
                else
                    STPART(lo + j, wl, k);
            }
            if (g || h) {
                VI inside = (p > eps) & (p < one_m);
                VR ga = wv * gsc;
                VR q = 1 - pc;
                if (g) {
                    VR gv = SEL(inside, ga * ((1 - y) / q - y / pc), SPLAT(0));
                    if (full)
                        ST(g + j, gv);
                    else
                        STPART(g + j, gv, k);
                }
                if (h) {
                    VR hv = SEL(inside, ga * (y / (pc * pc) + (1 - y) / (q * q)), SPLAT(0));
                    if (full)
                        ST(h + j, hv);
                    else
                        STPART(h + j, hv, k);
                }
            }
        }
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

static double FN(binary_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    if (a->flat) {
        const R *we = (const R *)a->elem_weight;
        return FN(binary_ce_span)(
            a, (const R *)a->x + r0, (const R *)a->t + r0, r1 - r0, we ? we + r0 : NULL, 1.0,
            a->loss_out ? (R *)a->loss_out + r0 : NULL, a->grad_out ? (R *)a->grad_out + r0 : NULL,
            a->hess_out ? (R *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(binary_ce_span)(a, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt,
                                    n, NULL, FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
                                    FN(row_ptr)(a->grad_out, a->ldg, i),
                                    FN(row_ptr)(a->hess_out, a->ldh, i));
    return total;
}

/* Categorical CE on probabilities, one row. Targets: label (>= 0), dense t,
 * or CSR (idx, val, nnz). With renormalize, q = p / sum(p) (Keras); the
 * derivatives w.r.t. p include the normalisation:
 *   g_k = -t_k [k unclipped] / p_k + T_u / S,  h_k = t_k [..] / p_k^2 - T_u / S^2,
 * T_u = sum of targets at unclipped entries. */
static double FN(categorical_ce_row)(const xentc_args *a, ptrdiff_t i, int64_t label, const R *t,
                                     const int64_t *idx, const R *val, ptrdiff_t nnz)
{
    const ptrdiff_t n = a->n_cols;
    const R *p = (const R *)a->x + i * a->ldx;
    R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
    const double eps = a->eps;
    const double w = FN(row_weight)(a, i);
    const double ga = w * a->grad_scale;
    double S = 1.0;
    if (a->renormalize) {
        S = 0.0;
        for (ptrdiff_t j = 0; j < n; j++) S += p[j];
    }
    double loss = 0.0, T_u = 0.0;
    /* visit the entries with a nonzero target; v(j) -> target */
    ptrdiff_t count = label >= 0 ? 1 : (t ? n : nnz);
    for (ptrdiff_t k = 0; k < count; k++) {
        ptrdiff_t j = label >= 0 ? (ptrdiff_t)label : (t ? k : (ptrdiff_t)idx[k]);
        double tj = label >= 0 ? 1.0 : (t ? (double)t[j] : (double)val[k]);
        if (tj == 0.0) continue;
        double q = (double)p[j] / S;
        double qc = q < eps ? eps : (q > 1.0 - eps ? 1.0 - eps : q);
        if (q != q) qc = q;
        loss -= tj * log(qc);
        if (q > eps && q < 1.0 - eps) T_u += tj;
    }
    if (g || h) {
        const double norm_g = a->renormalize ? T_u / S : 0.0;
        const double norm_h = a->renormalize ? T_u / (S * S) : 0.0;
        for (ptrdiff_t j = 0; j < n; j++) {
            if (g) g[j] = (R)(ga * norm_g);
            if (h) h[j] = (R)(-ga * norm_h);
        }
        for (ptrdiff_t k = 0; k < count; k++) {
            ptrdiff_t j = label >= 0 ? (ptrdiff_t)label : (t ? k : (ptrdiff_t)idx[k]);
            double tj = label >= 0 ? 1.0 : (t ? (double)t[j] : (double)val[k]);
            double q = (double)p[j] / S;
            if (tj == 0.0 || !(q > eps && q < 1.0 - eps)) continue;
            double pj = (double)p[j];
            if (g) g[j] = (R)(ga * (norm_g - tj / pj));
            if (h) h[j] = (R)(ga * (tj / (pj * pj) - norm_h));
        }
    }
    if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
    return w * loss;
}

static double FN(sparse_categorical_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        if (a->labels[i] < 0) {
            FN(zero_row)(FN(row_ptr)(a->grad_out, a->ldg, i), a->n_cols);
            FN(zero_row)(FN(row_ptr)(a->hess_out, a->ldh, i), a->n_cols);
            if (a->loss_out) ((R *)a->loss_out)[i] = 0;
            continue;
        }
        total += FN(categorical_ce_row)(a, i, a->labels[i], NULL, NULL, NULL, 0);
    }
    return total;
}

static double FN(dense_categorical_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(categorical_ce_row)(a, i, -1, (const R *)a->t + i * a->ldt, NULL, NULL, 0);
    return total;
}

static double FN(csr_categorical_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total += FN(categorical_ce_row)(a, i, -1, NULL, a->indices + b, (const R *)a->values + b,
                                        e - b);
    }
    return total;
}

#include "grouped_body.h"

#undef XENTC_ELEMWISE

#include "focal_body.h"    /* focal losses: the same kernels per ISA and dtype */
#include "rowstats_body.h" /* per-row statistics for scoring */
