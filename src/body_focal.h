/* body_focal.h -- focal losses (Lin et al. 2017) on logits: loss, gradient and
 * diagonal Hessian w.r.t. the logits from one fused pass per span / row.
 *
 * Included at the end of kernels_body.h, so it is compiled for every ISA and
 * both dtypes with the same macros (XT_REAL, XT_VREAL, FN, ...) and helpers (row_max,
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
 *    body_common.h Design A, where s - 1 = (k-1) + s_o is exact: a row with
 *    x_y - x_j = 30 keeps q ~ e^-30 to the last bit, where 1 - p would
 *    return 0 (float32) or 3 digits (float64). (1-p)^gamma = exp(gamma log q).
 * E. Softmax with integer labels and no smoothing (the common case) has one
 *    non-zero a_j: its terms are computed once in float64 and the vector
 *    pass writes g_k = -p_k U, h_k = p_k (-q_k U + p_k V) with no per-element
 *    log or power, from exp(x_k - m) kept in g by the stats pass (as the
 *    plain kernel does); the labelled entry is patched afterwards. Otherwise
 *    two vector passes: sums (loss, U, V), then g and h, each recomputing
 *    exp / log1p / power rather than storing them (g may alias x).
 *    Integer labels on rows shorter than SMALL_C run columnar (XT_NLANES rows per
 *    vector op, body_common.h Design E), the labelled entry gathered per
 *    lane when there is no smoothing.
 * F. Rows whose max is not finite take a scalar float64 path with the
 *    limits of body_common.h Design D (NaN row -> NaN loss, gradient and
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

static inline XT_VREAL FN(focal_clamp)(XT_VREAL v)
{ return XCAT2(vclamp_lo, XT_SFX)(v, (XT_REAL)-1e30); }

/* float64 sum of the lanes as a tree (depth log2 XT_NLANES, not a chain of XT_NLANES
 * dependent adds: short rows pay it four times per row) */
static inline double FN(focal_hsum)(XT_VREAL v)
{
    double b[XT_NLANES];
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) b[l] = (double)v[l];
    for (ptrdiff_t w = XT_NLANES / 2; w > 0; w /= 2)
        for (ptrdiff_t l = 0; l < w; l++) b[l] += b[l + w];
    return b[0];
}

/* ---- sigmoid (Design B) --------------------------------------------------- */

XENTC_INLINE XT_VREAL FN(focal_sigmoid_step)(const XT_REAL *x, const XT_REAL *t, const XT_REAL *pw,
                                             XT_REAL pw_s, const XT_REAL *we, XT_REAL w,
                                             XT_REAL keep, XT_REAL half_smoothing, XT_REAL gsc,
                                             XT_REAL gamma, XT_REAL alpha, int use_alpha,
                                             XT_REAL *lo, XT_REAL *g, XT_REAL *h, ptrdiff_t j,
                                             ptrdiff_t k, int full)
{
    XT_VREAL xv = full ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, 0);
    XT_VREAL yv = t ? (full ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0)) : XT_SPLAT(0);
    yv = yv * keep + half_smoothing;
    XT_VREAL pv = pw ? (full ? XT_LOAD(pw + j) : XT_LOAD_PART(pw + j, k, 1)) : XT_SPLAT(pw_s);
    XT_VREAL wv = we ? (full ? XT_LOAD(we + j) : XT_LOAD_PART(we + j, k, 0)) : XT_SPLAT(w);
    XT_VREAL e = XT_VEXP_NONPOS(-FN(vabs)(xv));
    XT_VREAL d = 1 / (1 + e), qq = e * d; /* max(s, sb), min(s, sb) */
    XT_VINT pos = xv >= 0;
    XT_VREAL s = XT_SELECT(pos, d, qq), sb = XT_SELECT(pos, qq, d);
    XT_VREAL l1p = XT_VLOG1P_UNIT(e);
    XT_VREAL L = 1 + (pv - 1) * yv;
    XT_VREAL coef = XT_SELECT(pos, 1 - yv, -pv * yv);
    XT_VREAL ce = L * l1p + FN(clear)(coef == 0, coef * xv);
    /* log s = min(x,0) - log1p(e), log sb = -max(x,0) - log1p(e) */
    XT_VREAL log_s = XT_SELECT(pos, XT_SPLAT(0), xv) - l1p,
             log_sb = -XT_SELECT(pos, xv, XT_SPLAT(0)) - l1p;
    XT_VINT hard1 = yv == 1, soft = ~(hard1 | (yv == 0));
    XT_VREAL lq = XT_SELECT(hard1, log_sb, log_s), rho = XT_SELECT(hard1, s, sb);
    if (XT_ANY(soft)) {
        XT_VREAL q = yv * sb + (1 - yv) * s;
        lq = XT_SELECT(soft, XT_VLOG(q), lq);
        rho = XT_SELECT(soft, XT_SELECT(q > 0, (s * sb) / q, XT_SPLAT(1)), rho);
    }
    XT_VREAL M = XT_VEXP_NONPOS(gamma * FN(focal_clamp)(lq));
    XT_VREAL aM = wv * M;
    if (use_alpha) aM = aM * (alpha * yv + (1 - alpha) * (1 - yv));
    XT_VREAL wl = aM * ce;
    if (!full) wl = XT_SELECT(FN(lane_lt)(k), wl, XT_SPLAT(0));
    if (lo) {
        if (full)
            XT_STORE(lo + j, wl);
        else
            XT_STORE_PART(lo + j, wl, k);
    }
    if (g || h) {
        XT_VREAL om2y = 1 - 2 * yv;
        XT_VREAL D = gamma * om2y * rho;
        XT_VREAL dce = XT_SELECT(pos, (1 - yv) - L * qq, L * qq - pv * yv);
        XT_VREAL gaM = aM * gsc;
        if (g) {
            XT_VREAL gv = gaM * (FN(clear)(D == 0, D * ce) + dce);
            if (full)
                XT_STORE(g + j, gv);
            else
                XT_STORE_PART(g + j, gv, k);
        }
        if (h) {
            XT_VREAL om2s = XT_SELECT(pos, qq - d, d - qq); /* 1 - 2s = sb - s */
            XT_VREAL K = D * D + gamma * om2y * rho * (om2s - rho * om2y);
            XT_VREAL hv = gaM * (FN(clear)(K == 0, K * ce) + 2 * D * dce + L * qq * d);
            if (full)
                XT_STORE(h + j, hv);
            else
                XT_STORE_PART(h + j, hv, k);
        }
    }
    return wl;
}

/* A contiguous span, as sigmoid_span in body_sigmoid_ce.h. */
static double FN(focal_sigmoid_span)(const xentc_focal_args *fa, const XT_REAL *x,
                                     const XT_REAL *t, ptrdiff_t n, const XT_REAL *pw,
                                     XT_REAL pw_s, const XT_REAL *we, double w, XT_REAL *lo,
                                     XT_REAL *g, XT_REAL *h)
{
    const xentc_args *a = &fa->base;
    const XT_REAL keep = (XT_REAL)(1.0 - a->smoothing),
                  half_smoothing = (XT_REAL)(a->smoothing / 2);
    const XT_REAL gsc = (XT_REAL)a->grad_scale, wR = (XT_REAL)w, gamma = (XT_REAL)fa->gamma,
                  alpha = (XT_REAL)fa->alpha;
    const int ua = fa->use_alpha;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + XT_CHUNK);
        XT_VREAL acc = XT_SPLAT(0);
        ptrdiff_t j = j0;
        for (; j + XT_NLANES <= end; j += XT_NLANES)
            acc += FN(focal_sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_smoothing, gsc, gamma,
                                          alpha, ua, lo, g, h, j, XT_NLANES, 1);
        if (j < end)
            acc += FN(focal_sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_smoothing, gsc, gamma,
                                          alpha, ua, lo, g, h, j, end - j, 0);
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

static double FN(focal_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    const XT_REAL *pw = (const XT_REAL *)a->col_weight;
    const XT_REAL pw_s = (XT_REAL)a->pos_weight;
    if (a->flat) { /* one long row; r0, r1 index elements */
        const XT_REAL *we = (const XT_REAL *)a->elem_weight;
        return FN(focal_sigmoid_span)(fa, (const XT_REAL *)a->x + r0, (const XT_REAL *)a->t + r0,
                                      r1 - r0, pw ? pw + r0 : NULL, pw_s, we ? we + r0 : NULL, 1.0,
                                      a->loss_out ? (XT_REAL *)a->loss_out + r0 : NULL,
                                      a->grad_out ? (XT_REAL *)a->grad_out + r0 : NULL,
                                      a->hess_out ? (XT_REAL *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(focal_sigmoid_span)(
            fa, (const XT_REAL *)a->x + i * a->ldx, (const XT_REAL *)a->t + i * a->ldt, n, pw,
            pw_s, NULL, FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
            FN(row_ptr)(a->grad_out, a->ldg, i), FN(row_ptr)(a->hess_out, a->ldh, i));
    return total;
}

/* CSR multi-label targets: zero-target gaps and stored entries as spans. */
static double FN(focal_csr_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *pw = (const XT_REAL *)a->col_weight;
    const XT_REAL pw_s = (XT_REAL)a->pos_weight;
    const XT_REAL *vals = (const XT_REAL *)a->values;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
        XT_REAL *lo = FN(row_ptr)(a->loss_out, n, i);
        XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
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
static inline double FN(focal_tw1)(ptrdiff_t j, int64_t label, const XT_REAL *t,
                                   const int64_t *idx, const XT_REAL *val, ptrdiff_t nnz,
                                   ptrdiff_t *kk, const XT_REAL *c, double keep, double unif)
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

/* target weights of the k (<= XT_NLANES used) entries from j; lanes past k are 0 */
static inline XT_VREAL FN(focal_twv)(ptrdiff_t j, ptrdiff_t k, int64_t label, const XT_REAL *t,
                                     const int64_t *idx, const XT_REAL *val, ptrdiff_t nnz,
                                     ptrdiff_t *kk, const XT_REAL *c, XT_REAL keep, XT_REAL unif)
{
    const int full = k >= XT_NLANES;
    XT_VREAL tv = t ? (full ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0)) : XT_SPLAT(0);
    for (; *kk < nnz && idx[*kk] < j + XT_NLANES; (*kk)++) tv[idx[*kk] - j] = val[*kk];
    if (label >= j && label < j + XT_NLANES) tv[label - j] = 1;
    XT_VREAL cv = c ? (full ? XT_LOAD(c + j) : XT_LOAD_PART(c + j, k, 0)) : XT_SPLAT(1);
    XT_VREAL a = cv * (keep * tv + unif);
    return full ? a : XT_SELECT(FN(lane_lt)(k), a, XT_SPLAT(0));
}

typedef struct {
    XT_REAL m, log_s, inv_s, q_m, lq_m;
} FN(focal_rowc_t);

/* p, q, l = log p, log q of the k entries from j (Design D); padding lanes
 * get p = 0, never at_max */
static inline XT_VREAL FN(focal_probs)(const XT_REAL *x, ptrdiff_t j, ptrdiff_t k,
                                       const FN(focal_rowc_t) *rc, XT_VREAL *q, XT_VREAL *l,
                                       XT_VINT *at_max)
{
    XT_VREAL xv = k >= XT_NLANES ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, -INFINITY);
    XT_VREAL d = xv - rc->m;
    XT_VREAL p = XT_VEXP_NONPOS(d) * rc->inv_s;
    *at_max = d == 0;
    *q = XT_SELECT(*at_max, XT_SPLAT(rc->q_m), 1 - p);
    *l = d - rc->log_s;
    return p;
}

/* phi, fp, G (as xentc_focal_terms_d) of XT_NLANES entries with log q = lq */
static inline void FN(focal_terms_lq)(XT_VREAL p, XT_VREAL q, XT_VREAL l, XT_VREAL lq,
                                      XT_REAL gamma, XT_VREAL *phi, XT_VREAL *fp, XT_VREAL *G)
{
    XT_VREAL M = XT_VEXP_NONPOS(gamma * FN(focal_clamp)(lq));
    XT_VREAL pr = XT_SELECT(q == 0, XT_SPLAT(1), XT_SELECT(p == 0, XT_SPLAT(0), p * (-l) / q));
    *phi = M * (-l);
    *fp = -M * (1 + gamma * pr);
    *G = XT_SELECT(p == 0, XT_SPLAT(0), gamma * M * p * (2 + l + (gamma - 1) * pr));
}

static inline void FN(focal_terms)(XT_VREAL p, XT_VREAL q, XT_VREAL l, XT_VINT at_max,
                                   const FN(focal_rowc_t) *rc, XT_REAL gamma, XT_VREAL *phi,
                                   XT_VREAL *fp, XT_VREAL *G)
{
    FN(focal_terms_lq)(p, q, l, XT_SELECT(at_max, XT_SPLAT(rc->lq_m), XT_VLOG1P(-p)), gamma, phi,
                       fp, G);
}

/* Rows whose max is not finite (Design F): scalar float64. */
static double FN(focal_softmax_limits)(const xentc_focal_args *fa, const XT_REAL *x, ptrdiff_t n,
                                       int64_t label, const XT_REAL *t, const int64_t *idx,
                                       const XT_REAL *val, ptrdiff_t nnz, const XT_REAL *c,
                                       double ga, XT_REAL *g, XT_REAL *h)
{
    const double smoothing = fa->base.smoothing, keep = 1.0 - smoothing,
                 unif = smoothing / (double)n;
    FN(limits_t) Lm;
    FN(limits)(x, n, &Lm);
    if (Lm.nan || Lm.undefined) {
        for (ptrdiff_t j = 0; j < n; j++) {
            if (g) g[j] = (XT_REAL)NAN;
            if (h) h[j] = (XT_REAL)NAN;
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
            if (g) g[j] = (XT_REAL)(ga * gj);
            if (h) h[j] = (XT_REAL)(ga * hj);
        }
    }
    return loss;
}

/* One softmax focal row; target weights a_j = c_j ((1-smoothing) t_j + smoothing/C) with
 * t_j from `label` (>= 0), a dense row t or CSR (idx, val, nnz). Returns
 * w_i * loss_i and writes the weighted per-row loss / g / h as asked. */
static double FN(focal_softmax_row)(const xentc_focal_args *fa, ptrdiff_t i, int64_t label,
                                    const XT_REAL *t, const int64_t *idx, const XT_REAL *val,
                                    ptrdiff_t nnz, const XT_REAL *c)
{
    const xentc_args *a = &fa->base;
    const ptrdiff_t n = a->n_cols;
    const double smoothing = a->smoothing, gamma = fa->gamma;
    const XT_REAL keepR = (XT_REAL)(1.0 - smoothing), unifR = (XT_REAL)(smoothing / (double)n),
                  gammaR = (XT_REAL)gamma;
    const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
    XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
    const double w = FN(row_weight)(a, i), ga = w * a->grad_scale;
    FN(stats_t) st;
    double loss;
    st.m = FN(row_max)(x, n);
    if (!isfinite(st.m)) {
        loss = FN(focal_softmax_limits)(fa, x, n, label, t, idx, val, nnz, c, ga, g, h);
        if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
        return w * loss;
    }
    const int thin = label >= 0 && smoothing == 0; /* Design E */
    /* thin rows keep exp(x_j - m) in g (or h) for the gradient pass, as the
     * plain kernel does; x[label] is read first (g may alias x) */
    const double d_y = thin ? (double)x[label] - (double)st.m : 0.0;
    XT_REAL *e_buf = thin ? (g ? g : h) : NULL;
    const XT_REAL *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
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
    const FN(focal_rowc_t) rc = { st.m, (XT_REAL)st.log_s, (XT_REAL)st.inv_s, (XT_REAL)q_m,
                                  (XT_REAL)lq_m };
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
            const ptrdiff_t end = FN(min_p)(n, j0 + XT_CHUNK);
            XT_VREAL al = XT_SPLAT(0), au = XT_SPLAT(0), av = XT_SPLAT(0), am = XT_SPLAT(0);
            for (ptrdiff_t j = j0; j < end; j += XT_NLANES) {
                const ptrdiff_t k = FN(min_p)(XT_NLANES, end - j);
                XT_VREAL q, l, phi, fp, G;
                XT_VINT at;
                XT_VREAL av_ = FN(focal_twv)(j, k, label, t, idx, val, nnz, &kk, c, keepR, unifR);
                XT_VREAL p = FN(focal_probs)(x, j, k, &rc, &q, &l, &at);
                FN(focal_terms)(p, q, l, at, &rc, gammaR, &phi, &fp, &G);
                XT_VINT skip = at | (av_ == 0); /* at-max entries: float64 below; 0 * inf = 0 */
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
        const XT_REAL U = (XT_REAL)S.U, Vo = (XT_REAL)S.V_o, Fm = (XT_REAL)S.Fm,
                      iq = (XT_REAL)S.inv_qm, gaR = (XT_REAL)ga;
        ptrdiff_t jm = -1, kk = 0;
        for (ptrdiff_t j = 0; j < n; j += XT_NLANES) {
            const ptrdiff_t k = FN(min_p)(XT_NLANES, n - j);
            XT_VREAL q, l = XT_SPLAT(0), p;
            XT_VINT at = { 0 };
            if (e_buf) {
                const XT_VREAL ev =
                    k == XT_NLANES ? XT_LOAD(e_buf + j) : XT_LOAD_PART(e_buf + j, k, 0);
                p = ev * rc.inv_s;
                q = XT_SELECT(ev == 1, XT_SPLAT(rc.q_m), 1 - p); /* Design D */
            } else {
                p = FN(focal_probs)(x, j, k, &rc, &q, &l, &at);
            }
            XT_VREAL shared = p * (p * Vo + (p * iq) * Fm) - p * q * U;
            XT_VREAL gv = -p * U, hv = shared;
            if (!thin) {
                XT_VREAL phi, fp, G;
                XT_VREAL av_ = FN(focal_twv)(j, k, label, t, idx, val, nnz, &kk, c, keepR, unifR);
                FN(focal_terms)(p, q, l, at, &rc, gammaR, &phi, &fp, &G);
                gv = av_ * fp + gv;
                hv = FN(clear)(av_ == 0, av_ * (G / q) * (1 - 2 * p)) + hv;
            }
            if (special && !thin && XT_ANY(at))
                for (ptrdiff_t ll = 0; ll < k; ll++)
                    if (at[ll]) jm = j + ll;
            gv = gaR * gv;
            hv = gaR * hv;
            if (g) {
                if (k == XT_NLANES)
                    XT_STORE(g + j, gv);
                else
                    XT_STORE_PART(g + j, gv, k);
            }
            if (h) {
                if (k == XT_NLANES)
                    XT_STORE(h + j, hv);
                else
                    XT_STORE_PART(h + j, hv, k);
            }
        }
        if (thin && !(special && y_at_max)) { /* the labelled entry, generic form */
            const double pp = y_at_max ? p_m : p_y, qq = y_at_max ? q_m : q_y;
            if (g) g[label] = (XT_REAL)(ga * xentc_focal_g(1.0, T_y, pp, &S));
            if (h) h[label] = (XT_REAL)(ga * xentc_focal_h(1.0, T_y, pp, qq, &S));
        }
        if (special && thin) jm = label;
        if (special && jm >= 0) { /* Design C: the max entry */
            if (g) g[jm] = (XT_REAL)(ga * (q_m * A_m * T_m.fp - p_m * S.U_o));
            if (h)
                h[jm] = (XT_REAL)(ga * (A_m * T_m.G * q_m - p_m * q_m * S.U + p_m * p_m * S.V_o));
        }
    }
    if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
    return w * loss;
}

/* Integer labels on short rows (C < SMALL_C): columnar like
 * sparse_softmax_small in body_short_rows.h (Design E there), every vector op on
 * XT_NLANES rows, with the same formulas as focal_softmax_row; rows whose max is not
 * finite go to focal_softmax_row (limits). Entry j of the XT_NLANES rows from r of
 * block B, with a_j = (1-smoothing) [j == y] + smoothing/C (0 for ignored rows), or from
 * dense targets tt (transposed) and class weights c: */
XENTC_INLINE void FN(focal_col)(const FN(cols_t) *B, ptrdiff_t j, ptrdiff_t r, XT_VREAL mm,
                                XT_VREAL log_s, XT_VREAL inv_s, XT_VREAL q_m, XT_VREAL lq_m,
                                XT_VINT yv, const XT_REAL *tt, const XT_REAL *c, XT_REAL keep,
                                XT_REAL unif, XT_REAL gamma, XT_VREAL *p, XT_VREAL *q,
                                XT_VREAL *aj, XT_VINT *at, XT_VREAL *phi, XT_VREAL *fp,
                                XT_VREAL *G)
{
    XT_VREAL d = XT_LOAD(B->t + j * BR + r) - mm;
    *at = d == 0;
    *p = XT_LOAD(B->e + j * BR + r) * inv_s;
    *q = XT_SELECT(*at, q_m, 1 - *p);
    if (tt) { /* dense targets, transposed like x: a_j = c_j ((1-smoothing) t_j + smoothing/C) */
        *aj = (c ? c[j] : (XT_REAL)1) * (keep * XT_LOAD(tt + j * BR + r) + unif);
    } else {
        *aj = XT_SELECT(yv == (XT_LANE_INT)j, XT_SPLAT(keep + unif), XT_SPLAT(unif));
        *aj = XT_SELECT(yv < 0, XT_SPLAT(0), *aj);
    }
    FN(focal_terms_lq)(*p, *q, d - log_s, XT_SELECT(*at, lq_m, XT_VLOG1P(-*p)), gamma, phi, fp, G);
}

static double FN(focal_softmax_small)(const xentc_focal_args *fa, ptrdiff_t r0, ptrdiff_t r1,
                                      int dense)
{
    const xentc_args *a = &fa->base;
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x, *c = dense ? (const XT_REAL *)a->col_weight : NULL;
    const XT_REAL keep = (XT_REAL)(1.0 - a->smoothing), unif = (XT_REAL)(a->smoothing / (double)n);
    const XT_REAL gamma = (XT_REAL)fa->gamma;
    const int want_grad = a->grad_out || a->hess_out;
    const int thin = !dense && a->smoothing == 0; /* one non-zero a_j per row (Design E) */
    const XT_VINT ones = (XT_VINT){ 0 } == (XT_VINT){ 0 };
    double total = 0.0;
    FN(cols_t) B;
    XT_REAL gg[SMALL_C * BR], hh[SMALL_C * BR], tt[SMALL_C * BR], loss_v[BR];
    const XT_REAL *tt_p = dense ? tt : NULL;
    XT_LANE_INT lab[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        FN(cols_load)(x, a->ldx, n, i0, rows, &B, 1, 0);
        for (ptrdiff_t r = 0; r < BR; r++)
            lab[r] = dense ? 0 : (r < rows ? (XT_LANE_INT)a->labels[i0 + r] : -1);
        if (dense)
            for (ptrdiff_t j = 0; j < n; j++)
                for (ptrdiff_t r = 0; r < BR; r++)
                    tt[j * BR + r] = r < rows ? ((const XT_REAL *)a->t)[(i0 + r) * a->ldt + j] : 0;
        for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
            XT_VINT yv;
            for (ptrdiff_t l = 0; l < XT_NLANES; l++) yv[l] = lab[r + l];
            const XT_VREAL m = XT_LOAD(B.m + r), log_s = XT_LOAD(B.log_s + r),
                           inv_s = XT_LOAD(B.inv_s + r);
            const XT_VREAL q_m = XT_LOAD(B.q_max + r), lq_m = XT_VLOG(q_m);
            const XT_VREAL mm = XT_SELECT(m - m == 0, m, XT_SPLAT(0)); /* as cols_load */
            XT_VREAL phi_m, fp_m, G_m, Lo = XT_SPLAT(0), Uo = XT_SPLAT(0), Vo = XT_SPLAT(0),
                                       Am = XT_SPLAT(0);
            XT_VINT kc = { 0 };
            FN(focal_terms_lq)(inv_s, q_m, -log_s, lq_m, gamma, &phi_m, &fp_m, &G_m);
            /* thin: the labelled entry of each lane gathered, its terms once */
            XT_VREAL p_y = XT_SPLAT(0), q_y = XT_SPLAT(1), fp_y = XT_SPLAT(0), Gq_y = XT_SPLAT(0);
            if (thin) {
                XT_VREAL d_y = XT_SPLAT(-INFINITY), e_y = XT_SPLAT(0);
                for (ptrdiff_t j = 0; j < n; j++) {
                    const XT_VREAL d = XT_LOAD(B.t + j * BR + r) - mm;
                    const XT_VINT is_y = yv == (XT_LANE_INT)j;
                    d_y = XT_SELECT(is_y, d, d_y);
                    e_y = XT_SELECT(is_y, XT_LOAD(B.e + j * BR + r), e_y);
                    kc -= d == 0;
                }
                const XT_VINT at_y = d_y == 0, valid = yv >= 0;
                XT_VREAL phi_y;
                p_y = e_y * inv_s;
                q_y = XT_SELECT(at_y, q_m, 1 - p_y);
                FN(focal_terms_lq)(p_y, q_y, d_y - log_s, XT_SELECT(at_y, lq_m, XT_VLOG1P(-p_y)),
                                   gamma, &phi_y, &fp_y, &Gq_y);
                Gq_y = Gq_y / q_y;
                Am = XT_SELECT(at_y & valid, XT_SPLAT(1), XT_SPLAT(0));
                Lo = XT_SELECT(~at_y & valid, phi_y, XT_SPLAT(0));
                Uo = XT_SELECT(~at_y & valid, fp_y, XT_SPLAT(0));
                Vo = XT_SELECT(~at_y & valid, Gq_y, XT_SPLAT(0));
            }
            for (ptrdiff_t j = 0; j < n && !thin; j++) {
                XT_VREAL p, q, aj, phi, fp, G;
                XT_VINT at;
                FN(focal_col)(&B, j, r, mm, log_s, inv_s, q_m, lq_m, yv, tt_p, c, keep, unif,
                              gamma, &p, &q, &aj, &at, &phi, &fp, &G);
                XT_VINT skip = at | (aj == 0);
                Lo += FN(clear)(skip, aj * phi);
                Uo += FN(clear)(skip, aj * fp);
                Vo += FN(clear)(skip, aj * (G / q));
                Am += FN(clear)(~at, aj);
                kc -= at;
            }
            XT_STORE(loss_v + r, Lo + FN(clear)(Am == 0, Am * phi_m));
            if (!want_grad) continue;
            XT_VREAL ga = XT_SPLAT((XT_REAL)a->grad_scale);
            if (a->row_weight)
                for (ptrdiff_t l = 0; l < XT_NLANES && r + l < rows; l++)
                    ga[l] = (XT_REAL)(a->row_weight[i0 + r + l] * a->grad_scale);
            const XT_VREAL U = Uo + FN(clear)(Am == 0, Am * fp_m),
                           Fm = FN(clear)(Am == 0, Am * G_m);
            const XT_VREAL iq = XT_SELECT(q_m > 0, 1 / q_m, XT_SPLAT(0));
            const XT_VINT special = (kc == 1) & (Am != 0) & ones;
            const XT_VREAL g_sp = q_m * Am * fp_m - inv_s * Uo;
            const XT_VREAL h_sp = Am * G_m * q_m - inv_s * q_m * U + inv_s * inv_s * Vo;
            for (ptrdiff_t j = 0; j < n; j++) {
                XT_VREAL p, q, gv, hv;
                XT_VINT at;
                if (thin) { /* a_j = 0 but at the label: no per-entry terms */
                    at = XT_LOAD(B.t + j * BR + r) - mm == 0;
                    p = XT_LOAD(B.e + j * BR + r) * inv_s;
                    q = XT_SELECT(at, q_m, 1 - p);
                    const XT_VINT is_y = yv == (XT_LANE_INT)j;
                    gv = FN(clear)(~is_y, fp_y) - p * U;
                    hv = FN(clear)(~is_y, Gq_y * (1 - 2 * p));
                } else {
                    XT_VREAL aj, phi, fp, G;
                    FN(focal_col)(&B, j, r, mm, log_s, inv_s, q_m, lq_m, yv, tt_p, c, keep, unif,
                                  gamma, &p, &q, &aj, &at, &phi, &fp, &G);
                    gv = aj * fp - p * U;
                    hv = FN(clear)(aj == 0, aj * (G / q) * (1 - 2 * p));
                }
                hv = hv - p * q * U + p * (p * Vo + (p * iq) * Fm);
                XT_STORE(gg + j * BR + r, ga * XT_SELECT(special & at, g_sp, gv));
                XT_STORE(hh + j * BR + r, ga * XT_SELECT(special & at, h_sp, hv));
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            if (!dense && a->labels[row] < 0) { /* ignored row: no loss, no gradient */
                FN(zero_row)(g, n);
                FN(zero_row)(h, n);
                if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = 0;
                continue;
            }
            if (!isfinite(B.m[i])) { /* x of this row is still intact */
                total += dense ? FN(focal_softmax_row)(fa, row, -1,
                                                       (const XT_REAL *)a->t + row * a->ldt, NULL,
                                                       NULL, 0, c)
                               : FN(focal_softmax_row)(fa, row, a->labels[row], NULL, NULL, NULL,
                                                       0, NULL);
                continue;
            }
            const double w = FN(row_weight)(a, row), loss = loss_v[i];
            if (g)
                for (ptrdiff_t j = 0; j < n; j++) g[j] = gg[j * BR + i];
            if (h)
                for (ptrdiff_t j = 0; j < n; j++) h[j] = hh[j * BR + i];
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
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
            if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = 0;
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
        total += FN(focal_softmax_row)(fa, i, -1, (const XT_REAL *)a->t + i * a->ldt, NULL, NULL,
                                       0, (const XT_REAL *)a->col_weight);
    return total;
}

static double FN(focal_csr_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const xentc_focal_args *fa = (const xentc_focal_args *)a;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total +=
            FN(focal_softmax_row)(fa, i, -1, NULL, a->indices + b, (const XT_REAL *)a->values + b,
                                  e - b, (const XT_REAL *)a->col_weight);
    }
    return total;
}
