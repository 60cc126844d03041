"""How the coefficients of vexp_f32 / vexpn_f32 (src/xentc_simd.h) were fitted:
exp(r) ~ 1 + r + r^2 q(r) on [-ln2/2, ln2/2], near-minimax in relative error
by iteratively reweighted least squares (Lawson) on Chebyshev nodes."""

import mpmath as mp

mp.mp.dps = 50
import numpy as np


def fit(deg_q, a, npts=400):
    # fit exp(r) ~ 1 + r + r^2*q(r), minimise relative error, weighted LS on Chebyshev nodes then a few IRLS (Lawson) rounds
    nodes = [a * mp.cos(mp.pi * (k + 0.5) / npts) for k in range(npts)]
    w = [mp.mpf(1)] * npts
    for _it in range(60):
        A = mp.matrix(npts, deg_q + 1)
        b = mp.matrix(npts, 1)
        for i, r in enumerate(nodes):
            e = mp.exp(r)
            s = mp.sqrt(w[i]) / e
            for k in range(deg_q + 1):
                A[i, k] = s * r ** (k + 2)
            b[i] = s * (e - 1 - r)
        c = mp.lu_solve(A.T * A, A.T * b)
        errs = []
        for r in nodes:
            p = 1 + r + sum(c[k] * r ** (k + 2) for k in range(deg_q + 1))
            errs.append(abs(p / mp.exp(r) - 1))
        tot = sum(w[i] * errs[i] for i in range(npts))
        w = [w[i] * errs[i] / tot for i in range(npts)]
    return c, max(errs)


a = mp.log(2) / 2
for dq in (4,):
    c, e = fit(dq, a)
    print(
        "f32",
        dq,
        [mp.nstr(x, 20) for x in c],
        float(e),
        "as float32:",
        [repr(np.float32(float(x))) for x in c],
    )
for dq in (9,):
    c, e = fit(dq, a)
    print("f64", dq, [mp.nstr(x, 25) for x in c], float(e), [repr(float(x)) for x in c])
