"""The committed asv history (docs/benchmarks.md) is what the docs say: one
machine with its CPU named, at least 20 commits, every commit timed on the
`history` grid of asv_benchmarks/benchmarks/common.py, and the selection of
asv_benchmarks/history.sh matching the recorded benchmarks."""

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
MACHINE = "xeon-spr-2core"
RESULTS = ROOT / "asv_benchmarks" / "results" / MACHINE
HISTORY_SH = (ROOT / "asv_benchmarks" / "history.sh").read_text()


def _history_profile():
    """PROFILES["history"] from common.py, read without importing the suite
    (which imports xentc and the peers)."""
    tree = ast.parse((ROOT / "asv_benchmarks" / "benchmarks" / "common.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "history":
                    # "history": dict(softmax_shapes=..., ...)
                    return {kw.arg: ast.literal_eval(kw.value) for kw in value.keywords}
    raise AssertionError("common.py has no 'history' profile")


def _results():
    files = sorted(p for p in RESULTS.glob("*.json") if p.name != "machine.json")
    return [json.loads(p.read_text()) for p in files]


def test_machine_names_its_cpu():
    machine = json.loads((RESULTS / "machine.json").read_text())
    assert machine["machine"] == MACHINE
    assert "Xeon" in machine["cpu"] and machine["num_cpu"] == "2"


def _built(results):
    """Results of commits that built; a failed build leaves a file whose
    results are all None (asv then never retries it for NEW)."""
    out = []
    for r in results:
        col = r["result_columns"].index("result")
        if any(row[col] is not None for row in r["results"].values()):
            out.append(r)
    return out


def test_at_least_20_built_commits_on_the_history_grid():
    built = _built(_results())
    assert len({r["commit_hash"] for r in built}) >= 20
    prof = _history_profile()
    want = [
        [repr(i) for i in prof["impls"]],
        [repr(d) for d in prof["dtypes"]],
        [repr(s) for s in prof["softmax_shapes"]],
        [repr(t) for t in prof["n_threads"]],
    ]
    for r in built:
        row = r["results"]["bench_softmax_ce.SparseSoftmaxCE.time_call"]
        cols = r["result_columns"]
        assert row[cols.index("params")] == want, (
            f"{r['commit_hash'][:8]} was not timed on the history grid"
        )
        assert row[cols.index("version")] == "1", r["commit_hash"][:8]
        values = row[cols.index("result")]
        assert all(v is not None and 0 < v < 1 for v in values), r["commit_hash"][:8]


def test_history_selection_matches_the_recorded_benchmarks():
    regexes = re.findall(r"^export B\d='([^']+)'$", HISTORY_SH, re.MULTILINE)
    assert len(regexes) == 2
    recorded = set().union(*(r["results"] for r in _results()))
    assert recorded and all(any(re.search(x, name) for x in regexes) for name in recorded)
    for cls in ("SparseSoftmaxCE", "LogSumExp", "SigmoidCE", "SparseSoftmaxCEOverhead"):
        assert any(f".{cls}.time_call" in name for name in recorded), cls


@pytest.mark.parametrize(
    "line",
    [ln for ln in HISTORY_SH.splitlines() if ln.startswith("#   asv_benchmarks/history.sh")],
)
def test_docs_show_the_script_usage(line):
    command = line[1:].split("#")[0].strip()
    assert command in (ROOT / "docs" / "benchmarks.md").read_text()
