/* body_primitives.h -- row primitives (logsumexp, softmax, log_softmax) and
 * element-wise ones (sigmoid, log_sigmoid, exp, log, log1p). */

/* ---- primitives -------------------------------------------------------- */

static void FN(logsumexp_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                               ptrdiff_t r1, void *outv, ptrdiff_t ldo)
{
    (void)ldo;
    const XT_REAL *x = (const XT_REAL *)xv;
    XT_REAL *out = (XT_REAL *)outv;
    const ptrdiff_t np = FN(pair_rows)(n, ldx, r0, r1);
    for (ptrdiff_t i = r0; i < r0 + np; i += XT_NLANES) {
        XT_VREAL a, b;
        FN(load_pairs)(x, i, &a, &b);
        XT_VREAL lse = FN(vmax)(a, b) + XT_VLOG1P_UNIT(FN(pair_e)(a, b));
        XT_STORE(out + i, lse);
        for (ptrdiff_t l = 0; l < XT_NLANES; l++) {
            if (lse[l] - lse[l] != 0) { /* inf or NaN: take the limit */
                FN(limits_t) L;
                FN(limits)(x + (i + l) * 2, 2, &L);
                out[i + l] = (XT_REAL)FN(limit_lse)(&L);
            }
        }
    }
    r0 += np;
    if (n > 0 && n < SMALL_C) {
        FN(cols_t) B;
        for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
            FN(cols_load)(x, ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, 0, 0);
            for (ptrdiff_t r = 0; r < B.rows; r += XT_NLANES) {
                const XT_VREAL lse = XT_LOAD(B.m + r) + XT_LOAD(B.log_s + r);
                if (r + XT_NLANES <= B.rows)
                    XT_STORE(out + i0 + r, lse);
                else
                    XT_STORE_PART(out + i0 + r, lse, B.rows - r);
                if (!XT_ANY(lse - lse != 0)) continue;
                for (ptrdiff_t i = r; i < r + XT_NLANES && i < B.rows; i++) {
                    if (!isfinite(lse[i - r])) { /* inf or NaN: take the limit */
                        FN(limits_t) L;
                        FN(limits)(x + (i0 + i) * ldx, n, &L);
                        out[i0 + i] = (XT_REAL)FN(limit_lse)(&L);
                    }
                }
            }
        }
        return;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        const XT_REAL *xr = x + i * ldx;
        FN(stats_t) st;
        double lse = FN(stats)(xr, n, &st, NULL, 0, i + 1 < r1 ? xr + ldx : NULL)
                         ? (double)st.m + st.log_s
                         : NAN;
        if (!isfinite(lse)) {
            FN(limits_t) L;
            FN(limits)(xr, n, &L);
            lse = FN(limit_lse)(&L);
        }
        out[i] = (XT_REAL)lse;
    }
}

/* log_softmax of a row whose stats are known */
static void FN(log_softmax_row_out)(const XT_REAL *x, ptrdiff_t n, const FN(stats_t) *st,
                                    XT_REAL *o)
{
    const XT_VREAL vm = XT_SPLAT(st->m);
    const XT_REAL ls = (XT_REAL)st->log_s;
    for (ptrdiff_t j = 0; j < n; j += XT_NLANES) {
        const ptrdiff_t k = n - j;
        XT_VREAL v = ((k >= XT_NLANES ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, 0)) - vm) - ls;
        if (k >= XT_NLANES)
            XT_STORE(o + j, v);
        else
            XT_STORE_PART(o + j, v, k);
    }
}

/* o holds exp(x_j - m): scale it to probabilities */
static void FN(scale_row)(XT_REAL *o, ptrdiff_t n, XT_REAL f)
{
    for (ptrdiff_t j = 0; j < n; j += XT_NLANES) {
        const ptrdiff_t k = n - j;
        if (k >= XT_NLANES)
            XT_STORE(o + j, XT_LOAD(o + j) * f);
        else
            XT_STORE_PART(o + j, XT_LOAD_PART(o + j, k, 0) * f, k);
    }
}

static void FN(softmax_row_limits)(const XT_REAL *x, ptrdiff_t n, XT_REAL *o, int want_log)
{
    FN(limits_t) L;
    FN(limits)(x, n, &L);
    for (ptrdiff_t j = 0; j < n; j++) {
        double lp = FN(limit_lp)(&L, x[j]);
        o[j] = (XT_REAL)(want_log ? lp : exp(lp));
    }
}

static void FN(softmax_like_rows)(const void *xv, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                  ptrdiff_t r1, void *outv, ptrdiff_t ldo, int want_log)
{
    const XT_REAL *x = (const XT_REAL *)xv;
    XT_REAL *out = (XT_REAL *)outv;
    if (n > 0 && n < SMALL_C) {
        FN(cols_t) B;
        for (ptrdiff_t i0 = r0; i0 < r1; i0 += BR) {
            FN(cols_load)(x, ldx, n, i0, FN(min_p)(BR, r1 - i0), &B, !want_log, 1);
            /* outputs formed in the columnar layout (into B.e), XT_NLANES rows
             * per op, then transposed back to the rows */
            for (ptrdiff_t r = 0; r < B.rows; r += XT_NLANES) {
                const XT_VREAL m = XT_LOAD(B.m + r), ls = XT_LOAD(B.log_s + r),
                               inv_s = XT_LOAD(B.inv_s + r);
                for (ptrdiff_t j = 0; j < n; j++) {
                    XT_REAL *e = B.e + j * BR + r;
                    XT_STORE(e,
                             want_log ? (XT_LOAD(B.t + j * BR + r) - m) - ls : XT_LOAD(e) * inv_s);
                }
                FN(scatter_cols)(B.e + r, BR, n, B.rows - r, out + (i0 + r) * ldo, ldo);
            }
            for (ptrdiff_t i = 0; i < B.rows; i++) {
                if (!isfinite(B.m[i]) || !isfinite(B.log_s[i])) {
                    XT_REAL xr[SMALL_C]; /* out may alias x and is written: the copy */
                    FN(cols_row)(B.t, n, i, xr);
                    FN(softmax_row_limits)(xr, n, out + (i0 + i) * ldo, want_log);
                }
            }
        }
        return;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        const XT_REAL *xr = x + i * ldx;
        XT_REAL *o = out + i * ldo;
        FN(stats_t) st;
        if (!FN(stats)(xr, n, &st, want_log ? NULL : o, 1, i + 1 < r1 ? xr + ldx : NULL))
            FN(softmax_row_limits)(xr, n, o, want_log);
        else if (want_log)
            FN(log_softmax_row_out)(xr, n, &st, o);
        else
            FN(scale_row)(o, n, (XT_REAL)st.inv_s); /* NaN rows: inv_s is NaN, so is every p */
    }
}

static void FN(softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0, ptrdiff_t r1,
                             void *out, ptrdiff_t ldo)
{ FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 0); }

static void FN(log_softmax_rows)(const void *x, ptrdiff_t ldx, ptrdiff_t n, ptrdiff_t r0,
                                 ptrdiff_t r1, void *out, ptrdiff_t ldo)
{ FN(softmax_like_rows)(x, ldx, n, r0, r1, out, ldo, 1); }

/* Element-wise map over [i0, i1); EXPR is a XT_VREAL expression of `v`. */
#define XENTC_ELEMWISE(NAME, EXPR)                                                    \
    static void FN(NAME)(const void *xv, void *ov, ptrdiff_t i0, ptrdiff_t i1)        \
    {                                                                                 \
        const XT_REAL *x = (const XT_REAL *)xv;                                       \
        XT_REAL *o = (XT_REAL *)ov;                                                   \
        for (ptrdiff_t j = i0; j < i1; j += XT_NLANES) {                              \
            const ptrdiff_t k = i1 - j;                                               \
            XT_VREAL v = k >= XT_NLANES ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, 0); \
            XT_VREAL r = EXPR;                                                        \
            if (k >= XT_NLANES)                                                       \
                XT_STORE(o + j, r);                                                   \
            else                                                                      \
                XT_STORE_PART(o + j, r, k);                                           \
        }                                                                             \
    }

static inline XT_VREAL FN(vsigmoid)(XT_VREAL v)
{
    XT_VREAL e = XT_VEXP(-FN(vabs)(v));
    XT_VREAL d = 1 / (1 + e);
    return XT_SELECT(v >= 0, d, e * d);
}

static inline XT_VREAL FN(vlog_sigmoid)(XT_VREAL v)
{
    XT_VREAL e = XT_VEXP(-FN(vabs)(v));
    XT_VREAL neg = XT_SELECT(v < 0, v, XT_SPLAT(0));
    return neg - XT_VLOG1P_UNIT(e);
}

XENTC_ELEMWISE(sigmoid_elem, FN(vsigmoid)(v))
XENTC_ELEMWISE(log_sigmoid_elem, FN(vlog_sigmoid)(v))
XENTC_ELEMWISE(exp_elem, XT_VEXP(v))
XENTC_ELEMWISE(log_elem, XT_VLOG(v))
XENTC_ELEMWISE(log1p_elem, XT_VLOG1P(v))

#undef XENTC_ELEMWISE
