/* body_prob_ce.h -- cross-entropy on probabilities: binary, and categorical
 * with labels, dense or CSR targets. */

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
