"""Property-based tests (hypothesis): arbitrary shapes, dtypes, byte orders,
layouts, label dtypes and values, out= placements and arbitrary scipy.sparse
structures (valid and corrupt) against the NumPy reference twin. Every call
gives the right answer or a clear ValueError / TypeError, never a crash, and
never writes outside `out`.

Examples per test: XENTC_HYPOTHESIS_EXAMPLES (default 40, kept small for CI;
run e.g. XENTC_HYPOTHESIS_EXAMPLES=2000 for a deep search).
"""

import os

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
import itertools

from conftest import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xentc
from xentc import _reference as ref

SETTINGS = settings(
    max_examples=int(os.environ.get("XENTC_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    derandomize=os.environ.get("CI") is not None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FLOATS = [np.float32, np.float64]
LABEL_DTYPES = [
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float64,
]
LAYOUTS = ["C", "F", "strided", "reversed", "padded", "swapped"]


@st.composite
def placed(draw, values, layout=None):
    """`values` (2-D or 1-D) in a drawn memory layout / byte order."""
    layout = layout or draw(st.sampled_from(LAYOUTS))
    a = np.asarray(values)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
        sl = tuple(slice(1, None, 2) for _ in a.shape)
        big[sl] = a
        return big[sl]
    if layout == "reversed":
        rev = np.ascontiguousarray(a[::-1])
        return rev[::-1]
    if layout == "padded" and a.ndim == 2:
        pad = np.zeros((a.shape[0], a.shape[1] + 3), dtype=a.dtype)
        pad[:, : a.shape[1]] = a
        return pad[:, : a.shape[1]]
    if layout == "swapped":
        return a.astype(a.dtype.newbyteorder("S"))
    return np.ascontiguousarray(a)


def _logits(draw, n, c, dtype):
    vals = draw(
        st.lists(st.floats(-40, 40, allow_nan=False, width=32), min_size=n * c, max_size=n * c)
    )
    return np.array(vals, dtype=dtype).reshape(n, c)


# ---- integer labels ---------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_sparse_softmax_any_labels(data):
    n = data.draw(st.integers(0, 9), "n")
    c = data.draw(st.integers(1, 7), "c")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    x = data.draw(placed(_logits(data.draw, n, c, dtype)), "logits")
    raw = data.draw(st.lists(st.integers(-3, c + 2), min_size=n, max_size=n), "labels")
    ldtype = data.draw(st.sampled_from(LABEL_DTYPES), "label dtype")
    with np.errstate(over="ignore"):
        labels = np.array(raw).astype(ldtype)  # negative -> huge for unsigned dtypes
    labels = data.draw(placed(labels, data.draw(st.sampled_from(["C", "strided", "swapped"]))))
    ignore = data.draw(st.sampled_from([None, -1, 0, -100]), "ignore_index")
    reduction = data.draw(st.sampled_from(["none", "sum", "mean"]), "reduction")
    threads = data.draw(st.sampled_from([1, 2, 4, None]), "n_threads")
    as_int = [int(v) for v in labels.tolist()]
    valid = all(0 <= v < c or (ignore is not None and v == ignore) for v in as_int)
    before = labels.copy()
    try:
        got = xentc.sparse_softmax_cross_entropy(
            x, labels, ignore_index=ignore, reduction=reduction, n_threads=threads
        )
    except ValueError as exc:
        assert not valid, f"valid labels refused: {exc}"
        assert "labels[" in str(exc) and "out of range" in str(exc)
    else:
        assert valid, f"invalid labels {as_int} accepted (n_classes={c}, ignore={ignore})"
        want = ref.sparse_softmax_cross_entropy(
            np.array(x, np.float64), np.array(as_int), ignore_index=ignore, reduction=reduction
        )
        assert_close(got, want, dtype)
    np.testing.assert_array_equal(labels, before)


# ---- arbitrary sparse structures ------------------------------------------------------


@st.composite
def csr_structure(draw, n, c):
    nnz = draw(st.integers(0, 10))
    corrupt = draw(st.booleans())
    if corrupt:
        length = draw(st.sampled_from([n + 1, n + 1, n, n + 2]))
        indptr = draw(
            st.lists(st.integers(-2, nnz + 2), min_size=max(length, 0), max_size=max(length, 0))
        )
        indices = draw(st.lists(st.integers(-2, c + 1), min_size=nnz, max_size=nnz))
    else:
        counts = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        indptr = [0] + list(np.cumsum(counts))
        nnz = int(indptr[-1])
        indices = draw(st.lists(st.integers(0, c - 1), min_size=nnz, max_size=nnz))
    data = draw(st.lists(st.floats(0, 1, width=32), min_size=nnz, max_size=nnz))
    itype = draw(st.sampled_from([np.int32, np.int64, ">i4", np.int16]))
    return (
        np.array(indptr, dtype=itype),
        np.array(indices, dtype=itype),
        np.array(data, dtype=np.float64),
    )


def _structure_valid(indptr, indices, n, c):
    ip = [int(v) for v in indptr]
    return (
        len(ip) == n + 1
        and ip[0] == 0
        and all(a <= b for a, b in itertools.pairwise(ip))
        and ip[-1] == len(indices)
        and all(0 <= int(v) < c for v in indices)
    )


def _dense_of(indptr, indices, data, n, c):
    d = np.zeros((n, c))
    for i in range(n):
        for k in range(int(indptr[i]), int(indptr[i + 1])):
            d[i, int(indices[k])] += data[k]
    return d


@SETTINGS
@given(st.data())
def test_any_sparse_structure(data):
    n = data.draw(st.integers(1, 6), "n")
    c = data.draw(st.integers(1, 6), "c")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    x = _logits(data.draw, n, c, dtype)
    indptr, indices, values = data.draw(csr_structure(n, c), "structure")
    m = sp.csr_matrix((n, c), dtype=np.float64)
    m.indptr, m.indices, m.data = indptr, indices, values  # bypasses scipy's checks
    m.has_canonical_format = data.draw(st.booleans(), "claims canonical")
    valid = _structure_valid(indptr, indices, n, c)
    dense = _dense_of(indptr, indices, values, n, c) if valid else None
    for name, fn, reference, inputs in [
        ("softmax", xentc.softmax_cross_entropy, ref.softmax_cross_entropy, x),
        ("sigmoid", xentc.sigmoid_cross_entropy, ref.sigmoid_cross_entropy, x),
        (
            "categorical",
            xentc.categorical_cross_entropy,
            ref.categorical_cross_entropy,
            np.full((n, c), 1.0 / c, dtype=dtype),
        ),
    ]:
        try:
            got = fn(inputs, m, reduction="none")
        except (ValueError, TypeError) as exc:
            allowed = not valid or (name == "sigmoid" and dense.max(initial=0) > 1)
            assert allowed, f"{name}: valid structure refused: {exc}"
            assert "targets" in str(exc)
        else:
            assert valid, f"{name}: corrupt structure accepted: {indptr} {indices}"
            assert_close(
                got,
                reference(np.array(inputs, np.float64), dense, reduction="none"),
                dtype,
                err_msg=name,
            )
    np.testing.assert_array_equal(m.indices, indices)


# ---- out= placements with a guard ----------------------------------------------------


def _loss_cases(x, p, labels, soft, t):
    return {
        "sparse_softmax": (xentc.SparseSoftmaxCrossEntropy(), x, labels),
        "softmax_dense": (xentc.SoftmaxCrossEntropy(), x, soft),
        "softmax_csr": (xentc.SoftmaxCrossEntropy(), x, sp.csr_matrix(soft * (soft > 0.2))),
        "sigmoid": (xentc.SigmoidCrossEntropy(), x, t),
        "sigmoid_pos_weight": (
            xentc.SigmoidCrossEntropy(pos_weight=np.arange(1.0, x.shape[1] + 1)),
            x,
            t,
        ),
        "sigmoid_csr": (xentc.SigmoidCrossEntropy(), x, sp.csr_matrix(t)),
        "binary": (xentc.BinaryCrossEntropy(), p, t),
        "categorical_labels": (xentc.CategoricalCrossEntropy(), p, labels),
        "categorical_dense": (xentc.CategoricalCrossEntropy(), p, soft),
        "categorical_renorm": (xentc.CategoricalCrossEntropy(renormalize=True), p, soft),
    }


@SETTINGS
@given(st.data())
def test_out_placements_never_write_outside(data):
    n = data.draw(st.integers(1, 7), "n")
    c = data.draw(st.integers(1, 6), "c")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), "seed"))
    x = rng.standard_normal((n, c)).astype(dtype)
    p = rng.dirichlet(np.ones(c), n).astype(dtype)
    labels = rng.integers(0, c, n)
    soft = rng.dirichlet(np.ones(c), n).astype(dtype)
    t = (rng.random((n, c)) < 0.5).astype(dtype)
    name = data.draw(st.sampled_from(sorted(_loss_cases(x, p, labels, soft, t))), "loss")
    obj, y_pred, y = _loss_cases(x, p, labels, soft, t)[name]
    want_loss, want_grad = obj.loss_gradient(y_pred.copy(), y)

    # one buffer holds the input and out=; everything else in it is a guard
    item = np.dtype(dtype).itemsize
    buf = np.full(4 * n * c + 16, 7.0, dtype=dtype)
    placement = data.draw(
        st.sampled_from(["fresh", "rows", "fortran", "input", "shifted", "reversed", "targets"]),
        "placement",
    )
    pred = y_pred
    if placement in ("input", "shifted"):
        buf[: n * c] = y_pred.ravel()
        pred = buf[: n * c].reshape(n, c)
        start = 0 if placement == "input" else data.draw(st.integers(1, n * c + 2))
        out = buf[start : start + n * c].reshape(n, c)
    elif placement == "targets" and isinstance(y, np.ndarray) and y.dtype == dtype:
        buf[: n * c] = y.ravel()
        y = buf[: n * c].reshape(n, c)
        out = y
    elif placement == "rows":
        out = buf[2 : 2 + n * (c + 2)].reshape(n, c + 2)[:, :c]
    elif placement == "fortran":
        out = buf[3 : 3 + n * c].reshape(c, n).T
    elif placement == "reversed":
        out = buf[1 : 1 + n * c].reshape(n, c)[::-1]
    else:
        out = buf[5 : 5 + n * c].reshape(n, c)
    start_byte = out.__array_interface__["data"][0] - buf.__array_interface__["data"][0]
    covered = np.zeros(buf.shape, dtype=bool)
    idx = np.indices(out.shape).reshape(2, -1)
    covered[(start_byte + idx[0] * out.strides[0] + idx[1] * out.strides[1]) // item] = True
    before = buf.copy()
    loss, grad = obj.loss_gradient(pred, y, out=out)
    assert grad is out, name
    np.testing.assert_array_equal(out, want_grad, err_msg=f"{name} {placement}")
    # the loss sum may group rows differently for another out= layout (the
    # sigmoid kernel runs short contiguous rows as one span): float rounding only
    assert_close(loss, want_loss, dtype, err_msg=f"{name} {placement}")
    np.testing.assert_array_equal(
        buf[~covered], before[~covered], err_msg=f"{name} {placement}: wrote outside out"
    )


# ---- primitives ------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_primitives_any_layout(data):
    n = data.draw(st.integers(0, 6), "n")
    c = data.draw(st.integers(0, 6), "c")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    x = data.draw(placed(_logits(data.draw, n, c, dtype)), "x")
    x64 = np.array(x, dtype=np.float64)
    axis = data.draw(st.sampled_from([-1, 0, 1]), "axis")
    threads = data.draw(st.sampled_from([1, 2, None]), "n_threads")
    for fn, twin in (
        (xentc.softmax, ref.softmax),
        (xentc.log_softmax, ref.log_softmax),
        (xentc.logsumexp, ref.logsumexp),
    ):
        if axis is not None and x.shape[axis] == 0 and fn is not xentc.logsumexp:
            continue
        with np.errstate(all="ignore"):
            want = twin(x64, axis=axis)
        got = fn(x, axis=axis, n_threads=threads)
        assert got.dtype == dtype
        assert_close(got, want, dtype, err_msg=fn.__name__)
        out = np.full(np.shape(got), -1.0, dtype=dtype)
        assert fn(x, axis=axis, out=out, n_threads=threads) is out
        np.testing.assert_array_equal(out, got)
    for fn, twin in ((xentc.sigmoid, ref.sigmoid), (xentc.log_sigmoid, ref.log_sigmoid)):
        assert_close(fn(x, n_threads=threads), twin(x64), dtype, err_msg=fn.__name__)
