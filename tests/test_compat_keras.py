"""Parity of xentc.compat.keras with Keras 3 on its torch backend (the oracle).

float32: Keras itself, 1e-5 relative. float64: Keras averages binary and
focal losses in float32 even for float64 input (its type promotion maps 64
to 32 bits), so there the oracle is Keras's float64 element-wise op
(keras.ops.binary_crossentropy) or Keras's formula restated in NumPy, held to
1e-12, and Keras's own function is checked to its float32 precision (1e-6).
The loss classes compute in float32 unless given dtype=, like Keras.
"""

import os
import warnings

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"  # must be set before keras is imported
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip(
        f"keras was imported with the {keras.backend.backend()} backend", allow_module_level=True
    )

import compat_report
from compat_report import readonly

from xentc.compat import keras as xk

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
KERAS_F32 = 1e-6  # Keras's float32 internal averaging, for float64 inputs
EPS = 1e-7


def clip_atol(dtype, from_logits):
    """Keras rounds its upper clip bound 1 - 1e-7 to float32 (0.99999988), the
    kernel keeps it in double: a row predicted with certainty costs 1.19e-7
    in Keras and 1.0e-7 here, an absolute difference below float32's eps."""
    return float(np.finfo(np.float32).eps) if dtype == np.float32 and not from_logits else 0.0


def dname(dtype):
    return np.dtype(dtype).name


def K(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def record(what, dtype, ours, ref):
    compat_report.record("keras", what, dtype, ours, ref)


def assert_parity(ours, ref, dtype, what, rtol=None, atol=0.0, check_dtype=True):
    ref = K(ref) if not isinstance(ref, np.ndarray) else ref
    ours_arr = np.asarray(ours)
    assert ours_arr.shape == ref.shape, f"{what}: shape {ours_arr.shape} != keras {ref.shape}"
    if check_dtype:
        assert ours_arr.dtype == ref.dtype, f"{what}: dtype {ours_arr.dtype} != keras {ref.dtype}"
    np.testing.assert_allclose(
        ours_arr.astype(np.float64),
        ref.astype(np.float64),
        rtol=RTOL[dtype] if rtol is None else rtol,
        atol=atol,
        equal_nan=True,
        err_msg=what,
    )
    record(what, dtype, ours_arr, ref)


@pytest.fixture(autouse=True)
def _quiet_keras():
    # Keras's SyntaxWarning for single-class y_pred and torch's note about
    # read-only arrays are about the oracle's inputs, not the shim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


# ---------------------------------------------------------------------------
# data

BIN_SHAPES = {"N": (30,), "N,K": (12, 5), "N,K,d": (4, 3, 6)}


def _binary_data(shape, dtype, from_logits, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=shape).astype(dtype)
    if from_logits:
        p = (rng.normal(size=shape) * 4).astype(dtype)
    else:
        p = rng.uniform(size=shape).astype(dtype)
        p.reshape(-1)[:4] = [0.0, 1.0, 1e-9, 1.0 - 1e-9]  # inside the 1e-7 clip
    return readonly(y), readonly(p)


def _categorical_data(shape, axis, dtype, from_logits, seed=1):
    rng = np.random.default_rng(seed)
    c = shape[axis]
    other = tuple(np.delete(shape, axis % len(shape)))
    y = np.moveaxis(np.eye(c)[rng.integers(0, c, size=other)], -1, axis).astype(dtype)
    if from_logits:
        p = (rng.normal(size=shape) * 3).astype(dtype)
    else:
        p = np.moveaxis(rng.dirichlet(np.ones(c), size=other), -1, axis).astype(dtype)
        flat = np.moveaxis(p, axis, -1).reshape(-1, c)
        if flat.shape[0] >= 2:  # a zero probability and a one-hot row (clipped)
            p = np.moveaxis(p, axis, -1).copy()
            p.reshape(-1, c)[0, 0] = 0.0
            p.reshape(-1, c)[1] = np.eye(c)[c - 1]
            p = np.moveaxis(p, -1, axis)
    return readonly(y), readonly(p)


CAT_SHAPES = {
    "N,C": ((10, 6), -1),
    "C": ((5,), -1),
    "N,C,d axis=1": ((3, 4, 5), 1),
    "N,d,C": ((3, 2, 4), -1),
}


# ---------------------------------------------------------------------------
# binary


def keras_bce_float64(y, p, from_logits, ls, axis):
    """Keras's binary_crossentropy with the mean over `axis` kept in float64."""
    ys = y * (1.0 - ls) + 0.5 * ls if ls else y
    return np.mean(K(keras.ops.binary_crossentropy(ys, p, from_logits=from_logits)), axis=axis)


@pytest.mark.parametrize("axis", [-1, 0], ids=lambda a: f"axis={a}")
@pytest.mark.parametrize("ls", [0.0, 0.2], ids=lambda v: f"label_smoothing={v}")
@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape_key", list(BIN_SHAPES), ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_binary_crossentropy(dtype, shape_key, from_logits, ls, axis):
    y, p = _binary_data(BIN_SHAPES[shape_key], dtype, from_logits)
    what = (
        f"binary_crossentropy {dname(dtype)} {shape_key} logits={from_logits} ls={ls} axis={axis}"
    )
    ours = xk.binary_crossentropy(y, p, from_logits, ls, axis)
    ref = keras.losses.binary_crossentropy(y, p, from_logits, ls, axis)
    if dtype == np.float32:
        assert_parity(ours, ref, dtype, what)
    else:
        assert_parity(ours, keras_bce_float64(y, p, from_logits, ls, axis), dtype, what)
        assert_parity(ours, ref, dtype, what + " (vs Keras's float32 mean)", rtol=KERAS_F32)


def keras_binary_focal_float64(y, p, balance, alpha, gamma, from_logits, ls, axis):
    """keras.losses.binary_focal_crossentropy restated in float64 NumPy."""
    y = y * (1.0 - ls) + 0.5 * ls if ls else y
    if from_logits:
        p = 1 / (1 + np.exp(-p.astype(np.float64)))
    bce = K(keras.ops.binary_crossentropy(y, p, from_logits=False))
    p_t = y * p + (1 - y) * (1 - p)
    focal = (1.0 - p_t) ** gamma * bce
    if balance:
        focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
    return np.mean(focal, axis=axis)


@pytest.mark.parametrize(
    "alpha,gamma", [(0.25, 2.0), (0.6, 0.0), (0.4, 3.5)], ids=lambda v: f"{v}"
)
@pytest.mark.parametrize("balance", [False, True], ids=["", "class-balancing"])
@pytest.mark.parametrize("ls", [0.0, 0.1], ids=lambda v: f"label_smoothing={v}")
@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape_key", ["N", "N,K"], ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_binary_focal_crossentropy(dtype, shape_key, from_logits, ls, balance, alpha, gamma):
    y, p = _binary_data(BIN_SHAPES[shape_key], dtype, from_logits, seed=2)
    what = (
        f"binary_focal_crossentropy {dname(dtype)} {shape_key} logits={from_logits} ls={ls} "
        f"balance={balance} alpha={alpha} gamma={gamma}"
    )
    args = (balance, alpha, gamma, from_logits, ls, -1)
    ours = xk.binary_focal_crossentropy(y, p, *args)
    ref = keras.losses.binary_focal_crossentropy(y, p, *args)
    if dtype == np.float32:
        assert_parity(ours, ref, dtype, what)
    else:
        assert_parity(ours, keras_binary_focal_float64(y, p, *args), dtype, what)
        assert_parity(ours, ref, dtype, what + " (vs Keras's float32)", rtol=KERAS_F32)


def test_binary_probabilities_outside_unit_interval_are_clipped_like_keras():
    y = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    p = np.array([[1.5, -0.2, -3.0, 2.0]], dtype=np.float32)
    assert_parity(
        xk.binary_crossentropy(y, p),
        keras.losses.binary_crossentropy(y, p),
        np.float32,
        "binary_crossentropy p outside [0, 1]",
    )


def test_binary_infinite_logits_take_the_limit():
    y = np.array([1.0, 0.0, 0.0, 1.0])
    x = np.array([np.inf, -np.inf, np.inf, -np.inf])
    np.testing.assert_array_equal(
        [xk.binary_crossentropy(y[i : i + 1], x[i : i + 1], from_logits=True) for i in range(4)],
        [0.0, 0.0, np.inf, np.inf],
    )


# ---------------------------------------------------------------------------
# categorical


@pytest.mark.parametrize("ls", [0.0, 0.15], ids=lambda v: f"label_smoothing={v}")
@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("case", list(CAT_SHAPES), ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_categorical_crossentropy(dtype, case, from_logits, ls):
    shape, axis = CAT_SHAPES[case]
    y, p = _categorical_data(shape, axis, dtype, from_logits)
    ours = xk.categorical_crossentropy(y, p, from_logits, ls, axis)
    ref = keras.losses.categorical_crossentropy(y, p, from_logits, ls, axis)
    assert_parity(
        ours,
        ref,
        dtype,
        f"categorical_crossentropy {dname(dtype)} {case} logits={from_logits} ls={ls}",
        atol=clip_atol(dtype, from_logits),
    )


def test_categorical_smoothing_uses_the_last_axis_like_keras():
    """With axis=1 of a (N, C, d) array Keras smooths with C = shape[-1]."""
    y, p = _categorical_data((3, 4, 5), 1, np.float64, True)
    ours = xk.categorical_crossentropy(y, p, True, 0.3, axis=1)
    assert_parity(
        ours,
        keras.losses.categorical_crossentropy(y, p, True, 0.3, axis=1),
        np.float64,
        "categorical_crossentropy smoothing with axis=1",
    )


@pytest.mark.parametrize(
    "p",
    [[[2.0, 3.0, 5.0]], [[-2.0, 3.0, 5.0]], [[0.0, 0.0, 0.0]]],
    ids=["unnormalised", "negative", "all-zero"],
)
def test_categorical_probabilities_the_core_refuses(p):
    """Keras renormalises and clips anything; the shim follows it."""
    y = np.array([[1.0, 0.0, 0.0]])
    p = np.array(p)
    assert_parity(
        xk.categorical_crossentropy(y, p),
        keras.losses.categorical_crossentropy(y, p),
        np.float64,
        f"categorical_crossentropy p={p.tolist()}",
    )


def keras_categorical_focal_float64(y, p, alpha, gamma, from_logits, ls, axis):
    """keras.losses.categorical_focal_crossentropy restated in float64 NumPy."""
    y = y * (1.0 - ls) + ls / y.shape[-1] if ls else y
    if from_logits:
        p = K(keras.ops.softmax(p, axis=axis))
    q = np.clip(p / np.sum(p, axis=axis, keepdims=True), EPS, 1 - EPS)
    return np.sum(np.asarray(alpha) * (1 - q) ** gamma * (-y * np.log(q)), axis=axis)


@pytest.mark.parametrize(
    "alpha,gamma", [(0.25, 2.0), ([0.1, 0.2, 0.3, 0.4], 1.5), (1.0, 0.0)], ids=lambda v: f"{v}"
)
@pytest.mark.parametrize("ls", [0.0, 0.1], ids=lambda v: f"label_smoothing={v}")
@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_categorical_focal_crossentropy(dtype, from_logits, ls, alpha, gamma):
    y, p = _categorical_data((9, 4), -1, dtype, from_logits, seed=3)
    args = (alpha, gamma, from_logits, ls, -1)
    what = (
        f"categorical_focal_crossentropy {dname(dtype)} logits={from_logits} ls={ls} "
        f"alpha={alpha} gamma={gamma}"
    )
    ours = xk.categorical_focal_crossentropy(y, p, *args)
    ref = keras.losses.categorical_focal_crossentropy(y, p, *args)
    if dtype == np.float32:
        assert_parity(ours, ref, dtype, what)
    else:
        assert_parity(ours, keras_categorical_focal_float64(y, p, *args), dtype, what)
        # Keras's power/multiply run in float32: good to ~1e-7 of the row's scale
        assert_parity(
            ours,
            ref,
            dtype,
            what + " (vs Keras's float32)",
            rtol=KERAS_F32,
            atol=KERAS_F32 * float(np.max(np.abs(K(ref)))),
        )


# ---------------------------------------------------------------------------
# sparse categorical

SPARSE_SHAPES = {
    "N,C": ((11, 6), -1),
    "C": ((5,), -1),
    "N,d,C": ((3, 4, 5), -1),
    "N,C,d axis=1": ((3, 4, 5), 1),
}


# Keras squeezes a trailing size-1 label axis only when it is the class axis
SPARSE_CASES = [
    (case, labels)
    for case, (shape, axis) in SPARSE_SHAPES.items()
    for labels in (["flat", "trailing-1"] if axis == -1 and len(shape) > 1 else ["flat"])
]


@pytest.mark.parametrize("ignore_class", [None, 1, -1], ids=lambda v: f"ignore_class={v}")
@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("case,label_shape", SPARSE_CASES, ids=lambda v: f"{v}")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sparse_categorical_crossentropy(dtype, case, label_shape, from_logits, ignore_class):
    shape, axis = SPARSE_SHAPES[case]
    _, p = _categorical_data(shape, axis, dtype, from_logits, seed=4)
    rng = np.random.default_rng(5)
    c = shape[axis]
    y = rng.integers(0, c, size=tuple(np.delete(shape, axis % len(shape))))
    if ignore_class == -1 and y.size:
        y.reshape(-1)[::3] = -1
    if label_shape == "trailing-1":
        y = y[..., None]
    y = readonly(y)
    ours = xk.sparse_categorical_crossentropy(y, p, from_logits, ignore_class, axis)
    ref = keras.losses.sparse_categorical_crossentropy(y, p, from_logits, ignore_class, axis)
    assert_parity(
        ours,
        ref,
        dtype,
        f"sparse_categorical_crossentropy {dname(dtype)} {case} "
        f"logits={from_logits} ignore_class={ignore_class} "
        f"labels={label_shape}",
        atol=clip_atol(dtype, from_logits),
    )


def test_sparse_out_of_range_labels_raise_naming_y_true():
    with pytest.raises(IndexError):  # Keras on torch: the torch error
        keras.losses.sparse_categorical_crossentropy(np.array([0, 5]), np.full((2, 3), 1 / 3))
    for from_logits in (False, True):
        with pytest.raises(ValueError, match=r"y_true holds 5 at position \(1,\).*\[0, 3\)"):
            xk.sparse_categorical_crossentropy(
                np.array([0, 5]), np.full((2, 3), 1 / 3), from_logits
            )


# ---------------------------------------------------------------------------
# loss classes and reductions

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]
SAMPLE_WEIGHTS = {"none": None, "per-sample": "n", "column": "n,1", "scalar": "scalar"}


def _sample_weight(kind, n, rng):
    spec = SAMPLE_WEIGHTS[kind]
    if spec is None:
        return None
    if spec == "scalar":
        return 0.7
    w = rng.uniform(0.1, 2.0, size=n)
    return w[:, None] if spec == "n,1" else w


def _class_case(name, seed=6):
    """(keras class, xentc class, kwargs, y_true, y_pred) for each loss class."""
    rng = np.random.default_rng(seed)
    n, c = 8, 4
    yb, pb = _binary_data((n, c), np.float64, False, seed)
    yc, pc = _categorical_data((n, c), -1, np.float64, False, seed)
    lab = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) * 3
    return {
        "BinaryCrossentropy": ({"label_smoothing": 0.1}, yb, pb),
        "BinaryCrossentropy-logits": ({"from_logits": True}, yb, logits),
        "CategoricalCrossentropy": ({}, yc, pc),
        "CategoricalCrossentropy-logits": (
            {"from_logits": True, "label_smoothing": 0.2},
            yc,
            logits,
        ),
        "SparseCategoricalCrossentropy": ({}, lab, pc),
        "SparseCategoricalCrossentropy-logits": ({"from_logits": True}, lab, logits),
        "SparseCategoricalCrossentropy-ignore": (
            {"from_logits": True, "ignore_class": 2},
            lab,
            logits,
        ),
        "BinaryFocalCrossentropy": ({"apply_class_balancing": True, "gamma": 3.0}, yb, pb),
        "CategoricalFocalCrossentropy": ({"alpha": 0.4}, yc, pc),
    }[name]


CLASS_CASES = [
    "BinaryCrossentropy",
    "BinaryCrossentropy-logits",
    "CategoricalCrossentropy",
    "CategoricalCrossentropy-logits",
    "SparseCategoricalCrossentropy",
    "SparseCategoricalCrossentropy-logits",
    "SparseCategoricalCrossentropy-ignore",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
]


# Keras 3.15 cannot broadcast a scalar sample_weight against an ignore_class mask
CLASS_WEIGHT_CASES = [
    (case, sw)
    for case in CLASS_CASES
    for sw in SAMPLE_WEIGHTS
    if not (sw == "scalar" and "ignore" in case)
]


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: f"reduction={r}")
@pytest.mark.parametrize("case,sw_kind", CLASS_WEIGHT_CASES, ids=lambda v: f"{v}")
def test_loss_classes(case, sw_kind, reduction):
    kwargs, y, p = _class_case(case)
    cls = case.split("-")[0]
    sw = _sample_weight(sw_kind, len(y), np.random.default_rng(7))
    ours = getattr(xk, cls)(reduction=reduction, **kwargs)(y, p, sample_weight=sw)
    ref = getattr(keras.losses, cls)(reduction=reduction, **kwargs)(y, p, sample_weight=sw)
    assert_parity(
        ours, ref, np.float32, f"{case} {kwargs} reduction={reduction} sample_weight={sw_kind}"
    )


@pytest.mark.parametrize(
    "case",
    ["BinaryCrossentropy", "SparseCategoricalCrossentropy-logits", "CategoricalFocalCrossentropy"],
)
def test_loss_classes_with_float64_dtype(case):
    """dtype='float64' computes in float64 here; Keras 3 still reduces in float32."""
    kwargs, y, p = _class_case(case)
    cls = case.split("-")[0]
    ours = getattr(xk, cls)(dtype="float64", **kwargs)(y, p)
    ref = getattr(keras.losses, cls)(dtype="float64", **kwargs)(y, p)
    assert np.asarray(ours).dtype == np.float64
    assert_parity(
        ours,
        ref,
        np.float64,
        f"{case} dtype=float64 (vs Keras's float32 reductions)",
        rtol=KERAS_F32,
        check_dtype=False,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: f"reduction={r}")
def test_all_ignored_divides_no_nan(reduction):
    logits = np.random.default_rng(8).normal(size=(5, 3))
    y = np.full(5, 2)
    ours = xk.SparseCategoricalCrossentropy(True, 2, reduction=reduction)(y, logits)
    ref = keras.losses.SparseCategoricalCrossentropy(True, 2, reduction=reduction)(y, logits)
    assert_parity(
        ours, ref, np.float32, f"SparseCategoricalCrossentropy all ignored reduction={reduction}"
    )
    assert np.all(np.asarray(ours) == 0)


@pytest.mark.parametrize("case", ["BinaryCrossentropy", "SparseCategoricalCrossentropy-logits"])
def test_empty_batch_is_returned_unreduced(case):
    kwargs, y, p = _class_case(case)
    ours = getattr(xk, case.split("-")[0])(**kwargs)(y[:0], p[:0])
    ref = getattr(keras.losses, case.split("-")[0])(**kwargs)(y[:0], p[:0])
    assert_parity(ours, ref, np.float32, f"{case} empty batch")
    assert np.asarray(ours).shape == (0,)


def test_class_squeezes_y_true_to_y_pred():
    """BinaryCrossentropy(y_true (N,), y_pred (N, 1)): Keras expands y_true."""
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.8], [0.3], [0.4]])
    assert_parity(
        xk.BinaryCrossentropy(reduction=None)(y, p),
        keras.losses.BinaryCrossentropy(reduction=None)(y, p),
        np.float32,
        "BinaryCrossentropy ranks",
    )


def test_get_config_round_trip():
    loss = xk.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3, reduction="sum")
    again = xk.SparseCategoricalCrossentropy.from_config(loss.get_config())
    assert again.get_config() == loss.get_config()
    assert "ignore_class=3" in repr(loss)


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda m: m.binary_crossentropy(np.zeros((2, 3)), np.zeros((2, 4))), ValueError),
        (lambda m: m.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 4))), ValueError),
        (
            lambda m: m.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 3)), axis=True),
            ValueError,
        ),
        (lambda m: m.sparse_categorical_crossentropy(np.zeros(3), np.zeros((2, 4))), ValueError),
        (lambda m: m.BinaryCrossentropy(reduction="avg"), ValueError),
    ],
    ids=["binary-shape", "categorical-shape", "axis-bool", "sparse-shape", "bad-reduction"],
)
def test_errors_match_keras(call, error):
    with pytest.raises(error):
        call(keras.losses)
    with pytest.raises(error):
        call(xk)


def test_binary_targets_outside_unit_interval_are_refused_by_name():
    with pytest.raises(ValueError, match=r"y_true must be in \[0, 1\]; got 2.0"):
        xk.binary_crossentropy(np.array([0.0, 2.0]), np.array([0.3, 0.4]))
    with pytest.raises(ValueError, match=r"y_true must be in \[0, 1\]"):
        xk.binary_crossentropy(np.array([0.0, 2.0]), np.array([0.3, 0.4]), from_logits=True)


# ---------------------------------------------------------------------------
# metrics and to_categorical


@pytest.mark.parametrize("threshold", [0.5, 0.2], ids=lambda t: f"threshold={t}")
@pytest.mark.parametrize("y_kind", ["float", "int", "vector-vs-column"])
def test_binary_accuracy(y_kind, threshold):
    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, size=(20, 3))
    p = rng.uniform(size=(20, 3)).astype(np.float32)
    p[0, 0] = threshold  # exactly at the threshold counts as 0 (strict >)
    if y_kind == "float":
        y = y.astype(np.float32)
    if y_kind == "vector-vs-column":
        y, p = y[:, 0].astype(np.float32), p[:, :1]
    assert_parity(
        xk.binary_accuracy(y, p, threshold),
        keras.metrics.binary_accuracy(y, p, threshold),
        np.float32,
        f"binary_accuracy {y_kind} threshold={threshold}",
    )


@pytest.mark.parametrize("shape", [(15, 4), (3, 5, 6)], ids=lambda s: f"shape={s}")
def test_categorical_accuracies(shape):
    rng = np.random.default_rng(10)
    c = shape[-1]
    p = rng.normal(size=shape).astype(np.float32)
    labels = rng.integers(0, c, size=shape[:-1])
    onehot = np.eye(c, dtype=np.float32)[labels]
    assert_parity(
        xk.categorical_accuracy(onehot, p),
        keras.metrics.categorical_accuracy(onehot, p),
        np.float32,
        f"categorical_accuracy {shape}",
    )
    assert_parity(
        xk.sparse_categorical_accuracy(labels, p),
        keras.metrics.sparse_categorical_accuracy(labels, p),
        np.float32,
        f"sparse_categorical_accuracy {shape}",
    )
    assert_parity(
        xk.sparse_categorical_accuracy(labels[..., None], p),
        keras.metrics.sparse_categorical_accuracy(labels[..., None], p),
        np.float32,
        f"sparse_categorical_accuracy {shape} labels with trailing 1",
    )


@pytest.mark.parametrize("k", [1, 2, 5], ids=lambda k: f"k={k}")
@pytest.mark.parametrize("shape", [(40, 6), (3, 4, 7)], ids=lambda s: f"shape={s}")
def test_top_k_accuracies(shape, k):
    rng = np.random.default_rng(11)
    c = shape[-1]
    # rounded scores so that ties straddle the k-th place (they count as in)
    p = np.round(rng.normal(size=shape), 1).astype(np.float32)
    labels = rng.integers(0, c, size=shape[:-1])
    onehot = np.eye(c, dtype=np.float32)[labels]
    assert_parity(
        xk.top_k_categorical_accuracy(onehot, p, k),
        keras.metrics.top_k_categorical_accuracy(onehot, p, k),
        np.float32,
        f"top_k_categorical_accuracy {shape} k={k}",
    )
    assert_parity(
        xk.sparse_top_k_categorical_accuracy(labels, p, k),
        keras.metrics.sparse_top_k_categorical_accuracy(labels, p, k),
        np.float32,
        f"sparse_top_k_categorical_accuracy {shape} k={k}",
    )
    ids = np.argsort(-p.reshape(-1, c), axis=1, kind="stable").astype(np.float32)
    flat = labels.reshape(-1)
    assert_parity(
        xk.sparse_top_k_categorical_accuracy(flat, ids, k, from_sorted_ids=True),
        keras.metrics.sparse_top_k_categorical_accuracy(flat, ids, k, True),
        np.float32,
        f"sparse_top_k_categorical_accuracy from_sorted_ids k={k}",
    )


@pytest.mark.parametrize(
    "x,num_classes",
    [([1, 2, 0, 2], None), ([[1], [0], [3]], None), ([[0, 1], [1, 1]], 4), (np.array([2, 0]), 3)],
    ids=["vector", "column", "matrix", "given-num_classes"],
)
def test_to_categorical(x, num_classes):
    assert_parity(
        xk.to_categorical(x, num_classes),
        keras.utils.to_categorical(x, num_classes),
        np.float64,
        f"to_categorical {x}",
    )


def test_inputs_are_never_modified():
    rng = np.random.default_rng(12)
    y, p = _categorical_data((6, 4), -1, np.float64, False)
    y, p = np.array(y), np.array(p)
    p[0, 0] = 1.5  # out of range: takes the clipping path
    logits = rng.normal(size=(6, 4))
    lab = rng.integers(0, 4, 6)
    before = [a.copy() for a in (y, p, logits, lab)]
    xk.categorical_crossentropy(y, p)
    xk.categorical_focal_crossentropy(y, p)
    xk.categorical_focal_crossentropy(y, logits, from_logits=True)
    xk.binary_focal_crossentropy(y, logits, from_logits=True, label_smoothing=0.1)
    xk.sparse_categorical_crossentropy(lab, p, ignore_class=1)
    xk.SparseCategoricalCrossentropy(True, 2)(lab, logits, sample_weight=np.ones(6))
    for a, b in zip((y, p, logits, lab), before):
        np.testing.assert_array_equal(a, b)
