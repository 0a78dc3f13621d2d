"""The ``report`` command: validation records (``hasaki-hil test``) gathered into one report.

``assemble`` turns the records into plain data grouped per board and variant (what ``--json``
prints); ``render_html`` makes a static, self-contained page with the plots embedded as data
URIs so it can be mailed or archived as one file; ``render_markdown`` gives the same tables
without images, for pull requests and CI summaries.
"""

import base64
import html
import os
from pathlib import Path

from hasaki_hil import boards
from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic
from hasaki_hil.gate import record as records
from hasaki_hil.gate.record import ValidationRecord

_METRICS = ("accuracy", "reference_accuracy", "flips", "flip_rate", "fn_change", "fp_change", "max_abs_error")
_METRICS += ("mean_abs_error", "rmse", "l2r")
_EMULATED = ("exact", "estimate")


def _percent(used, limit) -> float | None:
    return None if used is None or not limit else 100.0 * used / limit


def _board_info(name: str) -> dict:
    try:
        b = boards.get(name)
    except UserError:  # a record from a board this version does not know: shown without limits
        return {"description": "unknown board", "clock_hz": 0, "flash_limit": None, "ram_limit": None}
    return {
        "description": b.description,
        "clock_hz": b.clock_hz,
        "flash_limit": b.flash_bytes,
        "ram_limit": b.ram_bytes,
    }


def _entry(path, rec: ValidationRecord) -> dict:
    s = rec.sizes
    # the stack grows into the RAM the static data leaves, so the two together must fit
    ram_used = None if s.ram_static is None else s.ram_static + (s.stack or 0)
    info = _board_info(rec.board)
    flash_limit, ram_limit = info["flash_limit"], info["ram_limit"]
    metrics = rec.metrics.as_dict()
    return {
        "record": os.fspath(path),
        "board": rec.board,
        "target": rec.target,
        "label": f"{rec.scheme} {rec.variant_sha256[:8]}",
        "scheme": rec.scheme,
        "layers": list(rec.layers),
        "variant_sha256": rec.variant_sha256,
        "firmware_sha256": rec.firmware_sha256,
        "verdict": rec.verdict,
        "reasons": list(rec.reasons),
        "rows": rec.rows,
        "time": rec.time,
        "metrics": {k: metrics[k] for k in _METRICS if k in metrics},
        "cycles": rec.cycles.as_dict(),
        "error_histogram": rec.error_histogram,
        "sizes": {
            "flash": s.flash,
            "flash_limit": flash_limit,
            "flash_percent": _percent(s.flash, flash_limit),
            "ram_static": s.ram_static,
            "stack_bound": s.stack,
            "stack_measured": s.stack_measured,
            "ram_with_stack": ram_used,
            "ram_limit": ram_limit,
            "ram_percent": _percent(ram_used, ram_limit),
        },
    }


def _pairs(entries: list[dict]) -> list[dict]:
    """Emulator and board cycle medians for each (board, variant) that has runs of both kinds."""
    out = []
    keys = dict.fromkeys((e["board"], e["variant_sha256"]) for e in entries)
    for board, sha in keys:
        runs = [e for e in entries if (e["board"], e["variant_sha256"]) == (board, sha) and e["cycles"].get("median")]
        emu = [e for e in runs if e["cycles"]["provenance"] in _EMULATED]
        # only a real board's counter: an "emulated" one is the emulator again, never a board figure
        hw = [e for e in runs if e["cycles"]["provenance"] == "hardware"]
        if emu and hw:
            e_med, h_med = emu[0]["cycles"]["median"], hw[0]["cycles"]["median"]
            out.append(
                {
                    "board": board,
                    "label": emu[0]["label"],
                    "variant_sha256": sha,
                    "emulator_provenance": emu[0]["cycles"]["provenance"],
                    "emulator_median": e_med,
                    "hardware_median": h_med,
                    "ratio": h_med / e_med,
                }
            )
    return out


def assemble(paths) -> dict:
    if not paths:
        raise UserError("give at least one validation record")
    entries = [_entry(p, records.load(p)) for p in paths]
    entries.sort(key=lambda e: (e["board"], e["label"], e["target"]))
    by_board = [
        {"board": name, **_board_info(name), "entries": [e for e in entries if e["board"] == name]}
        for name in dict.fromkeys(e["board"] for e in entries)
    ]
    failed = sum(e["verdict"] != "PASSED" for e in entries)
    return {
        "records": len(entries),
        "records_passed": len(entries) - failed,
        "records_failed": failed,
        "boards": by_board,
        "emulator_vs_board": _pairs(entries),
    }


def _fmt(v, spec: str = ".4g") -> str:
    if v is None:
        return "-"
    if isinstance(v, list):
        return ", ".join(f"{x:+d}" for x in v)
    return format(v, spec)


def _rows(b: dict) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    """The two tables of a board (results and resources) as header + rows of text, shared by both renderers."""
    head = ["variant", "target", "verdict", "accuracy", "float acc.", "flips", "FN change", "FP change"]
    head += ["max abs err", "l2r"]
    res_head = ["variant", "target", "flash", "RAM (static + stack)", "stack measured", "cycles (provenance)"]
    res_head += ["min / median / max", "us median"]
    rows, res = [], []
    for e in b["entries"]:
        m, s, c = e["metrics"], e["sizes"], e["cycles"]
        acc = [_fmt(m.get(k), ".2%") for k in ("accuracy", "reference_accuracy")]
        rows.append([e["label"], e["target"], e["verdict"], *acc, _fmt(m.get("flips"), "d")])
        rows[-1] += [_fmt(m.get(k)) for k in ("fn_change", "fp_change", "max_abs_error", "l2r")]
        flash = f"{_fmt(s['flash'], 'd')} / {_fmt(s['flash_limit'], 'd')} B ({_fmt(s['flash_percent'], '.1f')}%)"
        ram = f"{_fmt(s['ram_with_stack'], 'd')} / {_fmt(s['ram_limit'], 'd')} B ({_fmt(s['ram_percent'], '.1f')}%)"
        spread = "-" if "median" not in c else f"{c['min']:,.0f} / {c['median']:,.0f} / {c['max']:,.0f}"
        us = _fmt(c.get("microseconds_median"), ".1f")
        stack = "-" if s["stack_measured"] is None else f"{s['stack_measured']} B"
        res.append([e["label"], e["target"], flash, ram, stack, c["provenance"], spread, us])
    return head, rows, res_head, res


def render_markdown(data: dict) -> str:
    def table(head, rows):
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return lines + ["| " + " | ".join(r.replace("|", "\\|") for r in row) + " |" for row in rows]

    out = ["# hasaki-hil validation report", ""]
    out += [f"{data['records']} records: {data['records_passed']} PASSED, {data['records_failed']} FAILED.", ""]
    for b in data["boards"]:
        head, rows, res_head, res = _rows(b)
        out += [f"## {b['board']}: {b['description']}", ""] + table(head, rows) + [""] + table(res_head, res) + [""]
        for e in b["entries"]:
            out += [f"- **{e['label']}** on {e['target']}: {e['verdict']}"]
            out += [f"  - {r}" for r in e["reasons"]]
        out.append("")
    if data["emulator_vs_board"]:
        out += ["## Emulator vs board", ""]
        rows = [
            [p["board"], p["label"], f"{p['emulator_median']:,.0f} ({p['emulator_provenance']})"]
            + [f"{p['hardware_median']:,.0f}", _fmt(p["ratio"])]
            for p in data["emulator_vs_board"]
        ]
        out += table(["board", "variant", "emulator median", "board median", "board / emulator"], rows) + [""]
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1a202c;max-width:1100px}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #cbd5e0;padding:.3em .6em;text-align:right}
th{background:#edf2f7}td:first-child,td:nth-child(2),th{text-align:left}
.PASSED{color:#fff;background:#2f855a;font-weight:bold}.FAILED{color:#fff;background:#c53030;font-weight:bold}
.verdict{padding:.1em .5em;border-radius:4px}img{max-width:100%;border:1px solid #e2e8f0}
code{font-size:.85em}
"""


def _html_table(head, rows) -> str:
    def cell(text):
        cls = f' class="{text}"' if text in ("PASSED", "FAILED") else ""
        return f"<td{cls}>{html.escape(text)}</td>"

    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def render_html(data: dict, figures: dict[str, tuple[str, bytes]]) -> str:
    esc = html.escape
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>hasaki-hil report</title><style>{_CSS}</style>",
        "</head><body><h1>hasaki-hil validation report</h1>",
        f"<p>{data['records']} records: <span class='verdict PASSED'>{data['records_passed']} PASSED</span> "
        f"<span class='verdict FAILED'>{data['records_failed']} FAILED</span></p>",
    ]
    for b in data["boards"]:
        head, rows, res_head, res = _rows(b)
        parts.append(f"<h2>{esc(b['board'])}: {esc(b['description'])}</h2>")
        parts += [_html_table(head, rows), _html_table(res_head, res)]
        for e in b["entries"]:
            reasons = "".join(f"<li>{esc(r)}</li>" for r in e["reasons"])
            parts.append(
                f"<p><b>{esc(e['label'])}</b> on {esc(e['target'])}: "
                f"<span class='verdict {esc(e['verdict'])}'>{esc(e['verdict'])}</span> "
                f"(layers {esc(','.join(e['layers']))}, firmware <code>{esc(e['firmware_sha256'][:12])}</code>, "
                f"record <code>{esc(e['record'])}</code>)</p><ul>{reasons}</ul>"
            )
    if data["emulator_vs_board"]:
        rows = [
            [p["board"], p["label"], f"{p['emulator_median']:,.0f} ({p['emulator_provenance']})"]
            + [f"{p['hardware_median']:,.0f}", _fmt(p["ratio"])]
            for p in data["emulator_vs_board"]
        ]
        parts += ["<h2>Emulator vs board</h2>"]
        parts.append(_html_table(["board", "variant", "emulator median", "board median", "board / emulator"], rows))
    for key, (title, png) in figures.items():
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{esc(title)}</h2><img id='plot-{key}' alt='{esc(title)}' src='{uri}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def report(paths, output=None) -> dict:
    suffix = None if output is None else Path(output).suffix.lower()
    if suffix not in (None, ".html", ".htm", ".md"):
        raise UserError(f"cannot tell the report format from {os.fspath(output)!r}", hint="use NAME.html or NAME.md")
    data = assemble(paths)
    if suffix == ".md":
        atomic.write_text(output, render_markdown(data))
    elif suffix is not None:
        from hasaki_hil.report import plots  # matplotlib loads only when a page with figures is written

        figures = {}
        for key, title, make in plots.FIGURES:
            png = make(data)
            if png is not None:
                figures[key] = (title, png)
        atomic.write_text(output, render_html(data, figures))
        data["figures"] = list(figures)
    if output is not None:
        data["output"] = os.fspath(output)
    return data
