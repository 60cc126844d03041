"""asv: the xentc.compat shims side by side with the framework each mirrors.

Why: a shim is only worth using if it is as fast as the call it replaces,
and its thin-wrapper overhead (axis moves, fix-ups, Keras's reductions) must
not creep up over time. Each class times one shim and its original on the
same seeded inputs in one grid: impl x dtype x shape, one thread each
(xentc n_threads=1, torch.set_num_threads(1)); peakmem_ next to time_.
A framework that is not importable skips its half (NotImplementedError in
setup). The module is self-contained: its inputs are drawn here, seeded.

Run (from asv_benchmarks/):
    asv run --python=same --bench bench_compat
"""

import os
import sys

import numpy as np


def _import_xentc_compat():
    """xentc.compat from the environment, else from this checkout (--python=same)."""
    try:
        import xentc.compat
    except ImportError:
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        if root not in sys.path:
            sys.path.insert(0, root)
        for name in [m for m in sys.modules if m == "xentc" or m.startswith("xentc.")]:
            del sys.modules[name]
        try:
            import xentc.compat  # noqa: F401
        except ImportError:
            return None
    return sys.modules["xentc.compat"]


compat = _import_xentc_compat()

_CACHE = {}


def _inputs(kind, shape, dtype, seed):
    """Seeded arrays, drawn once per process. Kinds: logits, probs (rows on
    the simplex), unit (uniform [0, 1)), labels (ints < shape[-1]), binary
    (0/1), onehot (rows of the identity)."""
    key = (kind, shape, dtype, seed)
    if key not in _CACHE:
        rng = np.random.default_rng(seed)
        if kind == "logits":
            arr = (rng.standard_normal(shape, dtype=np.float32) * 3).astype(dtype)
        elif kind == "probs":
            arr = rng.random(shape, dtype=np.float64) + 1e-3
            arr /= arr.sum(axis=-1, keepdims=True)
            arr = arr.astype(dtype)
        elif kind == "unit":
            arr = rng.random(shape, dtype=np.float64).astype(dtype)
        elif kind == "labels":
            arr = rng.integers(0, shape[-1], size=shape[:-1])
        elif kind == "binary":
            arr = rng.integers(0, 2, size=shape).astype(dtype)
        elif kind == "onehot":
            arr = np.zeros(shape, dtype=dtype)
            np.put_along_axis(arr, rng.integers(0, shape[-1], size=shape[:-1] + (1,)), 1, axis=-1)
        else:
            raise ValueError(kind)
        _CACHE[key] = arr
    return _CACHE[key]


def _need_compat(module):
    if compat is None:
        raise NotImplementedError("xentc.compat is not importable in this environment")
    return getattr(compat, module)


def _torch():
    try:
        import torch
    except ImportError:
        raise NotImplementedError("torch is not installed") from None
    torch.set_num_threads(1)
    return torch


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        raise NotImplementedError("keras (with a usable backend) is not installed") from None
    if keras.backend.backend() == "torch":
        _torch()
    return keras


def _tf():
    try:
        import tensorflow as tf
    except ImportError:
        raise NotImplementedError("tensorflow is not installed") from None
    tf.config.threading.set_intra_op_parallelism_threads(1)
    return tf


class _Shim:
    """Base: `prepare(impl, dtype, shape)` sets self.call to a zero-argument
    callable; time_ and peakmem_ run it."""

    timeout = 300.0

    def setup(self, *params):
        self.prepare(*params)
        self.call()  # warm-up: imports, first-touch of the inputs, JIT-free paths

    def time_call(self, *params):
        self.call()

    def peakmem_call(self, *params):
        self.call()


# ---------------------------------------------------------------------------
# PyTorch


class TorchCrossEntropy(_Shim):
    params = (
        ["xentc", "torch"],
        ["float32", "float64"],
        [(20_000, 1_000), (200_000, 10)],
        ["indices", "indices+smoothing", "probabilities"],
    )
    param_names = ["impl", "dtype", "shape", "target"]

    def prepare(self, impl, dtype, shape, target):
        x = _inputs("logits", shape, dtype, 0)
        y = (
            _inputs("probs", shape, dtype, 1)
            if target == "probabilities"
            else _inputs("labels", shape, dtype, 2)
        )
        ls = 0.1 if target == "indices+smoothing" else 0.0
        if impl == "xentc":
            xt = _need_compat("torch")
            self.call = lambda: xt.cross_entropy(x, y, label_smoothing=ls, n_threads=1)
        else:
            torch = _torch()
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            F = torch.nn.functional
            self.call = lambda: F.cross_entropy(tx, ty, label_smoothing=ls)


class TorchSoftmaxFamily(_Shim):
    params = (
        ["xentc", "torch"],
        ["float32", "float64"],
        [(20_000, 1_000)],
        ["log_softmax", "softmax", "nll_loss"],
    )
    param_names = ["impl", "dtype", "shape", "op"]

    def prepare(self, impl, dtype, shape, op):
        x = _inputs("logits", shape, dtype, 0)
        y = _inputs("labels", shape, dtype, 2)
        if impl == "xentc":
            xt = _need_compat("torch")
            if op == "nll_loss":
                self.call = lambda: xt.nll_loss(x, y)
            else:
                fn = getattr(xt, op)
                self.call = lambda: fn(x, 1, n_threads=1)
        else:
            torch = _torch()
            F = torch.nn.functional
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            if op == "nll_loss":
                self.call = lambda: F.nll_loss(tx, ty)
            else:
                fn = getattr(F, op)
                self.call = lambda: fn(tx, 1)


class TorchBinary(_Shim):
    params = (
        ["xentc", "torch"],
        ["float32", "float64"],
        [(1_000_000,), (20_000, 50)],
        ["with_logits", "with_logits+pos_weight", "probabilities"],
    )
    param_names = ["impl", "dtype", "shape", "loss"]

    def prepare(self, impl, dtype, shape, loss):
        t = _inputs("binary", shape, dtype, 3)
        x = _inputs("unit" if loss == "probabilities" else "logits", shape, dtype, 4)
        pw = np.full(shape[-1], 2.0, dtype=dtype) if loss.endswith("pos_weight") else None
        if impl == "xentc":
            xt = _need_compat("torch")
            if loss == "probabilities":
                self.call = lambda: xt.binary_cross_entropy(x, t, n_threads=1)
            else:
                self.call = lambda: xt.binary_cross_entropy_with_logits(
                    x, t, pos_weight=pw, n_threads=1
                )
        else:
            torch = _torch()
            F = torch.nn.functional
            tx, tt = torch.from_numpy(x), torch.from_numpy(t)
            tpw = None if pw is None else torch.from_numpy(pw)
            if loss == "probabilities":
                self.call = lambda: F.binary_cross_entropy(tx, tt)
            else:
                self.call = lambda: F.binary_cross_entropy_with_logits(tx, tt, pos_weight=tpw)


# ---------------------------------------------------------------------------
# TensorFlow


class TFCrossEntropy(_Shim):
    params = (
        ["xentc", "tensorflow"],
        ["float32"],
        [(20_000, 1_000)],
        ["sparse_softmax", "softmax", "sigmoid"],
    )
    param_names = ["impl", "dtype", "shape", "loss"]

    def prepare(self, impl, dtype, shape, loss):
        x = _inputs("logits", shape, dtype, 0)
        labels = {
            "sparse_softmax": _inputs("labels", shape, dtype, 2),
            "softmax": _inputs("probs", shape, dtype, 1),
            "sigmoid": _inputs("binary", shape, dtype, 3),
        }[loss]
        name = f"{loss}_cross_entropy_with_logits"
        if impl == "xentc":
            fn = getattr(_need_compat("tf"), name)
            self.call = lambda: fn(labels=labels, logits=x, n_threads=1)
        else:
            tf = _tf()
            fn = getattr(tf.nn, name)
            tx, tl = tf.constant(x), tf.constant(labels)
            self.call = lambda: fn(labels=tl, logits=tx)


# ---------------------------------------------------------------------------
# Keras


class KerasLosses(_Shim):
    params = (
        ["xentc", "keras"],
        ["float32"],
        [(20_000, 1_000)],
        [
            "SparseCategoricalCrossentropy(from_logits)",
            "SparseCategoricalCrossentropy(probs)",
            "CategoricalCrossentropy(probs, one-hot)",
            "CategoricalCrossentropy(probs, soft)",
            "BinaryCrossentropy(probs)",
            "BinaryCrossentropy(from_logits)",
            "CategoricalFocalCrossentropy(probs, one-hot)",
        ],
    )
    param_names = ["impl", "dtype", "shape", "loss"]

    def prepare(self, impl, dtype, shape, loss):
        name = loss.split("(")[0]
        from_logits = "from_logits" in loss
        p = (
            _inputs("logits", shape, dtype, 0)
            if from_logits
            else _inputs("probs", shape, dtype, 1)
        )
        if name == "SparseCategoricalCrossentropy":
            y = _inputs("labels", shape, dtype, 2)
        elif name == "BinaryCrossentropy":
            y = _inputs("binary", shape, dtype, 3)
            p = p if from_logits else _inputs("unit", shape, dtype, 4)
        elif "soft" in loss:
            y = _inputs("probs", shape, dtype, 5)
        else:
            y = _inputs("onehot", shape, dtype, 6)
        kwargs = {"from_logits": True} if from_logits else {}
        if impl == "xentc":
            obj = getattr(_need_compat("keras"), name)(n_threads=1, **kwargs)
        else:
            obj = getattr(_keras().losses, name)(**kwargs)
        self.call = lambda: obj(y, p)


# ---------------------------------------------------------------------------
# SciPy


class ScipySpecial(_Shim):
    OPS = {
        "logsumexp(axis=1)": ("logsumexp", 1),
        "softmax(axis=1)": ("softmax", 1),
        "log_softmax(axis=1)": ("log_softmax", 1),
        "logsumexp(axis=None)": ("logsumexp", None),
        "softmax(axis=0)": ("softmax", 0),
        "expit": ("expit", None),
        "log_expit": ("log_expit", None),
    }
    params = (["xentc", "scipy"], ["float32", "float64"], [(20_000, 1_000)], list(OPS))
    param_names = ["impl", "dtype", "shape", "op"]

    def prepare(self, impl, dtype, shape, op):
        x = _inputs("logits", shape, dtype, 0)
        name, axis = self.OPS[op]
        if impl == "xentc":
            fn = getattr(_need_compat("scipy"), name)
            extra = {"n_threads": 1}
        else:
            try:
                import scipy.special as fn_mod
            except ImportError:
                raise NotImplementedError("scipy is not installed") from None
            fn, extra = getattr(fn_mod, name), {}
        if name in ("expit", "log_expit"):
            self.call = lambda: fn(x, **extra)
        else:
            self.call = lambda: fn(x, axis=axis, **extra)


# ---------------------------------------------------------------------------
# side-by-side report (not used by asv): python bench_compat.py [float32|float64]


def _side_by_side(repeats=7, dtypes=("float32",), only=None):
    """Print, per case, the best of `repeats` interleaved runs of the shim and
    of its framework in this one process, and framework time / shim time."""
    import itertools
    import time

    classes = [
        TorchCrossEntropy,
        TorchSoftmaxFamily,
        TorchBinary,
        TFCrossEntropy,
        KerasLosses,
        ScipySpecial,
    ]
    print("| benchmark | case | xentc ms | framework ms | framework / xentc |")
    print("|---|---|---:|---:|---:|")
    for cls in classes:
        if only and cls.__name__ not in only:
            continue
        impls = cls.params[0]
        for rest in itertools.product(*cls.params[1:]):
            if rest[0] not in dtypes:
                continue
            runs = {}
            for impl in impls:
                bench = cls()
                try:
                    bench.setup(impl, *rest)
                except NotImplementedError:
                    continue
                runs[impl] = (bench.call, [])
            if len(runs) < 2:
                continue
            for _ in range(repeats):
                for call, times in runs.values():
                    start = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - start)
            ours, theirs = (min(runs[i][1]) * 1e3 for i in impls)
            case = ", ".join(str(r) for r in rest)
            print(
                f"| {cls.__name__} | {case} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    # arguments: dtypes (float32 / float64) and benchmark class names to keep
    args = sys.argv[1:]
    _side_by_side(
        dtypes=tuple(a for a in args if a.startswith("float")) or ("float32",),
        only=[a for a in args if not a.startswith("float")],
    )
