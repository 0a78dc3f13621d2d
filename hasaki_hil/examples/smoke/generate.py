"""Make the built-in example: a synthetic 12-sensor fire/no-fire dataset.

The project made this data itself (no outside source), so the demo and tests run on
any machine. It imitates the shape of real smoke-detector logs: 12 inputs scaled to
[0, 1] (temperature, humidity, TVOC, eCO2, raw H2, raw ethanol, pressure and five
particle counts) and a 0/1 fire label. As in real logs, the particle channels sit in a
tiny part of their range (around 1e-4), which is what breaks naive weight-only int8.

Run: python models/example/generate.py  (rewrites train.csv and test.csv beside it)
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def make(n: int, rng: np.random.Generator) -> np.ndarray:
    fire = rng.random(n) < 0.5
    temp = np.clip(rng.normal(0.45, 0.10, n) + 0.15 * fire, 0, 1)
    humidity = np.clip(rng.normal(0.55, 0.10, n) - 0.18 * fire, 0, 1)
    tvoc = np.clip(rng.gamma(1.5, 0.02, n) + 0.05 * fire * rng.random(n), 0, 1)
    eco2 = np.clip(rng.gamma(1.2, 0.01, n) + 0.01 * fire * rng.random(n), 0, 1)
    h2 = np.clip(rng.normal(0.72, 0.06, n) + 0.08 * fire, 0, 1)
    ethanol = np.clip(rng.normal(0.78, 0.08, n) - 0.06 * fire, 0, 1)
    pressure = np.clip(rng.normal(0.93, 0.03, n) + 0.01 * fire, 0, 1)
    # Particle channels: tiny values that differ by class only in their own small scale.
    base = rng.gamma(2.0, 4e-5, n) * (1 + 2.5 * fire)
    pm = [np.clip(base * f * rng.lognormal(0, 0.1, n), 0, 1) for f in (1.0, 0.33, 1.6, 0.3, 0.02)]
    X = np.column_stack([temp, humidity, tvoc, eco2, h2, ethanol, pressure, *pm])
    noise = rng.random(n) < 0.01  # a few mislabelled rows, as in any real log
    y = np.where(noise, ~fire, fire).astype(int)
    return np.column_stack([X, y])


def write(path: Path, rows: np.ndarray) -> None:
    lines = [",".join(f"{v:.6f}" for v in r[:-1]) + f",{int(r[-1])}" for r in rows]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    rng = np.random.default_rng(20261126)
    write(HERE / "train.csv", make(2000, rng))
    write(HERE / "test.csv", make(600, rng))
