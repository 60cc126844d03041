#!/usr/bin/env python3
"""Fused linear + cross-entropy (xentc.linear) side by side with what users
run instead, in one process: speed ratios and peak extra memory (issue 14).

Compared, per shape (N rows, d features, V classes), float32, n threads:
  forward   xentc.linear_cross_entropy(h, W, y, bias=b)
            vs the bare GEMM h @ W.T (NumPy, OpenBLAS limited to n threads),
            vs torch F.cross_entropy(F.linear(h, W, b), y),
            vs torch chunked over rows (512 rows at a time),
            and torch's bare GEMM F.linear(h, W) (its BLAS next to NumPy's);
  gradient  LinearCrossEntropy().loss_gradient(h, W, y, b)
            vs three GEMMs (h @ W.T, G @ W, G.T @ h with a stored G),
            vs torch autograd (backward of the line above),
            vs torch chunked (backward per 512-row chunk, gradients accumulated).
Peak extra memory: each (implementation, shape) runs once in a fresh
subprocess (Linux): the peak resident set during the call (VmHWM, reset just
before it) minus the resident set before it, after the inputs were built and
a small warm-up call ran.

Timing: the implementations of one shape run back to back, interleaved, for
--repeats rounds; the minimum wall time per implementation is reported (the
machine is shared: the minimum is the least disturbed run; the first round
also pays thread-pool start-up and page faults) together with the CPU time of
that run.

Run (from the repository root, after `python setup.py build_ext --inplace`):
    python asv_benchmarks/compare_linear.py --out-json asv_benchmarks/results_linear.json \\
        --out-md asv_benchmarks/results_linear.md
    python asv_benchmarks/compare_linear.py --shapes 512x256x32000 --repeats 2 --no-memory
    python asv_benchmarks/compare_linear.py --only-classifier --classifier 10000x32 \
        --out-json asv_benchmarks/results_linear_classifier.json
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

import xentc
from asv_benchmarks.benchmarks.common import cpu_model
from xentc.linear import LinearCrossEntropy, linear_cross_entropy

FULL_GRID = [(n, d, v) for n in (512, 4096) for d in (256, 1024) for v in (32000, 128000)]
CHUNK = 512
TARGETS = {
    "fwd_vs_gemm": 1.2,
    "fwd_vs_torch": 1.5,
    "grad_vs_3gemm": 1.3,
    "grad_vs_torch": 1.5,
    "memory_vs_torch": 20.0,
}


def inputs(n, d, v, seed=0):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, d), dtype=np.float32)
    w = rng.standard_normal((v, d), dtype=np.float32) / np.float32(np.sqrt(d))
    b = rng.standard_normal(v, dtype=np.float32) * np.float32(0.1)
    y = rng.integers(0, v, n)
    return h, w, b, y


@contextlib.contextmanager
def blas_threads(n):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(n, user_api="blas"):
        yield


def torch_cases(h, w, b, y, n_threads):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(n_threads)
    th, tw, tb, ty = (torch.from_numpy(a) for a in (h, w, b, y))

    def fwd():
        with torch.no_grad():
            return float(F.cross_entropy(F.linear(th, tw, tb), ty))

    def gemm():  # torch's own GEMM (MKL in the PyPI CPU wheels): how much is the BLAS
        with torch.no_grad():
            return F.linear(th, tw)

    def fwd_chunked():
        total = 0.0
        with torch.no_grad():
            for i in range(0, th.shape[0], CHUNK):
                total += float(
                    F.cross_entropy(
                        F.linear(th[i : i + CHUNK], tw, tb), ty[i : i + CHUNK], reduction="sum"
                    )
                )
        return total / th.shape[0]

    def grad():
        hh, ww, bb = (t.clone().requires_grad_(True) for t in (th, tw, tb))
        loss = F.cross_entropy(F.linear(hh, ww, bb), ty)
        loss.backward()
        return hh.grad, ww.grad, bb.grad

    def grad_chunked():
        hh, ww, bb = (t.clone().requires_grad_(True) for t in (th, tw, tb))
        n = hh.shape[0]
        for i in range(0, n, CHUNK):
            loss = (
                F.cross_entropy(
                    F.linear(hh[i : i + CHUNK], ww, bb), ty[i : i + CHUNK], reduction="sum"
                )
                / n
            )
            loss.backward()
        return hh.grad, ww.grad, bb.grad

    return {"torch": fwd, "torch_chunked": fwd_chunked, "torch_gemm": gemm}, {
        "torch": grad,
        "torch_chunked": grad_chunked,
    }


def time_cases(cases, repeats):
    """{name: (best wall, cpu of that run)} over interleaved rounds."""
    best = {k: (float("inf"), 0.0) for k in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if wall < best[name][0]:
                best[name] = (wall, cpu)
    return best


def run_shape(n, d, v, n_threads, repeats, with_torch):
    h, w, b, y = inputs(n, d, v)
    loss_obj = LinearCrossEntropy(n_threads=n_threads)
    rng = np.random.default_rng(1)
    G = rng.standard_normal((n, v), dtype=np.float32)  # stands for a stored logits gradient

    def gemm():
        with blas_threads(n_threads):
            return h @ w.T

    def three_gemms():
        with blas_threads(n_threads):
            return h @ w.T, G @ w, G.T @ h

    fwd = {
        "xentc": lambda: linear_cross_entropy(h, w, y, bias=b, n_threads=n_threads),
        "gemm": gemm,
    }
    grad = {"xentc": lambda: loss_obj.loss_gradient(h, w, y, b), "3gemm": three_gemms}
    if with_torch:
        tf, tg = torch_cases(h, w, b, y, n_threads)
        fwd.update(tf)
        grad.update(tg)
    res_f = time_cases(fwd, repeats)
    res_g = time_cases(grad, repeats)
    return {"forward": res_f, "gradient": res_g}


MEMORY_CHILD = r"""
import sys, numpy as np
sys.path.insert(0, {root!r})
sys.path.insert(0, {here!r})
import compare_linear as C
n, d, v, impl, nt = {n}, {d}, {v}, {impl!r}, {nt}
h, w, b, y = C.inputs(n, d, v)
from xentc.linear import LinearCrossEntropy, linear_cross_entropy
fns = {{
    "xentc_fwd": lambda H, Y: linear_cross_entropy(H, w, Y, bias=b, n_threads=nt),
    "xentc_grad": lambda H, Y: LinearCrossEntropy(n_threads=nt).loss_gradient(H, w, Y, b),
}}
if impl.startswith("torch"):
    tf, tg = C.torch_cases(h, w, b, y, nt)
    small_f, small_g = C.torch_cases(h[:8], w, b, y[:8], nt)
    fns = {{"torch_fwd": (tf["torch"], small_f["torch"]),
            "torch_grad": (tg["torch"], small_g["torch"]),
            "torch_chunked_fwd": (tf["torch_chunked"], small_f["torch_chunked"]),
            "torch_chunked_grad": (tg["torch_chunked"], small_g["torch_chunked"])}}
    full, small = fns[impl]
    small()
else:
    full = lambda: fns[impl](h, y)
    fns[impl](h[:8], y[:8])
print(C.peak_rss_growth(full))
"""


CLASSIFIER_CHILD = r"""
import sys, time, warnings, numpy as np
sys.path.insert(0, {root!r})
sys.path.insert(0, {here!r})
import compare_linear as C
n, d, c, impl, alpha, max_iter = {n}, {d}, {c}, {impl!r}, {alpha}, {max_iter}
rng = np.random.default_rng(0)
centers = rng.standard_normal((c, d))
y = rng.integers(0, c, n)
X = centers[y] + rng.standard_normal((n, d))
import xentc.sklearn as XS
from sklearn.linear_model import LogisticRegression
if impl == "sklearn_lr":
    est = LogisticRegression(C=1.0 / (alpha * n), max_iter=max_iter)
else:
    XS.FUSED_MIN_CLASSES = 2 if impl == "xentc_fused" else 10**9
    est = XS.CrossEntropyClassifier(alpha=alpha, max_iter=max_iter)
t = []
def fit():
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    t.append(time.perf_counter() - t0)
grew = C.peak_rss_growth(fit)
print(t[0], grew, est.n_iter_ if np.ndim(est.n_iter_) == 0 else est.n_iter_[0], est.score(X, y))
"""


def classifier_case(n, d, c, impl, alpha=1e-4, max_iter=20):
    code = CLASSIFIER_CHILD.format(
        root=ROOT,
        here=os.path.dirname(os.path.abspath(__file__)),
        n=n,
        d=d,
        c=c,
        impl=impl,
        alpha=alpha,
        max_iter=max_iter,
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return {
            "impl": impl,
            "n": n,
            "d": d,
            "classes": c,
            "error": out.stderr.strip().splitlines()[-1:],
        }
    secs, grew, n_iter, acc = out.stdout.split()
    return {
        "impl": impl,
        "n": n,
        "d": d,
        "classes": c,
        "fit_s": float(secs),
        "peak_extra_bytes": int(grew),
        "n_iter": int(n_iter),
        "train_accuracy": float(acc),
    }


def _status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def peak_rss_growth(fn):
    """Bytes by which the resident set peaks above its size before fn():
    the peak (VmHWM) is reset first through /proc/self/clear_refs (Linux >= 4.0),
    so earlier peaks (imports, input construction) do not hide the call's."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    before = _status_kib("VmRSS")
    fn()
    return (_status_kib("VmHWM") - before) * 1024


def peak_extra_bytes(n, d, v, impl, n_threads):
    code = MEMORY_CHILD.format(
        root=ROOT,
        here=os.path.dirname(os.path.abspath(__file__)),
        n=n,
        d=d,
        v=v,
        impl=impl,
        nt=n_threads,
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1:]
    return int(out.stdout.split()[-1]), None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--shapes", default=None, help="comma-separated NxDxV (default: the issue's full grid)"
    )
    ap.add_argument(
        "--threads",
        default=None,
        help="comma-separated thread counts (default: all CPUs this process may use)",
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--memory-shape", default="4096x256x128000")
    ap.add_argument(
        "--classifier",
        default=None,
        metavar="NxD",
        help="also fit CrossEntropyClassifier (fused / today's path) and "
        "LogisticRegression at 1000 and 10000 classes on NxD data",
    )
    ap.add_argument("--only-classifier", action="store_true")
    ap.add_argument("--out-json")
    ap.add_argument("--out-md")
    args = ap.parse_args(argv)
    shapes = (
        FULL_GRID
        if args.shapes is None
        else [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = [cpus] if args.threads is None else [int(t) for t in args.threads.split(",")]
    with_torch = not args.no_torch
    report = {
        "cpu": cpu_model(),
        "n_cpus": cpus,
        "machine": platform.machine(),
        "load_avg_start": os.getloadavg(),
        "xentc": xentc.__version__,
        "simd": xentc.get_simd_target(),
        "numpy": np.__version__,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "repeats": args.repeats,
        "rows": [],
        "memory": [],
    }
    if with_torch:
        import torch

        report["torch"] = torch.__version__
    for nt in [] if args.only_classifier else threads:
        for n, d, v in shapes:
            r = run_shape(n, d, v, nt, args.repeats, with_torch)
            f, g = r["forward"], r["gradient"]
            row = {
                "n": n,
                "d": d,
                "v": v,
                "threads": nt,
                "forward": {k: {"wall": a, "cpu": c} for k, (a, c) in f.items()},
                "gradient": {k: {"wall": a, "cpu": c} for k, (a, c) in g.items()},
                "fwd_vs_gemm": f["xentc"][0] / f["gemm"][0],
                "grad_vs_3gemm": g["xentc"][0] / g["3gemm"][0],
            }
            if with_torch:
                row.update(
                    fwd_vs_torch=f["torch"][0] / f["xentc"][0],
                    fwd_vs_torch_chunked=f["torch_chunked"][0] / f["xentc"][0],
                    torch_gemm_vs_gemm=f["torch_gemm"][0] / f["gemm"][0],
                    grad_vs_torch=g["torch"][0] / g["xentc"][0],
                    grad_vs_torch_chunked=g["torch_chunked"][0] / g["xentc"][0],
                )
            report["rows"].append(row)
            print(
                json.dumps(
                    {
                        k: (round(x, 3) if isinstance(x, float) else x)
                        for k, x in row.items()
                        if k not in ("forward", "gradient")
                    }
                ),
                flush=True,
            )
    report["classifier"] = []
    if args.classifier:
        n, d = (int(x) for x in args.classifier.split("x"))
        for c in (1000, 10000):
            for impl in ("xentc_fused", "xentc_today", "sklearn_lr"):
                res = classifier_case(n, d, c, impl)
                report["classifier"].append(res)
                print(json.dumps(res), flush=True)
    if not args.no_memory and not args.only_classifier:
        n, d, v = (int(x) for x in args.memory_shape.split("x"))
        impls = ["xentc_fwd", "xentc_grad"] + (
            ["torch_fwd", "torch_grad", "torch_chunked_fwd", "torch_chunked_grad"]
            if with_torch
            else []
        )
        for impl in impls:
            peak, err = peak_extra_bytes(n, d, v, impl, threads[0])
            report["memory"].append(
                {"impl": impl, "n": n, "d": d, "v": v, "peak_extra_bytes": peak, "error": err}
            )
            print(impl, peak, err or "", flush=True)
    report["load_avg_end"] = os.getloadavg()
    if args.out_json:
        with open(args.out_json, "w") as fh:
            json.dump(report, fh, indent=1)
    if args.out_md:
        with open(args.out_md, "w") as fh:
            fh.write(markdown(report))
    return report


def markdown(rep):
    lines = [
        f"# Fused linear + cross-entropy: measured {rep['date_utc']} UTC",
        "",
        f"CPU: {rep['cpu']} ({rep['n_cpus']} CPUs, shared machine; load average "
        f"{rep['load_avg_start'][0]:.1f} at start, {rep['load_avg_end'][0]:.1f} at end), "
        f"SIMD {rep['simd']}, NumPy {rep['numpy']}, torch {rep.get('torch', '-')}; float32; "
        f"best wall time of {rep['repeats']} interleaved rounds.",
        "",
        "Ratios: `fwd/gemm` = xentc forward time / bare GEMM time (target <= 1.2); "
        "`grad/3gemm` = loss_gradient / three GEMMs (target <= 1.3); `torch/x` = torch "
        "time / xentc time (target >= 1.5); `chunked/x` likewise for torch chunked over "
        f"{CHUNK} rows.",
        "",
        "`tgemm/gemm` = torch's own GEMM F.linear(h, W) time / NumPy's GEMM time.",
        "",
        "| N | d | V | thr | xentc fwd s | gemm s | fwd/gemm | torch/x | chunked/x | "
        "tgemm/gemm | xentc grad s | 3 gemm s | grad/3gemm | torch/x | chunked/x |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rep["rows"]:
        f, g = r["forward"], r["gradient"]
        lines.append(
            f"| {r['n']} | {r['d']} | {r['v']} | {r['threads']} | {f['xentc']['wall']:.3f} | "
            f"{f['gemm']['wall']:.3f} | {r['fwd_vs_gemm']:.2f} | "
            f"{r.get('fwd_vs_torch', float('nan')):.2f} | "
            f"{r.get('fwd_vs_torch_chunked', float('nan')):.2f} | "
            f"{r.get('torch_gemm_vs_gemm', float('nan')):.2f} | {g['xentc']['wall']:.3f} | "
            f"{g['3gemm']['wall']:.3f} | {r['grad_vs_3gemm']:.2f} | "
            f"{r.get('grad_vs_torch', float('nan')):.2f} | "
            f"{r.get('grad_vs_torch_chunked', float('nan')):.2f} |"
        )
    if rep["memory"]:
        m = rep["memory"][0]
        lines += [
            "",
            f"Peak extra memory (growth of the peak resident set, VmHWM, over the resident set before the call, in a fresh process), N={m['n']}, "
            f"d={m['d']}, V={m['v']}:",
            "",
            "| implementation | MiB |",
            "|---|---|",
        ]
        for m in rep["memory"]:
            val = (
                "failed"
                if m["peak_extra_bytes"] is None
                else f"{m['peak_extra_bytes'] / 2**20:.1f}"
            )
            lines.append(f"| {m['impl']} | {val} |")
    if rep.get("classifier"):
        lines += [
            "",
            "CrossEntropyClassifier fit (20 L-BFGS iterations at most, alpha=1e-4, "
            "float64): fused path, today's unfused path, and scikit-learn's "
            "LogisticRegression(lbfgs) with the same objective:",
            "",
            "| classes | N x d | implementation | fit s | peak extra MiB | iterations |",
            "|---|---|---|---|---|---|",
        ]
        for r in rep["classifier"]:
            if "error" in r:
                lines.append(
                    f"| {r['classes']} | {r['n']} x {r['d']} | {r['impl']} | failed | "
                    f"{r['error']} | |"
                )
            else:
                lines.append(
                    f"| {r['classes']} | {r['n']} x {r['d']} | {r['impl']} | "
                    f"{r['fit_s']:.2f} | {r['peak_extra_bytes'] / 2**20:.1f} | "
                    f"{r['n_iter']} |"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
