"""The public functions of xentc.metrics carry numpydoc docstrings whose
Examples run (the Sphinx API reference is generated from them)."""

import doctest
import importlib

import pytest

import xentc.metrics

MODULES = [
    "xentc.metrics._log_loss",
    "xentc.metrics._accuracy",
    "xentc.metrics._calibration",
    "xentc.grouped",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
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
