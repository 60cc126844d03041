#!/bin/sh
# The asv history of xentc (docs/benchmarks.md): one fixed profile and one
# benchmark selection, so every recorded commit is timed on the same grid.
#   asv_benchmarks/history.sh run NEW                      # extend: main's new commits
#   asv_benchmarks/history.sh run HASHFILE:/tmp/hashes.txt # chosen commits
#   asv_benchmarks/history.sh continuous -f 1.1 main HEAD  # pre-merge check
#   asv_benchmarks/history.sh publish                      # html/ from results/
# ASV_MACHINE (default xeon-spr-2core) names the machine of
# `asv machine --yes --machine NAME`; nice keeps a shared machine usable.
set -e
usage() { echo "usage: $0 run|continuous|publish [asv arguments]" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1; shift
cd "$(dirname "$0")"
export XENTC_BENCH_PROFILE=history
export B1='^bench_(softmax_ce|primitives|sigmoid_ce|overhead)\.[A-Za-z]+\.time_call'
export B2='^bench_scoring\.ArgmaxAccuracy\.'
machine=${ASV_MACHINE:-xeon-spr-2core}
case $cmd in
run|continuous)
    exec nice -n 10 asv "$cmd" --machine "$machine" -b "$B1" -b "$B2" "$@" ;;
publish)
    # results/benchmarks.json is git-ignored (any asv run rewrites it): list
    # the suite again under the history profile (builds main's head once),
    # keep the history's benchmarks, publish, and point the pages at local
    # copies of their JavaScript libraries when those are installed
    nice -n 10 asv run --machine "$machine" --bench just-discover
    python -c 'import json, os, re
p = "results/benchmarks.json"
d = json.load(open(p))
keep = {k: v for k, v in d.items()
        if k == "version" or re.search(os.environ["B1"], k) or re.search(os.environ["B2"], k)}
json.dump(keep, open(p, "w"), indent=4)'
    asv publish "$@"
    if [ -f /usr/share/javascript/jquery-flot/jquery.flot.js ]; then
        python offline_html.py html
    fi ;;
*)
    usage ;;
esac
