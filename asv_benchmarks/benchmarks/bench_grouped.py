"""Grouped softmax cross-entropy (several categorical targets per row), xentc
next to what users write instead: a PyTorch loop (slice the logits, one
F.cross_entropy per group) and JAX (optax per group, all under one jit).
Forward loss ("loss") and loss + gradient w.r.t. the logits ("loss_grad").

The builders here are shared with ../compare_grouped.py (one-run ratios).

    cd asv_benchmarks && asv run --python=same --quick -b bench_grouped
"""

import numpy as np

from .common import SkipNotImplemented, limit_cpus, unlimit_cpus

# issue 13's shapes: (n_rows, group sizes)
SHAPES = {
    "1e5x(12+7+5)": (100_000, (12, 7, 5)),
    "2e4x50x20": (20_000, (20,) * 50),
    "1e4x500x2": (10_000, (2,) * 500),
}
IMPLS = ["xentc", "torch_loop", "jax_optax"]
OPS = ["loss", "loss_grad"]


def inputs(shape_name, dtype, seed=0):
    """Seeded logits (N, sum(groups)) and labels (N, G) int64."""
    n, groups = SHAPES[shape_name]
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, sum(groups))) * 3).astype(dtype)
    y = np.stack([rng.integers(0, c, n) for c in groups], axis=1).astype(np.int64)
    return x, y, groups


def build(impl, op, shape_name, dtype, n_threads=1):
    """A zero-argument callable returning the mean loss over all (sample,
    group) entries (and the gradient for op="loss_grad"), with its inputs
    already converted to the implementation's own types (untimed)."""
    x, y, groups = inputs(shape_name, dtype)
    n, n_groups = y.shape
    off = np.concatenate([[0], np.cumsum(groups)]).tolist()
    if impl == "xentc":
        import xentc

        obj = xentc.GroupedSoftmaxCrossEntropy(groups=list(groups), n_threads=n_threads)
        if op == "loss":
            return lambda: obj.loss(x, y)
        return lambda: obj.loss_gradient(x, y)
    if impl == "torch_loop":
        try:
            import torch
            import torch.nn.functional as F
        except ImportError as exc:
            raise SkipNotImplemented("torch is not installed") from exc
        torch.set_num_threads(n_threads)
        xt = torch.from_numpy(x)
        yt = [torch.from_numpy(np.ascontiguousarray(y[:, g])) for g in range(n_groups)]
        denom = float(n * n_groups)

        def loss_of(logits):
            total = 0
            for g in range(n_groups):
                total = total + F.cross_entropy(
                    logits[:, off[g] : off[g + 1]], yt[g], reduction="sum"
                )
            return total / denom

        if op == "loss":

            def run():
                with torch.no_grad():
                    return float(loss_of(xt))

            return run
        leaf = xt.clone().requires_grad_(True)

        def run_grad():
            leaf.grad = None
            value = loss_of(leaf)
            value.backward()
            return float(value), leaf.grad.numpy()

        return run_grad
    if impl == "jax_optax":
        try:
            import jax
            import optax
        except ImportError as exc:
            raise SkipNotImplemented("jax/optax is not installed") from exc
        if dtype == np.float64:
            jax.config.update("jax_enable_x64", True)
        xj = jax.device_put(x)
        yj = jax.device_put(y.astype(np.int32))
        denom = float(n * n_groups)

        def f(logits, labels):
            total = 0.0
            for g in range(n_groups):
                total = (
                    total
                    + optax.softmax_cross_entropy_with_integer_labels(
                        logits[:, off[g] : off[g + 1]], labels[:, g]
                    ).sum()
                )
            return total / denom

        if op == "loss":
            fn = jax.jit(f)
            return lambda: float(fn(xj, yj).block_until_ready())
        fg = jax.jit(jax.value_and_grad(f))

        def run_jax_grad():
            value, grad = fg(xj, yj)
            return float(value), np.asarray(grad.block_until_ready())

        return run_jax_grad
    raise ValueError(f"unknown implementation {impl!r}")


class GroupedSoftmaxCE:
    """grouped_softmax_cross_entropy vs a PyTorch per-group loop and JAX/optax
    per group under one jit, on one thread."""

    param_names = ["impl", "op", "dtype", "shape"]
    params = [IMPLS, OPS, ["float32", "float64"], list(SHAPES)]
    number = 1
    repeat = (3, 10, 20.0)
    timeout = 900

    def setup(self, impl, op, dtype, shape):
        self.fn = build(impl, op, shape, np.dtype(dtype))
        limit_cpus(1)
        self.fn()  # warm-up: JAX compiles here, torch allocates its pools

    def teardown(self, impl, op, dtype, shape):
        unlimit_cpus()

    def time_call(self, impl, op, dtype, shape):
        self.fn()
