"""JAX interop: interop.functional (against real torch's autograd), interop.from_flax (against Flax NNX + optax),
DLPack exchange with torch and numpy (memory shared)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import torchjax  # noqa: E402
from torchjax import interop  # noqa: E402


def net(xp):
    nn = xp.nn
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))


def twin():
    torch.manual_seed(0)
    tm = net(torch)
    m = net(torchjax)
    m.load_state_dict({k: torchjax.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, m


X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)


def test_functional_grad_matches_torch():
    tm, m = twin()
    apply, state = interop.functional(m, return_buffers=True)
    assert set(state["params"]) == {n for n, _ in tm.named_parameters()}
    assert set(state["buffers"]) == {n for n, _ in tm.named_buffers()}

    def loss(params, buffers, x):
        out, nb = apply({"params": params, "buffers": buffers}, x)
        return (out ** 2).mean(), nb

    (val, new_buf), grads = jax.jit(jax.value_and_grad(loss, has_aux=True))(state["params"], state["buffers"],
                                                                             jnp.asarray(X))
    tl = (tm(torch.tensor(X)) ** 2).mean()
    tl.backward()
    np.testing.assert_allclose(float(val), tl.item(), rtol=1e-5)
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(np.asarray(grads[n]), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)
    for n, b in tm.named_buffers():  # training-mode BatchNorm updated its running statistics, as torch's did
        np.testing.assert_allclose(np.asarray(new_buf[n]), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=n)
    # the module itself is untouched
    np.testing.assert_allclose(m.get_buffer("1.running_mean").numpy(), np.zeros(8, np.float32))
    assert all(p.grad is None for p in m.parameters())


def test_functional_eval_vmap_and_optax():
    import optax
    tm, m = twin()
    tm.eval()
    m.eval()
    apply, state = interop.functional(m)
    per_sample = jax.vmap(lambda xi: apply(state, xi[None])[0])(jnp.asarray(X))
    np.testing.assert_allclose(np.asarray(per_sample), tm(torch.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-6)

    # a few optax SGD steps on the pure function == torch.optim.SGD on the torch twin
    tx = optax.sgd(0.1)
    params = state["params"]
    opt_state = tx.init(params)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)

    @jax.jit
    def step(params, opt_state, x):
        g = jax.grad(lambda p: (apply({"params": p, "buffers": state["buffers"]}, x) ** 2).mean())(params)
        upd, opt_state = tx.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state

    for _ in range(3):
        params, opt_state = step(params, opt_state, jnp.asarray(X))
        topt.zero_grad()
        (tm(torch.tensor(X)) ** 2).mean().backward()
        topt.step()
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(np.asarray(params[n]), p.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


def test_functional_dropout_rng():
    m = torchjax.nn.Sequential(torchjax.nn.Linear(4, 16), torchjax.nn.Dropout(0.5))
    apply, state = interop.functional(m)
    x = jnp.asarray(X)
    f = jax.jit(lambda k: apply(state, x, rng=k))
    a, b, c = f(jax.random.key(0)), f(jax.random.key(0)), f(jax.random.key(1))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    zero = np.asarray(a) == 0
    assert 0.2 < zero.mean() < 0.8
    kept = np.asarray(apply(state, x))  # no rng: eval-free call draws from torchjax's generator
    assert kept.shape == (6, 16)


# ---- Flax NNX -----------------------------------------------------------------------------------------------------

nnx = pytest.importorskip("flax.nnx")
optax = pytest.importorskip("optax")


class FlaxNet(nnx.Module):
    def __init__(self, rngs):
        self.l1 = nnx.Linear(4, 8, rngs=rngs)
        self.bn = nnx.BatchNorm(8, rngs=rngs)
        self.l2 = nnx.Linear(8, 3, rngs=rngs)

    def __call__(self, x):
        return self.l2(jax.nn.relu(self.bn(self.l1(x))))


Y = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)


def flax_reference(steps, lr=0.1):
    fm = FlaxNet(nnx.Rngs(0))
    opt = nnx.Optimizer(fm, optax.sgd(lr, momentum=0.9), wrt=nnx.Param)
    losses = []
    for _ in range(steps):
        loss, g = nnx.value_and_grad(lambda mod: ((mod(jnp.asarray(X)) - Y) ** 2).mean())(fm)
        opt.update(fm, g)
        losses.append(float(loss))
    return fm, losses


@pytest.mark.parametrize("mode", ["eager", "module", "step"])
def test_from_flax_trains_like_flax(mode):
    m = interop.from_flax(FlaxNet(nnx.Rngs(0)))
    names = [n for n, _ in m.named_parameters()]
    assert names == ["bn.bias", "bn.scale", "l1.bias", "l1.kernel", "l2.bias", "l2.kernel"]
    assert set(m.state_dict()) == set(names) | {"bn.mean", "bn.var"}
    opt = torchjax.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    fwd = torchjax.compile(m) if mode == "module" else m
    x, y = torchjax.tensor(X), torchjax.tensor(Y)

    def step():
        opt.zero_grad()
        loss = ((fwd(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    if mode == "step":
        step = torchjax.compile(step)
    steps = 5
    losses = [step().item() for _ in range(steps)]
    fm, ref = flax_reference(steps)
    np.testing.assert_allclose(losses, ref, rtol=1e-5)
    for path in ["l1.kernel", "l2.bias", "bn.scale"]:
        mod, leaf = path.split(".")
        np.testing.assert_allclose(m.get_parameter(path).detach().numpy(), np.asarray(getattr(getattr(fm, mod), leaf)[...]),
                                   rtol=1e-5, atol=1e-6, err_msg=path)
    np.testing.assert_allclose(m.get_buffer("bn.mean").numpy(), np.asarray(fm.bn.mean[...]), rtol=1e-5, atol=1e-6)
    # eval() switches the NNX module to its running statistics
    m.eval()
    fm.eval()
    np.testing.assert_allclose(m(x).detach().numpy(), np.asarray(fm(jnp.asarray(X))), rtol=1e-5, atol=1e-5)
    back = m.to_flax()
    np.testing.assert_allclose(np.asarray(back.l1.kernel[...]), m.get_parameter("l1.kernel").detach().numpy())


def test_from_flax_dropout_rng_state_advances():
    class Drop(nnx.Module):
        def __init__(self, rngs):
            self.lin = nnx.Linear(4, 32, rngs=rngs)
            self.drop = nnx.Dropout(0.5, rngs=rngs)

        def __call__(self, x):
            return self.drop(self.lin(x))
    m = interop.from_flax(Drop(nnx.Rngs(0)))
    x = torchjax.tensor(X)
    a, b = m(x).detach().numpy(), m(x).detach().numpy()
    assert not np.array_equal(a == 0, b == 0)  # the NNX RNG counter is state the forward writes back
    ref = Drop(nnx.Rngs(0))
    np.testing.assert_allclose(a, np.asarray(ref(jnp.asarray(X))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, np.asarray(ref(jnp.asarray(X))), rtol=1e-5, atol=1e-6)
    m.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), m(x).detach().numpy())


def test_from_flax_rejects_other_objects():
    with pytest.raises(TypeError, match="flax.nnx.Module"):
        interop.from_flax(torchjax.nn.Linear(2, 2))


# ---- DLPack -------------------------------------------------------------------------------------------------------

def test_dlpack_with_torch_shares_memory():
    src = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    t = torchjax.from_dlpack(src)
    assert t.shape == torchjax.Size([3, 4]) and t.dtype == torchjax.float32
    assert t.jax().unsafe_buffer_pointer() == src.data_ptr()
    np.testing.assert_array_equal(t.numpy(), src.numpy())
    back = torch.from_dlpack(torchjax.arange(5, dtype=torchjax.int64))
    assert back.dtype == torch.int64
    np.testing.assert_array_equal(back.numpy(), np.arange(5))
    x = torchjax.randn(64)
    assert torch.from_dlpack(x).data_ptr() == x.jax().unsafe_buffer_pointer()


def test_dlpack_numpy_jax_and_capsule():
    t = torchjax.from_dlpack(np.arange(6, dtype=np.int32))
    assert t.dtype == torchjax.int32 and t.tolist() == list(range(6))
    np.testing.assert_array_equal(np.from_dlpack(torchjax.ones(3)), np.ones(3, np.float32))
    a = jnp.arange(4.0, dtype=jnp.float32)
    assert torchjax.from_dlpack(a).jax() is a and torchjax.from_jax(a).jax() is a
    cap = torchjax.utils.dlpack.to_dlpack(torchjax.arange(4))
    r = torchjax.utils.dlpack.from_dlpack(cap)
    assert r.dtype == torchjax.int64 and r.tolist() == [0, 1, 2, 3]
    # torch's own from_dlpack reads our capsule too
    assert torch.utils.dlpack.from_dlpack(torchjax.utils.dlpack.to_dlpack(torchjax.ones(2))).tolist() == [1.0, 1.0]
