"""Plain NumPy twins of the public functions: slow, obviously correct, float64.

Each twin has the name and semantics of the fast function (same weighting,
reductions, label smoothing, limits for infinite logits) and is written for
reading, not speed: whole-matrix float64 (or longdouble) NumPy, dense targets,
no tricks beyond the max shift. The tests demand that the kernels agree with
these to a stated tolerance, and the demo (`python -m xentc`) prints both.

Gradients and Hessians are of the reduced objective ("none" treated as
"sum"), like the loss objects' `loss_gradient` / `gradient_hessian`.
"""

import numpy as np


def _f(x, dtype=np.float64):
    return np.asarray(x, dtype=dtype)


def _dense(t):
    return np.asarray(t.toarray()) if hasattr(t, "toarray") else np.asarray(t)


# ---- primitives -------------------------------------------------------------


def log_softmax(x, axis=-1, dtype=np.float64):
    """x - logsumexp(x); a row whose max is +inf gives -log(k) on its k
    infinite entries and -inf elsewhere; an all -inf row gives NaN."""
    x = np.moveaxis(_f(x, dtype), axis, -1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(x, axis=-1, keepdims=True, initial=-np.inf)
        fin = np.isfinite(m)
        shifted = np.where(fin, x - np.where(fin, m, 0), 0)
        lp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        is_inf = x == np.inf
        k = np.sum(is_inf, axis=-1, keepdims=True)
        lp_inf = np.where(is_inf, -np.log(np.maximum(k, 1)), -np.inf)
        lp = np.where(m == np.inf, lp_inf, lp)
        lp = np.where(m == -np.inf, np.nan, lp)
        lp = np.where(np.isnan(x).any(axis=-1, keepdims=True), np.nan, lp)
    return np.moveaxis(lp, -1, axis)


def softmax(x, axis=-1, dtype=np.float64):
    with np.errstate(invalid="ignore"):
        return np.exp(log_softmax(x, axis, dtype))


def logsumexp(x, axis=-1, keepdims=False, dtype=np.float64):
    x = _f(x, dtype)
    if axis is None:
        x, axis = x.reshape(1, -1), -1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        fin = np.isfinite(m)
        s = np.sum(np.exp(x - np.where(fin, m, 0)), axis=axis, keepdims=True)
        out = np.where(fin, m + np.log(s), m)
        out = np.where(np.isnan(x).any(axis=axis, keepdims=True), np.nan, out)
    return out if keepdims else np.squeeze(out, axis=axis)


def sigmoid(x, dtype=np.float64):
    x = _f(x, dtype)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def log_sigmoid(x, dtype=np.float64):
    x = _f(x, dtype)
    with np.errstate(over="ignore"):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


# ---- shared weighting / reduction -------------------------------------------


def _reduce(per_sample, w, reduction, divisor=1):
    """per_sample: unweighted losses (N,) or (N, K); w: (N,) weights (0 = ignored)."""
    wl = per_sample * (w if per_sample.ndim == 1 else w[:, None])
    if reduction == "none":
        return wl
    if reduction == "sum":
        return float(np.sum(wl))
    denom = float(np.sum(w)) * divisor
    return float(np.sum(wl)) / denom if denom else float("nan")


def _scale(w, reduction, divisor=1):
    if reduction != "mean":
        return np.asarray(w, dtype=np.float64)
    denom = float(np.sum(w)) * divisor
    return np.asarray(w, dtype=np.float64) / denom if denom else np.zeros_like(w, dtype=np.float64)


def _soft_ce(x, tw, dtype=np.float64):
    """sum_j tw_j * (-log_softmax_j), zero-weight terms dropped; and (S, p)."""
    lp = log_softmax(x, dtype=dtype)
    with np.errstate(invalid="ignore"):
        terms = np.where(tw != 0, -tw * lp, 0.0)
        rownan = np.isnan(lp).any(axis=1)
        loss = np.where(rownan, np.nan, terms.sum(axis=1))
        p = np.exp(lp)
    return loss, tw.sum(axis=1), p


def _balanced(counts):
    counts = np.asarray(counts, dtype=np.float64)
    cw = np.zeros_like(counts)
    present = counts > 0
    if present.any():
        cw[present] = counts.sum() / (present.sum() * counts[present])
    return cw


def _class_weight(class_weight, n_classes, counts):
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        return _balanced(counts)
    if isinstance(class_weight, dict):
        cw = np.ones(n_classes)
        for k, v in class_weight.items():
            cw[k] = v
        return cw
    return _f(class_weight)


# ---- softmax cross-entropy -------------------------------------------------


def sparse_softmax_cross_entropy(
    logits,
    labels,
    *,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    reduction="mean",
    return_grad=False,
):
    x = _f(logits)
    n, c = x.shape
    y = np.asarray(labels).astype(np.int64)
    keep = np.ones(n, bool) if ignore_index is None else (y != ignore_index)
    yk = np.where(keep, y, 0)
    counts = np.bincount(yk[keep], minlength=c)
    cw = _class_weight(class_weight, c, counts)
    w = (np.ones(n) if sample_weight is None else _f(sample_weight)) * cw[yk] * keep
    eps = label_smoothing
    tw = np.full((n, c), eps / c)
    tw[np.arange(n), yk] += 1 - eps
    loss, S, p = _soft_ce(x, tw)
    loss = np.where(keep, loss, 0.0)
    out = _reduce(loss, w, reduction)
    if not return_grad:
        return out
    a = _scale(w, reduction)[:, None]
    g = np.where(keep[:, None], a * (S[:, None] * p - tw), 0.0)
    h = np.where(keep[:, None], a * S[:, None] * p * (1 - p), 0.0)
    return out, g, h


def softmax_cross_entropy(
    logits,
    targets,
    *,
    class_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    return_grad=False,
):
    x = _f(logits)
    n, c = x.shape
    t = _dense(targets).astype(np.float64)
    cw = _class_weight(class_weight, c, t.sum(axis=0))
    eps = label_smoothing
    tw = cw[None, :] * ((1 - eps) * t + eps / c)
    w = np.ones(n) if sample_weight is None else _f(sample_weight)
    loss, S, p = _soft_ce(x, tw)
    out = _reduce(loss, w, reduction)
    if not return_grad:
        return out
    a = _scale(w, reduction)[:, None]
    return out, a * (S[:, None] * p - tw), a * S[:, None] * p * (1 - p)


# ---- sigmoid cross-entropy ---------------------------------------------------


def sigmoid_cross_entropy(
    logits,
    targets,
    *,
    pos_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    return_grad=False,
):
    x = _f(logits)
    y = _dense(targets).astype(np.float64)
    y = (1 - label_smoothing) * y + label_smoothing / 2
    pw = (
        np.ones(x.shape[-1] if x.ndim == 2 else 1)
        if pos_weight is None
        else np.broadcast_to(_f(pos_weight), (x.shape[-1] if x.ndim == 2 else 1,))
    )
    pw = pw if x.ndim == 2 else pw[0]
    L = 1 + (pw - 1) * y
    with np.errstate(invalid="ignore", over="ignore"):
        # -[pw*y*log(s) + (1-y)*log(1-s)],  log(s) = -softplus(-x), log(1-s) = -softplus(x)
        sp_neg = np.logaddexp(0, -x)
        sp_pos = np.logaddexp(0, x)
        loss = np.where(pw * y != 0, pw * y * sp_neg, 0.0) + np.where(
            1 - y != 0, (1 - y) * sp_pos, 0.0
        )
        loss = np.where(np.isnan(x), np.nan, loss)
    n = x.shape[0]
    w = np.ones(n) if sample_weight is None else _f(sample_weight)
    divisor = x.shape[1] if x.ndim == 2 else 1
    out = _reduce(loss, w, reduction, divisor)
    if not return_grad:
        return out
    a = _scale(w, reduction, divisor)
    a = a[:, None] if x.ndim == 2 else a
    s = sigmoid(x)
    return out, a * (L * s - pw * y), a * L * s * (1 - s)


# ---- probability inputs ------------------------------------------------------


def binary_cross_entropy(
    probs, targets, *, eps="auto", sample_weight=None, reduction="mean", return_grad=False
):
    p_in = np.asarray(probs)
    eps = (
        float(np.finfo(p_in.dtype if p_in.dtype.kind == "f" else np.float64).eps)
        if eps == "auto"
        else eps
    )
    p = np.clip(_f(p_in), eps, 1 - eps)
    y = _dense(targets).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -(
            np.where(y != 0, y * np.log(p), 0.0) + np.where(y != 1, (1 - y) * np.log1p(-p), 0.0)
        )
    n = p.shape[0]
    w = np.ones(n) if sample_weight is None else _f(sample_weight)
    divisor = p.shape[1] if p.ndim == 2 else 1
    out = _reduce(loss, w, reduction, divisor)
    if not return_grad:
        return out
    a = _scale(w, reduction, divisor)
    a = a[:, None] if p.ndim == 2 else a
    pr = _f(p_in)
    inside = (pr > eps) & (pr < 1 - eps)
    g = np.where(inside, a * ((1 - y) / (1 - p) - y / p), 0.0)
    h = np.where(inside, a * (y / p**2 + (1 - y) / (1 - p) ** 2), 0.0)
    return out, g, h


def categorical_cross_entropy(
    probs,
    targets,
    *,
    eps="auto",
    renormalize=False,
    sample_weight=None,
    reduction="mean",
    return_grad=False,
):
    p_in = np.asarray(probs)
    eps = (
        float(np.finfo(p_in.dtype if p_in.dtype.kind == "f" else np.float64).eps)
        if eps == "auto"
        else eps
    )
    p = _f(p_in)
    n, c = p.shape
    if not hasattr(targets, "toarray") and np.ndim(targets) == 1:
        t = np.zeros((n, c))
        t[np.arange(n), np.asarray(targets).astype(np.int64)] = 1.0
    else:
        t = _dense(targets).astype(np.float64)
    S = p.sum(axis=1, keepdims=True) if renormalize else np.ones((n, 1))
    q = p / S
    qc = np.clip(q, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.where(t != 0, t * np.log(qc), 0.0).sum(axis=1)
    w = np.ones(n) if sample_weight is None else _f(sample_weight)
    out = _reduce(loss, w, reduction)
    if not return_grad:
        return out
    a = _scale(w, reduction)[:, None]
    u = (q > eps) & (q < 1 - eps) & (t != 0)
    T_u = np.where(u, t, 0.0).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        gk = np.where(u, -t / p, 0.0)
        hk = np.where(u, t / p**2, 0.0)
    if renormalize:
        gk = gk + T_u / S
        hk = hk - T_u / S**2
    return out, a * gk, a * hk


# ---- focal losses -------------------------------------------------------------
# Textbook product-rule forms (q^(gamma-1), q^(gamma-2) written out), distinct
# from the kernels' bounded forms (src/body_focal.h); fine away from p -> 1.


def sigmoid_focal_cross_entropy(
    logits,
    targets,
    *,
    pos_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    focal_gamma=0.0,
    focal_alpha=None,
    return_grad=False,
):
    """alpha_t (1 - p_t)^gamma CE_pw(x, y), y smoothed first (docs/focal.md)."""
    x = _f(logits)
    y = _dense(targets).astype(np.float64)
    y = (1 - label_smoothing) * y + label_smoothing / 2
    k = x.shape[-1] if x.ndim == 2 else 1
    pw = np.ones(k) if pos_weight is None else np.broadcast_to(_f(pos_weight), (k,))
    pw = pw if x.ndim == 2 else pw[0]
    gam = float(focal_gamma)
    at = 1.0 if focal_alpha is None else focal_alpha * y + (1 - focal_alpha) * (1 - y)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        ce = np.where(pw * y != 0, pw * y * np.logaddexp(0, -x), 0.0) + np.where(
            1 - y != 0, (1 - y) * np.logaddexp(0, x), 0.0
        )
        s, sb = sigmoid(x), sigmoid(-x)
        q = y * sb + (1 - y) * s
        mod = q**gam
        loss = at * mod * ce
        loss = np.where(np.isnan(x), np.nan, loss)
    w = np.ones(x.shape[0]) if sample_weight is None else _f(sample_weight)
    divisor = x.shape[1] if x.ndim == 2 else 1
    out = _reduce(loss, w, reduction, divisor)
    if not return_grad:
        return out
    a = _scale(w, reduction, divisor)
    a = a[:, None] if x.ndim == 2 else a
    v = s * sb
    q1 = (1 - 2 * y) * v  # dq/dx
    q2 = q1 * (sb - s)  # d2q/dx2
    d1 = (1 - y) * s - pw * y * sb  # dCE/dx
    d2 = (pw * y + 1 - y) * v  # d2CE/dx2
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = gam * q ** (gam - 1) * q1 if gam else 0.0
        m2 = (gam * (gam - 1) * q ** (gam - 2) * q1**2 + gam * q ** (gam - 1) * q2) if gam else 0.0
    g = a * at * (m1 * ce + mod * d1)
    h = a * at * (m2 * ce + 2 * m1 * d1 + mod * d2)
    return out, g, h


def _softmax_focal(x, tw, gam):
    """per-row loss, gradient and Hessian diagonal of sum_j tw_j f(l_j),
    f(l) = -(1 - e^l)^gamma l, through the chain rule dl_j/dx_k = d_jk - p_k."""
    lp = log_softmax(x)
    p = np.exp(lp)
    q = 1 - p
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(tw != 0, -tw * q**gam * lp, 0.0)
        f1 = gam * q ** (gam - 1) * p * lp - q**gam if gam else -np.ones_like(p)
        f2 = (
            gam * p * q ** (gam - 2) * (q * lp + 2 * q - (gam - 1) * p * lp)
            if gam
            else np.zeros_like(p)
        )
    f1 = np.where(tw != 0, tw * f1, 0.0)
    f2 = np.where(tw != 0, tw * f2, 0.0)
    loss = terms.sum(axis=1)
    g = f1 - p * f1.sum(axis=1, keepdims=True)
    # h_k = sum_j tw_j [f''_j (d_jk - p_k)^2 - f'_j p_k (1 - p_k)]
    h = (
        f2 * (1 - p) ** 2
        + (f2.sum(axis=1, keepdims=True) - f2) * p**2
        - f1.sum(axis=1, keepdims=True) * p * (1 - p)
    )
    return loss, g, h


def sparse_softmax_focal_cross_entropy(
    logits,
    labels,
    *,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    reduction="mean",
    focal_gamma=0.0,
    return_grad=False,
):
    x = _f(logits)
    n, c = x.shape
    y = np.asarray(labels).astype(np.int64)
    keep = np.ones(n, bool) if ignore_index is None else (y != ignore_index)
    yk = np.where(keep, y, 0)
    cw = _class_weight(class_weight, c, np.bincount(yk[keep], minlength=c))
    w = (np.ones(n) if sample_weight is None else _f(sample_weight)) * cw[yk] * keep
    eps = label_smoothing
    tw = np.full((n, c), eps / c)
    tw[np.arange(n), yk] += 1 - eps
    loss, g, h = _softmax_focal(x, tw, float(focal_gamma))
    loss = np.where(keep, loss, 0.0)
    out = _reduce(loss, w, reduction)
    if not return_grad:
        return out
    a = _scale(w, reduction)[:, None]
    return out, np.where(keep[:, None], a * g, 0.0), np.where(keep[:, None], a * h, 0.0)


def softmax_focal_cross_entropy(
    logits,
    targets,
    *,
    class_weight=None,
    sample_weight=None,
    label_smoothing=0.0,
    reduction="mean",
    focal_gamma=0.0,
    return_grad=False,
):
    x = _f(logits)
    n, c = x.shape
    t = _dense(targets).astype(np.float64)
    cw = _class_weight(class_weight, c, t.sum(axis=0))
    eps = label_smoothing
    tw = cw[None, :] * ((1 - eps) * t + eps / c)
    w = np.ones(n) if sample_weight is None else _f(sample_weight)
    loss, g, h = _softmax_focal(x, tw, float(focal_gamma))
    out = _reduce(loss, w, reduction)
    if not return_grad:
        return out
    a = _scale(w, reduction)[:, None]
    return out, a * g, a * h


# ---- grouped softmax cross-entropy ------------------------------------------


def grouped_softmax_cross_entropy(
    logits,
    labels,
    *,
    groups=None,
    class_weight=None,
    sample_weight=None,
    ignore_index=None,
    label_smoothing=0.0,
    focal_gamma=0.0,
    reduction="mean",
    return_grad=False,
):
    """One softmax per group of columns, each entry's loss
    -sum_j t_j (1 - p_j)^gamma log p_j (gamma = 0: cross-entropy); derivatives
    by the chain rule through p (Jacobian p_j (delta_jk - p_k)); entry
    weights sample_weight_i * class_weight_g[y_ig], ignored entries 0."""
    x = _f(logits)
    in_shape = x.shape
    if groups is None:
        groups = [x.shape[2]] * x.shape[1]
        x = x.reshape(x.shape[0], -1)
    y = np.asarray(labels).astype(np.int64)
    n, g_count = y.shape
    off = np.concatenate([[0], np.cumsum(groups)]).astype(int)
    keep = np.ones((n, g_count), bool) if ignore_index is None else (y != ignore_index)
    if isinstance(class_weight, str):
        class_weight = [class_weight] * g_count
    sw = np.ones(n) if sample_weight is None else _f(sample_weight)
    gam, eps = float(focal_gamma), label_smoothing
    loss = np.zeros((n, g_count))
    w = np.zeros((n, g_count))
    grad = np.zeros_like(x)
    hess = np.zeros_like(x)
    for g in range(g_count):
        c = int(groups[g])
        xs = x[:, off[g] : off[g + 1]]
        yk = np.where(keep[:, g], y[:, g], 0)
        cw_in = None if class_weight is None else class_weight[g]
        cw = _class_weight(cw_in, c, np.bincount(yk[keep[:, g]], minlength=c))
        w[:, g] = sw * cw[yk] * keep[:, g]
        t = np.full((n, c), eps / c)
        t[np.arange(n), yk] += 1 - eps
        lp = log_softmax(xs)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            p = np.exp(lp)
            q = -np.expm1(lp)
            F = q**gam
            terms = np.where(t != 0, -t * F * lp, 0.0)
            loss[:, g] = np.where(np.isnan(lp).any(axis=1), np.nan, terms.sum(axis=1))
            if not return_grad:
                continue
            # dL/dp_j = -t_j f'(p_j), f(p) = q^gam log p
            f1 = np.where(p > 0, F / p, 0.0) - np.where(
                gam * lp != 0, gam * q ** (gam - 1) * lp, 0.0
            )
            f2 = (
                np.where(gam * (gam - 1) * lp != 0, gam * (gam - 1) * q ** (gam - 2) * lp, 0.0)
                - np.where(gam != 0, 2 * gam * q ** (gam - 1) / p, 0.0)
                - F / p**2
            )
            dp = -t * f1
            d2p = -t * f2
            eye = np.eye(c)
            J = p[:, :, None] * (eye[None] - p[:, None, :])  # J[i, j, k] = dp_j/dz_k
            gk = np.einsum("ij,ijk->ik", dp, J)
            second = p[:, :, None] * (
                (eye[None] - p[:, None, :]) ** 2 - (p * (1 - p))[:, None, :]
            )  # d2 p_j / dz_k^2
            hk = np.einsum("ij,ijk->ik", d2p, J**2) + np.einsum("ij,ijk->ik", dp, second)
        grad[:, off[g] : off[g + 1]] = np.where(keep[:, g : g + 1], gk, 0.0)
        hess[:, off[g] : off[g + 1]] = np.where(keep[:, g : g + 1], hk, 0.0)
    loss = np.where(keep, loss, 0.0)
    wl = w * loss
    if reduction == "none":
        out = wl
    elif reduction == "sum":
        out = float(wl.sum())
    else:
        out = float(wl.sum()) / float(w.sum()) if w.sum() else float("nan")
    if not return_grad:
        return out
    a = w if reduction != "mean" else (w / w.sum() if w.sum() else np.zeros_like(w))
    a_cols = np.repeat(a, np.diff(off), axis=1)
    return out, (a_cols * grad).reshape(in_shape), (a_cols * hess).reshape(in_shape)


# ---- per-row scoring statistics (twin of xentc._rowstats.row_stats) --------


def row_stats(pred, labels=None, *, probabilities=False):
    """dict of per-row argmax (np.argmax), rank (scores ranked above the
    label's under scikit-learn's top-k ties; NaN compares false), p_top (top
    probability; NaN for NaN / all -inf rows) and sq (sum_j (p_j - [j=y])^2,
    or sum_j p_j^2 without labels), in float64."""
    x = _f(pred)
    n, c = x.shape
    p = x if probabilities else softmax(x)
    out = {"argmax": np.argmax(x, axis=1), "p_top": np.max(p, axis=1)}
    target = np.zeros_like(p)
    if labels is not None:
        y = np.asarray(labels, dtype=np.intp)
        own = x[np.arange(n), y][:, None]
        later = np.arange(c)[None, :] > y[:, None]
        with np.errstate(invalid="ignore"):
            out["rank"] = np.sum(np.where(later, x >= own, x > own), axis=1)
        target[np.arange(n), y] = 1.0
    out["sq"] = np.sum((p - target) ** 2, axis=1)
    return out
