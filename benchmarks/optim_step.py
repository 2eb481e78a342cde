"""optimizer.step() on a 100-tensor model: torchjax's fused step (one jitted XLA call) against torch's foreach step.

    python benchmarks/optim_step.py [--reps 200] [--width 64]

The model is 50 linear layers (weight width x width, bias width): 100 parameter tensors with gradients. For each
configuration the script

  * proves the torchjax step is ONE XLA call: it counts calls of the fused optimizer's jitted function
    (torchjax.optim._fused.dispatch_count) and calls of every other torchjax kernel (the core's per-op jitted
    kernels) during steady-state steps, and checks jax compiles nothing new after warm-up;
  * times step() in torchjax and in torch (foreach=True) alternately in one run and prints the medians.
    torchjax steps are timed until the parameters are ready (JAX dispatch is asynchronous).
A naive torchjax loop (one in-place op per tensor, as a hand-written optimizer would do) is timed for contrast.
"""
import argparse
import logging
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torchjax  # noqa: E402
from torchjax._ops import kernel as _kernel  # noqa: E402
from torchjax.optim import _fused  # noqa: E402


def make(xp, width, n_layers, seed=0):
    rng = np.random.default_rng(seed)
    params, grads = [], []
    for _ in range(n_layers):
        for shape in ((width, width), (width,)):
            params.append(xp.tensor(rng.standard_normal(shape).astype(np.float32) * 0.1, requires_grad=True))
            grads.append(xp.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01))
    for p, g in zip(params, grads):
        p.grad = g
    return params


class CountKernels:
    """Counts calls of the core's per-op kernels (anything dispatched outside the fused step)."""

    def __enter__(self):
        self.n = 0
        self._orig = _kernel.Kernel.fwd

        def fwd(k, static, _orig=self._orig):
            self.n += 1
            return _orig(k, static)
        _kernel.Kernel.fwd = fwd
        return self

    def __exit__(self, *exc):
        _kernel.Kernel.fwd = self._orig


class CountCompiles(logging.Handler):
    def __init__(self):
        super().__init__()
        self.n = 0

    def emit(self, record):
        if "Compiling" in record.getMessage() or "compil" in record.getMessage().lower():
            self.n += 1


def time_it(fn, sync):
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--layers", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    configs = [
        ("SGD(lr=0.01, momentum=0.9)", "SGD", dict(lr=0.01, momentum=0.9)),
        ("Adam(lr=1e-3)", "Adam", dict(lr=1e-3)),
        ("AdamW(lr=1e-3, amsgrad=True)", "AdamW", dict(lr=1e-3, amsgrad=True)),
    ]
    n_tensors = 2 * args.layers
    numel = args.layers * (args.width * args.width + args.width)
    print(f"model: {n_tensors} parameter tensors, {numel:,} elements; jax {jax.__version__} on "
          f"{jax.devices()[0].platform}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"{'optimizer':32s} {'XLA calls/step':>14s} {'other kernels':>13s} {'torchjax ms':>11s} "
          f"{'torch foreach ms':>16s} {'ratio':>6s}")

    handler = CountCompiles()
    jlog = logging.getLogger("jax")
    jlog.addHandler(handler)
    for label, name, kw in configs:
        jparams = make(torchjax, args.width, args.layers)
        tparams = make(torch, args.width, args.layers)
        jopt = getattr(torchjax.optim, name)(jparams, **kw)
        topt = getattr(torch.optim, name)(tparams, foreach=True, **kw)
        for _ in range(5):  # warm-up: state creation and compilation
            jopt.step()
            topt.step()
        jax.block_until_ready(jparams[-1]._value())

        jax.config.update("jax_log_compiles", True)
        handler.n = 0
        before = _fused.dispatch_count[0]
        with CountKernels() as ck:
            for _ in range(10):
                jopt.step()
        calls = (_fused.dispatch_count[0] - before) / 10
        jax.config.update("jax_log_compiles", False)
        assert calls == 1, f"{label}: {calls} fused calls per step"
        assert ck.n == 0, f"{label}: {ck.n} other kernel dispatches in 10 steps"
        assert handler.n == 0, f"{label}: {handler.n} compilations after warm-up"

        def jsync():
            jax.block_until_ready(jparams[-1]._value())

        jt, tt = [], []
        for _ in range(args.reps):
            jt.append(time_it(jopt.step, jsync))
            tt.append(time_it(topt.step, lambda: None))
        jm, tm = statistics.median(jt) * 1e3, statistics.median(tt) * 1e3
        print(f"{label:32s} {calls:14.0f} {ck.n:13d} {jm:11.3f} {tm:16.3f} {jm / tm:6.2f}")

    # contrast: a hand-written per-tensor update, one dispatch per tensor
    jparams = make(torchjax, args.width, args.layers)

    def naive():
        with torchjax.no_grad():
            for p in jparams:
                p.add_(p.grad, alpha=-0.01)

    naive()
    times = [time_it(naive, lambda: jax.block_until_ready(jparams[-1]._value())) for _ in range(max(20, args.reps // 5))]
    with CountKernels() as ck:
        naive()
    print(f"{'naive per-tensor p.add_ loop':32s} {ck.n:14d} {'':>13s} {statistics.median(times) * 1e3:11.3f}")
    jlog.removeHandler(handler)


if __name__ == "__main__":
    main()
