"""ModuleInfo sweep: torch's own module database (torch.testing._internal.common_modules.module_db) run side by
side against torchjax.

For every module and every ModuleInput sample (CPU, float32, train and eval mode): build the module in both libraries
(constructor arguments mapped from torch to torchjax), require the same printed form and identical state_dict keys,
order, shapes and dtypes, load torch's weights into the torchjax module, run forward on the same inputs and compare
outputs, buffers after the call (running statistics), and gradients of sum(out * cotangent) w.r.t. inputs and
parameters. Random modules (dropout and friends) are compared on values too: both libraries are seeded alike and
torchjax draws from torch's generator in torch's order. Default initialisation is checked as well: built under the
same seed, both modules must hold the same weights before torch's are loaded.

A sample that torch itself rejects in float32 is rerun in float64 and skipped only if torch rejects it there too; a
module passes when every sample it has passes (and at least one ran), and every module in module_db counts in the
denominator (a module torchjax lacks, or whose samples cannot be built, fails).

    python -m compat_suite.modules [--filter NAME] [--report FILE] [--verbose]
"""
import argparse
import copy
import json
import sys
import time
import traceback
import warnings

import numpy as np

RTOL, ATOL = 1e-4, 1e-5
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4
INIT_RTOL, INIT_ATOL = 1e-6, 1e-7


class Mismatch(AssertionError):
    pass


class TorchRefError(Exception):
    """The torch reference itself fails on this sample (the sample does not apply at this dtype)."""


def _libs():
    import expecttest  # noqa: F401  (common_modules needs it importable)
    import torch
    import torchjax
    return torch, torchjax


# ---- mapping torch objects to torchjax ------------------------------------------------------------------------

def to_tj(x, torch, tj):
    """Convert a constructor/forward argument from torch to torchjax."""
    if isinstance(x, torch.Tensor):
        t = x.detach().cpu()
        if t.dtype == torch.bfloat16:
            out = tj.tensor(t.float().numpy()).to(tj.bfloat16)
        else:
            out = tj.from_numpy(t.numpy().copy())
        if x.requires_grad:
            out.requires_grad_(True)
        return out
    from torch.nn.utils.rnn import PackedSequence as TPS
    if isinstance(x, TPS):
        from torchjax.nn.utils.rnn import PackedSequence
        return PackedSequence(to_tj(x.data, torch, tj), to_tj(x.batch_sizes, torch, tj),
                              to_tj(x.sorted_indices, torch, tj), to_tj(x.unsorted_indices, torch, tj))
    if isinstance(x, torch.dtype):
        return getattr(tj, str(x).replace("torch.", ""))
    if isinstance(x, torch.device):
        return str(x)
    if isinstance(x, torch.nn.Module):
        return convert_module(x, torch, tj)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[to_tj(v, torch, tj) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(to_tj(v, torch, tj) for v in x)
    if isinstance(x, dict):
        return {k: to_tj(v, torch, tj) for k, v in x.items()}
    if callable(x) and getattr(x, "__module__", "") in ("torch.nn.functional", "torch._C._nn", "torch"):
        name = getattr(x, "__name__", None)
        for ns in (tj.nn.functional, tj):
            if name and hasattr(ns, name):
                return getattr(ns, name)
        raise Mismatch(f"no torchjax counterpart for callable {x!r}")
    return x


_SKIP_ATTRS = {"_parameters", "_buffers", "_modules", "_non_persistent_buffers_set", "_forward_hooks",
               "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks", "_state_dict_hooks",
               "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks",
               "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs",
               "_flat_weight_refs", "_flat_weights"}


def convert_module(tm, torch, tj):
    """A torchjax module with tm's class, attributes, submodules, parameters and buffers (values copied)."""
    cls = _tj_class(type(tm), tj)
    jm = cls.__new__(cls)
    tj.nn.Module.__init__(jm)
    for k, v in tm.__dict__.items():
        if k in _SKIP_ATTRS:
            continue
        object.__setattr__(jm, k, to_tj(v, torch, tj))
    for k, p in tm._parameters.items():
        jm._parameters[k] = None if p is None else tj.nn.Parameter(to_tj(p, torch, tj).detach(), p.requires_grad)
    for k, b in tm._buffers.items():
        jm._buffers[k] = None if b is None else to_tj(b, torch, tj)
    jm._non_persistent_buffers_set = set(tm._non_persistent_buffers_set)
    for k, m in tm._modules.items():
        jm._modules[k] = None if m is None else convert_module(m, torch, tj)
    if hasattr(jm, "_init_flat_weights"):
        jm._init_flat_weights()
    return jm


def _tj_class(tcls, tj):
    name = tcls.__name__
    for ns in (tj.nn, tj.nn.modules):
        if hasattr(ns, name):
            return getattr(ns, name)
    if name == "NonDynamicallyQuantizableLinear":
        from torchjax.nn.modules.linear import NonDynamicallyQuantizableLinear
        return NonDynamicallyQuantizableLinear
    raise Mismatch(f"torchjax.nn has no {name}")


# ---- comparison -------------------------------------------------------------------------------------------------

def _np(x, torch, tj):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    x = x.detach()
    if x.dtype == tj.bfloat16:
        x = x.float()
    return np.asarray(x._host_values())


def compare(e, a, torch, tj, path, rtol, atol, shapes_only=False):
    if isinstance(e, torch.Tensor):
        if not isinstance(a, tj.Tensor):
            raise Mismatch(f"{path}: expected a Tensor, got {type(a).__name__}")
        if tuple(e.shape) != tuple(a.shape):
            raise Mismatch(f"{path}: shape {tuple(a.shape)} != {tuple(e.shape)}")
        if str(e.dtype).replace("torch.", "") != str(a.dtype).replace("torch.", ""):
            raise Mismatch(f"{path}: dtype {a.dtype} != {e.dtype}")
        if shapes_only:
            return
        ev, av = _np(e, torch, tj), _np(a, torch, tj)
        if ev.dtype.kind in "fc":
            if not np.allclose(av, ev, rtol=rtol, atol=atol, equal_nan=True):
                diff = np.nanmax(np.abs(av.astype(np.float64) - ev.astype(np.float64))) if ev.size else 0
                raise Mismatch(f"{path}: values differ (max abs diff {diff:.3g})")
        elif not np.array_equal(av, ev):
            raise Mismatch(f"{path}: values differ")
        return
    if isinstance(e, (tuple, list)):
        if not isinstance(a, (tuple, list)) or len(a) != len(e):
            raise Mismatch(f"{path}: expected a sequence of {len(e)}, got {type(a).__name__}")
        for i, (x, y) in enumerate(zip(e, a)):
            compare(x, y, torch, tj, f"{path}[{i}]", rtol, atol, shapes_only)
        return
    if isinstance(e, dict):
        if set(e) != set(a):
            raise Mismatch(f"{path}: keys differ")
        for k in e:
            compare(e[k], a[k], torch, tj, f"{path}[{k!r}]", rtol, atol, shapes_only)
        return
    if e is None and a is None:
        return
    if isinstance(e, float) and isinstance(a, float):
        if not (np.isclose(a, e, rtol=rtol, atol=atol) or (np.isnan(a) and np.isnan(e))):
            raise Mismatch(f"{path}: {a} != {e}")
        return
    if e != a:
        raise Mismatch(f"{path}: {a!r} != {e!r}")


def _flat(x, cls):
    if isinstance(x, cls):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _flat(v, cls)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _flat(v, cls)]
    return []


# ---- one sample ---------------------------------------------------------------------------------------------------

def _clone(x, torch):
    """Fresh leaf copies of the tensors in x (requires_grad kept); other values deep-copied."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone().requires_grad_(x.requires_grad)
    from torch.nn.utils.rnn import PackedSequence as TPS
    if isinstance(x, TPS):
        return TPS(_clone(x.data, torch), x.batch_sizes, x.sorted_indices, x.unsorted_indices)
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_clone(v, torch) for v in x)
    if isinstance(x, dict):
        return {k: _clone(v, torch) for k, v in x.items()}
    return copy.deepcopy(x)


def _forward_args(mi, torch, tj):
    fi = mi.forward_input
    if fi is None:
        return (), {}, (), {}
    targs = _clone(fi.args, torch)
    tkw = _clone(fi.kwargs, torch)
    # deepcopy gives fresh leaves; keep requires_grad as in the sample
    return targs, tkw, to_tj(targs, torch, tj), to_tj(tkw, torch, tj)


def _is_random(info, mi, training, torch):
    """Does the torch module give different outputs for different seeds (dropout-like randomness)?"""
    outs = []
    for seed in (0, 1):
        torch.manual_seed(1234)
        m = info.module_cls(*mi.constructor_input.args, **mi.constructor_input.kwargs)
        m.train(training)
        args = _clone(mi.forward_input.args, torch) if mi.forward_input else ()
        kw = _clone(mi.forward_input.kwargs, torch) if mi.forward_input else {}
        torch.manual_seed(seed)
        with torch.no_grad():
            o = m(*args, **kw)
        outs.append([t.float() for t in _flat(o, torch.Tensor)])
    return any(a.shape != b.shape or not torch.equal(a.nan_to_num(0.5), b.nan_to_num(0.5))
               for a, b in zip(*outs))


def _check_init(tm, jm, torch, tj):
    """Built under the same seed, torch's and torchjax's modules hold the same parameters and buffers."""
    tsd, jsd = tm.state_dict(), jm.state_dict()
    for k, v in tsd.items():
        if k not in jsd or isinstance(v, torch.nn.parameter.UninitializedParameter) or v.is_meta:
            continue
        if isinstance(v, torch.Tensor) and tuple(v.shape) == tuple(jsd[k].shape):
            compare(v, jsd[k], torch, tj, f"default init of {k!r} (same seed)", INIT_RTOL, INIT_ATOL)


def run_sample(info, mi, training, torch, tj, check_init=True, shapes_only_random=False):
    cons = mi.constructor_input
    targs, tkw = cons.args, cons.kwargs
    try:
        random = _is_random(info, mi, training, torch) and shapes_only_random
    except Exception as e:  # noqa: BLE001
        raise TorchRefError(f"{type(e).__name__}: {e}") from None
    jargs, jkw = to_tj(targs, torch, tj), to_tj(tkw, torch, tj)
    torch.manual_seed(0)
    tm = info.module_cls(*targs, **tkw)
    jcls = _tj_class(info.module_cls, tj)
    tj.manual_seed(0)
    jm = jcls(*jargs, **jkw)
    if check_init:
        _check_init(tm, jm, torch, tj)
    tm.train(training)
    jm.train(training)
    fa_t, fk_t, fa_j, fk_j = _forward_args(mi, torch, tj)

    if info.is_lazy:
        # materialize both with a first forward (same seed: the lazy parameters are drawn then), then compare
        torch.manual_seed(1)
        with torch.no_grad():
            tm(*_clone(fa_t, torch), **_clone(fk_t, torch))
        tj.manual_seed(1)
        with tj.no_grad():
            jm(*to_tj(_clone(fa_t, torch), torch, tj), **to_tj(_clone(fk_t, torch), torch, tj))
        if check_init:
            _check_init(tm, jm, torch, tj)
        fa_t, fk_t, fa_j, fk_j = _forward_args(mi, torch, tj)

    if repr(tm) != repr(jm):
        raise Mismatch(f"repr differs:\n  torch:    {repr(tm)!r}\n  torchjax: {repr(jm)!r}")
    tsd, jsd = tm.state_dict(), jm.state_dict()
    if list(tsd.keys()) != list(jsd.keys()):
        raise Mismatch(f"state_dict keys differ: torch {list(tsd.keys())} vs torchjax {list(jsd.keys())}")
    if getattr(tsd, "_metadata", None) != getattr(jsd, "_metadata", None):
        raise Mismatch(f"state_dict _metadata differs: {tsd._metadata} vs {jsd._metadata}")
    for k in tsd:
        compare(tsd[k], jsd[k], torch, tj, f"state_dict[{k!r}]", 0, 0, shapes_only=True)
    jm.load_state_dict({k: to_tj(v, torch, tj) for k, v in tsd.items()})

    torch.manual_seed(0)
    tout = tm(*fa_t, **fk_t)
    tj.manual_seed(0)
    jout = jm(*fa_j, **fk_j)
    compare(tout, jout, torch, tj, "output", RTOL, ATOL, shapes_only=random)
    tb = dict(tm.named_buffers())
    jb = dict(jm.named_buffers())
    for k in tb:
        compare(tb[k], jb.get(k), torch, tj, f"buffer {k} after forward", RTOL, ATOL, shapes_only=random)

    touts = [t for t in _flat(tout, torch.Tensor) if t.requires_grad]
    jouts = [t for t in _flat(jout, tj.Tensor) if t.requires_grad]
    if len(touts) != len(jouts):
        raise Mismatch(f"{len(jouts)} differentiable outputs, torch has {len(touts)}")
    if not touts:
        return
    rng = np.random.default_rng(0)
    cts = [rng.standard_normal(tuple(t.shape)) for t in touts]
    tl = sum((t * torch.tensor(c, dtype=t.dtype)).sum() for t, c in zip(touts, cts))
    jl = sum((t * tj.tensor(c, dtype=t.dtype)).sum() for t, c in zip(jouts, cts))
    tl.backward()
    jl.backward()
    tin = [t for t in _flat((fa_t, fk_t), torch.Tensor) if t.requires_grad and t.is_leaf]
    jin = [t for t in _flat((fa_j, fk_j), tj.Tensor) if t.requires_grad and t.is_leaf]
    if len(tin) != len(jin):
        raise Mismatch("different number of differentiable inputs")
    for i, (a, b) in enumerate(zip(tin, jin)):
        if a.grad is None:
            if b.grad is not None:
                raise Mismatch(f"input[{i}].grad: torch has None")
            continue
        if b.grad is None:
            raise Mismatch(f"input[{i}].grad is None, torch has one")
        compare(a.grad, b.grad, torch, tj, f"input[{i}].grad", GRAD_RTOL, GRAD_ATOL, shapes_only=random)
    jp = dict(jm.named_parameters())
    for n, p in tm.named_parameters():
        q = jp.get(n)
        if q is None:
            raise Mismatch(f"parameter {n} missing")
        if p.grad is None:
            if q.grad is not None:
                raise Mismatch(f"{n}.grad: torch has None")
            continue
        if q.grad is None:
            raise Mismatch(f"{n}.grad is None, torch has one")
        compare(p.grad, q.grad, torch, tj, f"{n}.grad", GRAD_RTOL, GRAD_ATOL, shapes_only=random)


def _samples(info, torch, dtype, training):
    return list(info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=True, training=training))


def _run_one(info, mi, training, torch, tj, dtype, opts):
    prev_t, prev_j = torch.get_default_dtype(), tj.get_default_dtype()
    torch.set_default_dtype(dtype)
    tj.set_default_dtype(getattr(tj, str(dtype).replace("torch.", "")))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_sample(info, mi, training, torch, tj, **opts)
    finally:
        torch.set_default_dtype(prev_t)
        tj.set_default_dtype(prev_j)


def run_module(info, torch, tj, verbose=False, **opts):
    """Returns (passed, n_samples, n_skipped, first_failure or None). Samples run in float32; a sample that torch itself
    rejects in float32 (e.g. float64-only sample data) is run in float64 instead, and skipped if torch rejects it
    there too."""
    n = 0
    skipped = 0
    for training in (True, False):
        try:
            samples = _samples(info, torch, torch.float32, training)
        except Exception as e:  # noqa: BLE001
            return False, n, skipped, f"could not build samples: {type(e).__name__}: {e}"
        samples64 = None
        for i, mi in enumerate(samples):
            n += 1
            desc = f"{'train' if training else 'eval'} sample {mi.desc or '#' + str(i)}"
            try:
                try:
                    _run_one(info, mi, training, torch, tj, torch.float32, opts)
                except TorchRefError:
                    if samples64 is None:
                        samples64 = _samples(info, torch, torch.float64, training)
                    try:
                        _run_one(info, samples64[i], training, torch, tj, torch.float64, opts)
                    except TorchRefError:
                        skipped += 1
            except Mismatch as e:
                return False, n, skipped, f"{desc}: {e}"
            except Exception as e:  # noqa: BLE001
                tb = traceback.format_exc(limit=-3) if verbose else ""
                return False, n, skipped, f"{desc}: {type(e).__name__}: {str(e)[:300]}{chr(10) + tb if tb else ''}"
    if skipped == n:
        return False, n, skipped, "every sample was rejected by torch itself"
    return True, n, skipped, None


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m compat_suite modules", description=__doc__.split("\n\n")[0])
    p.add_argument("--filter", default=None, help="only modules whose name contains this (a comma-separated list is allowed, "
                                                   "e.g. Conv,nn.LSTM)")
    p.add_argument("--exclude", default=None, help="skip modules whose name contains this")
    p.add_argument("--report", default=None, help="write a JSON report to this file")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--no-init-check", action="store_true",
                   help="do not require the same default initialisation as torch under the same seed")
    p.add_argument("--shapes-only-random", action="store_true",
                   help="compare random modules (dropout and friends) on shapes only")
    args = p.parse_args(argv)
    torch, tj = _libs()
    from torch.testing._internal.common_modules import module_db
    torch.set_default_dtype(torch.float32)
    results = []
    t0 = time.time()
    for info in module_db:
        if args.filter and not any(f and (f == info.name or f in info.name) for f in args.filter.split(",")):
            continue
        if args.exclude and any(f and f in info.name for f in args.exclude.split(",")):
            continue
        start = time.time()
        ok, n, skipped, why = run_module(info, torch, tj, args.verbose, check_init=not args.no_init_check,
                                         shapes_only_random=args.shapes_only_random)
        dt = time.time() - start
        results.append({"module": info.name, "passed": ok, "samples": n, "skipped_samples": skipped,
                        "first_failure": why,
                        "seconds": round(dt, 2)})
        line = f"{'PASS' if ok else 'FAIL'} {info.name} ({n} samples{f', {skipped} skipped' if skipped else ''}, {dt:.1f}s)"
        if not ok:
            line += f": {why}"
        print(line, flush=True)
    passed = sum(r["passed"] for r in results)
    total = len(results)
    pct = 100.0 * passed / total if total else 0.0
    print(f"\nModuleInfo: {passed}/{total} modules pass ({pct:.1f}%) in {time.time() - t0:.0f}s")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"suite": "modules", "passed": passed, "total": total, "percent": round(pct, 1),
                       "results": results}, f, indent=1)
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
