"""xentc.dask on a real distributed cluster: two worker processes on loopback.

Every result is compared with the eager (in-memory) xentc call on the same
rows; chunkings are deliberately odd (empty blocks, a split class axis,
blocks of one row).
"""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import xentc
import xentc.dask as xd

ROWS = ((1, 40, 0, 77, 5), (3, 4))  # 123 rows; the class axis split in two


@pytest.fixture(scope="module")
def client():
    # loopback only; nannies restart a killed worker process
    with xd.local_cluster(2, threads_per_worker=1) as cluster, distributed.Client(cluster) as c:
        assert c.scheduler.address.startswith("tcp://127.0.0.1:")
        yield c


def _logits(dtype, n=123, c=7, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c)) * 3).astype(dtype)


def test_import_xentc_does_not_import_dask():
    code = (
        "import sys, xentc; bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('dask', 'distributed', 'xentc.dask')); "
        "assert not bad and 'xentc.dask' not in sys.modules, bad"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# ---------------------------------------------------------------------------
# lazy primitives == eager


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_like_equals_eager(client, op, dtype):
    x = _logits(dtype)
    lazy = getattr(xd, op)(da.from_array(x, chunks=ROWS))
    assert lazy.dtype == dtype and lazy.chunks == (ROWS[0], (7,))
    assert isinstance(lazy._meta, np.ndarray)
    np.testing.assert_array_equal(lazy.compute(), getattr(xentc, op)(x))
    # along axis 0: the row axis is the one rechunked
    np.testing.assert_array_equal(
        getattr(xd, op)(da.from_array(x, chunks=ROWS), axis=0).compute(),
        getattr(xentc, op)(x, axis=0),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_equals_eager(client, dtype):
    x = _logits(dtype)
    X = da.from_array(x, chunks=ROWS)
    for axis, keepdims in [(-1, False), (1, True), (0, False), (0, True)]:
        lazy = xd.logsumexp(X, axis=axis, keepdims=keepdims)
        eager = xentc.logsumexp(x, axis=axis, keepdims=keepdims)
        assert lazy.shape == eager.shape and lazy.dtype == eager.dtype
        np.testing.assert_array_equal(lazy.compute(), eager, err_msg=f"axis={axis}")
    for keepdims in (False, True):
        lazy = xd.logsumexp(X, axis=None, keepdims=keepdims)
        eager = xentc.logsumexp(x, axis=None, keepdims=keepdims)
        assert lazy.shape == eager.shape and lazy.dtype == eager.dtype
        rtol = 1e-12 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(lazy.compute(), eager, rtol=rtol)


def test_sigmoid_equals_eager_any_chunking(client):
    x = _logits(np.float32).reshape(-1)
    lazy = xd.sigmoid(da.from_array(x, chunks=(1, 300, 0, 560)))
    assert lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(), xentc.sigmoid(x))


def test_lazy_primitives_compose_with_a_dask_graph(client):
    x = _logits(np.float64)
    X = da.from_array(x, chunks=ROWS)
    # expected cross-entropy of the softmax against itself: an entropy per row
    lazy = -(xd.softmax(X) * xd.log_softmax(X)).sum(axis=1).mean()
    eager = -(xentc.softmax(x) * xentc.log_softmax(x)).sum(axis=1).mean()
    np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12)


def test_integer_input_computes_in_float64(client):
    x = np.arange(12).reshape(3, 4)
    lazy = xd.softmax(da.from_array(x, chunks=2))
    assert lazy.dtype == np.float64
    np.testing.assert_array_equal(lazy.compute(), xentc.softmax(x))


# ---------------------------------------------------------------------------
# lazy losses == eager; "mean" is the global weighted mean


def _labels(n=123, c=7, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    y[::6] = -100
    return y, rng.random(n) * 3


SPARSE_OPTIONS = [
    {},
    {"ignore_index": -100, "sample_weight": True},
    {"ignore_index": -100, "class_weight": np.arange(1.0, 8.0), "label_smoothing": 0.1},
    {"ignore_index": -100, "class_weight": "balanced", "sample_weight": True},
    {"ignore_index": -100, "class_weight": {0: 5.0, 3: 0.5}},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("opts", SPARSE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_sparse_softmax_ce_equals_eager(client, opts, reduction, dtype):
    x = _logits(dtype)
    y, w = _labels()
    if "ignore_index" not in opts:
        y = np.abs(y) % 7
    kw = {**opts, "sample_weight": w} if opts.get("sample_weight") else opts
    lazy_kw = {**kw, "sample_weight": da.from_array(w, chunks=50)} if "sample_weight" in kw else kw
    lazy = xd.sparse_softmax_cross_entropy(
        da.from_array(x, chunks=ROWS), da.from_array(y, chunks=31), reduction=reduction, **lazy_kw
    )
    eager = xentc.sparse_softmax_cross_entropy(x, y, reduction=reduction, **kw)
    if reduction == "none":
        assert lazy.dtype == dtype and lazy.chunks == (ROWS[0],)
        np.testing.assert_array_equal(lazy.compute(), eager)
    else:
        assert lazy.shape == () and lazy.dtype == np.float64
        np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12)


def test_sparse_mean_is_not_a_mean_of_block_means(client):
    x = _logits(np.float64)
    y, w = _labels()
    chunks = (10, 113)  # unequal weight per block: a mean of means would be wrong
    lazy = xd.sparse_softmax_cross_entropy(
        da.from_array(x, chunks=(chunks, 7)), y, sample_weight=w, ignore_index=-100
    ).compute()
    eager = xentc.sparse_softmax_cross_entropy(x, y, sample_weight=w, ignore_index=-100)
    block_means = [
        xentc.sparse_softmax_cross_entropy(x[s], y[s], sample_weight=w[s], ignore_index=-100)
        for s in (slice(0, 10), slice(10, None))
    ]
    assert abs(np.mean(block_means) - eager) > 1e-3
    assert lazy == pytest.approx(eager, rel=1e-12)


def test_sparse_all_ignored_mean_is_nan(client):
    x = _logits(np.float64, n=10)
    y = np.full(10, -1)
    lazy = xd.sparse_softmax_cross_entropy(da.from_array(x, chunks=3), y, ignore_index=-1)
    assert np.isnan(lazy.compute())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("ndim", [1, 2])
def test_sigmoid_ce_equals_eager(client, ndim, reduction, dtype):
    rng = np.random.default_rng(2)
    x = _logits(dtype)
    t = (rng.random(x.shape) < 0.3).astype(dtype)
    pos_weight = np.linspace(0.5, 3.0, 7) if ndim == 2 else 2.0
    if ndim == 1:
        x, t = x[:, 0], t[:, 0]
    w = rng.random(x.shape[0])
    X = da.from_array(x, chunks=ROWS[:ndim])
    lazy = xd.sigmoid_cross_entropy(
        X,
        da.from_array(t, chunks=40),
        pos_weight=pos_weight,
        sample_weight=w,
        label_smoothing=0.05,
        reduction=reduction,
    )
    eager = xentc.sigmoid_cross_entropy(
        x, t, pos_weight=pos_weight, sample_weight=w, label_smoothing=0.05, reduction=reduction
    )
    if reduction == "none":
        assert lazy.dtype == dtype and lazy.shape == x.shape
        np.testing.assert_array_equal(lazy.compute(), eager)
    else:
        # the eager float32 sum itself moves by ~1e-8 relative when its rows
        # are split in two (partial sums rounded in float32 lanes)
        np.testing.assert_allclose(
            lazy.compute(), eager, rtol=1e-12 if dtype == np.float64 else 1e-6
        )


def test_bad_input_fails_when_the_graph_is_built():
    X = da.zeros((4, 3), chunks=2)
    with pytest.raises(TypeError, match="x"):
        xd.softmax(da.from_array(np.array(["a", "b"])))
    with pytest.raises(ValueError, match="reduction"):
        xd.sparse_softmax_cross_entropy(X, np.zeros(4, int), reduction="avg")
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\); got \(5,\)"):
        xd.sparse_softmax_cross_entropy(X, np.zeros(5, int))
    with pytest.raises(TypeError, match="labels must be integers"):
        xd.sparse_softmax_cross_entropy(X, np.zeros(4))
    with pytest.raises(ValueError, match="logits must be 2-D"):
        xd.sparse_softmax_cross_entropy(X[0], np.zeros(4, int))
    with pytest.raises(ValueError, match="class_weight"):
        xd.sparse_softmax_cross_entropy(X, np.zeros(4, int), class_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="pos_weight"):
        xd.sigmoid_cross_entropy(X, np.zeros((4, 3)), pos_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        xd.log_softmax(X, axis=2)
    with pytest.raises(TypeError, match="n_threads"):
        xd.sigmoid(X, n_threads=1.5)


def test_bad_labels_raise_the_eager_error_at_compute(client):
    X = da.zeros((4, 3), chunks=2)
    with pytest.raises(ValueError, match="labels"):
        xd.sparse_softmax_cross_entropy(X, np.array([0, 1, 7, 0])).compute()


# ---------------------------------------------------------------------------
# threads per task


def test_task_threads_rule(client):
    assert xd._task_threads(3) == 3
    assert xd._task_threads(None) is None  # main thread: the synchronous scheduler
    seen = []
    t = threading.Thread(target=lambda: seen.append(xd._task_threads(None)))
    t.start()
    t.join()
    assert seen == [1]  # a thread of the local threaded scheduler
    # one thread per worker: OpenMP's default there, which the nanny sets to 1
    got = client.gather(
        client.map(
            lambda i: (xd._task_threads(None), xentc.get_config()["default_n_threads"]), range(4)
        )
    )
    assert got == [(None, 1)] * 4


# ---------------------------------------------------------------------------
# score == StreamingScores on the concatenated rows


def _assert_same_report(got, want, rtol=1e-12, path="report"):
    assert type(got) is type(want) or (isinstance(got, float) and isinstance(want, float)), path
    if isinstance(want, dict):
        assert got.keys() == want.keys(), path
        for key in want:
            _assert_same_report(got[key], want[key], rtol, f"{path}[{key!r}]")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same_report(g, w, rtol, f"{path}[{i}]")
    elif isinstance(want, float):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15, equal_nan=True, err_msg=path)
    else:
        assert got == want, path


def _in_memory(y_true, y_pred, w=None, **options):
    from xentc.scoring import StreamingScores

    return StreamingScores(**options).update(y_true, y_pred, sample_weight=w).result()


def _task_data(task, dtype, n=1001, c=6, seed=3):
    rng = np.random.default_rng(seed)
    if task == "binary":
        return rng.integers(0, 2, n), (rng.standard_normal(n) * 2).astype(dtype)
    x = (rng.standard_normal((n, c)) * 2).astype(dtype)
    if task == "multiclass":
        return rng.integers(0, c, n), x
    return (rng.random((n, c)) < 0.3).astype(np.int8), x


ODD_ROWS = [(1001,), (1, 500, 0, 13, 487), (97,) * 10 + (31,)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", ODD_ROWS, ids=lambda r: f"{len(r)}blocks")
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_score_arrays_equal_in_memory(client, task, rows, dtype):
    y, x = _task_data(task, dtype)
    w = np.random.default_rng(4).random(x.shape[0]) * 2
    chunks = (rows,) if x.ndim == 1 else (rows, (2, 4))  # class axis split too
    got = xd.score(
        da.from_array(y, chunks=300),
        da.from_array(x, chunks=chunks),
        sample_weight=da.from_array(w, chunks=(1001,)),
        k=3,
        n_bins=7,
        split_every=3,
    )
    want = _in_memory(y, x, w, k=3, n_bins=7)
    assert got["task"] == task
    _assert_same_report(got, want)


def test_score_probabilities_labels_and_metrics(client):
    y, x = _task_data("multiclass", np.float64)
    p = xentc.softmax(x)
    names = np.array(["a", "b", "c", "d", "e", "f"])
    opts = dict(inputs="probabilities", labels=names, metrics=["log_loss", "per_class", "ece"])
    got = xd.score(da.from_array(names[y], chunks=100), da.from_array(p, chunks=(333, 6)), **opts)
    _assert_same_report(got, _in_memory(names[y], p, **opts))


def test_score_one_column_against_labels_is_binary(client):
    y, x = _task_data("binary", np.float64)
    got = xd.score(da.from_array(y, chunks=100), da.from_array(x[:, None], chunks=(250, 1)))
    assert got["task"] == "binary"
    _assert_same_report(got, _in_memory(y, x[:, None]))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_score_dataframe_columns_equal_in_memory(client, task):
    y, x = _task_data(task, np.float64)
    w = np.random.default_rng(5).random(x.shape[0])
    pdf = pd.DataFrame({"w": w})
    if x.ndim == 1:
        pdf["score"] = x
    else:
        for j in range(x.shape[1]):
            pdf[f"logit_{j}"] = x[:, j]
    if y.ndim == 1:
        pdf["y"] = y
    else:
        for j in range(y.shape[1]):
            pdf[f"y_{j}"] = y[:, j]
    df = dd.from_pandas(pdf, npartitions=7)
    pred = df["score"] if x.ndim == 1 else df[[f"logit_{j}" for j in range(x.shape[1])]]
    true = df["y"] if y.ndim == 1 else df[[f"y_{j}" for j in range(y.shape[1])]]
    got = xd.score(true, pred, sample_weight=df["w"], n_bins=5)
    _assert_same_report(got, _in_memory(y, x, w, n_bins=5))


def test_metric_wrappers_equal_one_shot_metrics(client):
    y, x = _task_data("multiclass", np.float64)
    w = np.random.default_rng(6).random(x.shape[0])
    X, Y, W = da.from_array(x, chunks=(123, 6)), da.from_array(y, chunks=200), w
    np.testing.assert_allclose(
        xd.log_loss(Y, X, sample_weight=W),
        xentc.log_loss(y, x, sample_weight=w, from_logits=True),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        xd.top_k_accuracy_score(Y, X, k=3, sample_weight=W),
        xentc.top_k_accuracy_score(y, x, k=3, sample_weight=w),
        rtol=1e-12,
    )
    hits = (np.argmax(x, axis=1) == y).astype(float)
    np.testing.assert_allclose(
        xd.accuracy(Y, X, sample_weight=W), np.average(hits, weights=w), rtol=1e-12
    )


def test_score_bad_input():
    y, x = _task_data("multiclass", np.float64, n=20)
    X = da.from_array(x, chunks=5)
    with pytest.raises(ValueError, match="task"):
        xd.score(y, X, task="ranking")  # before any task runs
    with pytest.raises(ValueError, match="split_every"):
        xd.score(y, X, split_every=1)
    with pytest.raises(ValueError, match=r"y_true must have shape \(20,\); got \(19,\)"):
        xd.score(y[:19], X)
    with pytest.raises(TypeError, match="Dask Series"):
        xd.score(y, dd.from_pandas(pd.DataFrame(x), npartitions=2))


def test_score_bad_label_raises_at_compute(client):
    y, x = _task_data("multiclass", np.float64, n=20)
    y[13] = 9
    with pytest.raises(ValueError, match="y_true"):
        xd.score(da.from_array(y, chunks=5), da.from_array(x, chunks=5))


# ---------------------------------------------------------------------------
# the fault we promise to survive: a worker process killed mid-computation


def test_score_survives_a_killed_worker(client):
    y, x = _task_data("multiclass", np.float64, n=4000)
    want = _in_memory(y, x)
    # 40 blocks of ~0.05 s each on 2 single-thread workers: ~1 s of work
    X = da.from_array(x, chunks=(100, 6)).map_blocks(
        lambda b: (time.sleep(0.05), b)[1], dtype=x.dtype
    )
    pids = client.run(os.getpid)
    victim = min(pids)
    killed = []

    def kill():
        killed.append(time.perf_counter())
        os.kill(pids[victim], signal.SIGKILL)

    timer = threading.Timer(0.4, kill)
    timer.start()
    got = xd.score(da.from_array(y, chunks=100), X)
    finished = time.perf_counter()
    timer.join()
    assert killed and killed[0] < finished  # the kill happened while score ran
    _assert_same_report(got, want)
    client.wait_for_workers(2, timeout=30)
    assert victim not in client.run(os.getpid)  # the nanny started a new worker


# ---------------------------------------------------------------------------
# `xentc score DIR|GLOB --workers N | --scheduler ADDRESS`


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(7)
    n, c = 20_000, 5
    x = (rng.standard_normal((n, c)) * 2).astype(np.float32)
    table = pd.DataFrame({f"logit_{j}": x[:, j] for j in range(c)})
    table["y_true"] = rng.integers(0, c, n)
    table["sample_weight"] = rng.random(n)
    root = tmp_path_factory.mktemp("scores")
    table.to_parquet(root / "all.parquet")
    parts = root / "parts"
    parts.mkdir()
    for i, (a, b) in enumerate([(0, 6000), (6000, 6001), (6001, 6001), (6001, 20_000)]):
        table.iloc[a:b].to_parquet(parts / f"part-{i}.parquet")  # one holds no rows
    return root


def _cli(argv, capsys):
    from xentc.cli import main

    code = main(["score", *argv, "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def _numbers_only(report):
    return {k: v for k, v in report.items() if k not in ("files", "elapsed_s", "rows_per_s")}


@pytest.mark.parametrize("how", ["scheduler-dir", "scheduler-glob", "workers"])
def test_cli_distributed_report_equals_single_file(client, parquet_dir, capsys, how):
    import json

    code, out, _ = _cli([str(parquet_dir / "all.parquet")], capsys)
    assert code == 0
    single = json.loads(out)
    target = {
        "scheduler-dir": [str(parquet_dir / "parts")],
        "scheduler-glob": [str(parquet_dir / "parts" / "part-*.parquet")],
        "workers": [str(parquet_dir / "parts")],
    }[how]
    where = ["--workers", "1"] if how == "workers" else ["--scheduler", client.scheduler.address]
    code, out, err = _cli(target + where, capsys)
    assert code == 0, err
    report = json.loads(out)
    _assert_same_report(_numbers_only(report), _numbers_only(single))
    assert report["n_samples"] == 20_000
    assert "[4 files]" in report["files"]["y_pred"]


def test_cli_distributed_bad_input_is_one_line(client, parquet_dir, capsys, tmp_path):
    addr = ["--scheduler", client.scheduler.address]
    cases = [
        ([str(parquet_dir / "parts")], "pass --workers N or --scheduler ADDRESS"),
        ([str(tmp_path / "*.parquet"), *addr], "no .parquet files match"),
        ([str(parquet_dir / "parts"), "--labels", "y.npy", *addr], "must be columns"),
        ([str(parquet_dir / "parts"), "--label-column", "nope", *addr], "nope"),
    ]
    bad = tmp_path / "bad"
    bad.mkdir()
    frame = pd.DataFrame({"a": [0.1, 0.2], "b": [0.3, 0.1], "y_true": [0, 1]})
    frame.to_parquet(bad / "0.parquet")
    frame.assign(y_true=[1, 5]).to_parquet(bad / "1.parquet")
    cases.append(([str(bad), *addr], "1.parquet"))  # the file holding the bad label
    for argv, expected in cases:
        code, out, err = _cli(argv, capsys)
        assert code == 2 and out == "", argv
        assert err.count("\n") == 1 and expected in err, err
