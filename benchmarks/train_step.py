"""Training-step throughput, measured side by side in one run: PyTorch eager, hand-written JAX (jit + optax),
torchjax eager, torchjax `torch.compile(model)` and torchjax whole-step `torchjax.compile(step)`.

    python benchmarks/train_step.py                      # blitz LeNet at batch 4 and 64
    python benchmarks/train_step.py --model mlp --batch 256
    python benchmarks/train_step.py --model resnet18 --batch 32 --variants torch,jax,torchjax

Each variant is warmed up (compiles excluded), then the variants are timed in alternating rounds; the table
gives median steps/s and ratios against PyTorch eager and hand-written JAX, plus first-step (compile) time and
peak RSS growth.
"""
import argparse
import gc
import resource
import statistics
import time

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root: torchjax
from models import MODELS  # noqa: E402 - benchmarks/models.py


def torch_variant(lib, spec, batch, compile_mode=None):
    """A training step written once against the torch API; `lib` is torch or torchjax."""
    nn, optim = lib.nn, lib.optim
    lib.manual_seed(0)
    model = spec.torch_model(lib)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    x = lib.tensor(np.random.default_rng(0).standard_normal((batch,) + spec.input_shape).astype(np.float32))
    y = lib.tensor(np.random.default_rng(1).integers(0, spec.classes, batch))
    fwd = lib.compile(model) if compile_mode == "module" else model

    def step():
        optimizer.zero_grad()
        loss = criterion(fwd(x), y)
        loss.backward()
        optimizer.step()
        return loss

    if compile_mode == "step":
        step = lib.compile(step)  # whole step: forward, backward, optimizer update in one XLA computation
    return step


def jax_variant(spec, batch):
    import jax
    import optax
    params = spec.jax_init(jax.random.PRNGKey(0))
    tx = optax.sgd(0.001, momentum=0.9)
    opt_state = tx.init(params)
    x = jax.numpy.asarray(np.random.default_rng(0).standard_normal((batch,) + spec.input_shape).astype(np.float32))
    y = jax.numpy.asarray(np.random.default_rng(1).integers(0, spec.classes, batch))

    def loss_fn(p):
        logits = spec.jax_apply(p, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(p, s):
        loss, g = jax.value_and_grad(loss_fn)(p)
        updates, s = tx.update(g, s, p)
        return optax.apply_updates(p, updates), s, loss

    state = [params, opt_state]

    def run():
        state[0], state[1], loss = step(state[0], state[1])
        return loss
    return run


def _sync(r):
    if hasattr(r, "block_until_ready"):
        r.block_until_ready()
    elif hasattr(r, "item"):
        r.item()


def make(variant, spec, batch):
    if variant == "torch":
        import torch
        torch.set_num_threads(2)
        return torch_variant(torch, spec, batch)
    if variant == "jax":
        return jax_variant(spec, batch)
    import torchjax
    mode = {"torchjax": None, "torchjax-compile": "module", "torchjax-step": "step"}[variant]
    return torch_variant(torchjax, spec, batch, mode)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="lenet", choices=sorted(MODELS))
    ap.add_argument("--batch", default="4,64")
    ap.add_argument("--variants", default="torch,jax,torchjax,torchjax-compile,torchjax-step")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per variant per round")
    args = ap.parse_args()
    spec = MODELS[args.model]
    for batch in [int(b) for b in args.batch.split(",")]:
        steps, first, mem = {}, {}, {}
        variants = args.variants.split(",")
        for v in variants:
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                fn = make(v, spec, batch)
                t = time.perf_counter()
                _sync(fn())
                first[v] = time.perf_counter() - t
                for _ in range(3):
                    _sync(fn())
            except Exception as e:  # noqa: BLE001 - report, keep measuring the others
                print(f"{v}: unavailable ({type(e).__name__}: {e})")
                continue
            steps[v] = fn
            mem[v] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        rates = {v: [] for v in steps}
        for _ in range(args.rounds):
            for v, fn in steps.items():
                gc.collect()
                n, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < args.seconds:
                    r = fn()
                    n += 1
                _sync(r)
                rates[v].append(n / (time.perf_counter() - t0))
        med = {v: statistics.median(r) for v, r in rates.items()}
        print(f"\n{args.model}, batch {batch} (median of {args.rounds} alternating rounds)")
        print(f"{'variant':<18}{'steps/s':>10}{'vs torch':>10}{'vs jax':>9}{'first step s':>14}{'peak RSS +MB':>14}")
        for v in med:
            vt = med[v] / med["torch"] if "torch" in med else float("nan")
            vj = med[v] / med["jax"] if "jax" in med else float("nan")
            print(f"{v:<18}{med[v]:>10.1f}{vt:>10.2f}{vj:>9.2f}{first[v]:>14.2f}{mem[v]:>14.0f}")


if __name__ == "__main__":
    main()
