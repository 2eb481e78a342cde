"""Adadelta with weight decay and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, decay_sq, sc
from .adam import new_step, step_to_tensor
from .optimizer import _to_scalar

__all__ = ["Adadelta", "adadelta"]


class Adadelta(FusedOptimizer):
    """Implements Adadelta, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
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
                st["square_avg"] = zeros_like(p)
                st["acc_delta"] = zeros_like(p)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _hyper(self, group):
        return (_to_scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay = static
        lr, rho, eps, weight_decay = hp
        step = st["step"] + 1
        if maximize:
            g = -g
        if decay:
            g = sc(weight_decay, p) * p + g
        square_avg = decay_sq(st["square_avg"], rho, g, 1 - rho)
        std = jnp.sqrt(square_avg + sc(eps, p))
        delta = (jnp.sqrt(st["acc_delta"] + sc(eps, p)) / std) * g
        acc_delta = decay_sq(st["acc_delta"], rho, delta, 1 - rho)
        return sc(-lr, p) * delta + p, dict(st, step=step, square_avg=square_avg, acc_delta=acc_delta)


def adadelta(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.adadelta.adadelta is not implemented; use "
                              "torch.optim.Adadelta")
