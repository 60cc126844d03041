/* body_short_rows.h -- rows shorter than SMALL_C, columnar blocks (Design E
 * of body_common.h), and two-class rows, NL rows per vector step; with the
 * short-row softmax cross-entropy kernels that the row kernels hand off to. */

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

static void FN(cols_load)(const R *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0, ptrdiff_t rows,
                          FN(cols_t) *B, int want_e, int full)
{
    B->rows = rows;
    for (ptrdiff_t r = 0; r < rows; r++)
        for (ptrdiff_t j = 0; j < n; j++) B->t[j * BR + r] = x[(r0 + r) * ldx + j];
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t r = rows; r < BR; r++) B->t[j * BR + r] = 0;
    for (ptrdiff_t r = 0; r < BR; r += NL) {
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

static double FN(sparse_softmax_small)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const ptrdiff_t n = a->n_cols;
    const R *x = (const R *)a->x;
    const double eps = a->smoothing;
    const int want_grad = a->grad_out || a->hess_out;
    double total = 0.0;
    FN(cols_t) B;
    R loss_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        FN(cols_load)(x, a->ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, want_grad, 0);
        /* the labelled logit of each row, then the loss of NL rows at a time */
        for (ptrdiff_t i = 0; i < BR; i++) {
            const int64_t y = i < B.rows ? a->labels[i0 + i] : -1;
            loss_v[i] = y >= 0 ? B.t[y * BR + i] : B.m[i];
        }
        for (ptrdiff_t i = 0; i < BR; i += NL) {
            VR m = LD(B.m + i), ls = LD(B.log_s + i);
            VR l = (m - LD(loss_v + i)) + ls;
            if (eps > 0) {
                VR gap = SPLAT(0);
                for (ptrdiff_t j = 0; j < n; j++) gap += m - LD(B.t + j * BR + i);
                l = (R)(1.0 - eps) * l + (R)eps * (gap * (R)(1.0 / (double)n) + ls);
            }
            ST(loss_v + i, l);
        }
        for (ptrdiff_t i = 0; i < B.rows; i++) {
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
                loss = FN(softmax_ce_limits)(x + row * a->ldx, n, y, NULL, NULL, NULL, 0, NULL,
                                             eps, ga, g, h);
            } else if (want_grad) {
                const R gaR = (R)ga, inv_s = B.inv_s[i], gu = gaR * (R)(eps / (double)n);
                const R q_max = B.q_max[i], h_max = gaR * inv_s * q_max;
                /* separate loops: g comes out bit-identical with or without h */
                if (g)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const R e = B.e[j * BR + i];
                        g[j] = e == 1 ? (gaR - gu) - gaR * q_max : gaR * (e * inv_s) - gu;
                    }
                if (h)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const R p = B.e[j * BR + i] * inv_s;
                        h[j] = B.e[j * BR + i] == 1 ? h_max : gaR * p * (1 - p);
                    }
                const R e_y = B.e[y * BR + i];
                const double p_y = (double)e_y * (double)inv_s;
                const double q_y = e_y == 1 ? (double)q_max : 1.0 - p_y;
                if (g) g[y] = (R)(ga * (eps * (1.0 - 1.0 / (double)n) - q_y));
                if (h) h[y] = (R)(ga * p_y * q_y);
            }
            if (a->loss_out) ((R *)a->loss_out)[row] = (R)(w * loss);
            total += w * loss;
        }
    }
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
        for (ptrdiff_t r = 0; r < rows; r++)
            for (ptrdiff_t j = 0; j < n; j++)
                tt[j * BR + r] = ((const R *)a->t)[(i0 + r) * a->ldt + j];
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t r = rows; r < BR; r++) tt[j * BR + r] = 0;
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
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            R *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            R *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const double w = FN(row_weight)(a, row);
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                loss =
                    FN(softmax_ce_limits)(x + row * a->ldx, n, -1, (const R *)a->t + row * a->ldt,
                                          NULL, NULL, 0, c, eps, w * a->grad_scale, g, h);
            } else {
                if (g)
                    for (ptrdiff_t j = 0; j < n; j++) g[j] = gg[j * BR + i];
                if (h)
                    for (ptrdiff_t j = 0; j < n; j++) h[j] = hh[j * BR + i];
            }
            if (a->loss_out) ((R *)a->loss_out)[row] = (R)(w * loss);
            total += w * loss;
        }
    }
    return total;
}
