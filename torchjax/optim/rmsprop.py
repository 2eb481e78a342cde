"""RMSprop with centered and momentum variants, weight decay and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, addcdiv, addcmul, decay_sq, lerp, rmul, sc
from .adam import new_step, step_to_tensor
from .optimizer import _to_scalar

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(FusedOptimizer):
    """Implements RMSprop, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
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
                if group["momentum"] > 0:
                    st["momentum_buffer"] = zeros_like(p)
                if group["centered"]:
                    st["grad_avg"] = zeros_like(p)

    def _static(self, group):
        return (group["momentum"] > 0, bool(group["centered"]), bool(group["maximize"]),
                group["weight_decay"] != 0)

    def _hyper(self, group):
        return (_to_scalar(group["lr"]), group["alpha"], group["eps"], group["weight_decay"], group["momentum"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        use_momentum, centered, maximize, decay = static
        lr, alpha, eps, weight_decay, momentum = hp
        step = st["step"] + 1
        if maximize:
            g = -g
        if decay:
            g = sc(weight_decay, p) * p + g
        square_avg = decay_sq(st["square_avg"], alpha, g, 1 - alpha)
        new = dict(st, step=step, square_avg=square_avg)
        if centered:
            grad_avg = lerp(st["grad_avg"], g, 1 - alpha)
            new["grad_avg"] = grad_avg
            avg = jnp.sqrt(addcmul(square_avg, grad_avg, grad_avg, -1.0))
        else:
            avg = jnp.sqrt(square_avg)
        avg = avg + sc(eps, avg)
        if use_momentum:
            buf = g / avg + rmul(st["momentum_buffer"], momentum)
            new["momentum_buffer"] = buf
            return sc(-lr, p) * buf + p, new
        return addcdiv(p, g, avg, -lr), new


def rmsprop(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.rmsprop.rmsprop is not implemented; use "
                              "torch.optim.RMSprop")
