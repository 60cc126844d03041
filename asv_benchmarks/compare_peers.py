#!/usr/bin/env python3
"""xentc against its peers, in one process and one run: a table of ns/logit
and "x faster" ratios (peer time / xentc time) per operation, shape, dtype and
thread count, with every issue-15 speed target marked met / missed, and the
memory-read floor of the forward losses (a pass that only reads the same
bytes, benchmarks/floor.py) measured alongside.

Why one process: asv runs every parameter set in a fresh process at a
different moment; a ratio is only honest when both sides run back to back on
the same inputs in the same machine state. Here the implementations of one
(operation, shape, dtype, threads) are timed back to back, in two passes of
opposite order, and the CPU time other processes take meanwhile is measured:
a block run under background load is re-measured after a pause.

Run (from anywhere; 10-12 minutes on an idle 2-core machine, --quick 1-2):
    python3 asv_benchmarks/compare_peers.py \\
        --out-json asv_benchmarks/results_peers.json \\
        --out-md asv_benchmarks/results_peers.md
    python3 asv_benchmarks/compare_peers.py --quick --ops sparse_ce,softmax --threads 1

Method:
- the calls are those of benchmarks/peers.py (the asv suite's registry);
  peers get their inputs pre-converted and untimed (see that file);
- each case is warmed up (one call: JAX compile, page faults, thread pools),
  then timed in blocks of consecutive samples; a sample is one call (or,
  below ~2 ms, a batch of calls averaged); the median is reported;
- threads: every thread of the process is pinned to the first n CPUs
  (sched_setaffinity) for the n-thread column, and torch.set_num_threads(n),
  xentc / scikit-learn get n_threads=n. JAX/XLA sizes its thread pool once
  per process, so pinning is the only way to hold it to n cores; the
  measured CPU use (cpu time / wall time) of every call is recorded
  ("cores") so that this can be checked. NumPy, SciPy and log_loss are
  single-threaded: measured at 1 thread and reused for 2 (marked "1t").
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchmarks import common, floor, peers

# ---------------------------------------------------------------------------
# what to run

SOFTMAX_SHAPES = [(1_000_000, 2), (200_000, 10), (20_000, 1_000), (2_000, 32_000), (256, 128_000)]
SIGMOID_SHAPES = [(1_000_000,), (200_000, 10), (20_000, 1_000)]
OVERHEAD_SHAPES = [(1, 10), (64, 1_000)]
QUICK_DIVISOR = 10  # --quick: 10x fewer rows

ORDER = [
    "sparse_ce",
    "soft_ce",
    "logsumexp",
    "log_softmax",
    "softmax",
    "sparse_ce_grad",
    "sigmoid_ce",
    "sigmoid_ce_pw",
    "sigmoid_ce_grad",
    "sigmoid_ce_pw_grad",
    "sigmoid",
    "overhead_sparse_ce",
]
EXTRA_OPS = {"sigmoid"}  # no issue-15 target: only on request (--ops)
SLOW_PEERS = {"sklearn.log_loss"}  # ~50 ns/logit: never the fastest, costs minutes

FWD_OPS = {"sparse_ce", "soft_ce", "logsumexp", "log_softmax", "softmax"}
GRAD_OPS = {"sparse_ce_grad"}
SIGMOID_OPS = {"sigmoid_ce", "sigmoid_ce_pw", "sigmoid_ce_grad", "sigmoid_ce_pw_grad"}
TARGET_OPS = FWD_OPS | GRAD_OPS | SIGMOID_OPS
# forward reductions: a read of their inputs is a lower bound on their time
FLOOR_OPS = {"sparse_ce", "soft_ce", "logsumexp", "sigmoid_ce", "sigmoid_ce_pw"}
FLOOR = "floor[read]"  # not a peer: the row's memory-read floor


class FloorCase:
    """The memory-read floor of (op, dtype, shape) at n threads, shaped like
    peers.Case: reads the very arrays the call reads (logits, labels /
    targets), once."""

    _reset = None

    def __init__(self, op, dtype, shape, n_threads):
        inp = peers.inputs_for(op, dtype, shape)
        arrays = [a for a in inp.values() if isinstance(a, np.ndarray) and a.ndim]
        self.fn = floor.reader(arrays, n_threads)
        self.fn()  # fault in, warm the thread pool
        t0 = time.perf_counter()
        self.fn()
        self.est_s = time.perf_counter() - t0

    def reset(self):
        pass


def shapes_for(op, quick):
    family = peers.OPS[op].family
    if family == "overhead":
        return OVERHEAD_SHAPES
    shapes = SOFTMAX_SHAPES if family == "softmax" else SIGMOID_SHAPES
    if quick:
        shapes = [(s[0] // QUICK_DIVISOR,) + s[1:] for s in shapes]
    return shapes


def n_logits(shape):
    return int(np.prod(shape))


def n_classes(shape):
    return shape[1] if len(shape) > 1 else 1


# ---------------------------------------------------------------------------
# timing


class Timing:
    def __init__(self, case):
        self.case = case
        self.samples = []  # seconds per call
        self.cpu = []  # cpu seconds per call
        self.number = 1  # calls per sample

    def sample(self):
        c = self.case
        if self.number == 1:
            c.reset()
            w0, p0 = time.perf_counter(), time.process_time()
            c.fn()
            w1, p1 = time.perf_counter(), time.process_time()
        else:  # batches only for cases without reset (tiny calls)
            w0, p0 = time.perf_counter(), time.process_time()
            for _ in range(self.number):
                c.fn()
            w1, p1 = time.perf_counter(), time.process_time()
        self.samples.append((w1 - w0) / self.number)
        self.cpu.append((p1 - p0) / self.number)

    def median(self):
        return float(np.median(self.samples))

    def cores(self):
        wall = sum(self.samples)
        return float(sum(self.cpu) / wall) if wall > 0 else float("nan")


class BackgroundLoad:
    """CPU used by other processes (in cores) while the block runs: the
    machine's busy time from /proc/stat minus this process's cpu time."""

    HZ = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _busy():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (sum(v) - v[3] - v[4]) / BackgroundLoad.HZ

    def __enter__(self):
        self.b0, self.p0, self.w0 = self._busy(), sum(os.times()[:2]), time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.w0
        other = (self._busy() - self.b0) - (sum(os.times()[:2]) - self.p0)
        self.cores = max(0.0, other / wall) if wall > 0 else 0.0


class QuietWaiter:
    """Waits (bounded, in total and per call) for a moment when other
    processes leave the CPUs alone."""

    def __init__(self, threshold, max_wait, max_total):
        self.threshold, self.max_wait, self.max_total = threshold, max_wait, max_total
        self.total = 0.0

    def exhausted(self):
        return self.total >= self.max_total

    def __call__(self, window=0.25):
        waited = 0.0
        while waited < self.max_wait and self.total < self.max_total:
            with BackgroundLoad() as load:
                time.sleep(window)
            if load.cores <= self.threshold:
                return
            waited += window
            self.total += window


def time_cases(
    cases, budget, min_rep, max_rep, slow_s, slow_rep, batch_s=0.002, block_warm_s=0.05
):
    """Time prepared cases; returns ({impl: Timing}, background cores).

    Each implementation is timed in two blocks of consecutive samples (pass
    1 in registry order, pass 2 reversed, so slow drift hits all alike), and
    a fast call gets one untimed call at the start of its block: another
    runtime's worker threads (torch's, XLA's, xentc's libgomp) may still be
    spinning from the previous block, and a user calling one library in a
    loop never sees that. A call slower than slow_s gets slow_rep samples
    (at that length the spread between samples is a few per cent).
    """
    timings = {impl: Timing(c) for impl, c in cases.items()}
    per_round = 0.0
    for t in timings.values():
        est = getattr(t.case, "est_s", 0.01)
        if est < batch_s and t.case._reset is None:
            t.number = max(1, int(batch_s / max(est, 1e-7)))
        per_round += est * t.number
    reps = int(min(max_rep, max(min_rep, budget / max(per_round, 1e-9))))
    n_samples = {
        impl: (min(reps, slow_rep) if getattr(t.case, "est_s", 0.0) >= slow_s else reps)
        for impl, t in timings.items()
    }
    with BackgroundLoad() as load:
        for second in (False, True):
            order = list(timings)[::-1] if second else list(timings)
            for impl in order:
                t = timings[impl]
                first = (n_samples[impl] + 1) // 2
                k = n_samples[impl] - first if second else first
                if k and getattr(t.case, "est_s", 0.0) < block_warm_s:
                    t.case.fn()
                    t.case.reset()
                for _ in range(k):
                    t.sample()
    return timings, load.cores


# ---------------------------------------------------------------------------
# targets (issue 15)

# "not slower at n threads than at 1": timing noise on a shared machine is a
# few per cent, so a row counts as slower only beyond this factor
SCALING_TOLERANCE = 1.05
FLOOR_TARGET = 1.5  # sparse CE forward, C >= 1000: within 1.5x the read floor


def targets_for(row, one_thread_ns):
    """[(name, met)] for one table row; one_thread_ns: xentc's 1-thread
    ns/logit for the same (op, shape, dtype, impl) or None."""
    op, shape, dtype, thr = row["op"], tuple(row["shape"]), row["dtype"], row["threads"]
    out = []
    c = n_classes(shape)
    ratio = row["x_faster"]
    if op in TARGET_OPS and ratio is not None:
        if dtype != "float32":
            out.append((">=1.5x fastest peer (f64)", ratio >= 1.5))
        elif op in FWD_OPS | GRAD_OPS:
            if c <= 10:
                out.append((">=3x fastest peer (C<=10)", ratio >= 3.0))
            elif c >= 1000:
                out.append((">=2x fastest peer (C>=1000)", ratio >= 2.0))
    if op in SIGMOID_OPS and dtype == "float32" and row["x_faster_torch"] is not None:
        out.append((">=4x torch", row["x_faster_torch"] >= 4.0))
    if op == "sparse_ce" and dtype == "float32" and c >= 1000 and row.get("x_floor"):
        out.append(
            (
                f"<={FLOOR_TARGET:g}x read floor ({row['x_floor']:.2f}x)",
                row["x_floor"] <= FLOOR_TARGET,
            )
        )
    if thr > 1 and one_thread_ns is not None:
        scale = one_thread_ns / row["ns_per_logit"]
        row["scaling_2t"] = scale
        out.append((f"{thr}t not slower than 1t ({scale:.2f}x)", scale >= 1.0 / SCALING_TOLERANCE))
    if op == "overhead_sparse_ce":
        if shape == (1, 10):
            out.append(("<=2 us/call", row["us_per_call"] <= 2.0))
        elif shape == (64, 1000) and row["torch_ns"] is not None:
            out.append(("<= torch", row["ns_per_logit"] <= row["torch_ns"]))
    return out


# ---------------------------------------------------------------------------
# the run


def versions():
    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "xentc": common.xentc.__version__,
    }
    for name, mod in (
        ("scipy", "scipy"),
        ("scikit-learn", "sklearn"),
        ("torch", "torch"),
        ("jax", "jax"),
        ("jaxlib", "jaxlib"),
        ("optax", "optax"),
    ):
        try:
            out[name] = __import__(mod).__version__
        except Exception:
            out[name] = None
    return out


def xentc_source():
    """Commit of the xentc checkout measured (+ whether src/ or xentc/ differ
    from it), when it is a git checkout."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(common.xentc.__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "src", "xentc"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{' + uncommitted changes in src/ or xentc/' if dirty else ''}" if head else None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(args):
    ops = args.ops
    threads = args.threads
    dtypes = args.dtypes
    measurements = []
    t_start = time.perf_counter()
    wait_quiet = QuietWaiter(args.noise, args.max_wait, args.max_total_wait)

    # shape -> dtype -> op, so that inputs are drawn once and shared by ops
    plan = {}
    for op in ops:
        for shape in shapes_for(op, args.quick):
            plan.setdefault((peers.OPS[op].family == "overhead", shape), []).append(op)
    for (_, shape), shape_ops in plan.items():
        for dtype in dtypes:
            for op in shape_ops:
                single = {}  # single-threaded impl -> its 1-thread measurement
                warmed = {}  # impl -> its case at the first thread count
                for thr in threads:
                    cases = {}
                    for impl in peers.impl_names(op):
                        if impl in SLOW_PEERS and not args.slow_peers:
                            continue
                        if thr > 1 and impl in peers.SINGLE_THREADED:
                            if impl in single:
                                measurements.append(
                                    dict(single[impl], threads=thr, reused_1t=True)
                                )
                            continue
                        try:
                            cases[impl] = peers.get_case(
                                op, impl, dtype, shape, thr, warm_like=warmed.get(impl)
                            )
                            warmed.setdefault(impl, cases[impl])
                        except NotImplementedError as exc:
                            log(f"  skip {impl}: {exc}")
                    if op in FLOOR_OPS and floor.available()[0]:
                        common.limit_cpus(thr)
                        try:
                            cases[FLOOR] = FloorCase(op, dtype, shape, thr)
                        finally:
                            common.unlimit_cpus()
                    # background load (other processes on this machine) distorts
                    # most the multi-threaded calls: re-measure a noisy block
                    # after a pause, keep the quietest attempt
                    best_try = None
                    for attempt in range(1 + args.retries):
                        wait_quiet()
                        common.limit_cpus(thr)
                        try:
                            res = time_cases(
                                cases,
                                args.budget,
                                args.min_repeats,
                                args.max_repeats,
                                args.slow_call,
                                args.slow_repeats,
                            )
                        finally:
                            common.unlimit_cpus()
                        if best_try is None or res[1] < best_try[1]:
                            best_try = res
                        if res[1] <= args.noise:
                            break
                        retry = attempt < args.retries and not wait_quiet.exhausted()
                        log(
                            f"  background load {res[1]:.2f} cores: "
                            + ("retrying" if retry else "keeping quietest")
                        )
                        if not retry:
                            break
                    timings, bg = best_try
                    for impl, t in timings.items():
                        med = t.median()
                        m = dict(
                            op=op,
                            shape=list(shape),
                            dtype=dtype,
                            threads=thr,
                            impl=impl,
                            seconds=med,
                            samples=len(t.samples),
                            calls_per_sample=t.number,
                            ns_per_logit=med / n_logits(shape) * 1e9,
                            us_per_call=med * 1e6,
                            min_seconds=float(min(t.samples)),
                            cores=t.cores(),
                            background_cores=bg,
                            reused_1t=False,
                        )
                        measurements.append(m)
                        if thr == 1 and impl in peers.SINGLE_THREADED:
                            single[impl] = m
                    best = min(
                        ((k, v) for k, v in timings.items() if k != FLOOR),
                        key=lambda kv: kv[1].median(),
                    )
                    ours = timings.get("xentc")
                    log(
                        f"[{time.perf_counter() - t_start:6.0f}s] {op:19s} "
                        f"{'x'.join(map(str, shape)):>12s} {dtype} {thr}t: "
                        + "  ".join(
                            f"{k}={v.median() / n_logits(shape) * 1e9:.3g}"
                            for k, v in timings.items()
                        )
                        + (f"  (fastest {best[0]})" if ours else "")
                    )
                peers.clear_cases()
        common.drop_inputs()
    log(f"waited {wait_quiet.total:.0f} s in all for quiet moments")
    return measurements, time.perf_counter() - t_start, wait_quiet.total


def build_rows(measurements):
    by_key = {}
    for m in measurements:
        by_key.setdefault((m["op"], tuple(m["shape"]), m["dtype"], m["threads"]), []).append(m)
    ours_1t = {
        (m["op"], tuple(m["shape"]), m["dtype"], m["impl"]): m["ns_per_logit"]
        for m in measurements
        if m["threads"] == 1 and peers.is_ours(m["impl"])
    }
    rows = []
    for (op, shape, dtype, thr), ms in by_key.items():
        floor_m = next((m for m in ms if m["impl"] == FLOOR), None)
        peer_ms = [m for m in ms if not peers.is_ours(m["impl"]) and m["impl"] != FLOOR]
        fastest = min(peer_ms, key=lambda m: m["seconds"]) if peer_ms else None
        torch_ms = [m for m in peer_ms if m["impl"].startswith("torch")]
        torch_best = min(torch_ms, key=lambda m: m["seconds"]) if torch_ms else None
        for m in ms:
            if not peers.is_ours(m["impl"]):
                continue
            row = dict(
                op=op,
                shape=list(shape),
                dtype=dtype,
                threads=thr,
                impl=m["impl"],
                ns_per_logit=m["ns_per_logit"],
                us_per_call=m["us_per_call"],
                fastest_peer=fastest["impl"] if fastest else None,
                fastest_peer_ns=fastest["ns_per_logit"] if fastest else None,
                x_faster=(fastest["seconds"] / m["seconds"]) if fastest else None,
                torch_impl=torch_best["impl"] if torch_best else None,
                torch_ns=torch_best["ns_per_logit"] if torch_best else None,
                x_faster_torch=(torch_best["seconds"] / m["seconds"]) if torch_best else None,
                scaling_2t=None,
                floor_ns=floor_m["ns_per_logit"] if floor_m else None,
                x_floor=(m["seconds"] / floor_m["seconds"]) if floor_m else None,
                background_cores=m.get("background_cores"),
            )
            row["targets"] = [
                dict(target=name, met=bool(ok))
                for name, ok in targets_for(row, ours_1t.get((op, shape, dtype, m["impl"])))
            ]
            rows.append(row)
    order = {op: i for i, op in enumerate(ORDER)}
    rows.sort(
        key=lambda r: (
            order.get(r["op"], 99),
            r["impl"],
            r["dtype"],
            n_classes(r["shape"]),
            r["threads"],
        )
    )
    return rows


# ---------------------------------------------------------------------------
# output


def fmt_ns(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def fmt_shape(s):
    return "x".join(f"{d:,}".replace(",", "_") if d >= 100_000 else str(d) for d in s)


def markdown(meta, rows, measurements):
    lines = [f"# xentc vs peers ({'quick' if meta['quick'] else 'full'} run)", ""]
    lines += [
        f"- machine: {meta['cpu']}, {meta['cpus']} CPUs, {meta['platform']}",
        f"- date: {meta['date']}; wall time of the run: {meta['wall_s']:.0f} s; "
        f"load average before / after: {meta['loadavg_start']} / {meta['loadavg_end']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v),
        f"- xentc build measured: {meta.get('xentc_source') or 'unknown'}; "
        f"SIMD target {meta['xentc_simd']}",
        "",
    ]
    lines += [
        "ns/logit = median wall time of one call / (N*C) (for sigmoid: / number of "
        'elements); "x faster" = peer time / xentc time (>1: xentc is faster). '
        "Fastest peer = the fastest of NumPy, SciPy, scikit-learn, PyTorch "
        "(autograd or closed form) and JAX at that thread count.",
        "",
    ]
    lines += ["Method notes:", ""] + [f"- {n}" for n in meta["notes"]] + [""]

    results = [(r, t) for r in rows for t in r["targets"]]
    n_met = sum(t["met"] for _, t in results)
    lines += [f"## Targets: {n_met} met / {len(results) - n_met} missed", ""]
    per_op = {}
    for r, t in results:
        key = (r["op"], r["impl"], r["dtype"])
        met_missed = per_op.setdefault(key, [0, 0])
        met_missed[0 if t["met"] else 1] += 1
    lines += ["| operation | impl | dtype | met | missed |", "|---|---|---|---|---|"]
    lines += [f"| {op} | {impl} | {dt} | {a} | {b} |" for (op, impl, dt), (a, b) in per_op.items()]
    lines.append("")
    missed = [(r, t) for r, t in results if not t["met"]]
    if missed:
        lines += ["Missed:", ""]
        lines += [
            "| operation | impl | shape | dtype | threads | xentc ns/logit | target |",
            "|---|---|---|---|---|---|---|",
        ]
        for r, t in missed:
            lines.append(
                f"| {r['op']} | {r['impl']} | {fmt_shape(r['shape'])} | {r['dtype']} "
                f"| {r['threads']} | {fmt_ns(r['ns_per_logit'])} | {t['target']} |"
            )
        lines.append("")

    lines += ["## xentc vs the fastest peer", ""]
    current = None
    for r in rows:
        if r["op"] != current:
            current = r["op"]
            unit = "us/call" if current == "overhead_sparse_ce" else "ns/logit"
            lines += [
                "",
                f"### {current}: {peers.OPS[current].title}",
                "",
                f"| impl | shape | dtype | threads | xentc {unit} | fastest peer | "
                f"peer {unit} | x faster | torch x faster | read floor | x floor | bg "
                "| targets |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            ]
        ov = r["op"] == "overhead_sparse_ce"
        ours = r["us_per_call"] if ov else r["ns_per_logit"]
        peer = None
        if r["fastest_peer_ns"] is not None:
            peer = (
                r["fastest_peer_ns"] * n_logits(r["shape"]) / 1e3 if ov else r["fastest_peer_ns"]
            )
        tg = (
            "; ".join(
                f"{t['target']}: **{'met' if t['met'] else 'MISSED'}**" for t in r["targets"]
            )
            or "-"
        )
        xf = f"{r['x_faster']:.2f}" if r["x_faster"] is not None else "-"
        xt = f"{r['x_faster_torch']:.2f}" if r["x_faster_torch"] is not None else "-"
        xfl = f"{r['x_floor']:.2f}" if r.get("x_floor") else "-"
        bg = r.get("background_cores")
        bg = "-" if bg is None else (f"**{bg:.1f}**" if bg > meta["noise"] else f"{bg:.1f}")
        lines.append(
            f"| {r['impl']} | {fmt_shape(r['shape'])} | {r['dtype']} | {r['threads']} "
            f"| {fmt_ns(ours)} | {r['fastest_peer'] or '-'} | {fmt_ns(peer)} | {xf} "
            f"| {xt} | {fmt_ns(r.get('floor_ns'))} | {xfl} | {bg} | {tg} |"
        )

    lines += [
        "",
        "## Every implementation (ns/logit; 1t = single-threaded, 1-thread "
        "time reused; cores = measured cpu/wall)",
        "",
    ]
    by_op = {}
    for m in measurements:
        by_op.setdefault(m["op"], []).append(m)
    for op in [o for o in ORDER if o in by_op]:
        ms = by_op[op]
        impls = list(dict.fromkeys(m["impl"] for m in ms))
        lines += [
            "",
            f"### {op}",
            "",
            "| shape | dtype | threads | bg | " + " | ".join(impls) + " |",
            "|---|---|---|---|" + "---|" * len(impls),
        ]
        cells, bgs = {}, {}
        for m in ms:
            key = (tuple(m["shape"]), m["dtype"], m["threads"])
            txt = fmt_ns(m["ns_per_logit"])
            if m["reused_1t"]:
                txt += " (1t)"
            else:
                bgs[key] = m.get("background_cores", 0.0)
                if m["threads"] > 1 or m["cores"] > m["threads"] + 0.15:
                    txt += f" ({m['cores']:.1f} cores)"
            cells.setdefault(key, {})[m["impl"]] = txt
        for key, row in cells.items():
            shape, dtype, thr = key
            bg = bgs.get(key)
            bg = "-" if bg is None else (f"**{bg:.1f}**" if bg > meta["noise"] else f"{bg:.1f}")
            lines.append(
                f"| {fmt_shape(shape)} | {dtype} | {thr} | {bg} | "
                + " | ".join(row.get(i, "n/a") for i in impls)
                + " |"
            )
    return "\n".join(lines) + "\n"


def print_table(rows):
    hdr = (
        f"{'operation':19s} {'impl':18s} {'shape':>16s} {'dtype':7s} {'thr':>3s} "
        f"{'xentc':>8s} {'fastest peer':>18s} {'peer':>8s} {'x faster':>8s}  targets"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        tg = ", ".join(f"{t['target']}:{'met' if t['met'] else 'MISSED'}" for t in r["targets"])
        xf = f"{r['x_faster']:.2f}" if r["x_faster"] is not None else "-"
        print(
            f"{r['op']:19s} {r['impl']:18s} {fmt_shape(r['shape']):>16s} {r['dtype']:7s} "
            f"{r['threads']:>3d} {fmt_ns(r['ns_per_logit']):>8s} {r['fastest_peer'] or '-':>18s} "
            f"{fmt_ns(r['fastest_peer_ns']):>8s} {xf:>8s}  {tg}"
        )


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_DIVISOR}x fewer rows per shape and 3 samples (~1 min)",
    )
    p.add_argument(
        "--ops",
        default=",".join(o for o in ORDER if o not in EXTRA_OPS),
        help="comma-separated subset of: "
        + ", ".join(ORDER)
        + f" (default: all but {', '.join(sorted(EXTRA_OPS))})",
    )
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (1,2)")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds of timing per (op, shape, dtype, threads) (default 0.5; "
        "quick 0.3); at least --min-repeats samples are taken anyway",
    )
    p.add_argument("--min-repeats", type=int, default=3)
    p.add_argument("--max-repeats", type=int, default=25)
    p.add_argument(
        "--slow-call",
        type=float,
        default=0.25,
        help="seconds from which a call counts as slow (default 0.25)",
    )
    p.add_argument(
        "--slow-repeats",
        type=int,
        default=2,
        help="samples of a slow call (default 2; the warm-up call comes first)",
    )
    p.add_argument(
        "--noise",
        type=float,
        default=0.3,
        help="background load (cores used by other processes) above which a "
        "block is re-measured (default 0.3)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        help="re-measurements of a noisy block, while the waiting cap lasts",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=5.0,
        help="seconds to wait for a quiet machine before a block (default 5)",
    )
    p.add_argument(
        "--max-total-wait",
        type=float,
        default=90.0,
        help="cap on all such waiting in the run (default 90 s); once spent, "
        "noisy blocks are kept as they are (see the bg column)",
    )
    p.add_argument(
        "--slow-peers",
        action="store_true",
        help="also time sklearn.metrics.log_loss(softmax(x)) (~50 ns/logit)",
    )
    p.add_argument(
        "--from-json",
        metavar="PATH",
        help="re-render the tables of a saved --out-json run (no timing)",
    )
    p.add_argument("--out-json")
    p.add_argument("--out-md")
    args = p.parse_args(argv)
    args.ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    bad = [o for o in args.ops if o not in peers.OPS]
    if bad:
        p.error(f"unknown op(s) {bad}; choose from {ORDER}")
    args.threads = [int(t) for t in args.threads.split(",")]
    if 1 not in args.threads and any(t > 1 for t in args.threads):
        log("note: without --threads 1 single-threaded peers and 2t scaling are not measured")
    too_many = [t for t in args.threads if t > len(common.ALL_CPUS)]
    if too_many:
        p.error(f"--threads {too_many} exceed the {len(common.ALL_CPUS)} CPUs available")
    args.threads.sort()
    args.dtypes = [d.strip() for d in args.dtypes.split(",")]
    if args.budget is None:
        args.budget = 0.3 if args.quick else 0.5
    return args


NOTES = [
    "Same calls as the asv suite (benchmarks/peers.py). Inputs are seeded (benchmarks/"
    "common.py): logits N(0, 3^2), uniform labels, peaky soft targets, Bernoulli(0.3) "
    "binary targets, pos_weight 3.0 (1-D) or a 0.5..4 ramp over K.",
    "Implementations of one (op, shape, dtype, threads) are timed back to back after a "
    "warm-up call, in two blocks each (opposite orders); median of >= 3 samples, 2 for "
    "calls over 0.25 s (to keep the run near 10 minutes), calls under 2 ms batched. Other processes' CPU use during the block is measured "
    "(/proc/stat): each block waits (bounded) for a quiet moment, a block with > 0.3 "
    "cores of background load is re-measured once (quietest kept; no more retries once "
    "90 s of waiting are spent), and the background cores of the kept block are shown "
    "in the 'bg' column (bold: noisy). The CPU count of this machine is small, so one "
    "busy foreign process halves the 2-thread columns: read bold rows with that in mind.",
    "Peers are given inputs in their native form outside the timing (torch.from_numpy, "
    "jax.device_put, float labels / per-element weights for scikit-learn); JAX results "
    "are block_until_ready'd; torch 'fwd+bwd' = min(autograd backward(), closed form).",
    "Losses are means; loss+gradient returns the gradient of the mean (scikit-learn "
    "through sample_weight=1/n, one pass).",
    "Threads: the whole process (every thread) is pinned with sched_setaffinity to the "
    "first n CPUs for the n-thread column; torch.set_num_threads(n); n_threads=n for "
    "xentc and scikit-learn. JAX/XLA cannot resize its thread pool after start-up "
    "(XLA_FLAGS are read once per process), so CPU affinity is what holds it to n cores; "
    "the measured cores column (cpu/wall) shows any implementation using more than its "
    "column's threads. NumPy/SciPy are single-threaded: 1-thread numbers reused (1t).",
    "Read floor (sparse_ce, soft_ce, logsumexp, sigmoid_ce[_pw]): a compiled STREAM-like "
    "loop (benchmarks/floor.py) that only reads the same input arrays once (logits and "
    "labels / targets), contiguous halves per thread, timed in the same block as the "
    "implementations at the same thread count; 'x floor' = xentc time / floor time.",
    "Targets (issue 15): float32 softmax-family operations >= 3x the fastest peer at "
    "C <= 10 and >= 2x at C >= 1000; sigmoid BCE (with and without pos_weight, forward "
    "and gradient, every shape) >= 4x PyTorch; float64 >= 1.5x the fastest peer; "
    "sparse CE forward at C >= 1000 within 1.5x the read floor; every xentc row at n > 1 "
    f"threads not slower than at 1 (beyond a {SCALING_TOLERANCE:g}x noise tolerance); "
    "per-call overhead <= 2 us on 1x10.",
    "sklearn.metrics.log_loss(y, softmax(x)) is left out by default (~50 ns/logit, never "
    "the fastest; --slow-peers adds it); it is in the asv suite.",
]


def main(argv=None):
    args = parse_args(argv)
    if args.from_json:  # re-render the tables of a saved run, measuring nothing
        with open(args.from_json) as f:
            saved = json.load(f)
        meta, measurements = saved["meta"], saved["measurements"]
        rows = build_rows(measurements)
        print_table(rows)
        write_outputs(args, meta, rows, measurements)
        return
    import xentc

    meta = dict(
        quick=args.quick,
        cpu=common.cpu_model(),
        cpus=len(common.ALL_CPUS),
        platform=platform.platform(),
        date=datetime.datetime.now().isoformat(timespec="seconds"),
        loadavg_start=", ".join(f"{v:.2f}" for v in os.getloadavg()),
        versions=versions(),
        xentc_source=xentc_source(),
        xentc_simd=xentc.get_simd_target(),
        xentc_config=str(xentc.get_config()),
        threads=args.threads,
        dtypes=args.dtypes,
        ops=args.ops,
        budget_s=args.budget,
        noise=args.noise,
        notes=NOTES,
    )
    log(
        f"xentc {xentc.__version__} ({meta['xentc_simd']}); {meta['cpus']} CPUs; "
        f"ops={','.join(args.ops)}; threads={args.threads}; dtypes={args.dtypes}"
    )
    measurements, wall, waited = run(args)
    meta["wall_s"] = wall
    meta["waited_for_quiet_s"] = waited
    meta["loadavg_end"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    rows = build_rows(measurements)
    print_table(rows)
    n = sum(len(r["targets"]) for r in rows)
    met = sum(t["met"] for r in rows for t in r["targets"])
    print(f"\ntargets: {met} met, {n - met} missed; run took {wall:.0f} s")
    write_outputs(args, meta, rows, measurements)


def write_outputs(args, meta, rows, measurements):
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump(dict(meta=meta, rows=rows, measurements=measurements), f, indent=1)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(markdown(meta, rows, measurements))


if __name__ == "__main__":
    main()
