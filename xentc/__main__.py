"""`python -m xentc`: print the build configuration, then score the built-in
sample (seeded synthetic model outputs) with every loss, each next to its
plain-NumPy reference twin and the time both took.

Options: --n N (rows, default 200000), --c C (classes, default 100),
--threads T (default: all OpenMP threads).

`python -m xentc score ...`, `config`, `--version` and `--help` are the
`xentc` command (xentc.cli).
"""

import argparse
import sys
import time

import numpy as np
import scipy.sparse as ssp

import xentc
from xentc import _reference as ref


def sample(n, c, seed=0):
    """Over-confident logits of a 'model' that is right ~70% of the time."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    logits = rng.standard_normal((n, c)).astype(np.float32) * 2.0
    right = rng.random(n) < 0.7
    logits[np.arange(n), np.where(right, labels, rng.integers(0, c, n))] += 6.0
    return logits, labels


def _timed(fn, repeat=3):
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return value, best


_CLI_WORDS = ("score", "config", "--version", "-h", "--help")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _CLI_WORDS:
        from .cli import main as cli_main

        return cli_main(argv)
    parser = argparse.ArgumentParser(prog="python -m xentc", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--c", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    xentc.show_config()

    logits, labels = sample(args.n, args.c)
    onehot = ssp.csr_matrix(
        (np.ones(args.n, np.float32), (np.arange(args.n), labels)), shape=(args.n, args.c)
    )
    probs = xentc.softmax(logits)
    multilabel = (np.random.default_rng(1).random((args.n, args.c)) < 0.05).astype(np.float32)
    k = args.threads
    cases = [
        (
            "sparse_softmax_cross_entropy",
            lambda: xentc.sparse_softmax_cross_entropy(logits, labels, n_threads=k),
            lambda: ref.sparse_softmax_cross_entropy(logits, labels),
        ),
        (
            "  ... label_smoothing=0.1",
            lambda: xentc.sparse_softmax_cross_entropy(
                logits, labels, label_smoothing=0.1, n_threads=k
            ),
            lambda: ref.sparse_softmax_cross_entropy(logits, labels, label_smoothing=0.1),
        ),
        (
            "softmax_cross_entropy (CSR one-hot)",
            lambda: xentc.softmax_cross_entropy(logits, onehot, n_threads=k),
            lambda: ref.softmax_cross_entropy(logits, onehot),
        ),
        (
            "sigmoid_cross_entropy (multi-label)",
            lambda: xentc.sigmoid_cross_entropy(logits, multilabel, pos_weight=3.0, n_threads=k),
            lambda: ref.sigmoid_cross_entropy(logits, multilabel, pos_weight=3.0),
        ),
        (
            "categorical_cross_entropy (probs)",
            lambda: xentc.categorical_cross_entropy(probs, labels, n_threads=k),
            lambda: ref.categorical_cross_entropy(probs, labels),
        ),
        (
            "binary_cross_entropy (probs)",
            lambda: xentc.binary_cross_entropy(xentc.sigmoid(logits), multilabel, n_threads=k),
            lambda: ref.binary_cross_entropy(xentc.sigmoid(logits), multilabel),
        ),
        (
            "logsumexp (sum over rows)",
            lambda: float(np.sum(xentc.logsumexp(logits, n_threads=k), dtype=np.float64)),
            lambda: float(np.sum(ref.logsumexp(logits))),
        ),
    ]
    print(f"\nbuilt-in sample: {args.n} x {args.c} float32 logits, seed 0")
    print(
        f"{'loss':38s} {'xentc':>14s} {'NumPy reference':>16s} {'rel. diff':>10s} "
        f"{'xentc ms':>9s} {'ref ms':>8s} {'speed-up':>8s}"
    )
    for name, fast, slow in cases:
        v_fast, t_fast = _timed(fast)
        v_slow, t_slow = _timed(slow, repeat=1)
        rel = abs(v_fast - v_slow) / max(abs(v_slow), 1e-300)
        print(
            f"{name:38s} {v_fast:14.8f} {v_slow:16.8f} {rel:10.1e} "
            f"{t_fast * 1e3:9.2f} {t_slow * 1e3:8.1f} {t_slow / t_fast:7.0f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
