"""Translate torch objects into their torchjax counterparts, and results back into numpy for comparison.

Values: torch tensors become torchjax tensors holding the same numbers (dtype, shape and requires_grad kept);
dtypes, devices, sizes, layouts and memory formats map by name; lists, tuples and dicts map element-wise.

Callables: a torch function or Tensor method maps to the torchjax object of the same public name (found by
identity in torch's public namespaces, so `torch._C._linalg.linalg_svd` is `torch.linalg.svd`). A Python
function (an OpInfo's lambda, a torch.testing helper, a wrapper in torch.functional) is rebuilt with its global
names and closure cells translated, so the same code runs against torchjax. Anything torchjax lacks becomes a
stub raising NotImplementedError naming it.
"""
import functools
import operator
import sys
import types

import numpy as np
import torch

import torchjax

# torch namespaces searched (in this order) for the public name of a torch object
_NAMESPACES = ["linalg", "special", "fft", "nn.functional", "masked", "signal.windows", "nn.init", "", "functional",
               "autograd", "nn"]


class Missing(NotImplementedError):
    """torchjax lacks a torch name."""


def _get(root, dotted):
    obj = root
    for part in filter(None, dotted.split(".")):
        obj = getattr(obj, part)
    return obj


@functools.lru_cache(maxsize=None)
def _public_names():
    names = {}
    for ns in _NAMESPACES:
        try:
            mod = _get(torch, ns)
        except AttributeError:
            continue
        # public names first, so an object with a private alias (F._threshold is F.threshold) gets its public name
        for n in sorted(dir(mod), key=lambda n: n.startswith("_")):
            if n.startswith("__") and ns:
                continue
            try:
                obj = getattr(mod, n)
            except Exception:  # noqa: BLE001 - some lazy attributes fail to import
                continue
            if isinstance(obj, (int, float, str, bool, types.ModuleType)) or obj is None:
                continue
            names.setdefault(id(obj), (ns, n, obj))
    for n in dir(torch.Tensor):
        try:
            obj = getattr(torch.Tensor, n)
        except Exception:  # noqa: BLE001
            continue
        names.setdefault(id(obj), ("Tensor", n, obj))
        raw = torch.Tensor.__dict__.get(n)
        if raw is not None:
            names.setdefault(id(raw), ("Tensor", n, raw))
    return names


def _stub(qualname, why=None):
    def missing(*args, **kwargs):
        raise Missing(why or f"torchjax has no {qualname}")
    missing.__name__ = qualname.rsplit(".", 1)[-1]
    missing._torchjax_missing = qualname
    return missing


def _tj_module(name):
    """torchjax's module for torch module `name` ('torch.linalg' -> torchjax.linalg), or None."""
    rest = name[len("torch"):].lstrip(".")
    try:
        return _get(torchjax, rest) if rest else torchjax
    except Exception:  # noqa: BLE001 - an unimplemented torchjax submodule
        pass
    try:
        import importlib
        return importlib.import_module("torchjax." + rest)
    except Exception:  # noqa: BLE001
        return None


class _MissingModule:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stub(f"{self._name}.{attr}", f"torchjax has no module {self._name} ({self._name}.{attr})")


def lookup(ns, name):
    """The torchjax object for torch.<ns>.<name> (Tensor methods with ns='Tensor'), or a stub."""
    qual = "torch." + (ns + "." if ns else "") + name
    if ns == "Tensor":
        obj = getattr(torchjax.Tensor, name, None)
    else:
        mod = _tj_module("torch." + ns if ns else "torch")
        obj = getattr(mod, name, None) if mod is not None else None
    if obj is None:
        return _stub(qual)
    return obj


_cache = {}


def translate_callable(f):
    """torchjax counterpart of torch callable `f` (see module docstring)."""
    key = id(f)
    hit = _cache.get(key)
    if hit is not None and hit[0] is f:
        return hit[1]
    r = _translate_callable(f)
    _cache[key] = (f, r)
    return r


@functools.lru_cache(maxsize=None)
def _helpers():
    """torch.testing helpers that touch torch internals, with torchjax counterparts."""
    import contextlib
    import torch.testing._utils as tu

    @contextlib.contextmanager
    def freeze_rng_state():
        state = torchjax.get_rng_state()
        try:
            yield
        finally:
            torchjax.set_rng_state(state)

    def wrapper_set_seed(op, *args, **kwargs):
        with freeze_rng_state():
            torchjax.manual_seed(42)
            return op(*args, **kwargs)

    out = {}
    for name, repl in (("freeze_rng_state", freeze_rng_state), ("wrapper_set_seed", wrapper_set_seed)):
        orig = getattr(tu, name, None)
        if orig is not None:
            out[id(orig)] = (orig, repl)
    return out


def _translate_callable(f):
    h = _helpers().get(id(f))
    if h is not None and h[0] is f:
        return h[1]
    pub = _public_names().get(id(f))
    if pub is not None and pub[2] is f:
        ns, name, _ = pub
        if ns == "functional":
            ns = ""
        return lookup(ns, name)
    if isinstance(f, functools.partial):
        return functools.partial(translate_callable(f.func), *[to_tj(a) for a in f.args],
                                 **{k: to_tj(v) for k, v in f.keywords.items()})
    if isinstance(f, types.FunctionType):
        mod = getattr(f, "__module__", "") or ""
        if mod.startswith("torch.") and not mod.startswith("torch.testing") and f.__name__ != "<lambda>":
            # a torch Python function not exported under a public name we know
            return _stub(f"{mod}.{f.__qualname__}")
        return _rebuild(f)
    if isinstance(f, types.MethodType):
        return types.MethodType(translate_callable(f.__func__), to_tj(f.__self__))
    if type(f).__name__ in ("OpOverloadPacket", "OpOverload"):
        packet = f if type(f).__name__ == "OpOverloadPacket" else f.overloadpacket
        ns, _, name = packet._qualified_op_name.partition("::")
        try:
            tj = getattr(getattr(torchjax.ops, ns), name)
        except (AttributeError, NotImplementedError):
            return _stub(f"torch.ops.{ns}.{name}")
        return tj if f is packet else getattr(tj, f._overloadname)
    if getattr(f, "__module__", None) == "_operator" or f in vars(operator).values():
        return f
    if type(f).__name__ == "_JittedFunction":
        return _stub("torch.cuda.jiterator")
    if isinstance(f, (types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType)):
        name = getattr(f, "__name__", str(f))
        return _stub(f"{getattr(f, '__module__', None) or 'torch'}.{name}")
    return f


def _code_names(code, acc):
    acc.update(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code_names(c, acc)
    return acc


def _rebuild(f):
    """f with its globals and closure translated to torchjax."""
    g = f.__globals__
    new_g = {"__builtins__": g.get("__builtins__", __builtins__), "__name__": g.get("__name__")}
    for n in _code_names(f.__code__, set()):
        if n in g:
            new_g[n] = _translate_global(g[n])
    closure = None
    if f.__closure__:
        cells = []
        for c in f.__closure__:
            try:
                v = c.cell_contents
            except ValueError:
                cells.append(types.CellType())
                continue
            cells.append(types.CellType(_translate_global(v)))
        closure = tuple(cells)
    nf = types.FunctionType(f.__code__, new_g, f.__name__, f.__defaults__, closure)
    nf.__kwdefaults__ = {k: to_tj(v) for k, v in (f.__kwdefaults__ or {}).items()} or None
    if f.__defaults__:
        nf.__defaults__ = tuple(to_tj(v) for v in f.__defaults__)
    return nf


def _translate_global(v):
    if isinstance(v, types.ModuleType):
        name = v.__name__
        if name == "torch" or name.startswith("torch."):
            if name.startswith("torch.testing"):
                return v
            m = _tj_module(name)
            return m if m is not None else _MissingModule(name)
        return v
    if v is torch.Tensor:
        return torchjax.Tensor
    if isinstance(v, type):
        return v
    if callable(v) and not isinstance(v, (torch.Tensor, torch.dtype)):
        return translate_callable(v)
    return to_tj(v)


# ---- values -------------------------------------------------------------------------------------------------------

class Unsupported(Exception):
    """A sample the harness cannot express in torchjax (sparse, quantized, meta tensors)."""


def tensor_to_numpy(t):
    t = t.detach()
    if t.is_conj():
        t = t.resolve_conj()
    if t.is_neg():
        t = t.resolve_neg()
    if t.dtype in (torch.bfloat16, torch.float16) or t.dtype.is_floating_point and t.dtype.itemsize == 1:
        return t.to(torch.float32).cpu().numpy()
    if t.dtype == torch.complex32:
        return t.to(torch.complex64).cpu().numpy()
    if t.dtype in (torch.uint16, torch.uint32, torch.uint64):
        return t.to(torch.int64).cpu().numpy().astype(str(t.dtype).replace("torch.", ""))
    return t.cpu().numpy()


def tensor_to_tj(t):
    if t.layout != torch.strided:
        raise Unsupported(f"{t.layout} tensor")
    if t.is_quantized or t.is_meta:
        raise Unsupported("quantized/meta tensor")
    if not t.requires_grad and t.dim() and any(s == 0 and n > 1 for n, s in zip(t.shape, t.stride())):
        # an expanded tensor (stride 0): keep it an expanded view, so internal-overlap checks see it
        base = t
        for d, (n, s) in enumerate(zip(t.shape, t.stride())):
            if s == 0 and n > 1:
                base = base.narrow(d, 0, 1)
        return tensor_to_tj(base.contiguous()).expand(tuple(t.shape))
    dt = tj_dtype(t.dtype)
    arr = tensor_to_numpy(t)
    with torchjax.no_grad():
        r = torchjax.tensor(np.array(arr, copy=True, order="C"), dtype=dt)
    if t.requires_grad:
        r.requires_grad_(True)
    return r


def tj_dtype(d):
    return getattr(torchjax, str(d).replace("torch.", ""))


def _shared_view(t, memo):
    """t as a torchjax view (as_strided) of one torchjax tensor per torch storage, so tensors that share memory in
    torch share it in torchjax too (out= aliasing checks). Used for error inputs."""
    smap = memo.setdefault("__storages__", {})
    st = t.untyped_storage()
    key = (st.data_ptr(), t.dtype)
    base = smap.get(key)
    if base is None:
        n = st.nbytes() // t.element_size()
        with torch.no_grad():
            full = torch.empty(0, dtype=t.dtype).set_(st, 0, (n,), (1,))
        base = smap[key] = tensor_to_tj(full)
    try:
        return base.as_strided(tuple(t.shape), tuple(t.stride()), t.storage_offset())
    except RuntimeError:  # not expressible as a view of the storage: a copy
        return tensor_to_tj(t)


def to_tj(x, memo=None, share_memory=False):
    """Convert a sample's value (nested) to torchjax; the same torch tensor maps to the same torchjax tensor.
    share_memory: torch tensors sharing a storage become views of one torchjax tensor (not for tensors that
    require grad, expanded ones, or non-strided layouts)."""
    if memo is None:
        memo = {}
    if isinstance(x, torch.Tensor):
        r = memo.get(id(x))
        if r is None:
            if (share_memory and not x.requires_grad and x.layout == torch.strided and not x.is_quantized and
                    not x.is_meta and x.numel() and 0 not in x.stride() and not x.is_conj() and not x.is_neg()):
                r = memo[id(x)] = _shared_view(x, memo)
            else:
                r = memo[id(x)] = tensor_to_tj(x)
        return r
    if isinstance(x, torch.dtype):
        return tj_dtype(x)
    if isinstance(x, torch.Size):
        return torchjax.Size(tuple(x))
    if isinstance(x, torch.device):
        return torchjax.device(str(x))
    if isinstance(x, (torch.layout, torch.memory_format)):
        return getattr(torchjax, str(x).replace("torch.", ""))
    if isinstance(x, torch.Generator):
        g = torchjax.Generator()
        g.manual_seed(x.initial_seed())
        return g
    if isinstance(x, tuple):
        vals = [to_tj(v, memo, share_memory) for v in x]
        return type(x)(*vals) if hasattr(x, "_fields") else tuple(vals)
    if isinstance(x, list):
        return [to_tj(v, memo, share_memory) for v in x]
    if isinstance(x, dict):
        return {k: to_tj(v, memo, share_memory) for k, v in x.items()}
    if isinstance(x, slice):
        return slice(to_tj(x.start, memo), to_tj(x.stop, memo), to_tj(x.step, memo))
    if isinstance(x, (types.FunctionType, types.BuiltinFunctionType, functools.partial)):
        return translate_callable(x)
    if isinstance(x, torch.nn.Module):
        return _module_to_tj(x, memo)
    return x


def _module_to_tj(m, memo):
    """A parameter-free torch module passed as an argument (e.g. distance_function=nn.PairwiseDistance()): the
    torchjax module of the same class name with the same public attributes."""
    cls = getattr(torchjax.nn, type(m).__name__, None)
    if cls is None or any(True for _ in m.parameters()) or any(True for _ in m.buffers()):
        return _stub(f"torch.nn.{type(m).__name__} (as an argument)")
    new = cls.__new__(cls)
    torchjax.nn.Module.__init__(new)
    for k, v in vars(m).items():
        if not k.startswith("_"):
            setattr(new, k, to_tj(v, memo))
    return new


def tj_to_numpy(t):
    t = t.detach()
    if t.dtype in (torchjax.bfloat16, torchjax.float16) or t.dtype.is_floating_point and t.dtype.itemsize == 1:
        t = t.float()
    return np.asarray(t._host_values())


def dtype_name(d):
    return str(d).replace("torch.", "")


def is_tj_tensor(x):
    return isinstance(x, torchjax.Tensor)


def clone_tree(x, lib):
    """Detached copies of every tensor in a nested value (for in-place variants)."""
    T = torch.Tensor if lib is torch else torchjax.Tensor
    if isinstance(x, T):
        return x.detach().clone()
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(clone_tree(v, lib) for v in x)
    if isinstance(x, list):
        return [clone_tree(v, lib) for v in x]
    if isinstance(x, dict):
        return {k: clone_tree(v, lib) for k, v in x.items()}
    return x


def flat_tensors(x, T, acc=None):
    if acc is None:
        acc = []
    if isinstance(x, T):
        acc.append(x)
    elif isinstance(x, (tuple, list)):
        for v in x:
            flat_tensors(v, T, acc)
    elif isinstance(x, dict):
        for v in x.values():
            flat_tensors(v, T, acc)
    return acc


_ = sys  # keep the import for debugging helpers
