"""README.md as a newcomer reads it: every ```python block runs verbatim,
the commands of the ```bash blocks are the ones CI and the project define,
and every file it points to exists."""

import ast
import io
import pathlib
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = [
    (m.group(1), m.group(2), README[: m.start()].count("\n") + 1)
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", README, re.S | re.M)
]
PYTHON = [(code, line) for lang, code, line in BLOCKS if lang == "python"]
BASH = [(code, line) for lang, code, line in BLOCKS if lang == "bash"]
OPTIONAL = {"sklearn"}  # blocks importing these skip when they are missing
# the pipeline example is run and checked by test_readme_pipeline.py
PIPELINE = next(
    n.value.value
    for n in ast.parse((ROOT / "tests/test_readme_pipeline.py").read_text()).body
    if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "EXAMPLE"
)


def _run(code, line):
    for mod in OPTIONAL:
        if re.search(rf"^\s*(from|import) {mod}\b", code, re.M):
            pytest.importorskip(mod)
    namespace = {"__name__": "__readme__"}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(code, f"README.md:{line}", "exec"), namespace)
    return namespace, out.getvalue()


def test_readme_has_code():
    assert len(PYTHON) >= 2 and len(BASH) >= 2


@pytest.mark.parametrize("code,line", PYTHON, ids=[f"python-block-line-{ln}" for _, ln in PYTHON])
def test_python_block_runs(code, line):
    if code == PIPELINE:
        pytest.skip("run and checked by tests/test_readme_pipeline.py")
    _run(code, line)


def test_use_block_results():
    """The Use block defines what it uses, shows out= on a copy (the logits
    stay intact) and ends with show_config()."""
    import xentc

    code, line = next((c, ln) for c, ln in PYTHON if "loss_gradient" in c)
    ns, out = _run(code, line)
    logits, labels = ns["logits"], ns["labels"]
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(logits, rng.standard_normal((1000, 10)).astype(np.float32))
    _, expected_grad = xentc.SparseSoftmaxCrossEntropy(ignore_index=-100).loss_gradient(
        logits, labels
    )
    np.testing.assert_array_equal(ns["work"], expected_grad)
    assert out.startswith(f"xentc {xentc.__version__}") and "OpenMP:" in out


def test_first_bash_block_is_run_then_test():
    """The first two lines: install + run the package, install + run the
    tests; CI (.ci/run) runs the second one verbatim."""
    lines = BASH[0][0].splitlines()
    assert lines[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert lines[1].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert lines[1].endswith("python -m pytest tests -q")
    ci = (ROOT / ".ci" / "run").read_text()
    assert lines[1] in ci, ".ci/run must install and test exactly as README's second line says"


def test_bash_extras_exist():
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    named = {
        e.strip()
        for code, _ in BASH
        for group in re.findall(r'"\.\[([^\]]+)\]"', code)
        for e in group.split(",")
    }
    assert named and named <= set(extras), (
        f"README names extras {named - set(extras)} that pyproject lacks"
    )


def test_asv_quick_command():
    """One command installs asv and runs a quick pass that can exit 0: the
    profile exists, and no module-level helper looks like a benchmark to
    asv (time_*, peakmem_*, track_*, ...)."""
    cmd = next(code for code, _ in BASH if "asv run" in code).splitlines()[0]
    assert '".[bench]"' in cmd and "asv machine --yes" in cmd and "--quick" in cmd
    profile = re.search(r"XENTC_BENCH_PROFILE=(\w+)", cmd).group(1)
    assert f'"{profile}": dict(' in (ROOT / "asv_benchmarks/benchmarks/common.py").read_text()
    prefixes = ("time_", "timeraw_", "peakmem_", "mem_", "track_")
    for path in (ROOT / "asv_benchmarks" / "benchmarks").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                assert not node.name.startswith(prefixes), (
                    f"{path.name}: helper {node.name} would be collected by asv as a benchmark"
                )


def test_referenced_files_exist():
    links = re.findall(r"\]\(([^)#:]+)\)", README)
    paths = re.findall(
        r"`((?:src|xentc|tests|docs|tools|asv_benchmarks|\.ci)/[\w./-]*\w)`", README
    )
    missing = [p for p in links + paths if not (ROOT / p).exists()]
    assert links and paths and not missing, f"README points to missing files: {missing}"


def test_no_internal_process_words():
    for word in (r"\bissues?\b", r"\bthis task\b", r"\blent machine\b"):
        assert not re.search(word, README, re.I), f"README mentions {word!r}"
