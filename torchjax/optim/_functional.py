"""Helpers for torch's functional optimizer forms (torch.optim.adam.adam(...), ...): lists of tensors in, updated
in place, through the same one-call fused rule as the optimizer classes."""
from ._fused import run_rule


def apply_rule(rule, static, hyper, params, grads, states):
    if params:
        run_rule(rule, [(static, tuple(hyper), list(params), list(grads), states)])
