/* focal_body.h -- focal losses (Lin et al. 2017) on logits: loss, gradient and
 * diagonal Hessian w.r.t. the logits from one fused pass per span / row.
 *
 * Included at the end of kernels_body.h, so it is compiled for every ISA and
 * both dtypes with the same macros (R, VR, FN, ...) and helpers (row_max,
 * sum_exp_below, limits, ...). The kernels have the xentc_loss_fn signature;
 * their argument is the `base` member of an xentc_focal_args, which carries
 * gamma and alpha after it.
 *
 * Design:
 * A. gamma = 0 never comes here (the Python layer dispatches to the plain
 *    kernels, bit for bit), except for the sigmoid with alpha given.
 * B. Sigmoid. s = sigmoid(x), sb = 1 - s = sigmoid(-x), v = s sb, y the
 *    (smoothed) target, pw the pos_weight, L = 1 + (pw - 1) y:
 *      CE  = pw y softplus(-x) + (1-y) softplus(x)
 *      CE' = (1-y) s - pw y sb,   CE'' = L v
 *      q   = 1 - p_t = y sb + (1-y) s,   q' = (1-2y) v
 *      M   = q^gamma,  M' = M D,  D = gamma (1-2y) rho,  rho = v / q
 *      rho' = rho (1-2s) - rho^2 (1-2y)              (v' = v (1-2s))
 *      M'' = M K,  K = D^2 + gamma (1-2y) rho'
 *      loss = a M CE,  g = a M (D CE + CE'),  h = a M (K CE + 2 D CE' + CE'')
 *    with a = alpha_t = alpha y + (1-alpha)(1-y) (or 1). 0 <= rho <= 1, so no
 *    power of q below gamma appears and every term is finite for any
 *    gamma >= 0; for y in {0, 1}, rho is s or sb exactly. q is never 1 - p:
 *    y = 1 gives sb, y = 0 gives s, both with full relative precision from
 *    e = exp(-|x|); a soft y gives y sb + (1-y) s, a sum of non-negative
 *    terms. log q (for M = exp(gamma log q)) is log sigmoid(-/+x) =
 *    -softplus(+/-x), already at hand for hard y; log(q) for soft y.
 *    Terms 0 * inf at infinite logits are dropped (D or K is 0 there).
 * C. Softmax. A row x with log-probabilities l_j, q_j = 1 - p_j and target
 *    weights a_j >= 0; per term f(l) = -q^gamma l, dl_j/dx_k = d_jk - p_k:
 *      loss = sum_j a_j f(l_j)
 *      f'(l)  = -M (1 + gamma pr),  M = q^gamma,  pr = p (-l) / q  (-> 1 as q -> 0)
 *      f''(l) = G / q,  G = gamma M p (2 + l + (gamma - 1) pr)
 *      g_k = a_k f'_k - p_k U,                              U = sum_j a_j f'_j
 *      h_k = a_k f''_k (1 - 2 p_k) - p_k q_k U + p_k^2 V,   V = sum_j a_j f''_j
 *    (h differentiates g_k = sum_j a_j f'_j (d_jk - p_k) once more).
 *    f'' grows like q^(gamma-1) as p -> 1, which diverges for gamma < 1.
 *    Only the unique max entry m of a row can have p > 1/2; for it the
 *    divergent pieces combine exactly (U_o, V_o: the sums without m):
 *      g_m = q_m a_m f'_m - p_m U_o,   h_m = a_m G_m q_m - p_m q_m U + p_m^2 V_o,
 *    and in the other h_k, V's max part p_k^2 a_m G_m / q_m is formed as
 *    p_k (p_k / q_m) a_m G_m with p_k <= q_m. Both forms also keep the
 *    relative precision of confident rows.
 * D. 1 - p is formed only where p <= 1/2 (no cancellation). At the max,
 *    q_m = (s-1)/s and log q_m = log(s-1) - log(s) from the row stats of
 *    kernels_body.h Design A, where s - 1 = (k-1) + s_o is exact: a row with
 *    x_y - x_j = 30 keeps q ~ e^-30 to the last bit, where 1 - p would
 *    return 0 (float32) or 3 digits (float64). (1-p)^gamma = exp(gamma log q).
 * E. Softmax with integer labels and no smoothing (the common case) has one
 *    non-zero a_j: its terms are computed once in float64 and the vector
 *    pass writes g_k = -p_k U, h_k = p_k (-q_k U + p_k V) with no per-element
 *    log or power, from exp(x_k - m) kept in g by the stats pass (as the
 *    plain kernel does); the labelled entry is patched afterwards. Otherwise
 *    two vector passes: sums (loss, U, V), then g and h, each recomputing
 *    exp / log1p / power rather than storing them (g may alias x).
 *    Integer labels on rows shorter than SMALL_C run columnar (NL rows per
 *    vector op, kernels_body.h Design E), the labelled entry gathered per
 *    lane when there is no smoothing.
 * F. Rows whose max is not finite take a scalar float64 path with the
 *    limits of kernels_body.h Design D (NaN row -> NaN loss, gradient and
 *    Hessian; +inf logits share probability 1/k).
 */

#ifndef XENTC_FOCAL_COMMON
#define XENTC_FOCAL_COMMON
/* one softmax entry: phi = -q^gamma l, fp = f'(l), G = q f''(l) */
typedef struct {
    double phi, fp, G;
} xentc_focal_terms;

static inline xentc_focal_terms xentc_focal_terms_d(double p, double q, double l, double lq,
                                                    double gamma)
{
    xentc_focal_terms r;
    /* lq = -inf (q = 0) is clamped so that gamma = 0 gives q^0 = 1; NaN kept */
    const double M = exp(gamma * (lq < -1e300 ? -1e300 : lq));
    const double pr = q == 0 ? 1.0 : (p == 0 ? 0.0 : p * (-l) / q);
    r.phi = M * (-l);
    r.fp = -M * (1.0 + gamma * pr);
    r.G = p == 0 ? 0.0 : gamma * M * p * (2.0 + l + (gamma - 1.0) * pr);
    return r;
}

/* g and h of one softmax entry (Design C: generic / max-entry forms) */
typedef struct {
    double U, U_o, V_o, Fm, inv_qm; /* Fm = a_m G_m: V = V_o + Fm / q_m */
} xentc_focal_row;

static inline double xentc_focal_g(double a, xentc_focal_terms T, double p,
                                   const xentc_focal_row *S)
{ return a * T.fp - p * S->U; }

static inline double xentc_focal_h(double a, xentc_focal_terms T, double p, double q,
                                   const xentc_focal_row *S)
{
    const double own = a == 0 ? 0.0 : a * (T.G / q) * (1.0 - 2.0 * p);
    return own - p * q * S->U + p * p * S->V_o + p * (p * S->inv_qm) * S->Fm;
}
#endif /* XENTC_FOCAL_COMMON */

static inline VR FN(focal_clamp)(VR v)
{ return XCAT2(vclamp_lo, SFX)(v, (R)-1e30); }

/* float64 sum of the lanes as a tree (depth log2 NL, not a chain of NL
 * dependent adds: short rows pay it four times per row) */
static inline double FN(focal_hsum)(VR v)
{
    double b[NL];
    for (ptrdiff_t l = 0; l < NL; l++) b[l] = (double)v[l];
    for (ptrdiff_t w = NL / 2; w > 0; w /= 2)
        for (ptrdiff_t l = 0; l < w; l++) b[l] += b[l + w];
    return b[0];
}

/* ---- sigmoid (Design B) --------------------------------------------------- */

XENTC_INLINE VR FN(focal_sigmoid_step)(const R *x, const R *t, const R *pw, R pw_s, const R *we,
                                       R w, R keep, R half_eps, R gsc, R gamma, R alpha,
                                       int use_alpha, R *lo, R *g, R *h, ptrdiff_t j, ptrdiff_t k,
                                       int full)
{
    VR xv = full ? LD(x + j) : LDPART(x + j, k, 0);
    VR yv = t ? (full ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
    yv = yv * keep + half_eps;
    VR pv = pw ? (full ? LD(pw + j) : LDPART(pw + j, k, 1)) : SPLAT(pw_s);
    VR wv = we ? (full ? LD(we + j) : LDPART(we + j, k, 0)) : SPLAT(w);
    VR e = VEXPN(-FN(vabs)(xv));
    VR d = 1 / (1 + e), qq = e * d; /* max(s, sb), min(s, sb) */
    VI pos = xv >= 0;
    VR s = SEL(pos, d, qq), sb = SEL(pos, qq, d);
    VR l1p = VLOG1P_UNIT(e);
    VR L = 1 + (pv - 1) * yv;
    VR coef = SEL(pos, 1 - yv, -pv * yv);
    VR ce = L * l1p + FN(clear)(coef == 0, coef * xv);
    /* log s = min(x,0) - log1p(e), log sb = -max(x,0) - log1p(e) */
    VR log_s = SEL(pos, SPLAT(0), xv) - l1p, log_sb = -SEL(pos, xv, SPLAT(0)) - l1p;
    VI hard1 = yv == 1, soft = ~(hard1 | (yv == 0));
    VR lq = SEL(hard1, log_sb, log_s), rho = SEL(hard1, s, sb);
    if (ANY(soft)) {
        VR q = yv * sb + (1 - yv) * s;
        lq = SEL(soft, VLOG(q), lq);
        rho = SEL(soft, SEL(q > 0, (s * sb) / q, SPLAT(1)), rho);
    }
    VR M = VEXPN(gamma * FN(focal_clamp)(lq));
    VR aM = wv * M;
    if (use_alpha) aM = aM * (alpha * yv + (1 - alpha) * (1 - yv));
    VR wl = aM * ce;
    if (!full) wl = SEL(FN(lane_lt)(k), wl, SPLAT(0));
    if (lo) {
        if (full)
            ST(lo + j, wl);
        else
            STPART(lo + j, wl, k);
    }
    if (g || h) {
        VR om2y = 1 - 2 * yv;
        VR D = gamma * om2y * rho;
        VR dce = SEL(pos, (1 - yv) - L * qq, L * qq - pv * yv);
        VR gaM = aM * gsc;
        if (g) {
            VR gv = gaM * (FN(clear)(D == 0, D * ce) + dce);
            if (full)
                ST(g + j, gv);
            else
                STPART(g + j, gv, k);
        }
        if (h) {
            VR om2s = SEL(pos, qq - d, d - qq); /* 1 - 2s = sb - s */
            VR K = D * D + gamma * om2y * rho * (om2s - rho * om2y);
            VR hv = gaM * (FN(clear)(K == 0, K * ce) + 2 * D * dce + L * qq * d);
            if (full)
                ST(h + j, hv);
            else
                STPART(h + j, hv, k);
        }
    }
    return wl;
}

/* A contiguous span, as sigmoid_span in kernels_body.h. */
static double FN(focal_sigmoid_span)(const xentc_focal_args *fa, const R *x, const R *t,
                                     ptrdiff_t n, const R *pw, R pw_s, const R *we, double w,
                                     R *lo, R *g, R *h)
{
    const xentc_args *a = &fa->base;
    const R keep = (R)(1.0 - a->smoothing), half_eps = (R)(a->smoothing / 2);
    const R gsc = (R)a->grad_scale, wR = (R)w, gamma = (R)fa->gamma, alpha = (R)fa->alpha;
    const int ua = fa->use_alpha;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
        VR acc = SPLAT(0);
        ptrdiff_t j = j0;
        for (; j + NL <= end; j += NL)
            acc += FN(focal_sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, gamma,
                                          alpha, ua, lo, g, h, j, NL, 1);
        if (j < end)
            acc += FN(focal_sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, gamma,
                                          alpha, ua, lo, g, h, j, end - j, 0);
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

static double FN(focal_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    const R *pw = (const R *)a->col_weight;
    const R pw_s = (R)a->pos_weight;
    if (a->flat) { /* one long row; r0, r1 index elements */
        const R *we = (const R *)a->elem_weight;
        return FN(focal_sigmoid_span)(fa, (const R *)a->x + r0, (const R *)a->t + r0, r1 - r0,
                                      pw ? pw + r0 : NULL, pw_s, we ? we + r0 : NULL, 1.0,
                                      a->loss_out ? (R *)a->loss_out + r0 : NULL,
                                      a->grad_out ? (R *)a->grad_out + r0 : NULL,
                                      a->hess_out ? (R *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(focal_sigmoid_span)(
            fa, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt, n, pw, pw_s, NULL,
            FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
            FN(row_ptr)(a->grad_out, a->ldg, i), FN(row_ptr)(a->hess_out, a->ldh, i));
    return total;
}

/* CSR multi-label targets: zero-target gaps and stored entries as spans. */
static double FN(focal_csr_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
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
            if (stop > j)
                total += FN(focal_sigmoid_span)(fa, x + j, NULL, stop - j, pw ? pw + j : NULL,
                                                pw_s, NULL, w, lo ? lo + j : NULL,
                                                g ? g + j : NULL, h ? h + j : NULL);
            if (stop < n)
                total += FN(focal_sigmoid_span)(fa, x + stop, vals + k, 1, pw ? pw + stop : NULL,
                                                pw_s, NULL, w, lo ? lo + stop : NULL,
                                                g ? g + stop : NULL, h ? h + stop : NULL);
            j = stop + 1;
        }
    }
    return total;
}

/* ---- softmax (Design C-F) ------------------------------------------------ */

/* target weight of entry j (scalar): label, dense row or sorted CSR row */
static inline double FN(focal_tw1)(ptrdiff_t j, int64_t label, const R *t, const int64_t *idx,
                                   const R *val, ptrdiff_t nnz, ptrdiff_t *kk, const R *c,
                                   double keep, double unif)
{
    double tj = 0.0;
    if (t)
        tj = t[j];
    else if (label >= 0)
        tj = (j == label);
    else if (*kk < nnz && idx[*kk] == j)
        tj = val[(*kk)++];
    return (c ? (double)c[j] : 1.0) * (keep * tj + unif);
}

/* target weights of the k (<= NL used) entries from j; lanes past k are 0 */
static inline VR FN(focal_twv)(ptrdiff_t j, ptrdiff_t k, int64_t label, const R *t,
                               const int64_t *idx, const R *val, ptrdiff_t nnz, ptrdiff_t *kk,
                               const R *c, R keep, R unif)
{
    const int full = k >= NL;
    VR tv = t ? (full ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
    for (; *kk < nnz && idx[*kk] < j + NL; (*kk)++) tv[idx[*kk] - j] = val[*kk];
    if (label >= j && label < j + NL) tv[label - j] = 1;
    VR cv = c ? (full ? LD(c + j) : LDPART(c + j, k, 0)) : SPLAT(1);
    VR a = cv * (keep * tv + unif);
    return full ? a : SEL(FN(lane_lt)(k), a, SPLAT(0));
}

typedef struct {
    R m, log_s, inv_s, q_m, lq_m;
} FN(focal_rowc_t);

/* p, q, l = log p, log q of the k entries from j (Design D); padding lanes
 * get p = 0, never at_max */
static inline VR FN(focal_probs)(const R *x, ptrdiff_t j, ptrdiff_t k, const FN(focal_rowc_t) *rc,
                                 VR *q, VR *l, VI *at_max)
{
    VR xv = k >= NL ? LD(x + j) : LDPART(x + j, k, -INFINITY);
    VR d = xv - rc->m;
    VR p = VEXPN(d) * rc->inv_s;
    *at_max = d == 0;
    *q = SEL(*at_max, SPLAT(rc->q_m), 1 - p);
    *l = d - rc->log_s;
    return p;
}

/* phi, fp, G (as xentc_focal_terms_d) of NL entries with log q = lq */
static inline void FN(focal_terms_lq)(VR p, VR q, VR l, VR lq, R gamma, VR *phi, VR *fp, VR *G)
{
    VR M = VEXPN(gamma * FN(focal_clamp)(lq));
    VR pr = SEL(q == 0, SPLAT(1), SEL(p == 0, SPLAT(0), p * (-l) / q));
    *phi = M * (-l);
    *fp = -M * (1 + gamma * pr);
    *G = SEL(p == 0, SPLAT(0), gamma * M * p * (2 + l + (gamma - 1) * pr));
}

static inline void FN(focal_terms)(VR p, VR q, VR l, VI at_max, const FN(focal_rowc_t) *rc,
                                   R gamma, VR *phi, VR *fp, VR *G)
{ FN(focal_terms_lq)(p, q, l, SEL(at_max, SPLAT(rc->lq_m), VLOG1P(-p)), gamma, phi, fp, G); }

/* Rows whose max is not finite (Design F): scalar float64. */
static double FN(focal_softmax_limits)(const xentc_focal_args *fa, const R *x, ptrdiff_t n,
                                       int64_t label, const R *t, const int64_t *idx, const R *val,
                                       ptrdiff_t nnz, const R *c, double ga, R *g, R *h)
{
    const double eps = fa->base.smoothing, keep = 1.0 - eps, unif = eps / (double)n;
    FN(limits_t) Lm;
    FN(limits)(x, n, &Lm);
    if (Lm.nan || Lm.undefined) {
        for (ptrdiff_t j = 0; j < n; j++) {
            if (g) g[j] = (R)NAN;
            if (h) h[j] = (R)NAN;
        }
        return NAN;
    }
    const double k_inf = exp(Lm.log_k), p_m = 1.0 / k_inf, q_m = 1.0 - p_m;
    const xentc_focal_terms T_m = xentc_focal_terms_d(p_m, q_m, -Lm.log_k, log1p(-p_m), fa->gamma);
    const xentc_focal_terms T_0 = xentc_focal_terms_d(0.0, 1.0, -INFINITY, 0.0, fa->gamma);
    double loss = 0.0, A_m = 0.0, U_o = 0.0;
    ptrdiff_t kk = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        const double aj = FN(focal_tw1)(j, label, t, idx, val, nnz, &kk, c, keep, unif);
        if (x[j] == INFINITY) {
            A_m += aj;
        } else if (aj != 0) {
            loss += aj * T_0.phi;
            U_o += aj * T_0.fp;
        }
    }
    if (A_m != 0) loss += A_m * T_m.phi;
    if (g || h) {
        const int special = k_inf == 1.0 && A_m != 0;
        const xentc_focal_row S = { U_o + A_m * T_m.fp, U_o, 0.0, A_m * T_m.G,
                                    q_m > 0 ? 1.0 / q_m : 0.0 };
        kk = 0;
        for (ptrdiff_t j = 0; j < n; j++) {
            const double aj = FN(focal_tw1)(j, label, t, idx, val, nnz, &kk, c, keep, unif);
            const int at = x[j] == INFINITY;
            double gj, hj;
            if (at && special) {
                gj = q_m * aj * T_m.fp - p_m * S.U_o;
                hj = aj * T_m.G * q_m - p_m * q_m * S.U;
            } else {
                gj = xentc_focal_g(aj, at ? T_m : T_0, at ? p_m : 0.0, &S);
                hj = xentc_focal_h(aj, at ? T_m : T_0, at ? p_m : 0.0, at ? q_m : 1.0, &S);
            }
            if (g) g[j] = (R)(ga * gj);
            if (h) h[j] = (R)(ga * hj);
        }
    }
    return loss;
}

/* One softmax focal row; target weights a_j = c_j ((1-eps) t_j + eps/C) with
 * t_j from `label` (>= 0), a dense row t or CSR (idx, val, nnz). Returns
 * w_i * loss_i and writes the weighted per-row loss / g / h as asked. */
static double FN(focal_softmax_row)(const xentc_focal_args *fa, ptrdiff_t i, int64_t label,
                                    const R *t, const int64_t *idx, const R *val, ptrdiff_t nnz,
                                    const R *c)
{
    const xentc_args *a = &fa->base;
    const ptrdiff_t n = a->n_cols;
    const double eps = a->smoothing, gamma = fa->gamma;
    const R keepR = (R)(1.0 - eps), unifR = (R)(eps / (double)n), gammaR = (R)gamma;
    const R *x = (const R *)a->x + i * a->ldx;
    R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
    const double w = FN(row_weight)(a, i), ga = w * a->grad_scale;
    FN(stats_t) st;
    double loss;
    st.m = FN(row_max)(x, n);
    if (!isfinite(st.m)) {
        loss = FN(focal_softmax_limits)(fa, x, n, label, t, idx, val, nnz, c, ga, g, h);
        if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
        return w * loss;
    }
    const int thin = label >= 0 && eps == 0; /* Design E */
    /* thin rows keep exp(x_j - m) in g (or h) for the gradient pass, as the
     * plain kernel does; x[label] is read first (g may alias x) */
    const double d_y = thin ? (double)x[label] - (double)st.m : 0.0;
    R *e_buf = thin ? (g ? g : h) : NULL;
    const R *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
    st.s_o = e_buf ? FN(sum_exp_below_store)(x, n, st.m, &st.k, e_buf, 0, pf)
                   : FN(sum_exp_below)(x, n, st.m, &st.k, pf);
    FN(finish_stats)(&st);
    const double p_m = st.inv_s, q_m = st.s_m1 * st.inv_s;
    const int y_at_max = thin && d_y == 0;
    /* the max entry's terms; a thin row whose label is elsewhere needs none */
    const double lq_m = (!thin || y_at_max) ? log(st.s_m1) - st.log_s : 0.0;
    const xentc_focal_terms T_m = (!thin || y_at_max)
                                      ? xentc_focal_terms_d(p_m, q_m, -st.log_s, lq_m, gamma)
                                      : (xentc_focal_terms){ 0, 0, 0 };
    const FN(focal_rowc_t) rc = { st.m, (R)st.log_s, (R)st.inv_s, (R)q_m, (R)lq_m };
    double A_m, L_o, U_o, V_o;
    /* thin rows: the labelled entry's own terms (float64) */
    double p_y = 0, q_y = 1;
    xentc_focal_terms T_y = T_m;
    if (thin) {
        if (y_at_max) {
            A_m = 1.0;
            L_o = U_o = V_o = 0.0;
        } else {
            p_y = exp(d_y) * st.inv_s;
            q_y = 1.0 - p_y;
            T_y = xentc_focal_terms_d(p_y, q_y, d_y - st.log_s, log1p(-p_y), gamma);
            A_m = 0.0;
            L_o = T_y.phi;
            U_o = T_y.fp;
            V_o = T_y.G / q_y;
        }
    } else {
        double sl = 0, su = 0, sv = 0, sa = 0;
        ptrdiff_t kk = 0;
        for (ptrdiff_t j0 = 0; j0 < n;) {
            const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
            VR al = SPLAT(0), au = SPLAT(0), av = SPLAT(0), am = SPLAT(0);
            for (ptrdiff_t j = j0; j < end; j += NL) {
                const ptrdiff_t k = FN(min_p)(NL, end - j);
                VR q, l, phi, fp, G;
                VI at;
                VR av_ = FN(focal_twv)(j, k, label, t, idx, val, nnz, &kk, c, keepR, unifR);
                VR p = FN(focal_probs)(x, j, k, &rc, &q, &l, &at);
                FN(focal_terms)(p, q, l, at, &rc, gammaR, &phi, &fp, &G);
                VI skip = at | (av_ == 0); /* at-max entries: float64 below; 0 * inf = 0 */
                al += FN(clear)(skip, av_ * phi);
                au += FN(clear)(skip, av_ * fp);
                av += FN(clear)(skip, av_ * (G / q));
                am += FN(clear)(~at, av_);
            }
            sl += FN(focal_hsum)(al);
            su += FN(focal_hsum)(au);
            sv += FN(focal_hsum)(av);
            sa += FN(focal_hsum)(am);
            j0 = end;
        }
        A_m = sa;
        L_o = sl;
        U_o = su;
        V_o = sv;
    }
    loss = L_o + (A_m != 0 ? A_m * T_m.phi : 0.0);
    if (g || h) {
        const xentc_focal_row S = { U_o + A_m * T_m.fp, U_o, V_o, A_m * T_m.G,
                                    q_m > 0 ? 1.0 / q_m : 0.0 };
        const int special = st.k == 1.0 && A_m != 0;
        const R U = (R)S.U, Vo = (R)S.V_o, Fm = (R)S.Fm, iq = (R)S.inv_qm, gaR = (R)ga;
        ptrdiff_t jm = -1, kk = 0;
        for (ptrdiff_t j = 0; j < n; j += NL) {
            const ptrdiff_t k = FN(min_p)(NL, n - j);
            VR q, l = SPLAT(0), p;
            VI at = { 0 };
            if (e_buf) {
                const VR ev = k == NL ? LD(e_buf + j) : LDPART(e_buf + j, k, 0);
                p = ev * rc.inv_s;
                q = SEL(ev == 1, SPLAT(rc.q_m), 1 - p); /* Design D */
            } else {
                p = FN(focal_probs)(x, j, k, &rc, &q, &l, &at);
            }
            VR shared = p * (p * Vo + (p * iq) * Fm) - p * q * U;
            VR gv = -p * U, hv = shared;
            if (!thin) {
                VR phi, fp, G;
                VR av_ = FN(focal_twv)(j, k, label, t, idx, val, nnz, &kk, c, keepR, unifR);
                FN(focal_terms)(p, q, l, at, &rc, gammaR, &phi, &fp, &G);
                gv = av_ * fp + gv;
                hv = FN(clear)(av_ == 0, av_ * (G / q) * (1 - 2 * p)) + hv;
            }
            if (special && !thin && ANY(at))
                for (ptrdiff_t ll = 0; ll < k; ll++)
                    if (at[ll]) jm = j + ll;
            gv = gaR * gv;
            hv = gaR * hv;
            if (g) {
                if (k == NL)
                    ST(g + j, gv);
                else
                    STPART(g + j, gv, k);
            }
            if (h) {
                if (k == NL)
                    ST(h + j, hv);
                else
                    STPART(h + j, hv, k);
            }
        }
        if (thin && !(special && y_at_max)) { /* the labelled entry, generic form */
            const double pp = y_at_max ? p_m : p_y, qq = y_at_max ? q_m : q_y;
            if (g) g[label] = (R)(ga * xentc_focal_g(1.0, T_y, pp, &S));
            if (h) h[label] = (R)(ga * xentc_focal_h(1.0, T_y, pp, qq, &S));
        }
        if (special && thin) jm = label;
        if (special && jm >= 0) { /* Design C: the max entry */
            if (g) g[jm] = (R)(ga * (q_m * A_m * T_m.fp - p_m * S.U_o));
            if (h) h[jm] = (R)(ga * (A_m * T_m.G * q_m - p_m * q_m * S.U + p_m * p_m * S.V_o));
        }
    }
    if (a->loss_out) ((R *)a->loss_out)[i] = (R)(w * loss);
    return w * loss;
}

/* Integer labels on short rows (C < SMALL_C): columnar like
 * sparse_softmax_small in kernels_body.h (Design E there), every vector op on
 * NL rows, with the same formulas as focal_softmax_row; rows whose max is not
 * finite go to focal_softmax_row (limits). Entry j of the NL rows from r of
 * block B, with a_j = (1-eps) [j == y] + eps/C (0 for ignored rows), or from
 * dense targets tt (transposed) and class weights c: */
XENTC_INLINE void FN(focal_col)(const FN(cols_t) *B, ptrdiff_t j, ptrdiff_t r, VR mm, VR log_s,
                                VR inv_s, VR q_m, VR lq_m, VI yv, const R *tt, const R *c, R keep,
                                R unif, R gamma, VR *p, VR *q, VR *aj, VI *at, VR *phi, VR *fp,
                                VR *G)
{
    VR d = LD(B->t + j * BR + r) - mm;
    *at = d == 0;
    *p = LD(B->e + j * BR + r) * inv_s;
    *q = SEL(*at, q_m, 1 - *p);
    if (tt) { /* dense targets, transposed like x: a_j = c_j ((1-eps) t_j + eps/C) */
        *aj = (c ? c[j] : (R)1) * (keep * LD(tt + j * BR + r) + unif);
    } else {
        *aj = SEL(yv == (IT)j, SPLAT(keep + unif), SPLAT(unif));
        *aj = SEL(yv < 0, SPLAT(0), *aj);
    }
    FN(focal_terms_lq)(*p, *q, d - log_s, SEL(*at, lq_m, VLOG1P(-*p)), gamma, phi, fp, G);
}

static double FN(focal_softmax_small)(const xentc_focal_args *fa, ptrdiff_t r0, ptrdiff_t r1,
                                      int dense)
{
    const xentc_args *a = &fa->base;
    const ptrdiff_t n = a->n_cols;
    const R *x = (const R *)a->x, *c = dense ? (const R *)a->col_weight : NULL;
    const R keep = (R)(1.0 - a->smoothing), unif = (R)(a->smoothing / (double)n);
    const R gamma = (R)fa->gamma;
    const int want_grad = a->grad_out || a->hess_out;
    const int thin = !dense && a->smoothing == 0; /* one non-zero a_j per row (Design E) */
    const VI ones = (VI){ 0 } == (VI){ 0 };
    double total = 0.0;
    FN(cols_t) B;
    R gg[SMALL_C * BR], hh[SMALL_C * BR], tt[SMALL_C * BR], loss_v[BR];
    const R *tt_p = dense ? tt : NULL;
    IT lab[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        FN(cols_load)(x, a->ldx, n, i0, rows, &B, 1, 0);
        for (ptrdiff_t r = 0; r < BR; r++)
            lab[r] = dense ? 0 : (r < rows ? (IT)a->labels[i0 + r] : -1);
        if (dense)
            for (ptrdiff_t j = 0; j < n; j++)
                for (ptrdiff_t r = 0; r < BR; r++)
                    tt[j * BR + r] = r < rows ? ((const R *)a->t)[(i0 + r) * a->ldt + j] : 0;
        for (ptrdiff_t r = 0; r < BR; r += NL) {
            VI yv;
            for (ptrdiff_t l = 0; l < NL; l++) yv[l] = lab[r + l];
            const VR m = LD(B.m + r), log_s = LD(B.log_s + r), inv_s = LD(B.inv_s + r);
            const VR q_m = LD(B.q_max + r), lq_m = VLOG(q_m);
            const VR mm = SEL(m - m == 0, m, SPLAT(0)); /* as cols_load */
            VR phi_m, fp_m, G_m, Lo = SPLAT(0), Uo = SPLAT(0), Vo = SPLAT(0), Am = SPLAT(0);
            VI kc = { 0 };
            FN(focal_terms_lq)(inv_s, q_m, -log_s, lq_m, gamma, &phi_m, &fp_m, &G_m);
            /* thin: the labelled entry of each lane gathered, its terms once */
            VR p_y = SPLAT(0), q_y = SPLAT(1), fp_y = SPLAT(0), Gq_y = SPLAT(0);
            if (thin) {
                VR d_y = SPLAT(-INFINITY), e_y = SPLAT(0);
                for (ptrdiff_t j = 0; j < n; j++) {
                    const VR d = LD(B.t + j * BR + r) - mm;
                    const VI is_y = yv == (IT)j;
                    d_y = SEL(is_y, d, d_y);
                    e_y = SEL(is_y, LD(B.e + j * BR + r), e_y);
                    kc -= d == 0;
                }
                const VI at_y = d_y == 0, valid = yv >= 0;
                VR phi_y;
                p_y = e_y * inv_s;
                q_y = SEL(at_y, q_m, 1 - p_y);
                FN(focal_terms_lq)(p_y, q_y, d_y - log_s, SEL(at_y, lq_m, VLOG1P(-p_y)), gamma,
                                   &phi_y, &fp_y, &Gq_y);
                Gq_y = Gq_y / q_y;
                Am = SEL(at_y & valid, SPLAT(1), SPLAT(0));
                Lo = SEL(~at_y & valid, phi_y, SPLAT(0));
                Uo = SEL(~at_y & valid, fp_y, SPLAT(0));
                Vo = SEL(~at_y & valid, Gq_y, SPLAT(0));
            }
            for (ptrdiff_t j = 0; j < n && !thin; j++) {
                VR p, q, aj, phi, fp, G;
                VI at;
                FN(focal_col)(&B, j, r, mm, log_s, inv_s, q_m, lq_m, yv, tt_p, c, keep, unif,
                              gamma, &p, &q, &aj, &at, &phi, &fp, &G);
                VI skip = at | (aj == 0);
                Lo += FN(clear)(skip, aj * phi);
                Uo += FN(clear)(skip, aj * fp);
                Vo += FN(clear)(skip, aj * (G / q));
                Am += FN(clear)(~at, aj);
                kc -= at;
            }
            ST(loss_v + r, Lo + FN(clear)(Am == 0, Am * phi_m));
            if (!want_grad) continue;
            VR ga = SPLAT((R)a->grad_scale);
            if (a->row_weight)
                for (ptrdiff_t l = 0; l < NL && r + l < rows; l++)
                    ga[l] = (R)(a->row_weight[i0 + r + l] * a->grad_scale);
            const VR U = Uo + FN(clear)(Am == 0, Am * fp_m), Fm = FN(clear)(Am == 0, Am * G_m);
            const VR iq = SEL(q_m > 0, 1 / q_m, SPLAT(0));
            const VI special = (kc == 1) & (Am != 0) & ones;
            const VR g_sp = q_m * Am * fp_m - inv_s * Uo;
            const VR h_sp = Am * G_m * q_m - inv_s * q_m * U + inv_s * inv_s * Vo;
            for (ptrdiff_t j = 0; j < n; j++) {
                VR p, q, gv, hv;
                VI at;
                if (thin) { /* a_j = 0 but at the label: no per-entry terms */
                    at = LD(B.t + j * BR + r) - mm == 0;
                    p = LD(B.e + j * BR + r) * inv_s;
                    q = SEL(at, q_m, 1 - p);
                    const VI is_y = yv == (IT)j;
                    gv = FN(clear)(~is_y, fp_y) - p * U;
                    hv = FN(clear)(~is_y, Gq_y * (1 - 2 * p));
                } else {
                    VR aj, phi, fp, G;
                    FN(focal_col)(&B, j, r, mm, log_s, inv_s, q_m, lq_m, yv, tt_p, c, keep, unif,
                                  gamma, &p, &q, &aj, &at, &phi, &fp, &G);
                    gv = aj * fp - p * U;
                    hv = FN(clear)(aj == 0, aj * (G / q) * (1 - 2 * p));
                }
                hv = hv - p * q * U + p * (p * Vo + (p * iq) * Fm);
                ST(gg + j * BR + r, ga * SEL(special & at, g_sp, gv));
                ST(hh + j * BR + r, ga * SEL(special & at, h_sp, hv));
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            R *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            R *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            if (!dense && a->labels[row] < 0) { /* ignored row: no loss, no gradient */
                FN(zero_row)(g, n);
                FN(zero_row)(h, n);
                if (a->loss_out) ((R *)a->loss_out)[row] = 0;
                continue;
            }
            if (!isfinite(B.m[i])) { /* x of this row is still intact */
                total += dense ? FN(focal_softmax_row)(fa, row, -1, (const R *)a->t + row * a->ldt,
                                                       NULL, NULL, 0, c)
                               : FN(focal_softmax_row)(fa, row, a->labels[row], NULL, NULL, NULL,
                                                       0, NULL);
                continue;
            }
            const double w = FN(row_weight)(a, row), loss = loss_v[i];
            if (g)
                for (ptrdiff_t j = 0; j < n; j++) g[j] = gg[j * BR + i];
            if (h)
                for (ptrdiff_t j = 0; j < n; j++) h[j] = hh[j * BR + i];
            if (a->loss_out) ((R *)a->loss_out)[row] = (R)(w * loss);
            total += w * loss;
        }
    }
    return total;
}

static double FN(focal_sparse_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    if (a->n_cols < SMALL_C) return FN(focal_softmax_small)(fa, r0, r1, 0);
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        if (a->labels[i] < 0) { /* ignored row: no loss, no gradient */
            FN(zero_row)(FN(row_ptr)(a->grad_out, a->ldg, i), a->n_cols);
            FN(zero_row)(FN(row_ptr)(a->hess_out, a->ldh, i), a->n_cols);
            if (a->loss_out) ((R *)a->loss_out)[i] = 0;
            continue;
        }
        total += FN(focal_softmax_row)(fa, i, a->labels[i], NULL, NULL, NULL, 0, NULL);
    }
    return total;
}

static double FN(focal_dense_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    if (a->n_cols < SMALL_C) return FN(focal_softmax_small)(fa, r0, r1, 1);
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(focal_softmax_row)(fa, i, -1, (const R *)a->t + i * a->ldt, NULL, NULL, 0,
                                       (const R *)a->col_weight);
    return total;
}

static double FN(focal_csr_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total += FN(focal_softmax_row)(fa, i, -1, NULL, a->indices + b, (const R *)a->values + b,
                                       e - b, (const R *)a->col_weight);
    }
    return total;
}
