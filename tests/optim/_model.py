"""A small model built identically in torch and torchjax from the same numpy values, and a training loop."""
import numpy as np

RNG = np.random.default_rng(1234)
D_IN, D_HID, D_OUT, BATCH = 5, 7, 3, 8
INIT = {
    "W1": (RNG.standard_normal((D_IN, D_HID)) * 0.5).astype(np.float32),
    "b1": (RNG.standard_normal(D_HID) * 0.1).astype(np.float32),
    "W2": (RNG.standard_normal((D_HID, D_OUT)) * 0.5).astype(np.float32),
    "b2": (RNG.standard_normal(D_OUT) * 0.1).astype(np.float32),
}
DATA = [(RNG.standard_normal((BATCH, D_IN)).astype(np.float32), RNG.standard_normal((BATCH, D_OUT)).astype(np.float32))
        for _ in range(4)]


def make_params(xp, dtype=None):
    dt = dtype or xp.float32
    return [xp.tensor(INIT[k], dtype=dt, requires_grad=True) for k in ("W1", "b1", "W2", "b2")]


def loss_fn(xp, params, i):
    W1, b1, W2, b2 = params
    x, y = DATA[i % len(DATA)]
    dt = W1.dtype
    h = xp.tanh(xp.tensor(x, dtype=dt) @ W1 + b1)
    out = h @ W2 + b2
    return ((out - xp.tensor(y, dtype=dt)) ** 2).mean()


def train(xp, make_opt, steps=100, groups=None, closure=False, dtype=None):
    """Train for `steps` steps; returns (params, optimizer, losses)."""
    params = make_params(xp, dtype)
    if groups is None:
        opt = make_opt(params)
    else:
        opt = make_opt(groups(params))
    losses = []
    for i in range(steps):
        if closure:
            def closure_fn(i=i):
                opt.zero_grad()
                loss = loss_fn(xp, params, i)
                loss.backward()
                return loss
            loss = opt.step(closure_fn)
        else:
            opt.zero_grad()
            loss = loss_fn(xp, params, i)
            loss.backward()
            opt.step()
        losses.append(float(loss))
    return params, opt, losses
