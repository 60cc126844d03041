/* body_short_rows.h -- rows shorter than SMALL_C, columnar blocks (Design E
 * of body_common.h), and two-class rows, XT_NLANES rows per vector step; with the
 * short-row softmax cross-entropy kernels that the row kernels hand off to. */

/* ---- short rows, columnar (Design E) ----------------------------------- */

#define SMALL_C ((ptrdiff_t)16) /* rows shorter than this take the columnar path */
#define BR ((ptrdiff_t)64)      /* rows per columnar block, a multiple of XT_NLANES */

/* A block of up to BR short rows, transposed so that every vector op works
 * on XT_NLANES rows at once: t[j*BR + r] = x[r][j]. */
typedef struct {
    ptrdiff_t rows;
    XT_REAL t[SMALL_C * BR];
    XT_REAL e[SMALL_C * BR]; /* exp(x - m) when asked for, same layout */
    XT_REAL m[BR];           /* row max */
    XT_REAL log_s[BR];       /* logsumexp - m */
    XT_REAL inv_s[BR];       /* 1 / s */
    XT_REAL q_max[BR];       /* (s - 1) / s = 1 - p at the max, without cancellation */
} FN(cols_t);

static void FN(cols_load)(const XT_REAL *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                          ptrdiff_t rows, FN(cols_t) *B, int want_e, int full)
{
    B->rows = rows;
    for (ptrdiff_t r = 0; r < rows; r++)
        for (ptrdiff_t j = 0; j < n; j++) B->t[j * BR + r] = x[(r0 + r) * ldx + j];
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t r = rows; r < BR; r++) B->t[j * BR + r] = 0;
    for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
        XT_VREAL m = XT_LOAD(B->t + r);
        for (ptrdiff_t j = 1; j < n; j++) m = FN(vmax)(m, XT_LOAD(B->t + j * BR + r));
        XT_STORE(B->m + r, m);
        XT_VREAL mm =
            XT_SELECT(m - m == 0, m, XT_SPLAT(0)); /* rows with inf/NaN max: limits path later */
        XT_VREAL so = XT_SPLAT(0);
        XT_VINT kc = { 0 };
        for (ptrdiff_t j = 0; j < n; j++) {
            XT_VREAL d = XT_LOAD(B->t + j * BR + r) - mm;
            XT_VREAL ex = full ? XT_VEXP(d) : XT_VEXP_NONPOS(d);
            XT_VINT eq = d == 0;
            if (want_e) XT_STORE(B->e + j * BR + r, ex);
            so += FN(clear)(eq, ex);
            kc -= eq;
        }
        /* s - 1 = (k - 1) + s_o is exact for k = 1 and far from 0 otherwise */
        XT_VREAL s_m1 = (XT_VINT_TO_REAL(kc) - 1) + so;
        XT_VREAL inv = 1 / (s_m1 + 1);
        XT_STORE(B->log_s + r, XT_VLOG1P(s_m1));
        XT_STORE(B->inv_s + r, inv);
        XT_STORE(B->q_max + r, s_m1 * inv);
    }
}

/* ---- two classes, contiguous rows: XT_NLANES rows per vector step -------------- */

/* Rows (a, b) of a C-contiguous (n, 2) matrix, XT_NLANES rows from row i. */
static inline void FN(load_pairs)(const XT_REAL *x, ptrdiff_t i, XT_VREAL *a, XT_VREAL *b)
{ XT_DEINTERLEAVE(XT_LOAD(x + 2 * i), XT_LOAD(x + 2 * i + XT_NLANES), a, b); }

static inline void FN(store_pairs)(XT_REAL *o, ptrdiff_t i, XT_VREAL a, XT_VREAL b)
{
    XT_VREAL lo, hi;
    XT_INTERLEAVE(a, b, &lo, &hi);
    XT_STORE(o + 2 * i, lo);
    XT_STORE(o + 2 * i + XT_NLANES, hi);
}

/* For two classes the softmax sum is s = 1 + e, e = exp(-|a - b|), for ties
 * too (then e = 1 and k = 2): one exp and one log1p per row. */
static inline XT_VREAL FN(pair_e)(XT_VREAL a, XT_VREAL b)
{ return XT_VEXP_NONPOS(-FN(vabs)(a - b)); }

/* How many leading rows of [r0, r1) the pair kernels take: whole vectors. */
static inline ptrdiff_t FN(pair_rows)(ptrdiff_t n, ptrdiff_t ldx, ptrdiff_t r0, ptrdiff_t r1)
{ return (n == 2 && ldx == 2) ? ((r1 - r0) / XT_NLANES) * XT_NLANES : 0; }

/* The loss of each labelled row of a columnar block (transposed logits t,
 * maxima m, log_s), XT_NLANES rows at a time; rows past `rows` and ignored
 * rows get a value the caller discards. Shared with grouped_cols_ce. */
static void FN(cols_label_loss)(const XT_REAL *t, const XT_REAL *m_row, const XT_REAL *log_s,
                                ptrdiff_t n, ptrdiff_t rows, const int64_t *labels,
                                double smoothing, XT_REAL *loss_v)
{
    /* the labelled logit of each row, then the loss of XT_NLANES rows at a time */
    for (ptrdiff_t i = 0; i < BR; i++) {
        const int64_t y = i < rows ? labels[i] : -1;
        loss_v[i] = y >= 0 ? t[y * BR + i] : m_row[i];
    }
    for (ptrdiff_t i = 0; i < BR; i += XT_NLANES) {
        XT_VREAL m = XT_LOAD(m_row + i), ls = XT_LOAD(log_s + i);
        XT_VREAL l = (m - XT_LOAD(loss_v + i)) + ls;
        if (smoothing > 0) {
            XT_VREAL gap = XT_SPLAT(0);
            for (ptrdiff_t j = 0; j < n; j++) gap += m - XT_LOAD(t + j * BR + i);
            l = (XT_REAL)(1.0 - smoothing) * l +
                (XT_REAL)smoothing * (gap * (XT_REAL)(1.0 / (double)n) + ls);
        }
        XT_STORE(loss_v + i, l);
    }
}

/* label_entry from a columnar block's stored exp e_y = exp(x_y - m) */
static inline void FN(cols_label_entry)(XT_REAL *g, XT_REAL *h, int64_t y, double ga,
                                        double smoothing, ptrdiff_t n, XT_REAL e_y, XT_REAL inv_s,
                                        XT_REAL q_max)
{
    const double p_y = (double)e_y * (double)inv_s;
    const double q_y = e_y == 1 ? (double)q_max : 1.0 - p_y;
    FN(label_entry)(g, h, y, ga, smoothing, n, p_y, q_y);
}

static double FN(sparse_softmax_small)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x;
    const double smoothing = a->smoothing;
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    FN(cols_t) B;
    XT_REAL loss_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        FN(cols_load)(x, a->ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, want_grad, 0);
        FN(cols_label_loss)(B.t, B.m, B.log_s, n, B.rows, a->labels + i0, smoothing, loss_v);
        for (ptrdiff_t i = 0; i < B.rows; i++) {
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
                loss = FN(softmax_ce_limits)(x + row * a->ldx, n, y, NULL, NULL, NULL, 0, NULL,
                                             smoothing, ga, g, h);
            } else if (want_grad) {
                const XT_REAL gaR = (XT_REAL)ga, inv_s = B.inv_s[i],
                              gu = gaR * (XT_REAL)(smoothing / (double)n);
                const XT_REAL q_max = B.q_max[i], h_max = gaR * inv_s * q_max;
                /* Not sparse_row_grad: these stats are XT_REAL (cols_load) where
                 * sparse_row_grad forms h at the max and p_y in float64 from
                 * float64 stats, so float32 results would move by an ulp.
                 * Separate loops: g comes out bit-identical with or without h. */
                if (g)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_REAL e = B.e[j * BR + i];
                        g[j] = e == 1 ? (gaR - gu) - gaR * q_max : gaR * (e * inv_s) - gu;
                    }
                if (h)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_REAL p = B.e[j * BR + i] * inv_s;
                        h[j] = B.e[j * BR + i] == 1 ? h_max : gaR * p * (1 - p);
                    }
                FN(cols_label_entry)(g, h, y, ga, smoothing, n, B.e[y * BR + i], inv_s, q_max);
            }
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
            total += w * loss;
        }
    }
    return total;
}

/* Sparse CE on two-class rows, XT_NLANES rows per step. A step holding an ignored
 * row or a non-finite result is redone by the columnar kernel. */
static double FN(sparse_softmax_pairs)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const XT_REAL *x = (const XT_REAL *)a->x;
    const XT_REAL smoothing = (XT_REAL)a->smoothing, half_smoothing = (XT_REAL)(a->smoothing / 2);
    XT_REAL *g_out = (XT_REAL *)a->grad_out, *h_out = (XT_REAL *)a->hess_out;
    double total = 0.0;
    XT_VACC acc = { 0 };
    for (ptrdiff_t i = r0; i < r1; i += XT_NLANES) {
        const XT_VINT y = XT_LOAD_LABELS(a->labels + i);
        const XT_VINT is_b = y == 1;
        const XT_VREAL w = a->row_weight ? XT_LOAD_WEIGHTS(a->row_weight + i) : XT_SPLAT(1);
        XT_VREAL va, vb;
        FN(load_pairs)(x, i, &va, &vb);
        XT_VREAL e = FN(pair_e)(va, vb);
        XT_VREAL m = FN(vmax)(va, vb);
        XT_VREAL ls = XT_VLOG1P_UNIT(e);
        XT_VREAL gap = m - XT_SELECT(is_b, vb, va); /* m - x_y */
        XT_VREAL loss = gap + ls;
        if (a->smoothing > 0)
            loss = (1 - smoothing) * loss + smoothing * (FN(vabs)(va - vb) * (XT_REAL)0.5 + ls);
        if (XT_ANY((y < 0) | (loss - loss != 0))) { /* ignored rows, inf, NaN */
            total += FN(sparse_softmax_small)(a, i, i + XT_NLANES);
            continue;
        }
        XT_VREAL wl = w * loss;
        XT_ACCUMULATE(&acc, wl);
        if (a->loss_out) XT_STORE((XT_REAL *)a->loss_out + i, wl);
        if (g_out || h_out) {
            XT_VREAL inv_s = 1 / (1 + e);
            XT_VINT a_max = va >= vb; /* ties: either is the max */
            XT_VREAL p_a = XT_SELECT(a_max, inv_s, e * inv_s),
                     q_a = XT_SELECT(a_max, e * inv_s, inv_s);
            XT_VREAL ga = w * (XT_REAL)a->grad_scale;
            if (g_out) {
                XT_VREAL g_a = ga * XT_SELECT(is_b, p_a - half_smoothing, half_smoothing - q_a);
                XT_VREAL g_b = ga * XT_SELECT(is_b, half_smoothing - p_a, q_a - half_smoothing);
                FN(store_pairs)(g_out, i, g_a, g_b);
            }
            if (h_out) {
                XT_VREAL hv = ga * p_a * q_a;
                FN(store_pairs)(h_out, i, hv, hv);
            }
        }
    }
    for (ptrdiff_t l = 0; l < (ptrdiff_t)(sizeof acc / sizeof(double)); l++) total += acc[l];
    return total;
}

static double FN(dense_softmax_small)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x, *c = (const XT_REAL *)a->col_weight;
    const double smoothing = a->smoothing;
    const XT_REAL keep = (XT_REAL)(1.0 - smoothing), unif = (XT_REAL)(smoothing / (double)n);
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    FN(cols_t) B;
    XT_REAL tt[SMALL_C * BR], gg[SMALL_C * BR], hh[SMALL_C * BR], loss_v[BR], S_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        FN(cols_load)(x, a->ldx, n, i0, rows, &B, want_grad, 0);
        for (ptrdiff_t r = 0; r < rows; r++)
            for (ptrdiff_t j = 0; j < n; j++)
                tt[j * BR + r] = ((const XT_REAL *)a->t)[(i0 + r) * a->ldt + j];
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t r = rows; r < BR; r++) tt[j * BR + r] = 0;
        for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
            const XT_VREAL m = XT_LOAD(B.m + r);
            XT_VREAL gap = XT_SPLAT(0), S = XT_SPLAT(0);
            for (ptrdiff_t j = 0; j < n; j++) {
                const XT_VREAL tw =
                    (c ? c[j] : (XT_REAL)1) * (keep * XT_LOAD(tt + j * BR + r) + unif);
                gap += FN(clear)(tw == 0, tw * (m - XT_LOAD(B.t + j * BR + r)));
                S += tw;
            }
            XT_STORE(loss_v + r, gap + S * XT_LOAD(B.log_s + r));
            XT_STORE(S_v + r, S);
        }
        if (want_grad) {
            for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
                XT_VREAL ga = XT_SPLAT((XT_REAL)a->grad_scale);
                if (a->row_weight)
                    for (ptrdiff_t l = 0; l < XT_NLANES && r + l < rows; l++)
                        ga[l] = (XT_REAL)(a->row_weight[i0 + r + l] * a->grad_scale);
                const XT_VREAL gs = ga * XT_LOAD(S_v + r), inv_s = XT_LOAD(B.inv_s + r),
                               q_max = XT_LOAD(B.q_max + r);
                for (ptrdiff_t j = 0; j < n; j++) {
                    const XT_VREAL e = XT_LOAD(B.e + j * BR + r), p = e * inv_s;
                    const XT_VREAL tw = (c ? c[j] : (XT_REAL)1) *
                                        (ga * unif + ga * keep * XT_LOAD(tt + j * BR + r));
                    const XT_VINT at_max = e == 1;
                    XT_STORE(hh + j * BR + r,
                             XT_SELECT(at_max, gs * inv_s * q_max, gs * p * (1 - p)));
                    XT_STORE(gg + j * BR + r,
                             XT_SELECT(at_max, (gs - tw) - gs * q_max, gs * p - tw));
                }
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const double w = FN(row_weight)(a, row);
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                loss = FN(softmax_ce_limits)(x + row * a->ldx, n, -1,
                                             (const XT_REAL *)a->t + row * a->ldt, NULL, NULL, 0,
                                             c, smoothing, w * a->grad_scale, g, h);
            } else {
                if (g)
                    for (ptrdiff_t j = 0; j < n; j++) g[j] = gg[j * BR + i];
                if (h)
                    for (ptrdiff_t j = 0; j < n; j++) h[j] = hh[j * BR + i];
            }
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
            total += w * loss;
        }
    }
    return total;
}
