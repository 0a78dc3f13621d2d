"""The ``train`` command: data in, a model file out, with a side file for Ctrl-C."""

import hashlib
import math
import os
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from hasaki_hil import errors
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.files import paths
from hasaki_hil.model import modelfile
from hasaki_hil.model.activations import ACTIVATIONS
from hasaki_hil.model.forward import normalise
from hasaki_hil.model.mlp import Layer, Model
from hasaki_hil.progress import Progress
from hasaki_hil.train import limits, trainer
from hasaki_hil.train import qat as qat_mod


class Interrupted(errors.Interrupted):
    """Ctrl-C during training: exit 130, the best-so-far model kept in the side file."""


def parse_arch(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(p) for p in text.replace("-", ",").split(","))
    except ValueError:
        raise UserError(f"--arch {text!r} is not a list of layer widths", hint="e.g. --arch 12,8,4,1") from None
    if len(dims) < 2 or min(dims) < 1:
        raise UserError(f"--arch {text!r} needs at least an input and an output width, all >= 1")
    limits.check_arch(dims, text)
    return dims


def parse_activations(text: str | None, n_layers: int) -> tuple[str, ...]:
    if text is None:  # hidden relu, sigmoid output: a binary classifier, the common case
        return ("relu",) * (n_layers - 1) + ("sigmoid",)
    acts = tuple(a.strip() for a in text.split(","))
    if len(acts) == 1 and n_layers > 1:
        acts = acts * n_layers
    if len(acts) != n_layers:
        raise UserError(f"--act names {len(acts)} activations for {n_layers} layers")
    for a in acts:
        if a not in ACTIVATIONS:
            raise UserError(f"unknown activation {a!r}", hint="choose from " + ", ".join(ACTIVATIONS))
    if "softmax" in acts[:-1]:
        raise UserError("softmax is supported on the output layer only")
    return acts


def check_config(config: trainer.TrainConfig, seed: int) -> None:
    checks = [
        (config.optimizer in ("adam", "sgd"), "--optimizer must be adam or sgd"),
        (config.epochs >= 1, "--epochs must be at least 1"),
        (config.lr > 0 and math.isfinite(config.lr), "--lr must be a positive number"),
        (0 <= config.momentum < 1, "--momentum must be in [0, 1)"),
        (config.batch_size >= 0, "--batch-size must be >= 0 (0 = automatic)"),
        (config.patience >= 0, "--patience must be >= 0 (0 = automatic)"),
        (config.min_delta >= 0, "--min-delta must be >= 0"),
        (config.lr_decay >= 0, "--lr-decay must be >= 0"),
        (0 <= config.dropout < 1, "--dropout must be in [0, 1)"),
        (config.l2 >= 0, "--l2 must be >= 0"),
        (seed >= -1, "--seed must be >= 0, or -1 for a random seed"),
    ]
    for ok, message in checks:
        if not ok:
            raise UserError(message)


def _file_sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _to_model(params, acts, norm: dict, name: str, training: dict) -> Model:
    layers = tuple(Layer(W.astype(np.float32), b.astype(np.float32), act) for (W, b), act in zip(params, acts))
    return Model(layers=layers, name=name, training=training, **norm)


def _normalisation(X: np.ndarray, mode: str, resume: Model | None) -> dict:
    if resume is not None:
        return {k: getattr(resume, k) for k in ("input_min", "input_max", "input_offset", "input_scale")}
    lo, hi = data.input_range(X)
    if mode == "minmax":
        span = hi - lo
        scale = np.where(span > 0, 1.0 / np.where(span > 0, span, 1.0), 1.0).astype(np.float32)
        offset = lo.astype(np.float32)
    elif mode == "none":
        scale, offset = np.ones_like(lo), np.zeros_like(lo)
    else:
        raise UserError(f"--normalize {mode!r}: choose none or minmax")
    return {"input_min": lo, "input_max": hi, "input_offset": offset, "input_scale": scale}


def train_file(
    data_path,
    out,
    *,
    arch: str | None = None,
    act: str | None = None,
    config: dict | None = None,
    seed: int = 42,
    test_file=None,
    header: bool | None = None,
    resume=None,
    normalize: str = "none",
    name: str | None = None,
    qat: str | None = None,
    show_progress: bool = True,
) -> dict:
    """Train a model on ``data_path`` and write it to ``out``; returns a summary."""
    # refuse a bad output now, not after the training (scripts call this without the CLI's check)
    paths.check_outputs(
        {"-o": out, "-o's side file": f"{out}.partial"},
        {"DATA": data_path, "--test-file": test_file, "--resume": resume},
    )
    base = modelfile.load(resume) if resume else None
    if base is not None:
        dims, acts = base.dims, base.activations
        if arch and parse_arch(arch) != dims:
            raise UserError(f"--arch {arch} differs from the resumed model's {'-'.join(map(str, dims))}")
        if act and parse_activations(act, len(dims) - 1) != acts:
            raise UserError("--act differs from the resumed model's activations " + ",".join(acts))
    else:
        if not arch:
            raise UserError("--arch is required (e.g. --arch 12,8,4,1) unless --resume is given")
        dims = parse_arch(arch)
        acts = parse_activations(act, len(dims) - 1)
    cfg = trainer.TrainConfig(activations=acts, **(config or {}))
    check_config(cfg, seed)
    quant = None
    if qat is not None:
        if qat not in qat_mod.SCHEMES:
            raise UserError(f"--qat {qat!r}: choose " + " or ".join(qat_mod.SCHEMES))
        if qat == "int8" and "softmax" in acts[:-1]:
            raise UserError("the int8 scheme does softmax only on the output layer")
        quant = qat_mod.FakeQuant(qat, acts)
    if seed == -1:
        seed = int(np.random.SeedSequence().entropy % (2**31))
    rng = np.random.default_rng(seed)

    ds = data.load_csv(data_path, dims[0], dims[-1], acts[-1], header=header)
    limits.check_memory(dims, ds.n_rows)
    finite.check_inputs(SimpleNamespace(input_offset=0.0, input_scale=1.0), ds.X, finite.csv_place(ds))
    norm = _normalisation(ds.X, normalize, base)

    def prepare(X_raw):
        return normalise(X_raw, norm["input_offset"], norm["input_scale"]).astype(np.float64)

    scaling = SimpleNamespace(input_offset=norm["input_offset"], input_scale=norm["input_scale"])
    finite.check_inputs(scaling, ds.X, finite.csv_place(ds))
    X = prepare(ds.X)
    if test_file is not None:
        vs = data.load_csv(test_file, dims[0], dims[-1], acts[-1], header=header)
        finite.check_inputs(scaling, vs.X, finite.csv_place(vs))
        X_tr, Y_tr, X_val, Y_val = X, ds.Y, prepare(vs.X), vs.Y
        split = f"test file {Path(test_file).name}"
    elif ds.n_rows < 10:
        X_tr, Y_tr, X_val, Y_val = X, ds.Y, X, ds.Y
        split = "all rows (fewer than 10)"
    else:
        perm = rng.permutation(ds.n_rows)
        n_val = ds.n_rows // 5
        X_tr, Y_tr = X[perm[n_val:]], ds.Y[perm[n_val:]]
        X_val, Y_val = X[perm[:n_val]], ds.Y[perm[:n_val]]
        split = "80/20"

    if base is not None:
        params = [(layer.weights.astype(np.float64), layer.bias.astype(np.float64)) for layer in base.layers]
    else:
        params = trainer.init_params(dims, acts, rng)

    model_name = name or (base.name if base else Path(out).stem)
    settings = {
        "data": Path(data_path).name,
        "data_sha256": _file_sha256(data_path),
        "seed": seed,
        "split": split,
        "rows_train": int(X_tr.shape[0]),
        "rows_validation": int(X_val.shape[0]),
        "normalize": normalize,
        "loss": trainer.loss_kind(acts[-1]),
        "resumed_from": base.sha256 if base else None,
        "qat": qat,
        **{k: v for k, v in vars(cfg).items() if k != "activations"},
        "batch_size_used": cfg.batch_size or trainer.auto_batch_size(X_tr.shape[0]),
        "patience_used": cfg.patience or trainer.auto_patience(cfg.epochs),
    }
    side = Path(str(out) + ".partial")
    # early stopping usually ends sooner than --epochs: the time left is an upper bound
    progress = Progress(cfg.epochs, "train", enabled=show_progress, upper_bound=True, unit=" epochs")
    state = {"best": None, "last_write": 0.0, "written": None}

    def write_side(force: bool = False) -> None:
        best = state["best"]
        if best is None or state["written"] is best:
            return
        if force or time.monotonic() - state["last_write"] >= 2.0:
            stats, params_best = best
            info = dict(settings, partial=True, best_epoch=stats.epoch)
            modelfile.save(_to_model(params_best, acts, norm, model_name, info), side)
            state["last_write"], state["written"] = time.monotonic(), best

    def on_epoch(stats: trainer.EpochStats, best_params) -> None:
        if stats.improved:
            state["best"] = (stats, best_params)
        write_side()
        acc = "" if stats.val_accuracy is None else f" acc {stats.val_accuracy * 100:.2f}%"
        progress.update(stats.epoch, f"loss {stats.train_loss:.5f} val {stats.val_loss:.5f}{acc}")

    t0 = time.monotonic()
    try:
        result = trainer.train(X_tr, Y_tr, X_val, Y_val, cfg, params, rng, on_epoch, quant)
    except KeyboardInterrupt:
        write_side(force=True)
        progress.close("interrupted")
        kept = f"best-so-far model kept in {side}" if state["best"] else "no epoch finished; nothing kept"
        raise Interrupted(f"training interrupted; {kept}") from None
    except FloatingPointError as e:
        raise UserError(str(e), hint="lower --lr or add --l2") from None
    elapsed = time.monotonic() - t0
    progress.close(f"done ({result.stop_reason}, best epoch {result.best_epoch})")

    last = result.history[result.best_epoch - 1] if result.best_epoch else result.history[-1]
    info = dict(
        settings,
        epochs_run=result.epochs_run,
        best_epoch=result.best_epoch,
        stop_reason=result.stop_reason,
        val_loss=last.val_loss,
        val_accuracy=last.val_accuracy,
    )
    model = _to_model(result.params, acts, norm, model_name, info)
    sha = modelfile.save(model, out)
    if side.exists():
        os.unlink(side)
    return {
        "model": str(out),
        "sha256": sha,
        "dims": list(dims),
        "activations": list(acts),
        "seed": seed,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stop_reason": result.stop_reason,
        "val_loss": last.val_loss,
        "val_accuracy": last.val_accuracy,
        "rows_train": settings["rows_train"],
        "rows_validation": settings["rows_validation"],
        "split": split,
        "elapsed_s": round(elapsed, 3),
    }
