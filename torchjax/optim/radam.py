"""RAdam (rectified Adam), with decoupled weight decay and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, decay_sq, div, lerp, rmul, sc
from .adam import new_step, step_to_tensor
from .optimizer import _to_scalar

__all__ = ["RAdam", "radam"]


class RAdam(FusedOptimizer):
    """Implements RAdam, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)
        step_to_tensor(self)

    def _init_group(self, group, params):
        from .. import zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group)
                st["exp_avg"] = zeros_like(p)
                st["exp_avg_sq"] = zeros_like(p)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0, bool(group["decoupled_weight_decay"]))

    def _hyper(self, group):
        beta1, beta2 = group["betas"]
        return (_to_scalar(group["lr"]), beta1, beta2, group["eps"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay, decoupled = static
        lr, beta1, beta2, eps, weight_decay = hp
        if maximize:
            g = -g
        step = st["step"] + 1
        t = step.astype(jnp.float64)
        if decay:
            if decoupled:
                p = rmul(p, 1 - lr * weight_decay)
            else:
                g = sc(weight_decay, p) * p + g
        exp_avg = lerp(st["exp_avg"], g, 1 - beta1)
        exp_avg_sq = decay_sq(st["exp_avg_sq"], beta2, g, 1 - beta2)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        corrected = div(exp_avg, bias_correction1)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
        rect = jnp.sqrt(jnp.abs((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)))
        # torch: (bias_correction2 ** 0.5) / (sqrt(v) + eps) is Tensor.__rtruediv__: reciprocal, then multiply
        adaptive = (1 / (jnp.sqrt(exp_avg_sq) + sc(eps, p))) * sc(jnp.sqrt(bias_correction2), p)
        scaled = corrected * sc(lr, p)
        rectified = rmul(scaled * adaptive, rect)
        update = jnp.where(rho_t > 5.0, rectified, rmul(corrected, lr))
        return p - update, dict(st, step=step, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)


def radam(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.radam.radam is not implemented; use "
                              "torch.optim.RAdam")
