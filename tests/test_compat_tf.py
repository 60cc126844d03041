"""Parity of xentc.compat.tf with tf.nn's documented formulas.

TensorFlow is not a test dependency: the oracle is each formula as the TF
documentation states it, evaluated in long double from the very inputs, and,
where PyTorch computes the same quantity, torch.nn.functional as well.
Tolerances: 1e-12 relative in float64, 1e-5 in float32.
"""

import subprocess
import sys

import compat_report
import numpy as np
import pytest
from compat_report import readonly

from xentc.compat import tf as xtf

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
LD = np.longdouble


def dname(dtype):
    return np.dtype(dtype).name


def record(what, dtype, ours, ref):
    compat_report.record("tf", what, dtype, ours, ref)


def assert_parity(ours, ref, dtype, what, atol=0.0):
    ours = np.asarray(ours)
    assert ours.dtype == np.dtype(dtype), f"{what}: dtype {ours.dtype} != logits' {dtype}"
    assert ours.shape == np.shape(ref), f"{what}: shape {ours.shape} != {np.shape(ref)}"
    np.testing.assert_allclose(
        ours.astype(np.float64),
        np.asarray(ref, dtype=np.float64),
        rtol=RTOL[dtype],
        atol=atol,
        equal_nan=True,
        err_msg=what,
    )
    record(what, dtype, ours, ref)


# TF's documented formulas, in long double


def tf_sigmoid_xent(z, x):
    x, z = x.astype(LD), z.astype(LD)
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def tf_weighted_xent(z, x, q):
    x, z, q = x.astype(LD), z.astype(LD), np.asarray(q).astype(LD)
    return (1 - z) * x + (1 + (q - 1) * z) * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))


def tf_log_softmax(x, axis):
    x = x.astype(LD)
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def tf_softmax_xent(t, x, axis=-1):
    return -np.sum(t.astype(LD) * tf_log_softmax(x, axis), axis=axis)


def tf_sparse_xent(y, x):
    lp = tf_log_softmax(x, -1)
    return -np.take_along_axis(lp, y[..., None], axis=-1)[..., 0]


ELEM_SHAPES = {"N": (40,), "N,K": (8, 5), "N,K,d": (3, 4, 6), "scalar": (), "empty": (0, 3)}


def _elem_case(shape_key, dtype, seed):
    rng = np.random.default_rng(seed)
    shape = ELEM_SHAPES[shape_key]
    x = (rng.normal(size=shape) * 8).astype(dtype)
    z = rng.uniform(size=shape).astype(dtype)
    if z.size > 2:
        z.reshape(-1)[:2] = [0.0, 1.0]  # hard labels among the soft ones
    return readonly(x), readonly(z), rng


@pytest.mark.parametrize("shape_key", list(ELEM_SHAPES), ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sigmoid_cross_entropy_with_logits(dtype, shape_key):
    x, z, _ = _elem_case(shape_key, dtype, 0)
    ours = xtf.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    assert_parity(
        ours,
        tf_sigmoid_xent(z, x),
        dtype,
        f"sigmoid_cross_entropy_with_logits {dname(dtype)} {shape_key}",
    )


PW_KINDS = {
    "scalar": lambda s, r: 2.5,
    "per-class": lambda s, r: r.uniform(0.1, 4, s[-1:]),
    "per-row": lambda s, r: r.uniform(0.1, 4, s[:1] + (1,) * (len(s) - 1)),
    "full": lambda s, r: r.uniform(0.1, 4, s),
    "negative": lambda s, r: -1.5,
}


@pytest.mark.parametrize("pw_kind", list(PW_KINDS), ids=lambda k: f"pos_weight={k}")
@pytest.mark.parametrize("shape_key", list(ELEM_SHAPES), ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_weighted_cross_entropy_with_logits(dtype, shape_key, pw_kind):
    x, z, rng = _elem_case(shape_key, dtype, 1)
    if not x.ndim and pw_kind in ("per-class", "per-row"):
        pw_kind = "scalar"
    q = PW_KINDS[pw_kind](x.shape, rng)
    q = q.astype(dtype) if isinstance(q, np.ndarray) else q
    ours = xtf.weighted_cross_entropy_with_logits(z, x, q)
    # a negative pos_weight makes the loss a difference of O(|x|) terms: its
    # error is a few ulps of those terms, not of the (small) result
    atol = 0.0
    if pw_kind == "negative":
        atol = 8 * np.finfo(dtype).eps * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    assert_parity(
        ours,
        tf_weighted_xent(z, x, q),
        dtype,
        f"weighted_cross_entropy_with_logits {dname(dtype)} {shape_key} pos_weight={pw_kind}",
        atol=atol,
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sigmoid_labels_outside_unit_interval_follow_the_formula(dtype):
    """TF evaluates its formula for any label; so does the shim."""
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(5, 4)) * 3).astype(dtype)
    z = rng.uniform(-1, 2, size=(5, 4)).astype(dtype)
    assert_parity(
        xtf.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        tf_sigmoid_xent(z, x),
        dtype,
        "sigmoid_cross_entropy_with_logits labels in [-1, 2]",
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sigmoid_family_agrees_with_torch(dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, z, rng = _elem_case("N,K", dtype, 3)
    q = rng.uniform(0.5, 3, size=x.shape[-1]).astype(dtype)
    ref = F.binary_cross_entropy_with_logits(
        torch.tensor(x), torch.tensor(z), reduction="none", pos_weight=torch.tensor(q)
    ).numpy()
    assert_parity(
        xtf.weighted_cross_entropy_with_logits(z, x, q),
        ref,
        dtype,
        "weighted_cross_entropy_with_logits vs torch",
    )


def test_sigmoid_infinite_logits_take_the_limit():
    """TF's max(x, 0) - x*z meets inf - inf; xentc returns the limit."""
    x = np.array([np.inf, np.inf, -np.inf, -np.inf, 1000.0, -1000.0])
    z = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    ours = xtf.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    np.testing.assert_array_equal(ours, [0.0, np.inf, 0.0, np.inf, 0.0, 0.0])


SOFT_SHAPES = {
    "N,C": ((9, 6), -1),
    "C": ((5,), -1),
    "N,C,d axis=1": ((3, 4, 5), 1),
    "C,N axis=0": ((6, 7), 0),
    "empty": ((0, 4), -1),
}


@pytest.mark.parametrize("case", list(SOFT_SHAPES), ids=lambda s: f"shape=({s})")
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_softmax_cross_entropy_with_logits(dtype, case):
    shape, axis = SOFT_SHAPES[case]
    rng = np.random.default_rng(4)
    x = readonly((rng.normal(size=shape) * 4).astype(dtype))
    t = readonly(
        np.moveaxis(
            rng.dirichlet(np.ones(shape[axis]), size=np.delete(shape, axis % len(shape))), -1, axis
        ).astype(dtype)
    )
    ours = xtf.softmax_cross_entropy_with_logits(t, x, axis=axis)
    assert_parity(
        ours,
        tf_softmax_xent(t, x, axis),
        dtype,
        f"softmax_cross_entropy_with_logits {dname(dtype)} {case}",
    )


def test_softmax_negative_labels_follow_the_formula():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 3))
    t = rng.uniform(-1, 1, size=(4, 3))
    assert_parity(
        xtf.softmax_cross_entropy_with_logits(t, x),
        tf_softmax_xent(t, x),
        np.float64,
        "softmax_cross_entropy_with_logits negative labels",
    )


@pytest.mark.parametrize("shape", [(12, 7), (3, 4, 5), (6,), (0, 3)], ids=lambda s: f"shape={s}")
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64], ids=dname)
@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_sparse_softmax_cross_entropy_with_logits(dtype, label_dtype, shape):
    rng = np.random.default_rng(6)
    x = readonly((rng.normal(size=shape) * 4).astype(dtype))
    y = readonly(rng.integers(0, shape[-1], size=shape[:-1]).astype(label_dtype))
    ours = xtf.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    assert_parity(
        ours,
        tf_sparse_xent(y, x),
        dtype,
        f"sparse_softmax_cross_entropy_with_logits {dname(dtype)} "
        f"labels {dname(label_dtype)} {shape}",
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=dname)
def test_softmax_family_agrees_with_torch(dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(10, 6)) * 3).astype(dtype)
    y = rng.integers(0, 6, 10)
    t = rng.dirichlet(np.ones(6), size=10).astype(dtype)
    assert_parity(
        xtf.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        F.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none").numpy(),
        dtype,
        "sparse_softmax_cross_entropy_with_logits vs torch",
    )
    assert_parity(
        xtf.softmax_cross_entropy_with_logits(t, x),
        F.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none").numpy(),
        dtype,
        "softmax_cross_entropy_with_logits vs torch",
    )


def test_softmax_infinite_logits_take_the_limit():
    x = np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0]])
    ours = xtf.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 0]), logits=x)
    np.testing.assert_array_equal(ours, [0.0, np.inf])


@pytest.mark.parametrize(
    "call,error,match",
    [
        (
            lambda: xtf.sigmoid_cross_entropy_with_logits(labels=np.zeros(3), logits=np.zeros(4)),
            ValueError,
            r"same shape \(\(4,\) vs \(3,\)\)",
        ),
        (lambda: xtf.sigmoid_cross_entropy_with_logits(logits=np.zeros(4)), ValueError, "labels="),
        (
            lambda: xtf.weighted_cross_entropy_with_logits(
                np.zeros((2, 3)), np.zeros((2, 3)), np.ones(2)
            ),
            ValueError,
            "pos_weight",
        ),
        (
            lambda: xtf.softmax_cross_entropy_with_logits(np.zeros((2, 3)), np.zeros((2, 4))),
            ValueError,
            "same shape",
        ),
        (
            lambda: xtf.sparse_softmax_cross_entropy_with_logits(
                labels=np.array([0, 3]), logits=np.zeros((2, 3))
            ),
            ValueError,
            r"labels\[1\] = 3 is out of range.*\[0, 3\)",
        ),
        (
            lambda: xtf.sparse_softmax_cross_entropy_with_logits(
                labels=np.array([0, -1]), logits=np.zeros((2, 3))
            ),
            ValueError,
            r"labels\[1\] = -1",
        ),
        (
            lambda: xtf.sparse_softmax_cross_entropy_with_logits(
                labels=np.array([0.0, 1.0]), logits=np.zeros((2, 3))
            ),
            TypeError,
            "integer",
        ),
        (
            lambda: xtf.sparse_softmax_cross_entropy_with_logits(
                labels=np.array([0, 1, 2]), logits=np.zeros((2, 3))
            ),
            ValueError,
            "without the last dimension",
        ),
        (
            lambda: xtf.sparse_softmax_cross_entropy_with_logits(
                labels=np.array(0), logits=np.array(1.0)
            ),
            ValueError,
            "at least one dimension",
        ),
    ],
    ids=[
        "sigmoid-shape",
        "sigmoid-missing-labels",
        "pos_weight-shape",
        "softmax-shape",
        "sparse-label>=C",
        "sparse-label<0",
        "sparse-float-labels",
        "sparse-label-shape",
        "sparse-scalar-logits",
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_inputs_are_never_modified():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 4))
    z = rng.uniform(size=(5, 4))
    y = rng.integers(0, 4, 5)
    q = rng.uniform(size=4)
    before = [a.copy() for a in (x, z, y, q)]
    xtf.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    xtf.weighted_cross_entropy_with_logits(z, x, q)
    xtf.softmax_cross_entropy_with_logits(z, x, axis=0)
    xtf.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    for a, b in zip((x, z, y, q), before):
        np.testing.assert_array_equal(a, b)


def test_importing_the_shims_imports_no_framework():
    """NumPy in, NumPy out: the frameworks are only this suite's oracles."""
    code = (
        "import sys, xentc.compat.torch, xentc.compat.tf, xentc.compat.keras, "
        "xentc.compat.scipy; bad = [m for m in ('torch', 'tensorflow', 'keras', 'jax') "
        "if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
