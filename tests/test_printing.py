"""Printing of real tensors (not shims): the repr torch gives, including grad_fn and requires_grad suffixes."""
import numpy as np
import pytest

from _compare import torch, torchjax

CASES = [
    "xp.tensor([1., 2., 3.])", "xp.tensor([[1, 2], [3, 4]])", "xp.tensor(3.5)", "xp.tensor([])", "xp.zeros(2, 0)",
    "xp.tensor([1e-8, 1.0])", "xp.tensor([1e10, 1.0])", "xp.tensor([float('nan'), float('inf'), -1.5])",
    "xp.tensor([True, False])", "xp.tensor([1, 2], dtype=xp.int32)", "xp.tensor([1.5], dtype=xp.float64)",
    "xp.tensor([1.5], dtype=xp.float16)", "xp.tensor([1.5], dtype=xp.bfloat16)", "xp.tensor([1 + 2j])",
    "xp.arange(2000.0)", "xp.arange(24).view(2, 3, 4)", "xp.ones(2, 3, requires_grad=True)",
    "xp.ones(2, requires_grad=True) * 2", "xp.ones(3, requires_grad=True).sum()",
    "xp.ones(3, 3, requires_grad=True)[0]", "xp.Size([2, 3])", "xp.float32", "xp.device('cpu')",
    "xp.tensor([[0.123456789, 100.5]], dtype=xp.float64)", "xp.tensor(A)", "xp.tensor(A).t()",
    "xp.tensor(A)[:, 1]", "xp.finfo(xp.float32)", "xp.iinfo(xp.int16)", "xp.tensor([1, 2]).max(0)",
]
A = np.random.default_rng(3).standard_normal((5, 7)).astype(np.float32) * 100


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_torch(expr):
    got = {}
    for name, xp in (("torch", torch), ("torchjax", torchjax)):
        got[name] = (repr(eval(expr)), str(eval(expr)))
    assert got["torchjax"] == got["torch"]


def test_set_printoptions():
    try:
        for xp in (torch, torchjax):
            xp.set_printoptions(precision=2, sci_mode=False)
        assert repr(torchjax.tensor(A[0])) == repr(torch.tensor(A[0]))
    finally:
        for xp in (torch, torchjax):
            xp.set_printoptions(profile="default")


def test_format_and_scalars():
    for xp in (torch, torchjax):
        assert f"{xp.tensor(2.5):.2f}" == "2.50"
        assert str(xp.tensor(2).item()) == "2"
