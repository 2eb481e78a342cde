"""Learning-rate schedulers against real torch: lr (and momentum) sequences, warnings, errors, state dicts."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402
from _compare import check_error  # noqa: E402


def _opt(xp, kind="SGD"):
    a = xp.zeros(3, requires_grad=True)
    b = xp.zeros(2, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.01}]
    if kind == "SGD":
        return xp.optim.SGD(groups, lr=0.1, momentum=0.9)
    return xp.optim.Adam(groups, lr=0.1)


def _sched(xp, name):
    S = xp.optim.lr_scheduler
    o = _opt(xp, "Adam" if name.endswith("adam") else "SGD")
    make = {
        "StepLR": lambda: S.StepLR(o, step_size=7, gamma=0.5),
        "MultiStepLR": lambda: S.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3),
        "ExponentialLR": lambda: S.ExponentialLR(o, gamma=0.97),
        "CosineAnnealingLR": lambda: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
        "CosineAnnealingWarmRestarts": lambda: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-4),
        "CosineAnnealingWarmRestarts1": lambda: S.CosineAnnealingWarmRestarts(o, T_0=7),
        "LambdaLR": lambda: S.LambdaLR(o, lambda e: 0.95 ** e),
        "LambdaLR_list": lambda: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e)]),
        "MultiplicativeLR": lambda: S.MultiplicativeLR(o, lambda e: 0.98),
        "LinearLR": lambda: S.LinearLR(o, start_factor=0.2, total_iters=10),
        "LinearLR_down": lambda: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30),
        "ConstantLR": lambda: S.ConstantLR(o, factor=0.5, total_iters=8),
        "PolynomialLR": lambda: S.PolynomialLR(o, total_iters=50, power=2.0),
        "OneCycleLR": lambda: S.OneCycleLR(o, max_lr=[0.5, 0.05], total_steps=101),
        "OneCycleLR_3phase_linear": lambda: S.OneCycleLR(o, max_lr=0.5, epochs=10, steps_per_epoch=11,
                                                         three_phase=True, anneal_strategy="linear"),
        "OneCycleLR_adam": lambda: S.OneCycleLR(o, max_lr=0.3, total_steps=120, pct_start=0.25),
        "CyclicLR": lambda: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10),
        "CyclicLR_triangular2": lambda: S.CyclicLR(o, base_lr=[0.01, 0.001], max_lr=0.1, step_size_up=5,
                                                   step_size_down=15, mode="triangular2"),
        "CyclicLR_exp_range_adam": lambda: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=8,
                                                      mode="exp_range", gamma=0.97),
        "CyclicLR_scale_fn": lambda: S.CyclicLR(o, 0.01, 0.1, step_size_up=6, scale_fn=lambda x: 0.5 ** x,
                                                scale_mode="iterations", cycle_momentum=False),
        "SequentialLR": lambda: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                                   S.ExponentialLR(o, gamma=0.95)], milestones=[10]),
        "SequentialLR3": lambda: S.SequentialLR(o, [S.ConstantLR(o, factor=0.3, total_iters=5),
                                                    S.CosineAnnealingLR(o, T_max=30),
                                                    S.StepLR(o, 10, 0.5)], milestones=[20, 50]),
        "ChainedScheduler": lambda: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4),
                                                        S.ExponentialLR(o, gamma=0.9)]),
        "ChainedScheduler_opt": lambda: S.ChainedScheduler([S.StepLR(o, 5, 0.5), S.LinearLR(o, 0.5, total_iters=20)],
                                                           optimizer=o),
    }[name]
    return o, make()


NAMES = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
         "CosineAnnealingWarmRestarts1", "LambdaLR", "LambdaLR_list", "MultiplicativeLR", "LinearLR", "LinearLR_down",
         "ConstantLR", "PolynomialLR", "OneCycleLR", "OneCycleLR_3phase_linear", "OneCycleLR_adam", "CyclicLR",
         "CyclicLR_triangular2", "CyclicLR_exp_range_adam", "CyclicLR_scale_fn", "SequentialLR", "SequentialLR3",
         "ChainedScheduler", "ChainedScheduler_opt"]


def _run(xp, name, steps=100):
    o, s = _sched(xp, name)
    seq = [(list(s.get_last_lr()), [(g["lr"], g.get("momentum"), g.get("betas")) for g in o.param_groups])]
    for _ in range(steps):
        o.step()
        s.step()
        seq.append((list(s.get_last_lr()), [(g["lr"], g.get("momentum"), g.get("betas")) for g in o.param_groups]))
    return seq, s, o


@pytest.mark.parametrize("name", NAMES)
def test_lr_sequence_matches_torch(name):
    steps = 110 if "3phase" in name else (119 if "adam" in name and "OneCycle" in name else 100)
    tseq, ts, to = _run(torch, name, steps)
    jseq, js, jo = _run(torchjax, name, steps)
    for i, (t, j) in enumerate(zip(tseq, jseq)):
        assert t == j, f"step {i}: torch {t} != torchjax {j}"
    assert repr(to) == repr(jo)
    tsd, jsd = ts.state_dict(), js.state_dict()
    assert list(tsd) == list(jsd)
    for k in tsd:
        if k != "_schedulers":
            assert tsd[k] == jsd[k], k


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR", "SequentialLR",
                                  "ChainedScheduler", "CosineAnnealingWarmRestarts", "LambdaLR"])
def test_state_dict_resume(name):
    # run 30 steps, save, rebuild, load, run 30 more: the same lrs as an uninterrupted run (and as torch)
    res = {}
    for xp in (torch, torchjax):
        o, s = _sched(xp, name)
        for _ in range(30):
            o.step()
            s.step()
        sd_s, sd_o = s.state_dict(), o.state_dict()
        o2, s2 = _sched(xp, name)
        o2.load_state_dict(sd_o)
        s2.load_state_dict(sd_s)
        lrs = []
        for _ in range(30):
            o2.step()
            s2.step()
            lrs.append(s2.get_last_lr())
        res[xp] = lrs
    assert res[torch] == res[torchjax]


def _plateau_run(xp, **kw):
    o = _opt(xp)
    s = xp.optim.lr_scheduler.ReduceLROnPlateau(o, **kw)
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 20), 0.5 + 0.01 * rng.standard_normal(60),
                              np.linspace(0.5, 0.2, 20)])
    out = []
    for i, m in enumerate(metrics):
        o.step()
        s.step(float(m) if kw.get("mode", "min") == "min" else -float(m))
        out.append((s.get_last_lr(), s.num_bad_epochs, s.cooldown_counter, s.best, s.last_epoch))
    return out, s


@pytest.mark.parametrize("kw", [dict(), dict(patience=3), dict(patience=2, cooldown=3, factor=0.5),
                                dict(mode="max", patience=4, threshold=0.01, threshold_mode="abs"),
                                dict(patience=1, min_lr=[0.05, 0.001]), dict(patience=0, min_lr=0.02, eps=1e-3)])
def test_reduce_lr_on_plateau(kw):
    t, ts = _plateau_run(torch, **kw)
    j, js = _plateau_run(torchjax, **kw)
    assert t == j
    assert list(ts.state_dict()) == list(js.state_dict())
    assert ts.state_dict() == js.state_dict()


def test_plateau_with_tensor_metric():
    res = {}
    for xp in (torch, torchjax):
        o = _opt(xp)
        s = xp.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0)
        for v in (1.0, 2.0, 3.0):
            s.step(xp.tensor(v))
        res[xp] = s.get_last_lr()
    assert res[torch] == res[torchjax]


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(str(x.category.__name__), str(x.message)) for x in w]


def test_scheduler_step_before_optimizer_step_warns():
    def body(xp):
        o = _opt(xp)
        s = xp.optim.lr_scheduler.StepLR(o, 3)
        return _warnings_of(lambda: s.step())
    t, j = body(torch), body(torchjax)
    assert t == j and len(t) == 1 and "before `optimizer.step()`" in t[0][1]


def test_no_warning_in_the_right_order():
    def body(xp):
        o = _opt(xp)
        s = xp.optim.lr_scheduler.StepLR(o, 3)
        return _warnings_of(lambda: (o.step(), s.step()))
    assert body(torch) == body(torchjax) == []


def test_overridden_optimizer_step_warns():
    def body(xp):
        o = _opt(xp)
        s = xp.optim.lr_scheduler.StepLR(o, 3)
        o.step = lambda closure=None: None
        return _warnings_of(lambda: (o.step(), s.step()))
    t, j = body(torch), body(torchjax)
    assert t == j and len(t) == 1


def test_epoch_argument_deprecation_and_closed_form():
    for name in ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR",
                 "PolynomialLR", "LambdaLR", "CosineAnnealingWarmRestarts"):
        res = {}
        for xp in (torch, torchjax):
            o, s = _sched(xp, name)
            lrs, ws = [], []
            for epoch in (3, 7, 15, 8, 40, 41, 41):
                o.step()
                ws += _warnings_of(lambda: s.step(epoch))
                lrs.append(s.get_last_lr())
            res[xp] = (lrs, ws)
        assert res[torch] == res[torchjax], name


def test_warm_restarts_fractional_epochs():
    res = {}
    for xp in (torch, torchjax):
        o, s = _sched(xp, "CosineAnnealingWarmRestarts")
        lrs = []
        for i in range(50):
            o.step()
            s.step(i / 3)
            lrs.append((s.get_last_lr(), s.T_cur, s.T_i, s.last_epoch))
        res[xp] = lrs
    assert res[torch] == res[torchjax]


def test_get_lr_outside_step_warns():
    def body(xp):
        o, s = _sched(xp, "StepLR")
        return _warnings_of(lambda: s.get_lr())
    assert body(torch) == body(torchjax)


def test_scheduler_with_tensor_lr():
    res = {}
    for xp in (torch, torchjax):
        w = xp.zeros(2, requires_grad=True)
        o = xp.optim.Adam([w], lr=xp.tensor(0.1))
        s = xp.optim.lr_scheduler.ExponentialLR(o, 0.5)
        for _ in range(3):
            o.step()
            s.step()
        res[xp] = (float(o.param_groups[0]["lr"]), [float(v) for v in s.get_last_lr()])
    assert res[torch] == res[torchjax]


def test_resume_with_last_epoch():
    res = {}
    for xp in (torch, torchjax):
        o = _opt(xp)
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
        s = xp.optim.lr_scheduler.StepLR(o, 3, last_epoch=5)
        res[xp] = (s.get_last_lr(), s.last_epoch)
    assert res[torch] == res[torchjax]


@pytest.mark.parametrize("make,match", [
    (lambda xp, o: xp.optim.lr_scheduler.StepLR(object(), 3), "is not an Optimizer"),
    (lambda xp, o: xp.optim.lr_scheduler.StepLR(o, 3, last_epoch=4), "initial_lr"),
    (lambda xp, o: xp.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas, but got 1"),
    (lambda xp, o: xp.optim.lr_scheduler.MultiplicativeLR(o, 0.5), "lr_lambda should be a function"),
    (lambda xp, o: xp.optim.lr_scheduler.ConstantLR(o, factor=2.0), "between 0 and 1"),
    (lambda xp, o: xp.optim.lr_scheduler.LinearLR(o, start_factor=0), "greater than 0"),
    (lambda xp, o: xp.optim.lr_scheduler.LinearLR(o, end_factor=1.5), "between 0 and 1"),
    (lambda xp, o: xp.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 0), "positive integer T_0"),
    (lambda xp, o: xp.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, T_mult=0), "T_mult >= 1"),
    (lambda xp, o: xp.optim.lr_scheduler.OneCycleLR(o, 0.1), "total_steps OR"),
    (lambda xp, o: xp.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=0), "positive integer total_steps"),
    (lambda xp, o: xp.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10, pct_start=2.0), "pct_start"),
    (lambda xp, o: xp.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="x"), "anneal_strategy"),
    (lambda xp, o: xp.optim.lr_scheduler.OneCycleLR(o, [0.1], total_steps=10), "max_lr must have the same length"),
    (lambda xp, o: xp.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="x"), "mode is invalid"),
    (lambda xp, o: xp.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0), "Factor should be < 1.0."),
    (lambda xp, o: xp.optim.lr_scheduler.ReduceLROnPlateau(o, mode="x"), "mode x is unknown!"),
    (lambda xp, o: xp.optim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), "threshold mode x is unknown!"),
    (lambda xp, o: xp.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), "expected 2 min_lrs, got 1"),
    (lambda xp, o: xp.optim.lr_scheduler.SequentialLR(o, [], []), "expects at least one scheduler"),
    (lambda xp, o: xp.optim.lr_scheduler.SequentialLR(o, [xp.optim.lr_scheduler.StepLR(o, 2)], [3]),
     "number of milestones"),
    (lambda xp, o: xp.optim.lr_scheduler.SequentialLR(o, [xp.optim.lr_scheduler.ReduceLROnPlateau(o)], []),
     "does not support `ReduceLROnPlateau`"),
    (lambda xp, o: xp.optim.lr_scheduler.ChainedScheduler([]), "at least one scheduler to be chained"),
    (lambda xp, o: xp.optim.lr_scheduler.ChainedScheduler([xp.optim.lr_scheduler.StepLR(o, 2),
                                                           xp.optim.lr_scheduler.StepLR(_opt(xp), 2)]),
     "belong to the same optimizer"),
    (lambda xp, o: xp.optim.lr_scheduler.CyclicLR(xp.optim.Adagrad([xp.zeros(1, requires_grad=True)]), 0.1, 1.0),
     "optimizer must support momentum or beta1"),
])
def test_scheduler_errors(make, match):
    te, je = check_error(lambda xp: make(xp, _opt(xp)))
    assert str(te) == str(je)
    assert match in str(te)


def test_one_cycle_overrun_raises():
    def body(xp):
        o = _opt(xp)
        s = xp.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=3)
        for _ in range(4):
            o.step()
            s.step()
    te, je = check_error(body)
    assert str(te) == str(je)


def test_steplr_seed_snippet(capsys):
    # the seeds' StepLR loop: print the lr every epoch, as a user would
    outs = []
    for xp in (torch, torchjax):
        model_w = xp.tensor([1.0, 2.0], requires_grad=True)
        optimizer = xp.optim.SGD([model_w], lr=0.01)
        scheduler = xp.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.1)
        for epoch in range(20):
            optimizer.zero_grad()
            loss = (model_w ** 2).sum()
            loss.backward()
            optimizer.step()
            scheduler.step()
            print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]["lr"])
        print(model_w)
        print(scheduler.state_dict())
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
