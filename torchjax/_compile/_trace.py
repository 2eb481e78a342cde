"""Tracing torch-API Python code into one JAX computation.

While a `Trace` is active (inside `jax.make_jaxpr`), every Storage that existed before the trace and is read or
written by the traced code is *lifted*: the trace gains a new input (a fresh argument of the jaxpr being built,
`DynamicJaxprTrace.new_arg`) and the storage is bound to that tracer until the trace ends, when its original
value is put back. So one Python run of the code discovers everything it reads (parameters, buffers, optimizer
state, gradients, tensors captured from enclosing scopes) and the jaxpr takes exactly those as inputs, in the
order they were first touched (`Trace.sources`).

Storages created during the trace are remembered weakly; those still alive when the traced code returns (a new
`.grad`, optimizer state created lazily, tensors a hook stored away) hold tracers and become outputs whose values
are written back into the same Python objects after every call.

Random draws inside the trace come from keys that are inputs too: the first draw from a generator lifts a key
input whose value, at every call, is drawn from that generator (`Generator._jax_key`), and each draw folds a
counter into it. Drawing on the host (torch's CPU streams) inside a trace raises NotImplementedError.

The hooks are installed by swapping a few methods of Storage and Tensor for the duration of the trace only, so
eager code pays nothing for them.
"""
import gc
import os
import threading
import weakref

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import core as _jcore
from jax._src import source_info_util as _siu

from .. import _random
from .._ops import _views
from .._storage import Storage
from .._tensor import Tensor

_Tracer = jax.core.Tracer
_ORIG_STORAGE_INIT = Storage.__init__
_ORIG_VALUE = Storage.value
_ORIG_SET = Storage.set
_ORIG_TVALUE = Tensor._value
_ORIG_TWRITE = Tensor._write

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _State:
    current = None  # the active Trace
    thread = None


state = _State()


def is_compiling():
    """True while torchjax is tracing code for torch.compile / torchjax.compile."""
    return state.current is not None


def _active():
    tr = state.current
    if tr is not None and state.thread == threading.get_ident():
        return tr
    return None


# ---- the hooks --------------------------------------------------------------------------------------------------

def _t_storage_init(self, array, device, host=None):
    _ORIG_STORAGE_INIT(self, array, device, host)
    tr = _active()
    if tr is not None:
        tr.created.add(self)


def _t_value(self):
    tr = _active()
    if tr is not None:
        tr.touch(self, None)
    return _ORIG_VALUE(self)


def _t_set(self, new):
    tr = _active()
    if tr is not None:
        tr.touch(self, None)
        tr.written.add(self)
        if isinstance(new, _Tracer) or self._host is not None:
            # never copy a tracer into a numpy buffer: the storage holds the tracer until the trace ends
            self._array = new
            self._host = None
            self.gen += 1
            return
    _ORIG_SET(self, new)


def _t_tensor_value(self):
    st = self._storage
    tr = _active()
    if tr is not None:
        tr.touch(st, self)
        v = self._view
        if v is None:
            return _ORIG_VALUE(st)
        return _views.reader(v)(_ORIG_VALUE(st))  # no view cache inside a trace
    return _ORIG_TVALUE(self)


def _t_tensor_write(self, new):
    tr = _active()
    if tr is not None:
        tr.touch(self._storage, self)
    _ORIG_TWRITE(self, new)


def _install():
    Storage.__init__ = _t_storage_init
    Storage.value = _t_value
    Storage.set = _t_set
    Tensor._value = _t_tensor_value
    Tensor._write = _t_tensor_write


def _uninstall():
    Storage.__init__ = _ORIG_STORAGE_INIT
    Storage.value = _ORIG_VALUE
    Storage.set = _ORIG_SET
    Tensor._value = _ORIG_TVALUE
    Tensor._write = _ORIG_TWRITE


# ---- sources: what each lifted input is, and how its value is found at call time ----------------------------------

class StorageSource:
    __slots__ = ("storage", "tensor")
    kind = "storage"

    def __init__(self, storage, tensor):
        self.storage = storage
        self.tensor = tensor  # a tensor that reached the storage (None if only the storage was seen)

    def value(self):
        st = self.storage
        a = st._array
        return a if a is not None else st.value()


class GeneratorSource:
    __slots__ = ("generator",)
    kind = "generator"

    def __init__(self, generator):
        self.generator = generator

    def value(self):
        return self.generator._jax_key(typed=False)


class PySource:
    """A Python-level value (an optimizer's hyper-parameters) read at every call through `getter`."""
    __slots__ = ("key", "getter")
    kind = "python"

    def __init__(self, key, getter):
        self.key = key
        self.getter = getter

    def value(self):
        return self.getter()


def _aval_of(v):
    dt = v.dtype
    return _jcore.ShapedArray(tuple(v.shape), dt, weak_type=bool(getattr(v, "weak_type", False)))


class Trace:
    """One Python run of traced code. Use as a context manager inside the function given to jax.make_jaxpr."""

    def __init__(self, *, grad_enabled, label="torch.compile"):
        self.jtrace = None
        self.label = label
        self.grad_enabled = grad_enabled
        self.sources = []  # extra jaxpr inputs, in order
        self.lifted = {}  # Storage -> its StorageSource
        self.saved = {}  # Storage -> (array, host, gen) to restore
        self.bound = {}  # Storage -> the tracer it was bound to
        self.written = set()  # storages set during the trace
        self.created = weakref.WeakSet()
        self.gen_keys = {}  # Generator -> [key data tracer, draw counter]
        self.py_inputs = {}  # key -> tracer
        self.tensors_seen = {}  # id -> Tensor: every pre-existing tensor the code read or wrote
        self.backward_ran = False
        self.deferred = []  # [(callable, args with tensors)] run after every call
        self.optimizers = []  # optimizers stepped in the trace (for guards)
        self.guards = []  # [(fn, expected)] checked before each call
        self.modules = []  # modules called in the trace
        self._prev = None

    # -- context ---------------------------------------------------------------------------------------------
    def __enter__(self):
        if state.current is not None:
            raise RuntimeError("torchjax: nested compile traces are not supported")
        from ..autograd import grad_mode
        self.jtrace = _jcore.trace_ctx.trace
        self._prev_grad = grad_mode.state.enabled
        grad_mode.state.enabled = self.grad_enabled
        state.current = self
        state.thread = threading.get_ident()
        self._prev_keys = _random._trace_keys[0]
        _random._trace_keys[0] = self.key_for
        _install()
        _hooks_install(self)
        return self

    def __exit__(self, *exc):
        from ..autograd import grad_mode
        _hooks_uninstall()
        _uninstall()
        _random._trace_keys[0] = self._prev_keys
        state.current = None
        state.thread = None
        grad_mode.state.enabled = self._prev_grad
        self.restore()
        return False

    def restore(self):
        for st, (a, h, g) in self.saved.items():
            st._array, st._host = a, h
            st.gen = max(st.gen, g) + 1  # caches keyed on the generation never see a tracer again
        self.saved = {}

    # -- lifting -----------------------------------------------------------------------------------------------
    def new_input(self, aval):
        return self.jtrace.new_arg(aval, _siu.current())

    def touch(self, st, tensor):
        if tensor is not None and id(tensor) not in self.tensors_seen and st not in self.created:
            self.tensors_seen[id(tensor)] = tensor
        src = self.lifted.get(st)
        if src is not None:
            if src.tensor is None and tensor is not None:
                src.tensor = tensor
            return
        if st in self.created:
            return
        v = st._array if st._array is not None else st._host
        if isinstance(v, _Tracer):
            return  # a value of an enclosing JAX trace (e.g. inside jax.jit): an ordinary closed-over value
        tr = self.new_input(_aval_of(v))
        self.saved[st] = (st._array, st._host, st.gen)
        st._array = tr
        st._host = None
        st.gen += 1
        src = StorageSource(st, tensor)
        self.lifted[st] = src
        self.bound[st] = tr
        self.sources.append(src)

    def python_input(self, key, getter):
        """A tracer for a Python-level value read by `getter()` at every call (lifted on first use)."""
        tr = self.py_inputs.get(key)
        if tr is None:
            v = np.asarray(getter()) if not isinstance(getter(), jax.Array) else getter()
            tr = self.py_inputs[key] = self.new_input(_aval_of(v))
            self.sources.append(PySource(key, getter))
        return tr

    def key_for(self, generator, typed=True):
        """The JAX key for one draw from `generator` inside the trace."""
        ent = self.gen_keys.get(generator)
        if ent is None:
            data = self.new_input(_jcore.ShapedArray((2,), np.dtype(np.uint32)))
            self.sources.append(GeneratorSource(generator))
            ent = self.gen_keys[generator] = [jax.random.wrap_key_data(data, impl="threefry2x32"), 0]
        key = jax.random.fold_in(ent[0], ent[1])
        ent[1] += 1
        return key if typed else jax.random.key_data(key)

    # -- results -----------------------------------------------------------------------------------------------
    def is_ours(self, v):
        return isinstance(v, _Tracer)

    def written_lifted(self):
        """Lifted storages whose value changed: (source index, new value)."""
        out = []
        for i, src in enumerate(self.sources):
            if src.kind != "storage":
                continue
            st = src.storage
            if st._array is not self.bound[st]:
                out.append((i, st._array))
        return out

    def alive_created(self, exclude=()):
        """Storages created in the trace, still referenced, holding a traced value."""
        gc.collect()
        ex = set(map(id, exclude))
        return [st for st in list(self.created) if id(st) not in ex and isinstance(st._array, _Tracer)]


# ---- hooks into optimizers and schedulers while a trace runs ------------------------------------------------------

_SAVED_HOOKS = {}


def _hooks_install(trace):
    from ..optim import _fused
    from ..autograd import engine
    _fused.trace_hook[0] = trace_optimizer_hook
    orig_exec = engine.execute
    _SAVED_HOOKS["execute"] = orig_exec

    def execute(*a, **k):
        trace.backward_ran = True
        return orig_exec(*a, **k)
    engine.execute = execute
    _patch_schedulers(trace)
    _patch_modules(trace)


def _hooks_uninstall():
    from ..optim import _fused
    from ..autograd import engine
    _fused.trace_hook[0] = None
    if "execute" in _SAVED_HOOKS:
        engine.execute = _SAVED_HOOKS.pop("execute")
    for cls, fn in _SAVED_HOOKS.pop("sched", []):
        cls.step = fn
    mod = _SAVED_HOOKS.pop("module", None)
    if mod is not None:
        mod[0].__call__ = mod[1]


def trace_optimizer_hook(opt, groups):
    """Called by FusedOptimizer.step inside a trace: the hyper-parameter vector becomes an input read from the
    optimizer's param_groups at every call (a scheduler changing the learning rate never retraces)."""
    from ..optim import _fused
    tr = _active()
    if tr is None:
        return None
    if tr.deferred:
        raise NotImplementedError(
            "torchjax.compile: optimizer.step() after lr_scheduler.step() inside one compiled step is not "
            "supported (the scheduler runs after the compiled computation); call optimizer.step() first, as torch "
            "recommends")
    idx = [i for i, g in enumerate(opt.param_groups) if any(gg is g for gg in groups)]

    def getter(opt=opt, idx=tuple(idx)):
        pg = opt.param_groups
        return _fused._hp_vector([v for i in idx for v in opt._hyper(pg[i])])

    if opt not in tr.optimizers:
        tr.optimizers.append(opt)
        statics = tuple(opt._static(g) for g in opt.param_groups)
        tr.guards.append((lambda opt=opt: tuple(opt._static(g) for g in opt.param_groups), statics))
        st_obj = opt.state
        tr.guards.append((lambda opt=opt: id(opt.state), id(st_obj)))
    return tr.python_input(("hp", id(opt), tuple(idx)), getter)


def _patch_schedulers(trace):
    """lr_scheduler.step() inside a trace is recorded and run (eagerly, on Python numbers) after every call."""
    from ..optim import lr_scheduler as ls
    saved = []
    classes = [ls.LRScheduler]
    i = 0
    while i < len(classes):
        classes.extend(c for c in classes[i].__subclasses__() if c not in classes)
        i += 1
    depth = [0]
    for cls in classes:
        if "step" not in cls.__dict__:
            continue
        orig = cls.__dict__["step"]
        saved.append((cls, orig))

        def step(self, *args, _orig=orig, **kwargs):
            if depth[0] or _active() is not trace:
                return _orig(self, *args, **kwargs)
            trace.deferred.append((self, _orig, args, kwargs))
            return None
        cls.step = step
    _SAVED_HOOKS["sched"] = saved


def _patch_modules(trace):
    from ..nn.modules.module import Module
    orig = Module.__call__

    def call(self, *args, **kwargs):
        if _active() is trace and not any(m is self for m in trace.modules):
            trace.modules.append(self)
        return orig(self, *args, **kwargs)
    _SAVED_HOOKS["module"] = (Module, orig)
    Module.__call__ = call


# ---- errors --------------------------------------------------------------------------------------------------

def user_frame(tb):
    """'file:line: code' of the innermost traceback frame outside torchjax and jax."""
    import linecache
    best = None
    while tb is not None:
        f = tb.tb_frame.f_code.co_filename
        if not (os.path.abspath(f).startswith(_PKG_DIR) or f"{os.sep}jax{os.sep}" in f or "jaxlib" in f):
            best = tb
        tb = tb.tb_next
    if best is None:
        return None
    fn, ln = best.tb_frame.f_code.co_filename, best.tb_lineno
    return f"{fn}:{ln}: {linecache.getline(fn, ln).strip()}"


def is_data_dependent(exc):
    from .._tensor import DataDependentError
    return isinstance(exc, (DataDependentError, jax.errors.ConcretizationTypeError,
                            jax.errors.TracerArrayConversionError, jax.errors.TracerBoolConversionError,
                            jax.errors.TracerIntegerConversionError))


def describe(exc, label):
    where = user_frame(exc.__traceback__)
    loc = f" (at {where})" if where else ""
    return f"{label}: could not trace the code{loc}: {type(exc).__name__}: {exc}"


def arg_tensor_like(v, like, device):
    """A fresh tensor over traced value `v` standing for the argument tensor `like`."""
    from .._tensor import wrap
    t = wrap(v, device, type(like) if type(like) is not Tensor and _plain_subclass(like) else Tensor)
    if like._requires_grad or like._grad_fn is not None:
        t._requires_grad = True
    return t


def _plain_subclass(t):
    from ..nn.parameter import Parameter
    return not isinstance(t, Parameter)


def zeros_like_aval(shape, dtype):
    return jnp.zeros(shape, dtype)


class Observer:
    """An eager run that records the leaf tensors requiring grad it reads and whether it ran backward."""

    def __init__(self):
        self.seen = {}
        self.backward_ran = False

    def __enter__(self):
        from ..autograd import engine
        seen = self.seen

        def tvalue(t):
            if t._requires_grad and t._grad_fn is None and id(t) not in seen:
                seen[id(t)] = t
            return _ORIG_TVALUE(t)
        Tensor._value = tvalue
        orig = self._orig_exec = engine.execute

        def execute(*a, **k):
            self.backward_ran = True
            return orig(*a, **k)
        engine.execute = execute
        return self

    def __exit__(self, *exc):
        from ..autograd import engine
        Tensor._value = _ORIG_TVALUE
        engine.execute = self._orig_exec
        return False

    def params(self):
        return list(self.seen.values())
