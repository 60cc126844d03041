#!/usr/bin/env bash
# Build the documentation site into docs/_build/html, failing on any warning.
# Needs a built xentc in this tree and the `docs` extra:
#   pip install -e ".[docs]"   (or an in-place build plus the extra's packages)
# The gallery (examples/plot_*.py) runs at every build.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
python -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
echo "docs built in $((SECONDS - t0)) s: docs/_build/html/index.html"
