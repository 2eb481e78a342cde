"""Run one OpInfo against torch and torchjax: forward (function, method, in-place and operator variants), gradients
of sum(out * cotangent) with respect to every differentiable input, and error inputs."""
import contextlib
import math
import re
import signal
import time
import traceback
import warnings
import zlib

import numpy as np
import torch

import torchjax

from . import translate as T

BASE_TOL = 1e-4

# compared by shape and dtype only: random draws and uninitialised memory
_RANDOM = {"bernoulli", "multinomial", "normal", "uniform", "cauchy", "exponential", "geometric", "log_normal",
           "rand_like", "randn_like", "randint_like", "randint", "randn", "rand", "randperm", "poisson",
           "empty", "empty_like", "new_empty", "new_empty_strided", "empty_strided", "empty_permuted",
           "nn.functional.dropout", "nn.functional.dropout2d", "nn.functional.dropout3d",
           "nn.functional.alpha_dropout", "nn.functional.feature_alpha_dropout", "nn.functional.rrelu",
           "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d", "svd_lowrank",
           "pca_lowrank", "resize_", "resize_as_", "nn.functional.multi_head_attention_forward"}
_CUDA_ONLY_PREFIXES = ("jiterator_", "torch.ops.aten._flash_attention", "torch.ops.aten._efficient_attention",
                       "torch._scaled_mm", "bmm.triton_optimized")
_DTYPE_PREFERENCE = ["float32", "float64", "int64", "int32", "bool", "complex64", "uint8", "int8", "int16",
                     "float16", "bfloat16", "complex128"]


class SampleTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    if not seconds:
        yield
        return

    def handler(signum, frame):
        raise SampleTimeout(f"timed out after {seconds}s")
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def full_name(op):
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def family(op):
    n = op.name
    for p in ("nn.functional", "linalg", "special", "fft", "masked", "signal", "sparse"):
        if n.startswith(p + "."):
            return p
    f = T.translate_callable(op.op) if not isinstance(op.op, str) else None
    mod = getattr(f, "__module__", "") or ""
    if getattr(f, "_torchjax_missing", None):
        return "missing"
    if mod.startswith("torchjax._ops."):
        return mod.rsplit(".", 1)[-1]
    return "other"


def exclusion(op):
    name = full_name(op)
    if op.name.startswith("sparse.") or op.name in ("to_sparse",):
        return "sparse"
    if name.startswith(_CUDA_ONLY_PREFIXES) or not op.supported_dtypes("cpu"):
        return "cuda-only"
    return None


def is_shape_only(op):
    return op.name in _RANDOM or full_name(op) in _RANDOM or op.name.split(".")[0] in _RANDOM


def is_differentiable(op, dtype=None):
    """The OpInfo's gradients are checked (and it counts in the gradient denominator)."""
    if exclusion(op):
        return False
    dtype = pick_dtype(op) if dtype is None else dtype
    return bool(op.supports_autograd and dtype in op.supported_backward_dtypes("cpu") and
                (dtype.is_floating_point or dtype.is_complex) and not is_shape_only(op))


def op_meta(op):
    """What the parent needs to count an OpInfo whose worker dies or hangs: a failure in every figure it would
    have counted in (forward; gradient when differentiable; each error input torch raises on)."""
    meta = {"name": full_name(op), "excluded": exclusion(op)}
    if meta["excluded"]:
        return meta
    try:
        meta["family"] = family(op)
    except Exception:  # noqa: BLE001
        meta["family"] = "other"
    meta["differentiable"] = is_differentiable(op)
    n = 0
    if op.error_inputs_func is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                n = sum(1 for _ in op.error_inputs("cpu"))
        except Exception:  # noqa: BLE001
            n = 0
    meta["error_inputs"] = n
    return meta


def pick_dtype(op):
    sup = {T.dtype_name(d): d for d in op.supported_dtypes("cpu")}
    for n in _DTYPE_PREFERENCE:
        if n in sup:
            return sup[n]
    return next(iter(sup.values()))


def op_tolerance(op, dtype):
    atol = rtol = BASE_TOL
    from torch.testing._internal.common_device_type import toleranceOverride
    for dec in getattr(op, "decorators", ()) or ():
        if getattr(dec, "device_type", None) not in (None, "cpu"):
            continue
        dts = getattr(dec, "dtypes", None)
        if dts is not None and dtype not in dts:
            continue
        for d in getattr(dec, "decorators", ()) or ():
            if isinstance(d, toleranceOverride) and dtype in d.d:
                atol = max(atol, d.d[dtype].atol)
                rtol = max(rtol, d.d[dtype].rtol)
    return rtol, atol


# ---- comparison -------------------------------------------------------------------------------------------------

def compare(e, a, rtol, atol, shape_only=False, path="out"):
    """None if torchjax result `a` matches torch result `e`, else a message."""
    if isinstance(e, torch.Tensor):
        if not T.is_tj_tensor(a):
            return f"{path}: expected a Tensor, got {type(a).__name__}"
        if tuple(e.shape) != tuple(a.shape):
            return f"{path}: shape {tuple(a.shape)} != torch {tuple(e.shape)}"
        if T.dtype_name(e.dtype) != T.dtype_name(a.dtype):
            return f"{path}: dtype {T.dtype_name(a.dtype)} != torch {T.dtype_name(e.dtype)}"
        if shape_only or e.layout != torch.strided:
            return None
        en, an = T.tensor_to_numpy(e), T.tj_to_numpy(a)
        return compare_arrays(en, an, rtol, atol, path)
    if isinstance(e, torch.Size):
        if not isinstance(a, (tuple, list)) or tuple(e) != tuple(a):
            return f"{path}: {a!r} != torch {e!r}"
        return None
    if isinstance(e, (tuple, list)):
        if not isinstance(a, (tuple, list)):
            return f"{path}: expected a sequence, got {type(a).__name__}"
        if len(e) != len(a):
            return f"{path}: length {len(a)} != torch {len(e)}"
        for i, (x, y) in enumerate(zip(e, a)):
            r = compare(x, y, rtol, atol, shape_only, f"{path}[{i}]")
            if r:
                return r
        return None
    if isinstance(e, dict):
        if not isinstance(a, dict) or set(e) != set(a):
            return f"{path}: dict keys differ"
        for k in e:
            r = compare(e[k], a[k], rtol, atol, shape_only, f"{path}[{k!r}]")
            if r:
                return r
        return None
    if isinstance(e, (torch.dtype, torch.device, torch.layout, torch.memory_format)):
        return None if str(e) == str(a) else f"{path}: {a} != torch {e}"
    if isinstance(e, bool) or e is None:
        return None if (e is a or (isinstance(a, bool) and a == e)) else f"{path}: {a!r} != torch {e!r}"
    if isinstance(e, (int, float, complex)):
        if T.is_tj_tensor(a) or not isinstance(a, (int, float, complex, np.number)):
            return f"{path}: expected a Python {type(e).__name__}, got {type(a).__name__}"
        if shape_only:
            return None
        return compare_arrays(np.asarray(e), np.asarray(a), rtol, atol, path)
    if isinstance(e, str):
        return None if e == a else f"{path}: {a!r} != torch {e!r}"
    return None


def compare_arrays(e, a, rtol, atol, path):
    if e.shape != a.shape:
        return f"{path}: shape {a.shape} != torch {e.shape}"
    if e.dtype.kind in "fc" or a.dtype.kind in "fc":
        e = e.astype(np.complex128 if e.dtype.kind == "c" or a.dtype.kind == "c" else np.float64)
        a = a.astype(e.dtype)
        ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        if e.dtype.kind == "c":  # nan in either part counts as nan, as torch.testing does
            ok |= np.isnan(a) & np.isnan(e)
        if not ok.all():
            bad = np.argwhere(~ok)[0]
            i = tuple(bad)
            return (f"{path}: values differ at {list(i)}: {a[i]!r} != torch {e[i]!r} "
                    f"({int((~ok).sum())}/{ok.size} mismatched, rtol={rtol:g} atol={atol:g})")
        return None
    if not np.array_equal(a, e):
        ok = a == e
        bad = tuple(np.argwhere(~ok)[0]) if ok.ndim else ()
        return f"{path}: values differ at {list(bad)}: {a[bad]!r} != torch {e[bad]!r}"
    return None


def same_exception(te, je):
    """torchjax raised an exception of torch's type (matched by class, or by class name for torch's own types)."""
    tt = te if isinstance(te, type) else type(te)
    if isinstance(je, Exception) and (isinstance(je, tt) if tt.__module__ == "builtins" else
                                      tt.__name__ in {c.__name__ for c in type(je).__mro__}):
        return True
    return False


def describe(exc):
    s = f"{type(exc).__name__}: {exc}"
    s = s.strip().splitlines()[0] if s.strip() else s
    return s[:300]


# ---- one OpInfo ---------------------------------------------------------------------------------------------------

def _call(fn, sample, lib_input=None):
    inp = sample.input if lib_input is None else lib_input
    return fn(inp, *sample.args, **sample.kwargs)


class _TJSample:
    __slots__ = ("input", "args", "kwargs", "output_process_fn_grad")

    def __init__(self, s, share_memory=False):
        memo = {}
        self.input = T.to_tj(s.input, memo, share_memory)
        self.args = tuple(T.to_tj(s.args, memo, share_memory))
        self.kwargs = T.to_tj(s.kwargs, memo, share_memory)
        self.output_process_fn_grad = T.translate_callable(s.output_process_fn_grad)


def _run(fn, sample, inp=None):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _call(fn, sample, inp), None
    except SampleTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - compared against torch's behaviour
        return None, exc


def _fail_reason(kind, te, je, cmp):
    if te is not None and je is None:
        return f"{kind}: torch raised {describe(te)}; torchjax did not"
    if te is None and je is not None:
        if isinstance(je, NotImplementedError):
            return f"{kind}: NotImplementedError: {je}"
        return f"{kind}: torchjax raised {describe(je)}"
    if te is not None and je is not None:
        return None if same_exception(te, je) else \
            f"{kind}: torchjax raised {describe(je)}; torch raised {describe(te)}"
    return f"{kind}: {cmp}" if cmp else None


class Result:
    def __init__(self):
        self.counts = {k: [0, 0] for k in ("forward", "grad", "error")}  # passed, total
        self.first = {}
        self.extra_dtypes = {}
        self.gauge = 0

    def add(self, kind, reason):
        c = self.counts[kind]
        c[1] += 1
        if reason is None:
            c[0] += 1
        elif kind not in self.first:
            self.first[kind] = reason


def _variants(op):
    out = []
    if op.op is not None:
        out.append(("function", op.op))
    if op.method_variant is not None and op.method_variant is not op.op:
        out.append(("method", op.method_variant))
    if op.operator_variant is not None:
        out.append(("operator", op.operator_variant))
    return out


def _inplace_variants(op):
    out = []
    if op.inplace_variant is not None:
        out.append(("inplace", op.inplace_variant))
    if op.inplace_operator_variant is not None:
        out.append(("inplace_operator", op.inplace_operator_variant))
    return out


def _cotangents(outs, rng):
    cts = []
    for o in outs:
        shape = tuple(o.shape)
        if o.dtype.is_complex:
            c = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        else:
            c = rng.standard_normal(shape)
        cts.append(c)
    return cts


def _grad_check(op, fn_t, fn_j, sample, jsample, rtol, atol, rng):
    """Gradients of sum(out * cotangent) w.r.t. every input that requires grad, torch vs torchjax."""
    t_in = [t for t in T.flat_tensors((sample.input, sample.args, sample.kwargs), torch.Tensor) if t.requires_grad]
    if not t_in:
        return "n/a"
    j_all = T.flat_tensors((jsample.input, jsample.args, jsample.kwargs), torchjax.Tensor)
    t_all = T.flat_tensors((sample.input, sample.args, sample.kwargs), torch.Tensor)
    j_in = [j for t, j in zip(t_all, j_all) if t.requires_grad]
    wrap = op.gradcheck_wrapper
    default_wrap = wrap.__name__ == "<lambda>"
    wrap_j = wrap if default_wrap else T.translate_callable(wrap)

    def run_t():
        return sample.output_process_fn_grad(wrap(fn_t, sample.input, *sample.args, **sample.kwargs))

    def run_j():
        return jsample.output_process_fn_grad(wrap_j(fn_j, jsample.input, *jsample.args, **jsample.kwargs))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t_out = run_t()
        except Exception:  # noqa: BLE001 - torch cannot differentiate this sample either
            return "n/a"
        t_outs = [t for t in T.flat_tensors(t_out, torch.Tensor) if t.requires_grad and t.numel()]
        if not t_outs:
            return "n/a"
        t_pos = [i for i, t in enumerate(T.flat_tensors(t_out, torch.Tensor)) if t.requires_grad and t.numel()]
        cts = _cotangents(t_outs, rng)
        try:
            tg = torch.autograd.grad(t_outs, t_in, [torch.tensor(c, dtype=t.dtype) for c, t in zip(cts, t_outs)],
                                     allow_unused=True)
        except Exception:  # noqa: BLE001
            return "n/a"
        try:
            j_out = run_j()
            j_flat = T.flat_tensors(j_out, torchjax.Tensor)
            if len(j_flat) != len(T.flat_tensors(t_out, torch.Tensor)):
                return f"grad: {len(j_flat)} output tensors, torch has {len(T.flat_tensors(t_out, torch.Tensor))}"
            j_outs = [j_flat[i] for i in t_pos]
            for i, j in zip(t_pos, j_outs):
                if not j.requires_grad:
                    return f"grad: output {i} does not require grad"
            jg = torchjax.autograd.grad(j_outs, j_in, [torchjax.tensor(c, dtype=T.tj_dtype(t.dtype))
                                                       for c, t in zip(cts, t_outs)], allow_unused=True)
        except SampleTimeout:
            raise
        except Exception as exc:  # noqa: BLE001
            return f"grad: torchjax raised {describe(exc)}"
    for k, (g_t, g_j, t) in enumerate(zip(tg, jg, t_in)):
        if g_t is None:
            g_t = torch.zeros_like(t)
        if g_j is None:
            g_j = torchjax.zeros(tuple(t.shape), dtype=T.tj_dtype(t.dtype))
        r = compare(g_t, g_j, rtol, atol, path=f"grad[{k}]")
        if r:
            return f"grad: {r}"
    return None


def _ones_like(x):
    return x


def run_opinfo(op, *, limit_samples=None, sample_timeout=60, extra_dtypes=False, heartbeat=None,
               grad_tol_factor=10.0):
    """Test one OpInfo; returns a JSON-able dict."""
    name = full_name(op)
    rec = {"name": name, "family": None, "excluded": None}
    t0 = time.time()
    excl = exclusion(op)
    if excl:
        rec["excluded"] = excl
        rec["family"] = "excluded"
        return rec
    try:
        rec["family"] = family(op)
    except Exception:  # noqa: BLE001
        rec["family"] = "other"
    dtype = pick_dtype(op)
    rec["dtype"] = T.dtype_name(dtype)
    shape_only = is_shape_only(op)
    rtol, atol = op_tolerance(op, dtype)
    res = Result()
    differentiable = is_differentiable(op, dtype)
    rec["differentiable"] = bool(differentiable)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    try:
        samples = op.sample_inputs("cpu", dtype, requires_grad=differentiable)
        done = 0
        for s in samples:
            if limit_samples is not None and done >= limit_samples:
                break
            done += 1
            if heartbeat:
                heartbeat()
            try:
                with time_limit(sample_timeout):
                    _run_sample(op, s, res, rtol, atol, shape_only, differentiable, rng, grad_tol_factor)
            except SampleTimeout as exc:
                res.add("forward", f"sample {done - 1}: {exc}")
            except T.Unsupported as exc:
                rec.setdefault("unsupported_samples", 0)
                rec["unsupported_samples"] += 1
                rec.setdefault("unsupported_reason", str(exc))
            except Exception as exc:  # noqa: BLE001 - the harness failed on this sample: a failure, not a skip
                res.add("forward", f"sample {done - 1}: harness failed: {describe(exc)}")
    except SampleTimeout:
        res.add("forward", "timed out generating samples")
    except Exception as exc:  # noqa: BLE001 - torch could not build its own samples: counted as a failure
        rec["sample_error"] = describe(exc)
        res.add("forward", f"generating samples failed: {describe(exc)}")
    if op.error_inputs_func is not None:
        try:
            for i, ei in enumerate(op.error_inputs("cpu")):
                if heartbeat:
                    heartbeat()
                try:
                    with time_limit(sample_timeout):
                        r = _error_check(op, ei, i)
                    if r != "skip":
                        res.add("error", r)
                except SampleTimeout as exc:
                    res.add("error", f"error input {i}: {exc}")
                except T.Unsupported as exc:  # sparse/quantized/meta: out of scope, counted apart
                    rec.setdefault("unsupported_error_inputs", 0)
                    rec["unsupported_error_inputs"] += 1
                    rec.setdefault("unsupported_reason", str(exc))
                except Exception as exc:  # noqa: BLE001 - e.g. the input cannot even be built in torchjax
                    res.add("error", f"error input {i}: torchjax failed building or running it: {describe(exc)}")
        except Exception as exc:  # noqa: BLE001 - torch could not generate its own error inputs
            rec["error_inputs_error"] = describe(exc)
    if extra_dtypes:
        rec["extra_dtypes"] = _extra_dtypes(op, dtype, rtol, atol, shape_only, sample_timeout)
    rec["forward"] = res.counts["forward"]
    rec["grad"] = res.counts["grad"]
    rec["error"] = res.counts["error"]
    rec["first_failure"] = res.first
    if res.gauge:
        rec["gauge_matches"] = res.gauge
    rec["time_s"] = round(time.time() - t0, 3)
    return rec


def _run_sample(op, s, res, rtol, atol, shape_only, differentiable, rng, grad_tol_factor):
    js = _TJSample(s)
    first_fn = None
    for kind, fn_t in _variants(op):
        fn_j = T.translate_callable(fn_t)
        t_out, te = _run(fn_t, s)
        j_out, je = _run(fn_j, js)
        cmp = None
        if te is None and je is None:
            cmp = compare(t_out, j_out, rtol, atol, shape_only)
            if cmp is not None:
                cmp = _gauge_compare(s, js, t_out, j_out, rtol, atol, cmp, res)
        reason = _fail_reason(kind, te, je, cmp)
        res.add("forward", reason)
        if first_fn is None:
            first_fn = (fn_t, fn_j, reason, te)
    for kind, fn_t in _inplace_variants(op):
        fn_j = T.translate_callable(fn_t)
        with torch.no_grad():
            ti = T.clone_tree(s.input, torch)
        with torchjax.no_grad():
            ji = T.clone_tree(js.input, torchjax)
        with torch.no_grad():
            t_out, te = _run(fn_t, s, ti)
        with torchjax.no_grad():
            j_out, je = _run(fn_j, js, ji)
        cmp = None
        if te is None and je is None:
            cmp = compare(t_out, j_out, rtol, atol, shape_only)
            if cmp is None and isinstance(t_out, torch.Tensor) and t_out is ti and j_out is not ji:
                cmp = "in-place variant did not return self"
        res.add("forward", _fail_reason(kind, te, je, cmp))
    if differentiable and first_fn is not None:
        fn_t, fn_j, reason, te = first_fn
        if te is not None:
            return
        if reason is not None:
            res.add("grad", "grad: forward failed (" + reason + ")")
            return
        js2 = _TJSample(s)
        r = _grad_check(op, fn_t, fn_j, s, js2, rtol * grad_tol_factor, atol * grad_tol_factor, rng)
        if r != "n/a":
            res.add("grad", r)


def _gauge_compare(s, js, t_out, j_out, rtol, atol, cmp, res):
    """Decompositions are unique only up to signs/phases (svd, eig, eigh, qr, ...). Like torch's own cross-device
    test (test_compare_cpu), compare after the sample's output_process_fn_grad when the raw outputs differ."""
    if getattr(s.output_process_fn_grad, "__name__", "") == "<lambda>" and \
            s.output_process_fn_grad.__code__.co_code == (lambda x: x).__code__.co_code:
        return cmp
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            te = s.output_process_fn_grad(t_out)
            je = js.output_process_fn_grad(j_out)
    except SampleTimeout:
        raise
    except Exception:  # noqa: BLE001
        return cmp
    if compare(te, je, rtol, atol) is None:
        res.gauge += 1
        return None
    return cmp


def _error_check(op, ei, i):
    """torchjax must raise the exception type torch raises on this error input (torch is run too: an ErrorInput
    torch itself accepts on the CPU is skipped and not counted)."""
    s = ei.sample_input
    js = _TJSample(s, share_memory=True)  # before torch runs: torch may resize or write into out= and then raise
    _, te = _run(op.op, s)
    if te is None:
        return "skip"
    fn_j = T.translate_callable(op.op)
    _, je = _run(fn_j, js)
    if je is None:
        return f"error input {i}: torchjax did not raise (torch raises {describe(te)})"
    if not same_exception(te, je):
        return f"error input {i}: torchjax raised {describe(je)}; torch raises {describe(te)}"
    return None


def _extra_dtypes(op, primary, rtol, atol, shape_only, sample_timeout, per_dtype=2):
    """Forward checks on a few samples of each other cheap CPU dtype (int64, bool, float64, complex64)."""
    out = {}
    sup = {T.dtype_name(d): d for d in op.supported_dtypes("cpu")}
    for n in ("float64", "int64", "bool", "complex64"):
        d = sup.get(n)
        if d is None or d is primary:
            continue
        ok = tot = 0
        first = None
        try:
            for k, s in enumerate(op.sample_inputs("cpu", d)):
                if k >= per_dtype:
                    break
                with time_limit(sample_timeout):
                    js = _TJSample(s)
                    fn_j = T.translate_callable(op.op)
                    t_out, te = _run(op.op, s)
                    j_out, je = _run(fn_j, js)
                    cmp = compare(t_out, j_out, rtol, atol, shape_only) if te is None and je is None else None
                    r = _fail_reason("function", te, je, cmp)
                tot += 1
                ok += r is None
                if r and first is None:
                    first = r
        except (SampleTimeout, T.Unsupported, Exception) as exc:  # noqa: BLE001
            first = first or describe(exc)
        out[n] = {"passed": ok, "total": tot, "first_failure": first}
    return out


_ = (math, re, traceback, _ones_like)
