#!/usr/bin/env bash
# Type checks of the public API (tools/lint.sh calls this):
# 1. mypy --strict on the stubs (xentc/**/*.pyi) and tests/typing_usage.py,
#    calls written as README and docs/ write them ([tool.mypy] in pyproject.toml);
# 2. stubtest: the stubs against the imported, built package, so a signature
#    changed in a .py or .pyx without its stub fails here. Deliberate gaps
#    are listed, one reason each, in tools/stubtest_allowlist.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "mypy: $(python -m mypy --version)"
python -m mypy
python -m mypy.stubtest xentc --mypy-config-file pyproject.toml \
    --allowlist tools/stubtest_allowlist.txt
