"""swa_utils against real torch: SWALR sequences and the averaging functions."""
import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402
from _compare import assert_same, check_error  # noqa: E402
from _model import INIT  # noqa: E402

import torch.optim.swa_utils as tswa  # noqa: E402
import torchjax.optim.swa_utils as jswa  # noqa: E402

SWA = {torch: tswa, torchjax: jswa}


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.001], anneal_epochs=5, anneal_strategy="linear"),
                                dict(swa_lr=0.02, anneal_epochs=0)])
def test_swalr_sequence(kw):
    res = {}
    for xp in (torch, torchjax):
        o = xp.optim.SGD([{"params": [xp.zeros(2, requires_grad=True)]},
                          {"params": [xp.zeros(2, requires_grad=True)], "lr": 0.3}], lr=0.1)
        s = SWA[xp].SWALR(o, **kw)
        seq = []
        for _ in range(20):
            o.step()
            s.step()
            seq.append(s.get_last_lr())
        sd = s.state_dict()
        res[xp] = (seq, sorted(sd), sd["anneal_epochs"], sd["_anneal_strategy"])
    assert res[torch] == res[torchjax]


def test_swalr_errors():
    for kw in (dict(swa_lr=0.1, anneal_strategy="x"), dict(swa_lr=0.1, anneal_epochs=-1),
               dict(swa_lr=[0.1, 0.2])):
        te, je = check_error(lambda xp: SWA[xp].SWALR(xp.optim.SGD([xp.zeros(2, requires_grad=True)], lr=0.1), **kw))
        assert str(te) == str(je)


@pytest.mark.parametrize("which", ["ema", "swa"])
def test_multi_avg_fns(which):
    rng = np.random.default_rng(0)
    cur = [[rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4,))] for _ in range(5)]
    res = {}
    for xp in (torch, torchjax):
        fn = SWA[xp].get_ema_multi_avg_fn(0.9) if which == "ema" else SWA[xp].get_swa_multi_avg_fn()
        single = SWA[xp].get_ema_avg_fn(0.9) if which == "ema" else SWA[xp].get_swa_avg_fn()
        avg = [xp.tensor(INIT["W1"][:3, :4]), xp.tensor(INIT["b1"][:4])]
        avg2 = [a.clone() for a in avg]
        for n, c in enumerate(cur, start=1):
            fn(avg, [xp.tensor(x) for x in c], xp.tensor(n))
            avg2 = [single(a, xp.tensor(x), n) for a, x in zip(avg2, c)]
        res[xp] = (avg, avg2)
    assert_same(res[torch], res[torchjax])


def test_averaged_model_needs_nn():
    if importlib.util.find_spec("torchjax.nn") is not None:
        pytest.skip("torchjax.nn is present: AveragedModel is tested with the nn tests")
    with pytest.raises(NotImplementedError, match="AveragedModel"):
        jswa.AveragedModel
