"""from_optax: any optax GradientTransformation as a torch-style Optimizer (beyond torch).

    opt = torchjax.optim.from_optax(optax.adamw(1e-3), model.parameters())
    loss.backward(); opt.step(); opt.zero_grad()

`step()` is one jitted call: `tx.update` plus `optax.apply_updates` over all parameters, with the parameters and
the optax state donated when nothing else holds them. If the transformation was built with
`optax.inject_hyperparams`, its hyper-parameters appear as options of the parameter group (`lr` for
`learning_rate`), are written into the optax state before every step, and so follow torch's lr schedulers without
recompiling.
"""
import jax
import jax.numpy as jnp

from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from . import _fused
from .optimizer import Optimizer, _use_grad_for_differentiable

__all__ = ["from_optax", "OptaxOptimizer"]

_ALIASES = {"learning_rate": "lr"}


def from_optax(tx, params):
    """Wrap optax GradientTransformation `tx` as an Optimizer over `params` (one parameter group)."""
    return OptaxOptimizer(params, tx)


def _step_fn(tx):
    import optax

    def step(params, grads, opt_state):
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    return step


class OptaxOptimizer(Optimizer):
    """An Optimizer whose update is an optax GradientTransformation (see `from_optax`)."""

    def __init__(self, params, tx):
        import optax
        if not isinstance(tx, optax.GradientTransformation):
            raise TypeError(f"from_optax expects an optax.GradientTransformation, but got {type(tx).__name__}")
        self.tx = tx
        super().__init__(params, {"differentiable": False})
        if len(self.param_groups) != 1:
            raise ValueError("from_optax supports a single parameter group (the optax transformation holds the "
                             "per-parameter options)")
        plist = self.param_groups[0]["params"]
        self._opt_state = tx.init([p._jax() for p in plist])
        hyper = getattr(self._opt_state, "hyperparams", None)
        if isinstance(hyper, dict):
            group = self.param_groups[0]
            for name, value in hyper.items():
                group.setdefault(_ALIASES.get(name, name), float(value) if jnp.ndim(value) == 0 else value)
        self._jit = {}

    def _sync_hyperparams(self):
        hyper = getattr(self._opt_state, "hyperparams", None)
        if isinstance(hyper, dict):
            group = self.param_groups[0]
            for name, old in hyper.items():
                key = _ALIASES.get(name, name)
                if key in group:
                    v = group[key]
                    v = v._jax() if isinstance(v, Tensor) else v
                    hyper[name] = jnp.asarray(v, dtype=jnp.asarray(old).dtype)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Apply the optax update to every parameter in one jitted call."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        params = self.param_groups[0]["params"]
        if all(p._grad is None for p in params):
            return loss
        self._sync_hyperparams()
        values = [p._value() for p in params]
        grads = [p._grad._value() if p._grad is not None else jnp.zeros(p.shape, p._jax().dtype) for p in params]
        tracing = any(isinstance(v, jax.core.Tracer) for v in values + grads)
        donate = not tracing and all(_fused._donatable(p, values, i) for i, p in enumerate(params))
        fn = self._jit.get(donate)
        if fn is None:
            fn = self._jit[donate] = jax.jit(_step_fn(self.tx), donate_argnums=(0, 2) if donate else ())
        state = self._opt_state
        self._opt_state = None
        _fused.dispatch_count[0] += 1
        try:
            new_params, self._opt_state = fn(values, grads, state)
        except Exception:
            self._opt_state = state
            raise
        del values, state
        for p, v in zip(params, new_params):
            p._write(v)
        return loss

    # the optax state is one pytree over all parameters; state_dict keeps its leaves as tensors
    def state_dict(self):
        sd = super().state_dict()
        leaves = jax.tree_util.tree_leaves(self._opt_state)
        device = self.param_groups[0]["params"][0].device
        sd["state"] = dict(sd["state"])
        sd["state"]["optax_state"] = [wrap(jnp.array(leaf), device) for leaf in leaves]  # copies: the live state is donated
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        st = dict(state_dict["state"])
        leaves = st.pop("optax_state", None)
        state_dict["state"] = st
        super().load_state_dict(state_dict)
        if leaves is not None:
            treedef = jax.tree_util.tree_structure(self._opt_state)
            self._opt_state = jax.tree_util.tree_unflatten(
                treedef, [jnp.array(t._jax() if isinstance(t, Tensor) else t) for t in leaves])

    def __setstate__(self, state):
        super().__setstate__(state)
        self.state.pop("optax_state", None)

