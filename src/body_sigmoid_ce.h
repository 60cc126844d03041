/* body_sigmoid_ce.h -- sigmoid (multi-label) cross-entropy on logits, dense
 * and CSR targets (Design G of body_common.h). */

/* ---- sigmoid cross-entropy (Design G) ---------------------------------- */

/* One vector step of sigmoid_span at element j, k elements left; `full`
 * (k >= NL) is a constant at each call site so both loops are branch-free. */
XENTC_INLINE VR FN(sigmoid_step)(const R *x, const R *t, const R *pw, R pw_s, const R *we, R w,
                                 R keep, R half_eps, R gsc, R *lo, R *g, R *h, ptrdiff_t j,
                                 ptrdiff_t k, int full)
{
    VR xv = full ? LD(x + j) : LDPART(x + j, k, 0);
    VR yv = t ? (full ? LD(t + j) : LDPART(t + j, k, 0)) : SPLAT(0);
    yv = yv * keep + half_eps;
    VR pv = pw ? (full ? LD(pw + j) : LDPART(pw + j, k, 1)) : SPLAT(pw_s);
    VR wv = we ? (full ? LD(we + j) : LDPART(we + j, k, 0)) : SPLAT(w);
    VR e = VEXPN(-FN(vabs)(xv)); /* exp(-|x|) < FLT_MIN is 0: a loss term < 1e-38 */
    VR L = 1 + (pv - 1) * yv;
    VI pos = xv >= 0;
    VR coef = SEL(pos, 1 - yv, -pv * yv);
    VR lin = FN(clear)(coef == 0, coef * xv); /* 0 * inf = 0 at the limits */
    VR wl = wv * (L * VLOG1P_UNIT(e) + lin);
    if (!full) wl = SEL(FN(lane_lt)(k), wl, SPLAT(0));
    if (lo) {
        if (full)
            ST(lo + j, wl);
        else
            STPART(lo + j, wl, k);
    }
    if (g || h) {
        VR d = 1 / (1 + e);
        VR q = e * d;
        VR ga = wv * gsc;
        if (g) {
            VR gv = ga * SEL(pos, (1 - yv) - L * q, L * q - pv * yv);
            if (full)
                ST(g + j, gv);
            else
                STPART(g + j, gv, k);
        }
        if (h) {
            VR hv = ga * L * q * d;
            if (full)
                ST(h + j, hv);
            else
                STPART(h + j, hv, k);
        }
    }
    return wl;
}

/* A contiguous span of n elements. t == NULL means targets 0. pw: per-element
 * pos_weight or NULL (then pw_s). Weights: we (per element) or w (scalar).
 * Returns the sum of weighted losses. */
XENTC_INLINE double FN(sigmoid_span_impl)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                                          const R *pw, R pw_s, const R *we, double w, R *lo, R *g,
                                          R *h)
{
    const R keep = (R)(1.0 - a->smoothing), half_eps = (R)(a->smoothing / 2);
    const R gsc = (R)a->grad_scale, wR = (R)w;
    double total = 0.0;
    for (ptrdiff_t j0 = 0; j0 < n;) {
        const ptrdiff_t end = FN(min_p)(n, j0 + CHUNK);
        VR acc = SPLAT(0);
        ptrdiff_t j = j0;
        for (; j + NL <= end; j += NL)
            acc +=
                FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, lo, g, h, j, NL, 1);
        if (j < end)
            acc += FN(sigmoid_step)(x, t, pw, pw_s, we, wR, keep, half_eps, gsc, lo, g, h, j,
                                    end - j, 0);
        total += FN(hsum)(acc);
        j0 = end;
    }
    return total;
}

/* The common argument patterns get their own copy of the loop, with the
 * NULL pointers known at compile time: otherwise the compiler keeps a test
 * per pointer in the loop and spills registers. */
static double FN(sigmoid_span)(const xentc_args *a, const R *x, const R *t, ptrdiff_t n,
                               const R *pw, R pw_s, const R *we, double w, R *lo, R *g, R *h)
{
    if (t && !pw && !we && !lo && !h) {
        if (!g) return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, NULL, NULL);
        return FN(sigmoid_span_impl)(a, x, t, n, NULL, pw_s, NULL, w, NULL, g, NULL);
    }
    return FN(sigmoid_span_impl)(a, x, t, n, pw, pw_s, we, w, lo, g, h);
}

static double FN(sigmoid_ce)(const xentc_args *a, ptrdiff_t r0, ptrdiff_t r1)
{
    const R *pw = (const R *)a->col_weight;
    const R pw_s = (R)a->pos_weight;
    if (a->flat) { /* one long row; r0, r1 index elements; weights per element */
        const R *we = (const R *)a->elem_weight;
        return FN(sigmoid_span)(a, (const R *)a->x + r0, (const R *)a->t + r0, r1 - r0,
                                pw ? pw + r0 : NULL, pw_s, we ? we + r0 : NULL, 1.0,
                                a->loss_out ? (R *)a->loss_out + r0 : NULL,
                                a->grad_out ? (R *)a->grad_out + r0 : NULL,
                                a->hess_out ? (R *)a->hess_out + r0 : NULL);
    }
    const ptrdiff_t n = a->n_cols;
    double total = 0.0;
    /* short contiguous rows with a per-label pos_weight and no row weights:
     * G rows at a time as one span, against pos_weight tiled G times (a row
     * at a time would spend most of its time in vector tails) */
    enum { TILE = 1024 };
    if (pw && !a->row_weight && n > 0 && n < 4 * NL && a->ldx == n && a->ldt == n &&
        (!a->grad_out || a->ldg == n) && (!a->hess_out || a->ldh == n)) {
        R tile[TILE];
        const ptrdiff_t G = TILE / n;
        for (ptrdiff_t k = 0; k < G * n; k++) tile[k] = pw[k % n];
        for (ptrdiff_t i = r0; i < r1; i += G) {
            const ptrdiff_t rows = FN(min_p)(G, r1 - i);
            total += FN(sigmoid_span)(a, (const R *)a->x + i * n, (const R *)a->t + i * n,
                                      rows * n, tile, pw_s, NULL, 1.0,
                                      a->loss_out ? (R *)a->loss_out + i * n : NULL,
                                      a->grad_out ? (R *)a->grad_out + i * n : NULL,
                                      a->hess_out ? (R *)a->hess_out + i * n : NULL);
        }
        return total;
    }
    for (ptrdiff_t i = r0; i < r1; i++) {
        total += FN(sigmoid_span)(
            a, (const R *)a->x + i * a->ldx, (const R *)a->t + i * a->ldt, n, pw, pw_s, NULL,
            FN(row_weight)(a, i), FN(row_ptr)(a->loss_out, n, i),
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
    const R *pw = (const R *)a->col_weight;
    const R pw_s = (R)a->pos_weight;
    const R *vals = (const R *)a->values;
    double total = 0.0;
    for (ptrdiff_t i = r0; i < r1; i++) {
        const R *x = (const R *)a->x + i * a->ldx;
        R *lo = FN(row_ptr)(a->loss_out, n, i);
        R *g = FN(row_ptr)(a->grad_out, a->ldg, i);
        R *h = FN(row_ptr)(a->hess_out, a->ldh, i);
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
