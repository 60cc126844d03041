#!/usr/bin/env python3
"""Scoring a chunked Dask array of float32 logits on a local distributed
cluster: xentc.dask against the graph users write today (scikit-learn's
log_loss on each block), at 1 and 2 worker processes; the per-task overhead
against block size; where the time goes; and the choice of reduction tree.

Run (from anywhere; ~5 minutes on an idle 2-core machine, --quick ~1):
    python3 asv_benchmarks/compare_dask.py --out-md asv_benchmarks/results_dask.md
    python3 asv_benchmarks/compare_dask.py --quick

Method:
- the logits (N x C float32, default 1e7 x 10 = 1e8 values) and labels are
  drawn by the workers from seeded generators (a block's labels by a task
  that depends on its logits, so both stay on one worker) and persisted in
  their memory before any timing, so a timing is the scoring graph alone
  (no data generation, no transfer from the client or between workers);
- clusters: LocalCluster(processes=True, threads_per_worker=1) on
  127.0.0.1 with 1 and then 2 workers; the cases take turns `--repeat`
  times (interleaved, so a change of background load hits all alike), the
  median is reported, and every case runs at both worker counts, so the
  1 -> 2 ratio is the scaling;
- graphs compared (same persisted blocks, one task per block, results
  summed by a tree):
    xentc score     xentc.dask.score: every metric of the report
    xentc log_loss  xentc.dask.log_loss: the StreamingScores log-loss alone
    xentc lazy CE   xentc.dask.sparse_softmax_cross_entropy(reduction="mean")
    sklearn         per block log_loss(y, scipy.special.softmax(x), labels,
                    normalize=False), summed, divided by N
- CPU accounting: besides wall time, every run records the CPU seconds of
  this process (client + the LocalCluster's scheduler, which runs in it)
  and of all worker processes. On a shared machine wall time moves with
  the neighbours' load; CPU seconds are what the graph itself costs;
- per-task cost: the same log_loss graph at several block sizes: scheduler
  CPU and worker CPU per task next to the kernel's own time per block;
- where the time goes: the kernel (StreamingScores.update of one block, in
  this process, 1 thread), the state (to_dict, pickle size, from_dict +
  merge), the scheduler (its CPU per task, above);
- reduction: many small partitions merged by the delayed tree that
  xentc.dask uses (split_every 32; and 8), by a single flat merge, and by
  dask.bag's reduction.
"""

import argparse
import os
import pickle
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dask
import dask.array as da
import dask.bag as db
import distributed

import xentc
import xentc.dask as xd
from asv_benchmarks.benchmarks.common import cpu_model
from xentc.scoring import StreamingScores


def median_time(fn, repeat):
    times = []
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def _block_labels(b, c, block_info=None):
    """Seeded labels of one block, drawn from the block's logits task so
    that Dask keeps logits and labels of a block on the same worker."""
    rng = np.random.default_rng(block_info[0]["chunk-location"][0])
    return rng.integers(0, c, b.shape[0])


def data(n, c, block_rows, client):
    x = da.random.default_rng(0).standard_normal((n, c), chunks=(block_rows, c), dtype=np.float32)
    y = x.map_blocks(_block_labels, c, drop_axis=1, dtype=np.int64)
    x, y = client.persist([x, y])
    distributed.wait([x, y])
    return x, y


def _sk_block(x, y, c):
    from scipy.special import softmax
    from sklearn.metrics import log_loss

    return np.array([log_loss(y, softmax(x, axis=1), labels=np.arange(c), normalize=False)])


def sklearn_log_loss(y, x):
    c = x.shape[1]
    sums = da.blockwise(
        _sk_block,
        "i",
        x,
        "ij",
        y,
        "i",
        c,
        None,
        concatenate=True,
        adjust_chunks={"i": 1},
        dtype=np.float64,
    )
    return float(sums.sum().compute()) / x.shape[0]


CASES = {
    "xentc score": lambda y, x: xd.score(y, x)["log_loss"],
    "xentc log_loss": lambda y, x: xd.log_loss(y, x),
    "xentc lazy CE": lambda y, x: float(xd.sparse_softmax_cross_entropy(x, y).compute()),
    "sklearn": sklearn_log_loss,
}


def cluster(n_workers):
    return xd.local_cluster(n_workers, threads_per_worker=1)


def cpu_seconds(client):
    """(this process: client + LocalCluster scheduler, all workers together)."""
    return time.process_time(), sum(client.run(time.process_time).values())


def interleaved(client, cases, repeat, rounds=None):
    """Median wall seconds and CPU seconds (client + scheduler, workers) of
    each case, the cases taking turns in every round (in a rotating order)
    so that a change of background load hits all of them alike. rounds: {name: how many of the
    rounds that case joins} (the slow reference joins fewer)."""
    runs = {name: [] for name in cases}
    values = {}
    names = list(cases)
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
            fn = cases[name]
            if rounds and r >= rounds.get(name, repeat):
                continue
            c0, w0 = cpu_seconds(client)
            t0 = time.perf_counter()
            values[name] = fn()
            wall = time.perf_counter() - t0
            c1, w1 = cpu_seconds(client)
            runs[name].append((wall, c1 - c0, w1 - w0))
    return {
        name: tuple(statistics.median(col) for col in zip(*r)) + (values[name],)
        for name, r in runs.items()
    }


def run_headline(args, out):
    rows = {}
    for workers in (1, 2):
        with cluster(workers) as lc, distributed.Client(lc) as client:
            x, y = data(args.n, args.c, args.block_rows, client)
            for fn in CASES.values():  # warm: imports and first calls on the workers
                fn(y[: args.block_rows], x[: args.block_rows])
            got = interleaved(
                client,
                {name: (lambda fn=fn, y=y, x=x: fn(y, x)) for name, fn in CASES.items()},
                args.repeat,
                rounds={"sklearn": max(1, args.repeat - 1)},
            )
            for name, (wall, ccpu, wcpu, value) in got.items():
                rows.setdefault(name, {})[workers] = (wall, ccpu, wcpu, value)
                print(
                    f"  {workers} worker(s) {name:15s} wall {wall:8.3f} s  client+scheduler "
                    f"CPU {ccpu:6.3f} s  workers CPU {wcpu:7.3f} s  log_loss={value:.10f}",
                    flush=True,
                )
    n_tasks = -(-args.n // args.block_rows)
    out.append(
        f"\n## {args.n:.0e} x {args.c} float32 logits, {n_tasks} blocks of "
        f"{args.block_rows} rows\n"
    )
    out.append(
        "Wall seconds, and CPU seconds spent by the client + scheduler process and by "
        "all workers together (CPU time is what the graph costs whatever else runs on "
        "the machine).\n"
    )
    out.append(
        "| graph | wall 1 w | wall 2 w | wall 1 -> 2 | CPU sched 1 w | CPU workers 1 w | "
        "CPU sched 2 w | CPU workers 2 w | sklearn / this, wall 1 w | "
        "sklearn / this, worker CPU | log_loss |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    sk = rows["sklearn"]
    for name, r in rows.items():
        out.append(
            f"| {name} | {r[1][0]:.2f} | {r[2][0]:.2f} | {r[1][0] / r[2][0]:.2f}x | "
            f"{r[1][1]:.2f} | {r[1][2]:.2f} | {r[2][1]:.2f} | {r[2][2]:.2f} | "
            f"{sk[1][0] / r[1][0]:.1f} | {sk[1][2] / r[1][2]:.1f} | {r[2][3]:.10f} |"
        )
    return rows


def kernel_time(n_rows, c, repeat, metrics=("log_loss",)):
    """Fastest of `repeat` StreamingScores.update calls on one block (the
    intrinsic cost: background load only ever adds to it)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n_rows, c), dtype=np.float32)
    y = rng.integers(0, c, n_rows)
    best, scores = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        scores = StreamingScores(metrics=list(metrics), n_threads=1).update(y, x)
        best = min(best, time.perf_counter() - t0)
    return best, scores


def run_overhead(args, out):
    n = args.overhead_n
    sizes = [r for r in (2_000, 20_000, 200_000) if r <= n]
    out.append(
        f"\n## Per-task cost: xentc.dask.log_loss on {n:.0e} x {args.c} float32, "
        "2 workers, against block size\n"
    )
    out.append(
        "CPU per task of the client + scheduler and of the workers, next to the "
        "kernel's own time per block (StreamingScores.update, fastest of 5 in this "
        "process): what the workers spend beyond the kernel is Dask's per-task cost "
        "(task and data messages, (de)serialisation, the partial state).\n"
    )
    out.append(
        "| block rows | tasks | wall (s) | kernel per block (ms) | "
        "sched CPU per task (ms) | worker CPU per task (ms) |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|")
    with cluster(2) as lc, distributed.Client(lc) as client:
        for rows in sizes:
            x, y = data(n, args.c, rows, client)
            tasks = x.numblocks[0]
            xd.log_loss(y, x)
            got = interleaved(client, {"score": lambda y=y, x=x: xd.log_loss(y, x)}, args.repeat)
            wall, ccpu, wcpu, _ = got["score"]
            kern = kernel_time(rows, args.c, 5)[0]
            out.append(
                f"| {rows} | {tasks} | {wall:.3f} | {kern * 1e3:.2f} | "
                f"{ccpu / tasks * 1e3:.2f} | {wcpu / tasks * 1e3:.2f} |"
            )
            print(
                f"  per-task rows={rows}: wall {wall:.3f} sched CPU {ccpu:.3f} worker CPU "
                f"{wcpu:.3f} kernel/block {kern * 1e3:.2f} ms",
                flush=True,
            )
            client.cancel([x, y])


def run_breakdown(args, out):
    rows = args.block_rows
    full, state = kernel_time(rows, args.c, 5, metrics=xentc.scoring.METRICS)
    ll, _ = kernel_time(rows, args.c, 5)
    d = state.to_dict()
    t_dict, _ = median_time(state.to_dict, 20)
    blob = pickle.dumps(d)
    t_pickle, _ = median_time(lambda: pickle.loads(pickle.dumps(d)), 20)
    t_merge, _ = median_time(
        lambda: StreamingScores.from_dict(d).merge(StreamingScores.from_dict(d)), 20
    )
    out.append(f"\n## Where the time of one {rows}-row block goes (this process, 1 thread)\n")
    out.append("| step | time (ms) |")
    out.append("|---|---:|")
    out.append(f"| kernel: StreamingScores.update, every metric | {full * 1e3:.2f} |")
    out.append(f"| kernel: StreamingScores.update, log_loss only | {ll * 1e3:.2f} |")
    out.append(f"| state: to_dict | {t_dict * 1e3:.3f} |")
    out.append(
        f"| state: pickle round trip ({len(blob)} bytes, every metric) | {t_pickle * 1e3:.3f} |"
    )
    out.append(f"| state: from_dict x2 + merge | {t_merge * 1e3:.3f} |")


def _bag_merge(states):
    return xd._merge(*states)


def run_reduction(args, out):
    n, rows = args.reduction_n, args.reduction_rows
    out.append(
        f"\n## Reduction of {n // rows} partition states ({n} x {args.c}, "
        f"{rows} rows each), 2 workers\n"
    )
    out.append("| reduction | tasks | wall (s) | client + scheduler CPU (s) | workers CPU (s) |")
    out.append("|---|---:|---:|---:|---:|")
    opts = {"task": "multiclass", "metrics": ["log_loss", "accuracy", "per_class"]}
    with cluster(2) as lc, distributed.Client(lc) as client:
        x, y = data(n, args.c, rows, client)

        def parts():
            return xd._array_states(y, x, None, opts, None)

        def tree(split_every):
            root = xd._tree(parts(), split_every)
            return root, len(dict(root.__dask_graph__()))

        def bag():
            b = db.from_delayed(parts()).reduction(_bag_merge, _bag_merge, split_every=8)
            return b, len(dict(b.__dask_graph__()))

        variants = {
            "delayed tree, split_every=8": lambda: tree(8),
            "delayed tree, split_every=32 (xentc.dask)": lambda: tree(32),
            "flat: one merge of all states": lambda: tree(n // rows + 1),
            "dask.bag reduction, split_every=8": bag,
        }
        tasks = {name: build()[1] for name, build in variants.items()}
        dask.compute(variants["flat: one merge of all states"]()[0])
        got = interleaved(
            client,
            {name: (lambda b=build: dask.compute(b()[0])[0]) for name, build in variants.items()},
            args.repeat,
        )
        for name, (wall, ccpu, wcpu, value) in got.items():
            ll = StreamingScores.from_dict(value).result()["log_loss"]
            out.append(f"| {name} | {tasks[name]} | {wall:.3f} | {ccpu:.3f} | {wcpu:.3f} |")
            print(
                f"  reduction {name}: {wall:.3f} s ({tasks[name]} tasks, log_loss {ll:.12f})",
                flush=True,
            )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=10_000_000, help="rows of the headline array")
    p.add_argument("--c", type=int, default=10, help="classes")
    p.add_argument("--block-rows", type=int, default=250_000)
    p.add_argument("--overhead-n", type=int, default=1_000_000)
    p.add_argument("--reduction-n", type=int, default=400_000)
    p.add_argument("--reduction-rows", type=int, default=2_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="1e6 rows, 2 repeats")
    p.add_argument("--only", default="headline,overhead,breakdown,reduction")
    p.add_argument("--out-md", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.block_rows, args.repeat = 1_000_000, 100_000, 2
        args.overhead_n, args.reduction_n = 200_000, 200_000
    out = [
        "# xentc.dask: scoring on a local distributed cluster",
        "",
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs visible; "
        f"dask {dask.__version__}, distributed {distributed.__version__}, "
        f"xentc {xentc.__version__} ({xentc.get_config()['simd_active']}); "
        f"median of {args.repeat} interleaved runs; "
        f"threads_per_worker=1, so every kernel call runs on 1 thread.",
        f"Command: python3 asv_benchmarks/compare_dask.py {' '.join(argv or sys.argv[1:])}",
    ]
    out.append(f"Load average (1 min) before: {os.getloadavg()[0]:.1f}")
    only = set(args.only.split(","))
    if "headline" in only:
        run_headline(args, out)
    if "overhead" in only:
        run_overhead(args, out)
    if "breakdown" in only:
        run_breakdown(args, out)
    if "reduction" in only:
        run_reduction(args, out)
    out.append(f"\nLoad average (1 min) after: {os.getloadavg()[0]:.1f}")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
