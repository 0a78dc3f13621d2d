"""Numpy training of a dense MLP: initialisation, forward/backward, SGD and Adam.

Pure numerics: data and a seeded generator come in, parameters and a history go out.
Training runs in float64; the model file stores the result rounded to float32.
Loss follows the output activation: binary cross-entropy for sigmoid, cross-entropy
for softmax, mean squared error otherwise.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from hasaki_hil.model import activations

Params = list[tuple[np.ndarray, np.ndarray]]  # per layer (W [out, in], b [out]), float64


@dataclass(frozen=True)
class TrainConfig:
    activations: tuple[str, ...]
    optimizer: str = "adam"  # "adam" or "sgd"
    lr: float = 0.005
    momentum: float = 0.0  # SGD only
    epochs: int = 200
    batch_size: int = 0  # 0 = auto_batch_size(rows)
    patience: int = 0  # 0 = auto_patience(epochs)
    min_delta: float = 1e-5  # smallest drop in validation loss that counts as progress
    lr_decay: float = 0.0  # lr_t = lr / (1 + lr_decay * epoch)
    dropout: float = 0.0  # inverted dropout on hidden activations
    l2: float = 0.0  # 0.5 * l2 * sum(W**2) added to the loss


@dataclass(frozen=True)
class EpochStats:
    epoch: int  # 1-based
    train_loss: float
    val_loss: float
    val_accuracy: float | None
    lr: float
    improved: bool


@dataclass(frozen=True)
class TrainResult:
    params: Params  # the best parameters seen (lowest validation loss)
    best_epoch: int
    epochs_run: int
    stop_reason: str  # "epochs" or "early-stop"
    history: tuple[EpochStats, ...]


def auto_batch_size(n_rows: int) -> int:
    """About 100 mini-batches per epoch, a power of two in [16, 256]; full batch under 16 rows."""
    if n_rows < 16:
        return max(1, n_rows)
    return int(min(256, max(16, 2 ** round(math.log2(max(1.0, n_rows / 100))))))


def auto_patience(epochs: int) -> int:
    return max(10, epochs // 10)


def init_params(dims: tuple[int, ...], acts: tuple[str, ...], rng: np.random.Generator) -> Params:
    """He-normal for relu/leaky_relu layers, Xavier-normal for the rest; zero biases."""
    params = []
    for n_in, n_out, act in zip(dims, dims[1:], acts):
        std = math.sqrt(2.0 / n_in) if act in ("relu", "leaky_relu") else math.sqrt(2.0 / (n_in + n_out))
        params.append((rng.standard_normal((n_out, n_in)) * std, np.zeros(n_out)))
    return params


def loss_kind(output_activation: str) -> str:
    return {"sigmoid": "bce", "softmax": "ce"}.get(output_activation, "mse")


class Trace(NamedTuple):
    zs: list  # per layer: pre-activation (after fake quantisation, if any)
    inputs: list  # inputs[k]: what layer k saw; inputs[-1] is the network output after dropout
    acts_out: list  # per layer: activation output (after fake quantisation, before dropout)
    grad_masks: list  # per layer: multiplier for the gradient reaching the output (dropout, STE clip)
    pre_masks: list  # per layer: STE clip mask of the pre-activation, or None
    weights: list  # per layer: the weights used (fake-quantised under QAT)


def forward(params: Params, acts, X: np.ndarray, dropout: float = 0.0, rng=None, quant=None) -> Trace:
    """The forward pass with what backprop needs.

    Dropout (inverted) applies to hidden layers only, when ``rng`` is given. ``quant``
    (see ``qat.FakeQuant``) fake-quantises weights and tensors for quantisation-aware
    training; gradients pass straight through it, except where a value was clipped.
    """
    t = Trace([], [], [], [], [], [])
    a = X if quant is None else quant.input(X)
    t.inputs.append(a)
    last = len(params) - 1
    for k, ((W, b), act) in enumerate(zip(params, acts)):
        W_eff = W if quant is None else quant.weights(k, W)
        z = a @ W_eff.T + b
        pre_mask = out_mask = None
        if quant is not None:
            z, pre_mask = quant.pre(k, z)
        a = activations.apply(act, z)
        if quant is not None:
            a, out_mask = quant.out(k, a)
        t.zs.append(z)
        t.acts_out.append(a)
        t.pre_masks.append(pre_mask)
        t.weights.append(W_eff)
        mask = out_mask
        if dropout > 0 and k < last and rng is not None:
            drop = (rng.random(a.shape) >= dropout) / (1.0 - dropout)
            a = a * drop
            mask = drop if mask is None else mask * drop
        t.grad_masks.append(mask)
        t.inputs.append(a)
    return t


def loss(kind: str, out: np.ndarray, Y: np.ndarray) -> float:
    if kind == "bce":
        p = np.clip(out, 1e-12, 1 - 1e-12)
        return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))
    if kind == "ce":
        return float(-np.mean(np.sum(Y * np.log(np.clip(out, 1e-12, 1.0)), axis=1)))
    return float(np.mean((out - Y) ** 2))


def accuracy(output_activation: str, out: np.ndarray, Y: np.ndarray) -> float | None:
    """Fraction of correct decisions: argmax for softmax, 0.5 threshold per sigmoid output."""
    if output_activation == "softmax":
        return float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))
    if output_activation == "sigmoid":
        return float(np.mean((out >= 0.5) == (Y >= 0.5)))
    return None


def gradients(params: Params, acts, X, Y, kind: str, l2: float, dropout: float, rng, quant=None):
    t = forward(params, acts, X, dropout, rng, quant)
    n = X.shape[0]
    out = t.acts_out[-1]
    if kind in ("bce", "ce"):
        # Sigmoid+BCE and softmax+CE share the gradient (out - Y) at the pre-activation.
        delta = (out - Y) / (n * (out.shape[1] if kind == "bce" else 1))
    else:
        delta = 2.0 * (out - Y) / out.size * activations.derivative(acts[-1], t.zs[-1], out)
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        if t.pre_masks[k] is not None:
            delta = delta * t.pre_masks[k]
        grads[k] = (delta.T @ t.inputs[k] + l2 * params[k][0], delta.sum(axis=0))
        if k > 0:
            da = delta @ t.weights[k]
            if t.grad_masks[k - 1] is not None:
                da = da * t.grad_masks[k - 1]
            delta = da * activations.derivative(acts[k - 1], t.zs[k - 1], t.acts_out[k - 1])
    return grads


class _Optimizer:
    def __init__(self, config: TrainConfig, params: Params):
        self.config = config
        self.t = 0
        self.m = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        self.v = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]

    def step(self, params: Params, grads, lr: float) -> None:
        self.t += 1
        c = self.config
        for k, ((W, b), (gW, gb)) in enumerate(zip(params, grads)):
            for j, (p, g) in enumerate(((W, gW), (b, gb))):
                m, v = self.m[k][j], self.v[k][j]
                if c.optimizer == "adam":
                    m *= 0.9
                    m += 0.1 * g
                    v *= 0.999
                    v += 0.001 * g * g
                    mhat = m / (1 - 0.9**self.t)
                    vhat = v / (1 - 0.999**self.t)
                    p -= lr * mhat / (np.sqrt(vhat) + 1e-8)
                elif c.momentum > 0:
                    m *= c.momentum
                    m -= lr * g
                    p += m
                else:
                    p -= lr * g


def train(
    X: np.ndarray,
    Y: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    config: TrainConfig,
    params: Params,
    rng: np.random.Generator,
    on_epoch: Callable[[EpochStats, Params], None] | None = None,
    quant=None,
) -> TrainResult:
    """Train ``params`` (modified in place) and return the best ones by validation loss.

    ``on_epoch`` is called after every epoch with the stats and the best parameters so
    far, so a caller can show progress and keep a side file. With ``quant`` (QAT), its
    ranges are recalibrated at the start of every epoch and losses are those of the
    fake-quantised network, so early stopping keeps the best quantised model.
    """
    acts = config.activations
    kind = loss_kind(acts[-1])
    n = X.shape[0]
    batch = config.batch_size or auto_batch_size(n)
    patience = config.patience or auto_patience(config.epochs)
    opt = _Optimizer(config, params)
    best = [(W.copy(), b.copy()) for W, b in params]
    best_loss, best_epoch, stale = math.inf, 0, 0
    history = []
    stop_reason = "epochs"
    for epoch in range(1, config.epochs + 1):
        lr = config.lr / (1.0 + config.lr_decay * (epoch - 1))
        if quant is not None:
            quant.prepare(params, X)
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            grads = gradients(params, acts, X[idx], Y[idx], kind, config.l2, config.dropout, rng, quant)
            opt.step(params, grads, lr)
        train_loss = loss(kind, forward(params, acts, X, quant=quant).acts_out[-1], Y)
        out_val = forward(params, acts, X_val, quant=quant).acts_out[-1]
        val_loss = loss(kind, out_val, Y_val)
        if not math.isfinite(val_loss):
            raise FloatingPointError(f"training diverged at epoch {epoch} (loss {val_loss})")
        improved = val_loss < best_loss - config.min_delta
        if improved:
            best_loss, best_epoch, stale = val_loss, epoch, 0
            best = [(W.copy(), b.copy()) for W, b in params]
        else:
            stale += 1
        stats = EpochStats(epoch, train_loss, val_loss, accuracy(acts[-1], out_val, Y_val), lr, improved)
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats, best)
        if stale >= patience:
            stop_reason = "early-stop"
            break
    return TrainResult(best, best_epoch, len(history), stop_reason, tuple(history))
