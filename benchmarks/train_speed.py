"""Training speed: 100 epochs of the 12-8-4-1 smoke model on train.csv.

Prints the wall time next to the budget from the foundation issue (well under 60 s)
and the ratio between them. Uses ../shared/datasets/smoke/train.csv when present,
otherwise the built-in example (and says so).

Run: .venv/bin/python benchmarks/train_speed.py [--epochs 100] [--repeat 3]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from hasaki_hil.train import training

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/datasets/smoke/train.csv"))
    args = ap.parse_args()
    data = Path(args.data)
    if not data.is_file():
        print(f"{data} not found; using the built-in example instead")
        data = ROOT / "models/example/train.csv"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = training.train_file(
                data,
                Path(tmp) / "bench.model",
                arch="12,8,4,1",
                act="relu,relu,sigmoid",
                # patience above the epoch count: every run trains the full number of epochs
                config={"epochs": args.epochs, "patience": args.epochs + 1},
                seed=7,
                show_progress=False,
            )
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"data            {data} ({r['rows_train']} training rows)")
    print(f"epochs          {r['epochs_run']}")
    print(f"{'':16}{'measured':>12}{'budget':>12}{'ratio':>10}")
    print(f"{'wall time (s)':16}{med:>12.2f}{BUDGET_S:>12.1f}{med / BUDGET_S:>10.3f}")
    print(f"rows x epochs/s {r['rows_train'] * r['epochs_run'] / med:>12.0f}")
    print(f"runs (s)        {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main()
