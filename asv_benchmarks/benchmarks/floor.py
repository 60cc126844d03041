"""The memory-read floor: the time one pass that only *reads* the same bytes
takes, at the same thread count, measured in the same run as the kernels.

Why a compiled loop and not NumPy: ``np.add.reduce`` on float32 is a
pairwise sum that does not read at full bandwidth on every machine, and it
is single-threaded. The floor here is a STREAM-like read (integer adds over
the bytes as uint64 words, 8 independent accumulators: vectorised loads, no
floating-point latency chain), split into contiguous per-thread halves with
OpenMP. It is compiled once per machine with the C compiler Python was
built with and cached next to the benchmark inputs; where there is no
compiler or no OpenMP, ``available()`` says why and the floor is left out.
"""

import ctypes
import hashlib
import os
import subprocess
import sysconfig

from . import common

_SOURCE = r"""
#include <stddef.h>
#include <stdint.h>

/* sum of n 64-bit words: every byte read once, contiguous per thread */
uint64_t xentc_floor_read(const uint64_t *p, ptrdiff_t n, int n_threads)
{
    uint64_t total = 0;
    ptrdiff_t n_chunks = n / 64;
#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(+ : total)
    for (ptrdiff_t c = 0; c < n_chunks; c++) {
        const uint64_t *q = p + c * 64;
        uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < 64; i += 8)
            for (int j = 0; j < 8; j++)
                a[j] += q[i + j];
        total += a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    }
    for (ptrdiff_t i = n_chunks * 64; i < n; i++)
        total += p[i];
    return total;
}
"""

_lib = None
_why_not = None


def _build():
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    digest = hashlib.sha1((" ".join(cc) + _SOURCE).encode()).hexdigest()[:12]
    out_dir = os.path.join(common.cache_dir(), "floor")
    os.makedirs(out_dir, exist_ok=True)
    so = os.path.join(out_dir, f"floor_{digest}.so")
    if not os.path.exists(so):
        src = os.path.join(out_dir, f"floor_{digest}.c")
        with open(src, "w") as f:
            f.write(_SOURCE)
        tmp = f"{so}.{os.getpid()}.tmp"
        cmd = cc + ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", src, "-o", tmp]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise OSError(f"{' '.join(cmd)} failed: {res.stderr.strip()[-300:]}")
        os.replace(tmp, so)
    lib = ctypes.CDLL(so)
    lib.xentc_floor_read.restype = ctypes.c_uint64
    lib.xentc_floor_read.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
    return lib


def available():
    """(True, None) or (False, reason)."""
    global _lib, _why_not
    if _lib is None and _why_not is None:
        try:
            _lib = _build()
        except (OSError, subprocess.SubprocessError) as exc:
            _why_not = str(exc)
    return _lib is not None, _why_not


def reader(arrays, n_threads):
    """A zero-argument callable that reads every byte of `arrays` (C-contiguous
    NumPy arrays) once with n_threads threads; the GIL is released meanwhile
    (ctypes)."""
    ok, why = available()
    if not ok:
        raise NotImplementedError(f"memory-read floor unavailable: {why}")
    parts = []
    for a in arrays:
        if not a.flags.c_contiguous:
            raise ValueError("the floor reads C-contiguous arrays only")
        # whole 8-byte words only: a trailing 1..7 bytes is noise at these sizes
        parts.append((a.ctypes.data, a.nbytes // 8))
    fn, nt = _lib.xentc_floor_read, int(n_threads)

    def read():
        total = 0
        for ptr, n in parts:
            total += fn(ptr, n, nt)
        return total

    return read
