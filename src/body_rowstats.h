/* body_rowstats.h -- per-row statistics for scoring, from one read of the row.
 *
 * Included at the end of kernels_body.h, so once per dtype and ISA, with the
 * same macros (XT_REAL, XT_VREAL, XT_NLANES, ...) and helpers (row stats, columnar blocks,
 * limits path).
 *
 * Design:
 * A. Scoring a chunk of logits needs, per row: the loss lse - x_y, the
 *    argmax, the rank of the true class (top-k), the top-label probability
 *    1/s and the squared error of the probability row (Brier). NumPy spends
 *    a pass over the logits on each (argmax, compare-and-count, exp,
 *    square-sum). Here a row is read from memory once (the max pass); the
 *    exp pass and the compare passes find it in L1. Outputs not asked for
 *    (NULL) are not computed, and without loss / p_top / sq no exp is taken:
 *    an argmax costs a max pass and a search for the first maximal entry.
 *    The score at the argmax (`top`, NaN for a row holding NaN) lets a
 *    caller check a whole array for NaN from n values instead of n*C.
 * B. The loss comes from the same operations in the same order as
 *    sparse_softmax_ce (max, then the Design A/C sums of body_common.h; the
 *    columnar block for C < SMALL_C; the pair formula for contiguous C = 2
 *    rows, in the same row blocks when the driver cuts rows as the loss
 *    driver does), so it is bit-identical to
 *    sparse_softmax_cross_entropy(reduction="none").
 * C. Rank = #{j <= y: x_j > x_y} + #{j > y: x_j >= x_y}: the number of
 *    scores sorted before the label's by a stable ascending sort read
 *    backwards, which is how scikit-learn's top_k_accuracy_score breaks
 *    ties (an equal score at a larger column ranks first). The label is in
 *    the top k iff rank < k. One comparison per element.
 * D. Squared error sum_j (p_j - [j = y])^2 = sum_{j != y} e_j^2 / s^2
 *    + (1 - p_y)^2, e_j = exp(x_j - m). The max entries' e_j = 1 are counted
 *    exactly (as s = k + s_o, Design A of body_common.h), and 1 - p_y is
 *    (s - 1)/s when y is at the max, so a confident right prediction keeps
 *    its small error instead of cancelling sum p^2 - 2 p_y + 1.
 * E. Rows holding NaN or a non-finite max take the scalar limits path:
 *    argmax is the first NaN (np.argmax), the loss the sparse CE limit,
 *    p_top / sq NaN for NaN or all -inf rows, the k entries at +inf sharing
 *    probability 1/k. Comparisons with NaN are false in the rank.
 * F. Probabilities (a->probabilities): argmax, rank, p_top = max and sq
 *    from the values as given, in float64; no loss.
 */

/* ---- helpers ------------------------------------------------------------ */

/* row_max (same order of operations) that also reports a NaN anywhere */
static XT_REAL FN(rs_row_max)(const XT_REAL *x, ptrdiff_t n, int *nan_out)
{
    if (n < XT_NLANES) {
        XT_VREAL v = XT_LOAD_PART(x, n, -INFINITY);
        *nan_out = XT_ANY(v != v);
        return FN(hmax)(v);
    }
    XT_VREAL m0 = XT_SPLAT(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    XT_VINT bad = { 0 };
    ptrdiff_t j = 0;
    for (; j + 4 * XT_NLANES <= n; j += 4 * XT_NLANES) {
        XT_VREAL v0 = XT_LOAD(x + j), v1 = XT_LOAD(x + j + XT_NLANES),
                 v2 = XT_LOAD(x + j + 2 * XT_NLANES), v3 = XT_LOAD(x + j + 3 * XT_NLANES);
        bad |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3);
        m0 = FN(vmax)(m0, v0);
        m1 = FN(vmax)(m1, v1);
        m2 = FN(vmax)(m2, v2);
        m3 = FN(vmax)(m3, v3);
    }
    for (; j + XT_NLANES <= n; j += XT_NLANES) {
        XT_VREAL v = XT_LOAD(x + j);
        bad |= v != v;
        m0 = FN(vmax)(m0, v);
    }
    if (j < n) {
        XT_VREAL v = XT_LOAD(x + n - XT_NLANES);
        bad |= v != v;
        m1 = FN(vmax)(m1, v);
    }
    *nan_out = XT_ANY(bad);
    return FN(hmax)(FN(vmax)(FN(vmax)(m0, m1), FN(vmax)(m2, m3)));
}

/* first j with x_j == m (m is an element of the row) */
static ptrdiff_t FN(rs_first_eq)(const XT_REAL *x, ptrdiff_t n, XT_REAL m)
{
    const XT_VREAL vm = XT_SPLAT(m);
    ptrdiff_t j = 0;
    for (; j + XT_NLANES <= n; j += XT_NLANES) {
        XT_VINT eq = XT_LOAD(x + j) == vm;
        if (XT_ANY(eq))
            for (ptrdiff_t l = 0; l < XT_NLANES; l++)
                if (eq[l]) return j + l;
    }
    for (; j < n; j++)
        if (x[j] == m) return j;
    return 0;
}

/* Design C */
static int64_t FN(rs_rank)(const XT_REAL *x, ptrdiff_t n, int64_t y)
{
    const XT_VREAL vy = XT_SPLAT(x[y]);
    XT_VINT iota, cnt = { 0 };
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) iota[l] = (XT_LANE_INT)l;
    ptrdiff_t j = 0;
    for (; j + XT_NLANES <= n; j += XT_NLANES) {
        XT_VREAL v = XT_LOAD(x + j);
        XT_VINT after = (iota + (XT_LANE_INT)j) > (XT_LANE_INT)y;
        cnt -= (after & (v >= vy)) | (~after & (v > vy));
    }
    if (j < n) {
        XT_VREAL v = XT_LOAD_PART(x + j, n - j, 0);
        XT_VINT after = (iota + (XT_LANE_INT)j) > (XT_LANE_INT)y;
        cnt -= ((after & (v >= vy)) | (~after & (v > vy))) & FN(lane_lt)(n - j);
    }
    int64_t r = 0;
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) r += (int64_t)cnt[l];
    return r;
}

/* sum_exp_below (same operations, same order: the same s_o bit for bit)
 * that also sums the squares of the exps below the max into *q_out. */
static double FN(rs_sum_exp_sq_below)(const XT_REAL *x, ptrdiff_t n, XT_REAL m, double *k_out,
                                      double *q_out, const XT_REAL *pf)
{
    const XT_VREAL vm = XT_SPLAT(m);
    XT_VINT kc = { 0 };
    double total = 0.0, qtotal = 0.0;
    ptrdiff_t j = 0;
    while (j + XT_NLANES <= n) {
        const ptrdiff_t end = FN(min_p)(n, j + XT_CHUNK);
        XT_VREAL a0 = XT_SPLAT(0), a1 = XT_SPLAT(0), q0 = XT_SPLAT(0), q1 = XT_SPLAT(0);
        for (; j + 2 * XT_NLANES <= end; j += 2 * XT_NLANES) {
            if (pf) __builtin_prefetch(pf + j, 0, 3);
            XT_VREAL d0 = XT_LOAD(x + j) - vm, d1 = XT_LOAD(x + j + XT_NLANES) - vm;
            XT_VREAL x0 = XT_VEXP_NONPOS(d0), x1 = XT_VEXP_NONPOS(d1);
            XT_VINT e0 = d0 == 0, e1 = d1 == 0;
            XT_VREAL c0 = FN(clear)(e0, x0), c1 = FN(clear)(e1, x1);
            a0 += c0;
            a1 += c1;
            q0 += c0 * c0;
            q1 += c1 * c1;
            kc -= e0 + e1;
        }
        for (; j + XT_NLANES <= end; j += XT_NLANES) {
            XT_VREAL d0 = XT_LOAD(x + j) - vm;
            XT_VREAL x0 = XT_VEXP_NONPOS(d0);
            XT_VINT e0 = d0 == 0;
            XT_VREAL c0 = FN(clear)(e0, x0);
            a0 += c0;
            q0 += c0 * c0;
            kc -= e0;
        }
        total += FN(hsum)(a0 + a1);
        qtotal += FN(hsum)(q0 + q1);
    }
    if (j < n) {
        XT_VREAL d;
        XT_VINT skip;
        if (n < XT_NLANES) {
            d = XT_LOAD_PART(x + j, n - j, -INFINITY) - vm;
            skip = ~FN(lane_lt)(n - j);
        } else { /* re-read the last full vector, as sum_exp_below */
            d = XT_LOAD(x + n - XT_NLANES) - vm;
            skip = FN(lane_lt)(XT_NLANES - (n - j));
        }
        XT_VREAL ex = XT_VEXP_NONPOS(d);
        XT_VINT eq = (d == 0) & ~skip;
        XT_VREAL c = FN(clear)(skip | eq, ex);
        total += FN(hsum)(c);
        qtotal += FN(hsum)(c * c);
        kc -= eq;
    }
    double k = 0.0;
    for (ptrdiff_t l = 0; l < XT_NLANES; l++) k += (double)kc[l];
    *k_out = k;
    *q_out = qtotal;
    return total;
}

/* ---- the limits path (Design E) -------------------------------------------- */

static int64_t FN(rs_rank_scalar)(const XT_REAL *x, ptrdiff_t n, int64_t y)
{
    const XT_REAL xy = x[y];
    int64_t r = 0;
    for (ptrdiff_t j = 0; j < n; j++) r += j <= y ? x[j] > xy : x[j] >= xy;
    return r;
}

static void FN(rs_row_limits)(const xentc_rowstats_args *a, const XT_REAL *x, ptrdiff_t n,
                              ptrdiff_t i)
{
    const int64_t y = a->labels ? a->labels[i] : -1;
    FN(limits_t) L;
    FN(limits)(x, n, &L);
    if (a->argmax_out || a->top_out) {
        ptrdiff_t am = 0;
        if (L.nan)
            while (x[am] == x[am]) am++;
        else
            while ((double)x[am] != L.m) am++;
        if (a->argmax_out) a->argmax_out[i] = am;
        if (a->top_out) ((XT_REAL *)a->top_out)[i] = x[am];
    }
    if (a->rank_out) a->rank_out[i] = FN(rs_rank_scalar)(x, n, y);
    if (a->loss_out)
        ((XT_REAL *)a->loss_out)[i] = (XT_REAL)FN(softmax_ce_limits)(x, n, y, NULL, NULL, NULL, 0,
                                                                     NULL, 0.0, 0.0, NULL, NULL);
    if (!a->p_top_out && !a->sq_out) return;
    double top = NAN, sq = NAN;
    if (!L.nan && !L.undefined) {
        top = 0.0;
        sq = 0.0;
        for (ptrdiff_t j = 0; j < n; j++) {
            const double p = exp(FN(limit_lp)(&L, x[j]));
            const double d = p - (j == y ? 1.0 : 0.0);
            top = p > top ? p : top;
            sq += d * d;
        }
    }
    if (a->p_top_out) ((XT_REAL *)a->p_top_out)[i] = (XT_REAL)top;
    if (a->sq_out) a->sq_out[i] = sq;
}

/* ---- rows of SMALL_C or more logits ---------------------------------------- */

static void FN(rs_row)(const xentc_rowstats_args *a, ptrdiff_t i, int need_exp)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
    const int64_t y = a->labels ? a->labels[i] : -1;
    int nan;
    FN(stats_t) st;
    st.m = FN(rs_row_max)(x, n, &nan);
    if (nan || !isfinite(st.m)) {
        FN(rs_row_limits)(a, x, n, i);
        return;
    }
    if (a->argmax_out) a->argmax_out[i] = FN(rs_first_eq)(x, n, st.m);
    if (a->top_out) ((XT_REAL *)a->top_out)[i] = st.m;
    if (a->rank_out) a->rank_out[i] = FN(rs_rank)(x, n, y);
    if (!need_exp) return;
    double q;
    const XT_REAL *pf = i + 1 < a->n_rows ? x + a->ldx : NULL;
    st.s_o = FN(rs_sum_exp_sq_below)(x, n, st.m, &st.k, &q, pf);
    FN(finish_stats)(&st);
    if (a->loss_out) {
        const double xy = x[y];
        ((XT_REAL *)a->loss_out)[i] =
            (XT_REAL)(((double)st.m - xy) + st.log_s); /* as sparse_row_loss */
    }
    if (a->p_top_out) ((XT_REAL *)a->p_top_out)[i] = (XT_REAL)st.inv_s;
    if (a->sq_out) {
        /* Design D: sum_{j != y} e_j^2 and 1 - p_y without cancellation */
        double others = st.k + q, one_minus = 0.0;
        if (y >= 0 && x[y] == st.m) {
            others = (st.k - 1.0) + q;
            one_minus = st.s_m1 * st.inv_s;
        } else if (y >= 0) {
            const double e_y = exp((double)x[y] - (double)st.m);
            const double rest = q - e_y * e_y; /* q holds e_y^2 up to lane rounding */
            others = st.k + (rest > 0 ? rest : 0.0);
            one_minus = 1.0 - e_y * st.inv_s;
        }
        a->sq_out[i] = others * st.inv_s * st.inv_s + (y >= 0 ? one_minus * one_minus : 0.0);
    }
}

/* ---- rows shorter than SMALL_C: columnar blocks (Design E of body_common.h) */

static void FN(rs_small)(const xentc_rowstats_args *a, ptrdiff_t r0, ptrdiff_t r1, int need_exp)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x;
    const int have_y = a->labels != NULL;
    FN(cols_t) B;
    XT_REAL xy_v[BR], ey_v[BR], loss_v[BR], sq_v[BR];
    XT_LANE_INT y_v[BR], am_v[BR], rk_v[BR], nan_v[BR];
    for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
        const ptrdiff_t rows = FN(min_p)(BR, r1 - i0);
        if (need_exp) {
            FN(cols_load)(x, a->ldx, n, i0, rows, &B, a->sq_out != NULL, 0);
        } else { /* the transpose and the maxima only: no exp */
            B.rows = rows;
            for (ptrdiff_t r = 0; r < rows; r++)
                for (ptrdiff_t j = 0; j < n; j++) B.t[j * BR + r] = x[(i0 + r) * a->ldx + j];
            for (ptrdiff_t j = 0; j < n; j++)
                for (ptrdiff_t r = rows; r < BR; r++) B.t[j * BR + r] = 0;
            for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
                XT_VREAL m = XT_LOAD(B.t + r);
                for (ptrdiff_t j = 1; j < n; j++) m = FN(vmax)(m, XT_LOAD(B.t + j * BR + r));
                XT_STORE(B.m + r, m);
            }
        }
        for (ptrdiff_t i = 0; i < BR; i++) {
            const int64_t y = have_y && i < rows ? a->labels[i0 + i] : 0;
            y_v[i] = (XT_LANE_INT)y;
            xy_v[i] = B.t[y * BR + i];
            ey_v[i] = need_exp && a->sq_out ? B.e[y * BR + i] : 0;
        }
        for (ptrdiff_t r = 0; r < BR; r += XT_NLANES) {
            const XT_VREAL m = XT_LOAD(B.m + r), vy = XT_LOAD(xy_v + r);
            XT_VINT yi, nan = { 0 }, am = { 0 }, cnt = { 0 };
            memcpy(&yi, y_v + r, sizeof yi);
            for (ptrdiff_t j = n - 1; j >= 0; j--) { /* descending: the first max wins */
                const XT_VREAL v = XT_LOAD(B.t + j * BR + r);
                const XT_VINT eq = v == m;
                nan |= v != v;
                am = (eq & ((XT_VINT){ 0 } + (XT_LANE_INT)j)) | (~eq & am);
            }
            if (a->rank_out)
                for (ptrdiff_t j = 0; j < n; j++) { /* Design C */
                    const XT_VREAL v = XT_LOAD(B.t + j * BR + r);
                    const XT_VINT after = yi < (XT_LANE_INT)j;
                    cnt -= (after & (v >= vy)) | (~after & (v > vy));
                }
            memcpy(nan_v + r, &nan, sizeof nan);
            memcpy(am_v + r, &am, sizeof am);
            memcpy(rk_v + r, &cnt, sizeof cnt);
            if (!need_exp) continue;
            const XT_VREAL ls = XT_LOAD(B.log_s + r), inv = XT_LOAD(B.inv_s + r);
            XT_STORE(loss_v + r, (m - vy) + ls); /* as sparse_softmax_small */
            if (a->sq_out) {
                XT_VREAL q = XT_SPLAT(0);
                for (ptrdiff_t j = 0; j < n; j++) {
                    const XT_VREAL e = XT_LOAD(B.e + j * BR + r);
                    q += have_y ? FN(clear)(yi == (XT_LANE_INT)j, e * e) : e * e;
                }
                XT_VREAL sq = q * inv * inv;
                if (have_y) {
                    const XT_VREAL one_minus =
                        XT_SELECT(vy == m, XT_LOAD(B.q_max + r), 1 - XT_LOAD(ey_v + r) * inv);
                    sq += one_minus * one_minus;
                }
                XT_STORE(sq_v + r, sq);
            }
        }
        for (ptrdiff_t i = 0; i < rows; i++) {
            const ptrdiff_t row = i0 + i;
            if (nan_v[i] || !isfinite(B.m[i])) {
                FN(rs_row_limits)(a, x + row * a->ldx, n, row);
                continue;
            }
            if (a->argmax_out) a->argmax_out[row] = am_v[i];
            if (a->top_out) ((XT_REAL *)a->top_out)[row] = B.m[i];
            if (a->rank_out) a->rank_out[row] = rk_v[i];
            if (a->loss_out) ((XT_REAL *)a->loss_out)[row] = loss_v[i];
            if (a->p_top_out) ((XT_REAL *)a->p_top_out)[row] = B.inv_s[i];
            if (a->sq_out) a->sq_out[row] = (double)sq_v[i];
        }
    }
    /* contiguous C = 2: whole vectors of rows take the pair formula of
     * sparse_softmax_pairs, exactly as the loss kernel does (Design B) */
    const ptrdiff_t np = a->loss_out ? FN(pair_rows)(n, a->ldx, r0, r1) : 0;
    for (ptrdiff_t i = r0; i < r0 + np; i += XT_NLANES) {
        const XT_VINT is_b = XT_LOAD_LABELS(a->labels + i) == 1;
        XT_VREAL va, vb;
        FN(load_pairs)(x, i, &va, &vb);
        const XT_VREAL loss =
            (FN(vmax)(va, vb) - XT_SELECT(is_b, vb, va)) + XT_VLOG1P_UNIT(FN(pair_e)(va, vb));
        if (!XT_ANY(loss - loss != 0)) XT_STORE((XT_REAL *)a->loss_out + i, loss);
    }
}

/* ---- probabilities (Design F) ---------------------------------------------- */

static void FN(rs_prob_row)(const xentc_rowstats_args *a, ptrdiff_t i)
{
    const ptrdiff_t n = a->n_cols;
    const XT_REAL *x = (const XT_REAL *)a->x + i * a->ldx;
    const int64_t y = a->labels ? a->labels[i] : -1;
    ptrdiff_t am = 0;
    int nan = x[0] != x[0];
    double sq = 0.0;
    for (ptrdiff_t j = 0; j < n; j++) {
        const double v = x[j], d = j == y ? 1.0 - v : v;
        sq += d * d;
        if (nan) continue;
        if (v != v) {
            nan = 1;
            am = j;
        } else if (x[j] > x[am]) {
            am = j;
        }
    }
    if (a->argmax_out) a->argmax_out[i] = am;
    if (a->top_out) ((XT_REAL *)a->top_out)[i] = x[am];
    if (a->rank_out)
        a->rank_out[i] = n >= SMALL_C ? FN(rs_rank)(x, n, y) : FN(rs_rank_scalar)(x, n, y);
    if (a->p_top_out) ((XT_REAL *)a->p_top_out)[i] = x[am];
    if (a->sq_out) a->sq_out[i] = sq;
}

/* ---- entry point ---------------------------------------------------------- */

static void FN(rowstats_rows)(const xentc_rowstats_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    if (a->probabilities) {
        for (ptrdiff_t i = r0; i < r1; i++) FN(rs_prob_row)(a, i);
        return;
    }
    const int need_exp = a->loss_out || a->p_top_out || a->sq_out;
    if (a->n_cols < SMALL_C) {
        FN(rs_small)(a, r0, r1, need_exp);
        return;
    }
    for (ptrdiff_t i = r0; i < r1; i++) FN(rs_row)(a, i, need_exp);
}
