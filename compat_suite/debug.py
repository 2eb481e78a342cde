"""python -m compat_suite debug NAME [--sample I] [--dtype float32]: every failing sample of one OpInfo, in-process,
with the sample's shapes, for debugging (the sweep reports only the first failure)."""
import argparse

import numpy as np


def _desc(x):
    import torch
    if isinstance(x, torch.Tensor):
        return f"T{tuple(x.shape)}:{str(x.dtype)[6:]}{'(rg)' if x.requires_grad else ''}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_desc(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}={_desc(v)}" for k, v in x.items()) + "}"
    return repr(x)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m compat_suite debug")
    p.add_argument("name")
    p.add_argument("--sample", type=int, default=None)
    p.add_argument("--dtype", default=None)
    p.add_argument("--errors", action="store_true", help="only the error inputs")
    args = p.parse_args(argv)
    import torch
    from .ops import _load_op_db
    from . import opinfo_run as R
    ops = [op for op in _load_op_db() if R.full_name(op) == args.name]
    if not ops:
        print("no such OpInfo")
        return 1
    op = ops[0]
    dtype = getattr(torch, args.dtype) if args.dtype else R.pick_dtype(op)
    rtol, atol = R.op_tolerance(op, dtype)
    shape_only = op.name in R._RANDOM
    diff = op.supports_autograd and dtype in op.supported_backward_dtypes("cpu") and \
        (dtype.is_floating_point or dtype.is_complex) and not shape_only
    rng = np.random.default_rng(0)
    if not args.errors:
        for i, s in enumerate(op.sample_inputs("cpu", dtype, requires_grad=diff)):
            if args.sample is not None and i != args.sample:
                continue
            res = R.Result()
            try:
                R._run_sample(op, s, res, rtol, atol, shape_only, diff, rng, 10.0)
            except Exception as exc:  # noqa: BLE001
                res.first["forward"] = f"harness: {type(exc).__name__}: {exc}"
            bad = {k: v for k, v in res.first.items()}
            if bad or args.sample is not None:
                print(f"sample {i}: input {_desc(s.input)} args {_desc(s.args)} kwargs {_desc(s.kwargs)}")
                for k, v in bad.items():
                    print(f"   {k}: {v}")
    if op.error_inputs_func is not None:
        for i, ei in enumerate(op.error_inputs("cpu")):
            r = R._error_check(op, ei, i)
            if r and r != "skip":
                s = ei.sample_input
                print(f"error input {i}: input {_desc(s.input)} args {_desc(s.args)} kwargs {_desc(s.kwargs)}\n"
                      f"   {r}\n   torch regex: {ei.error_regex}")
    return 0
