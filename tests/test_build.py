"""The built extension: OpenMP really linked, SIMD dispatch and its override,
show_config(), and what an unbuilt source tree says."""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

import xentc
from xentc import _kernels

# A serial build asked for at build time (XENTC_DISABLE_OPENMP=1) skips the
# OpenMP tests; a build that lost OpenMP any other way fails them.
SERIAL_ON_PURPOSE = _kernels.build_openmp_note().startswith("no: disabled")
needs_openmp = pytest.mark.skipif(
    SERIAL_ON_PURPOSE, reason="serial build on purpose (built with XENTC_DISABLE_OPENMP=1)"
)


@needs_openmp
def test_openmp_is_linked():
    """scikit-learn once shipped its loss module serial by accident: fail if
    the extension was compiled without OpenMP or does not load the runtime."""
    assert _kernels.openmp_linked(), "xentc._kernels was built without OpenMP"
    if sys.platform.startswith("linux"):
        with open("/proc/self/maps") as fh:
            maps = fh.read()
        assert any(lib in maps for lib in ("libgomp", "libomp", "libiomp")), (
            "no OpenMP runtime is mapped into the process"
        )


@needs_openmp
@pytest.mark.parametrize("n_threads", [2, 4])
def test_prange_really_runs_in_parallel(n_threads):
    """The Cython prange must run on the requested number of threads."""
    assert _kernels.team_size_probe(n_threads) == n_threads
    assert _kernels.team_size_probe(1) == 1


def test_simd_targets_and_baseline_always_present():
    assert "baseline" in _kernels.compiled_targets()
    assert set(xentc.available_simd_targets()) <= set(_kernels.compiled_targets())
    assert xentc.get_simd_target() in xentc.available_simd_targets()
    with pytest.raises(ValueError, match="not available"):
        xentc.set_simd_target("sse9")


def test_simd_env_override_in_fresh_process():
    code = "import xentc; print(xentc.get_simd_target())"
    env = dict(os.environ, XENTC_SIMD="baseline")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "baseline"
    env["XENTC_SIMD"] = "nonsense"
    out = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "XENTC_SIMD='nonsense' is not available" in out.stderr
    assert out.stdout.strip() == xentc._config._best_target()


def test_targets_agree():
    """Every target computes the same losses to within float rounding."""
    x = np.random.default_rng(1).standard_normal((257, 33)).astype(np.float32) * 5
    y = np.random.default_rng(2).integers(0, 33, 257)
    values = {}
    for t in xentc.available_simd_targets():
        with xentc.simd_target(t):
            values[t] = xentc.sparse_softmax_cross_entropy(x, y, reduction="none")
    base = values["baseline"]
    for t, v in values.items():
        np.testing.assert_allclose(v, base, rtol=2e-6, err_msg=t)


def test_show_config(capsys):
    xentc.show_config()
    text = capsys.readouterr().out
    assert f"xentc {xentc.__version__}" in text
    assert "OpenMP:" in text and "SIMD in use:" in text and "default n_threads:" in text
    cfg = xentc.get_config()
    assert cfg["simd_active"] in cfg["simd_supported"]
    if cfg["openmp"]:
        assert cfg["openmp_build"].startswith("yes: ") and "OpenMP:            linked (" in text
    else:
        assert cfg["openmp_build"].startswith("no: ") and "NOT linked, serial build" in text


def test_serial_build_skips_and_says_so():
    """Which way this build went, and that the two facts agree: the note the
    build wrote and the _OPENMP macro the extension was compiled with."""
    note = _kernels.build_openmp_note()
    assert note.startswith("yes: ") == _kernels.openmp_linked(), note
    if not _kernels.openmp_linked():
        assert _kernels.team_size_probe(4) == 1


def test_serial_by_accident_warns_at_import(monkeypatch):
    """pip hides the build log: a build that lost OpenMP warns at import, one
    that was asked to be serial does not."""
    monkeypatch.setattr(_kernels, "openmp_linked", lambda: False)
    monkeypatch.setattr(
        _kernels,
        "build_openmp_note",
        lambda: "no: the compiler could not build and run an OpenMP program",
    )
    with pytest.warns(RuntimeWarning, match="built without OpenMP: the compiler could not"):
        xentc._config._warn_if_serial_by_accident()
    monkeypatch.setattr(
        _kernels, "build_openmp_note", lambda: "no: disabled by XENTC_DISABLE_OPENMP=1"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xentc._config._warn_if_serial_by_accident()


def test_unbuilt_source_tree_says_so(tmp_path):
    """A source tree without the compiled extension (a fresh clone, or the
    clone root after a non-editable install) names the problem and the fix,
    not a circular import."""
    src = os.path.dirname(xentc.__file__)
    shutil.copytree(
        src, tmp_path / "xentc", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    )
    # -S: no site-packages, so no editable-install finder can supply the
    # extension from the real tree; the check runs before numpy is imported
    out = subprocess.run(
        [sys.executable, "-S", "-c", "import xentc"], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: xentc's compiled extension xentc._kernels is not built")
    assert "build_ext --inplace" in last and "circular" not in out.stderr


def test_n_threads_default_follows_threadpoolctl():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert xentc.get_config()["default_n_threads"] == 1


def _setup_module():
    """setup.py as a module (its setup() call only runs as __main__)."""
    pytest.importorskip("Cython")
    path = pathlib.Path(__file__).resolve().parents[1] / "setup.py"
    if not path.exists():
        pytest.skip("no setup.py next to the tests (installed wheel)")
    spec = importlib.util.spec_from_file_location("xentc_setup_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_msvc_is_refused_in_one_sentence():
    setup_py = _setup_module()
    from setuptools import Distribution

    cmd = setup_py.BuildExt(Distribution())
    cmd.compiler = types.SimpleNamespace(compiler_type="msvc")
    with pytest.raises(setup_py.PlatformError) as err:
        cmd._check_compiler()
    msg = str(err.value)
    assert msg.startswith("xentc cannot be built with the 'msvc' compiler")
    assert "GCC >= 9 or Clang >= 14" in msg and msg.count(". ") == 0 and msg.endswith(".")


def test_homebrew_libomp_is_found(tmp_path, monkeypatch):
    """On macOS the build tries Homebrew's libomp where `brew --prefix
    libomp` says it is, with the flags Apple's clang needs."""
    setup_py = _setup_module()
    prefix = tmp_path / "libomp"
    (prefix / "include").mkdir(parents=True)
    (prefix / "include" / "omp.h").write_text("")
    brew = tmp_path / "brew"
    brew.write_text(f'#!/bin/sh\n[ "$1 $2" = "--prefix libomp" ] && echo {prefix}\n')
    brew.chmod(0o755)
    monkeypatch.setattr(
        setup_py.shutil, "which", lambda name: str(brew) if name == "brew" else None
    )
    assert setup_py.homebrew_libomp_prefixes()[0] == str(prefix)
    monkeypatch.setattr(setup_py.sys, "platform", "darwin")
    _desc, cflags, ldflags = setup_py.openmp_candidates()[1]
    assert cflags == ["-Xpreprocessor", "-fopenmp", f"-I{prefix}/include"]
    assert "-lomp" in ldflags and f"-L{prefix}/lib" in ldflags
