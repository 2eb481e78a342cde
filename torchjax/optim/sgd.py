"""SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from .._tensor import Tensor
from ._fused import FusedOptimizer, check_fused_dtype, decay, sc
from .optimizer import _to_scalar

__all__ = ["SGD", "sgd"]


class SGD(FusedOptimizer):
    """Implements stochastic gradient descent (optionally with momentum), with torch's options and rule."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            self._step_supports_amp_scaling = True
            self._need_device_dtype_check_for_fused = True
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _init_group(self, group, params):
        if group["fused"]:
            for p in params:
                check_fused_dtype(p)
        if group["momentum"] != 0:
            for p in params:
                st = self.state[p]
                if "momentum_buffer" in st and st["momentum_buffer"] is None:
                    del st["momentum_buffer"]

    def _static(self, group):
        return (group["momentum"] != 0, bool(group["nesterov"]), bool(group["maximize"]),
                group["weight_decay"] != 0)

    def _hyper(self, group):
        return (_to_scalar(group["lr"]), group["momentum"], group["dampening"], group["weight_decay"])

    @staticmethod
    def _rule(static, hp, p, g, st):
        use_momentum, nesterov, maximize, weight_decayed = static
        lr, momentum, dampening, weight_decay = hp
        if maximize:
            g = -g
        if weight_decayed:
            g = sc(weight_decay, p) * p + g
        if use_momentum:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = g
            else:
                buf = decay(buf, momentum, g, 1 - dampening)
            st = dict(st, momentum_buffer=buf)
            g = sc(momentum, buf) * buf + g if nesterov else buf
        return sc(-lr, p) * g + p, st


def sgd(params, d_p_list, momentum_buffer_list, has_sparse_grad=False, foreach=None, fused=None, grad_scale=None,
        found_inf=None, *, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """Functional SGD over lists of tensors (torch.optim.sgd.sgd), updating params and buffers in place."""
    from ._functional import apply_rule
    states = [{} if b is None else {"momentum_buffer": b} for b in momentum_buffer_list]
    apply_rule(SGD._rule, (momentum != 0, nesterov, maximize, weight_decay != 0),
               (_to_scalar(lr), momentum, dampening, weight_decay), params, d_p_list, states)
    for i, st in enumerate(states):
        if momentum != 0:
            momentum_buffer_list[i] = st["momentum_buffer"]
