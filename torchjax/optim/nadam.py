"""NAdam (Adam with Nesterov momentum), with momentum_decay and decoupled weight decay (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, addcdiv, decay_sq, div, lerp, rmul, sc
from .adam import new_step, step_to_tensor
from .optimizer import _get_scalar_dtype, _to_scalar

__all__ = ["NAdam", "nadam"]


class NAdam(FusedOptimizer):
    """Implements NAdam, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        from .. import is_tensor, tensor
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            for p in group["params"]:
                st = self.state.get(p, [])
                if len(st) != 0 and "mu_product" in st and not is_tensor(st["mu_product"]):
                    st["mu_product"] = tensor(st["mu_product"], dtype=_get_scalar_dtype(), device=p.device)
        step_to_tensor(self)

    def _init_group(self, group, params):
        from .. import ones, zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group)
                st["mu_product"] = ones((), dtype=_get_scalar_dtype(), device=p.device)
                st["exp_avg"] = zeros_like(p)
                st["exp_avg_sq"] = zeros_like(p)

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0, bool(group["decoupled_weight_decay"]))

    def _hyper(self, group):
        beta1, beta2 = group["betas"]
        return (_to_scalar(group["lr"]), beta1, beta2, group["eps"], group["weight_decay"], group["momentum_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay, decoupled = static
        lr, beta1, beta2, eps, weight_decay, momentum_decay = hp
        if maximize:
            g = -g
        step = st["step"] + 1
        t = step.astype(jnp.float64)
        bias_correction2 = 1 - beta2 ** t
        if decay:
            if decoupled:
                p = rmul(p, 1 - lr * weight_decay)
            else:
                g = sc(weight_decay, p) * p + g
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        mu_product = st["mu_product"] * sc(mu, st["mu_product"])
        exp_avg = lerp(st["exp_avg"], g, 1 - beta1)
        exp_avg_sq = decay_sq(st["exp_avg_sq"], beta2, g, 1 - beta2)
        denom = jnp.sqrt(div(exp_avg_sq, bias_correction2)) + sc(eps, p)
        mu_prod = mu_product.astype(jnp.float64)
        mu_product_next = mu_prod * mu_next
        p = addcdiv(p, g, denom, -lr * (1.0 - mu) / (1.0 - mu_prod))
        p = addcdiv(p, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
        return p, dict(st, step=step, mu_product=mu_product, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)


def nadam(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.nadam.nadam is not implemented; use "
                              "torch.optim.NAdam")
