"""Shared fixtures: SIMD targets, dtypes, thread counts, array layouts."""

import sys

import numpy as np
import pytest

import xentc

TARGETS = xentc.available_simd_targets()
DTYPES = [np.float32, np.float64]
THREADS = [1, 2, 4]
# relative tolerance of a kernel result against the float64 reference
RTOL = {np.float32: 2e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-13}


def pytest_addoption(parser):
    parser.addoption(
        "--without-sklearn",
        action="store_true",
        help="make scikit-learn unimportable, to prove tests that should not need it",
    )


def pytest_configure(config):
    if config.getoption("--without-sklearn"):
        for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
            del sys.modules[name]
        sys.modules["sklearn"] = None  # `import sklearn` now raises ImportError


def pytest_report_header(config):
    if config.getoption("--without-sklearn"):
        return "scikit-learn hidden (--without-sklearn)"
    return None


@pytest.fixture(params=TARGETS, ids=lambda t: f"simd={t}")
def simd(request):
    with xentc.simd_target(request.param):
        yield request.param


def layouts(a):
    """(name, array) pairs holding the same values in different memory layouts:
    C order, Fortran order, a strided row/column slice of a bigger array, and
    a read-only view."""
    out = [("C", np.ascontiguousarray(a))]
    if a.ndim >= 2:
        out.append(("F", np.asfortranarray(a)))
    big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
    sl = tuple(slice(1, None, 2) for _ in a.shape)
    big[sl] = a
    out.append(("strided", big[sl]))
    ro = np.array(a)
    ro.flags.writeable = False
    out.append(("readonly", ro))
    if a.ndim == 2 and a.shape[0] > 1:
        pad = np.zeros((a.shape[0], a.shape[1] + 3), dtype=a.dtype)
        pad[:, : a.shape[1]] = a
        out.append(("row-padded", pad[:, : a.shape[1]]))
    return out


def assert_close(actual, desired, dtype, rtol=None, atol=None, err_msg=""):
    rtol = RTOL[dtype] if rtol is None else rtol
    atol = ATOL[dtype] if atol is None else atol
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(desired, dtype=np.float64),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
        err_msg=err_msg,
    )
