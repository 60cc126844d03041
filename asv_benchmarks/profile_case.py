#!/usr/bin/env python3
"""One benchmark call of the peer table, repeated, for a profiler to wrap:

    perf stat -e task-clock,page-faults,cycles,instructions,cache-misses \\
        python3 asv_benchmarks/profile_case.py sparse_ce xentc 20000x1000 --repeat 50
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
        python3 asv_benchmarks/profile_case.py sparse_ce xentc 2000x1000 --repeat 5
    callgrind_annotate /tmp/cg.out | head -30

The implementation is "xentc", "floor[read]" (the memory-read floor of
benchmarks/floor.py) or a peer of benchmarks/peers.py (importing that module
imports PyTorch and JAX, which takes minutes under valgrind; xentc and the
floor do without it). `--out preallocated` gives softmax / log_softmax an
`out=` array instead of fresh memory.
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

from benchmarks import common, floor

X = common.xentc
# the xentc calls of benchmarks/peers.py, on the same cached inputs
XENTC_CALLS = {
    "sparse_ce": (("x", "y"), lambda i, nt: X.sparse_softmax_cross_entropy(*i, n_threads=nt)),
    "soft_ce": (("x", "T"), lambda i, nt: X.softmax_cross_entropy(*i, n_threads=nt)),
    "logsumexp": (("x",), lambda i, nt: X.logsumexp(*i, axis=-1, n_threads=nt)),
    "log_softmax": (("x",), lambda i, nt: X.log_softmax(*i, axis=-1, n_threads=nt)),
    "softmax": (("x",), lambda i, nt: X.softmax(*i, axis=-1, n_threads=nt)),
    "sparse_ce_grad": (
        ("x", "y"),
        lambda i, nt: X.SparseSoftmaxCrossEntropy(n_threads=nt).loss_gradient(*i),
    ),
    "sigmoid_ce": (("bx", "bt"), lambda i, nt: X.sigmoid_cross_entropy(*i, n_threads=nt)),
    "sigmoid_ce_pw": (
        ("bx", "bt", "pw"),
        lambda i, nt: X.sigmoid_cross_entropy(i[0], i[1], pos_weight=i[2], n_threads=nt),
    ),
}
KINDS = {"x": "logits", "y": "labels", "T": "soft_targets", "bx": "binary_logits"}
KINDS["bt"] = "binary_targets"


def inputs(names, dtype, shape):
    return [
        common.pos_weight_for(shape, dtype)
        if n == "pw"
        else common.get_input(KINDS[n], shape, dtype)
        for n in names
    ]


def build(op, impl, dtype, shape, n_threads, out):
    if impl in ("xentc", "floor[read]"):
        if op not in XENTC_CALLS:
            raise SystemExit(f"profile_case: op {op!r} needs --impl from peers.py")
        names, call = XENTC_CALLS[op]
        inp = inputs(names, dtype, shape)
        if impl == "floor[read]":
            return floor.reader([a for a in inp if isinstance(a, np.ndarray)], n_threads)
        if out == "preallocated" and op in ("softmax", "log_softmax"):
            dst = np.zeros_like(inp[0])
            fn = getattr(X, op)
            return lambda: fn(inp[0], out=dst, n_threads=n_threads)
        return lambda: call(inp, n_threads)
    from benchmarks import peers

    return peers.get_case(op, impl, dtype, shape, n_threads).fn


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("op")
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
