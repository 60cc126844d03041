"""The `xentc` command (also `python -m xentc`).

    xentc score PREDICTIONS [--labels PATH] ...   score a file of any size
    xentc score --demo                            score a built-in sample
    xentc config | xentc --version                build configuration

`score` reads its inputs in chunks (xentc._io), feeds them to one
StreamingScores and prints its result as JSON. The pipeline is three
functions so another engine can reuse the pieces: `open_inputs` /
`iter_chunks` (files -> (y_true, y_pred, sample_weight, first_row) chunks),
`make_scores` (options + first chunk -> StreamingScores) and `finish_report`
(scores -> the JSON report). Bad input exits with status 2 and one line
naming the file, the column and the first bad row.
"""

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time

import numpy as np

from . import _io
from ._config import __version__
from .scoring import TASKS, StreamingScores

__all__ = ["build_parser", "finish_report", "main", "make_scores", "score_chunks"]

DEMO_ROWS, DEMO_CLASSES = 1_000_000, 10


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line too (argparse prints the whole usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _group_sizes(text):
    try:
        sizes = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive ints, got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive ints, got {text!r}")
    return sizes


def build_parser():
    parser = _Parser(
        prog="xentc", description="Cross-entropy losses and production scoring of model outputs."
    )
    parser.add_argument("--version", action="version", version=f"xentc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    score = sub.add_parser(
        "score",
        help="score predictions against labels (any file size)",
        description="Score model outputs against labels in bounded memory and print a JSON "
        "report: log-loss, accuracy, top-k accuracy, Brier score, expected "
        "calibration error with its reliability table, per-class numbers.",
        epilog="Formats: .npy (read in chunks), .npz (arrays y_pred, y_true, optional "
        "sample_weight), .parquet and .csv (pyarrow: pip install 'xentc[io]'; labels "
        "default to a column 'y_true', weights to 'sample_weight', predictions to the "
        "other columns). Exit status: 0 scored, 2 bad input or usage.",
    )
    add_score_arguments(score)
    score.set_defaults(func=cmd_score)
    config = sub.add_parser("config", help="print the build configuration")
    config.set_defaults(func=cmd_config)
    return parser


def add_score_arguments(p):
    p.add_argument("predictions", nargs="?", help="predictions file (.npy .npz .parquet .csv)")
    p.add_argument("--labels", metavar="PATH", help="labels in a separate file of equal length")
    p.add_argument("--label-column", metavar="NAME", help="label column of a table")
    p.add_argument(
        "--columns",
        metavar="NAMES",
        help="comma-separated prediction columns of a table (default: the others)",
    )
    p.add_argument(
        "--classes",
        metavar="VALUES",
        help="comma-separated class of each prediction column (string or "
        "non-contiguous labels; binary: negative,positive)",
    )
    p.add_argument(
        "--inputs",
        choices=("auto", "logits", "probabilities"),
        default="auto",
        help="what y_pred holds (auto: probabilities when the first chunk is in "
        "[0, 1] and 2-D rows sum to 1, else logits)",
    )
    p.add_argument(
        "--task",
        choices=TASKS,
        default="auto",
        help="grouped (never chosen by auto): several softmax groups per row, "
        "see --groups; labels are (N, G) within-group class indices",
    )
    p.add_argument(
        "--groups",
        type=_group_sizes,
        metavar="SIZES",
        help="comma-separated group sizes for --task grouped, e.g. 12,7,5 (the "
        "prediction columns, in order)",
    )
    p.add_argument("--k", type=_positive_int, default=5, help="top-k accuracy (default 5)")
    p.add_argument(
        "--n-bins", type=_positive_int, default=15, help="calibration bins (default 15)"
    )
    w = p.add_mutually_exclusive_group()
    w.add_argument("--weights", metavar="PATH", help="sample weights in a separate file")
    w.add_argument("--weight-column", metavar="NAME", help="sample-weight column of a table")
    p.add_argument(
        "--chunk-rows", type=_positive_int, default=65536, help="rows per chunk (default 65536)"
    )
    p.add_argument("--n-threads", type=_positive_int, default=None)
    p.add_argument("--output", metavar="REPORT.json", help="also write the report here")
    p.add_argument(
        "--plot",
        metavar="FILE.png",
        help="reliability diagram + confidence histogram (matplotlib)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    d = p.add_mutually_exclusive_group()
    d.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="score a directory or glob of .parquet files on a local Dask cluster "
        "of N worker processes (extra xentc[dask])",
    )
    d.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="score a directory or glob of .parquet files on the Dask cluster at "
        "ADDRESS, e.g. tcp://10.0.0.5:8786 (extra xentc[dask])",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help=f"score a built-in sample ({DEMO_ROWS:,} x {DEMO_CLASSES} over-confident "
        "logits) written to a temporary .npy pair",
    )


# ---------------------------------------------------------------------------
# scoring pipeline


def _resolve_inputs(choice, y_pred, task, groups=None):
    if choice != "auto":
        return choice
    p = np.asarray(y_pred)
    if task == "grouped" and p.size and p.dtype.kind in "fiub" and p.ndim >= 2:
        # probabilities when every group's block of columns is a probability row
        blocks = p.reshape(p.shape[0], p.shape[1], -1) if p.ndim == 3 else None
        if blocks is None:
            if groups is None or sum(groups) != p.shape[1]:
                return "logits"  # StreamingScores reports the mismatch
            ends = np.cumsum(groups)
            sums = np.stack(
                [
                    np.nansum(p[:, e - c : e], axis=1, dtype=np.float64)
                    for c, e in zip(groups, ends)
                ],
                axis=1,
            )
        else:
            sums = np.nansum(blocks, axis=2, dtype=np.float64)
        ok = np.nanmin(p) >= 0 and np.nanmax(p) <= 1 and np.allclose(sums, 1, atol=1e-3)
        return "probabilities" if ok else "logits"
    if p.size == 0 or p.dtype.kind not in "fiub":
        return "logits"
    lo, hi = np.nanmin(p), np.nanmax(p)
    if not (lo >= 0 and hi <= 1):
        return "logits"
    if p.ndim == 2 and p.shape[1] > 1 and task != "multilabel":
        sums = np.nansum(p, axis=1, dtype=np.float64)
        return "probabilities" if np.allclose(sums, 1, atol=1e-3) else "logits"
    return "probabilities"


def _classes(text, y_true, columns):
    """Class values of the prediction columns: --classes, else the column
    names of a table when the labels are strings."""
    if text is not None:
        values = [v.strip() for v in text.split(",")]
        if y_true is not None and np.asarray(y_true).dtype.kind in "biuf":
            try:
                values = [
                    float(v) if np.asarray(y_true).dtype.kind == "f" else int(v) for v in values
                ]
            except ValueError:
                raise _io.InputError(
                    f"--classes {text!r}: the labels are numbers, so the classes must be numbers"
                ) from None
        return values
    if (
        y_true is not None
        and np.asarray(y_true).dtype.kind in "OUS"
        and isinstance(columns, list)
        and len(columns) > 1
    ):
        return list(columns)
    return None


def make_scores(args, y_true, y_pred, columns=None):
    """The StreamingScores for these options, decided on the first chunk."""
    task = args.task
    groups = getattr(args, "groups", None)
    if task == "grouped":
        inputs = _resolve_inputs(args.inputs, y_pred, task, groups)
    else:
        inputs = _resolve_inputs(
            args.inputs,
            y_pred,
            "multilabel"
            if task == "multilabel" or (np.ndim(y_true) == 2 and np.ndim(y_pred) == 2)
            else task,
        )
    return StreamingScores(
        task=task,
        inputs=inputs,
        labels=_classes(args.classes, y_true, columns),
        k=args.k,
        n_bins=args.n_bins,
        n_threads=args.n_threads,
        groups=groups,
    )


def _progress(total, enabled):
    if not enabled or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # optional: no bar without tqdm
        return None
    return tqdm(
        total=total,
        unit="rows",
        unit_scale=True,
        file=sys.stderr,
        smoothing=0.1,
        dynamic_ncols=True,
        desc="scoring",
    )


def _role_of(message):
    for role in ("y_pred", "y_true", "sample_weight"):
        if message.startswith(role):
            return role
    return "y_pred" if message.startswith("this chunk") else None


def score_chunks(chunks, args, inputs, bar=None, columns=None):
    """Feed (y_true, y_pred, sample_weight, first_row) chunks to one
    StreamingScores; errors become one-line InputErrors naming the file."""
    scores = None
    for y_true, y_pred, weight, _ in chunks:
        try:
            if y_true is None:
                raise _io.InputError(
                    f"{inputs.origin('y_pred')}: no labels (pass --labels or --label-column)"
                )
            if scores is None:
                scores = make_scores(args, y_true, y_pred, columns)
            scores.update(y_true, y_pred, weight)
        except _io.InputError:
            raise
        except (ValueError, TypeError) as exc:
            role = _role_of(str(exc))
            where = inputs.origin(role) if role else inputs.origin("y_pred")
            text = str(exc).replace("pass labels=[negative, positive]", "pass --classes NEG,POS")
            text = text.replace("pass labels=[...] (the class of each column)", "pass --classes")
            text = text.replace("pass labels=[...]", "pass --classes")
            raise _io.InputError(f"{where}: {text}") from None
        if bar is not None:
            bar.update(len(y_pred))
    if scores is None:
        raise _io.InputError(f"{inputs.origin('y_pred')}: no rows to score")
    return scores


def finish_report(scores, files, elapsed):
    report = scores.result()
    report["files"] = files
    report["elapsed_s"] = round(elapsed, 4)
    report["rows_per_s"] = round(report["n_samples"] / elapsed) if elapsed > 0 else None
    report["xentc_version"] = __version__
    return _json_safe(report)


def _dumps(report):
    """Indented JSON with each list of numbers on one line."""
    text = json.dumps(report, indent=2, allow_nan=False)
    return re.sub(
        r"\[[^\[\]{}]*\]",
        lambda m: " ".join(m.group(0).split()).replace("[ ", "[").replace(" ]", "]"),
        text,
    )


def _json_safe(value):
    """NaN and infinities become null: the report is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value


def cmd_score(args):
    if args.demo:
        if args.predictions or args.labels:
            raise _io.InputError("--demo scores its own sample; drop the file arguments")
        # one fixed folder, overwritten by each run, so demos do not pile up
        demo_dir = os.path.join(tempfile.gettempdir(), "xentc-demo")
        os.makedirs(demo_dir, exist_ok=True)
        args.predictions, args.labels = write_demo(demo_dir)
        print(
            f"xentc score --demo: wrote {DEMO_ROWS:,} x {DEMO_CLASSES} float32 logits and "
            f"labels to {args.predictions} and {args.labels}",
            file=sys.stderr,
        )
        if args.plot is None and _has_matplotlib():
            args.plot = os.path.join(demo_dir, "reliability.png")
    if args.predictions is None:
        raise _io.InputError("no predictions file (pass PREDICTIONS, or --demo)")
    t0 = time.perf_counter()
    if args.workers or args.scheduler:
        from .dask import score_files  # the dask extra; without it an ImportError exits 2

        scores, files = score_files(args)
        return _emit(args, finish_report(scores, files, time.perf_counter() - t0))
    if os.path.isdir(args.predictions) or (
        not os.path.exists(args.predictions) and any(c in args.predictions for c in "*?[")
    ):
        raise _io.InputError(
            f"{args.predictions}: a directory or glob of .parquet files is "
            "scored by Dask: pass --workers N or --scheduler ADDRESS"
        )
    inputs = _io.open_inputs(
        args.predictions,
        labels=args.labels,
        label_column=args.label_column,
        columns=args.columns,
        weights=args.weights,
        weight_column=args.weight_column,
        chunk_rows=args.chunk_rows,
    )
    try:
        bar = _progress(inputs.n_rows, not args.no_progress)
        try:
            scores = score_chunks(
                _io.iter_chunks(inputs), args, inputs, bar, _pred_columns(inputs)
            )
        finally:
            if bar is not None:
                bar.close()
    finally:
        inputs.close()
    return _emit(args, finish_report(scores, inputs.files, time.perf_counter() - t0))


def _emit(args, report):
    """Print the report; also write it to --output and plot it to --plot."""
    text = _dumps(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    if args.plot:
        from ._plot import plot_reliability

        if "reliability" not in report:
            raise _io.InputError("--plot needs the calibration table (metric 'ece')")
        plot_reliability(
            report, args.plot, title=f"Reliability diagram: {os.path.basename(args.predictions)}"
        )
        print(f"xentc score: reliability diagram written to {args.plot}", file=sys.stderr)
    print(text)
    return 0


def _pred_columns(inputs):
    for src in inputs.sources:
        cols = getattr(src, "columns", {}).get("y_pred")
        if isinstance(cols, list):
            return cols
    return None


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def demo_sample(n=DEMO_ROWS, c=DEMO_CLASSES, seed=0):
    """Seeded over-confident logits: labels drawn from softmax(z), the model
    reports 1.3 * z (a temperature of 1/1.3), so its confidence runs ahead of
    its accuracy the way an over-fitted network's does."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, c), dtype=np.float32) * 1.4
    z[np.arange(n), rng.integers(0, c, n)] += 2.2  # a favourite class per row
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    u = rng.random(n, dtype=np.float32) * cdf[:, -1]
    labels = np.minimum((cdf < u[:, None]).sum(axis=1), c - 1).astype(np.int64)
    return z * np.float32(1.3), labels


def write_demo(directory):
    logits, labels = demo_sample()
    pred_path = os.path.join(directory, "demo_logits.npy")
    label_path = os.path.join(directory, "demo_labels.npy")
    np.save(pred_path, logits)
    np.save(label_path, labels)
    return pred_path, label_path


# ---------------------------------------------------------------------------


def cmd_config(args):
    from ._config import show_config

    show_config()
    return 0


def _one_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    prog = f"xentc {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except (_io.InputError, ValueError, TypeError, OSError, ImportError) as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours: still one line unless asked for more
        if os.environ.get("XENTC_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {_one_line(exc)} (set "
            "XENTC_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
