"""torch.compile(model) and torchjax.compile(step): compiled training must give the parameters eager training gives
(rtol 1e-5 after 20 steps), eager torchjax must follow real torch, and what cannot be compiled must say so."""
import copy
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402
from _models import blitz_lenet as lenet  # noqa: E402

STEPS = 20


def mlp_dropout(xp):
    nn = xp.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(48, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))


def bn_net(xp):
    nn = xp.nn
    # (no bias before a BatchNorm: its gradient is rounding noise, which Adam would amplify to full-size steps)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 4 * 4, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
                         nn.Linear(16, 10))


def data(xp, shape, n=8, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = xp.tensor(rng.standard_normal((n,) + shape).astype(np.float32))
    y = xp.tensor(rng.integers(0, classes, n))
    return x, y


def make(xp, builder, opt="sgd", sched=False):
    xp.manual_seed(0)
    model = builder(xp)
    if opt == "sgd":
        o = xp.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        o = xp.optim.Adam(model.parameters(), lr=1e-3)
    s = xp.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.5) if sched else None
    return model, o, s


def train(xp, model, opt, sched, x, y, forward=None, steps=STEPS, whole=False):
    crit = xp.nn.CrossEntropyLoss()
    fwd = forward if forward is not None else model

    def step(x, y):
        opt.zero_grad()
        loss = crit(fwd(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss

    if whole:
        step = xp.compile(step)
    losses = [float(step(x, y).detach()) for _ in range(steps)]
    return losses


def params(model):
    return {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}


def assert_params(a, b, rtol=1e-5, atol=1e-6):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=atol, err_msg=k)


def strip(sd):
    return {k.replace("_orig_mod.", ""): v for k, v in sd.items()}


@pytest.mark.parametrize("builder,shape,opt,sched", [
    (lenet, (3, 32, 32), "sgd", False),
    (lenet, (3, 32, 32), "adam", True),
    (bn_net, (3, 8, 8), "sgd", False),
    (bn_net, (3, 8, 8), "adam", True),
])
def test_compiled_training_matches_eager(builder, shape, opt, sched):
    x, y = data(torchjax, shape)
    ref = make(torchjax, builder, opt, sched)
    eager_losses = train(torchjax, *ref, x, y)
    expected = params(ref[0])

    m, o, s = make(torchjax, builder, opt, sched)
    cm = torchjax.compile(m)
    losses = train(torchjax, m, o, s, x, y, forward=cm)
    assert_params(expected, strip(params(cm)))
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5)
    assert type(cm(x).grad_fn).__name__ == "CompiledFunctionBackward"

    m, o, s = make(torchjax, builder, opt, sched)
    losses = train(torchjax, m, o, s, x, y, whole=True)
    assert_params(expected, params(m))
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5)
    if s is not None:
        assert s.get_last_lr() == ref[2].get_last_lr()
        assert o.param_groups[0]["lr"] == ref[1].param_groups[0]["lr"]


@pytest.mark.parametrize("builder,shape,opt", [(lenet, (3, 32, 32), "sgd"), (bn_net, (3, 8, 8), "adam")])
def test_eager_training_matches_torch(builder, shape, opt):
    tx, ty = data(torch, shape)
    jx, jy = data(torchjax, shape)
    tm, to, ts = make(torch, builder, opt, True)
    jm, jo, js = make(torchjax, builder, opt, True)
    tl = train(torch, tm, to, ts, tx, ty)
    jl = train(torchjax, jm, jo, js, jx, jy)
    np.testing.assert_allclose(jl, tl, rtol=1e-4, atol=1e-5)
    assert_params({k: v.numpy() for k, v in tm.state_dict().items()}, params(jm), rtol=1e-4, atol=1e-5)


def test_batchnorm_buffers_written_back_and_eval():
    x, y = data(torchjax, (3, 8, 8))
    m, o, s = make(torchjax, bn_net, "sgd")
    cm = torchjax.compile(m)
    train(torchjax, m, o, s, x, y, forward=cm, steps=3)
    assert int(m[1].num_batches_tracked) == 3
    ref, ro, rs = make(torchjax, bn_net, "sgd")
    train(torchjax, ref, ro, rs, x, y, steps=3)
    np.testing.assert_allclose(m[1].running_mean.numpy(), ref[1].running_mean.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(m[1].running_var.numpy(), ref[1].running_var.numpy(), rtol=1e-5, atol=1e-7)
    # eval mode is a different trace (training flags are part of the cache key) and reads the running stats
    cm.eval()
    ref.eval()
    with torchjax.no_grad():
        np.testing.assert_allclose(cm(x).numpy(), ref(x).numpy(), rtol=1e-5, atol=1e-6)
    assert not m.training and not cm.training


def test_dropout_eager_matches_torch():
    tx, ty = data(torch, (3, 4, 4))
    jx, jy = data(torchjax, (3, 4, 4))
    tm, to, _ = make(torch, mlp_dropout, "sgd")
    jm, jo, _ = make(torchjax, mlp_dropout, "sgd")
    torch.manual_seed(3)
    torchjax.manual_seed(3)
    tl = train(torch, tm, to, None, tx, ty, steps=5)
    jl = train(torchjax, jm, jo, None, jx, jy, steps=5)
    np.testing.assert_allclose(jl, tl, rtol=1e-5)


@pytest.mark.parametrize("whole", [False, True])
def test_dropout_compiled_keys(whole):
    """Compiled dropout draws a new mask every call from keys drawn from the generator: reseeding repeats the
    run exactly, masks differ between calls, and the drop rate is p."""
    x, y = data(torchjax, (3, 4, 4))

    def run(seed):
        m, o, _ = make(torchjax, mlp_dropout, "sgd")
        torchjax.manual_seed(seed)
        fwd = None if whole else torchjax.compile(m)
        losses = train(torchjax, m, o, None, x, y, forward=fwd, steps=6, whole=whole)
        return losses, params(m)

    l1, p1 = run(7)
    l2, p2 = run(7)
    assert l1 == l2
    assert_params(p1, p2, rtol=0, atol=0)
    l3, _ = run(8)
    assert l1[2:] != l3[2:]  # (the first whole-step call is eager)

    torchjax.manual_seed(0)
    drop = torchjax.compile(torchjax.nn.Dropout(0.3))
    ones = torchjax.ones(200, 100)
    a, b = drop(ones), drop(ones)
    assert not np.array_equal(a.numpy(), b.numpy())
    frac = float((a == 0).float().mean())
    assert abs(frac - 0.3) < 0.01
    np.testing.assert_allclose(np.unique(a.numpy()), [0.0, 1 / 0.7], rtol=1e-6)


def test_retrace_on_shape_change_and_state_dict():
    m, o, s = make(torchjax, lenet, "sgd")
    ref = copy.deepcopy(m)
    cm = torchjax.compile(m)
    assert list(cm.state_dict())[0] == "_orig_mod.conv1.weight"
    assert [k for k, _ in cm.named_parameters()][0] == "_orig_mod.conv1.weight"
    for n in (2, 5, 2):
        x, _ = data(torchjax, (3, 32, 32), n=n)
        np.testing.assert_allclose(cm(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert sum(len(v) for v in cm._compiled.cache.values()) == 2

    crit = torchjax.nn.CrossEntropyLoss()

    @torchjax.compile
    def step(x, y):
        o.zero_grad()
        loss = crit(m(x), y)
        loss.backward()
        o.step()
        return loss

    for n in (4, 6, 4, 6):
        step(*data(torchjax, (3, 32, 32), n=n))
    assert step.traces == 2


def test_whole_step_hyperparameters_are_inputs():
    """Changing lr in param_groups (by hand or by a scheduler) never retraces and takes effect."""
    x, y = data(torchjax, (3, 32, 32))
    m, o, _ = make(torchjax, lenet, "sgd")
    ref, ro, _ = make(torchjax, lenet, "sgd")
    crit = torchjax.nn.CrossEntropyLoss()

    def body(model, opt):
        def step(x, y):
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step

    cstep, estep = torchjax.compile(body(m, o)), body(ref, ro)
    for i in range(6):
        for opt in (o, ro):
            opt.param_groups[0]["lr"] = 0.01 * (i + 1)
        cstep(x, y)
        estep(x, y)
    assert cstep.traces == 1
    assert_params(params(ref), params(m))


def test_whole_step_gradient_accumulation():
    """zero_grad outside the compiled step every other call: the step accumulates into .grad as eager does."""
    x, y = data(torchjax, (3, 32, 32))
    crit = torchjax.nn.CrossEntropyLoss()
    results = []
    for compiled in (False, True):
        m, o, _ = make(torchjax, lenet, "sgd")

        def step(x, y, m=m):
            loss = crit(m(x), y)
            loss.backward()
            return loss

        if compiled:
            step = torchjax.compile(step)
        for i in range(8):
            step(x, y)
            if i % 2:
                o.step()
                o.zero_grad()
        results.append(params(m))
    assert_params(results[0], results[1])


def test_data_dependent_branch_errors():
    m, o, _ = make(torchjax, lenet, "sgd")
    crit = torchjax.nn.CrossEntropyLoss()
    x, y = data(torchjax, (3, 32, 32))

    @torchjax.compile
    def step(x, y):
        o.zero_grad()
        loss = crit(m(x), y)
        loss.backward()
        o.step()
        if loss > 100:  # a Python branch on a tensor's value
            print("diverged")
        return loss

    step(x, y)  # eager
    before = params(m)
    with pytest.raises(RuntimeError, match=r"loss > 100.*shape \[\].*compiled function"):
        step(x, y)
    assert_params(before, params(m), rtol=0, atol=0)  # nothing changed by the failed trace
    assert all(p.grad is not None and not isinstance(p.grad._value(), torchjax._compile._trace._Tracer)
               for p in m.parameters())

    class Branchy(torchjax.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torchjax.nn.Linear(3, 3)

        def forward(self, x):
            h = self.lin(x)
            if h.sum().item() > 0:
                return h
            return -h

    xin = torchjax.randn(2, 3)
    b = Branchy()
    with pytest.warns(UserWarning, match=r"h.sum\(\).item\(\) > 0.*eager"):
        out = torchjax.compile(b)(xin)
    np.testing.assert_allclose(out.detach().numpy(), b(xin).detach().numpy())
    with pytest.raises(RuntimeError, match=r"h.sum\(\).item\(\)"):
        torchjax.compile(b, fullgraph=True)(xin)


def test_compiled_function_forward_is_differentiable():
    """torch.compile(fn) of a forward (no backward inside) is differentiated outside, like a compiled module."""
    lin = torchjax.nn.Linear(4, 3)
    x = torchjax.randn(5, 4, requires_grad=True)

    @torchjax.compile
    def f(x):
        return torchjax.tanh(lin(x)) * 2

    for _ in range(3):
        lin.zero_grad()
        x.grad = None
        out = f(x)
        out.sum().backward()
    g_compiled = (x.grad.numpy().copy(), lin.weight.grad.numpy().copy())
    lin.zero_grad()
    x.grad = None
    (torchjax.tanh(lin(x)) * 2).sum().backward()
    np.testing.assert_allclose(g_compiled[0], x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(g_compiled[1], lin.weight.grad.numpy(), rtol=1e-6)
    assert type(out.grad_fn).__name__ == "CompiledFunctionBackward"


def test_compile_options_and_module_compile():
    m = lenet(torchjax)
    x, _ = data(torchjax, (3, 32, 32), n=2)
    expected = m(x).detach().numpy()
    for kw in ({"mode": "max-autotune"}, {"dynamic": True}, {"fullgraph": True}, {"backend": "aot_eager"}):
        np.testing.assert_allclose(torchjax.compile(m, **kw)(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert torchjax.compile(m, backend="eager") is m
    with pytest.raises(NotImplementedError, match="backend"):
        torchjax.compile(m, backend=lambda gm, inputs: gm)
    m.compile()
    np.testing.assert_allclose(m(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert type(m(x).grad_fn).__name__ == "CompiledFunctionBackward"


def test_no_recompile_warning_for_few_shapes():
    m = torchjax.nn.Linear(3, 2)
    cm = torchjax.compile(m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(1, 5):
            cm(torchjax.randn(n, 3))
    with pytest.warns(UserWarning, match="recompiled"):
        for n in range(5, 12):
            cm(torchjax.randn(n, 3))
