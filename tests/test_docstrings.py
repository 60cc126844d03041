"""The public docstrings are numpydoc with examples, and every example runs
and prints what it shows (the API reference of the documentation site is
generated from them). xentc.metrics: its own two tests at the end."""

import doctest
import importlib
import inspect

import numpy as np
import pytest

import xentc.metrics

# module -> the optional dependency it needs
MODULES = {
    "xentc._config": None,
    "xentc.special": None,
    "xentc.losses": None,
    "xentc.grouped": None,
    "xentc.linear": None,
    "xentc.scoring": None,
    "xentc.sklearn": "sklearn",
    "xentc.dask": "dask",
    "xentc.compat.torch": None,
    "xentc.compat.tf": None,
    "xentc.compat.scipy": None,
    "xentc.compat.keras": None,
}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _load(name):
    if MODULES[name]:
        pytest.importorskip(MODULES[name])
    return importlib.import_module(name)


def _public(module):
    """(name, object) of the functions and classes the module defines and exports."""
    names = getattr(module, "__all__", None) or [  # _config: re-exported by xentc
        "available_simd_targets",
        "get_config",
        "get_simd_target",
        "set_simd_target",
        "show_config",
        "simd_target",
    ]
    for name in names:
        obj = getattr(module, name)
        if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
            yield name, obj


@pytest.mark.parametrize("name", sorted(MODULES))
def test_examples_run(name):
    module = _load(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    # instances with their own docstring (the scikit-learn scorers)
    for attr, obj in vars(module).items():
        if type(obj).__module__ == name and not inspect.isclass(obj) and obj.__doc__:
            if ">>>" in obj.__doc__ and type(obj).__doc__ != obj.__doc__:
                tests.append(
                    doctest.DocTestParser().get_doctest(obj.__doc__, {}, f"{name}.{attr}", None, 0)
                )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    with np.printoptions(legacy=False):
        for test in tests:
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert tests and result.attempted > 0
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see above)"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_public_docstrings_are_numpydoc(name):
    """Every exported function and class has a summary line, a Parameters
    section naming each of its parameters (when it takes any) and Examples."""
    module = _load(name)
    public = list(_public(module))
    assert public, f"{name} exports no function or class"
    missing = []
    for attr, obj in public:
        doc = inspect.getdoc(obj) or ""
        target = obj.__init__ if inspect.isclass(obj) else obj
        try:
            params = [
                p
                for p in inspect.signature(target).parameters
                if p not in ("self", "cls") and not p.startswith("_")
            ]
        except (TypeError, ValueError):
            params = []
        problems = []
        if not doc or not doc.splitlines()[0].strip():
            problems.append("no summary line")
        if "Examples\n--------" not in doc and attr != "score_files":  # a CLI entry point
            problems.append("no Examples section")
        if params:
            if "Parameters\n----------" not in doc:
                problems.append("no Parameters section")
            else:
                section = doc.split("Parameters\n----------", 1)[1]
                undocumented = [
                    p
                    for p in params
                    if not any(
                        line.startswith(p) or f", {p}" in line.split(" : ")[0]
                        for line in section.splitlines()
                        if line and not line.startswith(" ")
                    )
                    and f"**{p}" not in section
                    and f"*{p}" not in section
                ]
                if undocumented:
                    problems.append(f"parameters not documented: {undocumented}")
        if problems:
            missing.append(f"{name}.{attr}: {'; '.join(problems)}")
    assert not missing, "\n".join(missing)


# -- xentc.metrics ------------------------------------------------------------

METRICS_MODULES = [
    "xentc.metrics._log_loss",
    "xentc.metrics._accuracy",
    "xentc.metrics._calibration",
    "xentc.grouped",
]


@pytest.mark.parametrize("name", METRICS_MODULES)
def test_metrics_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


@pytest.mark.parametrize("name", xentc.metrics.__all__)
def test_numpydoc_sections(name):
    validate = pytest.importorskip("numpydoc.validate")
    func = getattr(xentc.metrics, name)
    assert func.__module__.startswith(("xentc.metrics.", "xentc.grouped"))
    report = validate.validate(f"{func.__module__}.{name}")
    # GL08: no docstring; PR01/PR02: parameters missing or unknown; RT01: no
    # Returns; EX01: no Examples; SS01/GL02/GL03: summary and blank lines
    wanted = {"GL08", "PR01", "PR02", "RT01", "EX01", "GL02", "GL03", "SS01"}
    errors = [(code, msg) for code, msg in report["errors"] if code in wanted]
    assert not errors, errors
