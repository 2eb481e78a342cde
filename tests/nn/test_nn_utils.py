"""torch.nn.utils against torch: gradient clipping, parameter vectors, weight/spectral norm (hooks and
parametrizations), parametrize, orthogonal, fusion, functional_call."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import assert_same, check_error  # noqa: E402
from tests.nn._helpers import copy_state, pair, randn, tj  # noqa: E402

warnings.filterwarnings("ignore")


def _grads(tm, jm, x):
    tm(torch.tensor(x)).pow(2).sum().backward()
    jm(torchjax.tensor(x)).pow(2).sum().backward()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_clip_grad_norm(norm_type):
    tm, jm = pair(lambda nn: nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)))
    _grads(tm, jm, randn(5, 4))
    a = torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.5, norm_type)
    b = torchjax.nn.utils.clip_grad_norm_(jm.parameters(), 0.5, norm_type, foreach=True)
    assert_same(a, b)
    for p, q in zip(tm.parameters(), jm.parameters()):
        assert_same(p.grad, q.grad)
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.01)
    torchjax.nn.utils.clip_grad_value_(jm.parameters(), 0.01)
    for p, q in zip(tm.parameters(), jm.parameters()):
        assert_same(p.grad, q.grad)


def test_clip_grad_edge_cases():
    for xp in (torch, torchjax):
        assert float(xp.nn.utils.clip_grad_norm_([], 1.0)) == 0.0
        p = xp.nn.Parameter(xp.ones(3))
        p.grad = xp.tensor([float("inf"), 1.0, 1.0])
        with pytest.raises(RuntimeError):
            xp.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
        p.grad = xp.tensor([3.0, 4.0, 0.0])
        n = xp.nn.utils.get_total_norm([p.grad])
        assert float(n) == 5.0
        xp.nn.utils.clip_grads_with_norm_([p], 1.0, n)
        np.testing.assert_allclose(p.grad.tolist(), [0.6, 0.8, 0.0], rtol=1e-5)


def test_parameters_vector_roundtrip():
    tm, jm = pair(lambda nn: nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2)))
    v1 = torch.nn.utils.parameters_to_vector(tm.parameters())
    v2 = torchjax.nn.utils.parameters_to_vector(jm.parameters())
    assert_same(v1, v2)
    torch.nn.utils.vector_to_parameters(v1 * 2, tm.parameters())
    torchjax.nn.utils.vector_to_parameters(v2 * 2, jm.parameters())
    assert_same(dict(tm.named_parameters()), dict(jm.named_parameters()))
    check_error(lambda xp: xp.nn.utils.vector_to_parameters([1.0], xp.nn.Linear(1, 1).parameters()))


def _run_both(tm, jm, x, rtol=1e-4, atol=1e-5):
    xt = torch.tensor(x, requires_grad=True)
    xj = tj(xt)
    assert_same(tm(xt), jm(xj), rtol, atol)
    tm(xt).sum().backward()
    jm(xj).sum().backward()
    assert_same(xt.grad, xj.grad, rtol * 10, atol * 10)
    tp, jp = dict(tm.named_parameters()), dict(jm.named_parameters())
    assert list(tp) == list(jp)
    for n in tp:
        assert_same(tp[n].grad, jp[n].grad, rtol * 10, atol * 10, path=n)


@pytest.mark.parametrize("api", ["hooks", "parametrizations"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm(api, dim):
    tm, jm = pair(lambda nn: nn.Conv1d(3, 4, 2))
    fns = {"hooks": lambda m: m.nn.utils.weight_norm, "parametrizations": lambda m: m.nn.utils.parametrizations
           .weight_norm}
    fns[api](torch)(tm, dim=dim)
    fns[api](torchjax)(jm, dim=dim)
    assert list(tm.state_dict()) == list(jm.state_dict())
    assert repr(tm) == repr(jm)
    _run_both(tm, jm, randn(2, 3, 5))
    if api == "hooks":
        torch.nn.utils.remove_weight_norm(tm)
        torchjax.nn.utils.remove_weight_norm(jm)
    else:
        torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
        torchjax.nn.utils.parametrize.remove_parametrizations(jm, "weight")
    assert list(tm.state_dict()) == list(jm.state_dict())
    assert type(tm).__name__ == type(jm).__name__
    _run_both(tm, jm, randn(2, 3, 5))


@pytest.mark.parametrize("api", ["hooks", "parametrizations"])
def test_spectral_norm(api):
    tm, jm = pair(lambda nn: nn.Linear(5, 4))
    fn = (lambda m: m.nn.utils.spectral_norm) if api == "hooks" else \
        (lambda m: m.nn.utils.parametrizations.spectral_norm)
    fn(torch)(tm)
    fn(torchjax)(jm)
    assert list(tm.state_dict()) == list(jm.state_dict())
    jm.load_state_dict({k: tj(v, False) for k, v in tm.state_dict().items()})  # u, v are random: use torch's
    for train in (True, False):
        tm.train(train)
        jm.train(train)
        _run_both(tm, jm, randn(3, 5))
        assert_same(dict(tm.named_buffers()), dict(jm.named_buffers()), rtol=1e-4, atol=1e-5)
    if api == "hooks":
        torch.nn.utils.remove_spectral_norm(tm)
        torchjax.nn.utils.remove_spectral_norm(jm)
        assert list(tm.state_dict()) == list(jm.state_dict())


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal(omap):
    shape = (4, 4) if omap != "householder" else (5, 3)
    tm, jm = pair(lambda nn: nn.Linear(shape[1], shape[0]))
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=omap)
    torchjax.nn.utils.parametrizations.orthogonal(jm, orthogonal_map=omap)
    assert list(tm.state_dict()) == list(jm.state_dict())
    jm.load_state_dict({k: tj(v, False) for k, v in tm.state_dict().items()})
    _run_both(tm, jm, randn(2, shape[1]))
    w = np.asarray(jm.weight.detach().tolist())
    np.testing.assert_allclose(w.T @ w if shape[0] >= shape[1] else w @ w.T, np.eye(min(shape)), atol=1e-5)


def test_register_parametrization_custom():
    def build(xp):
        class Symmetric(xp.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2) if hasattr(X, "triu") else X

        class Scale(xp.nn.Module):
            def forward(self, X):
                return X * 2

            def right_inverse(self, X):
                return X / 2
        m = xp.nn.Linear(3, 3)
        xp.nn.utils.parametrize.register_parametrization(m, "weight", Scale())
        xp.nn.utils.parametrize.register_parametrization(m, "bias", Scale())
        return m
    tm, jm = build(torch), build(torchjax)
    assert type(tm).__name__ == type(jm).__name__ == "ParametrizedLinear"
    assert repr(tm) == repr(jm)
    assert list(tm.state_dict()) == list(jm.state_dict())
    jm.load_state_dict({k: tj(v, False) for k, v in tm.state_dict().items()})
    _run_both(tm, jm, randn(2, 3))
    for xp, m in ((torch, tm), (torchjax, jm)):
        assert xp.nn.utils.parametrize.is_parametrized(m, "weight")
        with xp.nn.utils.parametrize.cached():
            a = m.weight
            assert m.weight is a
        m.weight = xp.ones(3, 3)  # goes through right_inverse
        np.testing.assert_allclose(np.asarray(m.parametrizations.weight.original.tolist()), 0.5)
        xp.nn.utils.parametrize.remove_parametrizations(m, "bias", leave_parametrized=False)
    assert list(tm.state_dict()) == list(jm.state_dict())


def test_fusion_and_functional_call():
    tm, jm = pair(lambda nn: nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)))
    x = randn(2, 2, 5, 5)
    tm(torch.tensor(x))
    jm(torchjax.tensor(x))
    tm.eval()
    jm.eval()
    ft = torch.nn.utils.fuse_conv_bn_eval(tm[0], tm[1])
    fj = torchjax.nn.utils.fuse_conv_bn_eval(jm[0], jm[1])
    assert_same(ft(torch.tensor(x)), fj(torchjax.tensor(x)), rtol=1e-4, atol=1e-5)
    lt, lj = pair(lambda nn: nn.Linear(3, 2))
    params_t = {"weight": torch.ones(2, 3), "bias": torch.zeros(2)}
    params_j = {"weight": torchjax.ones(2, 3), "bias": torchjax.zeros(2)}
    xi = randn(4, 3)
    assert_same(torch.func.functional_call(lt, params_t, (torch.tensor(xi),)),
                torchjax.nn.utils.stateless.functional_call(lj, params_j, (torchjax.tensor(xi),)))
    assert_same(lt.weight, lj.weight)  # restored
