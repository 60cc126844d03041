"""The per-dtype macro headers of the C kernels (src/dtype_f32.h,
src/dtype_f64.h, src/dtype_undef.h): kernels_target.h expands the kernel
bodies once per dtype, so a name that dtype_undef.h does not undo would leak
from the float32 pass into the float64 one. Checked by comparing the name
sets and by compiling the include sequence with the system C compiler."""

import os
import pathlib
import re
import shutil
import subprocess

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"
HEADERS = ("dtype_f32.h", "dtype_f64.h", "dtype_undef.h")


def _names(header, pattern):
    return set(re.findall(pattern, (SRC / header).read_text(), flags=re.M))


def _defined(header):
    return _names(header, r"^\s*#\s*define\s+(\w+)")


def _guarded(header):
    """the names a dtype header refuses to start with (its #error guard)"""
    return _names(header, r"defined\((\w+)\)")


def test_dtype_headers_define_and_undo_the_same_names():
    f32, f64, undone = (
        _defined("dtype_f32.h"),
        _defined("dtype_f64.h"),
        _names("dtype_undef.h", r"^\s*#\s*undef\s+(\w+)"),
    )
    assert len(f32) >= 20, f"parsed only {sorted(f32)} from dtype_f32.h"
    assert f32 == f64, f"float32 only: {sorted(f32 - f64)}; float64 only: {sorted(f64 - f32)}"
    assert f32 == undone, (
        f"defined but not undone: {sorted(f32 - undone)}; undone but not defined: "
        f"{sorted(undone - f32)}"
    )
    assert _defined("dtype_undef.h") == set(), "dtype_undef.h must only #undef"
    assert all(n.startswith("XT_") for n in f32), sorted(n for n in f32 if n[:3] != "XT_")
    for header in ("dtype_f32.h", "dtype_f64.h"):
        assert _guarded(header) == f32, f"{header}: its #error guard lists other names"


def _compiler():
    cc = os.environ.get("CC", "").split()
    if cc and shutil.which(cc[0]):
        return cc
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return [name]
    pytest.skip("no C compiler on PATH")


def _compile(tmp_path, includes):
    """compile a TU that includes `includes` from src/, then fails (#error)
    if any per-dtype name is still defined; returns (ok, compiler output)"""
    names = sorted(_defined("dtype_f32.h") | _defined("dtype_f64.h"))
    lines = [f'#include "{h}"' for h in includes]
    for n in names:
        lines += [f"#ifdef {n}", f'#error "{n} still defined"', "#endif"]
    lines.append("int xentc_macro_probe;")
    tu = tmp_path / "probe.c"
    tu.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [*_compiler(), "-fsyntax-only", "-I", str(SRC), str(tu)],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0, out.stderr


def test_both_passes_leave_nothing_defined(tmp_path):
    ok, err = _compile(tmp_path, HEADERS[:1] + HEADERS[2:] + HEADERS[1:])
    assert ok, err


def test_the_compile_check_can_fail(tmp_path):
    """without dtype_undef.h a name survives (so the check above has teeth),
    and a dtype header refuses to start on top of the other's names"""
    ok, err = _compile(tmp_path, ["dtype_f32.h"])
    assert not ok and "XT_REAL still defined" in err, err
    ok, err = _compile(tmp_path, ["dtype_f32.h", "dtype_f64.h", "dtype_undef.h"])
    assert not ok and "dtype_undef.h must undo every name" in err, err
