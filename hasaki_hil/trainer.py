"""Numpy training of a dense MLP: initialisation, forward/backward, SGD and Adam.

Pure numerics: data and a seeded generator come in, parameters and a history go out.
Training runs in float64; the model file stores the result rounded to float32.
Loss follows the output activation: binary cross-entropy for sigmoid, cross-entropy
for softmax, mean squared error otherwise.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import activations

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


def forward(params: Params, acts, X: np.ndarray, dropout: float = 0.0, rng=None):
    """Returns, per layer, pre-activations, activations and dropout masks for backprop.

    ``inputs[k]`` is what layer k saw (after dropout); ``acts_out[k]`` its activation
    before dropout. Dropout (inverted) applies to hidden layers only, when ``rng`` is given.
    """
    zs, inputs, acts_out, masks = [], [X], [], []
    a = X
    last = len(params) - 1
    for k, ((W, b), act) in enumerate(zip(params, acts)):
        z = a @ W.T + b
        a = activations.apply(act, z)
        zs.append(z)
        acts_out.append(a)
        mask = None
        if dropout > 0 and k < last and rng is not None:
            mask = (rng.random(a.shape) >= dropout) / (1.0 - dropout)
            a = a * mask
        masks.append(mask)
        inputs.append(a)
    return zs, inputs, acts_out, masks


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


def gradients(params: Params, acts, X, Y, kind: str, l2: float, dropout: float, rng):
    zs, inputs, acts_out, masks = forward(params, acts, X, dropout, rng)
    n = X.shape[0]
    out = acts_out[-1]
    if kind in ("bce", "ce"):
        # Sigmoid+BCE and softmax+CE share the gradient (out - Y) at the pre-activation.
        delta = (out - Y) / (n * (out.shape[1] if kind == "bce" else 1))
    else:
        delta = 2.0 * (out - Y) / out.size * activations.derivative(acts[-1], zs[-1], out)
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        W, _ = params[k]
        grads[k] = (delta.T @ inputs[k] + l2 * W, delta.sum(axis=0))
        if k > 0:
            da = delta @ W
            if masks[k - 1] is not None:
                da = da * masks[k - 1]
            delta = da * activations.derivative(acts[k - 1], zs[k - 1], acts_out[k - 1])
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
) -> TrainResult:
    """Train ``params`` (modified in place) and return the best ones by validation loss.

    ``on_epoch`` is called after every epoch with the stats and the best parameters so
    far, so a caller can show progress and keep a side file.
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
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            grads = gradients(params, acts, X[idx], Y[idx], kind, config.l2, config.dropout, rng)
            opt.step(params, grads, lr)
        train_loss = loss(kind, forward(params, acts, X)[2][-1], Y)
        out_val = forward(params, acts, X_val)[2][-1]
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
