"""Fused linear + cross-entropy (xentc.linear_cross_entropy and
LinearCrossEntropy.loss_gradient) next to the bare GEMM it replaces and
PyTorch (F.cross_entropy(F.linear(h, W, b), y) and its autograd backward),
float32, the issue-14 grid (N rows, d features, V classes).

time_*: seconds per call. peakmem_*: asv's peak RSS of the process, which
shows the logits PyTorch materialises (N x V x 4 bytes) and the fused path
does not. track_fwd_over_gemm: the forward time over the GEMM time in one
process (target <= 1.2). For all the ratios in one run, with memory measured
in fresh processes, see ../compare_linear.py.

    cd asv_benchmarks && asv run --python=same --quick -b bench_linear_ce
    XENTC_BENCH_PROFILE=fast asv run --python=same -b bench_linear_ce
"""

import os
import time

import numpy as np

from .common import _import_xentc

_import_xentc()

try:
    from xentc.linear import LinearCrossEntropy, linear_cross_entropy
except ImportError:  # a commit older than xentc.linear (asv history): setup skips
    LinearCrossEntropy = linear_cross_entropy = None

if os.environ.get("XENTC_BENCH_PROFILE", "regular") == "fast":
    SHAPES = ["512x256x32000"]
else:
    SHAPES = [f"{n}x{d}x{v}" for n in (512, 4096) for d in (256, 1024) for v in (32000, 128000)]


def _inputs(shape):
    if LinearCrossEntropy is None:  # raised in setup, asv records "skipped"
        raise NotImplementedError("xentc.linear does not exist at this commit")
    n, d, v = (int(x) for x in shape.split("x"))
    rng = np.random.default_rng(0)
    h = rng.standard_normal((n, d), dtype=np.float32)
    w = rng.standard_normal((v, d), dtype=np.float32) / np.float32(np.sqrt(d))
    b = rng.standard_normal(v, dtype=np.float32) * np.float32(0.1)
    return h, w, b, rng.integers(0, v, n)


class LinearCE:
    """Forward and loss+gradient: xentc fused, bare GEMM, torch."""

    params = (["xentc", "gemm", "torch"], SHAPES)
    param_names = ["impl", "shape"]
    timeout = 600

    def setup(self, impl, shape):
        self.h, self.w, self.b, self.y = _inputs(shape)
        if impl == "torch":
            try:
                import torch
                import torch.nn.functional as F
            except ImportError as exc:
                raise NotImplementedError("torch is not installed") from exc
            self.F = F
            self.t = [torch.from_numpy(a) for a in (self.h, self.w, self.b, self.y)]
        self.loss = LinearCrossEntropy()

    def _forward(self, impl):
        if impl == "xentc":
            return linear_cross_entropy(self.h, self.w, self.y, bias=self.b)
        if impl == "gemm":
            return self.h @ self.w.T
        import torch

        with torch.no_grad():
            h, w, b, y = self.t
            return float(self.F.cross_entropy(self.F.linear(h, w, b), y))

    def _gradient(self, impl):
        if impl == "xentc":
            return self.loss.loss_gradient(self.h, self.w, self.y, self.b)
        if impl == "gemm":  # the three products of the unfused gradient
            z = self.h @ self.w.T
            return z @ self.w, z.T @ self.h
        h, w, b = (t.clone().requires_grad_(True) for t in self.t[:3])
        self.F.cross_entropy(self.F.linear(h, w, b), self.t[3]).backward()
        return h.grad, w.grad, b.grad

    def time_forward(self, impl, shape):
        self._forward(impl)

    def time_loss_gradient(self, impl, shape):
        self._gradient(impl)

    def peakmem_forward(self, impl, shape):
        self._forward(impl)

    def peakmem_loss_gradient(self, impl, shape):
        self._gradient(impl)


class LinearCERatio:
    """Forward time over bare-GEMM time, measured back to back (best of 3)."""

    params = ([SHAPES[0]],)
    param_names = ["shape"]
    timeout = 600

    def setup(self, shape):
        self.h, self.w, self.b, self.y = _inputs(shape)

    def track_fwd_over_gemm(self, shape):
        def best(fn):
            out = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                fn()
                out = min(out, time.perf_counter() - t0)
            return out

        fused = best(lambda: linear_cross_entropy(self.h, self.w, self.y, bias=self.b))
        return fused / best(lambda: self.h @ self.w.T)

    track_fwd_over_gemm.unit = "ratio"
