"""Focal losses (gamma = 2, alpha = 0.25 for the sigmoid), forward and
loss + gradient, xentc next to what a user would write otherwise:
torchvision's sigmoid_focal_loss formula in PyTorch ops (autograd for the
gradient), optax.sigmoid_focal_loss under jax.jit, and the usual softmax
focal formula (log_softmax, gather, (1 - p_t)^gamma) in PyTorch and JAX.

    cd asv_benchmarks && asv run --python=same --quick -b bench_focal
One-process ratios: ../compare_focal.py.
"""

import numpy as np

from . import peers
from .common import ALL_CPUS, PROFILE, get_input, limit_cpus, unlimit_cpus, xentc

GAMMA, ALPHA = 2.0, 0.25
SOFTMAX_SHAPES = [s for s in PROFILE["softmax_shapes"] if s[1] in (10, 1_000)]
IMPLS = ["xentc", "torch", "jax"]


def _torch_sigmoid_focal(torch, x, y):
    """torchvision.ops.sigmoid_focal_loss (reduction="mean"), its formula"""
    F = torch.nn.functional
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** GAMMA)
    return ((ALPHA * y + (1 - ALPHA) * (1 - y)) * loss).mean()


def _torch_softmax_focal(torch, x, y):
    lp = torch.nn.functional.log_softmax(x, dim=1).gather(1, y[:, None])[:, 0]
    return (-((1 - lp.exp()) ** GAMMA) * lp).mean()


def _jax_sigmoid_focal():
    optax, jnp = peers.need("optax"), peers.need("jax").numpy
    return lambda x, y: jnp.mean(optax.sigmoid_focal_loss(x, y, alpha=ALPHA, gamma=GAMMA))


def _jax_softmax_focal():
    jax = peers.need("jax")
    jnp = jax.numpy

    def f(x, y):
        lp = jnp.take_along_axis(jax.nn.log_softmax(x, axis=1), y[:, None], axis=1)[:, 0]
        return jnp.mean(-((1 - jnp.exp(lp)) ** GAMMA) * lp)

    return f


def inputs(op, dtype, shape):
    if op.startswith("sigmoid"):
        return (
            get_input("binary_logits", shape, dtype),
            get_input("binary_targets", shape, dtype),
        )
    return get_input("logits", shape, dtype), get_input("labels", shape)


def build(op, impl, dtype, shape, n_threads):
    """A no-argument callable computing `op` (sigmoid_focal[_grad],
    softmax_focal[_grad]) with `impl` on the cached inputs."""
    x, y = inputs(op, dtype, shape)
    grad = op.endswith("_grad")
    sig = op.startswith("sigmoid")
    if impl == "xentc":
        obj = (
            xentc.SigmoidCrossEntropy(focal_gamma=GAMMA, focal_alpha=ALPHA, n_threads=n_threads)
            if sig
            else xentc.SparseSoftmaxCrossEntropy(focal_gamma=GAMMA, n_threads=n_threads)
        )
        return (lambda: obj.loss_gradient(x, y)) if grad else (lambda: obj.loss(x, y))
    if impl == "torch":
        torch = peers.need("torch")
        xt, yt = peers._torch_tensor(x), peers._torch_tensor(y)
        f = _torch_sigmoid_focal if sig else _torch_softmax_focal
        if not grad:
            return lambda: f(torch, xt, yt)

        def fg():
            xg = xt.detach().requires_grad_(True)
            loss = f(torch, xg, yt)
            loss.backward()
            return loss, xg.grad

        return fg
    if impl == "jax":
        jax = peers.need("jax")
        xj, yj = peers._jax_put(np.asarray(x)), peers._jax_put(np.asarray(y))
        make = _jax_sigmoid_focal if sig else _jax_softmax_focal
        key = ("focal", op, dtype, shape)
        call = peers._jit(key, (lambda: jax.value_and_grad(make())) if grad else make)
        return lambda: call(xj, yj)
    raise ValueError(impl)


class _Focal:
    OP = None
    param_names = ("impl", "dtype", "shape", "n_threads")
    number = 1
    repeat = (3, 10, 20.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, impl, dtype, shape, n_threads):
        if n_threads > len(ALL_CPUS):
            raise NotImplementedError(f"{n_threads} threads > {len(ALL_CPUS)} CPUs")
        self.fn = build(self.OP, impl, dtype, tuple(shape), n_threads)
        limit_cpus(n_threads)
        self.fn()  # warm-up: JAX compile, torch pools, page faults

    def teardown(self, impl, dtype, shape, n_threads):
        unlimit_cpus()

    def time_call(self, impl, dtype, shape, n_threads):
        self.fn()


def _params(shapes):
    return [IMPLS, PROFILE["dtypes"], shapes, PROFILE["n_threads"]]


class SigmoidFocal(_Focal):
    OP = "sigmoid_focal"
    params = _params(PROFILE["sigmoid_shapes"])


class SigmoidFocalLossGradient(_Focal):
    OP = "sigmoid_focal_grad"
    params = _params(PROFILE["sigmoid_shapes"])


class SoftmaxFocal(_Focal):
    OP = "softmax_focal"
    params = _params(SOFTMAX_SHAPES)


class SoftmaxFocalLossGradient(_Focal):
    OP = "softmax_focal_grad"
    params = _params(SOFTMAX_SHAPES)
