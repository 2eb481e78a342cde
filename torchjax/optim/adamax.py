"""Adamax (Adam with the infinity norm), with weight decay and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, addcdiv, lerp, sc
from .adam import new_step, step_to_tensor
from .optimizer import _to_scalar

__all__ = ["Adamax", "adamax"]


class Adamax(FusedOptimizer):
    """Implements Adamax, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
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
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        step_to_tensor(self)

    def _init_group(self, group, params):
        from .. import zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group)
                st["exp_avg"] = zeros_like(p)
                st["exp_inf"] = zeros_like(p)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _hyper(self, group):
        beta1, beta2 = group["betas"]
        return (_to_scalar(group["lr"]), beta1, beta2, group["eps"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay = static
        lr, beta1, beta2, eps, weight_decay = hp
        step = st["step"] + 1
        if maximize:
            g = -g
        if decay:
            g = sc(weight_decay, p) * p + g
        exp_avg = lerp(st["exp_avg"], g, 1 - beta1)
        exp_inf = jnp.maximum(st["exp_inf"] * sc(beta2, p), jnp.abs(g) + sc(eps, p))
        clr = lr / (1 - beta1 ** step.astype(jnp.float64))
        return addcdiv(p, exp_avg, exp_inf, -clr), dict(st, step=step, exp_avg=exp_avg, exp_inf=exp_inf)


def adamax(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.adamax.adamax is not implemented; use "
                              "torch.optim.Adamax")
