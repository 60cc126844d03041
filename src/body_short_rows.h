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

/* Design E, transposes: rows l < rows (at most XT_NLANES) of n columns, row
 * l at x + l*ldx, into column vectors dst[j*ld .. j*ld + XT_NLANES) (rows
 * past `rows`: 0), with one (masked) load per row and an in-register
 * transpose: XT_NLANES x XT_NLANES per chunk of XT_NLANES columns, or, for
 * n <= XT_NLANES/2, two rows per vector and half the shuffles. Not inlined:
 * one copy per dtype and target (the unrolled shuffles are long to compile,
 * emulated on SSE2 for emu512) and a call per XT_NLANES rows costs nothing. */
__attribute__((noinline)) static void FN(gather_cols)(const XT_REAL *x, ptrdiff_t ldx, ptrdiff_t n,
                                                      ptrdiff_t rows, XT_REAL *dst, ptrdiff_t ld)
{
    if (2 * n <= XT_NLANES) {
        XT_VREAL v[XT_NLANES / 2];
        _Pragma("GCC unroll 8") for (ptrdiff_t l = 0; l < XT_NLANES / 2; l++)
        {
            const ptrdiff_t l2 = l + XT_NLANES / 2;
            const XT_VREAL a = l < rows ? XT_LOAD_PART(x + l * ldx, n, 0) : XT_SPLAT(0);
            const XT_VREAL b = l2 < rows ? XT_LOAD_PART(x + l2 * ldx, n, 0) : XT_SPLAT(0);
            v[l] = XT_CONCAT_LO(a, b);
        }
        XT_HALF_TRANSPOSE(v);
        _Pragma("GCC unroll 8") for (ptrdiff_t j = 0; j < XT_NLANES / 2; j++) if (j < n)
            XT_STORE(dst + j * ld, v[j]);
        return;
    }
    for (ptrdiff_t c0 = 0; c0 < n; c0 += XT_NLANES) {
        const ptrdiff_t w = FN(min_p)(XT_NLANES, n - c0);
        XT_VREAL v[XT_NLANES];
        _Pragma("GCC unroll 16") for (ptrdiff_t l = 0; l < XT_NLANES; l++) v[l] =
            l < rows ? (w == XT_NLANES ? XT_LOAD(x + l * ldx + c0)
                                       : XT_LOAD_PART(x + l * ldx + c0, w, 0))
                     : XT_SPLAT(0);
        XT_TRANSPOSE(v);
        _Pragma("GCC unroll 16") for (ptrdiff_t j = 0; j < XT_NLANES; j++) if (j < w)
            XT_STORE(dst + (c0 + j) * ld, v[j]);
    }
}

/* The inverse: column vectors src[j*ld ..] to rows l < rows of o (row l at
 * o + l*ldo), n columns each, with masked stores. */
__attribute__((noinline)) static void FN(scatter_cols)(const XT_REAL *src, ptrdiff_t ld,
                                                       ptrdiff_t n, ptrdiff_t rows, XT_REAL *o,
                                                       ptrdiff_t ldo)
{
    if (2 * n <= XT_NLANES) {
        XT_VREAL v[XT_NLANES / 2];
        _Pragma("GCC unroll 8") for (ptrdiff_t j = 0; j < XT_NLANES / 2; j++) v[j] =
            j < n ? XT_LOAD(src + j * ld) : XT_SPLAT(0);
        XT_HALF_TRANSPOSE(v);
        _Pragma("GCC unroll 8") for (ptrdiff_t l = 0; l < XT_NLANES / 2; l++)
        {
            const ptrdiff_t l2 = l + XT_NLANES / 2;
            if (l < rows) XT_STORE_PART(o + l * ldo, v[l], n);
            if (l2 < rows) XT_STORE_PART(o + l2 * ldo, XT_HIGH_DOWN(v[l]), n);
        }
        return;
    }
    for (ptrdiff_t c0 = 0; c0 < n; c0 += XT_NLANES) {
        const ptrdiff_t w = FN(min_p)(XT_NLANES, n - c0);
        XT_VREAL v[XT_NLANES];
        _Pragma("GCC unroll 16") for (ptrdiff_t j = 0; j < XT_NLANES; j++) v[j] =
            j < w ? XT_LOAD(src + (c0 + j) * ld) : XT_SPLAT(0);
        XT_TRANSPOSE(v);
        _Pragma("GCC unroll 16") for (ptrdiff_t l = 0; l < XT_NLANES; l++) if (l < rows)
        {
            if (w == XT_NLANES)
                XT_STORE(o + l * ldo + c0, v[l]);
            else
                XT_STORE_PART(o + l * ldo + c0, v[l], w);
        }
    }
}

/* Row i of a columnar block, back in a row (the limits paths read rows; the
 * output rows may alias x and are already written). */
static inline void FN(cols_row)(const XT_REAL *t, ptrdiff_t n, ptrdiff_t i, XT_REAL *row)
{
    for (ptrdiff_t j = 0; j < n; j++) row[j] = t[j * BR + i];
}

static void FN(cols_load)(const XT_REAL *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                          ptrdiff_t rows, FN(cols_t) *B, int want_e, int full)
{
    B->rows = rows;
    for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
        FN(gather_cols)(x + (r0 + r) * ldx, ldx, n, rows - r, B->t + r, BR);
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
    /* the labelled logit of each row (a select per column, XT_NLANES rows at
     * a time; m for ignored rows), then the loss of XT_NLANES rows at a time */
    for (ptrdiff_t i = 0; i < BR; i += XT_NLANES) {
        XT_VREAL m = XT_LOAD(m_row + i), ls = XT_LOAD(log_s + i), xy = m;
        if (i + XT_NLANES <= rows) {
            const XT_VINT yv = XT_LOAD_LABELS(labels + i);
            for (ptrdiff_t j = 0; j < n; j++)
                xy = XT_SELECT(yv == (XT_LANE_INT)j, XT_LOAD(t + j * BR + i), xy);
        } else {
            for (ptrdiff_t l = 0; l < XT_NLANES && i + l < rows; l++) {
                const int64_t y = labels[i + l];
                if (y >= 0) xy[l] = t[y * BR + i + l];
            }
        }
        XT_VREAL l = (m - xy) + ls;
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
    XT_VACC acc = { 0 };
    FN(cols_t) B;
    XT_REAL loss_v[BR], gg[SMALL_C * BR], hh[SMALL_C * BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        FN(cols_load)(x, a->ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, want_grad, 0);
        FN(cols_label_loss)(B.t, B.m, B.log_s, n, B.rows, a->labels + i0, smoothing, loss_v);
        if (want_grad) { /* XT_NLANES rows per op, columnar; then transposed back */
            const XT_REAL unif = (XT_REAL)(smoothing / (double)n);
            for (ptrdiff_t r = 0; r < B.rows; r += XT_NLANES) {
                XT_VREAL ga = XT_SPLAT((XT_REAL)a->grad_scale);
                if (a->row_weight)
                    for (ptrdiff_t l = 0; l < XT_NLANES && r + l < B.rows; l++)
                        ga[l] = (XT_REAL)(a->row_weight[i0 + r + l] * a->grad_scale);
                const XT_VREAL gu = ga * unif, inv_s = XT_LOAD(B.inv_s + r),
                               q_max = XT_LOAD(B.q_max + r);
                const XT_VREAL g_max = (ga - gu) - ga * q_max, h_max = ga * inv_s * q_max;
                /* Not sparse_row_grad: these stats are XT_REAL (cols_load) where
                 * sparse_row_grad forms h at the max and p_y in float64 from
                 * float64 stats, so float32 results would move by an ulp. g does
                 * not depend on h: bit-identical with or without h. */
                /* separate loops: g comes out bit-identical with or without h (one
                 * product ga * p shared with h would change how g is contracted) */
                if (a->grad_out)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_VREAL e = XT_LOAD(B.e + j * BR + r);
                        XT_STORE(gg + j * BR + r, XT_SELECT(e == 1, g_max, ga * (e * inv_s) - gu));
                    }
                if (a->hess_out)
                    for (ptrdiff_t j = 0; j < n; j++) {
                        const XT_VREAL e = XT_LOAD(B.e + j * BR + r), p = e * inv_s;
                        XT_STORE(hh + j * BR + r, XT_SELECT(e == 1, h_max, ga * p * (1 - p)));
                    }
                if (a->grad_out)
                    FN(scatter_cols)(gg + r, BR, n, B.rows - r,
                                     (XT_REAL *)a->grad_out + (i0 + r) * a->ldg, a->ldg);
                if (a->hess_out)
                    FN(scatter_cols)(hh + r, BR, n, B.rows - r,
                                     (XT_REAL *)a->hess_out + (i0 + r) * a->ldh, a->ldh);
            }
        }
        for (ptrdiff_t i = 0; i < B.rows; i++) {
            if (!want_grad && i % XT_NLANES == 0 && i + XT_NLANES <= B.rows) {
                /* loss only, XT_NLANES rows with labels and finite maxima: one step */
                const XT_VINT yv = XT_LOAD_LABELS(a->labels + i0 + i);
                const XT_VREAL m = XT_LOAD(B.m + i);
                if (!XT_ANY((yv < 0) | (m - m != 0))) {
                    const XT_VREAL w =
                        a->row_weight ? XT_LOAD_WEIGHTS(a->row_weight + i0 + i) : XT_SPLAT(1);
                    const XT_VREAL wl = w * XT_LOAD(loss_v + i);
                    if (a->loss_out) XT_STORE((XT_REAL *)a->loss_out + i0 + i, wl);
                    XT_ACCUMULATE(&acc, wl);
                    i += XT_NLANES - 1;
                    continue;
                }
            }
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
                XT_REAL xr[SMALL_C]; /* g may alias x and is written: the block's copy */
                FN(cols_row)(B.t, n, i, xr);
                loss = FN(softmax_ce_limits)(xr, n, y, NULL, NULL, NULL, 0, NULL, smoothing, ga, g,
                                             h);
            } else if (want_grad) {
                FN(cols_label_entry)(g, h, y, ga, smoothing, n, B.e[y * BR + i], B.inv_s[i],
                                     B.q_max[i]);
            }
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
            total += w * loss;
        }
    }
    for (ptrdiff_t l = 0; l < (ptrdiff_t)(sizeof acc / sizeof(double)); l++) total += acc[l];
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
        for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
            FN(gather_cols)((const XT_REAL *)a->t + (i0 + r) * a->ldt, a->ldt, n, rows - r, tt + r,
                            BR);
            if (a->neg_target_row) { /* the sign check; rows past `rows` hold 0 */
                XT_VINT neg = { 0 };
                for (ptrdiff_t j = 0; j < n; j++) neg |= XT_LOAD(tt + j * BR + r) < 0;
                for (ptrdiff_t l = 0; l < XT_NLANES && XT_ANY(neg); l++)
                    if (neg[l]) {
                        FN(report_neg_row)(a, i0 + r + l);
                        break;
                    }
            }
        }
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
                if (r < rows && a->grad_out)
                    FN(scatter_cols)(gg + r, BR, n, rows - r,
                                     (XT_REAL *)a->grad_out + (i0 + r) * a->ldg, a->ldg);
                if (r < rows && a->hess_out)
                    FN(scatter_cols)(hh + r, BR, n, rows - r,
                                     (XT_REAL *)a->hess_out + (i0 + r) * a->ldh, a->ldh);
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            XT_REAL *g = FN(row_ptr)(a->grad_out, a->ldg, row);
            XT_REAL *h = FN(row_ptr)(a->hess_out, a->ldh, row);
            const double w = FN(row_weight)(a, row);
            double loss = loss_v[i];
            if (!isfinite(B.m[i])) {
                XT_REAL xr[SMALL_C]; /* g may alias x and is written: the block's copy */
                FN(cols_row)(B.t, n, i, xr);
                loss = FN(softmax_ce_limits)(xr, n, -1, (const XT_REAL *)a->t + row * a->ldt, NULL,
                                             NULL, 0, c, smoothing, w * a->grad_scale, g, h);
            }
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = (XT_REAL)(w * loss);
            total += w * loss;
        }
    }
    return total;
}
