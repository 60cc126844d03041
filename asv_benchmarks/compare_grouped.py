#!/usr/bin/env python3
"""Grouped softmax cross-entropy against its peers, side by side in one
process: xentc, a PyTorch loop (slice + F.cross_entropy per group) and JAX
(optax per group under one jit), on one pinned CPU thread.

Why one process: a ratio is only honest when both sides run back to back on
the same inputs in the same machine state. Each (op, dtype, shape) is warmed
up (JAX compiles, torch sizes its pools), then the implementations are timed
in interleaved rounds (order rotated each round); the median per
implementation is reported with "x faster" = peer median / xentc median, and
the largest |loss - xentc loss| as a sanity check.

Run (from anywhere; about 2-4 minutes on an idle machine):
    python3 asv_benchmarks/compare_grouped.py --out-md asv_benchmarks/results_grouped.md
    python3 asv_benchmarks/compare_grouped.py --rounds 5 --dtypes float32 --ops loss
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# pin before JAX / torch start their thread pools: one thread means one CPU
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np
from benchmarks import bench_grouped as bg
from benchmarks.common import cpu_model


def time_once(fn, clock, min_s=0.05):
    """Seconds per call: a batch of calls lasting at least min_s, averaged."""
    count, t0 = 0, clock()
    while True:
        fn()
        count += 1
        elapsed = clock() - t0
        if elapsed >= min_s:
            return elapsed / count


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--ops", default="loss,loss_grad")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--shapes", default=",".join(bg.SHAPES))
    ap.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall: perf_counter; cpu: the process's CPU time (all its threads), "
        "steadier when other processes share the CPU",
    )
    ap.add_argument("--out-md")
    ap.add_argument("--out-json")
    args = ap.parse_args(argv)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    rows = []
    for op in args.ops.split(","):
        for dtype in args.dtypes.split(","):
            for shape in args.shapes.split(","):
                fns = {}
                for impl in bg.IMPLS:
                    try:
                        fns[impl] = bg.build(impl, op, shape, np.dtype(dtype), n_threads=1)
                    except NotImplementedError as exc:
                        print(f"skip {impl}: {exc}", file=sys.stderr)
                values = {impl: fn() for impl, fn in fns.items()}  # warm-up, and the check
                loss = {k: (v[0] if isinstance(v, tuple) else v) for k, v in values.items()}
                samples = {impl: [] for impl in fns}
                order = list(fns)
                for r in range(args.rounds):
                    for impl in order[r % len(order) :] + order[: r % len(order)]:
                        samples[impl].append(time_once(fns[impl], clock))
                med = {k: statistics.median(v) for k, v in samples.items()}
                peers = {k: v for k, v in med.items() if k != "xentc"}
                fastest = min(peers, key=peers.get) if peers else None
                row = {
                    "op": op,
                    "dtype": dtype,
                    "shape": shape,
                    "ms": {k: v * 1e3 for k, v in med.items()},
                    "x_faster": {k: v / med["xentc"] for k, v in peers.items()},
                    "fastest_peer": fastest,
                    "max_loss_diff": max(abs(v - loss["xentc"]) for v in loss.values()),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    meta = {
        "cpu": cpu_model(),
        "threads": 1,
        "clock": args.clock,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_avg": os.getloadavg(),
    }
    for name in ("torch", "jax", "optax"):
        mod = sys.modules.get(name)
        if mod is not None:
            meta[name] = getattr(mod, "__version__", "?")
    lines = [
        f"# Grouped softmax CE vs peers ({meta['date_utc']} UTC)",
        "",
        (
            f"CPU: {meta['cpu']}; 1 thread (pinned); {args.clock} clock; load average at the end "
            f"{meta['load_avg'][0]:.2f}; torch {meta.get('torch', '-')}, "
            f"jax {meta.get('jax', '-')}, optax {meta.get('optax', '-')}."
        ),
        "",
        (
            "| op | dtype | shape | xentc ms | torch loop ms | jax/optax ms | "
            "x faster than fastest peer | max |loss diff| |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ms = r["ms"]
        best = r["x_faster"].get(r["fastest_peer"], float("nan"))
        lines.append(
            f"| {r['op']} | {r['dtype']} | {r['shape']} | {ms['xentc']:.2f} | "
            f"{ms.get('torch_loop', float('nan')):.2f} | "
            f"{ms.get('jax_optax', float('nan')):.2f} | {best:.1f} "
            f"({r['fastest_peer']}) | {r['max_loss_diff']:.1e} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out_md:
        with open(args.out_md, "w") as fh:
            fh.write(text)
    if args.out_json:
        with open(args.out_json, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
