import numpy as np
import pytest

from hasaki_hil.train import trainer

ACT_SETS = [
    ("relu", "tanh", "sigmoid"),
    ("leaky_relu", "linear", "softmax"),
    ("sigmoid", "relu", "linear"),
    ("tanh", "leaky_relu", "tanh"),
]


def _targets(acts, rng, n, k):
    if acts[-1] == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if acts[-1] in ("sigmoid",):
        return (rng.random((n, k)) > 0.5).astype(float)
    return rng.normal(size=(n, k)) * 0.5


@pytest.mark.parametrize("acts", ACT_SETS)
def test_gradients_match_finite_differences(acts):
    rng = np.random.default_rng(3)
    dims = (5, 4, 3, 3)
    params = trainer.init_params(dims, acts, rng)
    X = rng.normal(size=(7, dims[0]))
    Y = _targets(acts, rng, 7, dims[-1])
    kind = trainer.loss_kind(acts[-1])
    l2 = 0.01
    grads = trainer.gradients(params, acts, X, Y, kind, l2, 0.0, None)

    def total_loss():
        out = trainer.forward(params, acts, X).acts_out[-1]
        return trainer.loss(kind, out, Y) + 0.5 * l2 * sum(float(np.sum(W * W)) for W, _ in params)

    eps = 1e-6
    for k, (W, b) in enumerate(params):
        for arr, g in ((W, grads[k][0]), (b, grads[k][1])):
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + eps
                up = total_loss()
                arr[idx] = old - eps
                down = total_loss()
                arr[idx] = old
                numeric = (up - down) / (2 * eps)
                # relu kinks make a rare point non-differentiable; tolerance covers smooth ones
                assert abs(numeric - g[idx]) < 1e-5 + 1e-3 * abs(numeric), (acts, k, idx)


def test_init_uses_he_for_relu_and_xavier_otherwise():
    rng = np.random.default_rng(0)
    params = trainer.init_params((400, 300, 200), ("relu", "tanh"), rng)
    assert abs(params[0][0].std() - np.sqrt(2 / 400)) < 0.002
    assert abs(params[1][0].std() - np.sqrt(2 / 500)) < 0.002
    assert not params[0][1].any() and not params[1][1].any()


def test_auto_batch_size_and_patience():
    assert trainer.auto_batch_size(5) == 5
    assert trainer.auto_batch_size(1600) == 16
    assert trainer.auto_batch_size(22877) == 256
    assert trainer.auto_batch_size(10**7) == 256
    assert trainer.auto_patience(200) == 20 and trainer.auto_patience(30) == 10


def _xor_data(rng, n=400):
    X = rng.random((n, 2))
    Y = ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)).astype(float)[:, None]
    return X, Y


@pytest.mark.parametrize("optimizer,lr,momentum", [("adam", 0.02, 0.0), ("sgd", 0.5, 0.9)])
def test_learns_xor(optimizer, lr, momentum):
    rng = np.random.default_rng(1)
    X, Y = _xor_data(rng)
    acts = ("tanh", "sigmoid")
    cfg = trainer.TrainConfig(acts, optimizer=optimizer, lr=lr, momentum=momentum, epochs=300, batch_size=32)
    params = trainer.init_params((2, 8, 1), acts, rng)
    result = trainer.train(X, Y, X, Y, cfg, params, rng)
    out = trainer.forward(result.params, acts, X).acts_out[-1]
    assert trainer.accuracy("sigmoid", out, Y) > 0.95


def test_same_seed_same_weights_and_dropout_l2_decay_run():
    def run(seed):
        rng = np.random.default_rng(seed)
        X, Y = _xor_data(np.random.default_rng(0))
        acts = ("relu", "sigmoid")
        cfg = trainer.TrainConfig(acts, epochs=20, dropout=0.2, l2=1e-3, lr_decay=0.05)
        params = trainer.init_params((2, 6, 1), acts, rng)
        return trainer.train(X, Y, X, Y, cfg, params, rng)

    a, b, c = run(5), run(5), run(6)
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params):
        assert Wa.tobytes() == Wb.tobytes() and ba.tobytes() == bb.tobytes()
    assert a.params[0][0].tobytes() != c.params[0][0].tobytes()
    assert a.history[-1].lr == pytest.approx(0.005 / (1 + 0.05 * 19))


def test_early_stopping_keeps_the_best_epoch():
    rng = np.random.default_rng(2)
    X = rng.random((60, 3))
    Y = (rng.random((60, 1)) > 0.5).astype(float)  # pure noise: validation loss soon rises
    Xv = rng.random((60, 3))
    Yv = (rng.random((60, 1)) > 0.5).astype(float)
    acts = ("relu", "sigmoid")
    cfg = trainer.TrainConfig(acts, epochs=500, patience=5, lr=0.05, batch_size=8)
    result = trainer.train(X, Y, Xv, Yv, cfg, trainer.init_params((3, 16, 1), acts, rng), rng)
    assert result.stop_reason == "early-stop"
    assert result.epochs_run == result.best_epoch + 5
    best_val = min(h.val_loss for h in result.history)
    out = trainer.forward(result.params, acts, Xv).acts_out[-1]
    assert trainer.loss("bce", out, Yv) == pytest.approx(best_val)
