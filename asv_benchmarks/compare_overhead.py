#!/usr/bin/env python3
"""Per-call overhead side by side: every primitive and loss of xentc on one
row of 10 (log_loss: 20 x 10, as it infers the classes from y_true) against
SciPy, scikit-learn and PyTorch, in one process on one CPU. Prints a markdown
table of microseconds per call and the ratio peer / xentc (> 1: xentc is
faster); --write also stores it as results_overhead.md.

    python3 asv_benchmarks/compare_overhead.py                  # ~1 minute
    python3 asv_benchmarks/compare_overhead.py --dtype float64 --write

Method: the implementations of one operation are called in rounds, in
alternating order, each round timing a batch of `--number` calls per
implementation; the minimum over rounds is reported (on a shared machine the
minimum is the run least disturbed by other processes). "xentc checked" is
the same call through the full validation path (see
benchmarks/bench_overhead.py), i.e. the cost without the per-call fast path.
The calls are benchmarks/bench_overhead.py's.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchmarks import bench_overhead, common

PEERS = ["scipy", "sklearn", "torch"]
TARGETS = {  # issue 15: us per call, or "1.5x" = at most 1.5 x SciPy's ufunc
    "sigmoid": "1.5x scipy",
    "log_sigmoid": "1.5x scipy",
    "log_loss(from_logits) 20x10": "20 us",
}


def timed(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def measure(fns, rounds, number):
    best = {k: float("inf") for k in fns}
    names = list(fns)
    for r in range(rounds):
        for k in names if r % 2 == 0 else reversed(names):
            best[k] = min(best[k], timed(fns[k], number))
    return {k: v * 1e6 for k, v in best.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--number", type=int, default=50)
    ap.add_argument("--write", action="store_true", help="write results_overhead.md")
    args = ap.parse_args(argv)
    common.limit_cpus(1)
    inputs = bench_overhead.inputs(args.dtype)
    header = [
        f"Per-call overhead, {args.dtype}, one row of 10 (log_loss: 20 x 10), one CPU: "
        f"{common.cpu_model()}. Microseconds per call (minimum over {args.rounds} "
        f"interleaved rounds of {args.number} calls); ratio = peer / xentc.",
        "",
        "| operation | xentc | xentc checked | peer | peer us | peer / xentc | target |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    lines = []
    for op, builders in bench_overhead.cases().items():
        fns = {}
        for impl, build in builders.items():
            try:
                fns[impl] = build(inputs)
                fns[impl]()
            except ImportError:
                continue
        us = measure(fns, args.rounds, args.number)
        peers = [p for p in PEERS if p in us] or [None]
        for i, peer in enumerate(peers):
            first = i == 0
            lines.append(
                "| "
                + " | ".join(
                    [
                        op if first else "",
                        f"{us['xentc']:.2f}" if first else "",
                        f"{us['xentc_checked']:.2f}" if first else "",
                        peer or "-",
                        f"{us[peer]:.2f}" if peer else "-",
                        f"{us[peer] / us['xentc']:.2f}" if peer else "-",
                        TARGETS.get(op, "2 us") if first else "",
                    ]
                )
                + " |"
            )
    table = "\n".join(header + lines)
    print(table)
    if args.write:
        path = os.path.join(HERE, "results_overhead.md")
        with open(path, "w") as f:
            f.write("# Per-call overhead (issue 15, deliverable 5)\n\n")
            f.write("    python3 asv_benchmarks/compare_overhead.py --write\n\n")
            f.write(table + "\n")
        print(f"written: {path}")


if __name__ == "__main__":
    main()
