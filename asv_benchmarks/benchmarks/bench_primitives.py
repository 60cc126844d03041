"""Primitives over the last axis: logsumexp, log_softmax, softmax, and the
element-wise sigmoid, xentc next to NumPy, scipy.special, PyTorch and JAX.

    cd asv_benchmarks && asv run --python=same --quick -b bench_primitives
"""

from .common import Benchmark, grid


class LogSumExp(Benchmark):
    OP = "logsumexp"
    params = grid(OP)


class LogSoftmax(Benchmark):
    OP = "log_softmax"
    params = grid(OP)


class Softmax(Benchmark):
    OP = "softmax"
    params = grid(OP)


class Sigmoid(Benchmark):
    """xentc.sigmoid vs scipy.special.expit, torch.sigmoid, jax.nn.sigmoid."""

    OP = "sigmoid"
    params = grid(OP)
