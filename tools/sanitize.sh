#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the kernel-facing tests.
#
#   tools/sanitize.sh [pytest args...]      (default: the kernel-facing subset)
#
# Why: the C kernels index memory with labels and CSR structures and write
# gradients through out=; ASan puts red zones around every heap buffer
# (NumPy's arrays included, as their data comes from malloc) and stops at the
# first byte read or written outside one, UBSan at the first overflow,
# misaligned access or invalid shift. The suite below calls every kernel on
# every SIMD target the CPU runs (the `simd` fixture) plus the bad-input table
# and the property tests.
#
# How: the working tree is copied to a scratch directory and built there with
# gcc -fsanitize=address,undefined (the normal in-place build is untouched);
# Python itself is not instrumented, so libasan is preloaded. Leak detection
# is off (CPython keeps objects alive on purpose). Exit status: non-zero on any
# sanitizer report or test failure.
#
# SANITIZE_DIR=path keeps the scratch copy; with SANITIZE_REUSE=1 as well, a
# build already there is reused (after editing only tests, copy them into
# path/src-tree/tests first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CC="${SANITIZE_CC:-gcc}"
WORK="${SANITIZE_DIR:-$(mktemp -d /tmp/xentc-sanitize.XXXXXX)}"
LOG="$WORK/sanitize.log"
PY="${PYTHON:-python3}"

if [ -n "${SANITIZE_REUSE:-}" ] && ls "$WORK"/src-tree/xentc/_kernels*.so > /dev/null 2>&1; then
    echo "sanitize: reusing the build in $WORK (SANITIZE_REUSE)"
    cd "$WORK/src-tree"
else
    echo "sanitize: copying the working tree to $WORK"
    rm -rf "$WORK/src-tree"
    mkdir -p "$WORK/src-tree"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
        | grep -zv '\.so$' | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$WORK/src-tree"
    cd "$WORK/src-tree"
    rm -rf build xentc/_kernels.c xentc/*.so
    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
    echo "sanitize: building with $CC $SAN"
    # the flags ride on CC so that setup.py's OpenMP / SIMD probe programs are
    # linked with the sanitizer runtime too (with CFLAGS alone they fail to
    # link and the AVX2 / AVX-512 targets would silently be left out)
    CC="$CC $SAN" "$PY" setup.py build_ext --inplace -q > "$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; echo "sanitize: build failed"; exit 1; }
    grep "xentc build:" "$WORK/build.log" | sed 's/^/sanitize: /' || true
fi
ldd xentc/_kernels*.so | grep libasan > /dev/null || { echo "sanitize: extension not linked to libasan"; exit 1; }
echo "sanitize: SIMD targets in this build: $("$PY" -c 'import xentc; print(", ".join(xentc.available_simd_targets()))' 2>/dev/null || LD_PRELOAD="$("$CC" -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 "$PY" -c 'import xentc; print(", ".join(xentc.available_simd_targets()))')"

LIBASAN="$("$CC" -print-file-name=libasan.so)"
export LD_PRELOAD="$LIBASAN"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# self-check: the raw kernel (no validation) fed a label far out of range
# must be caught, or this build would prove nothing
if ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=0" "$PY" -c "
import numpy as np
from xentc import _kernels
x = np.zeros((2, 8), np.float32)
_kernels.softmax_ce_sparse(x, np.array([0, 8]), grad_out=np.empty_like(x))
" > "$WORK/selfcheck.log" 2>&1 \
        || ! grep -qE "ERROR: AddressSanitizer|runtime error:" "$WORK/selfcheck.log"; then
    cat "$WORK/selfcheck.log" | tail -5
    echo "sanitize: self-check failed: an out-of-bounds read went unreported"
    exit 1
fi
echo "sanitize: self-check ok (an out-of-bounds label in the raw kernel is reported)"
if [ "$#" -eq 0 ]; then
    set -- tests/test_losses.py tests/test_special.py tests/test_vmath.py \
           tests/test_reliability.py tests/test_properties.py
fi
echo "sanitize: running pytest $*"
status=0
XENTC_HYPOTHESIS_EXAMPLES="${XENTC_HYPOTHESIS_EXAMPLES:-40}" \
    "$PY" -m pytest -q -x -p no:cacheprovider -W ignore::DeprecationWarning "$@" \
    > "$LOG" 2>&1 || status=$?
tail -5 "$LOG"
if grep -qE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: UndefinedBehaviorSanitizer" "$LOG"; then
    grep -E -m5 -A12 "ERROR: AddressSanitizer|runtime error:" "$LOG" || true
    echo "sanitize: sanitizer report (full log: $LOG)"
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "sanitize: pytest failed with status $status (full log: $LOG)"
    exit "$status"
fi
echo "sanitize: clean (no ASan/UBSan report); log: $LOG"
[ -n "${SANITIZE_DIR:-}" ] || rm -rf "$WORK"
