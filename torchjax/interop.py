"""JAX interop, both ways.

- `functional(module)` returns `(apply, state)`: `state = {"params": {name: jax.Array}, "buffers": {...}}` and
  `apply(state, *args, rng=None, **kwargs)` a pure function of jax arrays (returns the module's outputs as jax
  arrays), usable inside `jax.grad`, `jax.jit`, `jax.vmap` and Flax/optax code. `rng` (a JAX key) feeds the
  module's random ops (dropout); without it they draw from torchjax's generator. `functional(module,
  return_buffers=True)` makes `apply` return `(outputs, new_buffers)` (BatchNorm's running statistics in training
  mode).
- `from_flax(nnx_module)` wraps a Flax NNX module as an `nn.Module`: its `nnx.Param`s become torchjax Parameters
  (trained by torchjax optimizers, saved in `state_dict`), its other state (batch statistics, RNG counters and
  keys) buffers that the forward updates; `train()`/`eval()` switch the NNX module's modes. Its forward is one
  kernel (one jitted forward, one jitted VJP) in the autograd graph, and it traces into `torch.compile`.
- `Tensor` <-> `jax.Array` without copies: `torchjax.from_jax(a)`, `t.jax()`, and DLPack
  (`torchjax.from_dlpack`, `torchjax.utils.dlpack`, `Tensor.__dlpack__`).
"""
import jax
from jax import tree_util

from . import _random
from ._misc import from_jax
from ._tensor import Tensor, wrap

__all__ = ["functional", "from_flax", "from_jax", "to_jax"]


def to_jax(t):
    """The tensor's value as a jax.Array (no copy); `t.jax()`."""
    return t._jax()


def _is_array(x):
    return isinstance(x, (jax.Array, jax.core.Tracer))


def _module_device(module):
    for t in list(module.parameters()) + list(module.buffers()):
        return t._storage.device
    from ._tensor import get_default_device
    return get_default_device()


class _KeyFeed:
    """Random draws from one JAX key (folded with a counter per draw), installed as the generator's key source."""

    def __init__(self, key):
        if not jax.dtypes.issubdtype(getattr(key, "dtype", None), jax.dtypes.prng_key):
            key = jax.random.wrap_key_data(key) if key.shape else jax.random.key(key)
        self.key = key
        self.n = 0

    def __call__(self, generator, typed=True):
        k = jax.random.fold_in(self.key, self.n)
        self.n += 1
        return k if typed else jax.random.key_data(k)

    def __enter__(self):
        self.prev = _random._trace_keys[0]
        _random._trace_keys[0] = self
        return self

    def __exit__(self, *exc):
        _random._trace_keys[0] = self.prev
        return False


def functional(module, *, return_buffers=False):
    """(apply, state) for `module`: see the module docstring."""
    from .autograd import grad_mode
    from .nn.modules.module import Module
    from .nn.utils.stateless import functional_call
    if not isinstance(module, Module):
        raise TypeError(f"torchjax.interop.functional: expected an nn.Module, got {type(module).__name__}")
    state = {"params": {n: p._jax() for n, p in module.named_parameters()},
             "buffers": {n: b._jax() for n, b in module.named_buffers()}}
    device = _module_device(module)

    def tensor(a):
        return wrap(a, device) if isinstance(a, jax.core.Tracer) else from_jax(a)

    def apply(state, *args, rng=None, **kwargs):
        params = dict(state.get("params", {}))
        buffers = {n: tensor(a) for n, a in state.get("buffers", {}).items()}
        tensors = {n: tensor(a) for n, a in params.items()}
        tensors.update(buffers)
        args, kwargs = tree_util.tree_map(lambda a: tensor(a) if _is_array(a) else a, (args, kwargs))
        prev = grad_mode.state.enabled
        grad_mode.state.enabled = False  # differentiation is JAX's here
        try:
            if rng is not None:
                with _KeyFeed(rng):
                    out = functional_call(module, tensors, args, kwargs)
            else:
                out = functional_call(module, tensors, args, kwargs)
        finally:
            grad_mode.state.enabled = prev
        out = tree_util.tree_map(lambda t: t._jax() if isinstance(t, Tensor) else t, out,
                                 is_leaf=lambda x: isinstance(x, Tensor))
        if return_buffers:
            return out, {n: b._jax() for n, b in buffers.items()}
        return out

    apply.__name__ = f"{type(module).__name__}_apply"
    return apply, state


# ---- Flax NNX -> nn.Module ---------------------------------------------------------------------------------------

def _path_names(path):
    names = []
    for k in path:
        if isinstance(k, tree_util.DictKey):
            names.append(str(k.key))
        elif isinstance(k, tree_util.SequenceKey):
            names.append(str(k.idx))
        elif isinstance(k, tree_util.GetAttrKey):
            names.append(k.name)
        else:
            names.append(str(k))
    if len(names) > 1 and names[-1] == "value":
        names = names[:-1]
    return names


def from_flax(nnx_module):
    """Wrap a Flax NNX module as a torchjax nn.Module (see the module docstring)."""
    from flax import nnx
    from . import _misc  # noqa: F401
    from ._ops.kernel import Kernel, call
    from .autograd import grad_mode
    from .nn.modules.module import Module
    from .nn.parameter import Parameter

    if not isinstance(nnx_module, nnx.Module):
        raise TypeError(f"torchjax.interop.from_flax: expected a flax.nnx.Module, got {type(nnx_module).__name__}")

    class FlaxModule(Module):
        def __init__(self, mod):
            super().__init__()
            object.__setattr__(self, "nnx_module", mod)
            graphdef, params, rest = nnx.split(mod, nnx.Param, ...)
            p_leaves, self._p_tree = tree_util.tree_flatten_with_path(params)
            r_leaves, self._r_tree = tree_util.tree_flatten_with_path(rest)
            self._graphdef = graphdef
            self._p_names, self._r_names, self._r_keys = [], [], []
            for path, v in p_leaves:
                name = self._attach(_path_names(path), Parameter(from_jax(v)), True)
                self._p_names.append(name)
            for path, v in r_leaves:
                impl = None
                if jax.dtypes.issubdtype(v.dtype, jax.dtypes.prng_key):
                    impl = jax.random.key_impl(v)
                    v = jax.random.key_data(v)
                names = _path_names(path)
                is_rng = impl is not None or "rngs" in names
                self._r_keys.append(impl)
                self._r_names.append(self._attach(names, from_jax(v), False, persistent=not is_rng))
            self._out_trees = {}
            self._kernel = Kernel(f"flax_{type(mod).__name__}", self._fn, f"Flax{type(mod).__name__}Backward0")

        def _attach(self, names, t, is_param, persistent=True):
            owner = self
            for n in names[:-1]:
                child = owner._modules.get(n)
                if child is None:
                    child = Module()
                    owner.add_module(n, child)
                owner = child
            if is_param:
                owner.register_parameter(names[-1], t)
            else:
                owner.register_buffer(names[-1], t, persistent=persistent)
            return ".".join(names)

        def _fn(self, static, *arrays):
            graphdef, arg_tree, consts, n_out_key = static
            n_p, n_r = len(self._p_names), len(self._r_names)
            params = tree_util.tree_unflatten(self._p_tree, arrays[:n_p])
            r = [v if impl is None else jax.random.wrap_key_data(v, impl=impl)
                 for v, impl in zip(arrays[n_p:n_p + n_r], self._r_keys)]
            rest = tree_util.tree_unflatten(self._r_tree, r)
            it = iter(arrays[n_p + n_r:])
            leaves = [next(it) if c is _ARRAY else c for c in consts]
            args, kwargs = tree_util.tree_unflatten(arg_tree, leaves)
            model = nnx.merge(graphdef, params, rest)
            out = model(*args, **kwargs)
            _, _, new_rest = nnx.split(model, nnx.Param, ...)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            self._out_trees[n_out_key] = (out_tree, len(out_leaves))
            new_r = [v if impl is None else jax.random.key_data(v)
                     for v, impl in zip(tree_util.tree_leaves(new_rest), self._r_keys)]
            return tuple(out_leaves) + tuple(new_r)

        def train(self, mode=True):
            super().train(mode)
            m = self.nnx_module
            m.train() if mode else m.eval()
            self._graphdef = nnx.split(m, nnx.Param, ...)[0]
            return self

        def forward(self, *args, **kwargs):
            flat, arg_tree = tree_util.tree_flatten((args, kwargs), is_leaf=lambda x: isinstance(x, Tensor))
            tensors = [x for x in flat if isinstance(x, Tensor)]
            consts = tuple(_ARRAY if isinstance(x, Tensor) else x for x in flat)
            key = (arg_tree, consts, tuple((t.shape, t.dtype) for t in tensors))
            static = (self._graphdef, arg_tree, consts, key)
            params = [self.get_parameter(n) for n in self._p_names]
            bufs = [self.get_buffer(n) for n in self._r_names]
            k = self._kernel
            if k.diff_out is None or key not in self._out_trees:
                jax.eval_shape(lambda *a: self._fn(static, *a), *[t._jax() for t in params + bufs + tensors])
            out_tree, n_out = self._out_trees[key]
            k.diff_out = tuple(range(n_out))
            res = call(k, params + bufs + tensors, static)
            res = res if isinstance(res, tuple) else (res,)
            prev = grad_mode.state.enabled
            grad_mode.state.enabled = False
            try:
                for b, v in zip(bufs, res[n_out:]):
                    b.copy_(v)
            finally:
                grad_mode.state.enabled = prev
            return tree_util.tree_unflatten(out_tree, list(res[:n_out]))

        def to_flax(self):
            """The wrapped NNX module, updated with this module's current parameters and state."""
            vals = [self.get_parameter(n).detach()._jax() for n in self._p_names]
            rv = [self.get_buffer(n)._jax() for n in self._r_names]
            rv = [v if impl is None else jax.random.wrap_key_data(v, impl=impl) for v, impl in zip(rv, self._r_keys)]
            nnx.update(self.nnx_module, tree_util.tree_unflatten(self._p_tree, vals),
                       tree_util.tree_unflatten(self._r_tree, rv))
            return self.nnx_module

        def extra_repr(self):
            return type(self.nnx_module).__name__

    m = FlaxModule(nnx_module)
    m.train(True)
    return m


class _ArrayMarker:
    def __repr__(self):
        return "<array>"


_ARRAY = _ArrayMarker()
