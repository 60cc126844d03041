"""Shared by the compat parity tests: the parity report and small helpers.

XENTC_COMPAT_REPORT=<file>: each parity check appends its largest difference
as a JSON line; docs/compat.md's table is the maximum over a full run.
"""

import json
import os

import numpy as np

REPORT = os.environ.get("XENTC_COMPAT_REPORT")


def record(shim, what, dtype, ours, ref):
    """Largest |ours - ref| / max(|ref|, 1) (relative above 1, absolute below)."""
    if not REPORT:
        return
    o = np.asarray(ours, dtype=np.float64).ravel()
    r = np.asarray(ref, dtype=np.float64).ravel()
    both = np.isfinite(o) & np.isfinite(r)
    err = np.abs(o[both] - r[both]) / np.maximum(np.abs(r[both]), 1.0)
    oracle = "framework-f32-internals" if "(vs Keras" in what else "oracle"
    with open(REPORT, "a") as fh:
        fh.write(
            json.dumps(
                {
                    "shim": shim,
                    "op": what.split()[0].split("-")[0],
                    "oracle": oracle,
                    "dtype": np.dtype(dtype).name,
                    "err": float(err.max(initial=0.0)),
                    "case": what,
                }
            )
            + "\n"
        )


def readonly(a):
    a = np.array(a)
    a.flags.writeable = False
    return a
