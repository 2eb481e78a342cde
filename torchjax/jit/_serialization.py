"""torch.jit.save / torch.jit.load in torchjax's own format: jax.export (StableHLO + VJP) and the weights.

Layout of the zip file (NOT PyTorch's TorchScript archive):
    torchjax_jit/meta.json      format, module tree, state names, input signature, output structure, grad_fn names
    torchjax_jit/exported.bin   jax.export.Exported.serialize(vjp_order=1) of f(state, inputs) -> outputs
    torchjax_jit/weights.pt     the parameters and buffers (torch.save format)
    extra/<name>                _extra_files
"""
import contextlib
import io
import json
import os
import zipfile

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.graph import Node, _FREED

_FORMAT = "torchjax.jit"
_VERSION = 1
_PREFIX = "torchjax_jit/"


# ---- saving ----------------------------------------------------------------------------------------------------
def _state(root):
    """[(name, tensor, is_parameter)] for the module's parameters and buffers, each tensor once."""
    out, seen = [], set()
    if root is None:
        return out
    for name, p in root.named_parameters():
        if id(p) not in seen:
            seen.add(id(p))
            out.append((name, p, True))
    for name, b in root.named_buffers():
        if b is not None and id(b) not in seen:
            seen.add(id(b))
            out.append((name, b, False))
    return out


def _guess_spec(root):
    """An input signature from the module's first layer, for a module that was never called."""
    from .. import float32, int64
    for m in root.modules():
        if m is root and len(root._modules):
            continue
        if hasattr(m, "in_features") and isinstance(m.in_features, int):
            w = getattr(m, "weight", None)
            return [((1, m.in_features), w.dtype if w is not None else float32)]
        if type(m).__name__ in ("Embedding", "EmbeddingBag"):
            return [((1, 1), int64)]
        if m._parameters:
            break
    raise RuntimeError("torchjax: torch.jit save() needs the module's input signature: call the scripted module once, "
                       "or pass example_inputs to torch.jit.script(model, example_inputs=[(x,)]) / use "
                       "torch.jit.trace(model, x)")


def _encode(obj, leaves):
    if isinstance(obj, Tensor):
        leaves.append(obj)
        return {"tensor": len(leaves) - 1}
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return {"tuple": [_encode(o, leaves) for o in obj]}
    if isinstance(obj, list):
        return {"list": [_encode(o, leaves) for o in obj]}
    if isinstance(obj, dict):
        return {"dict": [[k, _encode(v, leaves)] for k, v in obj.items()]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"const": obj}
    raise NotImplementedError(f"torchjax: torch.jit save() of a forward returning {type(obj).__name__} is not "
                              f"supported")


def _decode(enc, tensors):
    if "tensor" in enc:
        return tensors[enc["tensor"]]
    if "tuple" in enc:
        return tuple(_decode(e, tensors) for e in enc["tuple"])
    if "list" in enc:
        return [_decode(e, tensors) for e in enc["list"]]
    if "dict" in enc:
        return {k: _decode(v, tensors) for k, v in enc["dict"]}
    return enc["const"]


def _swap(root, state, values):
    """Point every module entry holding a state tensor at a new tensor over `values`; returns the undo list."""
    from ..nn.parameter import Parameter
    new = {}
    for (name, t, is_param), v in zip(state, values):
        nt = wrap(v, t.device)
        if is_param:
            nt = Parameter(nt, requires_grad=t.requires_grad)
        new[id(t)] = nt
    undo = []
    for m in root.modules():
        for d in (m._parameters, m._buffers):
            for k, v in list(d.items()):
                if v is not None and id(v) in new:
                    undo.append((d, k, v))
                    d[k] = new[id(v)]
    return undo


def _export(obj):
    import jax
    from jax import export as jexport
    from ..autograd import grad_mode
    from ._script import ScriptFunction, ScriptModule, _CompiledModule

    if isinstance(obj, ScriptFunction):
        root, fn, kind, name = None, obj._fn, "function", obj.__name__
    elif isinstance(obj, _CompiledModule) and obj._orig is not None:
        root, fn, kind, name = obj._orig, obj._orig, "module", obj.original_name
    elif isinstance(obj, ScriptModule) and not isinstance(obj, _CompiledModule):
        # the legacy API: a class deriving from torch.jit.ScriptModule (with @torch.jit.script_method)
        root, fn, kind, name = obj, obj, "module", type(obj).__name__
    else:
        raise NotImplementedError("torchjax: torch.jit.save of a loaded torch.jit module is not supported; save the "
                                  "original scripted module")
    spec = obj.__dict__.get("_example") if root is obj else obj._example
    if spec is None:
        if root is None:
            raise RuntimeError("torchjax: torch.jit save() of a scripted function needs its input signature: call it "
                               "once first")
        spec = _guess_spec(root)
    state = _state(root)
    info = {}

    def f(state_vals, arg_vals):
        undo = _swap(root, state, state_vals) if root is not None else []
        try:
            args = [wrap(v, dev) for v in arg_vals]
            with grad_mode.enable_grad():
                out = fn(*args)
        finally:
            for d, k, v in undo:
                d[k] = v
        leaves = []
        info["out"] = _encode(out, leaves)
        info["grad_fns"] = [None if t.grad_fn is None else t.grad_fn.name().rsplit("::", 1)[-1] for t in leaves]
        return [t._value() for t in leaves]

    dev = state[0][1].device if state else None
    if dev is None:
        from .. import device as _device
        dev = _device("cpu")
    state_avals = [jax.ShapeDtypeStruct(tuple(t.shape), t._dtype.np) for _, t, _ in state]

    def arg_avals(symbolic):
        b = jexport.symbolic_shape("b")[0] if symbolic else None
        return [jax.ShapeDtypeStruct(((b,) + tuple(s[1:])) if (symbolic and len(s)) else tuple(s), dt.np)
                for s, dt in spec]

    exported, symbolic = None, any(len(s) for s, _ in spec)
    errors = []
    from .. import default_generator
    rng = default_generator.get_state()
    modes = obj._orig_modes() if isinstance(obj, _CompiledModule) else contextlib.nullcontext()
    with modes:
        # one file for CPUs and GPUs where XLA lowers the computation for both, else for this backend only; the
        # batch dimension symbolic where the forward allows it, else the example's shapes
        attempts = [(sym, plats) for sym in ((True, False) if symbolic else (False,))
                    for plats in (("cpu", "cuda"), None)]
        for sym, plats in attempts:
            try:
                exporter = jexport.export(jax.jit(f), platforms=plats) if plats else jexport.export(jax.jit(f))
                exported = exporter(state_avals, arg_avals(sym))
                symbolic = sym
                break
            except Exception as e:  # noqa: BLE001 - try the next, narrower, export
                errors.append(e)
    drew = not bool((default_generator.get_state() == rng).all())
    default_generator.set_state(rng)
    if drew:
        raise NotImplementedError(f"torchjax: torch.jit save() of a forward that draws random numbers (dropout in "
                                  f"training mode) is not supported: the exported computation would replay one "
                                  f"draw. Call .eval() on {name} before saving")
    if exported is None:
        raise RuntimeError(f"torchjax: torch.jit save() could not export {name}'s forward with jax.export: "
                           f"{errors[-1]}") from errors[-1]
    try:
        blob = exported.serialize(vjp_order=1)
        has_vjp = True
    except Exception:  # noqa: BLE001 - a computation without a VJP (integer-only): forward only
        blob = exported.serialize(vjp_order=0)
        has_vjp = False
    tree = _tree(root) if root is not None else None
    meta = {
        "format": _FORMAT, "version": _VERSION, "kind": kind, "name": name, "tree": tree,
        "state": [[n, bool(p), bool(t.requires_grad)] for n, t, p in state],
        "inputs": [[None if (symbolic and i == 0) else d for i, d in enumerate(s)] + [str(dt)]
                   for s, dt in spec],
        "out": info["out"], "grad_fns": info["grad_fns"], "vjp": has_vjp,
        "training": bool(obj.training) if root is not None else False,
    }
    return meta, blob, {n: t.detach() for n, t, _ in state}


def _tree(m):
    return {"name": type(m).__name__,
            "children": [[k, None if c is None else _tree(c)] for k, c in m._modules.items()]}


def save(m, f, _extra_files=None):
    """torch.jit.save: write `m` (a scripted/traced module or function) to `f` (a path or a binary file)."""
    from ..serialization import save as tsave
    meta, blob, weights = _export(m)
    wbuf = io.BytesIO()
    tsave(weights, wbuf)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_PREFIX + "meta.json", json.dumps(meta))
        z.writestr(_PREFIX + "exported.bin", bytes(blob))
        z.writestr(_PREFIX + "weights.pt", wbuf.getvalue())
        for k, v in (_extra_files or {}).items():
            z.writestr("extra/" + k, v if isinstance(v, bytes) else str(v).encode())
    data = buf.getvalue()
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    else:
        f.write(data)


# ---- loading ---------------------------------------------------------------------------------------------------
class ExportedBackward(Node):
    """The backward of one call of a loaded module: the exported VJP (subclasses carry torch's node names)."""
    __slots__ = ("_run", "_primals", "_positions", "_out_meta", "_device")

    def __init__(self, run, primals, positions, edges, out_meta, device):
        super().__init__(tuple(edges), len(out_meta))
        self._run, self._primals, self._positions = run, primals, positions
        self._out_meta, self._device = out_meta, device

    def _release(self):
        self._primals = None

    def _apply(self, grads):
        import jax
        import jax.numpy as jnp
        if self._primals is None:
            raise RuntimeError(_FREED)
        cts = []
        for g, (shape, dt) in zip(grads, self._out_meta):
            if not _is_float(dt):
                cts.append(np.zeros(shape, jax.dtypes.float0))
            elif g is None:
                cts.append(jnp.zeros(shape, dt))
            else:
                v = g._value()
                cts.append(v if v.dtype == dt else v.astype(dt))
        res = self._run.vjp(self._primals, cts)
        return [wrap(res[i], self._device) for i in self._positions]


_NODE_CLASSES = {}


def _exported_backward_class(name):
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = _NODE_CLASSES[name] = type(name, (ExportedBackward,), {"__slots__": ()})
    return cls


class _Loaded:
    """The exported forward (and VJP) of a loaded file, called by the top-level RecursiveScriptModule."""

    def __init__(self, meta, blob, device):
        from jax import export as jexport
        import jax
        self.meta = meta
        self.exported = jexport.deserialize(bytearray(blob))
        self._fwd = jax.jit(self.exported.call)
        self._vjp = None
        self.device = device
        self.state_names = [s[0] for s in meta["state"]]
        self.inputs = meta["inputs"]

    def vjp(self, primals, cts):
        import jax
        if self._vjp is None:
            self._vjp = jax.jit(self.exported.vjp().call)
        return self._vjp(*primals, *cts)

    def _check(self, args):
        if len(args) != len(self.inputs):
            raise RuntimeError(f"forward() expected {len(self.inputs)} argument(s) but got {len(args)} (torchjax: the "
                               f"loaded module was exported for {len(self.inputs)} tensor input(s))")
        for i, (a, want) in enumerate(zip(args, self.inputs)):
            if not isinstance(a, Tensor):
                raise RuntimeError(f"forward(): expected a Tensor for argument {i}, got {type(a).__name__}")
            shape, dt = want[:-1], want[-1]
            if str(a.dtype) != dt or a.ndim != len(shape) or any(s is not None and s != d
                                                                   for s, d in zip(shape, a.shape)):
                sh = "[" + ", ".join("*" if s is None else str(s) for s in shape) + "]"
                raise RuntimeError(f"forward(): argument {i} has shape {list(a.shape)} and dtype {a.dtype}; the "
                                   f"loaded module was exported for shape {sh} and dtype {dt}")

    def __call__(self, module, args):
        import jax
        from ..autograd import grad_mode
        self._check(args)
        state = [module.get_parameter(n) if is_p else module.get_buffer(n) for n, is_p, _ in self.meta["state"]]
        dev = self.device
        jd = _jax_dev(dev)
        svals = [jax.device_put(t._jax(), jd) for t in state]
        avals = [jax.device_put(a._jax(), jd) for a in args]
        outs = self._fwd(svals, avals)
        inputs = list(state) + list(args)
        need = [grad_mode.state.enabled and (t.requires_grad or t.grad_fn is not None) and _is_float(t.dtype)
                for t in inputs]
        node = None
        float_out = [i for i, o in enumerate(outs) if _is_float(o.dtype)]
        if any(need) and self.meta.get("vjp") and float_out:
            names = [self.meta["grad_fns"][i] for i in float_out if self.meta["grad_fns"][i]]
            cls = _exported_backward_class(names[0] if names else "CompiledFunctionBackward")
            positions = [i for i, n in enumerate(need) if n]
            edges = [inputs[i]._edge() for i in positions]
            out_meta = [(o.shape, o.dtype) for o in outs]
            node = cls(self, svals + avals, positions, edges, out_meta, dev)
        tensors = []
        for i, o in enumerate(outs):
            t = wrap(o, dev)
            if node is not None and i in float_out:
                t._grad_fn = node
                t._output_nr = i
            tensors.append(t)
        return _decode(self.meta["out"], tensors)


def _is_float(dt):
    s = str(dt)
    return "float" in s or "complex" in s


def _jax_dev(dev):
    from .._device import jax_device
    return jax_device(dev)


def _build(tree, params):
    from ._script import RecursiveScriptModule
    m = RecursiveScriptModule(tree["name"])
    for k, c in tree["children"]:
        m._modules[k] = None if c is None else _build(c, params)
    return m


def load(f, map_location=None, _extra_files=None, _restore_shapes=False, **kwargs):
    """torch.jit.load: rebuild a module saved by torchjax's torch.jit.save (no Python class needed)."""
    from .. import device as _device
    from ..nn.parameter import Parameter
    from ..serialization import load as tload
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(os.fspath(f)):
            raise ValueError(f"The provided filename {os.fspath(f)} does not exist")
        if os.path.isdir(os.fspath(f)):
            raise ValueError(f"The provided filename {os.fspath(f)} is a directory")
        with open(os.fspath(f), "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RuntimeError("PytorchStreamReader failed reading zip archive: failed finding central directory") \
            from None
    names = z.namelist()
    if _PREFIX + "meta.json" not in names:
        if any(n.endswith("code/__torch__.py") or n.endswith("constants.pkl") for n in names):
            raise NotImplementedError("torchjax: torch.jit.load of a PyTorch TorchScript archive is not supported; "
                                      "torchjax's torch.jit.save writes its own format (jax.export StableHLO + "
                                      "weights)")
        raise RuntimeError("PytorchStreamReader failed locating file constants.pkl: file not found")
    meta = json.loads(z.read(_PREFIX + "meta.json"))
    if meta.get("format") != _FORMAT or meta.get("version", 0) > _VERSION:
        raise RuntimeError(f"torchjax: unsupported torch.jit file (format {meta.get('format')!r}, version "
                           f"{meta.get('version')})")
    dev = _device("cpu") if map_location is None else _device(map_location) if isinstance(map_location, str) \
        else map_location
    weights = tload(io.BytesIO(z.read(_PREFIX + "weights.pt")), map_location=dev, weights_only=True)
    if _extra_files is not None:
        for k in list(_extra_files):
            if "extra/" + k in names:
                _extra_files[k] = z.read("extra/" + k)
    loaded = _Loaded(meta, z.read(_PREFIX + "exported.bin"), dev)
    if meta["kind"] == "function":
        return _LoadedFunction(loaded, meta["name"])
    root = _build(meta["tree"], weights)
    for n, is_p, rg in meta["state"]:
        *path, leaf = n.split(".")
        owner = root
        for p in path:
            owner = owner._modules[p]
        t = weights[n]
        if is_p:
            owner._parameters[leaf] = Parameter(t, requires_grad=rg)
        else:
            owner._buffers[leaf] = t
    object.__setattr__(root, "_loaded", loaded)
    root.train(meta["training"])
    return root


class _LoadedFunction:
    def __init__(self, loaded, name):
        self._loaded = loaded
        self.__name__ = self.name = name

    def __call__(self, *args):
        from ..nn.modules.module import Module
        return self._loaded(Module(), args)

    def __repr__(self):
        return f"<torch.jit.ScriptFunction object at {hex(id(self))}>"
