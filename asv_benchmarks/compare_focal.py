#!/usr/bin/env python3
"""Focal losses: xentc against torchvision's formula in PyTorch ops and
optax / a jax.jit formula, side by side in one process (float32, pinned to
n CPUs), forward and loss + gradient. Prints a markdown table of ms per call
and "x faster" = peer time / xentc time.

    python3 asv_benchmarks/compare_focal.py                 # ~3 minutes
    python3 asv_benchmarks/compare_focal.py --quick --repeats 5

Method: the implementations of one (operation, shape) are warmed up, then
called in rounds, each round in alternating order, one call (or a batch
averaged, for calls under 2 ms) per implementation per round; the median
per implementation is reported. The calls are benchmarks/bench_focal.py's.
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchmarks import bench_focal, common

SIGMOID_SHAPES = [(1_000_000,), (200_000, 10), (20_000, 1_000)]
SOFTMAX_SHAPES = [(200_000, 10), (20_000, 1_000)]
OPS = ["sigmoid_focal", "sigmoid_focal_grad", "softmax_focal", "softmax_focal_grad"]


def batch_size(fn):
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    return max(1, int(2e-3 / max(dt, 1e-7)))


def timed(fn, k):
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10x fewer rows")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float32")
    args = ap.parse_args(argv)
    common.limit_cpus(args.threads)
    rows = []
    for op in OPS:
        shapes = SIGMOID_SHAPES if op.startswith("sigmoid") else SOFTMAX_SHAPES
        for shape in shapes:
            if args.quick:
                shape = (shape[0] // 10,) + shape[1:]
            fns = {}
            for impl in bench_focal.IMPLS:
                try:
                    fns[impl] = bench_focal.build(op, impl, args.dtype, shape, args.threads)
                    fns[impl]()  # warm-up (JAX compile)
                except NotImplementedError as exc:
                    print(f"# {impl} skipped: {exc}", file=sys.stderr)
            ks = {impl: batch_size(fn) for impl, fn in fns.items()}
            samples = {impl: [] for impl in fns}
            order = list(fns)
            for r in range(args.repeats):
                for impl in order if r % 2 == 0 else order[::-1]:
                    samples[impl].append(timed(fns[impl], ks[impl]))
            med = {impl: statistics.median(s) for impl, s in samples.items()}
            rows.append((op, shape, med))
            ratio = " ".join(
                f"{impl}={med[impl] / med['xentc']:.1f}x" for impl in med if impl != "xentc"
            )
            print(f"# {op} {shape}: xentc {med['xentc'] * 1e3:.2f} ms; {ratio}", file=sys.stderr)
    print(
        f"CPU: {common.cpu_model()}; {args.dtype}; {args.threads} thread(s); median of "
        f"{args.repeats} interleaved rounds; xentc SIMD target "
        f"{_target()}\n"
    )
    print("| operation | shape | xentc ms | torch ms | jax ms | torch / xentc | jax / xentc |")
    print("|---|---|---|---|---|---|---|")
    for op, shape, med in rows:
        t, j = med.get("torch"), med.get("jax")
        x = med["xentc"]
        fmt = lambda v: "n/a" if v is None else f"{v * 1e3:.2f}"
        rat = lambda v, x=x: "n/a" if v is None else f"{v / x:.1f}x"
        print(
            f"| {op} | {'x'.join(map(str, shape))} | {med['xentc'] * 1e3:.2f} | {fmt(t)} | "
            f"{fmt(j)} | {rat(t)} | {rat(j)} |"
        )


def _target():
    from xentc import _kernels

    return _kernels.active_target()


if __name__ == "__main__":
    main()
