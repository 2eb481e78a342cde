"""Adam (and, with decoupled_weight_decay=True, AdamW): torch's rule with amsgrad, weight decay and maximize."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, addcdiv, check_fused_dtype, decay_sq, div, lerp, rmul, sc
from .optimizer import _get_scalar_dtype, _to_scalar

__all__ = ["Adam", "adam"]


def new_step(p, group, fused=False):
    """torch's fresh `step` state: a 0-dim float32 tensor (float64 under a float64 default dtype), on the
    parameter's device (torch keeps it on the CPU unless capturable/fused; torchjax keeps it with the parameter
    so the fused step never mixes devices)."""
    from .. import zeros
    return zeros((), dtype=_get_scalar_dtype(is_fused=fused), device=p.device)


def step_to_tensor(optimizer, fused_key=None):
    """__setstate__ helper: a number stored as `step` (old checkpoints) becomes torch's 0-dim tensor."""
    from .. import is_tensor, tensor
    for group in optimizer.param_groups:
        fused = group.get(fused_key) if fused_key else None
        for p in group["params"]:
            st = optimizer.state.get(p, [])
            if len(st) != 0 and "step" in st and not is_tensor(st["step"]):
                st["step"] = tensor(float(st["step"]), dtype=_get_scalar_dtype(is_fused=fused), device=p.device)


def check_betas(betas, capturable, foreach):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class Adam(FusedOptimizer):
    """Implements Adam, with torch's options, defaults and update rule."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas, capturable, foreach)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and "
                                     "foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            self._step_supports_amp_scaling = True
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
        step_to_tensor(self, "fused")

    def _init_group(self, group, params):
        from .. import zeros_like
        for p in params:
            st = self.state[p]
            if len(st) == 0:
                if group["fused"]:
                    check_fused_dtype(p)
                st["step"] = new_step(p, group, group["fused"])
                st["exp_avg"] = zeros_like(p)
                st["exp_avg_sq"] = zeros_like(p)
                if group["amsgrad"]:
                    st["max_exp_avg_sq"] = zeros_like(p)
            if group["differentiable"] and st["step"].requires_grad:
                raise RuntimeError("`requires_grad` is not supported for `step` in differentiable mode")
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError("lr as a Tensor is not supported for capturable=False and foreach=True")

    def _static(self, group):
        return (bool(group["amsgrad"]), bool(group["maximize"]), group["weight_decay"] != 0,
                bool(group["decoupled_weight_decay"]))

    def _hyper(self, group):
        beta1, beta2 = group["betas"]
        return (_to_scalar(group["lr"]), beta1, beta2, group["eps"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        amsgrad, maximize, decay, decoupled = static
        lr, beta1, beta2, eps, weight_decay = hp
        if maximize:
            g = -g
        step = st["step"] + 1
        if decay:
            if decoupled:
                p = rmul(p, 1 - lr * weight_decay)
            else:
                g = sc(weight_decay, p) * p + g
        exp_avg = lerp(st["exp_avg"], g, 1 - beta1)
        exp_avg_sq = decay_sq(st["exp_avg_sq"], beta2, g, 1 - beta2)
        t = step.astype(jnp.float64)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        bc2_sqrt = jnp.sqrt(bias_correction2)
        new = dict(st, step=step, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
        if amsgrad:
            new["max_exp_avg_sq"] = jnp.maximum(st["max_exp_avg_sq"], exp_avg_sq)
            denom = div(jnp.sqrt(new["max_exp_avg_sq"]), bc2_sqrt) + sc(eps, p)
        else:
            denom = div(jnp.sqrt(exp_avg_sq), bc2_sqrt) + sc(eps, p)
        return addcdiv(p, exp_avg, denom, -step_size), new


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=None, capturable=False,
         differentiable=False, fused=None, grad_scale=None, found_inf=None, has_complex=False,
         decoupled_weight_decay=False, *, amsgrad, beta1, beta2, lr, weight_decay, eps, maximize):
    """Functional Adam over lists of tensors (torch.optim.adam.adam), updating everything in place."""
    from ._functional import apply_rule
    states = []
    for i in range(len(params)):
        st = {"step": state_steps[i], "exp_avg": exp_avgs[i], "exp_avg_sq": exp_avg_sqs[i]}
        if amsgrad:
            st["max_exp_avg_sq"] = max_exp_avg_sqs[i]
        states.append(st)
    apply_rule(Adam._rule, (amsgrad, maximize, weight_decay != 0, decoupled_weight_decay),
               (_to_scalar(lr), beta1, beta2, eps, weight_decay), params, grads, states)
