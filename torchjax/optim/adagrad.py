"""Adagrad with lr_decay, weight decay, initial_accumulator_value and maximize (torch's rule)."""
import jax.numpy as jnp

from .._tensor import Tensor
from ._fused import FusedOptimizer, addcdiv, check_fused_dtype, sc
from .adam import step_to_tensor
from .optimizer import _get_scalar_dtype, _to_scalar

__all__ = ["Adagrad", "adagrad"]


class Adagrad(FusedOptimizer):
    """Implements Adagrad; state is created for every parameter at construction, as in torch."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group["params"]:
                self._new_state(group, p, initial_accumulator_value)

    def _new_state(self, group, p, init):
        from .. import full_like, zeros
        st = self.state[p]
        st["step"] = zeros((), dtype=_get_scalar_dtype(is_fused=group["fused"]), device=p.device)
        st["sum"] = full_like(p, complex(init, init) if p.is_complex() else init)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
        step_to_tensor(self, "fused")

    def share_memory(self):
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _init_group(self, group, params):
        for p in params:
            if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                check_fused_dtype(p)
                self._need_device_dtype_check_for_fused = False
            if len(self.state[p]) == 0:
                self._new_state(group, p, self.defaults["initial_accumulator_value"])

    def _static(self, group):
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _hyper(self, group):
        return (_to_scalar(group["lr"]), group["weight_decay"], group["lr_decay"], group["eps"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        maximize, decay = static
        lr, weight_decay, lr_decay, eps = hp
        step = st["step"] + 1
        if maximize:
            g = -g
        if decay:
            g = sc(weight_decay, p) * p + g
        clr = lr / (1 + (step.astype(jnp.float64) - 1) * lr_decay)
        total = g * g + st["sum"]
        std = jnp.sqrt(total) + sc(eps, p)
        return addcdiv(p, g, std, -clr), dict(st, step=step, sum=total)


def adagrad(*args, **kwargs):
    raise NotImplementedError("torchjax: the functional torch.optim.adagrad.adagrad is not implemented; use "
                              "torch.optim.Adagrad")
