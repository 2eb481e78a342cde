"""torchjax.compile(step_fn): a whole training step (forward, loss.backward(), optimizer.step(), zero_grad(), a
scheduler) captured as ONE XLA computation.

The first call runs eagerly (it creates the lazily initialised state: gradients, optimizer buffers) and records
which parameters the step uses. The second call traces the step once with grad mode as the caller has it: the
eager autograd engine and the fused optimizer run on tracers, every pre-existing storage the step reads or writes
is lifted to an input (parameters, buffers, optimizer state, gradients it accumulates into, tensors it closes
over), every lifted storage it writes is an output written back into the same storage (and donated, so XLA
updates it in place), and the storages it creates that outlive it (`p.grad` after a set-to-None zero_grad,
optimizer state) are outputs written into those same Python objects after every call.

Python-level state the trace would otherwise bake in:
- optimizer hyper-parameters (lr, betas, ...) are inputs read from `param_groups` at every call;
- `lr_scheduler.step()` calls inside the step are deferred: run eagerly, on Python numbers, after every call;
- `p.grad is None` (and, where the step reads the gradient, which tensor it is) is part of the guards;
- module training flags, parameter objects, optimizer flags and state objects are guarded (a change retraces).
Random ops draw from keys that are inputs, drawn from the generator at every call.

If the step returns tensors that still carry autograd history and never called backward, the function is a
forward, not a step: it is compiled as `torch.compile(fn)` of a forward (see _forward.py) instead.
"""
import sys
import warnings

import jax
from jax import tree_util
from jax._src import core as _jcore

from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from . import _capture, _trace
from ._forward import CompiledCallable, RETRACE_WARN, _device_of, _same_type_ok, _slim
from ._guards import Guards

class StepEntry:
    def __init__(self, cap, guards, device, donate, rebind):
        self.cap = cap
        self.guards = guards
        self.device = device
        self.fun = _jcore.jaxpr_as_fun(cap.closed)
        self.n_args = len(cap.tensor_pos)
        self.sources = cap.sources
        self.slices = _capture.output_slices(cap)
        self.rebind = rebind  # [(param, grad tensor or None)] set after every call
        n = self.n_args
        self.donated = tuple(n + i for i in cap.written) if donate else ()
        self._jit = {}

    def jitted(self, donate):
        f = self._jit.get(donate)
        if f is None:
            jitted = jax.jit(self.fun, donate_argnums=self.donated if donate else ())

            def f(*vals):  # the first call compiles
                # a state buffer that no output can reuse is simply not donated: JAX's compile-time warning
                # about it is noise for the user's step
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="Some donated buffers were not usable")
                    out = jitted(*vals)
                self._jit[donate] = jitted
                return out
            self._jit[donate] = f
        return f

    def run(self, flat):
        cap = self.cap
        args = [flat[i] for i in cap.tensor_pos]
        vals = [a._value() for a in args]
        for s in self.sources:
            vals.append(s.value())
        donate = bool(self.donated)
        if donate:
            for j in self.donated:
                # the array must be held by nothing but its storage (and `vals`); otherwise donating it would
                # invalidate an array someone else still reads
                if sys.getrefcount(vals[j]) > 3 or not isinstance(vals[j], jax.Array):
                    donate = False
                    break
        outs = self.jitted(donate)(*vals)
        del vals
        o = self.slices
        srcs = self.sources
        for k, i in enumerate(cap.written):
            src = srcs[i]
            src.storage.set(outs[o[1] + k])
            t = src.tensor
            if t is not None:
                t._vc[0] += 1
        for k, j in enumerate(cap.arg_written):
            args[j]._write(outs[o[2] + k])
        for k, st in enumerate(cap.alive):
            st.set(outs[o[3] + k])
        for p, g in self.rebind:
            if p._grad is not g:
                p._grad = g
        if cap.deferred:
            it = iter(outs[o[4]:o[5]])
            for obj, f, d_tree, consts, nt in cap.deferred:
                leaves = [wrap(next(it), self.device) if c is None else c for c in consts]
                dargs, dkw = tree_util.tree_unflatten(d_tree, leaves)
                f(obj, *dargs, **dkw)
        leaves = []
        i = 0
        for leaf in cap.ret_leaves:
            if leaf is None:
                leaves.append(wrap(outs[i], self.device))
                i += 1
            else:
                leaves.append(leaf)
        return tree_util.tree_unflatten(cap.ret_tree, leaves)


class CompiledStep:
    """The object `torchjax.compile(fn)` returns for a plain function."""

    def __init__(self, fn, *, fullgraph=False, dynamic=None, donate=True, label="torchjax.compile"):
        self.fn = fn
        self.fullgraph = fullgraph
        self.donate = donate
        self.label = label
        self.cache = {}
        self.calls = 0
        self.traces = 0
        self.params = []  # leaf tensors requiring grad that the step used (seen in the eager first call)
        self.forward = None  # a CompiledCallable when fn turned out to be a forward
        try:
            import functools
            functools.update_wrapper(self, fn)
        except Exception:  # noqa: BLE001
            pass

    def __call__(self, *args, **kwargs):
        if _trace.is_compiling():
            return self.fn(*args, **kwargs)
        if self.forward is not None:
            return self.forward(*args, **kwargs)
        if self.calls == 0:
            return self._observe(args, kwargs)
        self.calls += 1
        flat, treedef = _capture.flatten((args, kwargs))
        from .._dtype import get_default_dtype
        key = (treedef, _capture.arg_signature(flat), grad_mode.state.enabled, get_default_dtype())
        entries = self.cache.get(key)
        if entries:
            for e in entries:
                if e.guards.check():
                    return e.run(flat)
        entry = self._trace(key, args, kwargs, flat)
        return entry.run(flat)

    def _observe(self, args, kwargs):
        """The first call: eager, recording the parameters used and whether the function runs backward."""
        self.calls += 1
        with _trace.Observer() as ob:
            ret = self.fn(*args, **kwargs)
        self.params = ob.params()
        r_flat, _ = _capture.flatten(ret)
        if (not ob.backward_ran and grad_mode.state.enabled
                and any(isinstance(t, Tensor) and t.requires_grad for t in r_flat)):
            # a forward to be differentiated outside: compile it as such
            self.forward = CompiledCallable(self.fn, None, fullgraph=self.fullgraph, label=self.label)
        return ret

    def _trace(self, key, args, kwargs, flat):
        params = self.params
        entry_grads = [(p, p._grad) for p in params]
        final = {}

        def after(tr, ret):
            for t in list(tr.tensors_seen.values()) + params:
                if t._requires_grad and t._grad_fn is None and id(t) not in final:
                    final[id(t)] = (t, t._grad)

        dev = _device_of(flat, None)
        try:
            cap = _capture.capture(self.fn, args, kwargs, grad_enabled=grad_mode.state.enabled, label=self.label,
                                   device=dev, after=after)
        except Exception as e:
            for p, g in entry_grads:  # the Python state the step changed before failing
                p._grad = g
            for t, g in final.values():
                if not any(t is p for p, _ in entry_grads):
                    t._grad = None
            msg = _trace.describe(e, self.label)
            if _trace.is_data_dependent(e):
                raise RuntimeError(msg) from e
            raise type(e)(msg) if _same_type_ok(e) else RuntimeError(msg) from e
        self.traces += 1
        if self.traces > RETRACE_WARN:
            warnings.warn(f"{self.label}: recompiled {self.traces} times (new input shapes/dtypes, grad state or "
                          f"Python-level state); consider fixed shapes", stacklevel=3)
        guards = Guards.from_capture(cap)
        lifted = {id(s.storage) for s in cap.sources if s.kind == "storage"}
        expect = []
        for p, g in entry_grads:
            if g is not None and id(g._storage) in lifted:
                expect.append((p, g, True))  # the step reads this gradient: it must be the same tensor
            else:
                expect.append((p, g is None, False))

        def grads_ok(expect=expect):
            for p, e, same in expect:
                if same:
                    if p._grad is not e:
                        return False
                elif (p._grad is None) is not e:
                    return False
            return True
        guards.checks.append((grads_ok, True))
        rebind = list(final.values())
        entry = StepEntry(cap, guards, dev, self.donate, rebind)
        _slim(cap)
        self.cache.setdefault(key, []).append(entry)
        return entry
