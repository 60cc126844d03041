/* body_sigmoid_ce.h -- sigmoid (multi-label) cross-entropy on logits, dense
 * and CSR targets (Design G of body_common.h). */

/* ---- sigmoid cross-entropy (Design G) ---------------------------------- */

/* One vector step of sigmoid_span at element j, k elements left; `full`
 * (k >= XT_NLANES) is a constant at each call site so both loops are branch-free. */
XENTC_INLINE XT_VREAL FN(sigmoid_step)(const XT_REAL *x, const XT_REAL *t, const XT_REAL *pw,
                                       XT_REAL pw_s, const XT_REAL *we, XT_REAL w, XT_REAL keep,
                                       XT_REAL half_smoothing, XT_REAL gsc, XT_REAL *lo,
                                       XT_REAL *g, XT_REAL *h, ptrdiff_t j, ptrdiff_t k, int full)
{
    XT_VREAL xv = full ? XT_LOAD(x + j) : XT_LOAD_PART(x + j, k, 0);
    XT_VREAL yv = t ? (full ? XT_LOAD(t + j) : XT_LOAD_PART(t + j, k, 0)) : XT_SPLAT(0);
    yv = yv * keep + half_smoothing;
    XT_VREAL pv = pw ? (full ? XT_LOAD(pw + j) : XT_LOAD_PART(pw + j, k, 1)) : XT_SPLAT(pw_s);
    XT_VREAL wv = we ? (full ? XT_LOAD(we + j) : XT_LOAD_PART(we + j, k, 0)) : XT_SPLAT(w);
    XT_VREAL e = XT_VEXP_NONPOS(-FN(vabs)(xv)); /* exp(-|x|) < FLT_MIN is 0: a loss term < 1e-38 */
    XT_VREAL L = 1 + (pv - 1) * yv;
    XT_VINT pos = xv >= 0;
    XT_VREAL coef = XT_SELECT(pos, 1 - yv, -pv * yv);
    XT_VREAL lin = FN(clear)(coef == 0, coef * xv); /* 0 * inf = 0 at the limits */
    XT_VREAL wl = wv * (L * XT_VLOG1P_UNIT(e) + lin);
    if (!full) wl = XT_SELECT(FN(lane_lt)(k), wl, XT_SPLAT(0));
    if (lo) {
        if (full)
            XT_STORE(lo + j, wl);
        else
            XT_STORE_PART(lo + j, wl, k);
    }
    if (g || h) {
        XT_VREAL d = 1 / (1 + e);
        XT_VREAL q = e * d;
        XT_VREAL ga = wv * gsc;
        if (g) {
            XT_VREAL gv = ga * XT_SELECT(pos, (1 - yv) - L * q, L * q - pv * yv);
            if (full)
                XT_STORE(g + j, gv);
            else
                XT_STORE_PART(g + j, gv, k);
        }
        if (h) {
            XT_VREAL hv = ga * L * q * d;
            if (full)
                XT_STORE(h + j, hv);
            else
                XT_STORE_PART(h + j, hv, k);
        }
    }
    return wl;
}

/* A contiguous span of n elements. t == NULL means targets 0. pw: per-element
 * pos_weight or NULL (then pw_s). Weights: we (per element) or w (scalar).
 * Returns the sum of weighted losses. */
XENTC_INLINE double FN(sigmoid_span_impl)(const xentc_args *a, const XT_REAL *x, const XT_REAL *t,
                                          ptrdiff_t n, const XT_REAL *pw, XT_REAL pw_s,
                                          const XT_REAL *we, double w, XT_REAL *lo, XT_REAL *g,
                                          XT_REAL *h)
{
    const XT_REAL keep = (XT_REAL)(1.0 - a->smoothing),
                  half_smoothing = (XT_REAL)(a->smoothing / 2);
    const XT_REAL gsc = (XT_REAL)a->grad_scale, wR = (XT_REAL)w;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + XT_CHUNK);
        XT_VREAL acc = XT_SPLAT(0);
        ptrdiff_t j = j0;
        for (; j + XT_NLANES <= end; j += XT_NLANES)
            acc += FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_smoothing, gsc, lo, g, h, j,
                                    XT_NLANES, 1);
        if (j < end)
            acc += FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_smoothing, gsc, lo, g, h, j,
                                    end - j, 0);
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

/* The common argument patterns get their own copy of the loop, with the
 * NULL pointers known at compile time: otherwise the compiler keeps a test
 * per pointer in the loop and spills registers. */
static double FN(sigmoid_span)(const xentc_args *a, const XT_REAL *x, const XT_REAL *t,
                               ptrdiff_t n, const XT_REAL *pw, XT_REAL pw_s, const XT_REAL *we,
                               double w, XT_REAL *lo, XT_REAL *g, XT_REAL *h)
{
    if (t && !pw && !we && !lo && !h) {
        if (!g) return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, NULL, NULL);
        return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, g, NULL);
    }
    return FN(sigmoid_span_impl)(a, x, t, n, pw, pw_s, we, w, lo, g, h);
}

static double FN(sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const XT_REAL *pw = (const XT_REAL *)a->col_weight;
    const XT_REAL pw_s = (XT_REAL)a->pos_weight;
    if (a->flat) { /* one long row; r0, r1 index elements; weights per element */
        const XT_REAL *we = (const XT_REAL *)a->elem_weight;
        return FN(sigmoid_span)(a, (const XT_REAL *)a->x + r0, (const XT_REAL *)a->t + r0, r1 - r0,
                                pw ? pw + r0 : NULL, pw_s, we ? we + r0 : NULL, 1.0,
                                a->loss_out ? (XT_REAL *)a->loss_out + r0 : NULL,
                                a->grad_out ? (XT_REAL *)a->grad_out + r0 : NULL,
                                a->hess_out ? (XT_REAL *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    /* short contiguous rows with a per-label pos_weight and no row weights:
     * G rows at a time as one span, against pos_weight tiled G times (a row
     * at a time would spend most of its time in vector tails) */
    enum { TILE = 1024 };
    if (pw && !a->row_weight && n > 0 && n < 4 * XT_NLANES && a->ldx == n && a->ldt == n &&
        (!a->grad_out || a->ldg == n) && (!a->hess_out || a->ldh == n)) {
        XT_REAL tile[TILE];
        /* only as many rows as the block has: a 1-row call must not fill (and
         * divide over) the whole tile; the spans, hence the sums, are the same */
        const ptrdiff_t G = FN(min_p)(TILE / n, r1 - r0);
        for (ptrdiff_t r = 0; r < G; r++)
            for (ptrdiff_t j = 0; j < n; j++) tile[r * n + j] = pw[j];
        for (ptrdiff_t i = r0; i < r1; i += G) {
            const ptrdiff_t rows = FN(min_p)(G, r1 - i);
            total += FN(sigmoid_span)(a, (const XT_REAL *)a->x + i * n,
                                      (const XT_REAL *)a->t + i * n, rows * n, tile, pw_s, NULL,
                                      1.0, a->loss_out ? (XT_REAL *)a->loss_out + i * n : NULL,
                                      a->grad_out ? (XT_REAL *)a->grad_out + i * n : NULL,
                                      a->hess_out ? (XT_REAL *)a->hess_out + i * n : NULL);
        }
        return total;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        total += FN(sigmoid_span)(
            a, (const XT_REAL *)a->x + i * a->ldx, (const XT_REAL *)a->t + i * a->ldt, n, pw, pw_s,
            NULL, FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
            FN(row_ptr)(a->grad_out, a->ldg, i), FN(row_ptr)(a->hess_out, a->ldh, i));
    }
    return total;
}

/* CSR multi-label targets: the gaps between a row's (sorted) stored entries
 * are spans with target 0; each stored entry is a span of one. Every element
 * gets its exact loss, and in-place gradients stay safe. */
static double FN(csr_sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
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
            const ptrdiff_t len = stop - j;
            if (len > 0)
                total += FN(sigmoid_span)(a, x + j, NULL, len, pw ? pw + j : NULL, pw_s, NULL, w,
                                          lo ? lo + j : NULL, g ? g + j : NULL, h ? h + j : NULL);
            if (stop < n) {
                total += FN(sigmoid_span)(a, x + stop, vals + k, 1, pw ? pw + stop : NULL, pw_s,
                                          NULL, w, lo ? lo + stop : NULL, g ? g + stop : NULL,
                                          h ? h + stop : NULL);
            }
            j = stop + 1;
        }
    }
    return total;
}
