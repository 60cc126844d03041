#!/usr/bin/env python3
"""One benchmark call of the peer table, repeated, for a profiler to wrap:

    perf stat -e task-clock,page-faults,cycles,instructions,cache-misses \\
        python3 asv_benchmarks/profile_case.py sparse_ce xentc 20000x1000 --repeat 50
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
        python3 asv_benchmarks/profile_case.py sparse_ce xentc 2000x1000 --repeat 5
    callgrind_annotate /tmp/cg.out | head -30

The implementation names are those of benchmarks/peers.py, plus
"floor[read]" (the memory-read floor of benchmarks/floor.py); `--out fresh`
/ `--out preallocated` picks how softmax / log_softmax get their output.
Inputs are built and the call is made once before the timed loop (page
faults of the inputs, JAX compilation); a profiler counts that setup too, so
subtract a `--repeat 0` run's counts from the totals. Prints the median time
per call to stderr.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchmarks import common, floor, peers


def build(op, impl, dtype, shape, n_threads, out):
    if impl == "floor[read]":
        inp = peers.inputs_for(op, dtype, shape)
        return floor.reader([a for a in inp.values() if isinstance(a, np.ndarray)], n_threads)
    if out == "preallocated" and op in ("softmax", "log_softmax"):
        x = peers.inputs_for(op, dtype, shape)["x"]
        dst = np.zeros_like(x)
        fn = getattr(common.xentc, op)
        return lambda: fn(x, out=dst, n_threads=n_threads)
    return peers.get_case(op, impl, dtype, shape, n_threads).fn


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("op", choices=sorted(peers.OPS))
    p.add_argument("impl")
    p.add_argument("shape", help="e.g. 20000x1000")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--out", choices=["fresh", "preallocated"], default="fresh")
    args = p.parse_args(argv)
    shape = tuple(int(s) for s in args.shape.split("x"))
    common.limit_cpus(args.threads)
    fn = build(args.op, args.impl, args.dtype, shape, args.threads, args.out)
    fn()
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    if times:
        med = float(np.median(times))
        print(
            f"{args.op} {args.impl} {args.shape} {args.dtype} {args.threads}t: "
            f"{med * 1e3:.3f} ms/call, {med / np.prod(shape) * 1e9:.3f} ns/logit",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
