"""ASGD (averaged stochastic gradient descent), with weight decay and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, rmul, sc
from .adam import step_to_tensor
from .optimizer import _get_scalar_dtype, _to_scalar

__all__ = ["ASGD", "asgd"]


class ASGD(FusedOptimizer):
    """Implements averaged SGD, with torch's options, defaults and update rule (state: step, eta, mu, ax)."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        from .. import is_tensor, tensor
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                st = self.state.get(p, [])
                if len(st) != 0:
                    for key in ("eta", "mu"):
                        if key in st and not is_tensor(st[key]):
                            st[key] = tensor(float(st[key]), dtype=_get_scalar_dtype(), device=p.device)
        step_to_tensor(self)

    def _init_group(self, group, params):
        from .. import ones, tensor, zeros, zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                dt = _get_scalar_dtype()
                st["step"] = zeros((), device=p.device, dtype=dt)
                lr = _to_scalar(group["lr"])
                st["eta"] = (lr.detach().clone().to(device=p.device, dtype=dt) if isinstance(lr, Tensor)
                             else tensor(lr, device=p.device, dtype=dt))
                st["mu"] = ones((), device=p.device, dtype=dt)
                st["ax"] = zeros_like(p)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _hyper(self, group):
        return (_to_scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay = static
        lr, lambd, alpha, t0, weight_decay = hp
        if maximize:
            g = -g
        step = st["step"] + 1
        if decay:
            g = sc(weight_decay, p) * p + g
        eta = st["eta"].astype(jnp.float64)
        p = rmul(p, 1 - lambd * eta)
        p = sc(-eta, p) * g + p
        mu = st["mu"]
        ax = jnp.where(mu != 1, rmul(p - st["ax"], mu.astype(p.dtype)) + st["ax"], p)
        t = step.astype(jnp.float64)
        new_eta = (lr / ((1 + lambd * lr * t) ** alpha)).astype(st["eta"].dtype)
        new_mu = (1 / jnp.maximum(1.0, t - t0)).astype(mu.dtype)
        return p, dict(st, step=step, eta=new_eta, mu=new_mu, ax=ax)


def asgd(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.asgd.asgd is not implemented; use "
                              "torch.optim.ASGD")
