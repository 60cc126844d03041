"""How the coefficients of vlog1p_unit_f32 (src/xentc_simd.h) were fitted:
log1p(e) ~ e * P(e) on [0, 1], near-minimax in relative error by iteratively
reweighted least squares (Lawson) on Chebyshev nodes, in 40-digit mpmath.
Degree 9 (10 coefficients): 4.7e-9 relative."""

import mpmath as mp

mp.mp.dps = 40


def fit(deg, npts=300, iters=40):
    # log1p(e) ~ e * P(e), e in [0, 1]; minimise relative error (IRLS / Lawson)
    nodes = [mp.mpf(0.5) + mp.mpf(0.5) * mp.cos(mp.pi * (k + 0.5) / npts) for k in range(npts)]
    w = [mp.mpf(1)] * npts
    for _it in range(iters):
        A = mp.matrix(npts, deg + 1)
        b = mp.matrix(npts, 1)
        for i, e in enumerate(nodes):
            f = mp.log1p(e)
            s = mp.sqrt(w[i]) / f
            for k in range(deg + 1):
                A[i, k] = s * e ** (k + 1)
            b[i] = s * f
        c = mp.lu_solve(A.T * A, A.T * b)
        errs = [
            abs(sum(c[k] * e ** (k + 1) for k in range(deg + 1)) / mp.log1p(e) - 1) for e in nodes
        ]
        tot = sum(w[i] * errs[i] for i in range(npts))
        w = [w[i] * errs[i] / tot for i in range(npts)]
    # check on a dense grid
    grid = [mp.mpf(i) / 4000 for i in range(1, 4001)]
    mx = max(abs(sum(c[k] * e ** (k + 1) for k in range(deg + 1)) / mp.log1p(e) - 1) for e in grid)
    return c, mx


for deg in (8, 9, 10):
    c, mx = fit(deg)
    print(deg, float(mx), [mp.nstr(x, 12) for x in c])
