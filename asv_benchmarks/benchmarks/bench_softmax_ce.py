"""Softmax cross-entropy on logits: sparse (integer labels) and soft-label
forward passes, and the fused loss + gradient (allocating, and in place with
out=logits), xentc next to NumPy, scikit-learn, PyTorch and JAX.

peakmem_call / track_extra_bytes_per_row show the memory contract: a forward
pass allocates O(N) (a few bytes per row, whatever C is), and
loss_gradient(out=logits) allocates nothing of size N x C.

    cd asv_benchmarks && asv run --python=same --quick -b bench_softmax_ce
"""

from .common import Benchmark, grid


class SparseSoftmaxCE(Benchmark):
    """sparse_softmax_cross_entropy(logits, labels) vs F.cross_entropy, optax,
    HalfMultinomialLoss.loss, log_loss(softmax(.))."""

    OP = "sparse_ce"
    params = grid(OP)


class SoftSoftmaxCE(Benchmark):
    """softmax_cross_entropy(logits, soft_targets) vs F.cross_entropy with
    probability targets, optax.softmax_cross_entropy."""

    OP = "soft_ce"
    params = grid(OP)


class SparseSoftmaxCELossGradient(Benchmark):
    """SparseSoftmaxCrossEntropy().loss_gradient (and out=logits) vs torch
    autograd / closed form, jax.value_and_grad, HalfMultinomialLoss."""

    OP = "sparse_ce_grad"
    params = grid(OP)
