"""torch.amp.GradScaler against real torch's CPU GradScaler: scaling, unscale_, skipped steps on inf/NaN gradients,
scale growth and back-off, state_dict round trips, error paths, and the disabled CUDA scaler on a CPU-only machine."""
import pickle
import warnings

import numpy as np
import pytest

from tests._compare import assert_same, check_error, torch, torchjax, to_numpy

X = np.random.default_rng(3).standard_normal((8, 4)).astype(np.float32)
Y = np.random.default_rng(4).integers(0, 3, 8)


def _setup(xp, **kw):
    xp.manual_seed(0)
    model = xp.nn.Linear(4, 3)
    opt = xp.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = xp.amp.GradScaler("cpu", **kw)
    return model, opt, scaler


def _train(xp, steps, bad_steps=(), nan_steps=(), unscale_and_clip=False, **kw):
    model, opt, scaler = _setup(xp, **kw)
    log = []
    for i in range(steps):
        opt.zero_grad()
        loss = xp.nn.functional.cross_entropy(model(xp.tensor(X)), xp.tensor(Y))
        scaler.scale(loss).backward()
        if i in bad_steps:
            model.weight.grad[0, 0] = float("inf")
        if i in nan_steps:
            model.bias.grad[1] = float("nan")
        if unscale_and_clip:
            scaler.unscale_(opt)
            xp.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        scaler.step(opt)
        scaler.update()
        log.append((scaler.get_scale(), scaler._get_growth_tracker(), to_numpy(model.weight).copy()))
    return model, scaler, log


@pytest.mark.parametrize("kw", [
    dict(steps=6, bad_steps=(2,), growth_interval=2),
    dict(steps=7, bad_steps=(0, 1), nan_steps=(4,), growth_interval=3, init_scale=1024.0),
    dict(steps=5, unscale_and_clip=True, growth_interval=2, growth_factor=4.0, backoff_factor=0.25),
    dict(steps=4, bad_steps=(1,), unscale_and_clip=True),
    dict(steps=3, init_scale=2.0 ** 120, growth_factor=2.0 ** 10, growth_interval=1),  # overflowing growth is skipped
])
def test_training_matches_torch(kw):
    kw = dict(kw)
    steps = kw.pop("steps")
    _, ts, tlog = _train(torch, steps, **kw)
    _, js, jlog = _train(torchjax, steps, **kw)
    for (tsc, ttr, tw), (jsc, jtr, jw) in zip(tlog, jlog):
        assert jsc == tsc and jtr == ttr
        np.testing.assert_allclose(jw, tw, rtol=1e-5, atol=1e-6)
    assert js.state_dict() == ts.state_dict()


def test_inf_gradient_skips_the_step():
    for xp in (torch, torchjax):
        model, opt, scaler = _setup(xp)
        before = to_numpy(model.weight).copy()
        loss = model(xp.tensor(X)).sum()
        scaler.scale(loss).backward()
        model.bias.grad[0] = float("inf")
        assert scaler.step(opt) is None
        np.testing.assert_array_equal(to_numpy(model.weight), before)
        scaler.update()
        assert scaler.get_scale() == 2.0 ** 15


def test_scale_outputs_and_unscale_values_match_torch():
    res = {}
    for xp in (torch, torchjax):
        model, opt, scaler = _setup(xp, init_scale=8.0)
        out = model(xp.tensor(X))
        s1 = scaler.scale(out)
        s2 = scaler.scale([out, (out * 2, out)])
        s1.sum().backward()
        g_scaled = model.weight.grad.clone()
        scaler.unscale_(opt)
        res[xp.__name__] = (s1, s2, g_scaled, model.weight.grad, scaler._scale, scaler._growth_tracker)
    assert_same(res["torch"], res["torchjax"])


@pytest.mark.parametrize("body", [
    lambda xp: xp.amp.GradScaler("cpu").update(),
    lambda xp: xp.amp.GradScaler("cpu").step(xp.optim.SGD([xp.zeros(1, requires_grad=True)], lr=0.1)),
    lambda xp: xp.amp.GradScaler("cpu", growth_factor=1.0),
    lambda xp: xp.amp.GradScaler("cpu", backoff_factor=1.0),
    lambda xp: xp.amp.GradScaler("cpu").scale(3),
    lambda xp: xp.amp.GradScaler("cpu").load_state_dict({}),
], ids=["update_before_scale", "step_before_scale", "growth_factor", "backoff_factor", "scale_non_tensor",
        "load_empty"])
def test_errors_match_torch(body):
    te, je = check_error(body)
    assert str(je) == str(te)


def _stage_errors(xp):
    model, opt, scaler = _setup(xp)
    scaler.scale(model(xp.tensor(X)).sum()).backward()
    scaler.unscale_(opt)
    msgs = []
    for f in (lambda: scaler.unscale_(opt), lambda: (scaler.step(opt), scaler.step(opt)),
              lambda: scaler.unscale_(opt), lambda: scaler.step(opt, closure=lambda: 0)):
        try:
            f()
        except RuntimeError as e:
            msgs.append(str(e))
    return msgs


def test_stage_errors_match_torch():
    assert _stage_errors(torchjax) == _stage_errors(torch)


def test_state_dict_round_trip_and_pickle():
    for xp in (torch, torchjax):
        _, scaler, _ = _train(xp, 3, bad_steps=(1,), growth_interval=5)
        sd = scaler.state_dict()
        other = xp.amp.GradScaler("cpu")
        other.load_state_dict(sd)
        assert other.state_dict() == sd
        clone = pickle.loads(pickle.dumps(scaler))
        assert clone.state_dict() == sd
    _, t, _ = _train(torch, 3, bad_steps=(1,), growth_interval=5)
    _, j, _ = _train(torchjax, 3, bad_steps=(1,), growth_interval=5)
    assert j.state_dict() == t.state_dict()


def test_fp16_gradients_cannot_be_unscaled():
    for xp in (torch, torchjax):
        p = xp.zeros(2, dtype=xp.float16, requires_grad=True)
        opt = xp.optim.SGD([p], lr=0.1)
        scaler = xp.amp.GradScaler("cpu")
        scaler.scale((p.float() * 2).sum()).backward()
        with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
            scaler.unscale_(opt)


def _warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        obj = fn()
    return obj, [(c.category.__name__, str(c.message)) for c in w]


@pytest.mark.parametrize("make", [
    lambda xp: xp.cuda.amp.GradScaler(),
    lambda xp: xp.amp.GradScaler(),
    lambda xp: xp.amp.GradScaler("cuda", enabled=False),
    lambda xp: xp.cpu.amp.GradScaler(),
    lambda xp: xp.amp.GradScaler("cpu"),
], ids=["cuda_amp", "amp_default_device", "cuda_disabled", "cpu_amp", "cpu"])
def test_construction_warnings_and_disabled_behaviour(make):
    if torch.cuda.is_available():
        pytest.skip("CPU-only behaviour")
    t, tw = _warned(lambda: make(torch))
    j, jw = _warned(lambda: make(torchjax))
    assert jw == tw
    assert j.is_enabled() == t.is_enabled()
    assert j.get_scale() == t.get_scale()
    assert j.state_dict() == t.state_dict()


def test_disabled_scaler_is_transparent():
    for xp in (torch, torchjax):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scaler = xp.cuda.amp.GradScaler()
        model, opt, _ = _setup(xp)
        loss = model(xp.tensor(X)).sum()
        assert scaler.scale(loss) is loss
        loss.backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == 1.0 and scaler._get_growth_tracker() == 0
