"""Focal losses (Lin et al. 2017): the `focal_gamma` / `focal_alpha` options
of the sigmoid and softmax cross-entropies of xentc.losses.

xentc.losses keeps the plain path and sends a call here only when the focal
options are active (gamma != 0, or alpha given for the sigmoid), so gamma = 0
stays the plain kernels bit for bit. Validation, weights and reductions are
the plain losses' (DESIGN.md 3.2); the kernels are src/focal_body.h.

Conventions (docs/focal.md):
- sigmoid: loss = alpha_t * (1 - p_t)^gamma * CE(x, y) with
  p_t = p y + (1 - p)(1 - y), alpha_t = alpha y + (1 - alpha)(1 - y) when
  alpha is not None (torchvision.ops.sigmoid_focal_loss); y is the target
  after label smoothing; CE includes pos_weight (the factor multiplies the
  pos_weight-weighted cross-entropy).
- softmax: loss_i = -sum_j a_ij (1 - p_ij)^gamma log p_ij with a_ij the
  (smoothed, class-weighted) target weights of the plain loss; with integer
  labels and no smoothing that is (1 - p_y)^gamma * CE, class_weight acting
  as alpha (Keras's categorical_focal_crossentropy convention).
"""
import numbers

import numpy as np

from . import _kernels
from . import _validation as V
from . import losses as _L


def active(focal_gamma, focal_alpha=None):
    """False for the plain call (gamma the float 0.0, no alpha): the one test
    xentc.losses makes before its plain path. Anything else comes here, is
    validated, and goes back to the plain path if it is gamma = 0 after all."""
    return focal_alpha is not None or type(focal_gamma) is not float or focal_gamma != 0.0


def check_gamma(focal_gamma):
    if isinstance(focal_gamma, (bool, np.bool_)) or not isinstance(focal_gamma, numbers.Real):
        raise TypeError(f"focal_gamma must be a float >= 0; got {focal_gamma!r}")
    gamma = float(focal_gamma)
    if not (gamma >= 0.0 and np.isfinite(gamma)):
        raise ValueError(f"focal_gamma must be a finite float >= 0; got {focal_gamma!r}")
    return gamma


def check_alpha(focal_alpha):
    """(alpha, use_alpha)"""
    if focal_alpha is None:
        return 0.0, False
    if isinstance(focal_alpha, (bool, np.bool_)) or not isinstance(focal_alpha, numbers.Real):
        raise TypeError(f"focal_alpha must be None or a float in [0, 1]; got {focal_alpha!r}")
    alpha = float(focal_alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"focal_alpha must be None or a float in [0, 1]; got {focal_alpha!r}")
    return alpha, True


def sigmoid(logits, targets, pos_weight, sample_weight, label_smoothing, reduction, n_threads,
            focal_gamma, focal_alpha, grad=False, hess=False, out=None):
    """Focal sigmoid CE: (loss, grad, hess) like losses._sigmoid."""
    gamma = check_gamma(focal_gamma)
    alpha, use_alpha = check_alpha(focal_alpha)
    if gamma == 0.0 and not use_alpha:
        return _L._sigmoid(logits, targets, pos_weight, sample_weight, label_smoothing, reduction,
                           n_threads, grad, hess, out)
    eps = V.check_smoothing(label_smoothing)
    x = V.as_float_array(logits, "logits")
    if x.ndim not in (1, 2):
        raise ValueError("logits must be 1-D (n_samples,) or 2-D (n_samples, n_labels); "
                         f"got shape {x.shape}")
    reduction = V.check_reduction(reduction)
    n_threads = V.resolve_n_threads(n_threads)
    n = x.shape[0]
    k = x.shape[1] if x.ndim == 2 else 1
    kind, tgt = _L._elementwise_targets(targets, x)
    w = None if sample_weight is None else V.check_weights(sample_weight, "sample_weight", n)
    pw_col, pw_s = _L._pos_weight(pos_weight, k, x.dtype)
    weight_sum = float(w.sum()) if w is not None else float(n)
    divisor = k if x.ndim == 2 else 1
    scale = _L._grad_scale(reduction if reduction != "none" else "sum", weight_sum, divisor)
    # one long row when the layout allows it (as the plain kernel)
    flat = kind == "dense" and (x.ndim == 1 or (w is None and pw_col is None))
    if flat:
        x = V.flat_contiguous(x)
        tgt = V.flat_contiguous(tgt)
    else:
        x = V.rows_contiguous(x)
        if kind == "dense":
            tgt = V.rows_contiguous(tgt)
    bufs = _L._Outputs(x, reduction, grad, hess, out, x.shape)
    if flat and bufs.grad is not None and not bufs.grad.flags.c_contiguous:
        raise ValueError("out must be C-contiguous for this input")
    common = {"smoothing": eps, "pos_weight": pw_s, "col_weight": pw_col, "grad_scale": scale,
                  "loss_out": bufs.loss, "grad_out": bufs.grad, "hess_out": bufs.hess, "n_threads": n_threads}
    if flat:
        flat_of = lambda b: None if b is None else b.reshape(-1)
        common.update(loss_out=flat_of(bufs.loss), grad_out=flat_of(bufs.grad),
                      hess_out=flat_of(bufs.hess))
        ew = w.astype(x.dtype) if w is not None else None
        total = _kernels.focal_loss("sigmoid", x.reshape(-1), gamma, alpha, use_alpha,
                                    t=tgt.reshape(-1), elem_weight=ew, flat=True, **common)
    elif kind == "dense":
        total = _kernels.focal_loss("sigmoid", x, gamma, alpha, use_alpha, t=tgt, row_weight=w,
                                    **common)
    else:
        indptr, indices, data = tgt
        total = _kernels.focal_loss("csr_sigmoid", x, gamma, alpha, use_alpha, indptr=indptr,
                                    indices=indices, values=data, row_weight=w, **common)
    return _L._reduce(total, weight_sum, bufs.loss, reduction, divisor), bufs.grad, bufs.hess


def sparse_softmax(logits, labels, class_weight, sample_weight, ignore_index, label_smoothing,
                   reduction, n_threads, focal_gamma, grad=False, hess=False, out=None):
    """Focal softmax CE with integer labels: (loss, grad, hess)."""
    if check_gamma(focal_gamma) == 0.0:
        return _L._sparse_softmax(logits, labels, class_weight, sample_weight, ignore_index,
                                  label_smoothing, reduction, n_threads, grad, hess, out)
    gamma = float(focal_gamma)
    x = _L._logits_2d(logits)
    n, c = x.shape
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = V.resolve_n_threads(n_threads)
    lab, ignored = V.check_labels(labels, n, c, ignore_index)
    w = None if sample_weight is None else V.check_weights(sample_weight, "sample_weight", n)
    counts = np.bincount(lab[lab >= 0], minlength=c) if isinstance(class_weight, str) else None
    cw = _L._class_weight_array(class_weight, c, np.float64, counts)
    if cw is not None:  # class_weight is alpha: a per-sample weight
        cwl = cw[np.maximum(lab, 0)]
        w = cwl if w is None else w * cwl
    if ignored is not None and w is not None:
        w = np.where(ignored, 0.0, w)
    if w is not None:
        weight_sum = float(w.sum())
    else:
        weight_sum = float(n - (int(ignored.sum()) if ignored is not None else 0))
    bufs = _L._Outputs(x, reduction, grad, hess, out, (n,))
    total = _kernels.focal_loss(
        "sparse_softmax", x, gamma, 0.0, False, labels=lab, row_weight=w, smoothing=eps,
        grad_scale=_L._grad_scale(reduction if reduction != "none" else "sum", weight_sum),
        loss_out=bufs.loss, grad_out=bufs.grad, hess_out=bufs.hess, n_threads=n_threads)
    return _L._reduce(total, weight_sum, bufs.loss, reduction), bufs.grad, bufs.hess


def soft_softmax(logits, targets, class_weight, sample_weight, label_smoothing, reduction,
                 n_threads, focal_gamma, grad=False, hess=False, out=None):
    """Focal softmax CE with dense or scipy.sparse (soft) targets."""
    if check_gamma(focal_gamma) == 0.0:
        return _L._softmax_soft(logits, targets, class_weight, sample_weight, label_smoothing,
                                reduction, n_threads, grad, hess, out)
    gamma = float(focal_gamma)
    x = _L._logits_2d(logits)
    n, c = x.shape
    reduction = V.check_reduction(reduction)
    eps = V.check_smoothing(label_smoothing)
    n_threads = V.resolve_n_threads(n_threads)
    kind, tgt = _L._soft_targets(targets, x)
    counts = None
    if isinstance(class_weight, str):
        if kind == "dense":
            counts = tgt.sum(axis=0, dtype=np.float64)
        else:
            counts = np.bincount(tgt[1], weights=tgt[2].astype(np.float64), minlength=c)
    cw = _L._class_weight_array(class_weight, c, x.dtype, counts)
    w = None if sample_weight is None else V.check_weights(sample_weight, "sample_weight", n)
    weight_sum = float(w.sum()) if w is not None else float(n)
    bufs = _L._Outputs(x, reduction, grad, hess, out, (n,))
    common = {"row_weight": w, "col_weight": cw, "smoothing": eps,
                  "grad_scale": _L._grad_scale(reduction if reduction != "none" else "sum",
                                            weight_sum),
                  "loss_out": bufs.loss, "grad_out": bufs.grad, "hess_out": bufs.hess, "n_threads": n_threads}
    if kind == "dense":
        total = _kernels.focal_loss("dense_softmax", x, gamma, 0.0, False, t=tgt, **common)
    else:
        indptr, indices, data = tgt
        total = _kernels.focal_loss("csr_softmax", x, gamma, 0.0, False, indptr=indptr,
                                    indices=indices, values=data, **common)
    return _L._reduce(total, weight_sum, bufs.loss, reduction), bufs.grad, bufs.hess
