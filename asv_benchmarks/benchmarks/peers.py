"""Every implementation of every benchmarked operation, as a zero-argument
callable on prepared inputs: xentc, a plain NumPy reference and the peers a
user would otherwise call (SciPy, scikit-learn, PyTorch, JAX/optax).

Why one registry: the asv classes (bench_*.py) and the one-process peer table
(../compare_peers.py) must time exactly the same calls.

Rules that keep the comparison fair (and conservative for xentc):
- Peers get their inputs already in their native form, outside the timing:
  torch.from_numpy (zero-copy), jax.device_put (a copy), float labels for
  scikit-learn, pos_weight expanded to per-element sample weights for
  scikit-learn (exact for 0/1 targets).
- Every callable returns what a user needs and is synchronised: JAX results
  are block_until_ready'd, torch autograd runs backward().
- Losses are means (xentc's default reduction); loss+gradient returns the
  gradient of the mean. scikit-learn gets that in one pass through
  sample_weight = 1/n, the way its own linear models call it.
- A peer that is not importable, or cannot do the operation, raises
  NotImplementedError (asv shows n/a); single-threaded implementations
  (NumPy, SciPy, log_loss) do the same for n_threads > 1.
- JAX runs with jax_enable_x64 (needed for float64; float32 stays float32)
  and with XLA's default thread pool, which cannot be resized after start:
  n_threads is imposed on it, as on everyone, by CPU affinity
  (common.limit_cpus).
"""

import functools
import os
import time
import warnings

import numpy as np

from . import common
from .common import get_input, pos_weight_for, xentc

# ---------------------------------------------------------------------------
# optional peers


@functools.cache
def _module(name):
    try:
        if name == "torch":
            import torch
            import torch.nn.functional

            return torch
        if name == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)
            # compiled programs persist between runs: XLA needs seconds for
            # some of them (value_and_grad at N = 1e6), none of it timed
            jax.config.update("jax_compilation_cache_dir", os.path.join(common.cache_dir(), "jax"))
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
            import jax.numpy

            return jax
        if name == "optax":
            import optax

            return optax
        if name == "sklearn_loss":
            from sklearn._loss import loss

            return loss
        if name == "sklearn_metrics":
            from sklearn import metrics

            return metrics
        if name == "scipy_special":
            from scipy import special

            return special
    except Exception as exc:  # ImportError, or a broken install
        return exc
    raise KeyError(name)


# Import the peers up front: asv's forkserver imports this module once and
# forks a process per parameter set, which then need not import torch / JAX
# again (seconds each).
for _name in ("torch", "jax", "optax", "sklearn_loss", "sklearn_metrics", "scipy_special"):
    _module(_name)


def need(name):
    mod = _module(name)
    if isinstance(mod, Exception):
        raise NotImplementedError(f"{name} not available: {mod!r}")
    return mod


def _torch_tensor(a):
    torch = need("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read-only cached input; never written
        return torch.from_numpy(a)


_device_arrays = {}


def _jax_put(a):
    """jax.device_put(a), once per input array (cases at other thread counts
    reuse the copy); the entry keeps `a` alive so its id stays unique."""
    key = (id(a), a.dtype.str, a.shape)
    if key not in _device_arrays:
        _device_arrays[key] = (a, need("jax").device_put(a))
    return _device_arrays[key][1]


_jitted = {}


def _jit(key, make):
    """jax.jit(make()), one per key and process: the 1- and 2-thread cases
    of a shape then share one compilation (value_and_grad at N = 1e6 takes
    XLA seconds to compile)."""
    jax = need("jax")
    if key not in _jitted:
        _jitted[key] = jax.jit(make())
    jitted = _jitted[key]

    def call(*args):
        return jax.block_until_ready(jitted(*args))

    return call


# ---------------------------------------------------------------------------
# NumPy reference twins (dtype in = dtype out)


def np_logsumexp(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1)) + m[:, 0]


def np_log_softmax(x):
    return x - np_logsumexp(x)[:, None]


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def np_sparse_ce(x, y):
    return (np_logsumexp(x) - x[np.arange(x.shape[0]), y]).mean()


def np_soft_ce(x, t):
    return (np_logsumexp(x) * t.sum(axis=1) - (t * x).sum(axis=1)).mean()


def np_sparse_ce_grad(x, y):
    n = x.shape[0]
    rows = np.arange(n)
    m = x.max(axis=1, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=1, keepdims=True)
    loss = (np.log(s[:, 0]) + m[:, 0] - x[rows, y]).mean()
    e /= s
    e[rows, y] -= 1
    e *= x.dtype.type(1.0 / n)
    return loss, e


def np_sigmoid(x):
    return 0.5 + 0.5 * np.tanh(0.5 * x)  # overflow-free, pure NumPy


def np_sigmoid_ce(x, t, pw=None):
    if pw is None:
        return np.mean(np.logaddexp(0, x) - t * x)
    return np.mean((1 - t) * x + (1 + (pw - 1) * t) * np.logaddexp(0, -x))


def np_sigmoid_ce_grad(x, t, pw=None):
    s = np_sigmoid(x)
    scale = x.dtype.type(1.0 / x.size)
    if pw is None:
        return np_sigmoid_ce(x, t), (s - t) * scale
    pt = pw * t
    return np_sigmoid_ce(x, t, pw), ((1 + pt - t) * s - pt) * scale


# ---------------------------------------------------------------------------
# builders: builder(inp, n_threads) -> fn or (fn, reset)
# inp: dict of read-only NumPy arrays (x, y, T, t, pw) of the case's dtype


SINGLE_THREADED = {"numpy", "scipy", "sklearn.log_loss"}


def _single_threaded(n_threads):
    if n_threads > 1:
        raise NotImplementedError("single-threaded implementation: see n_threads=1")


# -- softmax family ----------------------------------------------------------


def _prim_builders(op):
    xfun = {
        "logsumexp": xentc.logsumexp,
        "log_softmax": xentc.log_softmax,
        "softmax": xentc.softmax,
    }[op]
    nfun = {"logsumexp": np_logsumexp, "log_softmax": np_log_softmax, "softmax": np_softmax}[op]

    def b_xentc(inp, nt):
        x = inp["x"]
        return lambda: xfun(x, axis=-1, n_threads=nt)

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x = inp["x"]
        return lambda: nfun(x)

    def b_scipy(inp, nt):
        _single_threaded(nt)
        f = getattr(need("scipy_special"), op)
        x = inp["x"]
        return lambda: f(x, axis=-1)

    def b_torch(inp, nt):
        torch = need("torch")
        f = {
            "logsumexp": torch.logsumexp,
            "log_softmax": torch.log_softmax,
            "softmax": torch.softmax,
        }[op]
        xt = _torch_tensor(inp["x"])
        return lambda: f(xt, -1)

    def b_jax(inp, nt):
        jax = need("jax")
        f = {
            "logsumexp": jax.nn.logsumexp,
            "log_softmax": jax.nn.log_softmax,
            "softmax": jax.nn.softmax,
        }[op]
        g = _jit(op, lambda: lambda a: f(a, axis=-1))
        xj = _jax_put(inp["x"])
        return lambda: g(xj)

    return {"xentc": b_xentc, "numpy": b_numpy, "scipy": b_scipy, "torch": b_torch, "jax": b_jax}


def _sparse_ce_builders():
    def b_xentc(inp, nt):
        x, y = inp["x"], inp["y"]
        return lambda: xentc.sparse_softmax_cross_entropy(x, y, n_threads=nt)

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x, y = inp["x"], inp["y"]
        return lambda: np_sparse_ce(x, y)

    def b_torch(inp, nt):
        F = need("torch").nn.functional
        xt, yt = _torch_tensor(inp["x"]), _torch_tensor(inp["y"])
        return lambda: F.cross_entropy(xt, yt)

    def b_jax(inp, nt):
        optax = need("optax")
        g = _jit(
            "sparse_ce",
            lambda: lambda a, b: optax.softmax_cross_entropy_with_integer_labels(a, b).mean(),
        )
        xj, yj = _jax_put(inp["x"]), _jax_put(inp["y"])
        return lambda: g(xj, yj)

    def b_sklearn(inp, nt):
        x = inp["x"]
        loss = need("sklearn_loss").HalfMultinomialLoss(n_classes=x.shape[1])
        yf = inp["y"].astype(x.dtype)
        return lambda: loss.loss(yf, x, n_threads=nt).mean()

    def b_log_loss(inp, nt):
        # what a scikit-learn user does with logits: softmax, then log_loss
        _single_threaded(nt)
        metrics, special = need("sklearn_metrics"), need("scipy_special")
        x, y = inp["x"], inp["y"]
        labels = np.arange(x.shape[1])
        return lambda: metrics.log_loss(y, special.softmax(x, axis=1), labels=labels)

    def b_xentc_default(inp, nt):
        # what a user writes: n_threads left to xentc (small inputs run serially)
        x, y = inp["x"], inp["y"]
        return lambda: xentc.sparse_softmax_cross_entropy(x, y)

    return {
        "xentc": b_xentc,
        "xentc[n_threads=None]": b_xentc_default,
        "numpy": b_numpy,
        "torch": b_torch,
        "jax": b_jax,
        "sklearn": b_sklearn,
        "sklearn.log_loss": b_log_loss,
    }


def _soft_ce_builders():
    def b_xentc(inp, nt):
        x, t = inp["x"], inp["T"]
        return lambda: xentc.softmax_cross_entropy(x, t, n_threads=nt)

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x, t = inp["x"], inp["T"]
        return lambda: np_soft_ce(x, t)

    def b_torch(inp, nt):
        F = need("torch").nn.functional
        xt, tt = _torch_tensor(inp["x"]), _torch_tensor(inp["T"])
        return lambda: F.cross_entropy(xt, tt)

    def b_jax(inp, nt):
        optax = need("optax")
        g = _jit("soft_ce", lambda: lambda a, b: optax.softmax_cross_entropy(a, b).mean())
        xj, tj = _jax_put(inp["x"]), _jax_put(inp["T"])
        return lambda: g(xj, tj)

    return {"xentc": b_xentc, "numpy": b_numpy, "torch": b_torch, "jax": b_jax}


def _sparse_ce_grad_builders():
    def b_xentc(inp, nt):
        x, y = inp["x"], inp["y"]
        loss = xentc.SparseSoftmaxCrossEntropy(n_threads=nt)
        return lambda: loss.loss_gradient(x, y)

    def b_xentc_inplace(inp, nt):
        x, y = inp["x"], inp["y"]
        work = np.array(x)  # private writable copy; reset() restores it
        loss = xentc.SparseSoftmaxCrossEntropy(n_threads=nt)
        return (lambda: loss.loss_gradient(work, y, out=work)), (lambda: np.copyto(work, x))

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x, y = inp["x"], inp["y"]
        return lambda: np_sparse_ce_grad(x, y)

    def b_torch_autograd(inp, nt):
        F = need("torch").nn.functional
        xt = _torch_tensor(inp["x"]).requires_grad_(True)
        yt = _torch_tensor(inp["y"])

        def fn():
            xt.grad = None
            loss = F.cross_entropy(xt, yt)
            loss.backward()
            return loss.detach(), xt.grad

        return fn

    def b_torch_closed(inp, nt):
        torch = need("torch")
        xt, yt = _torch_tensor(inp["x"]), _torch_tensor(inp["y"])
        rows = torch.arange(xt.shape[0])
        scale = 1.0 / xt.shape[0]

        def fn():
            lsm = torch.log_softmax(xt, 1)
            loss = -lsm.gather(1, yt[:, None]).mean()
            g = lsm.exp_()
            g[rows, yt] -= 1
            return loss, g.mul_(scale)

        return fn

    def b_jax(inp, nt):
        jax, optax = need("jax"), need("optax")
        g = _jit(
            "sparse_ce_grad",
            lambda: jax.value_and_grad(
                lambda a, b: optax.softmax_cross_entropy_with_integer_labels(a, b).mean()
            ),
        )
        xj, yj = _jax_put(inp["x"]), _jax_put(inp["y"])
        return lambda: g(xj, yj)

    def b_sklearn(inp, nt):
        x = inp["x"]
        n = x.shape[0]
        loss = need("sklearn_loss").HalfMultinomialLoss(n_classes=x.shape[1])
        yf = inp["y"].astype(x.dtype)
        w = np.full(n, 1.0 / n, dtype=x.dtype)

        def fn():
            lo, g = loss.loss_gradient(yf, x, sample_weight=w, n_threads=nt)
            return lo.sum(), g

        return fn

    return {
        "xentc": b_xentc,
        "xentc[out=logits]": b_xentc_inplace,
        "numpy": b_numpy,
        "torch": b_torch_autograd,
        "torch[closed-form]": b_torch_closed,
        "jax": b_jax,
        "sklearn": b_sklearn,
    }


# -- sigmoid family ------------------------------------------------------------


def _sigmoid_ce_builders(grad, with_pw):
    def pw_of(inp):
        return inp["pw"] if with_pw else None

    def b_xentc(inp, nt):
        x, t, pw = inp["x"], inp["t"], pw_of(inp)
        if grad:
            loss = xentc.SigmoidCrossEntropy(pos_weight=pw, n_threads=nt)
            return lambda: loss.loss_gradient(x, t)
        return lambda: xentc.sigmoid_cross_entropy(x, t, pos_weight=pw, n_threads=nt)

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x, t, pw = inp["x"], inp["t"], pw_of(inp)
        f = np_sigmoid_ce_grad if grad else np_sigmoid_ce
        return lambda: f(x, t, pw)

    def _torch_args(inp):
        torch = need("torch")
        xt, tt = _torch_tensor(inp["x"]), _torch_tensor(inp["t"])
        pw = pw_of(inp)
        pwt = None if pw is None else torch.as_tensor(np.atleast_1d(pw).astype(inp["x"].dtype))
        return torch, xt, tt, pwt

    def b_torch(inp, nt):
        torch, xt, tt, pwt = _torch_args(inp)
        F = torch.nn.functional
        if not grad:
            return lambda: F.binary_cross_entropy_with_logits(xt, tt, pos_weight=pwt)
        xg = xt.requires_grad_(True)

        def fn():
            xg.grad = None
            loss = F.binary_cross_entropy_with_logits(xg, tt, pos_weight=pwt)
            loss.backward()
            return loss.detach(), xg.grad

        return fn

    def b_torch_closed(inp, nt):
        if not grad:
            raise NotImplementedError("forward only: see torch")
        torch, xt, tt, pwt = _torch_args(inp)
        F = torch.nn.functional
        scale = 1.0 / xt.numel()

        def fn():
            loss = F.binary_cross_entropy_with_logits(xt, tt, pos_weight=pwt)
            s = torch.sigmoid(xt)
            if pwt is None:
                return loss, s.sub_(tt).mul_(scale)
            pt = tt * pwt  # d/dx = (1 + pw*t - t) * s - pw*t
            return loss, s.mul_(pt - tt + 1).sub_(pt).mul_(scale)

        return fn

    def b_jax(inp, nt):
        jax, optax = need("jax"), need("optax")
        pw = pw_of(inp)
        if pw is None:

            def f(a, b):
                return optax.sigmoid_binary_cross_entropy(a, b).mean()

            args = (_jax_put(inp["x"]), _jax_put(inp["t"]))
        else:
            # optax has no pos_weight: the expression a JAX user writes
            def f(a, b, p):
                return ((1 - b) * a + (1 + (p - 1) * b) * jax.nn.softplus(-a)).mean()

            args = (
                _jax_put(inp["x"]),
                _jax_put(inp["t"]),
                _jax_put(np.asarray(pw, dtype=inp["x"].dtype)),
            )
        g = _jit(("sigmoid_ce", grad, with_pw), lambda: jax.value_and_grad(f) if grad else f)
        return lambda: g(*args)

    def b_sklearn(inp, nt):
        x, t, pw = inp["x"], inp["t"], pw_of(inp)
        loss = need("sklearn_loss").HalfBinomialLoss()
        xf, tf = x.reshape(-1), t.reshape(-1)
        n = xf.size
        # pos_weight == per-element weight 1 + (pw - 1) * t for 0/1 targets
        w = None if pw is None else (1 + (pw - 1) * t).reshape(-1).astype(x.dtype)
        if not grad:
            return lambda: loss.loss(tf, xf, sample_weight=w, n_threads=nt).mean()
        w = np.full(n, 1.0 / n, dtype=x.dtype) if w is None else w / x.dtype.type(n)

        def fn():
            lo, g = loss.loss_gradient(tf, xf, sample_weight=w, n_threads=nt)
            return lo.sum(), g.reshape(x.shape)

        return fn

    out = {
        "xentc": b_xentc,
        "numpy": b_numpy,
        "torch": b_torch,
        "jax": b_jax,
        "sklearn": b_sklearn,
    }
    if grad:
        out["torch[closed-form]"] = b_torch_closed
    return out


def _sigmoid_builders():
    def b_xentc(inp, nt):
        x = inp["x"]
        return lambda: xentc.sigmoid(x, n_threads=nt)

    def b_numpy(inp, nt):
        _single_threaded(nt)
        x = inp["x"]
        return lambda: np_sigmoid(x)

    def b_scipy(inp, nt):
        _single_threaded(nt)
        expit, x = need("scipy_special").expit, inp["x"]
        return lambda: expit(x)

    def b_torch(inp, nt):
        torch = need("torch")
        xt = _torch_tensor(inp["x"])
        return lambda: torch.sigmoid(xt)

    def b_jax(inp, nt):
        jax = need("jax")
        g = _jit("sigmoid", lambda: jax.nn.sigmoid)
        xj = _jax_put(inp["x"])
        return lambda: g(xj)

    return {"xentc": b_xentc, "numpy": b_numpy, "scipy": b_scipy, "torch": b_torch, "jax": b_jax}


# ---------------------------------------------------------------------------
# the registry


class Op:
    def __init__(self, name, family, inputs, builders, reference, title):
        self.name, self.family, self.inputs = name, family, inputs
        self.builders, self.reference, self.title = builders, reference, title


def _without(builders, *names):
    return {k: v for k, v in builders.items() if k not in names}


OPS = {
    op.name: op
    for op in [
        Op(
            "sparse_ce",
            "softmax",
            ("x", "y"),
            _without(_sparse_ce_builders(), "xentc[n_threads=None]"),
            lambda i: np_sparse_ce(i["x"], i["y"]),
            "sparse softmax CE, forward (mean)",
        ),
        Op(
            "soft_ce",
            "softmax",
            ("x", "T"),
            _soft_ce_builders(),
            lambda i: np_soft_ce(i["x"], i["T"]),
            "soft-label softmax CE, forward (mean)",
        ),
        Op(
            "logsumexp",
            "softmax",
            ("x",),
            _prim_builders("logsumexp"),
            lambda i: np_logsumexp(i["x"]),
            "logsumexp over the last axis",
        ),
        Op(
            "log_softmax",
            "softmax",
            ("x",),
            _prim_builders("log_softmax"),
            lambda i: np_log_softmax(i["x"]),
            "log_softmax over the last axis",
        ),
        Op(
            "softmax",
            "softmax",
            ("x",),
            _prim_builders("softmax"),
            lambda i: np_softmax(i["x"]),
            "softmax over the last axis",
        ),
        Op(
            "sparse_ce_grad",
            "softmax",
            ("x", "y"),
            _sparse_ce_grad_builders(),
            lambda i: np_sparse_ce_grad(i["x"], i["y"]),
            "sparse softmax CE, loss + gradient of the mean",
        ),
        Op(
            "sigmoid_ce",
            "sigmoid",
            ("x", "t"),
            _sigmoid_ce_builders(False, False),
            lambda i: np_sigmoid_ce(i["x"], i["t"]),
            "sigmoid BCE, forward (mean)",
        ),
        Op(
            "sigmoid_ce_pw",
            "sigmoid",
            ("x", "t", "pw"),
            _sigmoid_ce_builders(False, True),
            lambda i: np_sigmoid_ce(i["x"], i["t"], i["pw"]),
            "sigmoid BCE with pos_weight, forward (mean)",
        ),
        Op(
            "sigmoid_ce_grad",
            "sigmoid",
            ("x", "t"),
            _sigmoid_ce_builders(True, False),
            lambda i: np_sigmoid_ce_grad(i["x"], i["t"]),
            "sigmoid BCE, loss + gradient",
        ),
        Op(
            "sigmoid_ce_pw_grad",
            "sigmoid",
            ("x", "t", "pw"),
            _sigmoid_ce_builders(True, True),
            lambda i: np_sigmoid_ce_grad(i["x"], i["t"], i["pw"]),
            "sigmoid BCE with pos_weight, loss + gradient",
        ),
        Op(
            "sigmoid",
            "sigmoid",
            ("x",),
            _sigmoid_builders(),
            lambda i: np_sigmoid(i["x"]),
            "sigmoid (expit), element-wise",
        ),
        # per-call overhead: the sparse CE forward on tiny inputs
        Op(
            "overhead_sparse_ce",
            "overhead",
            ("x", "y"),
            _sparse_ce_builders(),
            lambda i: np_sparse_ce(i["x"], i["y"]),
            "per-call overhead, sparse softmax CE forward",
        ),
    ]
}


def impl_names(op):
    return list(OPS[op].builders)


def is_ours(impl):
    return impl.startswith("xentc")


def inputs_for(op, dtype, shape):
    kinds = OPS[op].inputs
    family = OPS[op].family
    shape = tuple(shape)
    inp = {}
    if family == "sigmoid":
        inp["x"] = get_input("binary_logits", shape, dtype)
        if "t" in kinds:
            inp["t"] = get_input("binary_targets", shape, dtype)
        if "pw" in kinds:
            inp["pw"] = pos_weight_for(shape, dtype)
    else:
        inp["x"] = get_input("logits", shape, dtype)
        if "y" in kinds:
            inp["y"] = get_input("labels", shape)
        if "T" in kinds:
            inp["T"] = get_input("soft_targets", shape, dtype)
    return inp


class Case:
    """A prepared call: fn() runs it (synchronised); reset() restores any
    input it writes (call it outside the timing)."""

    def __init__(self, op, impl, dtype, shape, n_threads):
        self.op, self.impl, self.dtype, self.shape, self.n_threads = (
            op,
            impl,
            dtype,
            tuple(shape),
            n_threads,
        )
        built = OPS[op].builders[impl](inputs_for(op, dtype, shape), n_threads)
        self.fn, self._reset = built if isinstance(built, tuple) else (built, None)
        self.n_elems = int(np.prod(self.shape))

    def reset(self):
        if self._reset is not None:
            self._reset()

    def warm_up(self):
        """One call (compiles JAX, faults in pages, spins up thread pools);
        a second, timed one when the first was cheap. Sets est_s, the
        estimated seconds per call."""
        t0 = time.perf_counter()
        self.fn()
        self.est_s = time.perf_counter() - t0
        self.reset()
        if self.est_s < 0.2:
            t0 = time.perf_counter()
            self.fn()
            self.est_s = time.perf_counter() - t0
            self.reset()


_cases = {}


def get_case(op, impl, dtype, shape, n_threads, warm_like=None):
    """The Case, built and warmed up once per process. warm_like: a warmed
    Case of the same call at another thread count; its warm-up (JAX
    compilation, page faults) stands for this one's, and its time estimate
    is taken over."""
    key = (op, impl, str(dtype), tuple(shape), int(n_threads))
    case = _cases.get(key)
    if case is None:
        if impl not in OPS[op].builders:
            raise NotImplementedError(f"{impl} does not implement {op}")
        case = Case(op, impl, str(dtype), shape, int(n_threads))
        if warm_like is not None:
            case.est_s = warm_like.est_s
        else:
            common.limit_cpus(n_threads)
            try:
                case.warm_up()
            finally:
                common.unlimit_cpus()
        _cases[key] = case
    return case


def clear_cases():
    _cases.clear()
    _device_arrays.clear()
    _reference.cache_clear()


# ---------------------------------------------------------------------------
# accuracy and ratios


def to_numpy(obj):
    """float64 copy of a result (tuples recursively, torch / JAX arrays); a
    copy, because in-place cases overwrite their output on reset()."""
    if isinstance(obj, (tuple, list)):
        return tuple(to_numpy(o) for o in obj)
    if hasattr(obj, "detach"):
        obj = obj.detach().numpy()
    return np.array(obj, dtype=np.float64)


@functools.lru_cache(maxsize=4)
def _reference(op, shape):
    """The NumPy reference evaluated in float64 on the float64 inputs."""
    inp = inputs_for(op, "float64", shape)
    return to_numpy(OPS[op].reference(inp))


def max_abs_diff(op, case, dtype, shape):
    ref = _reference(op, tuple(shape))
    case.reset()
    got = to_numpy(case.fn())
    case.reset()
    if not isinstance(ref, tuple):
        ref, got = (ref,), (got,)
    return float(max(np.max(np.abs(g - r)) if r.size else 0.0 for g, r in zip(got, ref)))


def speed_ratio(case, ours, repeats=3):
    """median time(case) / median time(ours), calls interleaved."""
    ta, tb = [], []
    for _ in range(repeats):
        for c, acc in ((case, ta), (ours, tb)):
            c.reset()
            t0 = time.perf_counter()
            c.fn()
            acc.append(time.perf_counter() - t0)
    case.reset()
    ours.reset()
    return float(np.median(ta) / np.median(tb))
