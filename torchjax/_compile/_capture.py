"""Capture one call of torch-API Python code as a closed jaxpr over (argument tensors, lifted state).

`capture(fn, args, kwargs, ...)` runs `fn` once under `jax.make_jaxpr` with a `Trace` active and returns a
`Captured` record: the jaxpr, what each input is (argument tensors first, then the lifted sources in the order
they were touched), and what each output is (returned tensors, lifted storages written, arguments written in
place, storages created in the call that are still referenced, values for deferred calls).
"""
import jax
from jax import tree_util

from .._tensor import Tensor
from . import _trace

_is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731


def flatten(tree):
    return tree_util.tree_flatten(tree, is_leaf=_is_tensor)


def arg_signature(flat):
    """Hashable description of flattened call arguments: tensors by (type, shape, dtype, requires_grad, device),
    other leaves by value (they are baked into the trace)."""
    sig = []
    for x in flat:
        if isinstance(x, Tensor):
            sig.append((x._shape, x._dtype, x._requires_grad or x._grad_fn is not None, x._storage.device))
        else:
            try:
                hash(x)
                sig.append((type(x), x))
            except TypeError:
                sig.append((type(x), id(x)))
    return tuple(sig)


class Captured:
    """What one trace produced."""

    def __init__(self):
        self.closed = None
        self.tensor_pos = []  # positions of tensors in the flattened (args, kwargs)
        self.sources = []  # lifted inputs after the argument tensors
        self.ret_tree = None
        self.ret_leaves = []  # per returned leaf: None for a tensor (its value is an output), else the constant
        self.ret_tensor_meta = []  # (shape, dtype, requires_grad-ish, device) per returned tensor
        self.n_ret = 0
        self.written = []  # source indices whose storage was written, in output order
        self.arg_written = []  # indices (into tensor_pos) of argument tensors written in place
        self.alive = []  # storages created by the call and still referenced, in output order
        self.alive_tensors = []  # a tensor per alive storage (or None)
        self.deferred = []  # (obj, fn, args_tree, kwargs, n_tensor_outputs)
        self.n_deferred = 0
        self.trace = None  # the Trace (guards, optimizers, modules, tensors seen)
        self.ret_is_grad = []  # per returned tensor: has history in the traced code (grad_fn present)


def capture(fn, args, kwargs, *, grad_enabled, label, device, before=None, after=None):
    """Trace fn(*args, **kwargs). `before(trace)` runs first inside the trace, `after(trace, ret)` after fn."""
    flat, treedef = flatten((args, kwargs))
    cap = Captured()
    cap.tensor_pos = tpos = [i for i, x in enumerate(flat) if isinstance(x, Tensor)]
    avals = []
    for i in tpos:
        v = flat[i]._value()
        avals.append(jax.ShapeDtypeStruct(v.shape, v.dtype))

    def body(*vals):
        tr = _trace.Trace(grad_enabled=grad_enabled, label=label)
        cap.trace = tr
        with tr:
            fresh = _fresh_args(flat, tpos, vals)
            if before is not None:
                before(tr)
            ret = _call(fn, flat, tpos, fresh, treedef)
            if after is not None:
                after(tr, ret)
            ret_vals = _returned(cap, ret)
            del ret
            def_vals = _deferred(cap, tr)
            written = tr.written_lifted()
            cap.written = [i for i, _ in written]
            arg_w = []
            for k in range(len(fresh)):
                a = fresh[k]._storage._array
                if a is not vals[k]:
                    cap.arg_written.append(k)
                    arg_w.append(a)
            # the returned tensors are released first: a returned tensor's storage that is still alive is kept by
            # something else (a list, a .grad) and is written back like any other
            cap.alive = tr.alive_created(exclude=[f._storage for f in fresh])
            del fresh
            alive_vals = [st._array for st in cap.alive]
            cap.sources = list(tr.sources)
        return ret_vals + [v for _, v in written] + arg_w + alive_vals + def_vals

    cap.closed = jax.make_jaxpr(body)(*avals)
    return cap


def _fresh_args(flat, tpos, vals):
    return [_trace.arg_tensor_like(v, flat[i], flat[i]._storage.device) for i, v in zip(tpos, vals)]


def _call(fn, flat, tpos, fresh, treedef):
    new = list(flat)
    for i, t in zip(tpos, fresh):
        new[i] = t
    a, kw = tree_util.tree_unflatten(treedef, new)
    return fn(*a, **kw)


def _returned(cap, ret):
    r_flat, cap.ret_tree = flatten(ret)
    vals = []
    for x in r_flat:
        if isinstance(x, Tensor):
            cap.ret_leaves.append(None)
            vals.append(x._value())
            cap.ret_tensor_meta.append((type(x), x._storage.device))
            cap.ret_is_grad.append(x._grad_fn is not None or x._requires_grad)
        else:
            cap.ret_leaves.append(x)
    cap.n_ret = len(vals)
    return vals


def _deferred(cap, tr):
    """Deferred calls (lr_scheduler.step) with tensor arguments: their values become outputs."""
    vals = []
    for obj, f, dargs, dkw in tr.deferred:
        d_flat, d_tree = flatten((dargs, dkw))
        nt = 0
        consts = []
        for x in d_flat:
            if isinstance(x, Tensor):
                vals.append(x._value())
                consts.append(None)
                nt += 1
            else:
                consts.append(x)
        cap.deferred.append((obj, f, d_tree, consts, nt))
    tr.deferred = []
    cap.n_deferred = len(vals)
    return vals


def output_slices(cap):
    """Offsets of each output group in the flat output list."""
    n_ret = cap.n_ret
    n_w = len(cap.written)
    n_aw = len(cap.arg_written)
    n_al = len(cap.alive)
    o = [0, n_ret, n_ret + n_w, n_ret + n_w + n_aw, n_ret + n_w + n_aw + n_al,
         n_ret + n_w + n_aw + n_al + cap.n_deferred]
    return o
