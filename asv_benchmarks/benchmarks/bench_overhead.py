"""Per-call overhead: every primitive and loss on one row of 10 (a single
online-scoring request), where validation and dispatch cost more than the
arithmetic. Targets (issue 15): at most 2 us per call, element-wise ones at
most 1.5x SciPy's ufunc; log_loss(from_logits=True) at most 20 us.

    cd asv_benchmarks && asv run --python=same --quick -b bench_overhead
    python3 asv_benchmarks/compare_overhead.py     # the side-by-side table

CASES maps each operation to its implementations: "xentc" (the public call
as a user writes it), "xentc_checked" (the same computation through the full
validation path that the per-call fast path short-cuts; the gap between the
two is what the fast path saves) and the peers a user would call instead
(SciPy, scikit-learn, PyTorch), each a builder(dtype) -> zero-argument call
on inputs prepared outside the timing.
"""

import functools
import warnings

import numpy as np

from .common import Benchmark, get_input, grid, xentc

SHAPE = (1, 10)
# log_loss infers the classes from y_true (scikit-learn's rule), so its rows
# must hold every class: 2 rows per class
LOG_LOSS_SHAPE = (20, 10)


class SparseSoftmaxCEOverhead(Benchmark):
    OP = "overhead_sparse_ce"
    params = grid(OP)
    repeat = (20, 200, 2.0)  # microsecond calls: many samples


# ---------------------------------------------------------------------------
# inputs (read-only, cached per dtype)


@functools.cache
def inputs(dtype):
    x = get_input("logits", SHAPE, dtype)
    z = get_input("binary_logits", SHAPE, dtype)
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    q = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    rng = np.random.default_rng([6, *LOG_LOSS_SHAPE])
    ll_y = rng.permutation(np.arange(LOG_LOSS_SHAPE[0]) % LOG_LOSS_SHAPE[1])
    ll_x = get_input("logits", LOG_LOSS_SHAPE, dtype)
    ll_p = np.exp(ll_x - ll_x.max(axis=1, keepdims=True))
    ll_p /= ll_p.sum(axis=1, keepdims=True)
    out = dict(
        x=x,
        x1=x.reshape(-1),
        y=get_input("labels", SHAPE),
        T=get_input("soft_targets", SHAPE, dtype),
        z=z,
        t=get_input("binary_targets", SHAPE, dtype),
        pw=np.linspace(0.5, 4.0, SHAPE[1]).astype(dtype),
        p=p.astype(dtype),
        q=q.astype(dtype),
        ll_x=ll_x,
        ll_y=ll_y,
        ll_p=ll_p.astype(dtype),
    )
    for a in out.values():
        a.flags.writeable = False
    return out


def _torch():
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    return torch, F


def _t(a):
    torch, _ = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read-only input; never written
        return torch.from_numpy(a)


# ---------------------------------------------------------------------------
# the cases: op -> {impl: builder(inputs) -> zero-argument call}
#
# "xentc_checked" is the same public call with n_threads given as a NumPy
# integer (log_loss: normalize as a NumPy bool): values the full path accepts
# as it accepts 1 / True, but that the per-call fast path declines, so the
# call takes the checked path it took before the fast path existed.

_NT = np.int64(1)


def _xentc_pair(call):
    """{"xentc": ..., "xentc_checked": ...} from call(inputs, **options)."""
    return {
        "xentc": lambda i: lambda: call(i),
        "xentc_checked": lambda i: lambda: call(i, n_threads=_NT),
    }


def _torch_peer(op, *keys, **kw):
    """builder for the PyTorch call op(tensors of keys..., **kw); op names
    torch.<op> or torch.nn.functional.<op> ("F.<op>")."""

    def build(i):
        torch, F = _torch()
        f = getattr(F, op[2:]) if op.startswith("F.") else getattr(torch, op)
        args = [_t(i[k]) for k in keys]
        extra = {k: _t(i[v]) for k, v in kw.items()}

        def call():
            return f(*args, **extra)

        return call

    return build


def _peer(f, *keys, **kw):
    """builder for f(inputs[keys]..., **kw) (SciPy, scikit-learn)."""

    def build(i):
        args = [i[k] for k in keys]

        def call():
            return f(*args, **kw)

        return call

    return build


def _ours(f, *keys, **kw):
    """{"xentc": f(inputs[keys]..., **kw), "xentc_checked": the same with n_threads=_NT}."""

    def build(checked):
        def builder(i):
            args = [i[k] for k in keys]
            opts = dict(kw, n_threads=_NT) if checked else kw

            def call():
                return f(*args, **opts)

            return call

        return builder

    return {"xentc": build(False), "xentc_checked": build(True)}


def _object(cls, *keys):
    """A loss object's __call__; the constructor runs outside the timing."""

    def build(checked):
        def builder(i):
            obj = cls(n_threads=_NT) if checked else cls()
            args = [i[k] for k in keys]

            def call():
                return obj(*args)

            return call

        return builder

    return {"xentc": build(False), "xentc_checked": build(True)}


def _log_loss(checked):
    def builder(i):
        y, z = i["ll_y"], i["ll_x"]
        normalize = np.True_ if checked else True

        def call():
            return xentc.metrics.log_loss(y, z, from_logits=True, normalize=normalize)

        return call

    return builder


def _sklearn_log_loss(i):
    from sklearn.metrics import log_loss

    return _peer(log_loss, "ll_y", "ll_p")(i)


def _cases():
    from scipy import special as sp

    L = xentc.losses
    c = {}
    for op in ("softmax", "log_softmax", "logsumexp"):
        c[op] = dict(
            _ours(getattr(xentc, op), "x"),
            scipy=_peer(getattr(sp, op), "x", axis=-1),
            torch=_torch_dim(op),
        )
    c["sigmoid"] = dict(
        _ours(xentc.sigmoid, "x1"), scipy=_peer(sp.expit, "x1"), torch=_torch_peer("sigmoid", "x1")
    )
    c["log_sigmoid"] = dict(
        _ours(xentc.log_sigmoid, "x1"),
        scipy=_peer(sp.log_expit, "x1"),
        torch=_torch_peer("F.logsigmoid", "x1"),
    )
    c["sparse_ce"] = dict(
        _ours(L.sparse_softmax_cross_entropy, "x", "y"),
        torch=_torch_peer("F.cross_entropy", "x", "y"),
    )
    c["soft_ce"] = dict(
        _ours(L.softmax_cross_entropy, "x", "T"), torch=_torch_peer("F.cross_entropy", "x", "T")
    )
    c["sigmoid_ce"] = dict(
        _ours(L.sigmoid_cross_entropy, "z", "t"),
        torch=_torch_peer("F.binary_cross_entropy_with_logits", "z", "t"),
    )
    c["sigmoid_ce_pw"] = {
        "xentc": lambda i: _pw(i, False),
        "xentc_checked": lambda i: _pw(i, True),
        "torch": _torch_peer("F.binary_cross_entropy_with_logits", "z", "t", pos_weight="pw"),
    }
    c["binary_ce"] = dict(
        _ours(L.binary_cross_entropy, "q", "t"),
        torch=_torch_peer("F.binary_cross_entropy", "q", "t"),
    )
    c["categorical_ce"] = _ours(L.categorical_cross_entropy, "p", "y")
    c["categorical_ce_dense"] = _ours(L.categorical_cross_entropy, "p", "T")
    c["focal_sparse_ce"] = _ours(L.sparse_softmax_cross_entropy, "x", "y", focal_gamma=2.0)
    c["focal_sigmoid_ce"] = _ours(
        L.sigmoid_cross_entropy, "z", "t", focal_gamma=2.0, focal_alpha=0.25
    )
    c["SparseSoftmaxCrossEntropy()"] = _object(L.SparseSoftmaxCrossEntropy, "x", "y")
    c["SigmoidCrossEntropy()"] = _object(L.SigmoidCrossEntropy, "z", "t")
    c["log_loss(from_logits) 20x10"] = {
        "xentc": _log_loss(False),
        "xentc_checked": _log_loss(True),
        "sklearn": _sklearn_log_loss,
    }
    return c


def _torch_dim(op):
    """torch.<op>(x, -1) for the row primitives."""

    def build(i):
        torch, _ = _torch()
        f, xt = getattr(torch, op), _t(i["x"])

        def call():
            return f(xt, -1)

        return call

    return build


def _pw(i, checked):
    z, t, pw = i["z"], i["t"], i["pw"]
    nt = _NT if checked else None

    def call():
        return xentc.losses.sigmoid_cross_entropy(z, t, pos_weight=pw, n_threads=nt)

    return call


@functools.cache
def cases():
    return _cases()


IMPLS = ["xentc", "xentc_checked", "scipy", "sklearn", "torch"]


class Overhead:
    """One call on a single small request; n/a where an implementation does
    not exist (or its package is not installed)."""

    params = [list(cases()), IMPLS, ["float32", "float64"]]
    param_names = ["op", "impl", "dtype"]
    number = 0  # asv picks the batch size: calls take microseconds
    repeat = (10, 50, 2.0)
    warmup_time = 0.05

    def setup(self, op, impl, dtype):
        build = cases()[op].get(impl)
        if build is None:
            raise NotImplementedError(f"{impl} has no {op}")
        try:
            self.fn = build(inputs(dtype))
        except ImportError as exc:
            raise NotImplementedError(str(exc)) from exc
        self.fn()

    def time_call(self, op, impl, dtype):
        self.fn()
