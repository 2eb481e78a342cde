"""The fused optimizer step: every parameter of an optimizer updated in ONE jitted call.

A built-in optimizer describes its update as a pure function on jax arrays,

    rule(static, hp, p, g, state) -> (new_p, new_state)

for one parameter `p` with gradient `g` and its per-parameter state (a dict of arrays in torch's layout: 'step',
'exp_avg', ...). `static` is a hashable tuple of the group's code-path flags (amsgrad, maximize, nesterov, ...),
`hp` a tuple of float64 scalars (lr, betas, eps, ...) passed as dynamic arguments, so a scheduler changing the
learning rate does not recompile. `FusedOptimizer.step()` gathers all groups' parameters, gradients and state,
calls one jitted function over the whole pytree (parameters and state buffers donated when nothing else holds
them) and writes the results back into the tensors' storages (`Tensor._write`: value rebound, version bumped).

Numerics follow torch's CPU kernels: Python-double hyper-parameter arithmetic in float64, cast to the tensor dtype
where torch turns a Scalar into the tensor's type, and torch's rounding points (its add/addcmul/lerp kernels
use fused multiply-adds, which XLA forms from `a * b + c`; where torch rounds a product before adding it,
`rmul` keeps XLA from fusing across that point).
"""
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from .optimizer import Optimizer, _use_grad_for_differentiable

_f64 = jnp.float64
_Tracer = jax.core.Tracer
_JIT_CACHE = {}
dispatch_count = [0]  # jitted optimizer-step calls made (the benchmark and tests read it)
# Set by torchjax._compile while a training step is traced: fn(optimizer, groups) -> the hyper-parameter vector
# as an input of the compiled computation (read from param_groups at every call), or None.
trace_hook = [None]


# ---- torch's pointwise kernels, written so XLA rounds where torch rounds --------------------------------------
def _mat(x):
    """An optimization barrier on `x` (kept by XLA's simplifier passes that run before barriers are removed)."""
    return lax.optimization_barrier(x)


def _wider(dt):
    return jnp.float64 if jnp.dtype(dt).itemsize < 8 else None


def rmul(a, b):
    """a * b rounded to a's dtype as its own op (torch's `mul_` before a separate add), so XLA cannot fuse it into
    a later add as an FMA: the product is formed in float64 (exact for float32 factors) and rounded to float32's
    precision with integer bit operations (LLVM sees through plain float64->float32 casts and narrows them)."""
    b = sc(b, a) if not hasattr(b, "shape") or b.dtype != a.dtype else b
    w = _wider(a.dtype)
    if w is None:
        return _mat(a * b)
    info = jnp.finfo(a.dtype)
    prod = a.astype(w) * b.astype(w)
    return lax.reduce_precision(prod, exponent_bits=11, mantissa_bits=info.nmant).astype(a.dtype)


def sc(x, like):
    """A Python-double hyper-parameter as torch passes it to a kernel on `like`: cast to the tensor's dtype."""
    return jnp.asarray(x).astype(like.dtype)


def div(x, c):
    """x / c for a scalar c, as torch: a true division (XLA would otherwise multiply by the reciprocal of a
    broadcast divisor; the barrier stops that, and float64 keeps the result right should it not)."""
    c = sc(c, x)
    w = _wider(x.dtype)
    if w is None:
        return x / _mat(jnp.broadcast_to(c, x.shape))
    return (x.astype(w) / _mat(jnp.broadcast_to(c.astype(w), x.shape))).astype(x.dtype)


def lerp(a, b, w):
    """torch.lerp(a, b, w) with a scalar weight: a + w*(b-a) for |w| < 0.5, else b - (1-w)*(b-a) (FMAs)."""
    w = sc(w, a)
    d = b - a
    return jnp.where(jnp.abs(w) < 0.5, w * d + a, (w - 1) * d + b)


def addcmul(a, t1, t2, value):
    """a + value * t1 * t2 (torch rounds value*t1, then one FMA)."""
    return (sc(value, a) * t1) * t2 + a


def addcdiv(a, t1, t2, value):
    """a + value * t1 / t2."""
    return (sc(value, a) * t1) / t2 + a


def decay(buf, factor, g, alpha):
    """buf.mul_(factor).add_(g, alpha=alpha): the product rounded first, then an FMA."""
    return sc(alpha, g) * g + rmul(buf, factor)


def decay_sq(avg, factor, g, value):
    """avg.mul_(factor).addcmul_(g, g, value=value)."""
    return (sc(value, g) * g) * g + rmul(avg, factor)


# ---- complex parameters are updated through their real views, as torch does -----------------------------------
def _as_real(x):
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1) if jnp.iscomplexobj(x) else x


def _as_complex(x, like):
    if not jnp.iscomplexobj(like) or x.shape != like.shape + (2,):
        return x
    return lax.complex(x[..., 0], x[..., 1]).astype(like.dtype)


def _build(rule, spec):
    """The pure step over all groups for one layout `spec`: per group its static flags, number of
    hyper-parameters and, per parameter, its state keys. `leaves` holds [param, *state values] per parameter."""

    def fn(hps, leaves, grads):
        it, g_it = iter(leaves), iter(grads)
        out = []
        pos = 0
        for static, nhp, pspecs in spec:
            hp = tuple(hps[pos + i] for i in range(nhp))
            pos += nhp
            for keys in pspecs:
                p0 = next(it)
                st0 = {k: next(it) for k in keys}
                p = _as_real(p0)
                st = {k: (_as_real(v) if v.ndim else v) for k, v in st0.items()}
                new_p, new_st = rule(static, hp, p, _as_real(next(g_it)), st)
                out.append((_as_complex(new_p, p0), {k: _as_complex(v, st0.get(k, p0)) for k, v in new_st.items()}))
        return out

    return fn


_CACHE_SIZE = 64


def _get_jit(rule, spec, donate):
    """The jitted step for a layout, from a small LRU cache (parameters and state are donated when `donate`)."""
    key = (rule, spec, donate)
    f = _JIT_CACHE.pop(key, None)
    if f is None:
        f = jax.jit(_build(rule, spec), donate_argnums=(1,) if donate else ())
        while len(_JIT_CACHE) >= _CACHE_SIZE:
            _JIT_CACHE.pop(next(iter(_JIT_CACHE)))
    _JIT_CACHE[key] = f
    return f


def _donatable(t, vs, i):
    """True when the root array vs[i] of tensor t is referenced only by t's storage (and the list `vs`)."""
    st = t._storage
    if t._view is not None or st._host is not None or st._array is not vs[i]:
        return False
    return sys.getrefcount(vs[i]) <= _BASE_REFS


_BASE_REFS = 3  # the storage slot, the `vs` list, getrefcount's argument


def _hp_vector(values):
    """All groups' hyper-parameters as one float64 vector (a tensor hyper-parameter keeps its array)."""
    if not any(isinstance(v, Tensor) for v in values):
        return np.asarray(values, dtype=np.float64)
    return jnp.stack([v._jax().astype(_f64).reshape(()) if isinstance(v, Tensor) else jnp.asarray(v, _f64)
                      for v in values])


def run_rule(rule, groups, hp=None):
    """Apply `rule` to every parameter of `groups` in one jitted call and write the results back.

    groups: [(static, hps, params, grads, states)] with `grads` tensors and `states` per-parameter dicts (tensor
    entries are updated in place; entries the rule creates are added as new tensors).
    """
    hp_values = []
    spec = []
    tensors = []  # [param, *state tensors] per parameter, in order
    state_list = []
    grad_values = []
    for static, hps, params, grads, states in groups:
        hp_values.extend(hps)
        pspecs = []
        for p, g, st in zip(params, grads, states):
            keys = tuple(k for k, v in st.items() if isinstance(v, Tensor))
            tensors.append([p] + [st[k] for k in keys])
            state_list.append(st)
            grad_values.append(g._value())
            pspecs.append(keys)
        spec.append((static, len(hps), tuple(pspecs)))

    # All parameters and state arrays are donated when every one of them is held by nothing but its storage
    # (never an array that a view cache, another storage, a saved-for-backward value or the caller may still
    # read); otherwise none is, so a step compiles at most two variants.
    values = [t._value() for ts in tensors for t in ts]
    flat = [t for ts in tensors for t in ts]
    tracing = any(isinstance(v, _Tracer) for v in values) or any(isinstance(g, _Tracer) for g in grad_values)
    donate = not tracing and all(_donatable(t, values, i) for i, t in enumerate(flat))
    fn = _get_jit(rule, tuple(spec), donate)
    dispatch_count[0] += 1
    out = fn(_hp_vector(hp_values) if hp is None else hp, values, grad_values)
    del values

    for ts, st, (new_p, new_st) in zip(tensors, state_list, out):
        p = ts[0]
        p._write(new_p)
        for k, v in new_st.items():
            t = st.get(k)
            if isinstance(t, Tensor):
                t._write(v)
            else:
                st[k] = wrap(v, p._storage.device)


def check_fused_dtype(p):
    """torch's check for fused=True: floating-point parameters on a device with fused kernels."""
    if not p.is_floating_point():
        devices = ["mps", "cuda", "xpu", "hpu", "cpu", "privateuseone"]
        raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of supported "
                           f"devices: {devices} but {p.dtype} and {p.device.type}")


class FusedOptimizer(Optimizer):
    """An optimizer whose `step()` is one jitted call over all parameter groups.

    Subclasses give `_rule` (a staticmethod, see the module docstring), `_static(group)`, `_hyper(group)` and
    `_init_group(group, params)` (lazy state initialisation and gradient checks, as torch's `_init_group`).
    """

    _rule = None

    def _static(self, group):
        raise NotImplementedError

    def _hyper(self, group):
        raise NotImplementedError

    def _init_group(self, group, params):
        pass

    def _check_differentiable(self, group, params):
        if not group.get("differentiable", False) or not grad_mode.state.enabled:
            return
        # torch runs a differentiable step with grad mode on: its in-place update of a leaf that requires grad
        # fails; differentiating through the update of non-leaf parameters is not supported here
        if any(p.requires_grad and p.is_leaf for p in params):
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if any(p.requires_grad for p in params) or any(p._grad.requires_grad for p in params) or any(
                isinstance(v, Tensor) and v.requires_grad for v in group.values() if not isinstance(v, list)):
            raise NotImplementedError(f"torchjax: differentiating through {type(self).__name__}.step() "
                                      "(differentiable=True with tensors that require grad) is not supported")

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model and returns the loss.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        work = []
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]
            if not params:
                continue
            self._check_differentiable(group, params)
            self._init_group(group, params)
            work.append((group, params))
        if work:
            state = self.state
            # parameters without state get a fresh dict, kept only if the rule fills it (SGD without momentum
            # keeps no state, as in torch)
            states = [[state[p] if p in state else {} for p in ps] for _, ps in work]
            hp = trace_hook[0](self, [g for g, _ in work]) if trace_hook[0] is not None else None
            run_rule(self._rule, [(self._static(g), self._hyper(g), ps, [p._grad for p in ps], sts)
                                  for (g, ps), sts in zip(work, states)], hp=hp)
            for (_, ps), sts in zip(work, states):
                for p, st in zip(ps, sts):
                    if st and p not in state:
                        state[p] = st
        return loss
