"""Adafactor (torch.optim.Adafactor): factored second moments for matrices, torch's rule and state layout."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, lerp, rmul, sc
from .adam import step_to_tensor
from .optimizer import _get_scalar_dtype, _to_scalar

__all__ = ["Adafactor"]


def _norm(x, axis=None, keepdims=False):
    return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))


class Adafactor(FusedOptimizer):
    """Implements Adafactor as torch does (relative step size rho_t = min(lr, 1/sqrt(t)), update clipping d)."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
        step_to_tensor(self)

    def _init_group(self, group, params):
        from .. import tensor, zeros
        for p in params:
            if p.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            st = self.state[p]
            if len(st) == 0:
                st["step"] = tensor(0.0, dtype=_get_scalar_dtype(), device=p.device)
                if p.dim() > 1:
                    row = list(p.shape)
                    row[-1] = 1
                    st["row_var"] = zeros(row, dtype=p.dtype, device=p.device)
                    col = list(p.shape)
                    col[-2] = 1
                    st["col_var"] = zeros(col, dtype=p.dtype, device=p.device)
                else:
                    st["variance"] = zeros(p.shape, dtype=p.dtype, device=p.device)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0, group["eps"][0] is None)

    def _hyper(self, group):
        eps1, eps2 = group["eps"]
        return (_to_scalar(group["lr"]), group["beta2_decay"], 0.0 if eps1 is None else eps1, eps2, group["d"],
                group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay, default_eps1 = static
        lr, beta2_decay, eps1, eps2, d, weight_decay = hp
        if maximize:
            g = -g
        if default_eps1:
            eps1 = jnp.asarray(jnp.finfo(p.dtype).eps, jnp.float64)
        step = st["step"] + 1
        t = step.astype(jnp.float64)
        one_minus_beta2_t = t ** beta2_decay
        rho_t = jnp.minimum(lr, 1 / jnp.sqrt(t))
        alpha = jnp.maximum(eps2, _norm(p).astype(jnp.float64) / (p.size ** 0.5)) * rho_t
        if decay:
            p = rmul(p, 1 - lr * weight_decay)
        new = dict(st, step=step)
        if p.ndim > 1:
            row_mean = jnp.square(_norm(g, -1, True)) / sc(g.shape[-1], g)
            new["row_var"] = row_var = lerp(st["row_var"], row_mean, one_minus_beta2_t)
            col_mean = jnp.square(_norm(g, -2, True)) / sc(g.shape[-2], g)
            new["col_var"] = col_var = lerp(st["col_var"], col_mean, one_minus_beta2_t)
            var_estimate = (row_var * col_var) / jnp.maximum(jnp.mean(row_var, axis=-2, keepdims=True), sc(eps1, p))
        else:
            new["variance"] = var_estimate = lerp(st["variance"], g * g, one_minus_beta2_t)
        update = (1 / jnp.sqrt(jnp.maximum(var_estimate, sc(eps1 * eps1, p)))) * g
        denom = jnp.maximum(1.0, _norm(update).astype(jnp.float64) / ((update.size ** 0.5) * d))
        return sc(-alpha / denom, p) * update + p, new
