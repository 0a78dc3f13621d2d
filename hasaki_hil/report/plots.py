"""The report's figures as PNG bytes (matplotlib, Agg backend: no display needed, same output in CI).

Each function takes the assembled report data (``report.assemble``) and returns PNG bytes, or
None when the records hold nothing to plot, so the page never shows an empty chart.
"""

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless machines and CI have no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# "emulated": a board counter read over an emulated link (the same core as the emulator's)
_PROVENANCE_COLOURS = {"exact": "#2b6cb0", "estimate": "#7f9cc9", "hardware": "#c05621", "emulated": "#6b46c1"}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)  # pyplot keeps every open figure alive otherwise
    return buf.getvalue()


def cycles_per_board(data: dict) -> bytes | None:
    """Per board, the median cycles per inference of each run, with min/max whiskers."""
    boards = [(b, [e for e in b["entries"] if "median" in e["cycles"]]) for b in data["boards"]]
    boards = [(b, entries) for b, entries in boards if entries]
    if not boards:
        return None
    fig, axes = plt.subplots(len(boards), 1, figsize=(8, 2.2 + 1.2 * len(boards)), squeeze=False)
    for ax, (b, entries) in zip(axes[:, 0], boards):
        med = np.array([e["cycles"]["median"] for e in entries])
        low = med - np.array([e["cycles"]["min"] for e in entries])
        high = np.array([e["cycles"]["max"] for e in entries]) - med
        x = np.arange(len(entries))
        colours = [_PROVENANCE_COLOURS.get(e["cycles"]["provenance"], "#718096") for e in entries]
        ax.bar(x, med, color=colours, yerr=[low, high], capsize=6, ecolor="#1a202c")
        for xi, m in zip(x, med):
            ax.annotate(f"{m:,.0f}", (xi, m), textcoords="offset points", xytext=(8, 2), fontsize=8)
        ax.set_xticks(x, [f"{e['label']}\n{e['cycles']['provenance']}" for e in entries], fontsize=8)
        ax.set_ylabel("cycles / inference")
        ax.set_title(f"{b['board']} ({b['clock_hz'] / 1e6:g} MHz)", fontsize=10)
        ax.set_ylim(0, max(med + high) * 1.2)
    fig.tight_layout()
    return _png(fig)


def error_figures(data: dict) -> bytes | None:
    """Max abs error, mean abs error and RMSE against the float model, per board and variant."""
    entries = [e for b in data["boards"] for e in b["entries"] if "max_abs_error" in e["metrics"]]
    if not entries:
        return None
    names = ["max_abs_error", "mean_abs_error", "rmse"]
    x = np.arange(len(entries))
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for k, name in enumerate(names):
        ax.bar(x + (k - 1) * width, [e["metrics"][name] for e in entries], width, label=name.replace("_", " "))
    for xi, e in zip(x, entries):  # a zero error has no bar on a log axis: the number says it
        ax.annotate(
            f"max {e['metrics']['max_abs_error']:.2g}",
            (xi, 1),
            xycoords=("data", "axes fraction"),
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    # log: a float variant's ~1e-7 and a broken int8 variant's ~0.7 must both be readable
    ax.set_yscale("log")
    ax.set_ylim(top=ax.get_ylim()[1] * 100)  # headroom for the numbers above the tallest bars
    ax.set_xticks(x, [f"{e['board']}\n{e['label']}\n{e['target'].split(':')[0]}" for e in entries], fontsize=8)
    ax.set_ylabel("error vs float model")
    ax.set_title("Output error against the float reference", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def error_distribution(data: dict) -> bytes | None:
    """How the rows' largest output errors spread over decades, one line per board and variant."""
    entries = [e for b in data["boards"] for e in b["entries"] if e.get("error_histogram")]
    if not entries:
        return None
    labels = ["0"] + [f"1e{k}" for k in range(-9, 1)]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    x = np.arange(len(labels))
    for e in entries:
        counts = np.array(e["error_histogram"]["counts"], float)
        share = counts / max(1.0, counts.sum())
        ax.plot(x, share, marker="o", label=f"{e['board']} {e['label']} ({e['target'].split(':')[0]})")
    ax.set_xticks(x, [f">={lab}" for lab in labels], fontsize=7, rotation=45)
    ax.set_ylabel("share of rows")
    ax.set_xlabel("largest absolute error of the row against the float model")
    ax.set_title("Distribution of per-row errors", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def emulator_vs_board(data: dict) -> bytes | None:
    """Median cycles on the emulated core next to the board's own counter, for the same variant."""
    pairs = data["emulator_vs_board"]
    if not pairs:
        return None
    x = np.arange(len(pairs))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(x - 0.2, [p["emulator_median"] for p in pairs], 0.4, label="emulator", color="#2b6cb0")
    ax.bar(x + 0.2, [p["hardware_median"] for p in pairs], 0.4, label="board (hardware)", color="#c05621")
    ax.set_xticks(x, [f"{p['board']}\n{p['label']}\nratio {p['ratio']:.3f}" for p in pairs], fontsize=8)
    ax.set_ylabel("median cycles / inference")
    ax.set_title("Emulator vs board", fontsize=10)
    ax.set_xlim(-0.8, len(pairs) - 0.2)  # one pair would otherwise fill the whole width
    ax.set_ylim(0, max(max(p["emulator_median"], p["hardware_median"]) for p in pairs) * 1.3)
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    fig.tight_layout()
    return _png(fig)


FIGURES = (
    ("cycles", "Cycles per inference per variant (bar: median; whiskers: min and max)", cycles_per_board),
    ("errors", "Error figures against the float model", error_figures),
    ("error_distribution", "Distribution of per-row errors against the float model", error_distribution),
    ("emulator_vs_board", "Emulator vs board cycles for the same variant", emulator_vs_board),
)
