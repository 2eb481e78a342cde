"""torch.compile / torchjax.compile.

- `torch.compile(module)` returns an `OptimizedModule` (state_dict keys prefixed `_orig_mod.`, as torch's) whose
  forward is one jitted JAX function of (parameters, buffers, inputs, RNG key) and whose backward is one more,
  recorded in the eager autograd graph as one node (`_forward.py`).
- `torch.compile(fn)` / `torchjax.compile(step_fn, donate=True)` for a plain function: a whole training step
  (forward, backward, optimizer step, zero_grad, scheduler) becomes one XLA computation with the model and
  optimizer state lifted to inputs/outputs and donated (`_step.py`); a function that only computes a forward is
  compiled like a module.
- `module.compile()` compiles the module in place.

`mode=`, `dynamic=` and `options=` are accepted (shapes are always specialised; a new shape retraces, with a
warning after repeated retraces). `fullgraph=True` turns a graph break (a forward that cannot be traced: `.item()`,
a Python branch on a tensor's value, an op unsupported in compiled code) into an error; otherwise that signature
falls back to eager execution with a warning. A whole step that cannot be traced raises.
"""
from ..nn.modules.module import Module
from ._forward import CompiledCallable, CompiledFunctionBackward, USE_RESIDUALS  # noqa: F401
from ._step import CompiledStep
from ._trace import is_compiling  # noqa: F401

__all__ = ["compile", "OptimizedModule", "is_compiling", "reset"]

_BACKENDS = {"inductor", "eager", "aot_eager", "cudagraphs", "openxla", "jax", "xla", None}
_MODES = {None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"}


class OptimizedModule(Module):
    """What torch.compile(module) returns: wraps `_orig_mod`, whose calls run compiled."""

    _opt_mod_attributes = {"_orig_mod", "_compiled", "forward", "_super_module_initialized", "dynamo_ctx"}

    def __init__(self, mod, compiled):
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_super_module_initialized", False)
        super().__init__()
        object.__setattr__(self, "_super_module_initialized", True)
        self._modules["_orig_mod"] = mod
        object.__setattr__(self, "_compiled", compiled)

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    @property
    def training(self):
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        if self.__dict__.get("_super_module_initialized"):
            self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self.__dict__["_modules"]["_orig_mod"]
        return getattr(self.__dict__["_modules"]["_orig_mod"], name)

    def __setattr__(self, name, value):
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__setattr__(name, value)
        return setattr(self._orig_mod, name, value)

    def __delattr__(self, name):
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__delattr__(name)
        return delattr(self._orig_mod, name)

    def __len__(self):
        try:
            return len(self._orig_mod)
        except TypeError:
            raise TypeError(f"{type(self._orig_mod).__name__} does not support len()") from None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        object.__setattr__(self, "_compiled", CompiledCallable(self._orig_mod._call_impl, self._orig_mod))

    def __dir__(self):
        own = self._orig_mod.__dir__()
        return own + [a for a in super().__dir__() if a not in own]


def _check_options(backend, mode, options):
    if callable(backend) and not isinstance(backend, str):
        raise NotImplementedError("torchjax.compile: custom backends (a callable receiving an FX graph) are not "
                                  "supported; torchjax compiles with XLA")
    if backend not in _BACKENDS:
        raise NotImplementedError(f"torchjax.compile: backend {backend!r} is not supported (torchjax compiles with "
                                  f"XLA; 'inductor', 'aot_eager' and 'eager' are accepted)")
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           "default, reduce-overhead, max-autotune, max-autotune-no-cudagraphs")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False, donate=True):
    """torch.compile. `model`: an nn.Module (returns an OptimizedModule) or a function (a training step or a
    forward); used as a decorator with or without arguments."""
    _check_options(backend, mode, options)
    if model is None:
        def deco(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                           disable=disable, donate=donate)
        return deco
    if disable or backend == "eager":
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, CompiledCallable(model._call_impl, model, fullgraph=fullgraph,
                                                       dynamic=dynamic, label="torch.compile"))
    if not callable(model):
        raise RuntimeError("torch.compile: the argument must be an nn.Module or a callable")
    self_mod = getattr(model, "__self__", None)
    if isinstance(self_mod, Module) and getattr(model, "__func__", None) is Module._call_impl:
        # module.compile(): compile the module's own call in place
        return CompiledCallable(model, self_mod, fullgraph=fullgraph, dynamic=dynamic, label="torch.compile")
    return CompiledStep(model, fullgraph=fullgraph, dynamic=dynamic, donate=donate, label="torchjax.compile")


def reset():
    """torch._dynamo.reset / torch.compiler.reset: compiled code is cached per compiled object; nothing global."""
