"""`xentc score` end to end in a subprocess: every input format gives the
numbers of StreamingScores on the same arrays, bad input exits 2 with one
line naming file, column and row, the report is strict JSON of a fixed
schema, the plot is a PNG, and memory stays bounded for a file bigger than
the address-space headroom the process is given."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import xentc
from xentc.scoring import StreamingScores

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(xentc.__file__)))
REPORT_KEYS = {
    "task",
    "inputs",
    "n_samples",
    "weight_sum",
    "log_loss",
    "accuracy",
    "top_k_accuracy",
    "k",
    "brier",
    "ece",
    "reliability",
    "per_class",
    "files",
    "elapsed_s",
    "rows_per_s",
    "xentc_version",
}


def run(args, cwd, env_extra=None, module=True):
    """`python -m xentc ARGS` (module=False: `python ARGS`) in cwd."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", **(env_extra or {}))
    cmd = [sys.executable, "-m", "xentc"] if module else [sys.executable]
    return subprocess.run(
        [*cmd, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def run_here(args, cwd, capsys, monkeypatch):
    """xentc.cli.main(ARGS) in this process: the same code path as the
    command without the interpreter start (the subprocess tests cover that)."""
    from types import SimpleNamespace

    from xentc.cli import main

    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out, stderr=err)


def scored(proc):
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(3)
    n, c = 3000, 4
    z = rng.standard_normal((n, c)).astype(np.float32) * 2
    y = rng.integers(0, c, n)
    w = rng.random(n)
    np.save(d / "z.npy", z)
    np.save(d / "zf.npy", np.asfortranarray(z))
    np.save(d / "y.npy", y)
    np.save(d / "w.npy", w)
    np.savez_compressed(d / "all.npz", y_pred=z, y_true=y, sample_weight=w)
    table = pa.table({**{f"p{j}": z[:, j] for j in range(c)}, "y_true": y, "sample_weight": w})
    pq.write_table(table, d / "all.parquet", row_group_size=700)
    pcsv.write_csv(table, d / "all.csv")
    names = np.array(["cat", "dog", "emu", "fox"])
    pcsv.write_csv(
        pa.table({**{names[j]: z[:, j].astype(np.float64) for j in range(c)}, "animal": names[y]}),
        d / "names.csv",
    )
    lists = pa.FixedSizeListArray.from_arrays(pa.array(z.ravel()), c)
    pq.write_table(pa.table({"logits": lists, "label": y}), d / "lists.parquet")
    pq.write_table(pa.table({"label": y}), d / "labels.parquet")
    return d, z, y, w


def expected(z, y, w=None, **kw):
    return StreamingScores(**kw).update(y, z, w).result()


def same_numbers(report, ref):
    for key in ("log_loss", "accuracy", "top_k_accuracy", "brier", "ece"):
        np.testing.assert_allclose(report[key], ref[key], rtol=1e-12, err_msg=key)
    assert report["n_samples"] == ref["n_samples"]
    assert report["reliability"]["count"] == ref["reliability"]["count"]


FORMATS = {
    "npy": (["z.npy", "--labels", "y.npy"], False),
    "npy-fortran-weights": (["zf.npy", "--labels", "y.npy", "--weights", "w.npy"], True),
    "npz": (["all.npz"], True),
    "parquet": (["all.parquet"], True),
    "parquet-columns": (
        [
            "all.parquet",
            "--columns",
            "p0,p1,p2,p3",
            "--weight-column",
            "sample_weight",
            "--chunk-rows",
            "999",
        ],
        True,
    ),
    "parquet-list-column": (["lists.parquet", "--label-column", "label"], False),
    "npy+parquet-labels": (["z.npy", "--labels", "labels.parquet", "--chunk-rows", "512"], False),
    "csv": (["all.csv", "--chunk-rows", "1000"], True),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_scores_the_same_numbers(data, name, capsys, monkeypatch):
    d, z, y, w = data
    args, weighted = FORMATS[name]
    argv = ["score", *args, "--no-progress", "--k", "2"]
    if name == "npy":  # the real command once, the rest in-process
        report = scored(run(argv, d))
    else:
        report = scored(run_here(argv, d, capsys, monkeypatch))
    assert set(report) == REPORT_KEYS
    ref = expected(z.astype(np.float64) if name == "csv" else z, y, w if weighted else None, k=2)
    if name == "csv":  # decimal text of float32 values, read back as float64
        for key in ("log_loss", "accuracy", "top_k_accuracy", "brier"):
            np.testing.assert_allclose(report[key], ref[key], rtol=1e-6)
    else:
        same_numbers(report, ref)
    assert report["task"] == "multiclass" and report["inputs"] == "logits"
    assert report["files"]["y_pred"].startswith(args[0])


def test_string_labels_name_the_columns(data, capsys, monkeypatch):
    d, z, y, _ = data
    report = scored(
        run_here(
            ["score", "names.csv", "--label-column", "animal", "--no-progress"],
            d,
            capsys,
            monkeypatch,
        )
    )
    assert report["per_class"]["labels"] == ["cat", "dog", "emu", "fox"]
    np.testing.assert_allclose(
        report["log_loss"], expected(z.astype(np.float64), y)["log_loss"], rtol=1e-6
    )


def test_probabilities_are_detected_and_output_and_plot_written(data, tmp_path):
    d, z, y, _ = data
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.save(tmp_path / "p.npy", p)
    out, png = tmp_path / "report.json", tmp_path / "rel.png"
    proc = run(
        [
            "score",
            str(tmp_path / "p.npy"),
            "--labels",
            str(d / "y.npy"),
            "--output",
            str(out),
            "--plot",
            str(png),
            "--n-bins",
            "10",
        ],
        tmp_path,
    )
    report = scored(proc)
    assert report["inputs"] == "probabilities"
    same_numbers(report, expected(p, y, inputs="probabilities", n_bins=10))
    assert json.loads(out.read_text()) == report
    assert "rel.png" in proc.stderr
    mpimg = pytest.importorskip("matplotlib.image")
    image = mpimg.imread(png)
    assert image.ndim == 3 and image.shape[0] > 500 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05  # not a blank canvas


def bad_inputs(d, z, y):
    bad = z.copy()
    bad[1234, 2] = np.nan
    np.save(d / "nan.npy", bad)
    yb = y.copy()
    yb[77] = 9
    np.save(d / "yrange.npy", yb)
    np.save(d / "yshort.npy", y[:-3])
    np.save(d / "text.npy", np.array(["a", "b"] * 1500))
    with open(d / "nanlabel.csv", "w") as f:
        f.write("p0,p1,y_true\n0.1,0.2,1\n0.3,0.1,\n")


ERRORS = [
    (["missing.npy", "--labels", "y.npy"], ["missing.npy", "no such file"]),
    (
        ["z.npy", "--labels", "yshort.npy"],
        ["length mismatch", "z.npy", "3000", "yshort.npy", "2997"],
    ),
    (["all.parquet", "--label-column", "nope"], ["all.parquet", "no column 'nope'"]),
    (["all.csv", "--columns", "p0,zz"], ["all.csv", "no column 'zz'"]),
    (["text.npy", "--labels", "y.npy"], ["text.npy", "y_pred", "dtype"]),
    (["z.npy", "--labels", "yrange.npy"], ["yrange.npy", "row 77", "= 9"]),
    (["nan.npy", "--labels", "y.npy"], ["nan.npy", "row 1234", "NaN"]),
    (["nanlabel.csv"], ["nanlabel.csv", "'y_true'", "row 1"]),
    (["all.parquet", "--task", "binary"], ["all.parquet", "task 'binary'"]),
    (["z.npy"], ["z.npy", "--labels"]),
    (["z.txt"], ["z.txt"]),
    (["z.npy", "--labels", "y.npy", "--k", "0"], ["--k", "positive integer"]),
]


@pytest.mark.parametrize("args,words", ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_input_exits_2_with_one_line(data, args, words, capsys, monkeypatch):
    d, z, y, _ = data
    bad_inputs(d, z, y)
    argv = ["score", *args, "--no-progress"]
    if args[0] == "nan.npy":  # the real command once, the rest in-process
        proc = run(argv, d)
    else:
        try:
            proc = run_here(argv, d, capsys, monkeypatch)
        except SystemExit as exc:  # argparse's usage errors exit from inside
            out, err = capsys.readouterr()
            from types import SimpleNamespace

            proc = SimpleNamespace(returncode=exc.code, stdout=out, stderr=err)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xentc score: error: "), proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_demo_version_config_and_help(tmp_path):
    proc = run(["score", "--demo", "--no-progress"], tmp_path, {"TMPDIR": str(tmp_path)})
    report = scored(proc)
    assert report["n_samples"] == 1_000_000 and report["task"] == "multiclass"
    assert 0.02 < report["ece"] < 0.2  # over-confident by construction
    conf = np.array(report["reliability"]["confidence"], dtype=float)
    acc = np.array(report["reliability"]["accuracy"], dtype=float)
    filled = np.array(report["reliability"]["count"]) > 1000
    assert (conf[filled] > acc[filled]).all()
    assert (tmp_path / "xentc-demo" / "demo_logits.npy").exists()
    assert "reliability.png" in proc.stderr
    assert run(["--version"], tmp_path).stdout.strip() == f"xentc {xentc.__version__}"
    assert "xentc" in run(["config"], tmp_path).stdout


def test_help_lists_every_option(capsys):
    from xentc.cli import main

    with pytest.raises(SystemExit):
        main(["score", "--help"])
    helptext = capsys.readouterr().out
    for option in (
        "--labels",
        "--label-column",
        "--columns",
        "--inputs",
        "--task",
        "--k",
        "--n-bins",
        "--weights",
        "--weight-column",
        "--chunk-rows",
        "--n-threads",
        "--output",
        "--plot",
        "--no-progress",
        "--demo",
    ):
        assert option in helptext


RLIMIT_RUNNER = textwrap.dedent("""
    import resource, sys
    limit = int(sys.argv[1])
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from xentc.cli import main
    code = main(sys.argv[2:])
    with open("/proc/self/status") as f:
        peak = [l for l in f if l.startswith("VmPeak")][0].split()[1]
    print("VMPEAK", int(peak) * 1024, file=sys.stderr)
    sys.exit(code)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc")
def test_file_bigger_than_the_memory_headroom(tmp_path):
    """Score a 200 MB .npy under an address-space limit of (the peak of the
    same command on a tiny file) + 120 MB: loading or mapping the file whole
    would need more than that."""
    rng = np.random.default_rng(0)
    n, c = 250_000, 100
    with open(tmp_path / "big.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (n, c)}
        )
        for _ in range(n // 25_000):
            rng.standard_normal((25_000, c)).tofile(f)
    np.save(tmp_path / "y.npy", rng.integers(0, c, n))
    np.save(tmp_path / "small.npy", rng.standard_normal((100, c)))
    np.save(tmp_path / "ys.npy", rng.integers(0, c, 100))
    (tmp_path / "runner.py").write_text(RLIMIT_RUNNER)
    common = ["--no-progress", "--n-threads", "1", "--chunk-rows", "8192"]
    base = run(
        ["runner.py", "0", "score", "small.npy", "--labels", "ys.npy", *common],
        tmp_path,
        module=False,
    )
    assert base.returncode == 0, base.stderr
    peak = int(base.stderr.split("VMPEAK")[1].split()[0])
    limit = peak + 120 * 2**20
    assert os.path.getsize(tmp_path / "big.npy") > 120 * 2**20
    proc = run(
        ["runner.py", str(limit), "score", "big.npy", "--labels", "y.npy", *common],
        tmp_path,
        module=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["n_samples"] == n
    used = int(proc.stderr.split("VMPEAK")[1].split()[0])
    assert used <= limit


def test_binary_and_multilabel_files(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(5)
    zb = rng.standard_normal(2000)
    yb = (rng.random(2000) < 0.4).astype(np.int8)
    np.save(tmp_path / "zb.npy", zb)
    np.save(tmp_path / "yb.npy", yb)
    zm = rng.standard_normal((2000, 3)).astype(np.float32)
    ym = (rng.random((2000, 3)) < 0.3).astype(np.uint8)
    np.savez(tmp_path / "ml.npz", y_pred=zm, y_true=ym)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table(
            {
                "scores": pa.FixedSizeListArray.from_arrays(pa.array(zm.ravel()), 3),
                "tags": pa.FixedSizeListArray.from_arrays(pa.array(ym.ravel()), 3),
            }
        ),
        tmp_path / "ml.parquet",
        row_group_size=500,
    )
    report = scored(
        run_here(
            ["score", "zb.npy", "--labels", "yb.npy", "--no-progress", "--chunk-rows", "333"],
            tmp_path,
            capsys,
            monkeypatch,
        )
    )
    ref = expected(zb, yb)
    assert report["task"] == "binary" and "top_k_accuracy" not in report
    for key in ("log_loss", "accuracy", "brier", "ece"):
        np.testing.assert_allclose(report[key], ref[key], rtol=1e-12)
    ref = expected(zm, ym)
    for args in (["ml.npz"], ["ml.parquet", "--label-column", "tags"]):
        report = scored(run_here(["score", *args, "--no-progress"], tmp_path, capsys, monkeypatch))
        assert report["task"] == "multilabel"
        for key in ("log_loss", "accuracy", "brier", "ece"):
            np.testing.assert_allclose(report[key], ref[key], rtol=1e-12)
    # probabilities of one column are detected as such; classes by name
    p = 1 / (1 + np.exp(-zb))
    np.save(tmp_path / "pb.npy", p)
    np.save(tmp_path / "sb.npy", np.array(["no", "yes"])[yb])
    report = scored(
        run_here(
            ["score", "pb.npy", "--labels", "sb.npy", "--classes", "no,yes", "--no-progress"],
            tmp_path,
            capsys,
            monkeypatch,
        )
    )
    assert report["inputs"] == "probabilities"
    np.testing.assert_allclose(report["log_loss"], expected(zb, yb)["log_loss"], rtol=1e-9)
