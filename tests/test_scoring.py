"""xentc.scoring.StreamingScores: the same numbers for any chunking, merge
order and resume, equal to the one-shot metrics, scikit-learn and a plain
NumPy reference; clear errors that name the global row; atomic updates."""

import itertools
import json

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax

import xentc
import xentc.metrics as xm
from xentc.scoring import StreamingScores

skm = pytest.importorskip("sklearn.metrics")

RTOL = 1e-12


def make(task, inputs, dtype, n=2001, c=7, seed=0):
    """(y_true, y_pred, sample_weight) of a task, with some ties and extremes."""
    rng = np.random.default_rng(seed)
    w = rng.random(n) * 2
    w[::11] = 0.0
    if task == "binary":
        z = rng.standard_normal(n) * 3
        z[::97] = 40.0  # saturated sigmoid
        y = (rng.random(n) < expit(z)).astype(np.int64)
        pred = z if inputs == "logits" else expit(z)
    elif task == "multiclass":
        z = rng.standard_normal((n, c)) * 2
        z[::5, 1] = z[::5, 2]  # ties between columns
        y = rng.integers(0, c, n)
        pred = z if inputs == "logits" else softmax(z, axis=1)
    else:
        z = rng.standard_normal((n, c)) * 2
        y = (rng.random((n, c)) < 0.3).astype(np.int64)
        pred = z if inputs == "logits" else expit(z)
    return y, pred.astype(dtype), w


def assert_same(a, b, rtol=RTOL):
    """Two result dicts agree key by key (numbers within rtol, NaN == NaN)."""
    assert a.keys() == b.keys()
    for key in a:
        va, vb = a[key], b[key]
        if isinstance(va, dict):
            assert_same(va, vb, rtol)
        elif isinstance(va, (list, float)):
            if isinstance(va, list) and va and not isinstance(va[0], (int, float)):
                assert va == vb, key
                continue
            np.testing.assert_allclose(
                np.asarray(va, dtype=float),
                np.asarray(vb, dtype=float),
                rtol=rtol,
                atol=0,
                equal_nan=True,
                err_msg=key,
            )
        else:
            assert va == vb, key


def feed(scores, y, pred, w, bounds):
    for a, b in itertools.pairwise(bounds):
        scores.update(y[a:b], pred[a:b], None if w is None else w[a:b])
    return scores


def random_bounds(rng, n, pieces):
    cuts = np.sort(rng.choice(np.arange(1, n), size=pieces - 1, replace=False))
    return [0, *cuts.tolist(), n]


CASES = [
    (t, i, d)
    for t in ("binary", "multiclass", "multilabel")
    for i in ("logits", "probabilities")
    for d in (np.float32, np.float64)
]


@pytest.mark.parametrize(
    "task,inputs,dtype", CASES, ids=[f"{t}-{i}-{np.dtype(d).name}" for t, i, d in CASES]
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_chunking_merge_and_resume_give_the_same_numbers(task, inputs, dtype, weighted):
    y, pred, w = make(task, inputs, dtype)
    w = w if weighted else None
    n = pred.shape[0]
    whole = StreamingScores(inputs=inputs, k=3).update(y, pred, w).result()
    rng = np.random.default_rng(1)
    for _ in range(2):
        bounds = random_bounds(rng, n, int(rng.integers(2, 40)))
        assert_same(feed(StreamingScores(inputs=inputs, k=3), y, pred, w, bounds).result(), whole)
        # partial states merged in a random order, some through a JSON round trip
        parts = [
            StreamingScores(inputs=inputs, k=3).update(
                y[a:b], pred[a:b], None if w is None else w[a:b]
            )
            for a, b in itertools.pairwise(bounds)
        ]
        order = rng.permutation(len(parts))
        total = StreamingScores(inputs=inputs, k=3)
        for i in order:
            part = parts[i]
            if i % 2:
                part = StreamingScores.from_dict(json.loads(json.dumps(part.to_dict())))
            total.merge(part)
        assert_same(total.result(), whole)
        # checkpoint half-way, resume from the JSON state
        half = bounds[len(bounds) // 2]
        first = feed(StreamingScores(inputs=inputs, k=3), y, pred, w, [0, half])
        resumed = StreamingScores.from_dict(json.loads(json.dumps(first.to_dict())))
        assert_same(feed(resumed, y, pred, w, [half, n]).result(), whole)


def test_sparse_multilabel_targets_equal_dense():
    y, pred, w = make("multilabel", "logits", np.float64)
    dense = StreamingScores().update(y, pred, w).result()
    csr = StreamingScores().update(sp.csr_matrix(y), pred, w).result()
    assert_same(csr, dense)
    chunked = feed(StreamingScores(), sp.csr_matrix(y), pred, w, [0, 5, 1000, 2001]).result()
    assert_same(chunked, dense)


# ---------------------------------------------------------------------------
# against the one-shot metrics, scikit-learn and a NumPy reference


def reference_calibration(conf, hit, w, n_bins):
    """ECE and per-bin table written plainly: bin i holds (e_i, e_i+1], bin 0 [0, e_1]."""
    edges = np.linspace(0, 1, n_bins + 1)
    ids = np.array([np.searchsorted(edges[1:-1], c, side="left") for c in conf])
    ece = 0.0
    table = []
    for b in range(n_bins):
        m = ids == b
        wb = w[m].sum()
        if m.any() and wb > 0:
            cb, ab = np.sum(w[m] * conf[m]) / wb, np.sum(w[m] * hit[m]) / wb
            ece += wb * abs(ab - cb)
            table.append((int(m.sum()), cb, ab))
        else:
            table.append((int(m.sum()), np.nan, np.nan))
    return ece / w.sum(), table


@pytest.mark.parametrize("inputs", ["logits", "probabilities"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_multiclass_equals_one_shot_and_sklearn(inputs, weighted):
    y, pred, w = make("multiclass", inputs, np.float64)
    w = w if weighted else None
    r = feed(StreamingScores(inputs=inputs, k=3), y, pred, w, [0, 100, 1500, 2001]).result()
    logits = inputs == "logits"
    prob = softmax(pred, axis=1) if logits else pred
    c = pred.shape[1]
    assert r["task"] == "multiclass" and r["n_samples"] == 2001
    np.testing.assert_allclose(
        r["log_loss"], xm.log_loss(y, pred, sample_weight=w, from_logits=logits), rtol=RTOL
    )
    np.testing.assert_allclose(r["log_loss"], skm.log_loss(y, prob, sample_weight=w), rtol=1e-10)
    np.testing.assert_allclose(
        r["accuracy"], skm.accuracy_score(y, pred.argmax(1), sample_weight=w), rtol=RTOL
    )
    np.testing.assert_allclose(
        r["top_k_accuracy"], xm.top_k_accuracy_score(y, pred, k=3, sample_weight=w), rtol=RTOL
    )
    np.testing.assert_allclose(
        r["top_k_accuracy"], skm.top_k_accuracy_score(y, pred, k=3, sample_weight=w), rtol=RTOL
    )
    np.testing.assert_allclose(
        r["brier"], skm.brier_score_loss(y, prob, sample_weight=w), rtol=1e-10
    )
    np.testing.assert_allclose(
        r["brier"], xm.brier_score(y, pred, sample_weight=w, from_logits=logits), rtol=RTOL
    )
    ww = np.ones(len(y)) if w is None else w
    top = pred.argmax(1)
    ece, table = reference_calibration(prob[np.arange(len(y)), top], top == y, ww, 15)
    np.testing.assert_allclose(r["ece"], ece, rtol=1e-10)
    rel = r["reliability"]
    assert rel["count"] == [t[0] for t in table]
    np.testing.assert_allclose(rel["confidence"], [t[1] for t in table], rtol=1e-10)
    np.testing.assert_allclose(rel["accuracy"], [t[2] for t in table], rtol=1e-10)
    pc = r["per_class"]
    assert pc["support"] == np.bincount(y, minlength=c).tolist()
    recall = skm.recall_score(y, top, average=None, sample_weight=w)
    np.testing.assert_allclose(pc["accuracy"], recall, rtol=1e-10)
    per_row = -np.log(np.clip(prob[np.arange(len(y)), y], np.finfo(float).eps, 1))
    for k in range(c):
        m = y == k
        np.testing.assert_allclose(
            pc["log_loss"][k], np.average(per_row[m], weights=ww[m]), rtol=1e-9
        )
        np.testing.assert_allclose(pc["weight"][k], ww[m].sum(), rtol=RTOL)


@pytest.mark.parametrize("inputs", ["logits", "probabilities"])
def test_binary_equals_one_shot_and_sklearn(inputs):
    y, pred, w = make("binary", inputs, np.float64)
    logits = inputs == "logits"
    prob = expit(pred) if logits else pred
    r = feed(StreamingScores(inputs=inputs), y, pred, w, [0, 1, 1500, 2001]).result()
    assert r["task"] == "binary" and "top_k_accuracy" not in r
    np.testing.assert_allclose(
        r["log_loss"], xm.log_loss(y, pred, sample_weight=w, from_logits=logits), rtol=RTOL
    )
    np.testing.assert_allclose(r["log_loss"], skm.log_loss(y, prob, sample_weight=w), rtol=1e-9)
    np.testing.assert_allclose(
        r["accuracy"], skm.accuracy_score(y, prob > 0.5, sample_weight=w), rtol=RTOL
    )
    np.testing.assert_allclose(
        r["brier"], skm.brier_score_loss(y, prob, sample_weight=w), rtol=1e-10
    )
    ece, _ = reference_calibration(prob, y == 1, w, 15)
    np.testing.assert_allclose(r["ece"], ece, rtol=1e-10)
    # unweighted reliability is sklearn's calibration_curve plus counts
    ru = StreamingScores(inputs=inputs, n_bins=5).update(y, pred).result()["reliability"]
    from sklearn.calibration import calibration_curve

    prob_true, prob_pred = calibration_curve(y, prob, n_bins=5)
    filled = np.array(ru["count"]) > 0
    np.testing.assert_allclose(np.array(ru["accuracy"])[filled], prob_true, rtol=1e-12)
    np.testing.assert_allclose(np.array(ru["confidence"])[filled], prob_pred, rtol=1e-12)


@pytest.mark.parametrize("inputs", ["logits", "probabilities"])
def test_multilabel_equals_one_shot(inputs):
    y, pred, w = make("multilabel", inputs, np.float64)
    logits = inputs == "logits"
    prob = expit(pred) if logits else pred
    r = StreamingScores(inputs=inputs).update(y, pred, w).result()
    assert r["task"] == "multilabel"
    if logits:
        ll = xentc.sigmoid_cross_entropy(pred, y.astype(float), sample_weight=w)
    else:
        ll = xentc.binary_cross_entropy(pred, y.astype(float), sample_weight=w)
    np.testing.assert_allclose(r["log_loss"], ll, rtol=RTOL)
    subset = np.all((prob > 0.5) == (y == 1), axis=1)
    np.testing.assert_allclose(r["accuracy"], np.average(subset, weights=w), rtol=RTOL)
    np.testing.assert_allclose(
        r["accuracy"], skm.accuracy_score(y, prob > 0.5, sample_weight=w), rtol=RTOL
    )
    np.testing.assert_allclose(
        r["brier"], np.average(((prob - y) ** 2).mean(1), weights=w), rtol=1e-10
    )
    ece, _ = reference_calibration(prob.ravel(), y.ravel() == 1, np.repeat(w, y.shape[1]), 15)
    np.testing.assert_allclose(r["ece"], ece, rtol=1e-10)
    pc = r["per_class"]
    assert pc["support"] == y.sum(0).tolist()
    np.testing.assert_allclose(
        pc["accuracy"], np.average((prob > 0.5) == (y == 1), axis=0, weights=w), rtol=1e-12
    )


@pytest.mark.parametrize("n_threads", [1, 2, 4])
def test_thread_count_does_not_change_results(n_threads):
    y, pred, w = make("multiclass", "logits", np.float32, n=70000, c=5)
    base = StreamingScores(n_threads=1).update(y, pred, w).result()
    assert json.dumps(
        StreamingScores(n_threads=n_threads).update(y, pred, w).result()
    ) == json.dumps(base)


def test_float32_layouts_and_inputs_unchanged():
    y, pred, w = make("multiclass", "probabilities", np.float32)
    before = pred.copy(), y.copy(), w.copy()
    r = StreamingScores(inputs="probabilities").update(y, pred, w).result()
    for a, b in zip((pred, y, w), before):
        np.testing.assert_array_equal(a, b)
    fortran = StreamingScores(inputs="probabilities").update(y, np.asfortranarray(pred), w)
    assert_same(fortran.result(), r)
    np.testing.assert_allclose(r["log_loss"], xm.log_loss(y, pred, sample_weight=w), rtol=1e-6)


def test_string_and_noncontiguous_labels():
    y, pred, w = make("multiclass", "logits", np.float64, c=3)
    names = np.array(["dog", "cat", "emu"])  # column order, not sorted
    a = StreamingScores(labels=names).update(names[y], pred, w).result()
    b = StreamingScores().update(y, pred, w).result()
    assert a["per_class"]["labels"] == ["dog", "cat", "emu"]
    a["per_class"].pop("labels"), b["per_class"].pop("labels")
    assert_same(a, b)
    codes = np.array([10, 20, 40])
    c = StreamingScores(labels=codes).update(codes[y], pred, w).result()
    c["per_class"].pop("labels")
    assert_same(c, b)
    yb, zb, _ = make("binary", "logits", np.float64)
    sb = StreamingScores(labels=["no", "yes"]).update(np.array(["no", "yes"])[yb], zb).result()
    assert_same(
        sb, StreamingScores(labels=["no", "yes"]).update(np.array(["no", "yes"])[yb], zb).result()
    )
    np.testing.assert_allclose(sb["log_loss"], xm.log_loss(yb, zb, from_logits=True), rtol=RTOL)


def test_one_hot_targets_for_multiclass():
    y, pred, w = make("multiclass", "logits", np.float64)
    onehot = np.eye(pred.shape[1], dtype=int)[y]
    a = StreamingScores(task="multiclass").update(onehot, pred, w).result()
    assert_same(a, StreamingScores().update(y, pred, w).result())
    with pytest.warns(UserWarning, match="one-hot"):
        assert StreamingScores().update(onehot, pred).result()["task"] == "multilabel"


def test_metrics_subset_and_empty_state():
    y, pred, w = make("multiclass", "logits", np.float64)
    r = StreamingScores(metrics=["log_loss", "accuracy"]).update(y, pred, w).result()
    assert set(r) == {"task", "inputs", "n_samples", "weight_sum", "log_loss", "accuracy"}
    full = StreamingScores().update(y, pred, w).result()
    assert r["log_loss"] == full["log_loss"] and r["accuracy"] == full["accuracy"]
    empty = StreamingScores().result()
    assert empty["n_samples"] == 0 and np.isnan(empty["log_loss"])
    json.dumps(StreamingScores().to_dict())


# ---------------------------------------------------------------------------
# errors


def test_bad_rows_are_named_by_global_row_and_leave_state_unchanged():
    y, pred, w = make("multiclass", "logits", np.float64)
    s = StreamingScores().update(y[:1000], pred[:1000])
    state = json.dumps(s.to_dict())
    bad = pred[1000:2000].copy()
    bad[123, 2] = np.nan
    with pytest.raises(ValueError, match=r"y_pred row 1123 contains NaN"):
        s.update(y[1000:2000], bad)
    assert json.dumps(s.to_dict()) == state
    yb = y[1000:2000].copy()
    yb[7] = 7
    with pytest.raises(ValueError, match=r"y_true row 1007 = 7 is not a class index in \[0, 7\)"):
        s.update(yb, pred[1000:2000])
    wb = w[1000:2000].copy()
    wb[3] = -1
    with pytest.raises(ValueError, match=r"sample_weight row 1003"):
        s.update(y[1000:2000], pred[1000:2000], wb)
    with pytest.raises(ValueError, match=r"task 'multiclass' needs .*n_columns"):
        s.update(y[:5].astype(float), pred[:5, 0])
    with pytest.raises(ValueError, match=r"started as 'multiclass' with 7"):
        s.update(y[:5] % 3, pred[:5, :3])
    assert json.dumps(s.to_dict()) == state
    p = softmax(pred[:10], axis=1)
    p[4, 0] = 1.5
    with pytest.raises(ValueError, match=r"y_pred row 4: probabilities must be in \[0, 1\]"):
        StreamingScores(inputs="probabilities").update(y[:10], p)
    with pytest.raises(ValueError, match=r"y_true row 2 = 'x' is not one of labels"):
        StreamingScores(labels=["a", "b", "c"]).update(np.array(["a", "b", "x"]), pred[:3, :3])
    with pytest.raises(TypeError, match="pass labels="):
        StreamingScores().update(np.array(["a", "b", "c"]), pred[:3, :3])
    with pytest.raises(ValueError, match=r"y_true row 1 = 2 is not 0 or 1"):
        StreamingScores().update(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="y_true row 0 holds values other than 0 and 1"):
        StreamingScores().update(np.full((2, 3), 2), pred[:2, :3])
    with pytest.raises(ValueError, match="rows but y_pred has"):
        StreamingScores().update(y[:4], pred[:5])


def test_option_and_state_errors():
    with pytest.raises(ValueError, match="task must be one of"):
        StreamingScores(task="regression")
    with pytest.raises(ValueError, match="inputs must be one of"):
        StreamingScores(inputs="scores")
    with pytest.raises(TypeError, match="k must be an int"):
        StreamingScores(k=1.5)
    with pytest.raises(ValueError, match="n_bins must be an int >= 1"):
        StreamingScores(n_bins=0)
    with pytest.raises(ValueError, match="metrics must be None or a non-empty subset"):
        StreamingScores(metrics=["auc"])
    with pytest.raises(ValueError, match="labels must be distinct"):
        StreamingScores(labels=[1, 1, 2])
    y, pred, _ = make("multiclass", "logits", np.float64, n=50)
    a = StreamingScores().update(y, pred)
    with pytest.raises(ValueError, match="different options"):
        a.merge(StreamingScores(k=2))
    yb, zb, _ = make("binary", "logits", np.float64, n=50)
    with pytest.raises(ValueError, match="cannot merge 'multiclass'"):
        a.merge(StreamingScores().update(yb, zb))
    with pytest.raises(ValueError, match=r"made by StreamingScores\.to_dict"):
        StreamingScores.from_dict({"n_samples": 3})
    state = a.to_dict()
    state["version"] = 99
    with pytest.raises(ValueError, match="version 99 is not supported"):
        StreamingScores.from_dict(state)
    state = a.to_dict()
    del state["sums"]
    with pytest.raises(ValueError, match="incomplete or malformed"):
        StreamingScores.from_dict(state)


def test_compensated_sums_are_exact_where_naive_float64_is_not():
    # 1e16 + many ones: naive float64 loses every 1; the TwoSum pair keeps them
    s = StreamingScores(task="binary", metrics=["log_loss"])
    from xentc.scoring import _Sum

    acc = _Sum()
    acc.add(1e16)
    for _ in range(1000):
        acc.add(1.0)
    acc.add(-1e16)
    assert float(acc.value()) == 1000.0
    assert s.result()["n_samples"] == 0


@pytest.mark.parametrize("n_bins", [1, 2, 3, 7, 10, 15, 33, 1000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bin_of_a_confidence_is_searchsorted_on_the_edges(n_bins, dtype):
    s = StreamingScores(n_bins=n_bins)
    e = s._edges
    v = np.clip(
        np.concatenate(
            [e, np.nextafter(e, 2), np.nextafter(e, -1), np.random.default_rng(0).random(5000)]
        ),
        0,
        1,
    ).astype(dtype)
    np.testing.assert_array_equal(s._bin_ids(v), np.searchsorted(e[1:-1], v))


def test_infinite_logits():
    # the kernels take the limits: p = (1/2, 1/2, 0) for (inf, inf, 0)
    z = np.array([[np.inf, np.inf, 0.0], [0.0, 1.0, 2.0], [np.inf, 0.0, 1.0]])
    r = StreamingScores().update(np.array([0, 1, 0]), z).result()
    p = np.array([[0.5, 0.5, 0.0], softmax([0.0, 1.0, 2.0]), [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(
        r["log_loss"], np.mean(-np.log(p[[0, 1, 2], [0, 1, 0]])), rtol=1e-12
    )
    np.testing.assert_allclose(
        r["brier"], skm.brier_score_loss([0, 1, 0], p, labels=[0, 1, 2]), rtol=1e-12
    )
    # -inf on the true class: an infinite loss, unless the row weighs nothing
    z2 = np.array([[-np.inf, 0.0], [0.0, 1.0]])
    infinite = StreamingScores().update([0, 1], z2)
    assert infinite.result()["log_loss"] == np.inf
    state = json.dumps(infinite.to_dict(), allow_nan=False)  # strict JSON even so
    assert StreamingScores.from_dict(json.loads(state)).result()["log_loss"] == np.inf
    r = StreamingScores().update([0, 1], z2, [0.0, 1.0]).result()
    np.testing.assert_allclose(
        r["log_loss"], xm.log_loss([1], z2[1:], labels=[0, 1], from_logits=True), rtol=RTOL
    )
    assert np.isnan(r["per_class"]["log_loss"][0])  # class 0 has no weight


def test_docs_scoring_examples_run():
    """Every python block of docs/scoring.md runs, in order, in one namespace."""
    import os
    import re

    path = os.path.join(os.path.dirname(__file__), "..", "docs", "scoring.md")
    with open(path) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.DOTALL)
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/scoring.md", "exec"), namespace)
    assert namespace["by_name"]["per_class"]["labels"] == ["cat", "dog", "emu", "fox", "gnu"]
