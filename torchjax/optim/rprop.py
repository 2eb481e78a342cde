"""Rprop (resilient backpropagation), with maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, sc
from .adam import new_step, step_to_tensor
from .optimizer import _to_scalar

__all__ = ["Rprop", "rprop"]


class Rprop(FusedOptimizer):
    """Implements the resilient backpropagation algorithm, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
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
        from .. import full_like, zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group)
                st["prev"] = zeros_like(p)
                lr = _to_scalar(group["lr"])
                lr = lr.item() if isinstance(lr, Tensor) else lr
                st["step_size"] = full_like(p, complex(lr, lr) if p.is_complex() else lr)

    def _static(self, group):
        return (bool(group["maximize"]),)

    def _hyper(self, group):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        return (etaminus, etaplus, step_size_min, step_size_max)

    @staticmethod
    def _rule(static, hp, p, g, st):
        (maximize,) = static
        etaminus, etaplus, step_size_min, step_size_max = hp
        if maximize:
            g = -g
        step = st["step"] + 1
        sign = jnp.sign(g * st["prev"])
        minus = sc(etaminus, p)
        factor = jnp.where(sign > 0, sc(etaplus, p), sign)
        factor = jnp.where(factor < 0, minus, factor)
        factor = jnp.where(factor == 0, jnp.ones_like(factor), factor)
        step_size = jnp.clip(st["step_size"] * factor, sc(step_size_min, p), sc(step_size_max, p))
        g = jnp.where(factor == minus, jnp.zeros_like(g), g)
        return p - jnp.sign(g) * step_size, dict(st, step=step, prev=g, step_size=step_size)


def rprop(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.rprop.rprop is not implemented; use "
                              "torch.optim.Rprop")
