/* kernels_body.h -- the kernel bodies, written once for both dtypes and all ISAs.
 *
 * Included twice by each src/target_*.c, once with the float32 macro set and
 * once with the float64 one (see kernels_types.h); XENTC_TARGET names the ISA.
 *
 * Design:
 * A. Softmax rows are summarised by `row_stats`: the max m, the *first*
 *    argmax am, and s_o = sum_{j != am} exp(x_j - m). Keeping the argmax term
 *    (exactly 1) out of the sum lets us form log(s) as log1p(s_o), so a
 *    confident prediction's loss (log1p of something tiny) keeps full relative
 *    precision instead of drowning in the rounding of 1 + tiny; likewise
 *    1 - p_am = s_o / (1 + s_o) for the gradient and Hessian.
 * B. Cross-entropy is formed as sum_j tw_j * (m - x_j) + S * log1p(s_o),
 *    S = sum_j tw_j: every term is >= 0, so nothing cancels. The rejected
 *    "lse - x_y" form loses all digits when the loss is small.
 * C. Sums of float32 values run in float32 lanes over CHUNK elements and are
 *    then folded into a float64 total, so long rows keep ~float64 accuracy
 *    without converting every element.
 * D. A row whose max is not finite, or whose fast-path result is not finite,
 *    is recomputed by the scalar `limits` path, which takes the mathematical
 *    limits (target logit = +inf -> loss 0; 0 * inf terms of zero-weight
 *    targets dropped) and returns NaN where a row holds NaN. Fast paths never
 *    branch per element on special values.
 * E. Sigmoid cross-entropy uses the sign-split form
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

static inline VR FN(vabs)(VR v) { return SEL(v < 0, -v, v); }

static inline ptrdiff_t FN(min_p)(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

/* mask of the lanes l < k (for partial vectors at the end of a span) */
static inline VI FN(lane_lt)(ptrdiff_t k)
{
    VI msk;
    for (ptrdiff_t l = 0; l < NL; l++) msk[l] = l < k ? -1 : 0;
    return msk;
}

typedef struct {
    R m;            /* row max (NaN ignored) */
    ptrdiff_t am;   /* first index of the max; -1 if every element is -inf or NaN */
    double s_o;     /* sum_{j != am} exp(x_j - m) */
    double log_s;   /* log(1 + s_o) = logsumexp(x) - m */
} FN(stats_t);

/* First argmax with a lane-wise running max; two accumulators for ILP. */
static void FN(row_max)(const R *x, ptrdiff_t n, R *m_out, ptrdiff_t *am_out)
{
    VR m0 = SPLAT(-INFINITY), m1 = m0;
    VI i0 = (VI){0} - 1, i1 = i0, cur = {0};
    for (ptrdiff_t l = 0; l < NL; l++) cur[l] = (IT)l;
    ptrdiff_t j = 0;
    for (; j + 2 * NL <= n; j += 2 * NL) {
        VR a = LD(x + j), b = LD(x + j + NL);
        VI ga = a > m0, gb = b > m1;
        m0 = SEL(ga, a, m0);
        i0 = (ga & cur) | (~ga & i0);
        m1 = SEL(gb, b, m1);
        i1 = (gb & (cur + (IT)NL)) | (~gb & i1);
        cur += (IT)(2 * NL);
    }
    for (; j < n; j += NL) {
        VR a = (j + NL <= n) ? LD(x + j) : LDPART(x + j, n - j, -INFINITY);
        VI ga = a > m0;
        m0 = SEL(ga, a, m0);
        i0 = (ga & cur) | (~ga & i0);
        cur += (IT)NL;
    }
    R m = -INFINITY;
    ptrdiff_t am = -1;
    for (ptrdiff_t l = 0; l < NL; l++) {
        R v[2] = {m0[l], m1[l]};
        ptrdiff_t ix[2] = {(ptrdiff_t)i0[l], (ptrdiff_t)i1[l]};
        for (int k = 0; k < 2; k++) {
            if (ix[k] < 0) continue;
            if (v[k] > m || (v[k] == m && ix[k] < am)) { m = v[k]; am = ix[k]; }
        }
    }
    *m_out = m;
    *am_out = am;
}

/* sum_j exp(x_j - m) over x[0..n), float64 result (Design C) */
static double FN(sum_exp)(const R *x, ptrdiff_t n, R m)
{
    const VR vm = SPLAT(m);
    double total = 0.0;
    ptrdiff_t j = 0;
    while (j + NL <= n) {
        const ptrdiff_t end = FN(min_p)(n, j + CHUNK);
        VR a0 = SPLAT(0), a1 = SPLAT(0);
        for (; j + 2 * NL <= end; j += 2 * NL) {
            a0 += VEXP(LD(x + j) - vm);
            a1 += VEXP(LD(x + j + NL) - vm);
        }
        for (; j + NL <= end; j += NL) a0 += VEXP(LD(x + j) - vm);
        total += FN(hsum)(a0 + a1);
    }
    if (j < n) total += FN(hsum)(VEXP(LDPART(x + j, n - j, -INFINITY) - vm));
    return total;
}

/* sum_j w_j * (m - x_j) and sum_j w_j with w_j = c_j * (a*t_j + b);
 * t, c may be NULL (t = 0, c = 1). Used for soft targets. */
static void FN(weighted_gap)(const R *x, const R *t, const R *c, ptrdiff_t n, R m,
                             R a, R b, double *gap_out, double *wsum_out)
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
            ag += w * (vm - xv);
            aw += w;
        }
        gap += FN(hsum)(ag);
        wsum += FN(hsum)(aw);
    }
    *gap_out = gap;
    *wsum_out = wsum;
}

static void FN(stats)(const R *x, ptrdiff_t n, FN(stats_t) *st)
{
    FN(row_max)(x, n, &st->m, &st->am);
    st->s_o = 0.0;
    st->log_s = 0.0;
    if (st->am < 0 || !isfinite(st->m)) return; /* caller takes the limits path */
    st->s_o = FN(sum_exp)(x, st->am, st->m) + FN(sum_exp)(x + st->am + 1, n - st->am - 1, st->m);
    st->log_s = log1p(st->s_o);
}

static inline int FN(stats_ok)(const FN(stats_t) *st) { return st->am >= 0 && isfinite(st->m); }

/* ---- the limits path (Design D) ---------------------------------------- */

typedef struct {
    int nan;        /* row holds NaN */
    int undefined;  /* every element is -inf (or the row is empty): no softmax */
    int inf;        /* max is +inf: the k infinite entries share probability 1/k */
    double m, log_s, log_k;
} FN(limits_t);

static void FN(limits)(const R *x, ptrdiff_t n, FN(limits_t) *L)
{
    double m = -INFINITY;
    ptrdiff_t k = 0;
    L->nan = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        if (x[j] != x[j]) L->nan = 1;
        else if (x[j] > m) m = x[j];
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
                                    const int64_t *idx, const R *val, ptrdiff_t nnz,
                                    const R *c, double eps, double ga, R *g, R *h)
{
    FN(limits_t) L;
    FN(limits)(x, n, &L);
    double loss = 0.0, S = 0.0;
    ptrdiff_t k = 0;
    /* first pass: loss and S (needs x intact: g may alias x) */
    for (ptrdiff_t j = 0; j < n; j++) {
        double tj = 0.0;
        if (t) tj = t[j];
        else if (label >= 0) tj = (j == label);
        else if (k < nnz && idx[k] == j) tj = val[k++];
        double tw = (c ? (double)c[j] : 1.0) * ((1.0 - eps) * tj + eps / (double)n);
        S += tw;
        if (tw != 0.0 || L.nan || L.undefined) loss -= tw * FN(limit_lp)(&L, x[j]);
    }
    if (g || h) {
        k = 0;
        for (ptrdiff_t j = 0; j < n; j++) {
            double tj = 0.0;
            if (t) tj = t[j];
            else if (label >= 0) tj = (j == label);
            else if (k < nnz && idx[k] == j) tj = val[k++];
            double tw = (c ? (double)c[j] : 1.0) * ((1.0 - eps) * tj + eps / (double)n);
            double p = exp(FN(limit_lp)(&L, x[j]));
            if (g) g[j] = (R)(ga * (S * p - tw));
            if (h) h[j] = (R)(ga * S * p * (1.0 - p));
        }
    }
    return loss;
}

/* ---- softmax gradient / Hessian pass ----------------------------------- */

/* g_j = gs*p_j - c_j*(gu + gt*t_j),  h_j = hs*p_j*(1-p_j),  p_j = exp(x_j-m)*inv_s.
 * t, c may be NULL. g may alias x (each element is read before it is written). */
static void FN(softmax_grad_pass)(const R *x, ptrdiff_t n, R m, R inv_s, R gs, R gu, R gt,
                                  const R *t, const R *c, R hs, R *g, R *h)
{
    const VR vm = SPLAT(m);
    for (ptrdiff_t j = 0; j < n; j += NL) {
        const ptrdiff_t k = n - j;
        VR xv = k >= NL ? LD(x + j) : LDPART(x + j, k, -INFINITY);
        VR p = VEXP(xv - vm) * inv_s;
        if (g) {
            VR tv = t ? (k >= NL ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
            VR cv = c ? (k >= NL ? LD(c + j) : LDPART(c + j, k, 0)) : SPLAT(1);
            VR gv = gs * p - cv * (gu + gt * tv);
            if (k >= NL) ST(g + j, gv); else STPART(g + j, gv, k);
        }
        if (h) {
            VR hv = hs * p * (1 - p);
            if (k >= NL) ST(h + j, hv); else STPART(h + j, hv, k);
        }
    }
}

static inline void FN(zero_row)(R *p, ptrdiff_t n)
{
    if (p) memset(p, 0, (size_t)n * sizeof(R));
}

/* ---- primitives -------------------------------------------------------- */

static void FN(logsumexp_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                               ptrdiff_t r1, void *outv, ptrdiff_t ldo)
{
    (void)ldo;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *x = (const R *)xv + i * ldx;
        FN(stats_t) st;
        FN(stats)(x, n, &st);
        double lse;
        if (FN(stats_ok)(&st)) {
            lse = (double)st.m + st.log_s;
        } else {
            FN(limits_t) L;
            FN(limits)(x, n, &L);
            lse = FN(limit_lse)(&L);
        }
        ((R *)outv)[i] = (R)lse;
    }
}

static void FN(softmax_like_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                  ptrdiff_t r1, void *outv, ptrdiff_t ldo, int want_log)
{
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *x = (const R *)xv + i * ldx;
        R *o = (R *)outv + i * ldo;
        FN(stats_t) st;
        FN(stats)(x, n, &st);
        if (!FN(stats_ok)(&st)) {
            FN(limits_t) L;
            FN(limits)(x, n, &L);
            for (ptrdiff_t j = 0; j < n; j++) {
                double lp = FN(limit_lp)(&L, x[j]);
                o[j] = (R)(want_log ? lp : exp(lp));
            }
            continue;
        }
        const VR vm = SPLAT(st.m);
        if (want_log) {
            const R ls = (R)st.log_s;
            for (ptrdiff_t j = 0; j < n; j += NL) {
                const ptrdiff_t k = n - j;
                VR v = (k >= NL ? LD(x + j) : LDPART(x + j, k, 0)) - vm - ls;
                if (k >= NL) ST(o + j, v); else STPART(o + j, v, k);
            }
            o[st.am] = (R)(-st.log_s);
        } else {
            const R inv_s = (R)(1.0 / (1.0 + st.s_o));
            for (ptrdiff_t j = 0; j < n; j += NL) {
                const ptrdiff_t k = n - j;
                VR v = VEXP((k >= NL ? LD(x + j) : LDPART(x + j, k, -INFINITY)) - vm) * inv_s;
                if (k >= NL) ST(o + j, v); else STPART(o + j, v, k);
            }
        }
    }
}

static void FN(softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                             ptrdiff_t r1, void *out, ptrdiff_t ldo)
{
    FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 0);
}

static void FN(log_softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                 ptrdiff_t r1, void *out, ptrdiff_t ldo)
{
    FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 1);
}

/* Element-wise map over [i0, i1); F is a VR -> VR expression of `v`. */
#define XENTC_ELEMWISE(NAME, EXPR)                                                  \
    static void FN(NAME)(const void *xv, void *ov, ptrdiff_t i0, ptrdiff_t i1)      \
    {                                                                                \
        const R *x = (const R *)xv;                                                  \
        R *o = (R *)ov;                                                              \
        for (ptrdiff_t j = i0; j < i1; j += NL) {                                    \
            const ptrdiff_t k = i1 - j;                                              \
            VR v = k >= NL ? LD(x + j) : LDPART(x + j, k, 0);                        \
            VR r = EXPR;                                                             \
            if (k >= NL) ST(o + j, r); else STPART(o + j, r, k);                     \
        }                                                                            \
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
    return neg - VLOG1P(e);
}

XENTC_ELEMWISE(sigmoid_elem, FN(vsigmoid)(v))
XENTC_ELEMWISE(log_sigmoid_elem, FN(vlog_sigmoid)(v))
XENTC_ELEMWISE(exp_elem, VEXP(v))
XENTC_ELEMWISE(log_elem, VLOG(v))
XENTC_ELEMWISE(log1p_elem, VLOG1P(v))

/* ---- softmax cross-entropy --------------------------------------------- */

static inline double FN(row_weight)(const xentc_args *a, ptrdiff_t i)
{
    return a->row_weight ? a->row_weight[i] : 1.0;
}

static inline R *FN(row_ptr)(void *base, ptrdiff_t ld, ptrdiff_t i)
{
    return base ? (R *)base + i * ld : NULL;
}

static double FN(sparse_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
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
        FN(stats_t) st;
        FN(stats)(x, n, &st);
        double loss = NAN;
        const double xy = x[y];
        if (FN(stats_ok)(&st)) {
            loss = ((double)st.m - xy) + st.log_s;
            if (eps > 0) {
                double gap, wsum;
                FN(weighted_gap)(x, NULL, NULL, n, st.m, 0, 1, &gap, &wsum);
                loss = (1.0 - eps) * loss + eps * (gap / (double)n + st.log_s);
            }
        }
        if (!isfinite(loss)) {
            loss = FN(softmax_ce_limits)(x, n, y, NULL, NULL, NULL, 0, NULL, eps, ga, g, h);
        } else if (g || h) {
            const double inv_s = 1.0 / (1.0 + st.s_o);
            FN(softmax_grad_pass)(x, n, st.m, (R)inv_s, (R)ga, (R)(ga * eps / (double)n), 0,
                                  NULL, NULL, (R)ga, g, h);
            /* the label (and argmax) entries, without cancellation (Design A) */
            const double p_y = (y == st.am) ? inv_s : exp(xy - (double)st.m) * inv_s;
            const double q_y = (y == st.am) ? st.s_o * inv_s : 1.0 - p_y;
            if (g) g[y] = (R)(ga * (eps * (1.0 - 1.0 / (double)n) - q_y));
            if (h) {
                h[y] = (R)(ga * p_y * q_y);
                h[st.am] = (R)(ga * inv_s * (st.s_o * inv_s));
            }
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
    FN(stats)(x, n, &st);
    double loss = NAN, S = 0.0, tw_am = 0.0;
    if (FN(stats_ok)(&st)) {
        double gap = 0.0;
        if (t) {
            FN(weighted_gap)(x, t, c, n, st.m, (R)(1.0 - eps), (R)(eps / (double)n), &gap, &S);
            tw_am = (c ? (double)c[st.am] : 1.0) * ((1.0 - eps) * t[st.am] + eps / (double)n);
        } else {
            for (ptrdiff_t k = 0; k < nnz; k++) {
                const double cw = c ? (double)c[idx[k]] : 1.0;
                gap += cw * (double)val[k] * ((double)st.m - (double)x[idx[k]]);
                S += cw * (double)val[k];
                if (idx[k] == st.am) tw_am = cw * (double)val[k];
            }
            gap *= (1.0 - eps);
            S *= (1.0 - eps);
            tw_am *= (1.0 - eps);
            if (eps > 0) {
                double ugap, usum;
                FN(weighted_gap)(x, NULL, c, n, st.m, 0, (R)(eps / (double)n), &ugap, &usum);
                gap += ugap;
                S += usum;
                tw_am += (c ? (double)c[st.am] : 1.0) * eps / (double)n;
            }
        }
        loss = gap + S * st.log_s;
    }
    if (!isfinite(loss)) {
        loss = FN(softmax_ce_limits)(x, n, -1, t, idx, val, nnz, c, eps, ga, g, h);
    } else if (g || h) {
        const double inv_s = 1.0 / (1.0 + st.s_o);
        const R gt = t ? (R)(ga * (1.0 - eps)) : 0;
        FN(softmax_grad_pass)(x, n, st.m, (R)inv_s, (R)(ga * S), (R)(ga * eps / (double)n), gt,
                              t, c, (R)(ga * S), g, h);
        if (g && !t) {
            for (ptrdiff_t k = 0; k < nnz; k++)
                g[idx[k]] -= (R)(ga * (1.0 - eps) * (c ? (double)c[idx[k]] : 1.0) * (double)val[k]);
        }
        /* the argmax entry without cancellation: S*p_am - tw_am = (S - tw_am) - S*s_o/(1+s_o) */
        if (g) g[st.am] = (R)(ga * ((S - tw_am) - S * st.s_o * inv_s));
        if (h) h[st.am] = (R)(ga * S * inv_s * (st.s_o * inv_s));
    }
    if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
    return w * loss;
}

static double FN(dense_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
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
        total += FN(soft_softmax_ce_row)(a, i, NULL, a->indices + b, (const R *)a->values + b, e - b);
    }
    return total;
}

/* ---- sigmoid cross-entropy (Design E) ---------------------------------- */

/* A contiguous span of n elements. t == NULL means targets 0; tval, if t is
 * NULL and has_tval, is one target shared by the span (CSR entries).
 * pw: per-element pos_weight or NULL (then pw_s). Weights: we (per element)
 * or w (scalar). Returns sum of weighted losses. */
static double FN(sigmoid_span)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                               const R *pw, R pw_s, const R *we, double w,
                               R *lo, R *g, R *h)
{
    const R keep = (R)(1.0 - a->smoothing), half_eps = (R)(a->smoothing / 2);
    const R gsc = (R)a->grad_scale;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
        VR acc = SPLAT(0);
        for (ptrdiff_t j = j0; j < end; j += NL) {
            const ptrdiff_t k = end - j;
            const int full = k >= NL;
            VR xv = full ? LD(x + j) : LDPART(x + j, k, 0);
            VR yv = t ? (full ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
            yv = yv * keep + half_eps;
            VR pv = pw ? (full ? LD(pw + j) : LDPART(pw + j, k, 1)) : SPLAT(pw_s);
            VR wv = we ? (full ? LD(we + j) : LDPART(we + j, k, 0)) : SPLAT((R)w);
            VR e = VEXP(-FN(vabs)(xv));
            VR L = 1 + (pv - 1) * yv;
            VI pos = xv >= 0;
            VR coef = SEL(pos, 1 - yv, -pv * yv);
            VR lin = SEL(coef == 0, SPLAT(0), coef * xv);
            VR loss = L * VLOG1P(e) + lin;
            VR wl = wv * loss;
            if (!full) wl = SEL(FN(lane_lt)(k), wl, SPLAT(0));
            acc += wl;
            if (lo) { if (full) ST(lo + j, wl); else STPART(lo + j, wl, k); }
            if (g || h) {
                VR d = 1 / (1 + e);
                VR q = e * d;
                VR ga = wv * gsc;
                if (g) {
                    VR gv = ga * SEL(pos, (1 - yv) - L * q, L * q - pv * yv);
                    if (full) ST(g + j, gv); else STPART(g + j, gv, k);
                }
                if (h) {
                    VR hv = ga * L * q * d;
                    if (full) ST(h + j, hv); else STPART(h + j, hv, k);
                }
            }
        }
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
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
    for (ptrdiff_t i = r0; i < r1; i++) {
        total += FN(sigmoid_span)(a, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt, n,
                                  pw, pw_s, NULL, FN(row_weight)(a, i),
                                  FN(row_ptr)(a->loss_out, n, i),
                                  FN(row_ptr)(a->grad_out, a->ldg, i),
                                  FN(row_ptr)(a->hess_out, a->ldh, i));
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
            if (lo) { if (full) ST(lo + j, wl); else STPART(lo + j, wl, k); }
            if (g || h) {
                VI inside = (p > eps) & (p < one_m);
                VR ga = wv * gsc;
                VR q = 1 - pc;
                if (g) {
                    VR gv = SEL(inside, ga * ((1 - y) / q - y / pc), SPLAT(0));
                    if (full) ST(g + j, gv); else STPART(g + j, gv, k);
                }
                if (h) {
                    VR hv = SEL(inside, ga * (y / (pc * pc) + (1 - y) / (q * q)), SPLAT(0));
                    if (full) ST(h + j, hv); else STPART(h + j, hv, k);
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
        return FN(binary_ce_span)(a, (const R *)a->x + r0, (const R *)a->t + r0, r1 - r0,
                                  we ? we + r0 : NULL, 1.0,
                                  a->loss_out ? (R *)a->loss_out + r0 : NULL,
                                  a->grad_out ? (R *)a->grad_out + r0 : NULL,
                                  a->hess_out ? (R *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(binary_ce_span)(a, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt, n,
                                    NULL, FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
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
        total += FN(categorical_ce_row)(a, i, -1, NULL, a->indices + b, (const R *)a->values + b, e - b);
    }
    return total;
}

#undef XENTC_ELEMWISE
