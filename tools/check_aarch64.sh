#!/usr/bin/env bash
# Cross-compile the C kernels for aarch64 exactly as setup.py would there
# (baseline = generic vector code -> NEON, plus the emu512 layout; no x86
# target) and run tests/c/test_kernels.c under qemu-user: every kernel
# family, float32 and float64, against a long-double reference.
#
#   tools/check_aarch64.sh          # ~1 minute on 2 cores
#
# Needs (Debian): gcc-aarch64-linux-gnu qemu-user. CC_AARCH64 / QEMU_AARCH64
# override the tools.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC_AARCH64:-aarch64-linux-gnu-gcc}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
for tool in "$CC" "$QEMU"; do
    command -v "$tool" >/dev/null || { echo "check_aarch64: $tool not found (apt-get install gcc-aarch64-linux-gnu qemu-user)" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# the flags setup.py passes to every kernel target (BASE_FLAGS)
BASE="-O3 -fno-math-errno -fno-trapping-math -std=gnu11 -Wall -Wextra -Werror -Isrc"
echo "check_aarch64: $($CC --version | head -1)"

# setup.py decides "x86-64 or not" with a compile probe; under this compiler
# it must say "not", so no -mavx* target is ever attempted
python3 - "$CC" "$out" <<'PY'
import ast, subprocess, sys
tree = ast.parse(open("setup.py").read())
probe = next(n.value.value for n in tree.body if isinstance(n, ast.Assign)
             and getattr(n.targets[0], "id", "") == "X86_64_PROBE")
open(f"{sys.argv[2]}/probe.c", "w").write(probe)
r = subprocess.run([sys.argv[1], "-c", f"{sys.argv[2]}/probe.c", "-o", f"{sys.argv[2]}/probe.o"],
                   capture_output=True)
if r.returncode == 0:
    sys.exit("check_aarch64: setup.py's x86-64 probe compiles for aarch64; it would build x86 targets")
print("check_aarch64: setup.py's x86-64 probe refuses aarch64 (baseline + emu512 only)")
PY

$CC $BASE -c src/target_baseline.c -o "$out/baseline.o"
$CC $BASE -DXENTC_VBYTES=64 -Wno-psabi -c src/target_emu512.c -o "$out/emu512.o"
$CC $BASE -DXENTC_HAVE_EMU512=1 -c src/dispatch.c -o "$out/dispatch.o"
$CC $BASE -O2 -c tests/c/test_kernels.c -o "$out/test_kernels.o"
$CC -static "$out"/*.o -lm -o "$out/test_kernels"

# the baseline really is NEON code: count instructions on 4 x float32 /
# 2 x float64 vector registers in the compiled kernels
objdump=${CC%gcc}objdump
if command -v "$objdump" >/dev/null; then
    n=$("$objdump" -d "$out/baseline.o" | grep -cE '\bv[0-9]+\.(4s|2d)\b' || true)
    echo "check_aarch64: baseline kernels hold $n NEON instructions on .4s/.2d lanes"
    [ "$n" -gt 1000 ] || { echo "check_aarch64: expected NEON code in the baseline" >&2; exit 1; }
fi

"$QEMU" "$out/test_kernels"
