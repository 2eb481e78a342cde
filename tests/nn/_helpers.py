"""Helpers for nn tests: move tensors and weights from torch to torchjax, compare modules side by side."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import assert_same  # noqa: E402,F401


def tj(t, requires_grad=None):
    """A torchjax tensor with the same values/dtype as torch tensor t (leaf; requires_grad copied unless given)."""
    if t is None:
        return None
    a = t.detach().cpu()
    if a.dtype == torch.bfloat16:
        out = torchjax.tensor(a.float().numpy()).to(torchjax.bfloat16)
    else:
        out = torchjax.from_numpy(a.numpy().copy())
    rg = t.requires_grad if requires_grad is None else requires_grad
    if rg:
        out.requires_grad_(True)
    return out


def copy_state(jmod, tmod):
    """Load torch module's state_dict into the torchjax module (keys must match exactly)."""
    sd = {k: tj(v, False) for k, v in tmod.state_dict().items()}
    r = jmod.load_state_dict(sd)
    assert not r.missing_keys and not r.unexpected_keys
    return jmod


def pair(build):
    """build(nn) -> module; returns (torch module, torchjax module with torch's weights)."""
    tm = build(torch.nn)
    jm = build(torchjax.nn)
    tsd, jsd = tm.state_dict(), jm.state_dict()
    assert list(tsd.keys()) == list(jsd.keys())
    for k in tsd:
        assert tuple(tsd[k].shape) == tuple(jsd[k].shape), k
        assert str(tsd[k].dtype).replace("torch.", "") == str(jsd[k].dtype).replace("torch.", ""), k
    copy_state(jm, tm)
    return tm, jm


def compare_module(build, inputs, rtol=1e-5, atol=1e-6, grad_rtol=1e-4, grad_atol=1e-5, train=True,
                   call=None, check_grads=True):
    """Same module in both libraries with torch's weights, same inputs: outputs, input grads, param grads."""
    tm, jm = pair(build)
    tm.train(train)
    jm.train(train)
    tin = [_to_torch(x) for x in inputs]
    jin = [_to_jax(x) for x in tin]
    call = call or (lambda m, *a: m(*a))
    to = call(tm, *tin)
    jo = call(jm, *jin)
    assert_same(to, jo, rtol, atol)
    if not check_grads:
        return tm, jm, to, jo
    touts = [t for t in _flat(to) if t.requires_grad]
    jouts = [t for t in _flat(jo) if t.requires_grad]
    assert len(touts) == len(jouts)
    if not touts:
        return tm, jm, to, jo
    rng = np.random.default_rng(1)
    cts = [rng.standard_normal(tuple(t.shape)).astype(np.float64) for t in touts]
    tl = sum((t * torch.tensor(c, dtype=t.dtype)).sum() for t, c in zip(touts, cts))
    jl = sum((t * torchjax.tensor(c, dtype=t.dtype)).sum() for t, c in zip(jouts, cts))
    tl.backward()
    jl.backward()
    for a, b in zip(_flat(tin), _flat(jin)):
        if isinstance(a, torch.Tensor) and a.requires_grad:
            assert_same(a.grad, b.grad, grad_rtol, grad_atol, path="input.grad")
    jp = dict(jm.named_parameters())
    for n, p in tm.named_parameters():
        if p.grad is None:
            assert jp[n].grad is None, n
        else:
            assert_same(p.grad, jp[n].grad, grad_rtol, grad_atol, path=f"{n}.grad")
    return tm, jm, to, jo


def _to_torch(x):
    if isinstance(x, np.ndarray):
        return torch.tensor(x, requires_grad=(x.dtype.kind == "f"))
    if isinstance(x, (tuple, list)):
        return type(x)(_to_torch(v) for v in x)
    return x


def _to_jax(x):
    if isinstance(x, torch.Tensor):
        return tj(x)
    if isinstance(x, (tuple, list)):
        return type(x)(_to_jax(v) for v in x)
    return x


def _flat(x):
    if isinstance(x, (torch.Tensor, torchjax.Tensor)):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for o in x for t in _flat(o)]
    return []


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
