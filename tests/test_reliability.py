"""Reliability (DESIGN.md section 5): every refused input gives a clear error
(the table in tests/bad_inputs.py), and every input that is accepted gives
the right answer: non-native byte order, out= overlapping inputs, scipy
structures with stale flags, huge weights, huge n_threads, labels changed by
another thread, simd_target() from several threads."""

import os
import re
import sys
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from bad_inputs import CASES, bad_csr, namespace, run_case
from conftest import assert_close

import xentc
from xentc import _reference as ref
from xentc import _validation as V

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "tools"))

RNG = np.random.default_rng(20261130)


# ---- the bad-input table -------------------------------------------------------


@pytest.mark.parametrize(
    "code,exc,pattern", [c[2:] for c in CASES], ids=[f"{c[0]}: {c[1]}" for c in CASES]
)
def test_bad_input_is_refused_clearly(code, exc, pattern):
    raised = run_case(code)
    assert raised is not None, f"{code} raised nothing"
    assert isinstance(raised, exc), f"{code} raised {type(raised).__name__}: {raised}"
    assert re.search(pattern, str(raised)), f"{code}: message {str(raised)!r} !~ {pattern!r}"


def test_bad_input_page_is_current():
    import gen_bad_input_table

    with open(gen_bad_input_table.PAGE, encoding="utf-8") as f:
        committed = f.read()
    assert committed == gen_bad_input_table.render(), (
        "docs/bad_input.md is stale: run python tools/gen_bad_input_table.py"
    )


def test_bad_inputs_are_not_modified():
    ns = namespace()
    before = {k: v.copy() for k, v in ns.items() if isinstance(v, np.ndarray)}
    for _, _, code, _, _ in CASES:
        try:
            eval(code, ns)
        except Exception:
            pass
    for k, v in before.items():
        np.testing.assert_array_equal(ns[k], v, err_msg=f"{k} was modified")


# ---- byte order -------------------------------------------------------------------


def _swapped(a):
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder("S"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_non_native_byte_order_everywhere(dtype):
    x = RNG.standard_normal((6, 5)).astype(dtype)
    p = RNG.dirichlet(np.ones(5), 6).astype(dtype)
    y = np.array([0, 4, 2, 1, 3, 0])
    t = (RNG.random((6, 5)) < 0.4).astype(dtype)
    w = RNG.random(6) + 0.5
    pairs = [
        (xentc.sparse_softmax_cross_entropy, (x, y), {"sample_weight": w}),
        (xentc.sparse_softmax_cross_entropy, (x, y), {}),
        (xentc.softmax_cross_entropy, (x, p), {"class_weight": np.arange(1.0, 6.0)}),
        (xentc.sigmoid_cross_entropy, (x, t), {"pos_weight": np.arange(1.0, 6.0)}),
        (xentc.binary_cross_entropy, (p, t), {}),
        (xentc.categorical_cross_entropy, (p, y), {}),
        (xentc.softmax, (x,), {}),
        (xentc.log_softmax, (x,), {}),
        (xentc.logsumexp, (x,), {}),
        (xentc.sigmoid, (x,), {}),
        (xentc.log_sigmoid, (x,), {}),
    ]
    for fn, args, kw in pairs:
        native = fn(*args, **kw)
        swapped = fn(*[_swapped(a) for a in args], **{k: _swapped(v) for k, v in kw.items()})
        np.testing.assert_array_equal(swapped, native, err_msg=fn.__name__)
    # scipy structures with big-endian index arrays and data
    m = sp.csr_matrix(t)
    m.indptr, m.indices, m.data = _swapped(m.indptr), _swapped(m.indices), _swapped(m.data)
    assert xentc.sigmoid_cross_entropy(x, m) == xentc.sigmoid_cross_entropy(x, sp.csr_matrix(t))


# ---- scipy.sparse structures ---------------------------------------------------------


def _dense_of(indptr, indices, data, shape):
    """Dense matrix of a (valid) CSR structure, duplicates summed: the plain
    Python definition of what the structure means."""
    d = np.zeros(shape)
    for i in range(shape[0]):
        for k in range(indptr[i], indptr[i + 1]):
            d[i, indices[k]] += data[k]
    return d


def test_stale_canonical_flag_is_not_trusted():
    x = RNG.standard_normal((3, 4))
    indptr, indices, data = [0, 3, 3, 5], [2, 0, 2, 3, 1], [0.25, 0.5, 0.25, 0.5, 0.5]
    m = sp.csr_matrix((3, 4))
    m.indptr, m.indices, m.data = (
        np.array(indptr, np.int32),
        np.array(indices, np.int32),
        np.array(data),
    )
    m.has_canonical_format = True  # a lie: unsorted with a duplicate
    m.has_sorted_indices = True
    dense = _dense_of(indptr, indices, data, (3, 4))
    for fn in (xentc.softmax_cross_entropy, xentc.sigmoid_cross_entropy):
        assert_close(fn(x, m, reduction="none"), fn(x, dense, reduction="none"), np.float64)
    g_sparse = xentc.SigmoidCrossEntropy().loss_gradient(x, m)[1]
    np.testing.assert_allclose(
        g_sparse, xentc.SigmoidCrossEntropy().loss_gradient(x, dense)[1], rtol=1e-13
    )
    p = np.full((3, 4), 0.25)
    assert_close(
        xentc.categorical_cross_entropy(p, m),
        xentc.categorical_cross_entropy(p, dense),
        np.float64,
    )
    np.testing.assert_array_equal(m.indices, indices)  # the caller's matrix is untouched


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "lil", "dok", "dia"])
@pytest.mark.parametrize("container", ["matrix", "array"])
def test_every_sparse_format(fmt, container):
    x = RNG.standard_normal((6, 4))
    t = (RNG.random((6, 4)) < 0.5) * RNG.random((6, 4))
    cls = sp.csr_matrix if container == "matrix" else sp.csr_array
    m = cls(t).asformat(fmt) if fmt != "bsr" else cls(t).tobsr(blocksize=(2, 2))
    for fn in (xentc.softmax_cross_entropy, xentc.sigmoid_cross_entropy):
        assert_close(
            fn(x, m, reduction="none"),
            fn(x, t, reduction="none"),
            np.float64,
            err_msg=f"{fn.__name__} {fmt}",
        )


def test_csr_duplicates_summed_and_int64_indices():
    x = RNG.standard_normal((2, 5))
    m = sp.coo_matrix(([0.5, 0.25, 0.25], ([0, 0, 1], [3, 3, 4])), shape=(2, 5)).tocsr()
    m = sp.csr_matrix(
        (
            np.array([0.5, 0.25, 0.25]),
            np.array([3, 3, 4], np.int64),
            np.array([0, 2, 3], np.int64),
        ),
        shape=(2, 5),
    )
    dense = np.zeros((2, 5))
    dense[0, 3], dense[1, 4] = 0.75, 0.25
    assert_close(
        xentc.softmax_cross_entropy(x, m, reduction="none"),
        ref.softmax_cross_entropy(x, dense, reduction="none"),
        np.float64,
    )


# ---- weights --------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e308, 1e-300, 2.0**1000])
def test_mean_with_extreme_sample_weight(scale):
    x = RNG.standard_normal((5, 3))
    y = np.array([0, 1, 2, 1, 0])
    t = (RNG.random((5, 3)) < 0.5).astype(np.float64)
    p = RNG.dirichlet(np.ones(3), 5)
    w = np.array([1.0, 0.5, 1.0, 0.25, 1.0])
    for fn, args in (
        (xentc.sparse_softmax_cross_entropy, (x, y)),
        (xentc.softmax_cross_entropy, (x, p)),
        (xentc.sigmoid_cross_entropy, (x, t)),
        (xentc.binary_cross_entropy, (p, t)),
        (xentc.categorical_cross_entropy, (p, y)),
    ):
        got = fn(*args, sample_weight=w * scale)
        assert np.isfinite(got), fn.__name__
        assert_close(got, fn(*args, sample_weight=w), np.float64, err_msg=fn.__name__)
    obj = xentc.SparseSoftmaxCrossEntropy(class_weight=[1e308, 1e308, 1e308])
    _, g = obj.loss_gradient(x, y, sample_weight=w * scale)
    _, g1 = xentc.SparseSoftmaxCrossEntropy().loss_gradient(x, y, sample_weight=w)
    np.testing.assert_allclose(g, g1, rtol=1e-13)


# ---- out= -------------------------------------------------------------------------------


def _cases_for_out(dtype):
    x = RNG.standard_normal((7, 5)).astype(dtype)
    p = RNG.dirichlet(np.ones(5), 7).astype(dtype)
    y = np.array([0, 4, 2, 1, 3, 0, 2])
    soft = RNG.dirichlet(np.ones(5), 7).astype(dtype)
    t = (RNG.random((7, 5)) < 0.4).astype(dtype)
    return [
        ("sparse_softmax", xentc.SparseSoftmaxCrossEntropy(), x, y),
        ("softmax_dense", xentc.SoftmaxCrossEntropy(), x, soft),
        ("softmax_csr", xentc.SoftmaxCrossEntropy(), x, sp.csr_matrix(soft * (soft > 0.2))),
        ("sigmoid", xentc.SigmoidCrossEntropy(), x, t),
        ("sigmoid_pos_weight", xentc.SigmoidCrossEntropy(pos_weight=np.arange(1.0, 6.0)), x, t),
        ("sigmoid_csr", xentc.SigmoidCrossEntropy(), x, sp.csr_matrix(t)),
        ("binary", xentc.BinaryCrossEntropy(), p, t),
        ("categorical_labels", xentc.CategoricalCrossEntropy(), p, y),
        ("categorical_dense", xentc.CategoricalCrossEntropy(), p, soft),
        ("categorical_csr", xentc.CategoricalCrossEntropy(), p, sp.csr_matrix(soft)),
        ("categorical_renorm", xentc.CategoricalCrossEntropy(renormalize=True), p, soft),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_out_is_the_input(dtype):
    """out= the predictions themselves: the right gradient for every loss
    (CategoricalCrossEntropy(p, t, out=p) gave zeros before)."""
    for name, obj, x, y in _cases_for_out(dtype):
        loss, g = obj.loss_gradient(x, y)
        buf = x.copy()
        loss2, g2 = obj.loss_gradient(buf, y, out=buf)
        assert g2 is buf, name
        np.testing.assert_array_equal(g2, g, err_msg=name)
        assert loss2 == loss, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_out_overlapping_targets_or_shifted_input(dtype):
    for name, obj, x, y in _cases_for_out(dtype):
        loss, g = obj.loss_gradient(x, y)
        if isinstance(y, np.ndarray) and y.dtype == x.dtype:  # out= the targets
            t = y.copy()
            loss2, g2 = obj.loss_gradient(x, t, out=t)
            assert g2 is t and loss2 == loss, name
            np.testing.assert_array_equal(g2, g, err_msg=f"{name} out=targets")
        # out= the input shifted by one row inside one buffer
        buf = np.zeros((x.shape[0] + 1, x.shape[1]), dtype=dtype)
        buf[:-1] = x
        loss3, g3 = obj.loss_gradient(buf[:-1], y, out=buf[1:])
        np.testing.assert_array_equal(g3, g, err_msg=f"{name} shifted")
        assert loss3 == loss, name


def test_out_aliasing_the_labels():
    """Labels that live inside out=: the kernel reads the private copy."""
    x = RNG.standard_normal((4, 3))
    labels = np.array([2, 0, 1, 2])
    _, g = xentc.SparseSoftmaxCrossEntropy().loss_gradient(x, labels)
    buf = np.zeros(12)
    lab_view = buf.view(np.int64)[:4]
    lab_view[:] = labels
    out = buf.reshape(4, 3)
    _, g2 = xentc.SparseSoftmaxCrossEntropy().loss_gradient(x, lab_view, out=out)
    np.testing.assert_array_equal(g2, g)


@pytest.mark.parametrize(
    "fn",
    [xentc.softmax, xentc.log_softmax, xentc.sigmoid, xentc.log_sigmoid],
    ids=lambda f: f.__name__,
)
def test_primitives_out_overlap(fn):
    x = RNG.standard_normal((9, 6))
    want = fn(x)
    buf = np.zeros(60)
    buf[:54] = x.ravel()
    out = buf[6:60].reshape(9, 6)
    got = fn(buf[:54].reshape(9, 6), out=out)
    assert got is out
    np.testing.assert_array_equal(out, want)
    same = x.copy()
    np.testing.assert_array_equal(fn(same, out=same), want)


def test_guard_around_out_unchanged():
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, 1, 2, 0])
    buf = np.full((7, 6), 12345.0)
    out = buf[1:6, 1:5]  # strided rows: goes through a temporary
    xentc.SparseSoftmaxCrossEntropy().loss_gradient(x, y, out=out)
    guard = buf.copy()
    guard[1:6, 1:5] = 12345.0
    assert (guard == 12345.0).all()
    np.testing.assert_array_equal(out, xentc.SparseSoftmaxCrossEntropy().loss_gradient(x, y)[1])


# ---- threads ----------------------------------------------------------------------------


def test_n_threads_clamped_to_cpus():
    cap = V.n_threads_cap()
    assert 1 <= cap <= V.USABLE_CPUS
    assert V.resolve_n_threads(10**6) == cap and V.resolve_n_threads(1) == 1
    x = RNG.standard_normal((300, 500)).astype(np.float32)
    y = RNG.integers(0, 500, 300)
    assert xentc.sparse_softmax_cross_entropy(
        x, y, n_threads=10**6
    ) == xentc.sparse_softmax_cross_entropy(x, y, n_threads=1)


def test_n_threads_respects_threadpoolctl():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        if xentc._kernels.omp_max_threads() != 1:
            pytest.skip("threadpoolctl does not see xentc's OpenMP runtime")
        assert V.resolve_n_threads(None) == 1 and V.resolve_n_threads(8) == 1


def test_labels_changed_by_another_thread():
    """Another thread flips labels between valid and wild values during the
    calls: each call gives a clear error or a value computed from labels that
    passed the check; never a crash."""
    x = RNG.standard_normal((20000, 8)).astype(np.float32)
    labels = RNG.integers(0, 8, 20000)
    good = labels.copy()
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            labels[::7] = 10**9
            labels[::7] = good[::7]

    th = threading.Thread(target=flip)
    th.start()
    try:
        results = []
        for _ in range(30):
            try:
                results.append(xentc.sparse_softmax_cross_entropy(x, labels, n_threads=2))
            except ValueError as exc:
                assert "out of range" in str(exc)
    finally:
        stop.set()
        th.join()
    want = xentc.sparse_softmax_cross_entropy(x, good)
    assert all(r == want for r in results)


def test_simd_target_is_thread_local_and_nests():
    targets = xentc.available_simd_targets()
    if len(targets) < 2:
        pytest.skip("one SIMD target only")
    a, b = targets[0], targets[1]
    start = xentc.get_simd_target()
    barrier = threading.Barrier(2)
    seen, errors = {}, []

    def worker(name, mine, order):
        try:
            with xentc.simd_target(mine):
                barrier.wait()
                seen[name + "-in"] = xentc.get_simd_target()
                with xentc.simd_target(targets[-1]):
                    seen[name + "-nested"] = xentc.get_simd_target()
                barrier.wait()
                seen[name + "-after-nested"] = xentc.get_simd_target()
                if order:  # leave in the opposite order to the other thread
                    barrier.wait()
            if not order:
                barrier.wait()
            seen[name + "-out"] = xentc.get_simd_target()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t1 = threading.Thread(target=worker, args=("t1", a, True))
    t2 = threading.Thread(target=worker, args=("t2", b, False))
    t1.start(), t2.start()
    t1.join(), t2.join()
    assert not errors
    assert seen["t1-in"] == a and seen["t2-in"] == b
    assert seen["t1-nested"] == seen["t2-nested"] == targets[-1]
    assert seen["t1-after-nested"] == a and seen["t2-after-nested"] == b
    assert seen["t1-out"] == seen["t2-out"] == start
    assert xentc.get_simd_target() == start


# ---- other accepted inputs ---------------------------------------------------------------


def test_ignore_index_with_every_label_dtype():
    x = RNG.standard_normal((4, 3))
    want = ref.sparse_softmax_cross_entropy(
        x, np.array([0, 1, 0, 2]), sample_weight=np.array([1.0, 0, 1, 1])
    )
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        y = np.array([0, -100, 0, 2], dtype=dtype)
        assert_close(xentc.sparse_softmax_cross_entropy(x, y, ignore_index=-100), want, np.float64)
        np.testing.assert_array_equal(y, [0, -100, 0, 2])  # not modified
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        y = np.array([0, 7, 0, 2], dtype=dtype)
        assert_close(xentc.sparse_softmax_cross_entropy(x, y, ignore_index=7), want, np.float64)


def test_strided_and_reversed_labels():
    x = RNG.standard_normal((5, 4))
    y = np.array([3, 9, 0, 9, 2, 9, 1, 9, 0, 9])[::2]
    assert_close(
        xentc.sparse_softmax_cross_entropy(x, y),
        ref.sparse_softmax_cross_entropy(x, np.ascontiguousarray(y)),
        np.float64,
    )
    assert_close(
        xentc.sparse_softmax_cross_entropy(x, y[::-1].astype(np.int32)),
        ref.sparse_softmax_cross_entropy(x, np.ascontiguousarray(y[::-1])),
        np.float64,
    )


def test_checked_csr_helper_for_other_modules():
    m = bad_csr([0, 2, 2, 3], [3, 1, 0], data=[1.0, 2.0, 3.0])
    safe = V.checked_csr(m, "y")
    assert safe.has_canonical_format and safe is not m
    np.testing.assert_array_equal(
        safe.toarray(), _dense_of([0, 2, 2, 3], [3, 1, 0], [1.0, 2.0, 3.0], (3, 4))
    )
    lab, ignored = V.check_labels(np.array([1, -1, 2], np.int16), 3, 4, ignore_index=-1)
    assert lab.dtype == np.int64 and lab.tolist() == [1, -1, 2] and ignored.tolist() == [0, 1, 0]
