"""Focal losses (Lin et al. 2017): the `focal_gamma` / `focal_alpha` options
of the sigmoid and softmax cross-entropies of xentc.losses.

xentc.losses keeps the plain path and sends a call here unless gamma is the
float 0.0 and no alpha is given; `with_focal` sends gamma = 0 back to the
plain kernels, bit for bit. Validation, weights and reductions are
the plain losses' (DESIGN.md 3.2); the kernels are src/body_focal.h.

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

from . import losses as _L


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


def with_focal(kw, focal_gamma, focal_alpha=None):
    """The kernel-form keyword arguments of a plain loss (losses._prep_*),
    with the focal parameters added when they are active: the compute step
    then runs the focal twin of the same kernel on the same checked inputs.
    gamma = 0 without alpha leaves kw as it is (the plain kernel, bit for bit)."""
    gamma = check_gamma(focal_gamma)
    alpha, use_alpha = check_alpha(focal_alpha)
    if gamma == 0.0 and not use_alpha:
        return kw
    return dict(kw, focal=(gamma, alpha, use_alpha))


def sigmoid(
    logits,
    targets,
    pos_weight,
    sample_weight,
    label_smoothing,
    reduction,
    n_threads,
    focal_gamma,
    focal_alpha,
    grad=False,
    hess=False,
    out=None,
):
    """Focal sigmoid CE: (loss, grad, hess) like losses._sigmoid."""
    fn, x, kw = _L._prep_sigmoid(
        logits, targets, pos_weight, sample_weight, label_smoothing, reduction, n_threads
    )
    return fn(x, **with_focal(kw, focal_gamma, focal_alpha), grad=grad, hess=hess, out=out)


def sparse_softmax(
    logits,
    labels,
    class_weight,
    sample_weight,
    ignore_index,
    label_smoothing,
    reduction,
    n_threads,
    focal_gamma,
    grad=False,
    hess=False,
    out=None,
):
    """Focal softmax CE with integer labels: (loss, grad, hess)."""
    fn, x, kw = _L._prep_sparse_softmax(
        logits,
        labels,
        class_weight,
        sample_weight,
        ignore_index,
        label_smoothing,
        reduction,
        n_threads,
    )
    return fn(x, **with_focal(kw, focal_gamma), grad=grad, hess=hess, out=out)


def soft_softmax(
    logits,
    targets,
    class_weight,
    sample_weight,
    label_smoothing,
    reduction,
    n_threads,
    focal_gamma,
    grad=False,
    hess=False,
    out=None,
):
    """Focal softmax CE with dense or scipy.sparse (soft) targets."""
    fn, x, kw = _L._prep_softmax_soft(
        logits, targets, class_weight, sample_weight, label_smoothing, reduction, n_threads
    )
    return fn(x, **with_focal(kw, focal_gamma), grad=grad, hess=hess, out=out)
