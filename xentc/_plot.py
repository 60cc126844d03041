"""Reliability diagram and confidence histogram of a scoring report, in one
PNG (extra `xentc[plot]`: matplotlib).

Drawn on a bare `matplotlib.figure.Figure` with the Agg canvas, so no GUI
backend is chosen or needed (a cron job has no display).
"""

import numpy as np

__all__ = ["plot_reliability"]


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'xentc[plot]'") from None
    return Figure, FigureCanvasAgg


def _count_formatter():
    from matplotlib.ticker import FuncFormatter

    def fmt(x, _):
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= scale:
                return f"{x / scale:g}{suffix}"
        return f"{x:g}"

    return FuncFormatter(fmt)


def plot_reliability(report, path, title=None):
    """Write the reliability diagram of `report` (a StreamingScores result
    with its "reliability" table) to `path` (PNG)."""
    Figure, FigureCanvasAgg = _matplotlib()
    rel = report["reliability"]
    edges = np.asarray(rel["bin_edges"], dtype=float)
    count = np.asarray(rel["count"], dtype=float)
    conf = np.asarray([np.nan if v is None else v for v in rel["confidence"]], dtype=float)
    acc = np.asarray([np.nan if v is None else v for v in rel["accuracy"]], dtype=float)
    width = np.diff(edges)
    centers = edges[:-1] + width / 2
    filled = count > 0
    sigmoid_task = report.get("task") in ("binary", "multilabel")
    y_name = "fraction of positives" if sigmoid_task else "accuracy"
    x_name = (
        "predicted probability of the positive label"
        if sigmoid_task
        else "confidence (top-label probability)"
    )

    fig = Figure(figsize=(7.0, 8.2), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.25]})

    # bars: observed accuracy per bin, opacity from the bin's share of samples
    share = np.where(filled, count / max(count.max(), 1.0), 0.0)
    alphas = 0.25 + 0.75 * np.sqrt(share)
    for i in np.flatnonzero(filled):
        top.bar(
            centers[i],
            acc[i],
            width=width[i] * 0.94,
            color="#2f6db3",
            alpha=float(alphas[i]),
            edgecolor="#1d4677",
            linewidth=0.6,
            zorder=2,
        )
        lo, hi = sorted((acc[i], conf[i]))
        top.bar(
            centers[i],
            hi - lo,
            bottom=lo,
            width=width[i] * 0.94,
            facecolor="none",
            edgecolor="#c8402f",
            hatch="////",
            linewidth=0.0,
            zorder=3,
        )
    top.plot(
        [0, 1],
        [0, 1],
        linestyle="--",
        color="#555555",
        linewidth=1.1,
        label="perfect calibration",
        zorder=4,
    )
    top.plot(
        conf[filled],
        acc[filled],
        marker="o",
        markersize=4.5,
        color="#101010",
        linewidth=1.3,
        label=f"{y_name} at the bin's mean {'probability' if sigmoid_task else 'confidence'}",
        zorder=5,
    )
    top.bar(
        [np.nan],
        [np.nan],
        color="#2f6db3",
        alpha=0.8,
        label=f"{y_name} per bin (darker: more samples)",
    )
    top.bar(
        [np.nan],
        [np.nan],
        facecolor="none",
        edgecolor="#c8402f",
        hatch="////",
        linewidth=0.0,
        label="gap to the diagonal",
    )
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_aspect("auto")
    top.set_ylabel(y_name)
    top.grid(True, linewidth=0.4, alpha=0.5, zorder=0)
    top.legend(loc="upper left", fontsize=8.5, frameon=True, framealpha=0.9)
    ece = report.get("ece")
    n = report.get("n_samples", int(count.sum()))
    head = title or "Reliability diagram"
    ece_text = "n/a" if ece is None or not np.isfinite(ece) else f"{ece:.4f}"
    top.set_title(
        f"{head}\nECE = {ece_text}   ({len(width)} equal-width bins, "
        f"{n:,} samples{', all label decisions' if report.get('task') == 'multilabel' else ''})",
        fontsize=11,
    )
    parts = []
    for key, name in (("log_loss", "log-loss"), ("accuracy", "accuracy"), ("brier", "Brier")):
        value = report.get(key)
        if value is not None and np.isfinite(value):
            parts.append(f"{name} {value:.4f}")
    if parts:
        top.text(
            0.98,
            0.03,
            "   ".join(parts),
            transform=top.transAxes,
            ha="right",
            va="bottom",
            fontsize=8.5,
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": "white",
                "alpha": 0.85,
                "edgecolor": "#bbbbbb",
            },
        )

    # histogram: how many predictions fall in each bin
    bottom.bar(
        centers, count, width=width * 0.94, color="#7a8fa8", edgecolor="#44556b", linewidth=0.6
    )
    total = count.sum()
    if total > 0:
        mean_conf = float(np.nansum(conf * count) / total)
        bottom.axvline(
            mean_conf,
            color="#c8402f",
            linewidth=1.4,
            label=f"mean {'probability' if sigmoid_task else 'confidence'} {mean_conf:.3f}",
        )
        if report.get("accuracy") is not None and not sigmoid_task:
            bottom.axvline(
                report["accuracy"],
                color="#101010",
                linestyle=":",
                linewidth=1.4,
                label=f"accuracy {report['accuracy']:.3f}",
            )
        bottom.legend(loc="upper left", fontsize=8.5)
    bottom.set_xlabel(x_name)
    bottom.set_ylabel("predictions")
    bottom.yaxis.set_major_formatter(_count_formatter())
    bottom.grid(True, axis="y", linewidth=0.4, alpha=0.5)
    bottom.set_xticks(np.linspace(0, 1, 11))
    fig.savefig(path, format="png")
    return path
