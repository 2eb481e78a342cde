"""Kernels and the dispatcher.

A Kernel is one op written once: a pure function `fn(static, *arrays)` on jax arrays plus what autograd needs
(the grad_fn name torch prints, which outputs are differentiable, which inputs torch saves). `call` runs its cached jitted forward and, when grad mode is on and an input requires grad, records an
FnNode whose backward is the kernel's cached jitted VJP. The backward is itself a Kernel, so `create_graph=True`
records it too and higher-order gradients come from JAX's nested VJPs.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._storage import private_copy
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import SavedTensor, node_class

_state = grad_mode.state

# Set by torchjax.cuda when this process has GPU devices: `device_check(args, vals, dev) -> (vals, dev)` raises
# torch's "Expected all tensors to be on the same device" error for mixed devices (moving 0-dim CPU tensors, which
# torch accepts in GPU ops). None on CPU-only machines, where it costs nothing.
device_check = None


class Kernel:
    __slots__ = ("name", "fn", "grad_fn", "diff_out", "saves", "_fwd", "_bwd", "_needs")

    def __init__(self, name, fn, grad_fn=None, *, linear=False, diff_out=None, saves=None):
        self.name = name
        self.fn = fn
        self.grad_fn = grad_fn or (name[:1].upper() + name[1:] + "Backward0")
        # `linear` is accepted for readability only: which inputs the VJP reads is found automatically
        self.diff_out = diff_out  # indices of differentiable outputs (None: every floating output)
        self.saves = saves  # input positions torch saves for backward (None: all); used for version checks
        self._fwd = {}
        self._bwd = {}
        self._needs = {}

    def fwd(self, static):
        f = self._fwd.get(static)
        if f is None:
            f = self._fwd[static] = jax.jit(functools.partial(self.fn, static))
        return f

    def __repr__(self):
        return f"Kernel({self.name})"


def kernel(name, grad_fn=None, **kw):
    """Decorator: `@kernel('add', 'AddBackward0')` over `fn(static, *arrays)`."""
    def deco(fn):
        return Kernel(name, fn, grad_fn, **kw)
    return deco


def call(k, args, static=None, device=None, name=None):
    """Run kernel `k` on args (Tensors and python scalars/None); returns a Tensor or a tuple of Tensors."""
    vals = []
    dev = None
    needs = False
    host = False
    for a in args:
        if isinstance(a, Tensor):
            if dev is None:
                dev = a._storage.device
            v = a._value()
            vals.append(v)
            if type(v) is np.ndarray:
                host = True
            if not needs and (a._requires_grad or a._grad_fn is not None):
                needs = True
        else:
            vals.append(a)
    if device_check is not None and dev is not None:
        vals, dev = device_check(args, vals, dev)
    out = k.fwd(static)(*vals)
    if host:
        jax.block_until_ready(out)  # XLA may read a numpy input after we return; numpy may be written by then
    if dev is None:
        dev = device
    if needs and _state.enabled:
        return _record(k, static, args, vals, out, dev, name)
    if type(out) is tuple:
        return tuple(wrap(o, dev) for o in out)
    return wrap(out, dev)


def _is_diff_dtype(dt):
    return dt.kind in "fc" or dt.name == "bfloat16" or dt.name.startswith("float8")


def _record(k, static, args, vals, out, dev, name):
    multi = type(out) is tuple
    outs = out if multi else (out,)
    diff = k.diff_out if k.diff_out is not None else range(len(outs))
    diff = tuple(j for j in diff if _is_diff_dtype(outs[j].dtype))
    node = make_node(k, static, args, vals, tuple((outs[j].shape, outs[j].dtype) for j in diff), diff, name)
    results = []
    for j, o in enumerate(outs):
        t = wrap(o, dev)
        if j in diff:
            t._grad_fn = node
            t._output_nr = diff.index(j)
        results.append(t)
    return tuple(results) if multi else results[0]


def make_node(k, static, args, vals, out_meta, diff=(0,), name=None):
    """The FnNode recording kernel `k` applied to `args` (whose values are `vals`).

    Only the inputs the VJP actually reads are saved (found once per signature by dead-code elimination on the
    traced VJP), as torch saves only what its derivative formula needs: memory is freed the same way, and torch's
    "modified by an inplace operation" check applies to exactly those inputs."""
    mask = []
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            m = a.requires_grad and _is_diff_dtype(a._dtype.np)
            mask.append(m)
            edges.append(a._edge() if m else None)
            meta.append((tuple(a._shape), a._dtype.np))
        else:
            mask.append(False)
            edges.append(None)
            meta.append(None)
    mask, meta = tuple(mask), tuple(meta)
    needed = _needed_inputs(k, static, mask, meta, args, diff, out_meta)
    saved = []
    saves = k.saves
    for i, (a, v) in enumerate(zip(args, vals)):
        if meta[i] is None:
            saved.append(a)
        elif needed[i]:
            if v is None:
                v = a._value()
            if isinstance(v, np.ndarray):
                v = private_copy(v)  # the numpy buffer may change later; keep the value as it is now
            saved.append(SavedTensor(a, v, saves is None or i in saves))
        else:
            saved.append(None)
    return node_class(name or k.grad_fn)(k, static, tuple(edges), saved, mask, meta, out_meta, diff)


def _needed_inputs(k, static, mask, meta, args, diff, out_meta):
    key = (static, mask, meta, diff, tuple(type(a) for a in args))
    needed = k._needs.get(key)
    if needed is None:
        needed = k._needs[key] = _trace_needed(k, static, mask, meta, args, diff, out_meta)
    return needed


def _trace_needed(k, static, mask, meta, args, diff, out_meta):
    """Which tensor inputs the VJP reads: trace it abstractly and eliminate dead code."""
    from jax._src.interpreters import partial_eval as pe
    n = len(args)
    tensor_pos = [i for i in range(n) if meta[i] is not None]
    bwd = _make_vjp(k, static, mask, meta, diff)

    def f(*tensors):
        full = list(args)
        for i, t in zip(tensor_pos, tensors):
            full[i] = t
        return bwd(None, *full, *[jnp.zeros(s, d) for s, d in out_meta])

    try:
        closed = jax.make_jaxpr(f)(*[jax.ShapeDtypeStruct(*meta[i]) for i in tensor_pos])
        _, used = pe.dce_jaxpr(closed.jaxpr, [True] * len(closed.jaxpr.outvars))
    except Exception:  # noqa: BLE001 - if the trace fails, keep everything (correct, just more memory)
        used = [True] * len(tensor_pos)
    needed = [False] * n
    for i, u in zip(tensor_pos, used):
        needed[i] = bool(u)
    return tuple(needed)


def call_backward(node, grads):
    """Gradients for each forward input of `node` (None where not needed), given grads of its outputs."""
    k = node.kernel
    create_graph = _state.enabled
    args = []
    for s in node.saved:
        if isinstance(s, SavedTensor):
            t = s.unpack(node)
            args.append(t if create_graph and t._vc[0] == s.version else s.value)
        else:
            args.append(s)
    for g in grads:
        args.append(g)
    bk = _backward_kernel(k, node.static, node.mask, node.meta, node.diff_out, tuple(g is None for g in grads))
    res = call(bk, args, None)
    if type(res) is not tuple:
        res = (res,)
    it = iter(res)
    return [next(it) if m else None for m in node.mask]


def _backward_kernel(k, static, mask, meta, diff_out, missing):
    key = (static, mask, meta, diff_out, missing)
    bk = k._bwd.get(key)
    if bk is None:
        bk = k._bwd[key] = Kernel(k.name + "_backward", _make_vjp(k, static, mask, meta, diff_out),
                                  k.grad_fn + "Backward")
    return bk


def _make_vjp(k, static, mask, meta, diff_out):
    n = len(mask)
    diff_idx = [i for i, m in enumerate(mask) if m]

    def bwd(_, *args):
        # inputs the VJP does not read were not saved: stand in zeros of the right shape (dead code in XLA)
        prim = [jnp.zeros(*meta[i]) if a is None and meta[i] is not None else a for i, a in enumerate(args[:n])]
        cts = args[n:]

        def f(*d):
            full = list(prim)
            for i, x in zip(diff_idx, d):
                full[i] = x
            out = k.fn(static, *full)
            outs = out if type(out) is tuple else (out,)
            return tuple(outs[j] for j in diff_out)

        outs, vjp = jax.vjp(f, *[prim[i] for i in diff_idx])
        full_cts = []
        for c, o in zip(cts, outs):
            if c is None:
                c = jnp.zeros(o.shape, o.dtype)
            else:
                c = c.astype(o.dtype) if c.dtype != o.dtype else c
            # torch's complex convention is the conjugate of JAX's
            full_cts.append(jnp.conj(c) if jnp.iscomplexobj(c) else c)
        grads = vjp(tuple(full_cts))
        return tuple(jnp.conj(g) if jnp.iscomplexobj(g) else g for g in grads)

    return bwd
