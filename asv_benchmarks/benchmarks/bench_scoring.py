"""asv: production scoring (xentc.scoring.StreamingScores and `xentc score`)
side by side with what a user would otherwise write.

Implementations, all on the same (N, 10) float32 logits and int64 labels:
- "stream-all":      StreamingScores, 64k-row chunks, every metric (log-loss,
                     accuracy, top-5, Brier, ECE + reliability, per class);
- "stream-ll+acc":   StreamingScores(metrics=["log_loss", "accuracy"]);
- "oneshot-ll+acc":  xentc.metrics.log_loss(from_logits=True) + accuracy on
                     the whole array (the target: stream-* within 1.3x);
- "sklearn":         softmax, then sklearn log_loss + accuracy_score +
                     brier_score_loss on the whole array (the usual script).
`xentc score` on a .npy in the page cache (in-process, report to /dev/null)
is ScoreCommand; its target is 1.5x of "stream-all". ArgmaxAccuracy puts
xentc.metrics.accuracy next to np.argmax and the CE forward (1e6 x 10).

Run:  cd asv_benchmarks && asv run --python=same --bench bench_scoring
One-run ratios and peak RSS for big files, without asv (CPU named in the
output; the files are written under --dir and deleted afterwards):
      python asv_benchmarks/benchmarks/bench_scoring.py --rows 1e7
      python asv_benchmarks/benchmarks/bench_scoring.py --rss-gb 1,4,8 --dir /tmp
"""

import contextlib
import io
import os
import sys
import time

import numpy as np

try:
    from .common import cpu_model, get_input, profile_name, xentc
except ImportError:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.common import cpu_model, get_input, profile_name, xentc

try:
    from xentc.scoring import StreamingScores
except ImportError:  # a commit older than xentc.scoring (asv history): skip, see _need_scoring
    StreamingScores = None

CHUNK = 65536
_ROWS = {
    "quick": 1_000_000,
    "history": 1_000_000,
    "fast": 1_000_000,
    "regular": 10_000_000,
    "large": 40_000_000,
}
SHAPES = [(_ROWS[profile_name()], 10)]
IMPLS = ["stream-all", "stream-ll+acc", "oneshot-ll+acc", "sklearn"]


def _need_scoring():
    if StreamingScores is None:  # raised in setup, asv records "skipped"
        raise NotImplementedError("xentc.scoring does not exist at this commit")


def score(impl, z, y):
    if impl.startswith("stream"):
        metrics = None if impl == "stream-all" else ["log_loss", "accuracy"]
        s = StreamingScores(metrics=metrics)
        for a in range(0, z.shape[0], CHUNK):
            s.update(y[a : a + CHUNK], z[a : a + CHUNK])
        return s.result()
    if impl == "oneshot-ll+acc":
        return (
            xentc.metrics.log_loss(y, z, from_logits=True, labels=np.arange(z.shape[1])),
            xentc.metrics.accuracy(y, z),
        )
    from scipy.special import softmax
    from sklearn.metrics import accuracy_score, brier_score_loss, log_loss

    p = softmax(z, axis=1)
    labels = np.arange(z.shape[1])
    return (
        log_loss(y, p, labels=labels),
        accuracy_score(y, p.argmax(axis=1)),
        brier_score_loss(y, p, labels=labels),
    )


class Scoring:
    """StreamingScores vs one-shot xentc vs scikit-learn on (N, 10) logits."""

    params = (IMPLS, SHAPES)
    param_names = ["impl", "shape"]
    number = 1
    repeat = (3, 5, 60.0)
    timeout = 900

    def setup(self, impl, shape):
        _need_scoring()
        self.z = get_input("logits", shape, "float32")
        self.y = get_input("labels", shape)

    def time_score(self, impl, shape):
        score(impl, self.z, self.y)

    def peakmem_score(self, impl, shape):
        score(impl, self.z, self.y)

    def track_time_over_oneshot(self, impl, shape):
        """time(impl) / time(oneshot-ll+acc), best of 3 interleaved calls."""
        ours, base = [], []
        for _ in range(3):
            for which, out in ((impl, ours), ("oneshot-ll+acc", base)):
                t0 = time.perf_counter()
                score(which, self.z, self.y)
                out.append(time.perf_counter() - t0)
        return min(ours) / min(base)

    track_time_over_oneshot.unit = "x"


class ArgmaxAccuracy:
    """xentc.metrics.accuracy on (1e6, 10) logits (one argmax kernel pass)
    next to np.argmax and the CE forward on the same logits: an accuracy
    must not cost more than the loss (issue 15, item 5)."""

    params = (["xentc-accuracy", "np-argmax-accuracy", "ce-forward"], ["float32", "float64"])
    param_names = ["impl", "dtype"]
    repeat = (3, 10, 20.0)
    version = "1"  # as common.Benchmark.version: keeps the committed history visible

    def setup(self, impl, dtype):
        shape = (1_000_000, 10)
        self.z = get_input("logits", shape, dtype)
        self.y = get_input("labels", shape)

    def time_accuracy(self, impl, dtype):
        if impl == "xentc-accuracy":
            xentc.metrics.accuracy(self.y, self.z)
        elif impl == "np-argmax-accuracy":
            np.mean(np.argmax(self.z, axis=1) == self.y)
        else:
            xentc.sparse_softmax_cross_entropy(self.z, self.y)


def _write_npy_pair(directory, shape, seed=0):
    """An (N, C) float32 logits .npy and its labels, written in pieces."""
    n, c = shape
    rng = np.random.default_rng(seed)
    zp, yp = (
        os.path.join(directory, f"scoring-{n}x{c}.npy"),
        os.path.join(directory, f"scoring-{n}x{c}-labels.npy"),
    )
    if not (os.path.exists(zp) and os.path.getsize(zp) == 128 + 4 * n * c):
        with open(zp, "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f4", "fortran_order": False, "shape": (n, c)}
            )
            block = rng.standard_normal((min(n, 1_000_000), c), dtype=np.float32) * 3
            for a in range(0, n, block.shape[0]):
                block[: min(block.shape[0], n - a)].tofile(f)
        np.save(yp, rng.integers(0, c, n))
    return zp, yp


class ScoreCommand:
    """`xentc score FILE.npy --labels LABELS.npy` in-process, files in the page cache."""

    params = [SHAPES]
    param_names = ["shape"]
    number = 1
    repeat = (3, 5, 60.0)
    timeout = 900

    def setup(self, shape):
        _need_scoring()
        from .common import cache_dir

        os.makedirs(cache_dir(), exist_ok=True)
        self.paths = _write_npy_pair(cache_dir(), shape)

    def time_score_command(self, shape):
        run_command(*self.paths)


def run_command(zp, yp):
    from xentc.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["score", zp, "--labels", yp, "--no-progress"])
    assert code == 0


# ---------------------------------------------------------------------------
# one-run report (python bench_scoring.py ...)


def side_by_side(rows, repeats, directory):
    shape = (rows, 10)
    rng = np.random.default_rng(0)
    z = rng.standard_normal(shape, dtype=np.float32) * 3
    y = rng.integers(0, 10, rows)
    zp, yp = _write_npy_pair(directory, shape)
    run_command(zp, yp)  # warm the page cache
    cases = {impl: (lambda impl=impl: score(impl, z, y)) for impl in IMPLS}
    cases["xentc score (.npy)"] = lambda: run_command(zp, yp)
    best = {k: float("inf") for k in cases}
    for _ in range(repeats):  # interleaved, best of `repeats`
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    base = best["oneshot-ll+acc"]
    print(
        f"{rows:,} x 10 float32 logits, 64k-row chunks; {cpu_model()}, "
        f"{len(os.sched_getaffinity(0))} CPUs, best of {repeats} interleaved runs"
    )
    print(f"{'implementation':22s} {'seconds':>9s} {'/ oneshot':>10s} {'/ stream-all':>13s}")
    for name, t in best.items():
        print(f"{name:22s} {t:9.3f} {t / base:10.2f} {t / best['stream-all']:13.2f}")
    os.remove(zp)
    os.remove(yp)


USUAL_SCRIPT = """
import sys, time
import numpy as np
from scipy.special import softmax
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss
t = time.time()
z, y = np.load(sys.argv[1]), np.load(sys.argv[2])
p = softmax(z, axis=1)
labels = np.arange(z.shape[1])
log_loss(y, p, labels=labels), accuracy_score(y, p.argmax(axis=1))
brier_score_loss(y, p, labels=labels)
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]
print('RSS', hwm.split()[1], time.time() - t, file=sys.stderr)
"""


def rss_of_files(sizes_gb, directory, usual_up_to_gb=1.0):
    """Peak RSS of `xentc score` (a fresh process each) on files of the sizes,
    and of the usual load-everything script on files up to usual_up_to_gb."""
    import subprocess

    print(f"peak RSS of `python -m xentc score` ({cpu_model()})")
    print(f"{'file':>8s} {'rows':>13s} {'peak RSS MB':>12s} {'seconds':>8s}")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for gb in sizes_gb:
        rows = int(gb * 2**30 / 40)
        zp, yp = _write_npy_pair(directory, (rows, 10))
        # VmHWM of the child's own address space: ru_maxrss would include the
        # forked parent's pages (Linux keeps the high-water mark across exec)
        code = (
            "import sys, time; from xentc.cli import main; t = time.time(); "
            "c = main(sys.argv[1:]); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
            "print('RSS', hwm.split()[1], time.time() - t, file=sys.stderr); sys.exit(c)"
        )
        env = dict(os.environ, PYTHONPATH=root)
        runs = [
            (
                "xentc score",
                [sys.executable, "-c", code, "score", zp, "--labels", yp, "--no-progress"],
            )
        ]
        if gb <= usual_up_to_gb:
            runs.append(("np.load + sklearn", [sys.executable, "-c", USUAL_SCRIPT, zp, yp]))
        for name, cmd in runs:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                print(name, proc.stderr.strip().splitlines()[-1:])
                continue
            kib, secs = proc.stderr.split("RSS")[1].split()
            print(
                f"{gb:6g}GB {rows:13,d} {int(kib) / 1024:12.0f} {float(secs):8.1f}  {name}",
                flush=True,
            )
        os.remove(zp)
        os.remove(yp)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rss-gb", default=None, help="comma-separated file sizes in GB")
    parser.add_argument("--dir", default="/tmp")
    args = parser.parse_args()
    if args.rss_gb:
        rss_of_files([float(v) for v in args.rss_gb.split(",")], args.dir)
    else:
        side_by_side(int(args.rows), args.repeats, args.dir)
