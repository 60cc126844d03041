/* body_prob_ce.h -- cross-entropy on probabilities: binary, and categorical
 * with labels, dense or CSR targets. */

/* ---- probability inputs ------------------------------------------------ */

/* Binary CE on probabilities over a span: p clipped to [clip_eps, 1-clip_eps];
 * 0*log(0) terms are 0 (xlogy). Derivatives are those of the clipped loss
 * (zero where the clip is active). */
static double FN(binary_ce_span)(const xentc_args *a, const XT_REAL *x, const XT_REAL *t,
                                 ptrdiff_t n, const XT_REAL *we, double w, XT_REAL *lo, XT_REAL *g,
                                 XT_REAL *h)
{
    const XT_REAL clip_eps = (XT_REAL)a->clip_eps, one_m = 1 - (XT_REAL)a->clip_eps;
    const XT_REAL gsc = (XT_REAL)a->grad_scale;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + XT_CHUNK);
        XT_VREAL acc = XT_SPLAT(0);
        for (ptrdiff_t j = j0; j < end; j += XT_NLANES) {
            const ptrdiff_t k = end - j;
            const int full = k >= XT_NLANES;
            XT_VREAL p = full ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, (XT_REAL)0.5);
            XT_VREAL y = full ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0);
            XT_VREAL wv =
                we ? (full ? XT_LOAD(we + j) : XT_LOAD_PART(we + j, k, 0)) : XT_SPLAT((XT_REAL)w);
            XT_VREAL pc = XT_SELECT(p < clip_eps, XT_SPLAT(clip_eps), p);
            pc = XT_SELECT(pc > one_m, XT_SPLAT(one_m), pc);
            XT_VREAL l1 = XT_SELECT(y == 0, XT_SPLAT(0), y * XT_VLOG(pc));
            XT_VREAL l0 = XT_SELECT(y == 1, XT_SPLAT(0), (1 - y) * XT_VLOG1P(-pc));
            XT_VREAL wl = -(wv * (l1 + l0));
            if (!full) wl = XT_SELECT(FN(lane_lt)(k), wl, XT_SPLAT(0));
            acc += wl;
            if (lo) {
                if (full)
                    XT_STORE(lo + j, wl);
                else
                    XT_STORE_PART(lo + j, wl, k);
            }
            if (g || h) {
                XT_VINT inside = (p > clip_eps) & (p < one_m);
                XT_VREAL ga = wv * gsc;
                XT_VREAL q = 1 - pc;
                if (g) {
                    XT_VREAL gv = XT_SELECT(inside, ga * ((1 - y) / q - y / pc), XT_SPLAT(0));
                    if (full)
                        XT_STORE(g + j, gv);
                    else
                        XT_STORE_PART(g + j, gv, k);
                }
                if (h) {
                    XT_VREAL hv =
                        XT_SELECT(inside, ga * (y / (pc * pc) + (1 - y) / (q * q)), XT_SPLAT(0));
                    if (full)
                        XT_STORE(h + j, hv);
                    else
                        XT_STORE_PART(h + j, hv, k);
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
        const XT_REAL *we = (const XT_REAL *)a->elem_weight;
        return FN(binary_ce_span)(a, (const XT_REAL *)a->x + r0, (const XT_REAL *)a->t + r0,
                                  r1 - r0, we ? we + r0 : NULL, 1.0,
                                  a->loss_out ? (XT_REAL *)a->loss_out + r0 : NULL,
                                  a->grad_out ? (XT_REAL *)a->grad_out + r0 : NULL,
                                  a->hess_out ? (XT_REAL *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(binary_ce_span)(
            a, (const XT_REAL *)a->x + i * a->ldx, (const XT_REAL *)a->t + i * a->ldt, n, NULL,
            FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
            FN(row_ptr)(a->grad_out, a->ldg, i), FN(row_ptr)(a->hess_out, a->ldh, i));
    return total;
}

/* Categorical CE on probabilities, one row. Targets: label (>= 0), dense t,
 * or CSR (idx, val, nnz). With renormalize, q = p / sum(p) (Keras); the
 * derivatives w.r.t. p include the normalisation:
 *   g_k = -t_k [k unclipped] / p_k + T_u / S,  h_k = t_k [..] / p_k^2 - T_u / S^2,
 * T_u = sum of targets at unclipped entries. */
static double FN(categorical_ce_row)(const xentc_args *a, ptrdiff_t i, int64_t label,
                                     const XT_REAL *t, const int64_t *idx, const XT_REAL *val,
                                     ptrdiff_t nnz)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *p = (const XT_REAL *)a->x + i * a->ldx;
    XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
    const double clip_eps = a->clip_eps;
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
        double qc = q < clip_eps ? clip_eps : (q > 1.0 - clip_eps ? 1.0 - clip_eps : q);
        if (q != q) qc = q;
        loss -= tj * log(qc);
        if (q > clip_eps && q < 1.0 - clip_eps) T_u += tj;
    }
    if (g || h) {
        const double norm_g = a->renormalize ? T_u / S : 0.0;
        const double norm_h = a->renormalize ? T_u / (S * S) : 0.0;
        for (ptrdiff_t j = 0; j < n; j++) {
            if (g) g[j] = (XT_REAL)(ga * norm_g);
            if (h) h[j] = (XT_REAL)(-ga * norm_h);
        }
        for (ptrdiff_t k = 0; k < count; k++) {
            ptrdiff_t j = label >= 0 ? (ptrdiff_t)label : (t ? k : (ptrdiff_t)idx[k]);
            double tj = label >= 0 ? 1.0 : (t ? (double)t[j] : (double)val[k]);
            double q = (double)p[j] / S;
            if (tj == 0.0 || !(q > clip_eps && q < 1.0 - clip_eps)) continue;
            double pj = (double)p[j];
            if (g) g[j] = (XT_REAL)(ga * (norm_g - tj / pj));
            if (h) h[j] = (XT_REAL)(ga * (tj / (pj * pj) - norm_h));
        }
    }
    if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
    return w * loss;
}

static double FN(sparse_categorical_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        if (a->labels[i] < 0) {
            FN(zero_row)(FN(row_ptr)(a->grad_out, a->ldg, i), a->n_cols);
            FN(zero_row)(FN(row_ptr)(a->hess_out, a->ldh, i), a->n_cols);
            if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = 0;
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
        total +=
            FN(categorical_ce_row)(a, i, -1, (const XT_REAL *)a->t + i * a->ldt, NULL, NULL, 0);
    return total;
}

static double FN(csr_categorical_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total += FN(categorical_ce_row)(a, i, -1, NULL, a->indices + b,
                                        (const XT_REAL *)a->values + b, e - b);
    }
    return total;
}
