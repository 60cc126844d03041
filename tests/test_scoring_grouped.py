"""StreamingScores(task="grouped"): equal to grouped_softmax_cross_entropy and
grouped_accuracy on the concatenated data, for any chunking, merge order and
JSON resume; clear errors; `xentc score --task grouped` end to end."""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import softmax

import xentc
from xentc.grouped import grouped_accuracy, grouped_softmax_cross_entropy
from xentc.scoring import StreamingScores

GROUPS = [12, 7, 5]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(xentc.__file__)))


def make(n=1500, groups=GROUPS, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sum(groups))) * 2
    # a confident model, so exact-match accuracy is far from 0
    y = np.stack([rng.integers(0, c, n) for c in groups], axis=1)
    offsets = np.concatenate([[0], np.cumsum(groups)])
    for g in range(len(groups)):
        x[np.arange(n), offsets[g] + y[:, g]] += 3.0
    x[::13, 0] = x[::13, 1]  # ties in group 0
    w = rng.random(n) * 2
    w[::11] = 0.0
    return y, x.astype(dtype), w


def expected(y, x, w=None, groups=GROUPS):
    loss = grouped_softmax_cross_entropy(x, y, groups=groups, sample_weight=w)
    entries = grouped_softmax_cross_entropy(x, y, groups=groups, reduction="none")
    acc = grouped_accuracy(y, x, groups=groups)
    return loss, entries, acc


def chunked(y, x, w, cuts, **kw):
    s = StreamingScores(task="grouped", groups=GROUPS, **kw)
    edges = [0, *cuts, len(y)]
    for a, b in itertools.pairwise(edges):
        s.update(y[a:b], x[a:b], None if w is None else w[a:b])
    return s


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_grouped_loss_and_accuracy(dtype):
    y, x, _ = make(dtype=dtype)
    loss, entries, acc = expected(y, x)
    r = chunked(y, x, None, [100, 101, 900]).result()
    assert r["task"] == "grouped" and r["n_samples"] == len(y) and r["weight_sum"] == len(y)
    assert r["log_loss"] == pytest.approx(loss, rel=1e-12, abs=0)
    assert r["accuracy"] == acc["exact_match"]
    assert 0.1 < r["accuracy"] < 0.99  # informative data, not a degenerate 0 or 1
    assert [e["size"] for e in r["per_group"]] == GROUPS
    for g, e in enumerate(r["per_group"]):
        assert e["log_loss"] == pytest.approx(np.mean(entries[:, g], dtype=np.float64), rel=1e-12)
        assert e["accuracy"] == pytest.approx(acc["per_group"][g], rel=1e-15)
    # metrics the grouped task does not define are left out, as top-k is for binary
    assert not {"top_k_accuracy", "brier", "ece", "reliability", "per_class"} & set(r)


def test_sample_weight_matches_weighted_mean():
    y, x, w = make()
    r = chunked(y, x, w, [700]).result()
    loss = grouped_softmax_cross_entropy(x, y, groups=GROUPS, sample_weight=w)
    assert r["log_loss"] == pytest.approx(loss, rel=1e-12)
    assert r["weight_sum"] == pytest.approx(w.sum(), rel=1e-15)
    right = (
        np.stack(
            [
                np.argmax(x[:, a:b], axis=1)
                for a, b in zip(np.cumsum([0] + GROUPS[:-1]), np.cumsum(GROUPS))
            ],
            axis=1,
        )
        == y
    )
    assert r["accuracy"] == pytest.approx(np.dot(w, right.all(axis=1)) / w.sum(), rel=1e-12)
    assert r["per_group"][1]["accuracy"] == pytest.approx(
        np.dot(w, right[:, 1]) / w.sum(), rel=1e-12
    )


def test_three_d_logits_without_groups():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((400, 4, 6)).astype(np.float32)
    y = rng.integers(0, 6, (400, 4))
    s = StreamingScores(task="grouped")
    s.update(y[:150], x[:150]).update(y[150:], x[150:])
    r = s.result()
    assert r["log_loss"] == pytest.approx(grouped_softmax_cross_entropy(x, y), rel=1e-12)
    assert r["accuracy"] == grouped_accuracy(y, x)["exact_match"]
    assert [e["size"] for e in r["per_group"]] == [6] * 4
    with pytest.raises(ValueError, match="groups"):  # later chunk with other group sizes
        s.update(y[:, :3], x[:, :3])


def test_probabilities_match_logits():
    y, x, w = make()
    offsets = np.concatenate([[0], np.cumsum(GROUPS)])
    p = np.concatenate(
        [softmax(x[:, a:b], axis=1) for a, b in itertools.pairwise(offsets)], axis=1
    )
    rl = chunked(y, x, w, [500]).result()
    rp = chunked(y, p, w, [333, 1000], inputs="probabilities").result()
    assert rp["log_loss"] == pytest.approx(rl["log_loss"], rel=1e-9)
    assert rp["accuracy"] == pytest.approx(rl["accuracy"], rel=1e-12)
    p[5, 0] = 1.5
    with pytest.raises(ValueError, match="row 5"):
        chunked(y, p, None, [], inputs="probabilities")


def test_chunkings_and_merge_orders_agree():
    y, x, w = make(n=3000, seed=5)
    rng = np.random.default_rng(7)
    ref = chunked(y, x, w, []).result()
    for _ in range(6):
        cuts = sorted(rng.choice(np.arange(1, len(y)), size=rng.integers(1, 8), replace=False))
        edges = [0, *cuts, len(y)]
        parts = []
        for a, b in itertools.pairwise(edges):
            p = StreamingScores(task="grouped", groups=GROUPS)
            parts.append(p.update(y[a:b], x[a:b], w[a:b]))
        total = StreamingScores(task="grouped", groups=GROUPS)
        for i in rng.permutation(len(parts)):
            total.merge(parts[i])
        r = total.result()
        assert r["n_samples"] == ref["n_samples"]
        for key in ("log_loss", "accuracy", "weight_sum"):
            assert r[key] == pytest.approx(ref[key], rel=1e-12)
        for e, f in zip(r["per_group"], ref["per_group"]):
            assert e["log_loss"] == pytest.approx(f["log_loss"], rel=1e-12)
            assert e["accuracy"] == pytest.approx(f["accuracy"], rel=1e-12)


def test_json_resume_and_merge_mismatch():
    y, x, w = make()
    s = chunked(y[:600], x[:600], w[:600], [250])
    resumed = StreamingScores.from_dict(json.loads(json.dumps(s.to_dict())))
    assert resumed.result() == s.result()
    resumed.update(y[600:], x[600:], w[600:])
    assert resumed.result()["log_loss"] == pytest.approx(
        grouped_softmax_cross_entropy(x, y, groups=GROUPS, sample_weight=w), rel=1e-12
    )
    other = StreamingScores(task="grouped", groups=[12, 12])
    with pytest.raises(ValueError, match="different options"):
        resumed.merge(other)
    # an equal-groups state from 3-D logits refuses other sizes on merge
    a = StreamingScores(task="grouped").update(np.zeros((2, 2), int), np.zeros((2, 2, 3)))
    b = StreamingScores(task="grouped").update(np.zeros((2, 3), int), np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="cannot merge"):
        a.merge(b)


def test_auto_never_infers_grouped():
    y, x, _ = make(n=200)
    s = StreamingScores().update((y > 0).astype(int), x[:, :3])
    assert s.result()["task"] == "multilabel"


@pytest.mark.parametrize(
    "kwargs, y_change, x_change, match",
    [
        (
            {},
            lambda y: y + np.array([0, 7, 0]),
            None,
            r"y_true\[50, 1\] = \d+ is out of range: group 1 has 7",
        ),
        ({}, lambda y: y[:, :2], None, r"y_true .*shape \(n_samples, n_groups\)"),
        ({}, None, lambda x: x[:, :-1], "y_pred has 23 columns but groups"),
        ({}, lambda y: y.astype(float) + 0.5, None, "y_true must be integers"),
        ({}, None, lambda x: x[:, None], "y_pred must be 2-D"),
    ],
)
def test_bad_input_names_argument_and_keeps_state(kwargs, y_change, x_change, match):
    y, x, _ = make(n=50)
    s = StreamingScores(task="grouped", groups=GROUPS, **kwargs).update(y, x)
    before = s.to_dict()
    y2 = y_change(y) if y_change else y
    x2 = x_change(x) if x_change else x
    with pytest.raises(ValueError, match=match):
        s.update(y2, x2)
    assert s.to_dict() == before


def test_bad_row_is_global_and_options_checked():
    y, x, _ = make(n=100)
    s = StreamingScores(task="grouped", groups=GROUPS).update(y[:40], x[:40])
    bad = y[40:].copy()
    bad[17, 2] = -1
    with pytest.raises(ValueError, match=r"y_true\[57, 2\] = -1"):
        s.update(bad, x[40:])
    x2 = x[40:].copy()
    x2[3, 20] = np.nan
    with pytest.raises(ValueError, match="y_pred row 43 contains NaN"):
        s.update(y[40:], x2)
    with pytest.raises(ValueError, match="groups is for task='grouped' only"):
        StreamingScores(task="multiclass", groups=GROUPS)
    with pytest.raises(ValueError, match="groups"):
        StreamingScores(task="grouped", groups=[3, 0])
    with pytest.raises(TypeError, match="groups"):
        StreamingScores(task="grouped", groups=3)


# -- CLI -------------------------------------------------------------------


def run(args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "xentc", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_grouped_end_to_end(tmp_path):
    y, x, _ = make(n=3000, dtype=np.float32)
    np.save(tmp_path / "p.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "d.npz", y_pred=x, y_true=y)
    proc = run(
        [
            "score",
            "p.npy",
            "--labels",
            "y.npy",
            "--task",
            "grouped",
            "--groups",
            "12,7,5",
            "--chunk-rows",
            "700",
            "--no-progress",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert {
        "task",
        "inputs",
        "n_samples",
        "weight_sum",
        "log_loss",
        "accuracy",
        "per_group",
        "files",
    } <= set(rep) and "ece" not in rep
    assert rep["task"] == "grouped" and rep["inputs"] == "logits" and rep["n_samples"] == 3000
    loss, _, acc = expected(y, x)
    assert rep["log_loss"] == pytest.approx(loss, rel=1e-12)
    assert rep["accuracy"] == acc["exact_match"]
    proc = run(
        ["score", "d.npz", "--task", "grouped", "--groups", "12,7,5", "--no-progress"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["log_loss"] == pytest.approx(loss, rel=1e-12)
    # --inputs auto: every group's block a probability row -> probabilities
    offsets = np.concatenate([[0], np.cumsum(GROUPS)])
    p = np.concatenate(
        [softmax(x[:, a:b].astype(np.float64), axis=1) for a, b in itertools.pairwise(offsets)],
        axis=1,
    )
    np.save(tmp_path / "pp.npy", p)
    proc = run(
        [
            "score",
            "pp.npy",
            "--labels",
            "y.npy",
            "--task",
            "grouped",
            "--groups",
            "12,7,5",
            "--no-progress",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["inputs"] == "probabilities"
    assert rep["log_loss"] == pytest.approx(loss, rel=1e-6)
    assert rep["accuracy"] == acc["exact_match"]


def test_cli_grouped_bad_input_exits_2_one_line(tmp_path):
    y, x, _ = make(n=1000, dtype=np.float32)
    y[800, 1] = 7
    np.save(tmp_path / "p.npy", x)
    np.save(tmp_path / "y.npy", y)
    proc = run(
        [
            "score",
            "p.npy",
            "--labels",
            "y.npy",
            "--task",
            "grouped",
            "--groups",
            "12,7,5",
            "--chunk-rows",
            "300",
            "--no-progress",
        ],
        tmp_path,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "y.npy" in lines[0] and "y_true[800, 1] = 7" in lines[0]
    proc = run(
        ["score", "p.npy", "--labels", "y.npy", "--task", "grouped", "--groups", "12,x"], tmp_path
    )
    assert proc.returncode == 2 and "--groups" in proc.stderr


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_layouts_and_threads_give_identical_results(layout):
    y, x, w = make(n=800, dtype=np.float32)
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided":
        wide = np.zeros((x.shape[0], 2 * x.shape[1]), dtype=x.dtype)
        wide[:, ::2] = x
        x = wide[:, ::2]
    x_before, y_before = x.copy(), y.copy()
    ref = chunked(y, np.ascontiguousarray(x), w, [300], n_threads=1).result()
    for nt in (1, 2, 4):
        assert chunked(y, x, w, [300], n_threads=nt).result() == ref
    assert np.array_equal(x, x_before) and np.array_equal(y, y_before)  # inputs untouched


def test_infinite_entry_loss_at_zero_weight_counts_as_zero():
    y, x, w = make(n=60)
    x = x.copy()
    x[4, y[4, 0]] = -np.inf  # the true class impossible: infinite loss at entry (4, 0)
    w = w.copy()
    w[4] = 0.0
    r = chunked(y, x, w, [30]).result()
    keep = np.arange(60) != 4
    want = grouped_softmax_cross_entropy(x[keep], y[keep], groups=GROUPS, sample_weight=w[keep])
    assert r["log_loss"] == pytest.approx(want, rel=1e-12)
    w[4] = 1.0
    assert chunked(y, x, w, [30]).result()["log_loss"] == np.inf


def test_metrics_subset():
    y, x, _ = make(n=100)
    r = StreamingScores(task="grouped", groups=GROUPS, metrics=["log_loss"]).update(y, x).result()
    assert "accuracy" not in r and all(set(e) == {"size", "log_loss"} for e in r["per_group"])
    assert r["log_loss"] == pytest.approx(
        grouped_softmax_cross_entropy(x, y, groups=GROUPS), rel=1e-12
    )
    with pytest.raises(ValueError, match="metrics for task='grouped'"):
        StreamingScores(task="grouped", groups=GROUPS, metrics=["ece", "brier"])
