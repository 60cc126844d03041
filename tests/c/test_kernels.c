/* test_kernels.c -- every kernel family of every compiled target, on known
 * inputs, against a scalar long-double reference; no Python involved.
 *
 * Why: the Python tests need a Python for the target architecture. This
 * driver needs only a C cross-compiler and qemu-user, so the aarch64 build
 * (generic vector code -> NEON) is checked on an x86-64 machine
 * (tools/check_aarch64.sh). It runs natively too.
 *
 * Checked for float32 and float64, baseline and emu512 (the 16-lane layout),
 * row lengths that hit every code path (pairs, short-row blocks, long rows,
 * vector tails) and element ranges of every length 1..40:
 *   exp / log / log1p / sigmoid / log_sigmoid   max error in ulps, budgets of
 *                                               the README's accuracy table
 *   logsumexp / softmax / log_softmax rows      error bounds of the shifted form
 *   softmax CE: labels (+ gradient), dense, CSR; sigmoid CE: dense, CSR;
 *   binary CE; categorical CE: labels, dense, CSR
 *   dispatch: baseline/emu512 selectable; on non-x86, no x86 target offered.
 * Exit status 0 when every check holds; one line per family either way.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xentc_kernels.h"

extern const xentc_kernel_table xentc_table_baseline;
extern const xentc_kernel_table xentc_table_emu512;

typedef long double LD;

static int failures = 0;

/* ---- data in either dtype --------------------------------------------- */
typedef struct {
    int dt; /* 0 float32, 1 float64 */
    size_t n;
    void *p;
} buf_t;

static buf_t buf_new(int dt, size_t n)
{
    buf_t b = { dt, n, calloc(n ? n : 1, dt ? sizeof(double) : sizeof(float)) };
    if (!b.p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return b;
}
static double get(buf_t b, size_t i)
{ return b.dt ? ((double *)b.p)[i] : ((float *)b.p)[i]; }
static void set(buf_t b, size_t i, double v)
{
    if (b.dt)
        ((double *)b.p)[i] = v;
    else
        ((float *)b.p)[i] = (float)v;
}
static double eps_of(int dt)
{ return dt ? 0x1p-52 : 0x1p-23; }
static double tiny_of(int dt)
{ return dt ? 0x1p-1022 : 0x1p-126; }

/* unit in the last place of r in the dtype (subnormal spacing near 0) */
static LD ulp_of(LD r, int dt)
{
    const int p = dt ? 53 : 24, emin = dt ? -1021 : -125;
    int e;
    if (r == 0 || !isfinite((double)r)) return ldexpl(1.0L, emin - p);
    frexpl(fabsl(r), &e);
    if (e < emin) e = emin;
    return ldexpl(1.0L, e - p);
}

/* deterministic inputs: a 64-bit LCG, uniform in [0, 1) */
static uint64_t rng = 88172645463325252ULL;
static double unif(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1p-53;
}
static double normal(void)
{
    double u = unif() + 1e-300, v = unif();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- one result per family --------------------------------------------- */
typedef struct {
    const char *family, *target;
    int dt;
    long n, bad;
    double worst; /* largest error / allowed error seen (<= 1 passes) */
} tally_t;

static void check(tally_t *t, double err, double allowed, int exact_special, const char *what,
                  double at)
{
    double ratio = allowed > 0 ? err / allowed : (err == 0 ? 0 : INFINITY);
    if (exact_special) ratio = err == 0 ? 0 : INFINITY;
    if (!(ratio <= 1)) {
        if (t->bad < 3)
            fprintf(stderr, "  FAIL %s %s %s: %s at %.17g: error %.3g > allowed %.3g\n", t->family,
                    t->dt ? "f64" : "f32", t->target, what, at, err, allowed);
        t->bad++;
    }
    if (ratio > t->worst || ratio != ratio) t->worst = ratio;
    t->n++;
}

static void report(const tally_t *t)
{
    printf("%-22s %-4s %-8s %7ld checks  worst %.3f of budget  %s\n", t->family,
           t->dt ? "f64" : "f32", t->target, t->n, t->worst, t->bad ? "FAIL" : "ok");
    if (t->bad || t->n == 0) failures++;
}

/* same value, NaN equal to NaN, infinities by sign */
static int same_special(double a, LD b)
{
    if (isnan(a) || isnan((double)b)) return isnan(a) && isnan((double)b);
    return a == (double)b;
}

/* ---- element-wise primitives ------------------------------------------- */
typedef LD (*ref1_fn)(LD);
static LD ref_exp(LD x)
{ return expl(x); }
static LD ref_log(LD x)
{ return logl(x); }
static LD ref_log1p(LD x)
{ return log1pl(x); }
static LD ref_sigmoid(LD x)
{ return x >= 0 ? 1 / (1 + expl(-x)) : expl(x) / (1 + expl(x)); }
static LD ref_log_sigmoid(LD x)
{ return x >= 0 ? -log1pl(expl(-x)) : x - log1pl(expl(x)); }

static void elem_family(const xentc_kernel_table *T, int dt, const char *name, xentc_elem_fn f,
                        ref1_fn ref, double lo, double hi, double budget_ulp,
                        const double *special, size_t n_special)
{
    tally_t t = { name, T->name, dt, 0, 0, 0 };
    const size_t n = 4000;
    buf_t x = buf_new(dt, n + n_special), y = buf_new(dt, n + n_special);
    for (size_t i = 0; i < n; i++) set(x, i, lo + (hi - lo) * unif());
    for (size_t i = 0; i < n_special; i++) set(x, n + i, special[i]);
    /* every range length 1..40 from a few offsets (vector tails), then all */
    for (ptrdiff_t len = 1; len <= 40; len++)
        for (ptrdiff_t off = 0; off < 3; off++) f(x.p, y.p, off * 17, off * 17 + len);
    f(x.p, y.p, 0, (ptrdiff_t)(n + n_special));
    for (size_t i = 0; i < n + n_special; i++) {
        LD r = ref((LD)get(x, i));
        double g = get(y, i);
        if (!isfinite((double)r)) /* inf / NaN: exactly that */
            check(&t, same_special(g, r) ? 0 : 1, 0, 1, name, get(x, i));
        else if (!isfinite(g))
            check(&t, INFINITY, 1, 0, name, get(x, i));
        else
            check(&t, (double)(fabsl((LD)g - r) / ulp_of(r, dt)), budget_ulp, 0, name, get(x, i));
    }
    report(&t);
    free(x.p);
    free(y.p);
}

/* ---- row primitives ----------------------------------------------------- */
static const ptrdiff_t NCOLS[] = { 1, 2, 3, 5, 7, 10, 16, 17, 33, 100, 1000 };
#define N_NCOLS (sizeof NCOLS / sizeof NCOLS[0])
enum { ROWS = 37 };

static void fill_logits(buf_t x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++) set(x, i, scale * normal());
}

/* long-double max and log-sum-exp of a row */
static LD row_lse(buf_t x, size_t off, ptrdiff_t n, LD *m_out)
{
    LD m = -INFINITY, s = 0;
    for (ptrdiff_t j = 0; j < n; j++) m = fmaxl(m, (LD)get(x, off + j));
    for (ptrdiff_t j = 0; j < n; j++) s += expl((LD)get(x, off + j) - m);
    *m_out = m;
    return m + logl(s);
}

static void row_families(const xentc_kernel_table *T, int dt)
{
    const double e = eps_of(dt), tiny = tiny_of(dt);
    tally_t tl = { "logsumexp", T->name, dt, 0, 0, 0 }, ts = { "softmax", T->name, dt, 0, 0, 0 },
            tg = { "log_softmax", T->name, dt, 0, 0, 0 };
    for (size_t c = 0; c < N_NCOLS; c++) {
        const ptrdiff_t n = NCOLS[c], ld = n + (c % 2); /* odd cases: padded rows */
        buf_t x = buf_new(dt, ROWS * ld), o = buf_new(dt, ROWS * ld), l = buf_new(dt, ROWS);
        fill_logits(x, ROWS * ld, 4.0);
        T->logsumexp[dt](x.p, ld, n, 0, ROWS, l.p, 1);
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            LD m, r = row_lse(x, i * ld, n, &m);
            check(&tl, fabs(get(l, i) - (double)r), 8 * e * (fabsl(m) + fabsl(r - m) + 1), 0,
                  "logsumexp", (double)n);
        }
        T->softmax[dt](x.p, ld, n, 0, ROWS, o.p, ld);
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            LD m, r = row_lse(x, i * ld, n, &m);
            for (ptrdiff_t j = 0; j < n; j++) {
                LD d = (LD)get(x, i * ld + j) - m, p = expl((LD)get(x, i * ld + j) - r);
                check(&ts, fabs(get(o, i * ld + j) - (double)p),
                      8 * e * (double)(p * (1 + fabsl(d))) + tiny, 0, "softmax", (double)n);
            }
        }
        T->log_softmax[dt](x.p, ld, n, 0, ROWS, o.p, ld);
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            LD m, r = row_lse(x, i * ld, n, &m);
            for (ptrdiff_t j = 0; j < n; j++) {
                LD d = (LD)get(x, i * ld + j) - m, lp = (LD)get(x, i * ld + j) - r;
                check(&tg, fabs(get(o, i * ld + j) - (double)lp),
                      8 * e * (double)(fabsl(d) + fabsl(r - m) + 1), 0, "log_softmax", (double)n);
            }
        }
        free(x.p);
        free(o.p);
        free(l.p);
    }
    report(&tl);
    report(&ts);
    report(&tg);
}

/* ---- losses ------------------------------------------------------------- */
static xentc_args base_args(buf_t x, ptrdiff_t n, ptrdiff_t ld)
{
    xentc_args a;
    memset(&a, 0, sizeof a);
    a.n_rows = ROWS;
    a.n_cols = n;
    a.x = x.p;
    a.ldx = ld;
    a.pos_weight = 1.0;
    a.grad_scale = 1.0;
    return a;
}

/* a loss total is the sum of the per-row losses it wrote, up to the bound
 * of a sum in another order, (count + 4) eps sum |loss| (a row dropped or
 * counted twice is far outside it) */
static void check_total(tally_t *t, double total, buf_t lo, size_t count)
{
    LD s = 0, sa = 0;
    for (size_t i = 0; i < count; i++) {
        s += get(lo, i);
        sa += fabs(get(lo, i));
    }
    check(t, fabs(total - (double)s), (double)(count + 4) * eps_of(lo.dt) * (double)sa + 1e-300, 0,
          "total", (double)count);
}

static void softmax_ce_families(const xentc_kernel_table *T, int dt)
{
    const double e = eps_of(dt), tiny = tiny_of(dt);
    tally_t ts = { "sparse_softmax_ce+grad", T->name, dt, 0, 0, 0 },
            td = { "dense_softmax_ce", T->name, dt, 0, 0, 0 },
            tc = { "csr_softmax_ce", T->name, dt, 0, 0, 0 };
    for (size_t c = 0; c < N_NCOLS; c++) {
        const ptrdiff_t n = NCOLS[c], ld = n;
        buf_t x = buf_new(dt, ROWS * ld), g = buf_new(dt, ROWS * ld), lo = buf_new(dt, ROWS),
              tt = buf_new(dt, ROWS * ld), vals = buf_new(dt, ROWS * ld);
        int64_t *lab = malloc(ROWS * sizeof *lab), *indptr = malloc((ROWS + 1) * sizeof *indptr),
                *indices = malloc(ROWS * n * sizeof *indices);
        fill_logits(x, ROWS * ld, 3.0);
        for (ptrdiff_t i = 0; i < ROWS; i++) lab[i] = (int64_t)(unif() * n);
        lab[3 % ROWS] = -1; /* an ignored row */
        /* soft targets: non-negative rows summing to 1, about half zeros */
        indptr[0] = 0;
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            double s = 0;
            for (ptrdiff_t j = 0; j < n; j++) {
                double v = (j == lab[i] || unif() < 0.5) ? unif() + 0.01 : 0.0;
                set(tt, i * n + j, v);
                s += get(tt, i * n + j);
            }
            if (s == 0) {
                set(tt, i * n, 1.0);
                s = get(tt, i * n);
            }
            for (ptrdiff_t j = 0; j < n; j++) set(tt, i * n + j, get(tt, i * n + j) / s);
            indptr[i + 1] = indptr[i];
            for (ptrdiff_t j = 0; j < n; j++)
                if (get(tt, i * n + j) != 0) {
                    indices[indptr[i + 1]] = j;
                    set(vals, (size_t)indptr[i + 1], get(tt, i * n + j));
                    indptr[i + 1]++;
                }
        }

        xentc_args a = base_args(x, n, ld);
        a.labels = lab;
        a.loss_out = lo.p;
        a.grad_out = g.p;
        a.ldg = n;
        double total = T->sparse_softmax_ce[dt](&a, 0, ROWS);
        check_total(&ts, total, lo, ROWS);
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            LD m, r = row_lse(x, i * ld, n, &m), spread = 0;
            for (ptrdiff_t j = 0; j < n; j++)
                spread += expl((LD)get(x, i * ld + j) - r) * fabsl((LD)get(x, i * ld + j) - m);
            if (lab[i] < 0) {
                check(&ts, fabs(get(lo, i)), 0, 1, "ignored row loss", (double)n);
                for (ptrdiff_t j = 0; j < n; j++)
                    check(&ts, fabs(get(g, i * n + j)), 0, 1, "ignored row grad", (double)n);
                continue;
            }
            LD loss = r - (LD)get(x, i * ld + lab[i]);
            check(&ts, fabs(get(lo, i) - (double)loss),
                  4 * e * (double)(loss + spread) + 4 * e * (double)loss + tiny, 0, "loss",
                  (double)n);
            for (ptrdiff_t j = 0; j < n; j++) {
                LD p = expl((LD)get(x, i * ld + j) - r), d = fabsl((LD)get(x, i * ld + j) - m);
                LD ref = p - (j == lab[i] ? 1 : 0);
                check(&ts, fabs(get(g, i * n + j) - (double)ref),
                      8 * e * (double)(fabsl(ref) + p * (1 + d) + (j == lab[i] ? spread : 0)) +
                          2 * tiny,
                      0, "gradient", (double)n);
            }
        }

        /* soft targets, dense then CSR: loss = sum_j t_j (lse - x_j) */
        a = base_args(x, n, ld);
        a.t = tt.p;
        a.ldt = n;
        a.loss_out = lo.p;
        total = T->dense_softmax_ce[dt](&a, 0, ROWS);
        check_total(&td, total, lo, ROWS);
        for (int csr = 0; csr < 2; csr++) {
            if (csr) {
                a = base_args(x, n, ld);
                a.indptr = indptr;
                a.indices = indices;
                a.values = vals.p;
                a.loss_out = lo.p;
                total = T->csr_softmax_ce[dt](&a, 0, ROWS);
                check_total(&tc, total, lo, ROWS);
            }
            for (ptrdiff_t i = 0; i < ROWS; i++) {
                LD m, r = row_lse(x, i * ld, n, &m), loss = 0, mag = 0;
                for (ptrdiff_t j = 0; j < n; j++) {
                    LD tj = (LD)get(tt, i * n + j);
                    loss += tj * (r - (LD)get(x, i * ld + j));
                    mag += tj * (fabsl((LD)get(x, i * ld + j) - m) + fabsl(r - m) + 1);
                }
                check(csr ? &tc : &td, fabs(get(lo, i) - (double)loss), 8 * e * (double)mag + tiny,
                      0, "loss", (double)n);
            }
        }
        free(x.p);
        free(g.p);
        free(lo.p);
        free(tt.p);
        free(vals.p);
        free(lab);
        free(indptr);
        free(indices);
    }
    report(&ts);
    report(&td);
    report(&tc);
}

static void sigmoid_binary_families(const xentc_kernel_table *T, int dt)
{
    const double e = eps_of(dt), tiny = tiny_of(dt);
    tally_t ts = { "sigmoid_ce", T->name, dt, 0, 0, 0 },
            tc = { "csr_sigmoid_ce", T->name, dt, 0, 0, 0 },
            tb = { "binary_ce", T->name, dt, 0, 0, 0 };
    for (size_t c = 0; c < N_NCOLS; c++) {
        const ptrdiff_t n = NCOLS[c];
        buf_t x = buf_new(dt, ROWS * n), tt = buf_new(dt, ROWS * n), lo = buf_new(dt, ROWS * n),
              ones = buf_new(dt, ROWS * n), p = buf_new(dt, ROWS * n);
        int64_t *indptr = malloc((ROWS + 1) * sizeof *indptr),
                *indices = malloc(ROWS * n * sizeof *indices);
        fill_logits(x, ROWS * n, 6.0);
        indptr[0] = 0;
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            indptr[i + 1] = indptr[i];
            for (ptrdiff_t j = 0; j < n; j++) {
                int on = unif() < 0.3;
                set(tt, i * n + j, on);
                set(ones, i * n + j, 1.0);
                if (on) indices[indptr[i + 1]++] = j;
                set(p, i * n + j, 0.001 + 0.998 * unif());
            }
        }
        for (int csr = 0; csr < 2; csr++) {
            xentc_args a = base_args(x, n, n);
            if (csr) {
                a.indptr = indptr;
                a.indices = indices;
                a.values = ones.p;
            } else {
                a.t = tt.p;
                a.ldt = n;
            }
            a.loss_out = lo.p;
            double total =
                csr ? T->csr_sigmoid_ce[dt](&a, 0, ROWS) : T->sigmoid_ce[dt](&a, 0, ROWS);
            check_total(csr ? &tc : &ts, total, lo, (size_t)(ROWS * n));
            for (ptrdiff_t k = 0; k < ROWS * n; k++) {
                /* the sign-split form: both terms >= 0, so the reference itself
                 * does not cancel when the loss is tiny */
                LD xv = (LD)get(x, k), tv = (LD)get(tt, k);
                LD loss = (xv >= 0 ? (1 - tv) * xv : -tv * xv) + log1pl(expl(-fabsl(xv)));
                check(csr ? &tc : &ts, fabs(get(lo, k) - (double)loss),
                      8 * e * (double)loss + tiny, 0, "loss", (double)n);
            }
        }
        xentc_args a = base_args(p, n, n);
        a.t = tt.p;
        a.ldt = n;
        a.loss_out = lo.p;
        double total = T->binary_ce[dt](&a, 0, ROWS);
        check_total(&tb, total, lo, (size_t)(ROWS * n));
        for (ptrdiff_t k = 0; k < ROWS * n; k++) {
            LD pv = (LD)get(p, k), tv = (LD)get(tt, k);
            LD loss = -(tv * logl(pv) + (1 - tv) * log1pl(-pv));
            check(&tb, fabs(get(lo, k) - (double)loss), 8 * e * (double)loss + tiny, 0, "loss",
                  (double)n);
        }
        free(x.p);
        free(tt.p);
        free(lo.p);
        free(ones.p);
        free(p.p);
        free(indptr);
        free(indices);
    }
    report(&ts);
    report(&tc);
    report(&tb);
}

static void categorical_families(const xentc_kernel_table *T, int dt)
{
    const double e = eps_of(dt);
    tally_t tl = { "sparse_categorical_ce", T->name, dt, 0, 0, 0 },
            td = { "dense_categorical_ce", T->name, dt, 0, 0, 0 },
            tc = { "csr_categorical_ce", T->name, dt, 0, 0, 0 };
    for (size_t c = 0; c < N_NCOLS; c++) {
        const ptrdiff_t n = NCOLS[c];
        buf_t p = buf_new(dt, ROWS * n), tt = buf_new(dt, ROWS * n), lo = buf_new(dt, ROWS),
              vals = buf_new(dt, ROWS * n);
        int64_t *lab = malloc(ROWS * sizeof *lab), *indptr = malloc((ROWS + 1) * sizeof *indptr),
                *indices = malloc(ROWS * n * sizeof *indices);
        indptr[0] = 0;
        for (ptrdiff_t i = 0; i < ROWS; i++) {
            double s = 0;
            for (ptrdiff_t j = 0; j < n; j++) {
                set(p, i * n + j, unif() + 1e-3);
                s += get(p, i * n + j);
            }
            for (ptrdiff_t j = 0; j < n; j++) set(p, i * n + j, get(p, i * n + j) / s);
            lab[i] = (int64_t)(unif() * n);
            indptr[i + 1] = indptr[i];
            for (ptrdiff_t j = 0; j < n; j++) {
                double v = (j == lab[i]) ? 0.75 : (unif() < 0.3 ? 0.25 / n : 0.0);
                set(tt, i * n + j, v);
                if (v != 0) {
                    indices[indptr[i + 1]] = j;
                    set(vals, (size_t)indptr[i + 1], v);
                    indptr[i + 1]++;
                }
            }
        }
        for (int kind = 0; kind < 3; kind++) {
            xentc_args a = base_args(p, n, n);
            a.loss_out = lo.p;
            tally_t *t = kind == 0 ? &tl : (kind == 1 ? &td : &tc);
            double total;
            if (kind == 0) {
                a.labels = lab;
                total = T->sparse_categorical_ce[dt](&a, 0, ROWS);
            } else if (kind == 1) {
                a.t = tt.p;
                a.ldt = n;
                total = T->dense_categorical_ce[dt](&a, 0, ROWS);
            } else {
                a.indptr = indptr;
                a.indices = indices;
                a.values = vals.p;
                total = T->csr_categorical_ce[dt](&a, 0, ROWS);
            }
            check_total(t, total, lo, ROWS);
            for (ptrdiff_t i = 0; i < ROWS; i++) {
                /* the kernel adds the terms in order: allow the classic bound
                 * of a sequential sum, (terms + 4) eps sum |term| */
                LD loss = 0, terms = 1;
                if (kind == 0)
                    loss = -logl((LD)get(p, i * n + lab[i]));
                else
                    for (ptrdiff_t j = 0; j < n; j++) {
                        LD tj = (LD)get(tt, i * n + j);
                        if (tj != 0) {
                            loss -= tj * logl((LD)get(p, i * n + j));
                            terms++;
                        }
                    }
                check(t, fabs(get(lo, i) - (double)loss),
                      e * (double)((terms + 4) * fabsl(loss) + 4), 0, "loss", (double)n);
            }
        }
        free(p.p);
        free(tt.p);
        free(lo.p);
        free(vals.p);
        free(lab);
        free(indptr);
        free(indices);
    }
    report(&tl);
    report(&td);
    report(&tc);
}

/* ---- dispatch ------------------------------------------------------------ */
static void dispatch_checks(void)
{
    tally_t t = { "dispatch", "-", 1, 0, 0, 0 };
    const char *sup = xentc_supported_targets();
    check(&t, xentc_select("baseline") == 0 ? 0 : 1, 0, 1, "select baseline", 0);
    check(&t, strcmp(xentc_active()->name, "baseline") == 0 ? 0 : 1, 0, 1, "active baseline", 0);
    check(&t, xentc_select("no-such-isa") == -1 ? 0 : 1, 0, 1, "unknown name refused", 0);
#if !defined(__x86_64__) && !defined(__i386__)
    /* not x86: no x86 target may be compiled in, offered or selected */
    check(&t, xentc_select("avx2") == -1 && xentc_select("avx512") == -1 ? 0 : 1, 0, 1,
          "x86 refused", 0);
    check(&t, strstr(sup, "avx") == NULL ? 0 : 1, 0, 1, "x86 not supported", 0);
    check(&t, strstr(xentc_compiled_targets(), "avx") == NULL ? 0 : 1, 0, 1, "x86 not compiled",
          0);
    check(&t, strcmp(xentc_active()->name, "baseline") == 0 ? 0 : 1, 0, 1, "still baseline", 0);
#endif
    printf("dispatch: compiled %s; this CPU runs %s\n", xentc_compiled_targets(), sup);
    report(&t);
}

int main(void)
{
    static const double sp_exp[] = { 0.0,       -0.0, 1.0,    -1.0,   INFINITY,
                                     -INFINITY, NAN,  1000.0, -1000.0 };
    static const double sp_log[] = { 0.0,      -0.0,      1.0, 2.0,    0.5,  -1.0,
                                     INFINITY, -INFINITY, NAN, 1e-310, 4e-45 };
    static const double sp_log1p[] = { 0.0, -0.0, 1e-30, -1e-30, -1.0, -2.0, INFINITY, NAN };
    static const double sp_sig[] = { 0.0,    -0.0,     30.0,      -30.0, 100.0,
                                     -100.0, INFINITY, -INFINITY, NAN };
    const xentc_kernel_table *tables[] = { &xentc_table_baseline, &xentc_table_emu512 };
    printf("xentc kernel check (%s, long double has %d mantissa bits)\n",
#if defined(__aarch64__)
           "aarch64",
#elif defined(__x86_64__)
           "x86-64",
#else
           "other",
#endif
           __LDBL_MANT_DIG__);
    for (size_t k = 0; k < 2; k++) {
        const xentc_kernel_table *T = tables[k];
        for (int dt = 0; dt < 2; dt++) {
            const double ehi = dt ? 709.0 : 88.0, elo = dt ? -744.0 : -103.0;
            const double big = dt ? 1e300 : 1e38;
            /* budgets: the README's accuracy table, rounded up */
            elem_family(T, dt, "exp", T->exp[dt], ref_exp, elo, ehi, 1.1, sp_exp, 9);
            elem_family(T, dt, "exp (|x|<2)", T->exp[dt], ref_exp, -2, 2, 1.1, sp_exp, 0);
            elem_family(T, dt, "log", T->log[dt], ref_log, 0, big, 1.0, sp_log, 11);
            elem_family(T, dt, "log (0.5..2)", T->log[dt], ref_log, 0.5, 2, 1.0, sp_log, 0);
            elem_family(T, dt, "log1p", T->log1p[dt], ref_log1p, -0.999, 10, 1.5, sp_log1p, 8);
            elem_family(T, dt, "sigmoid", T->sigmoid[dt], ref_sigmoid, -40, 40, 3.0, sp_sig, 9);
            elem_family(T, dt, "log_sigmoid", T->log_sigmoid[dt], ref_log_sigmoid, -40, 40, 2.0,
                        sp_sig, 9);
            row_families(T, dt);
            softmax_ce_families(T, dt);
            sigmoid_binary_families(T, dt);
            categorical_families(T, dt);
        }
    }
    dispatch_checks();
    printf("%s\n", failures ? "FAILED" : "all kernel checks passed");
    return failures ? 1 : 0;
}
