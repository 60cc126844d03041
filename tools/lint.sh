#!/usr/bin/env bash
# Every static check in one place; CI (.ci/run), pre-commit and CONTRIBUTING.md
# call this.  Needs the `lint` extra (pip install -e ".[lint]") and, for the
# type checks (stubtest imports xentc), a built tree.
#   tools/lint.sh          all checks
#   tools/lint.sh --fix    apply ruff's fixes and both formatters first
set -euo pipefail
cd "$(dirname "$0")/.."

C_FILES=$(git ls-files 'src/*.h' 'src/*.c' 'xentc/*.h' 'tests/c/*.c' 'tests/c/*.h')
PYX_FILES=$(git ls-files 'xentc/*.pyx' 'xentc/*.pxd')

if [ "${1:-}" = "--fix" ]; then
    ruff check --fix .
    ruff format .
    clang-format -i $C_FILES
fi

echo "--- ruff check";          ruff check .
echo "--- ruff format --check"; ruff format --check .
echo "--- cython-lint";         cython-lint $PYX_FILES
echo "--- clang-format";        clang-format --dry-run --Werror $C_FILES
if [ -f tools/typecheck.sh ]; then
    echo "--- types";           tools/typecheck.sh
fi
echo "lint: all checks passed"
