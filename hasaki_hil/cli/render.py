"""Terminal rendering of command results (the CLI prints these unless --json)."""

import shlex

from hasaki_hil.cli import tables
from hasaki_hil.commands import quantize as quantize_cmd
from hasaki_hil.gate import record as records
from hasaki_hil.gate import words as gate_words


def print_train(r: dict) -> None:
    acc = "" if r["val_accuracy"] is None else f", validation accuracy {r['val_accuracy'] * 100:.2f}%"
    print(
        f"trained {'-'.join(map(str, r['dims']))} ({','.join(r['activations'])}) on "
        f"{r['rows_train']} rows, validated on {r['rows_validation']} ({r['split']})"
    )
    print(
        f"{r['epochs_run']} epochs ({r['stop_reason']}), best epoch {r['best_epoch']}, "
        f"validation loss {r['val_loss']:.6f}{acc}, {r['elapsed_s']:.1f} s, seed {r['seed']}"
    )
    print(f"wrote {r['model']}  sha256 {r['sha256']}")


def print_info(r: dict) -> None:
    print(f"{r['model']}: {r['name']}, model format {r['format_version']}")
    print(f"  sha256       {r['sha256']}")
    print(f"  architecture {'-'.join(map(str, r['dims']))}  ({', '.join(r['activations'])})")
    print(f"  parameters   {r['parameters']}")
    if r["quantized_layers"]:
        print(f"  int8 layers  {r['quantized_layers']} (imported)")
    for k, v in r["training"].items():
        print(f"  {k:<12} {v}")


def print_validate(r: dict) -> None:
    print(f"{r['data']}: {r['rows']} rows, model {r['sha256'][:12]}")
    print(f"  max abs error  {r['max_abs_error']:.6g} (line {r['worst_line']})")
    print(f"  mean abs error {r['mean_abs_error']:.6g}")
    print(f"  rmse           {r['rmse']:.6g}")
    if "accuracy" in r:
        print(f"  accuracy       {r['accuracy'] * 100:.3f}%  (threshold {r['threshold']})")
        for m in r["confusion"]:
            width = max(len(str(v)) for row in m for v in row) + 1
            print("  confusion (rows: true class, columns: predicted)")
            print("        " + "".join(f"{j:>{width}}" for j in range(len(m))))
            for i, row in enumerate(m):
                print(f"    {i:>3} " + "".join(f"{v:>{width}}" for v in row))
        if "fn" in r:
            print(f"  TP {r['tp']}  TN {r['tn']}  FP {r['fp']}  FN {r['fn']}")
    if "per_row" in r:
        print(f"  per-row errors written to {r['per_row']}")
    if "passed" in r:
        print(f"Result: {'PASSED' if r['passed'] else 'FAILED'} (accuracy >= {r['min_accuracy']})")


def print_predict(r: dict) -> None:
    for k, out in enumerate(r["outputs"]):
        decision = f"  -> class {r['decisions'][k]}" if "decisions" in r else ""
        print(" ".join(f"{v:.7g}" for v in out) + decision)


def print_import(r: dict) -> None:
    print(
        f"imported {r['header']} ({r['quantization']}, {'-'.join(map(str, r['dims']))}, {','.join(r['activations'])})"
    )
    print(f"wrote {r['model']}  sha256 {r['sha256']}")


def _options(v: dict, sep: str, words: tuple[str, str]) -> str:
    """The non-default derivation options of a variant summary (equalisation, half fold), each after sep."""
    on = (v.get("equalized"), v.get("fold") == "half")
    return "".join(sep + word for word, flag in zip(words, on) if flag)


def print_quantize(r: dict) -> None:
    eq = _options(r, ", ", ("equalised", "half fold"))
    print(
        f"{r['scheme']} variant ({','.join(r['layers'])}{eq}): {r['param_bytes']} parameter bytes "
        f"(float: {r['float_param_bytes']})"
    )
    print(f"wrote {r['variant']}  sha256 {r['sha256']}  (model {r['parent_sha256'][:12]})")


def print_quantize_test(r: dict) -> None:
    print(f"{r['data']}: {r['rows']} rows, model {r['model_sha256'][:12]}, calibration: {r['calibration']}")
    if "candidate" in r:
        c = r["candidate"]
        eq = _options(c, ", ", ("equalised", "half fold"))
        print(f"scheme {r['scheme']}: layers {','.join(c['layers'])}{eq}, variant {c['sha256'][:12]}")
        for line in gate_words.new_errors(r["metrics"]) + gate_words.hasaki_figures(r["metrics"], r["scheme"]):
            print(f"  {line}")
        t = tables.table("metric", "float", "quantized", right=("float", "quantized"))
        for name, f, q in quantize_cmd.side_by_side(r):
            t.add_row(name, f, q)
        tables.show(t)
    if r.get("per_layer"):
        chained = any(row["kind"] == "int8x16" and row["layer"] > 1 for row in r["per_layer"])
        how = "; an int8x16 layer with the int8x16 layers before it" if chained else ""
        print(f"per-layer sensitivity (each layer quantised alone{how}):")
        t = tables.table(
            "layer", "as", "flips", "l2r", "max abs error", right=("layer", "flips", "l2r", "max abs error")
        )
        for row in r["per_layer"]:
            flips = "" if row["flips"] is None else str(row["flips"])
            t.add_row(str(row["layer"]), row["kind"], flips, f"{row['l2r']:.4g}", f"{row['max_abs_error']:.4g}")
        tables.show(t)
    if "responsible_layer" in r and not r["passed"]:
        print(f"  most damage: layer {r['responsible_layer']}")
    if "auto" in r:
        a = r["auto"]
        print(f"auto: {a['passing']} of {a['tried']} candidates pass")
        for u in a["uniform"]:
            v = u["variant"]
            eq = _options(v, " ", ("equalised", "half fold"))
            print(f"  {v['layers'][0]}{eq}: {'passes' if u['passed'] else 'fails'}: {u['reasons'][0]}")
        if "ranking" in a:
            print_auto_ranking(a)
    print("thresholds: " + ", ".join(f"{k}={v}" for k, v in r["thresholds"].items() if v is not None))
    for k, note in r.get("threshold_defaults", {}).items():
        print(f"  {k}: {note}")
    for reason in r["reasons"]:
        print(f"  {reason}")
    if "variant_file" in r:
        print(f"wrote {r['variant_file']}")
    print(f"Result: {'PASSED' if r['passed'] else 'FAILED'}")


def print_auto_ranking(a: dict) -> None:
    """The passing candidates on the board, best first: cycles, then flash, then RAM."""
    provs = sorted({row["provenance"] for row in a["ranking"] if row["provenance"]})
    print(
        f"passing candidates on {a['board']} (cycles: median of {a['sample_rows']} rows on the emulated core, "
        f"{', '.join(provs) or 'not measured'}):"
    )
    t = tables.table("", "scheme", "layers", "flips", "new FN", "cycles", "flash B", "RAM B", "Pareto",
                     right=("flips", "new FN", "cycles", "flash B", "RAM B"))  # fmt: skip
    slack = a.get("speed_slack")
    for row in a["ranking"]:
        v = row["variant"]
        eq = _options(v, "+", ("eq", "half"))
        cycles = f"{row['cycles_median']} {row['provenance'] or ''}".strip()
        if not row["fits"]:  # no flash figure: the compiler refused it (its reason is in --json)
            cycles = "does not fit" if row["flash_bytes"] is not None else "not built"
            if row["fit_reasons"] and row["fit_reasons"][0].startswith("fault"):
                cycles = "faulted"
            elif row["fit_reasons"] and "differ from the host reference" in row["fit_reasons"][0]:
                cycles = "wrong outputs"
        t.add_row(
            "*" if row["chosen"] else "",
            v.get("scheme", ""),
            ",".join(v["layers"]) + eq,
            "" if row["flips"] is None else str(row["flips"]),
            "" if row["new_fn"] is None else str(row["new_fn"]),
            cycles if row["cycles_median"] is not None or not row["fits"] else "-",
            "" if row["flash_bytes"] is None else str(row["flash_bytes"]),
            "" if row["ram_bytes"] is None else str(row["ram_bytes"]),
            "yes" if row.get("pareto") else "",
        )
    tables.show(t)
    print("  Pareto: no other candidate has as few new FN, flips, cycles and flash bytes, and fewer of one")
    if slack is not None:
        print(
            f"  * chosen: of the candidates within {slack:.0%} of the fastest, the fewest new false negatives, "
            "then flips (--speed-slack)"
        )


def print_demo(r: dict) -> None:
    print("== train")
    print_train(r["train"])
    print("== validate")
    print_validate(r["validate"])
    print("== quantisation gate (--scheme auto)")
    print_quantize_test(r["quantize"])
    for board, t in r.get("tests", {}).items():
        print(f"== firmware on the emulated {board}")
        print_test(t)
    if r.get("flash_plan"):
        print("== what would be flashed")
        for p in r["flash_plan"]:
            print(f"  {p['board']}: {p['why']}")
    if "report" in r:
        print(f"report: {r['report']}")
    print(f"results in {r['workdir']}")


def print_export(r: dict) -> None:
    print(
        f"wrote {r['header']} ({r['bytes']} bytes): {r['scheme']} variant {r['variant_sha256'][:12]}, "
        f"layers {','.join(r['layers'])}"
    )
    print(f"  API: {r['api']}")


def _bytes(n: int) -> str:
    return f"{n // 1024} KB" if n >= 1024 else f"{n} B"


def print_boards(r: dict) -> None:
    t = tables.table(
        "board", "core", "clock", "flash", "RAM", "FPU", "emulator", "pio env", right=("clock", "flash", "RAM")
    )
    for b in r["boards"]:
        t.add_row(
            b["name"],
            b["core"],
            f"{b['clock_hz'] / 1e6:.0f} MHz",
            _bytes(b["flash_bytes"]),
            _bytes(b["ram_bytes"]),
            "yes" if b["fpu"] else "no",
            f"{b['emulator']['backend']}: {b['emulator']['chip']}" if b["emulator"] else "none (board only)",
            b["pio"]["env"],
        )
    tables.show(t, indent=0)


def print_build(r: dict) -> None:
    fw, fit = r["firmware"], r["fit"]
    print(f"built {fw['elf']} for {fw['board']} ({fw['toolchain']} toolchain, {fw['harness']} harness)")
    print(f"  sha256 {fw['sha256']}")
    print("  sections: " + ", ".join(f"{k} {v} B" for k, v in fw["sections"].items()))
    print("  by origin: " + ", ".join(f"{k} {v} B" for k, v in r["sizes"]["groups"].items()))
    if fw["stack"].get("path"):
        print(f"  deepest call chain: {' -> '.join(fw['stack']['path'])}")
    for reason in fit["reasons"]:
        print(f"  {reason}")
    print(f"  record {r['record']}")


def print_test(r: dict) -> None:
    rec = records.from_result(r)
    c = rec.cycles
    print(
        f"{rec.board} ({rec.target}): {rec.scheme} variant {rec.variant_sha256[:12]}, "
        f"firmware {rec.firmware_sha256[:12]}, {rec.rows} vectors"
    )
    if c.has_figures:
        print(
            f"  cycles per inference ({c.provenance}): min {c.min}, median {c.median:.0f}, max {c.max}"
            f" ({c.microseconds_median:.1f} us at the board's clock)"
        )
    m = rec.metrics
    if m.accuracy is not None:
        print(
            f"  accuracy {m.accuracy:.4%} (float {m.reference_accuracy:.4%}), flips {m.flips}, "
            f"max abs error {m.max_abs_error:.4g}"
        )
    s = rec.sizes
    measured = f", measured {s.stack_measured} B" if s.stack_measured is not None else ""
    print(f"  flash {s.flash} B, static RAM {s.ram_static} B, stack bound {s.stack} B{measured}")
    for reason in rec.reasons:
        print(f"  {reason}")
    signed = "signed, key " + rec.signature["key_id"] if rec.signature else "unsigned"
    print(f"  record {r['record']} ({signed})")
    print(f"Result: {rec.verdict}")


def print_serve(r: dict) -> None:
    print(
        f"served {r['firmware']} for {r['seconds']:.0f} s, {r.get('requests', 0)} requests"
        + (f"; the firmware stopped: {r['error']}" if r["error"] else "")
    )


def print_flash(r: dict) -> None:
    if r.get("gate"):
        print(f"emulator gate on the exact firmware: {r['gate']['verdict']} ({r['gate']['record']})")
    basis = "FORCED, no passing record" if r["forced"] else f"validation record {r['record']}"
    basis += " (signature verified)" if r.get("signed") else " (unsigned: checked for consistency only)"
    print(f"firmware {r['firmware_sha256'][:12]} of variant {r['variant_sha256'][:12]} for {r['board']}: {basis}")
    print(("would run: " if r["dry_run"] else "ran: ") + shlex.join(r["command"]))  # copy-pastable
    if "handshake" in r:
        print(f"the board reports model {r['handshake']['model_hash'][:12]}: matches")


def print_bench(r: dict) -> None:
    c = r["cycles"]
    print(
        f"{r['board']}: {r['vectors']} vectors x {r['repeat']} runs after {r['warmup']} warm-up passes "
        f"({r['counter']}, {r['provenance']})"
    )
    t = tables.table("cycles per inference", "min", "median", "max", right=("min", "median", "max"))
    t.add_row(f"board ({r['provenance']})", str(c["min"]), f"{c['median']:.0f}", str(c["max"]))
    if "emulator" in r:
        e = r["emulator"]["cycles"]
        t.add_row(f"emulator ({r['emulator']['provenance']})", str(e["min"]), f"{e['median']:.0f}", str(e["max"]))
    tables.show(t)
    print(
        f"  median {r['microseconds_median']:.1f} us at {r['clock_hz'] / 1e6:g} MHz; "
        f"largest spread on one vector {r['spread_per_vector']} cycles"
    )
    if "ratio_board_to_emulator" in r:
        print(f"  board / emulator = {r['ratio_board_to_emulator']:.4f}")
    elif "ratio_emulated_link_to_emulator" in r:  # an emulated core behind the port: not a hardware figure
        print(f"  emulated link / emulator = {r['ratio_emulated_link_to_emulator']:.4f} (no hardware involved)")


def print_report(r: dict) -> None:
    print(f"{r['records']} records: {r['records_passed']} PASSED, {r['records_failed']} FAILED")
    t = tables.table("board", "variant", "target", "verdict", "cycles (median)", right=("cycles (median)",))
    for b in r["boards"]:
        for e in b["entries"]:
            c = e["cycles"]
            cycles = f"{c['median']:,.0f} ({c['provenance']})" if "median" in c else "none counted"
            t.add_row(b["board"], e["label"], e["target"], e["verdict"], cycles)
    tables.show(t)
    for p in r["emulator_vs_board"]:
        print(f"  {p['board']} {p['label']}: board / emulator = {p['ratio']:.4f}")
    if "output" in r:
        print(f"wrote {r['output']}")


# What each command's parser names in ``set_defaults(render=...)``.
RENDERERS = {
    "train": print_train,
    "info": print_info,
    "predict": print_predict,
    "validate": print_validate,
    "import": print_import,
    "quantize": print_quantize,
    "quantize-test": print_quantize_test,
    "export": print_export,
    "build": print_build,
    "test": print_test,
    "serve-emulated": print_serve,
    "flash": print_flash,
    "bench": print_bench,
    "boards": print_boards,
    "report": print_report,
    "demo": print_demo,
}
