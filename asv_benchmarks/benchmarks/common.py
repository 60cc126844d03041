"""Shared pieces of the asv suite: profiles, seeded cached inputs, CPU
limiting, memory probes and the base benchmark class.

Why: every benchmark module times one operation family over the same grid
(implementation x dtype x shape x n_threads) on the same inputs, so the
numbers of xentc and of each peer are comparable within a run and, because
inputs are pure functions of (kind, shape, dtype), across the asv history.

Run (from asv_benchmarks/):
    asv run --python=same --quick                       # importable build
    XENTC_BENCH_PROFILE=fast asv run --python=same      # small grid
    asv continuous -f 1.1 main HEAD                     # two commits, virtualenv
Profiles (env XENTC_BENCH_PROFILE): quick | history | fast | regular (default) | large.
"regular" is the grid of the speed targets: thousands of parameter sets, hours on two
cores, so select with -b (e.g. -b SparseSoftmaxCE.time_call); "fast" runs the
whole suite once in about 6 minutes. For one-run peer ratios see
../compare_peers.py.
Inputs are cached in memory and on disk (env XENTC_BENCH_CACHE, default
~/.cache/xentc-asv) because asv runs each parameter set in a fresh process
and drawing 64M normals costs more than a second.
"""

import abc
import gc
import os
import platform
import sys
import tracemalloc

import numpy as np

try:  # raised inside a benchmark body, asv reports "n/a" instead of a failure
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # pragma: no cover - outside asv
    SkipNotImplemented = NotImplementedError


# ---------------------------------------------------------------------------
# xentc itself: asv's own environments install it; under --python=same fall
# back to the in-place build of the checkout this suite lives in.


def _import_xentc():
    try:
        import xentc
    except ImportError:
        if os.environ.get("ASV_ENV_TYPE", "existing") != "existing":
            raise  # an asv-built env must test what it installed
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        sys.path.insert(0, root)
        import xentc  # noqa: F401
    return sys.modules["xentc"]


xentc = _import_xentc()


# ---------------------------------------------------------------------------
# profiles

_SOFTMAX_SHAPES = [(1_000_000, 2), (200_000, 10), (20_000, 1_000), (2_000, 32_000), (256, 128_000)]
_SIGMOID_SHAPES = [(1_000_000,), (200_000, 10), (20_000, 1_000)]

PROFILES = {
    # README's quick pass: one mid-size shape per family, float32, one thread
    "quick": dict(
        softmax_shapes=[(2_000, 1_000)],
        sigmoid_shapes=[(100_000,)],
        dtypes=["float32"],
        n_threads=[1],
    ),
    # the asv history (docs/benchmarks.md): one long-row and one short-row
    # shape, xentc and the NumPy twin only (NumPy's line is the machine-drift
    # baseline); with the -b selection in docs/benchmarks.md, ~25 commits an hour
    "history": dict(
        softmax_shapes=[(2_000, 1_000), (200_000, 10)],
        sigmoid_shapes=[(100_000,)],
        dtypes=["float32"],
        n_threads=[1],
        impls=["xentc", "numpy"],
    ),
    # a smoke run: every benchmark, shapes 10x smaller, float32, one thread
    "fast": dict(
        softmax_shapes=[(n // 10, c) for n, c in _SOFTMAX_SHAPES],
        sigmoid_shapes=[(s[0] // 10,) + s[1:] for s in _SIGMOID_SHAPES],
        dtypes=["float32"],
        n_threads=[1],
    ),
    # the grid the README's speed targets are stated on
    "regular": dict(
        softmax_shapes=_SOFTMAX_SHAPES,
        sigmoid_shapes=_SIGMOID_SHAPES,
        dtypes=["float32", "float64"],
        n_threads=[1, 2],
    ),
    # 4x more rows, every thread count up to the machine
    "large": dict(
        softmax_shapes=[(n * 4, c) for n, c in _SOFTMAX_SHAPES],
        sigmoid_shapes=[(s[0] * 4,) + s[1:] for s in _SIGMOID_SHAPES],
        dtypes=["float32", "float64"],
        n_threads=sorted({1, 2, len(os.sched_getaffinity(0))}),
    ),
}
OVERHEAD_SHAPES = [(1, 10), (64, 1_000)]


def profile_name():
    name = os.environ.get("XENTC_BENCH_PROFILE", "regular")
    if name not in PROFILES:
        raise ValueError(f"XENTC_BENCH_PROFILE must be one of {sorted(PROFILES)}; got {name!r}")
    return name


PROFILE = PROFILES[profile_name()]


# ---------------------------------------------------------------------------
# inputs
#
# Each input is a pure function of (kind, shape, dtype): its own seed mixed
# with the shape. ONLY APPEND to _SEEDS and to the generators below: changing
# a seed or a distribution makes old asv results incomparable with new ones.
# float64 inputs hold exactly the float32 values, so dtypes differ only in
# width.

_SEEDS = {
    "logits": 1,  # N(0, 3^2) softmax logits
    "labels": 2,  # uniform class indices
    "soft_targets": 3,  # rows of probabilities, u^4 normalised (peaky)
    "binary_logits": 4,  # N(0, 3^2) sigmoid logits
    "binary_targets": 5,  # Bernoulli(0.3) as 0.0 / 1.0
}
_CACHE_VERSION = 1
_memory = {}


def _generate(kind, shape):
    rng = np.random.default_rng([_SEEDS[kind], *shape])
    if kind in ("logits", "binary_logits"):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(3.0)
    if kind == "labels":
        n, c = shape
        return rng.integers(0, c, size=n, dtype=np.int64)
    if kind == "soft_targets":
        t = rng.random(shape, dtype=np.float32)
        t **= 4
        t /= t.sum(axis=1, keepdims=True)
        return t
    if kind == "binary_targets":
        return (rng.random(shape, dtype=np.float32) < 0.3).astype(np.float32)
    raise KeyError(kind)


def cache_dir():
    return os.environ.get(
        "XENTC_BENCH_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "xentc-asv")
    )


def get_input(kind, shape, dtype="float32"):
    """The cached input `kind` of `shape` (for labels: the logits' (N, C)),
    as `dtype` (ignored for labels). Read-only: copy before writing."""
    shape = tuple(int(s) for s in shape)
    key = (kind, shape, None if kind == "labels" else str(dtype))
    if key in _memory:
        return _memory[key]
    base_key = (kind, shape, None if kind == "labels" else "float32")
    base = _memory.get(base_key)
    if base is None:
        path = os.path.join(
            cache_dir(), f"v{_CACHE_VERSION}-{kind}-" + "x".join(map(str, shape)) + ".npy"
        )
        try:
            base = np.load(path)
        except (OSError, ValueError):
            base = _generate(kind, shape)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    np.save(f, base)
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only home only costs time
        base.flags.writeable = False
        _memory[base_key] = base
    arr = base if key == base_key else base.astype(dtype)
    arr.flags.writeable = False
    _memory[key] = arr
    return arr


def pos_weight_for(shape, dtype):
    """Scalar 3.0 for 1-D logits, a ramp over the K labels for (N, K)."""
    if len(shape) == 1:
        return 3.0
    return np.linspace(0.5, 4.0, shape[1]).astype(dtype)


def drop_inputs():
    _memory.clear()
    gc.collect()


# ---------------------------------------------------------------------------
# CPU limiting: n_threads=1 must mean one core for every implementation,
# including JAX, whose XLA thread pool is sized once per process. Pinning
# every thread of the process (Linux affinity is per thread; new threads
# inherit it) to the first n allowed CPUs bounds what any pool can use.

ALL_CPUS = sorted(os.sched_getaffinity(0))


def limit_cpus(n_threads):
    cpus = set(ALL_CPUS[: max(1, int(n_threads))])
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # the thread ended meanwhile
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(len(cpus))


def unlimit_cpus():
    limit_cpus(len(ALL_CPUS))


# ---------------------------------------------------------------------------
# memory probe


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def extra_peak_bytes(fn):
    """Peak bytes allocated while fn() runs, beyond what was live before.

    max of two probes: tracemalloc (exact for NumPy buffers, blind to
    torch/XLA allocators) and the RSS high-water mark after resetting it
    (sees every allocator; blind to memory recycled from allocator caches).
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        rss0 = _status_kib("VmRSS")
    except OSError:
        rss0 = None
    tracemalloc.start()
    try:
        result = fn()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    rss_peak = 0 if rss0 is None else max(0, _status_kib("VmHWM") - rss0) * 1024
    return max(traced_peak, rss_peak)


# ---------------------------------------------------------------------------
# base class


def grid(op):
    """asv params for peers.OPS[op]: implementations x dtypes x shapes x threads."""
    from . import peers

    shapes = {
        "softmax": PROFILE["softmax_shapes"],
        "sigmoid": PROFILE["sigmoid_shapes"],
        "overhead": OVERHEAD_SHAPES,
    }[peers.OPS[op].family]
    impls = [i for i in peers.impl_names(op) if i in PROFILE.get("impls", [i])]
    return [impls, PROFILE["dtypes"], shapes, PROFILE["n_threads"]]


class Benchmark(abc.ABC):
    """One operation (OP, a key of peers.OPS) over the profile's grid.

    setup builds (once per process, cached) the implementation's callable on
    its native inputs, then pins the process to n_threads CPUs; asv re-runs
    setup before every sample, which also restores in-place inputs.
    Subclasses set OP and params = grid(OP).
    """

    @property
    @abc.abstractmethod
    def OP(self):
        """key of peers.OPS (abstract, so asv does not collect this base)"""

    param_names = ["impl", "dtype", "shape", "n_threads"]
    number = 1  # one call per sample: calls take milliseconds
    repeat = (3, 10, 20.0)
    rounds = 1
    warmup_time = 0.0  # the case's warm-up call ran in setup
    # asv's default version is a hash of setup + body source, so a reformat
    # would hide the committed history (docs/benchmarks.md); bump this when
    # what is measured changes
    version = "1"
    timeout = 600

    def setup(self, impl, dtype, shape, n_threads):
        from . import peers

        if n_threads > len(ALL_CPUS):
            raise NotImplementedError(f"{n_threads} threads > {len(ALL_CPUS)} CPUs")
        self.case = peers.get_case(self.OP, impl, dtype, shape, n_threads)
        limit_cpus(n_threads)
        self.case.reset()

    def teardown(self, impl, dtype, shape, n_threads):
        unlimit_cpus()

    # -- what every operation reports ----------------------------------------

    def time_call(self, impl, dtype, shape, n_threads):
        self.case.fn()

    @staticmethod
    def _once_per_thread_count(n_threads):
        # memory and accuracy do not depend on n_threads: measure them once
        if n_threads != PROFILE["n_threads"][0]:
            raise SkipNotImplemented("thread-independent; see the smallest n_threads")

    def peakmem_call(self, impl, dtype, shape, n_threads):
        # peak RSS of the process: inputs + the call's own allocations
        self._once_per_thread_count(n_threads)
        self.case.fn()

    def track_extra_bytes_per_row(self, impl, dtype, shape, n_threads):
        """Peak bytes the call allocates per input row: O(1) for a forward
        pass, C * itemsize per row when it allocates an (N, C) array."""
        self._once_per_thread_count(n_threads)
        return extra_peak_bytes(self.case.fn) / shape[0]

    track_extra_bytes_per_row.unit = "bytes/row"

    def track_max_abs_diff(self, impl, dtype, shape, n_threads):
        """max |impl - NumPy reference evaluated in float64|."""
        from . import peers

        self._once_per_thread_count(n_threads)
        return peers.max_abs_diff(self.OP, self.case, dtype, shape)

    track_max_abs_diff.unit = "abs error"

    def track_speedup_of_xentc(self, impl, dtype, shape, n_threads):
        """time(impl) / time(xentc): how many times faster xentc is than this
        implementation (1.0 for xentc itself), median of 3 interleaved calls."""
        from . import peers

        ours = peers.get_case(self.OP, peers.impl_names(self.OP)[0], dtype, shape, n_threads)
        return peers.speed_ratio(self.case, ours, repeats=3)

    track_speedup_of_xentc.unit = "x"


def cpu_model():
    """The CPU's model name, for the header of every speed report."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
