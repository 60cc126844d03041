"""Before/after of the fused rowstats pass, interleaved in one process.

"Before" is StreamingScores / xentc.metrics as of BASE (default 3ba8f72, the
last commit without the rowstats kernel), read with `git show` and executed
against the current kernels; "after" is the working tree. Prints the metric
values of both (they must agree) and best/median times: StreamingScores with
every metric vs one-shot log_loss(from_logits) + accuracy, and
metrics.accuracy vs the CE forward on 1e6 x 10 float32 logits.

Run from the repository root, after an in-place build:
    PYTHONPATH=. python asv_benchmarks/compare_rowstats.py [ROWS [REPEATS [BASE]]]
"""

import subprocess
import sys
import time
import types

import numpy as np

import xentc
from xentc.scoring import StreamingScores as After


def load_old(path, name):
    src = subprocess.run(
        ["git", "show", f"{BASE}:{path}"], capture_output=True, text=True, check=True
    ).stdout
    mod = types.ModuleType(f"xentc.{name}")
    mod.__package__ = "xentc"
    sys.modules[mod.__name__] = mod
    exec(compile(src, f"{BASE}:{path}", "exec"), mod.__dict__)
    return mod


args = sys.argv[1:] + [None] * 3
rows, reps = int(float(args[0] or 2e6)), int(args[1] or 5)
BASE = args[2] or "3ba8f72"
Before = load_old("xentc/scoring.py", "_scoring_before").StreamingScores
# the old metrics.py imports .calibration, now xentc/metrics/_calibration.py
sys.modules.setdefault("xentc.calibration", xentc.metrics._calibration)
old_metrics = load_old("xentc/metrics.py", "_metrics_before")

rng = np.random.default_rng(0)
z = (rng.standard_normal((rows, 10)) * 2).astype(np.float32)
y = rng.integers(0, 10, rows)
C = 65536


def stream(cls):
    s = cls()
    for a in range(0, rows, C):
        s.update(y[a : a + C], z[a : a + C])
    return s.result()


def oneshot(m):
    return (m.log_loss(y, z, from_logits=True, labels=np.arange(10)), m.accuracy(y, z))


ra, rb = stream(After), stream(Before)
for key in ("log_loss", "accuracy", "top_k_accuracy", "brier", "ece"):
    print(
        f"{key:15s} after={ra[key]:.15g} before={rb[key]:.15g} rel={abs(ra[key] / rb[key] - 1):.2e}"
    )

z1, y1 = z[:1_000_000], y[:1_000_000]
cases = {
    "stream-all after": lambda: stream(After),
    "stream-all before": lambda: stream(Before),
    "oneshot ll+acc after": lambda: oneshot(xentc.metrics),
    "oneshot ll+acc before": lambda: oneshot(old_metrics),
    "accuracy 1e6x10 after": lambda: xentc.metrics.accuracy(y1, z1),
    "accuracy 1e6x10 before": lambda: old_metrics.accuracy(y1, z1),
    "CE forward 1e6x10": lambda: xentc.sparse_softmax_cross_entropy(z1, y1),
    "np.argmax 1e6x10": lambda: np.argmax(z1, axis=1),
}
times = {k: [] for k in cases}
for _ in range(reps):
    for k, f in cases.items():
        t = time.perf_counter()
        f()
        times[k].append(time.perf_counter() - t)
best = {k: min(v) for k, v in times.items()}
for k, v in best.items():
    print(f"{k:26s} best {v * 1e3:9.2f} ms   median {np.median(times[k]) * 1e3:9.2f} ms")
print(
    f"stream-all / oneshot(after):  before {best['stream-all before'] / best['oneshot ll+acc after']:.2f}x"
    f"  after {best['stream-all after'] / best['oneshot ll+acc after']:.2f}x"
)
print(
    f"accuracy / CE forward: before {best['accuracy 1e6x10 before'] / best['CE forward 1e6x10']:.2f}x"
    f"  after {best['accuracy 1e6x10 after'] / best['CE forward 1e6x10']:.2f}x"
)
