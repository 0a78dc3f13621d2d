"""The gate's findings in words, first in the quantize-test report: what the variant newly
gets wrong against the float model, and Hasaki's own figure (mean |output - label|)."""


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def new_errors(m: dict) -> list[str]:
    """New false negatives and positives against the float model, one line each (binary), or
    one line per class with any (several classes or outputs)."""
    if "new_fn" not in m:
        return []
    fn, fp = m["new_fn"], m["new_fp"]
    if m.get("binary"):
        a, b = fn[0], fp[0]
        return [
            f"new false negatives: {a} {_plural(a, 'fire', 'fires')} the float model catches "
            f"{_plural(a, 'is', 'are')} missed",
            f"new false positives: {b} {_plural(b, 'alarm', 'alarms')} the float model does not raise",
        ]
    lines = [
        f"class {c}: {n} {_plural(n, 'row', 'rows')} of it the float model catches {_plural(n, 'is', 'are')} missed"
        for c, n in enumerate(fn)
        if n
    ]
    lines += [
        f"class {c}: {n} {_plural(n, 'row', 'rows')} the float model keeps out {_plural(n, 'is', 'are')} given it"
        for c, n in enumerate(fp)
        if n
    ]
    return lines or ["no row the float model decides right is decided wrong"]


def hasaki_figures(m: dict, name: str) -> list[str]:
    """Mean |output - label| of both sides, as Hasaki reports a model's error."""
    if "label_mae" not in m:
        return []
    return [
        f"mean |output - label| (Hasaki's figure): float {m['reference_label_mae']:.6f}, {name} {m['label_mae']:.6f}"
    ]
