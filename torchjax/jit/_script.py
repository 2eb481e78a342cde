"""torch.jit.script / torch.jit.trace: modules and functions that run compiled (see __init__.py)."""
import builtins
import contextlib
import functools
import warnings

from .._tensor import Tensor
from ..nn.modules.module import Module

__all__ = ["ScriptModule", "RecursiveScriptModule", "TracedModule", "TopLevelTracedModule", "ScriptFunction",
           "script", "trace", "trace_module"]

_STATE = {"tracing": 0}


def _spec_of(args):
    """The positional-argument signature save() exports: [(shape, dtype)] per tensor argument."""
    spec = []
    for a in args:
        if not builtins.isinstance(a, Tensor):
            return None  # exported modules take tensors only; such a signature cannot be saved
        spec.append((tuple(a.shape), a.dtype))
    return spec


class ScriptModule(Module):
    """Base class of compiled modules (torch.jit.ScriptModule). A user class deriving from it (the legacy API, with
    @torch.jit.script_method) runs as a plain module and can be saved."""

    def __call__(self, *args, **kwargs):
        if not kwargs and "_example" not in self.__dict__ and not builtins.isinstance(self, _CompiledModule):
            object.__setattr__(self, "_example", _spec_of(args))
        return super().__call__(*args, **kwargs)

    def save(self, f, _extra_files=None):
        """Export the forward with jax.export and write it with the weights (torchjax's format, not TorchScript's)."""
        from ._serialization import save
        save(self, f, _extra_files)

    @property
    def code(self):
        raise NotImplementedError("torchjax: torch.jit modules have no TorchScript code; the compiled form is a JAX "
                                  "(StableHLO) computation")

    @property
    def graph(self):
        raise NotImplementedError("torchjax: torch.jit modules have no TorchScript graph; the compiled form is a JAX "
                                  "(StableHLO) computation")

    inlined_graph = graph

    def define(self, src):
        raise NotImplementedError("torchjax: ScriptModule.define (TorchScript source) is not supported")


class _CompiledModule(ScriptModule):
    """A module wrapping `_orig` (sharing its parameters and buffers) whose calls run compiled, or, when loaded from
    a file, a module holding the weights whose top-level call runs the exported computation."""

    def __init__(self, original_name, orig=None):
        sa = object.__setattr__
        sa(self, "_orig", orig)
        super().__init__()
        sa(self, "original_name", original_name)
        if orig is not None:
            sa(self, "_parameters", orig._parameters)
            sa(self, "_buffers", orig._buffers)
            sa(self, "_non_persistent_buffers_set", orig._non_persistent_buffers_set)
        sa(self, "_compiled", None)
        sa(self, "_example", None)
        sa(self, "_loaded", None)
        if orig is not None:
            sa(self, "training", orig.training)  # the script module's own flag, as torch's

    def extra_repr(self):
        return f"original_name={self.original_name}"

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            orig = self.__dict__.get("_orig")
            if orig is not None and not name.startswith("__"):
                return getattr(orig, name)
            raise

    def forward(self, *args, **kwargs):
        loaded = self.__dict__.get("_loaded")
        if loaded is not None:
            if kwargs:
                raise NotImplementedError("torchjax: a loaded torch.jit module takes positional tensor arguments only")
            return loaded(self, args)
        orig = self.__dict__.get("_orig")
        if orig is None:
            raise NotImplementedError(f"torchjax: only the top-level module of a loaded torch.jit file can be called "
                                      f"(not '{self.original_name}')")
        if self._example is None and not kwargs:
            object.__setattr__(self, "_example", _spec_of(args))
        if self._compiled is None:
            from .._compile import CompiledCallable
            object.__setattr__(self, "_compiled", CompiledCallable(orig._call_impl, orig, label="torch.jit"))
        with self._orig_modes(), warnings.catch_warnings():
            # a forward XLA cannot trace (Python control flow on values) runs eagerly, as TorchScript would
            warnings.filterwarnings("ignore", message=".*Falling back to eager execution.*")
            out = self._compiled(*args, **kwargs)
            if not kwargs:
                _name_grad_fns(self, orig, args, out)
            return out

    @contextlib.contextmanager
    def _orig_modes(self):
        """Run the original modules in this script module's training modes (torch's script module has its own)."""
        pairs = [(w, w._orig) for w in self.modules() if w.__dict__.get("_orig") is not None]
        saved = [o.training for _, o in pairs]
        for w, o in pairs:
            o.training = w.training
        try:
            yield
        finally:
            for (_, o), t in zip(pairs, saved):
                o.training = t

    def __reduce_ex__(self, protocol):
        raise RuntimeError("torchjax: torch.jit modules cannot be pickled; use .save(path) and torch.jit.load(path)")


_RENAMED = {}


def _name_grad_fns(wrapper, orig, args, out):
    """Name the compiled call's backward node after the op torch's TorchScript output would show (its last op:
    `grad_fn=<ReluBackward0>`), found once per signature by an abstract trace of the eager forward."""
    from .._compile._forward import CompiledFunctionBackward
    outs = [out] if builtins.isinstance(out, Tensor) else [o for o in (out if builtins.isinstance(out, (tuple, list))
                                                                        else ()) if builtins.isinstance(o, Tensor)]
    nodes = [o.grad_fn for o in outs if type(o.grad_fn) is CompiledFunctionBackward]
    if not nodes or not all(builtins.isinstance(a, Tensor) for a in args):
        return
    cache = wrapper.__dict__.setdefault("_grad_fn_names", {})
    key = (tuple((tuple(a.shape), a.dtype, a.requires_grad) for a in args),
           tuple(m.training for m in orig.modules()))
    name = cache.get(key)
    if name is None:
        name = cache[key] = _discover_grad_fn_name(orig, args) or "CompiledFunctionBackward"
    if name == "CompiledFunctionBackward":
        return
    cls = _RENAMED.get(name)
    if cls is None:
        cls = _RENAMED[name] = type(name, (CompiledFunctionBackward,), {"__slots__": (), "name": lambda self: name})
    for n in nodes:
        n.__class__ = cls


def _discover_grad_fn_name(orig, args):
    import jax
    from .. import default_generator
    from .._tensor import wrap
    from ..autograd import grad_mode
    from ._serialization import _state, _swap
    state = _state(orig)
    found = []

    def f(state_vals, arg_vals):
        undo = _swap(orig, state, state_vals)
        try:
            with grad_mode.enable_grad():
                out = orig(*[wrap(v, a.device).requires_grad_(a.requires_grad) for v, a in zip(arg_vals, args)])
        finally:
            for d, k, v in undo:
                d[k] = v
        t = out if builtins.isinstance(out, Tensor) else next(
            (o for o in out if builtins.isinstance(o, Tensor) and o.grad_fn is not None), None)
        if t is not None and t.grad_fn is not None:
            found.append(t.grad_fn.name().rsplit("::", 1)[-1])
        return 0

    rng = default_generator.get_state()
    try:
        jax.eval_shape(f, [jax.ShapeDtypeStruct(tuple(t.shape), t._dtype.np) for _, t, _ in state],
                       [jax.ShapeDtypeStruct(tuple(a.shape), a._dtype.np) for a in args])
    except Exception:  # noqa: BLE001 - the name is cosmetic: keep CompiledFunctionBackward
        return None
    finally:
        default_generator.set_state(rng)
    return found[0] if found else None


class RecursiveScriptModule(_CompiledModule):
    """What torch.jit.script(module) and torch.jit.load return."""


class TracedModule(_CompiledModule):
    """A submodule of a traced module (prints under its original class name, as torch's)."""

    def _get_name(self):
        return self.original_name


class TopLevelTracedModule(TracedModule):
    """What torch.jit.trace(module, example_inputs) returns."""


def _wrap_tree(module, top_cls, child_cls):
    w = top_cls(type(module).__name__, module)
    for name, child in module._modules.items():
        w._modules[name] = None if child is None else _wrap_tree(child, child_cls, child_cls)
    return w


class ScriptFunction:
    """A compiled function (torch.jit.script / torch.jit.trace of a function)."""

    def __init__(self, fn, example=None):
        from .._compile import CompiledCallable
        self._fn = fn
        self._compiled = CompiledCallable(fn, None, label="torch.jit")
        self._example = example
        self.__name__ = getattr(fn, "__name__", "fn")
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.name = self.__name__

    def __call__(self, *args, **kwargs):
        if self._example is None and not kwargs:
            self._example = _spec_of(args)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Falling back to eager execution.*")
            return self._compiled(*args, **kwargs)

    def save(self, f, _extra_files=None):
        from ._serialization import save
        save(self, f, _extra_files)

    @property
    def code(self):
        raise NotImplementedError("torchjax: torch.jit functions have no TorchScript code")

    @property
    def graph(self):
        raise NotImplementedError("torchjax: torch.jit functions have no TorchScript graph")

    def __repr__(self):
        return f"<torch.jit.ScriptFunction object at {hex(id(self))}>"


def _example_tuple(example_inputs):
    if example_inputs is None:
        return None
    if builtins.isinstance(example_inputs, Tensor):
        return (example_inputs,)
    return tuple(example_inputs)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Compile a module or function. `example_inputs` (a list of argument tuples) fixes the signature save() exports;
    otherwise the first call's does."""
    if optimize is not None:
        warnings.warn("`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()` "
                      "instead", FutureWarning, stacklevel=2)
    if builtins.isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if builtins.isinstance(obj, Module):
        w = _wrap_tree(obj, RecursiveScriptModule, RecursiveScriptModule)
        if example_inputs:
            object.__setattr__(w, "_example", _spec_of(_example_tuple(example_inputs[0])))
        return w
    if builtins.isinstance(obj, type):
        raise NotImplementedError("torchjax: torch.jit.script of a class is not supported")
    if callable(obj):
        sf = ScriptFunction(obj)
        if example_inputs:
            sf._example = _spec_of(_example_tuple(example_inputs[0]))
        return sf
    raise RuntimeError(f"Type '{type(obj)}' cannot be compiled since it inherits from nn.Module, pass an instance "
                       f"instead")


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None, example_kwarg_inputs=None,
          _store_inputs=True):
    """Compile `func` (a module or function) for `example_inputs`, running it once on them as torch does."""
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs or example_inputs must be provided")
    if example_kwarg_inputs is not None:
        raise NotImplementedError("torchjax: torch.jit.trace(example_kwarg_inputs=...) is not supported; pass "
                                  "example_inputs")
    args = _example_tuple(example_inputs)
    if builtins.isinstance(func, ScriptModule):
        return func
    if builtins.isinstance(func, Module):
        w = _wrap_tree(func, TopLevelTracedModule, TracedModule)
        object.__setattr__(w, "_example", _spec_of(args))
        with _tracing():
            w(*args)
        return w
    if not callable(func):
        raise RuntimeError("torch.jit.trace: expected a function or an nn.Module")
    sf = ScriptFunction(func, _spec_of(args))
    with _tracing():
        sf(*args)
    return sf


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5, strict=True,
                 _force_outplace=False, _module_class=None, _compilation_unit=None, example_inputs_is_kwarg=False,
                 _store_inputs=True):
    if set(inputs) != {"forward"}:
        raise NotImplementedError("torchjax: torch.jit.trace_module traces 'forward' only")
    return trace(mod, inputs["forward"])


@contextlib.contextmanager
def _tracing():
    _STATE["tracing"] += 1
    try:
        yield
    finally:
        _STATE["tracing"] -= 1


# ---- decorators and helpers that TorchScript code uses; in torchjax they leave Python code as it is ----------------
def ignore(drop=False, **kwargs):
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def script_method(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting():
    return False


def is_tracing():
    return _STATE["tracing"] > 0


def annotate(the_type, the_value):
    return the_value


def isinstance(obj, target_type):  # noqa: A001 - torch.jit.isinstance
    import typing
    origin = typing.get_origin(target_type)
    if origin is None:
        return builtins.isinstance(obj, target_type)
    targs = typing.get_args(target_type)
    if origin in (list, tuple) and builtins.isinstance(obj, origin):
        if origin is tuple and targs and targs[-1] is not Ellipsis:
            return len(obj) == len(targs) and all(isinstance(o, t) for o, t in zip(obj, targs))
        return all(isinstance(o, targs[0]) for o in obj) if targs else True
    if origin is dict and builtins.isinstance(obj, dict):
        return all(isinstance(k, targs[0]) and isinstance(v, targs[1]) for k, v in obj.items()) if targs else True
    if origin is typing.Union:
        return any(isinstance(obj, t) for t in targs)
    return builtins.isinstance(obj, origin)


class Attribute:
    def __new__(cls, value, type=None):  # noqa: A002
        return value


class _FinalMeta(type):
    def __getitem__(cls, item):
        return item


class Final(metaclass=_FinalMeta):
    pass


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() on "
                           "your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    if not builtins.isinstance(mod, ScriptModule):
        mod = script(mod)
    return freeze(mod.eval())


class CompilationUnit:
    def __init__(self, lang=None, _frames_up=0):
        if lang is not None:
            raise NotImplementedError("torchjax: torch.jit.CompilationUnit (TorchScript source) is not supported")


@functools.lru_cache(None)
def _fusion():
    return {"onednn": False}


def enable_onednn_fusion(enabled):
    _fusion()["onednn"] = bool(enabled)


def onednn_fusion_enabled():
    return _fusion()["onednn"]


def set_fusion_strategy(strategy):
    return [("STATIC", 2), ("DYNAMIC", 10)]


@contextlib.contextmanager
def strict_fusion():
    yield
