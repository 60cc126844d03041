/* body_softmax_ce.h -- softmax cross-entropy on logits: labels, dense soft
 * targets, CSR soft targets (rows of SMALL_C or more; shorter rows go to
 * body_short_rows.h). */

/* ---- softmax cross-entropy --------------------------------------------- */

/* Loss of a labelled row from its stats; NaN if the stats are unusable. */
static inline double FN(sparse_row_loss)(const FN(stats_t) *st, double xy, double smoothing,
                                         double gap, ptrdiff_t n)
{
    double loss = ((double)st->m - xy) + st->log_s;
    if (smoothing > 0) loss = (1.0 - smoothing) * loss + smoothing * (gap / (double)n + st->log_s);
    return loss;
}

/* Gradient / Hessian of a labelled row from the stored exps: the uniform
 * part in the vector pass, then the label entry without cancellation
 * (Design A). */
static void FN(sparse_row_grad)(ptrdiff_t n, const FN(stats_t) *st, int64_t y, double xy,
                                double smoothing, double ga, XT_REAL *g, XT_REAL *h)
{
    const XT_REAL gaR = (XT_REAL)ga;
    FN(softmax_grad_finish)(n, st, gaR, gaR * (XT_REAL)(smoothing / (double)n), 0, NULL, NULL,
                            NULL, 0, NULL, gaR, g, h);
    const int y_at_max = xy == (double)st->m;
    const double p_y = y_at_max ? st->inv_s : exp(xy - (double)st->m) * st->inv_s;
    const double q_y = y_at_max ? st->s_m1 * st->inv_s : 1.0 - p_y;
    FN(label_entry)(g, h, y, ga, smoothing, n, p_y, q_y);
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
    const double smoothing = a->smoothing;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
        XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
        const int64_t y = a->labels[i];
        if (y < 0) { /* ignored row: no loss, no gradient */
            FN(zero_row)(g, n);
            FN(zero_row)(h, n);
            if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = 0;
            continue;
        }
        const double w = FN(row_weight)(a, i);
        const double ga = w * a->grad_scale;
        const double xy = x[y]; /* read before g (which may alias x) is written */
        FN(stats_t) st;
        double loss;
        st.m = FN(row_max)(x, n);
        if (!isfinite(st.m)) {
            loss = FN(softmax_ce_limits)(x, n, y, NULL, NULL, NULL, 0, NULL, smoothing, ga, g, h);
        } else {
            double gap = 0.0, wsum;
            if (smoothing > 0) FN(weighted_gap)(x, NULL, NULL, n, st.m, 0, 1, &gap, &wsum);
            XT_REAL *e = g ? g : h;
            const XT_REAL *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
            st.s_o = e ? FN(sum_exp_below_store)(x, n, st.m, &st.k, e, 0, pf)
                       : FN(sum_exp_below)(x, n, st.m, &st.k, pf);
            FN(finish_stats)(&st);
            loss = FN(sparse_row_loss)(&st, xy, smoothing, gap, n);
            if (e) FN(sparse_row_grad)(n, &st, y, xy, smoothing, ga, g, h);
        }
        if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
        total += w * loss;
    }
    return total;
}

/* dense soft targets and CSR soft targets share this row body */
static double FN(soft_softmax_ce_row)(const xentc_args *a, ptrdiff_t i, const XT_REAL *t,
                                      const int64_t *idx, const XT_REAL *val, ptrdiff_t nnz)
{
    const ptrdiff_t n = a->n_cols;
    const double smoothing = a->smoothing;
    const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
    const XT_REAL *c = (const XT_REAL *)a->col_weight;
    XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, i);
    XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, i);
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
        loss = FN(softmax_ce_limits)(x, n, -1, t, idx, val, nnz, c, smoothing, ga, g, h);
    } else {
        double gap = 0.0; /* the target terms first: g may alias x */
        if (t) {
            if (FN(weighted_gap)(x, t, c, n, st.m, (XT_REAL)(1.0 - smoothing),
                                 (XT_REAL)(smoothing / (double)n), &gap, &S) &&
                a->neg_target_row)
                FN(report_neg_row)(a, i);
        } else {
            for (ptrdiff_t k = 0; k < nnz; k++) {
                const double cw = c ? (double)c[idx[k]] : 1.0;
                const double tw = cw * (double)val[k];
                if (tw != 0.0) gap += tw * ((double)st.m - (double)x[idx[k]]);
                S += tw;
            }
            gap *= (1.0 - smoothing);
            S *= (1.0 - smoothing);
            if (smoothing > 0) {
                double ugap, usum;
                FN(weighted_gap)(x, NULL, c, n, st.m, 0, (XT_REAL)(smoothing / (double)n), &ugap,
                                 &usum);
                gap += ugap;
                S += usum;
            }
        }
        XT_REAL *e = g ? g : h;
        const XT_REAL *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
        st.s_o = e ? FN(sum_exp_below_store)(x, n, st.m, &st.k, e, 0, pf)
                   : FN(sum_exp_below)(x, n, st.m, &st.k, pf);
        FN(finish_stats)(&st);
        loss = gap + S * st.log_s;
        if (e) {
            const XT_REAL gaR = (XT_REAL)ga;
            const XT_REAL gs = gaR * (XT_REAL)S, gu = gaR * (XT_REAL)(smoothing / (double)n),
                          gt = gaR * (XT_REAL)(1.0 - smoothing);
            FN(softmax_grad_finish)(n, &st, gs, gu, gt, t, idx, val, t ? 0 : nnz, c, gs, g, h);
        }
    }
    if (a->loss_out) ((XT_REAL *)a->loss_out)[i] = (XT_REAL)(w * loss);
    return w * loss;
}

/* Dense soft targets on short rows: the targets are transposed like the
 * logits (Design E) and every step works on XT_NLANES rows. */
static double FN(dense_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    if (a->n_cols < SMALL_C) return FN(dense_softmax_small)(a, r0, r1);
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++)
        total += FN(soft_softmax_ce_row)(a, i, (const XT_REAL *)a->t + i * a->ldt, NULL, NULL, 0);
    return total;
}

static double FN(csr_softmax_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const int64_t b = a->indptr[i], e = a->indptr[i + 1];
        total += FN(soft_softmax_ce_row)(a, i, NULL, a->indices + b,
                                         (const XT_REAL *)a->values + b, e - b);
    }
    return total;
}
