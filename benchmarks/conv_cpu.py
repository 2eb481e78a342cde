"""CPU convolution lowerings, measured: XLA's conv (NCHW and NHWC) against torchjax's im2col + one GEMM, forward
and the native direct convolution (torchjax/_csrc/conv2d.cc), forward and forward+backward, for the LeNet and ResNet-18 (3x64x64) conv shapes. Used to choose torchjax's CPU lowering
(torchjax/_ops/nn_conv.py); run it on a new machine to re-check the choice.

    python benchmarks/conv_cpu.py [--batch 4,32,64] [--torch]
"""
import argparse
import os
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp
from jax import lax

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, Cin, H, Cout, k, stride, pad)
SHAPES = [
    ("lenet.conv1", 3, 32, 6, 5, 1, 0), ("lenet.conv2", 6, 14, 16, 5, 1, 0),
    ("r18.conv1", 3, 64, 64, 7, 2, 3), ("r18.l1", 64, 16, 64, 3, 1, 1), ("r18.l2a", 64, 16, 128, 3, 2, 1),
    ("r18.l2", 128, 8, 128, 3, 1, 1), ("r18.l2d", 64, 16, 128, 1, 2, 0), ("r18.l3", 256, 4, 256, 3, 1, 1),
    ("r18.l4", 512, 2, 512, 3, 1, 1),
]


def xla_nchw(x, w, s, p):
    return lax.conv_general_dilated(x, w, (s, s), [(p, p)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW"))


def xla_nhwc(x, w, s, p):
    y = lax.conv_general_dilated(x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0), (s, s), [(p, p)] * 2,
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y.transpose(0, 3, 1, 2)


def im2col(x, w, s, p):
    from torchjax._ops.nn_conv import _conv2d_gemm
    return _conv2d_gemm(x, w, (s, s), ((p, p), (p, p)), (1, 1))


def direct(x, w, s, p):
    from torchjax._csrc.conv2d import conv2d
    return conv2d(x, w, (s, s), ((p, p), (p, p)), (1, 1))


VARIANTS = {"xla": xla_nchw, "xla_nhwc": xla_nhwc, "gemm": im2col, "direct": direct}


def timeit(f, *a, reps=None):
    jax.block_until_ready(f(*a))
    t0 = time.perf_counter()
    n = 0
    while True:
        jax.block_until_ready(f(*a))
        n += 1
        el = time.perf_counter() - t0
        if (reps and n >= reps) or el > 0.4:
            break
    # median of a few short runs
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(max(1, n // 3)):
            jax.block_until_ready(f(*a))
        ts.append((time.perf_counter() - t) / max(1, n // 3))
    return sorted(ts)[1] * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", default="4,32,64")
    ap.add_argument("--shapes", default="")
    ap.add_argument("--torch", action="store_true", help="also time PyTorch's conv (oneDNN)")
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    variants = {v: VARIANTS[v] for v in args.variants.split(",")}
    rng = np.random.default_rng(0)
    print(f"{'shape':<13}{'B':>4} " + "".join(f"{v + ' f':>11}{v + ' fb':>12}" for v in variants)
          + ("   torch f  torch fb" if args.torch else "") + "   (ms)")
    for b in [int(v) for v in args.batch.split(",")]:
        for name, ci, h, co, k, s, p in SHAPES:
            if args.shapes and not any(t in name for t in args.shapes.split(",")):
                continue
            x = jnp.asarray(rng.standard_normal((b, ci, h, h), np.float32))
            w = jnp.asarray(rng.standard_normal((co, ci, k, k), np.float32) * 0.1)
            row = []
            ref = None
            for vn, fn in variants.items():
                f = jax.jit(lambda x, w, fn=fn: fn(x, w, s, p))

                def fb(x, w, fn=fn):
                    y, vjp = jax.vjp(lambda x, w: fn(x, w, s, p), x, w)
                    return vjp(jnp.ones_like(y))
                fbj = jax.jit(fb)
                out = np.asarray(f(x, w))
                if ref is None:
                    ref = out
                else:
                    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-3)
                row += [timeit(f, x, w), timeit(fbj, x, w)]
            if args.torch:
                import torch
                torch.set_num_threads(args.torch_threads)
                tx = torch.tensor(np.asarray(x), requires_grad=True)
                tw = torch.tensor(np.asarray(w), requires_grad=True)

                def tf():
                    return torch.nn.functional.conv2d(tx, tw, stride=s, padding=p)

                def tfb():
                    y = tf()
                    y.backward(torch.ones_like(y))
                with torch.no_grad():
                    row.append(timeit(lambda: tf()))
                row.append(timeit(lambda: tfb()))
            print(f"{name:<13}{b:>4} " + "".join(f"{v:>11.2f}" if i % 2 == 0 else f"{v:>12.2f}"
                                                for i, v in enumerate(row)), flush=True)


if __name__ == "__main__":
    main()
