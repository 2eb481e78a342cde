"""Training-step throughput, measured side by side in one run: PyTorch eager, hand-written JAX (jit + optax),
torchjax eager, torchjax `torch.compile(model)` and torchjax whole-step `torchjax.compile(step)`.

    python benchmarks/train_step.py          # LeNet b4 and b64, MLP b256, ResNet-18 b32 (3x64x64)
    python benchmarks/train_step.py --configs lenet:64,mlp:256 --rounds 7 --seconds 2
    python benchmarks/train_step.py --configs resnet18:32 --variants torch,jax,torchjax-step
    python benchmarks/train_step.py --device cuda --configs resnet18:256,gpt:16   # on a GPU machine

Each variant is built and warmed up (its first two steps are timed: that is the compile time, since the whole-step
variant runs its first call eagerly and compiles on the second), then the variants are timed in alternating
rounds; the table gives median steps/s, ratios against PyTorch eager and hand-written JAX, the compile time and the
peak resident memory growth while the variant was built and warmed up (VmHWM, reset before each variant).
"""
import argparse
import gc
import statistics
import time

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root: torchjax
from models import MODELS  # noqa: E402 - benchmarks/models.py


def torch_variant(lib, spec, batch, compile_mode=None, device="cpu"):
    """A training step written once against the torch API; `lib` is torch or torchjax."""
    nn, optim = lib.nn, lib.optim
    lib.manual_seed(0)
    model = spec.torch_model(lib).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    x = lib.tensor(spec.make_input(np.random.default_rng(0), batch), device=device)
    y = lib.tensor(spec.make_target(np.random.default_rng(1), batch), device=device)
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
    x = jax.numpy.asarray(spec.make_input(np.random.default_rng(0), batch))
    y = jax.numpy.asarray(spec.make_target(np.random.default_rng(1), batch))

    def loss_fn(p):
        logits = spec.jax_apply(p, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits.reshape(-1, logits.shape[-1]),
                                                               y.reshape(-1)).mean()

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


TORCH_THREADS = [0]


def _torch_threads(torch, spec, batch):
    """PyTorch's CPU thread count: --torch-threads, or (0) the faster of 1 and all cores in a short trial. On a
    loaded machine torch's OpenMP pool collapses when its threads are descheduled (measured here: LeNet b4 at ~80
    steps/s with 1 thread, 1-10 with 2 while other jobs ran), so the trial keeps the comparison fair."""
    if TORCH_THREADS[0]:
        return TORCH_THREADS[0]
    best = None
    for th in sorted({1, os.cpu_count()}):
        torch.set_num_threads(th)
        fn = torch_variant(torch, spec, batch)
        for _ in range(2):
            fn()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.5 or n < 2:
            fn()
            n += 1
        rate = n / (time.perf_counter() - t0)
        if best is None or rate > best[1]:
            best = (th, rate)
    return best[0]


def make(variant, spec, batch, device="cpu"):
    if variant == "torch":
        import torch
        if device == "cpu":
            th = _torch_threads(torch, spec, batch)
            torch.set_num_threads(th)
            print(f"(torch: {th} thread{'s' if th > 1 else ''})")
        return torch_variant(torch, spec, batch, device=device)
    if variant == "jax":
        return jax_variant(spec, batch)
    import torchjax
    mode = {"torchjax": None, "torchjax-compile": "module", "torchjax-step": "step"}[variant]
    return torch_variant(torchjax, spec, batch, mode, device=device)


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # MiB
    return float("nan")


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def run_config(spec_name, batch, variants, rounds, seconds, device):
    spec = MODELS[spec_name]
    steps, compile_s, mem = {}, {}, {}
    for v in variants:
        gc.collect()
        _reset_peak()
        rss0 = _status("VmRSS")
        try:
            fn = make(v, spec, batch, device)
            t = time.perf_counter()
            _sync(fn())
            _sync(fn())
            compile_s[v] = time.perf_counter() - t
            for _ in range(2):
                _sync(fn())
        except Exception as e:  # noqa: BLE001 - report, keep measuring the others
            print(f"{v}: unavailable ({type(e).__name__}: {e})")
            continue
        steps[v] = fn
        mem[v] = _status("VmHWM") - rss0
    rates = {v: [] for v in steps}
    for _ in range(rounds):
        for v, fn in steps.items():
            gc.collect()
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                r = fn()
                n += 1
            _sync(r)
            rates[v].append(n / (time.perf_counter() - t0))
    med = {v: statistics.median(r) for v, r in rates.items()}
    print(f"\n{spec_name}, batch {batch} (median of {rounds} alternating rounds of {seconds:g} s)")
    print(f"{'variant':<18}{'steps/s':>10}{'vs torch':>10}{'vs jax':>9}{'compile s':>11}{'peak RSS +MiB':>15}")
    for v in med:
        vt = med[v] / med["torch"] if "torch" in med else float("nan")
        vj = med[v] / med["jax"] if "jax" in med else float("nan")
        print(f"{v:<18}{med[v]:>10.1f}{vt:>10.2f}{vj:>9.2f}{compile_s[v]:>11.2f}{mem[v]:>15.0f}", flush=True)
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="lenet:4,lenet:64,mlp:256,resnet18:32",
                    help="comma-separated model:batch pairs (models: " + ", ".join(sorted(MODELS)) + ")")
    ap.add_argument("--variants", default="torch,jax,torchjax,torchjax-compile,torchjax-step")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per variant per round")
    ap.add_argument("--torch-threads", type=int, default=0,
                    help="PyTorch CPU threads (0: the faster of 1 and all cores, by a short trial)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (torch and torchjax; JAX uses its default device)")
    args = ap.parse_args()
    TORCH_THREADS[0] = args.torch_threads
    import jax
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")
    for cfg in args.configs.split(","):
        name, batch = cfg.split(":")
        run_config(name, int(batch), args.variants.split(","), args.rounds, args.seconds, args.device)


if __name__ == "__main__":
    main()
