"""torch.compile(model) and torch.compile(fn) for a function that is differentiated outside it.

The callable is traced once per signature with grad mode off (`_capture.capture`); its forward becomes ONE jitted
function of (argument tensors, lifted parameters/buffers/captured tensors, RNG keys) and, when gradients are
needed, that function runs under `jax.vjp` inside the same jitted call, returning the residuals with the outputs
(the VJP closure is a pytree). The backward is one more jitted call on those residuals. The call is recorded in
the eager autograd graph as a single `CompiledFunctionBackward` node whose next edges are the parameters'
AccumulateGrad nodes and the inputs' edges, so an unchanged training loop works as it does eagerly.

Buffers the forward writes (BatchNorm's running statistics, num_batches_tracked) are outputs written back after
every call; so are storages the forward creates and stores away (a hook keeping an activation).
"""
import warnings

import jax
import jax.numpy as jnp
from jax import tree_util
from jax._src import core as _jcore

from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import Node, _FREED
from . import _capture, _trace
from ._guards import Guards

RETRACE_WARN = 8
USE_RESIDUALS = [True]  # False: the backward recomputes the forward (measured in benchmarks/README.md)


class CompiledFunctionBackward(Node):
    """The backward of one call of a compiled forward: one jitted VJP over the saved residuals."""
    __slots__ = ("_entry", "_res", "_device", "_out_meta")

    def __init__(self, entry, res, edges, out_meta, device):
        super().__init__(tuple(edges), len(out_meta))
        self._entry = entry
        self._res = res
        self._device = device
        self._out_meta = out_meta

    def name(self):
        return "CompiledFunctionBackward"

    def _release(self):
        self._res = None

    def _apply(self, grads):
        if self._res is None:
            raise RuntimeError(_FREED)
        if grad_mode.state.enabled:
            raise NotImplementedError("torchjax: create_graph=True (double backward) through a torch.compile'd "
                                      "module or function is not supported")
        cts = []
        for g, (shape, dt) in zip(grads, self._out_meta):
            if g is None:
                cts.append(None)
            else:
                v = g._value()
                cts.append(v if v.dtype == dt else v.astype(dt))
        res = self._entry.backward(self._res, cts)
        dev = self._device
        return [wrap(r, dev) for r in res]


class ForwardEntry:
    """One traced signature: the jaxpr and the jitted forward / forward+VJP / backward built from it."""

    def __init__(self, cap, guards, device):
        self.cap = cap
        self.guards = guards
        self.device = device
        self.fun = _jcore.jaxpr_as_fun(cap.closed)
        self.n_args = len(cap.tensor_pos)
        self.slices = _capture.output_slices(cap)
        self.sources = cap.sources
        self.src_tensors = [getattr(s, "tensor", None) for s in cap.sources]
        self._plain = None
        self._vjp = {}  # diff mask -> jitted forward + vjp
        self._recompute = {}
        self._bwd = {}
        # which outputs are differentiable: floating returned tensors
        avals = cap.closed.out_avals
        self.diff_out = tuple(i for i in range(cap.n_ret) if _is_float(avals[i].dtype))
        self.out_meta = tuple((avals[i].shape, avals[i].dtype) for i in self.diff_out)

    # -- jitted functions --------------------------------------------------------------------------------------
    def plain(self):
        if self._plain is None:
            self._plain = jax.jit(self.fun)
        return self._plain

    def _split(self, mask):
        diff_in = tuple(i for i, m in enumerate(mask) if m)
        rest_in = tuple(i for i, m in enumerate(mask) if not m)
        n_out = len(self.cap.closed.out_avals)
        diff_out = self.diff_out
        aux_out = tuple(i for i in range(n_out) if i not in set(diff_out))
        fun = self.fun
        n = len(mask)

        def f(diff, rest):
            full = [None] * n
            for i, v in zip(diff_in, diff):
                full[i] = v
            for i, v in zip(rest_in, rest):
                full[i] = v
            outs = fun(*full)
            return [outs[i] for i in diff_out], [outs[i] for i in aux_out]

        return f, diff_in, rest_in, aux_out

    def fwd_vjp(self, mask):
        fn = self._vjp.get(mask)
        if fn is None:
            f, diff_in, rest_in, aux_out = self._split(mask)

            def fwd(diff, rest):
                outs, vjp, aux = jax.vjp(lambda *d: f(d, rest), *diff, has_aux=True)
                return outs, aux, vjp

            fn = self._vjp[mask] = (jax.jit(fwd), diff_in, rest_in, aux_out)
        return fn

    def backward(self, res, cts):
        if USE_RESIDUALS[0]:
            key = tuple(c is None for c in cts)
            fn = self._bwd.get(key)
            if fn is None:
                meta = self.out_meta

                def bwd(vjp, cts):
                    full = [jnp.zeros(s, d) if c is None else c for c, (s, d) in zip(cts, meta)]
                    return vjp(full)
                fn = self._bwd[key] = jax.jit(bwd)
            return fn(res, cts)
        mask, diff, rest = res
        key = (mask, tuple(c is None for c in cts))
        fn = self._recompute.get(key)
        if fn is None:
            f, _, _, _ = self._split(mask)
            meta = self.out_meta

            def bwd(diff, rest, cts):
                full = [jnp.zeros(s, d) if c is None else c for c, (s, d) in zip(cts, meta)]
                _, vjp, _ = jax.vjp(lambda *d: f(d, rest), *diff, has_aux=True)
                return vjp(full)
            fn = self._recompute[key] = jax.jit(bwd)
        return fn(diff, rest, cts)

    # -- a call ------------------------------------------------------------------------------------------------
    def run(self, flat):
        cap = self.cap
        args = [flat[i] for i in cap.tensor_pos]
        vals = [a._value() for a in args]
        for s in self.sources:
            vals.append(s.value())
        need = grad_mode.state.enabled
        mask = None
        if need:
            m = [a._requires_grad or a._grad_fn is not None for a in args]
            for t in self.src_tensors:
                m.append(t is not None and (t._requires_grad or t._grad_fn is not None))
            mask = tuple(m)
            need = any(mask)
        dev = self.device
        if not need:
            outs = self.plain()(*vals)
            return self._finish(flat, args, outs, None, dev)
        fn, diff_in, rest_in, aux_out = self.fwd_vjp(mask)
        diff = [vals[i] for i in diff_in]
        rest = [vals[i] for i in rest_in]
        if USE_RESIDUALS[0]:
            douts, aux, vjp = fn(diff, rest)
            res = vjp
        else:
            douts, aux, _ = fn(diff, rest)  # (the residuals are dropped: the backward recomputes)
            res = (mask, diff, rest)
        del vals
        outs = [None] * (len(douts) + len(aux))
        for i, v in zip(self.diff_out, douts):
            outs[i] = v
        for i, v in zip(aux_out, aux):
            outs[i] = v
        edges = []
        for i in diff_in:
            t = args[i] if i < self.n_args else self.src_tensors[i - self.n_args]
            edges.append(t._edge())
        node = CompiledFunctionBackward(self, res, edges, self.out_meta, dev)
        return self._finish(flat, args, outs, node, dev)

    def _finish(self, flat, args, outs, node, dev):
        cap = self.cap
        o = self.slices
        # state written by the forward (BatchNorm running stats), arguments written in place, stored tensors
        for k, i in enumerate(cap.written):
            src = self.sources[i]
            _write_back(src.storage, src.tensor, outs[o[1] + k])
        for k, j in enumerate(cap.arg_written):
            a = args[j]
            if node is not None and (a._requires_grad or a._grad_fn is not None):
                raise NotImplementedError("torchjax: a compiled forward that modifies an input requiring grad in "
                                          "place is not supported")
            a._write(outs[o[2] + k])
        for k, st in enumerate(cap.alive):
            st.set(outs[o[3] + k])
        # returned values
        leaves = []
        it = iter(range(cap.n_ret))
        diff = set(self.diff_out) if node is not None else ()
        for leaf in cap.ret_leaves:
            if leaf is None:
                i = next(it)
                t = wrap(outs[i], dev)
                if i in diff:
                    t._grad_fn = node
                    t._output_nr = self.diff_out.index(i)
                leaves.append(t)
            else:
                leaves.append(leaf)
        return tree_util.tree_unflatten(cap.ret_tree, leaves)


def _write_back(st, tensor, value):
    st.set(value)
    if tensor is not None:
        tensor._vc[0] += 1


def _is_float(dt):
    import numpy as np
    dt = np.dtype(dt)
    return dt.kind in "fc" or dt.name == "bfloat16"


class CompiledCallable:
    """A callable whose calls run as compiled forwards (see module docstring). `module` (optional) is the nn.Module
    whose training flags and parameters the cache key and guards follow."""

    def __init__(self, fn, module=None, *, fullgraph=False, dynamic=None, label="torch.compile"):
        self.fn = fn
        self.module = module
        self.fullgraph = fullgraph
        self.label = label
        self.cache = {}  # key -> [ForwardEntry]
        self.failed = {}  # key -> reason (eager fallback)
        self.traces = 0
        self._modules = None

    def _module_key(self):
        m = self.module
        if m is None:
            return ()
        mods = self._modules
        if mods is None:
            mods = self._modules = list(m.modules())
        return tuple(x.training for x in mods)

    def __call__(self, *args, **kwargs):
        if _trace.is_compiling():  # inside an enclosing compiled step: trace through
            return self.fn(*args, **kwargs)
        flat, treedef = _capture.flatten((args, kwargs))
        from .._dtype import get_default_dtype
        key = (treedef, _capture.arg_signature(flat), self._module_key(), get_default_dtype())
        if key in self.failed:
            return self.fn(*args, **kwargs)
        entries = self.cache.get(key)
        if entries:
            for e in entries:
                if e.guards.check():
                    return e.run(flat)
        entry = self._trace(key, args, kwargs, flat)
        if entry is None:
            return self.fn(*args, **kwargs)
        return entry.run(flat)

    def _trace(self, key, args, kwargs, flat):
        if self.module is not None and _has_lazy(self.module):
            return None  # lazy modules initialise their parameters in the first (eager) call
        dev = _device_of(flat, self.module)
        try:
            cap = _capture.capture(self.fn, args, kwargs, grad_enabled=False, label=self.label, device=dev)
        except Exception as e:  # noqa: BLE001 - graph break: run eagerly unless fullgraph
            msg = _trace.describe(e, self.label)
            if self.fullgraph:
                raise type(e)(msg) if _same_type_ok(e) else RuntimeError(msg) from e
            warnings.warn(f"{msg}. Falling back to eager execution for this signature (fullgraph=False).",
                          stacklevel=3)
            self.failed[key] = msg
            return None
        self.traces += 1
        if self.traces > RETRACE_WARN:
            warnings.warn(f"{self.label}: recompiled {self.traces} times (new input shapes/dtypes, training flags or "
                          f"module attributes); consider fixed shapes", stacklevel=3)
        guards = Guards.from_capture(cap, self.module)
        entry = ForwardEntry(cap, guards, dev)
        _slim(cap)
        self.cache.setdefault(key, []).append(entry)
        return entry


def _same_type_ok(e):
    try:
        type(e)("x")
        return True
    except Exception:  # noqa: BLE001
        return False


def _slim(cap):
    """Drop what the trace no longer needs (tracers, the tensors it saw)."""
    tr = cap.trace
    tr.bound = {}
    tr.py_inputs = {}
    tr.gen_keys = {}
    tr.lifted = {}
    tr.tensors_seen = {}
    tr.jtrace = None


def _has_lazy(module):
    from ..nn.parameter import UninitializedParameter
    return any(isinstance(p, UninitializedParameter) for p in module.parameters())


def _device_of(flat, module):
    for x in flat:
        if isinstance(x, Tensor):
            return x._storage.device
    if module is not None:
        for p in module.parameters():
            return p._storage.device
    from .._tensor import get_default_device
    return get_default_device()
