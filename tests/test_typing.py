"""tests/typing_usage.py at run time: its calls are valid, and the return
types its stubs promise (float for reduced losses, arrays otherwise, NumPy
scalars for the torch shims) are what the code returns. The static half,
`mypy --strict` and stubtest, runs in tools/typecheck.sh (CI's lint step)."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("dask.array")
pytest.importorskip("typing_extensions")


def test_typing_usage_runs():
    path = pathlib.Path(__file__).with_name("typing_usage.py")
    spec = importlib.util.spec_from_file_location("typing_usage", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()


def test_py_typed_marker_and_stubs_sit_beside_the_modules():
    import xentc

    root = pathlib.Path(xentc.__file__).parent
    assert (root / "py.typed").is_file()
    for name in (
        "__init__",
        "special",
        "losses",
        "grouped",
        "linear",
        "scoring",
        "sklearn",
        "dask",
        "_config",
        "_kernels",
        "_linear",
        "metrics/__init__",
        "compat/__init__",
        "compat/torch",
        "compat/tf",
        "compat/keras",
        "compat/scipy",
    ):
        assert (root / f"{name}.pyi").is_file(), name
