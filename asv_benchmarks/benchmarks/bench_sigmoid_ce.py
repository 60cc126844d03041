"""Sigmoid (binary / multi-label) cross-entropy on logits, forward and
loss + gradient, with and without pos_weight, xentc next to NumPy,
scikit-learn (HalfBinomialLoss), PyTorch (binary_cross_entropy_with_logits)
and JAX (optax.sigmoid_binary_cross_entropy).

    cd asv_benchmarks && asv run --python=same --quick -b bench_sigmoid_ce
"""

from .common import Benchmark, grid


class SigmoidCE(Benchmark):
    OP = "sigmoid_ce"
    params = grid(OP)


class SigmoidCEPosWeight(Benchmark):
    OP = "sigmoid_ce_pw"
    params = grid(OP)


class SigmoidCELossGradient(Benchmark):
    OP = "sigmoid_ce_grad"
    params = grid(OP)


class SigmoidCEPosWeightLossGradient(Benchmark):
    OP = "sigmoid_ce_pw_grad"
    params = grid(OP)
