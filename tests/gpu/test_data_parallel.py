"""nn.DataParallel over 8 simulated devices (host CPU devices standing in for GPUs) against one device: same
outputs, gradients and parameters after training; uneven batches; nested inputs/outputs; scalar outputs;
BatchNorm's per-device statistics as in torch; the errors torch raises. And the CPU-only behaviour against torch."""
import textwrap

import numpy as np
import pytest

from tests._compare import assert_same, torch, torchjax
from tests.gpu._subproc import run

_SCRIPT = textwrap.dedent("""
    import warnings
    import numpy as np
    import torchjax as torch
    import torchjax.nn as nn
    import torchjax.nn.functional as F

    assert torch.cuda.device_count() == 8

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 4, 3, padding=1)
            self.fc1 = nn.Linear(4 * 6 * 6, 16)
            self.fc2 = nn.Linear(16, 3)

        def forward(self, x):
            x = F.relu(self.conv(x))
            # a tensor created inside forward lands on the replica's device
            x = x + torch.zeros(1, device=x.device)
            return self.fc2(F.relu(self.fc1(x.flatten(1))))

    def make():
        torch.manual_seed(0)
        return Net().cuda()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2, 6, 6)).astype(np.float32)
    Y = rng.integers(0, 3, 40)

    def train(model, steps=3, batch=16):
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        outs = []
        for s in range(steps):
            xb = torch.tensor(X[s * 8: s * 8 + batch]).cuda()
            yb = torch.tensor(Y[s * 8: s * 8 + batch]).cuda()
            opt.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            outs.append((out.detach().cpu().numpy(), loss.item()))
            opt.step()
        return outs

    single = make()
    ref = train(single)
    inner = make()
    dp = nn.DataParallel(inner)
    got = train(dp)
    print("device_ids", dp.device_ids, dp.output_device, dp.dim)
    for (ro, rl), (go, gl) in zip(ref, got):
        assert np.allclose(ro, go, atol=1e-5), np.abs(ro - go).max()
        assert abs(rl - gl) < 1e-5
    for (n, a), b in zip(single.named_parameters(), inner.parameters()):
        assert np.allclose(a.detach().cpu().numpy(), b.detach().cpu().numpy(), atol=1e-5), n
        assert b.device == torch.device("cuda:0") and b.grad.device == torch.device("cuda:0"), n
    print("train ok")

    # one forward/backward: gradients equal one device's, output on the output device with torch's grad_fn
    m1, m2 = make(), make()
    xb = torch.tensor(X[:13])  # 13 rows over 8 devices: torch.chunk gives 7 slices of 2 and 1 empty device
    o1 = m1(xb.cuda())
    o2 = nn.DataParallel(m2)(xb.cuda())
    print("out", o2.device, o2.shape, o2.grad_fn.name())
    assert np.allclose(o1.detach().cpu().numpy(), o2.detach().cpu().numpy(), atol=1e-5)
    (o1 ** 2).sum().backward(); (o2 ** 2).sum().backward()
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert np.allclose(a.grad.cpu().numpy(), b.grad.cpu().numpy(), atol=1e-5)
    print("grads ok")

    # input gradients flow back to a CPU input through the scatter
    m3 = make()
    xin = torch.tensor(X[:8]).requires_grad_()
    nn.DataParallel(m3, output_device=2)(xin.cuda()).sum().backward()
    xin2 = torch.tensor(X[:8]).requires_grad_()
    make()(xin2.cuda()).sum().backward()
    assert np.allclose(xin.grad.numpy(), xin2.grad.numpy(), atol=1e-5)
    print("input grad ok", xin.grad.device)

    # device_ids / output_device / dim, nested inputs and outputs, kwargs
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 2)
        def forward(self, inp, scale=1.0, extra=None):
            a, b = inp["a"], inp["b"]
            return {"sum": self.lin(a + b) * scale, "dev": torch.full((a.shape[0],), a.get_device(), device=a.device),
                    "none": None}
    torch.manual_seed(0)
    pair = Pair().to("cuda:1")
    dp = nn.DataParallel(pair, device_ids=[1, 3, 5], output_device=torch.device("cuda:4"))
    inp = {"a": torch.ones(6, 4, device="cuda:1"), "b": torch.ones(6, 4, device="cuda:1")}
    r = dp(inp, scale=2.0)
    print("nested", r["sum"].device, tuple(r["sum"].shape), r["dev"].tolist(), r["none"])
    torch.manual_seed(0)
    ref = Pair()(  {"a": torch.ones(6, 4), "b": torch.ones(6, 4)}, scale=2.0)["sum"]
    assert np.allclose(ref.detach().numpy(), r["sum"].detach().cpu().numpy(), atol=1e-6)
    dpt = nn.DataParallel(nn.Linear(5, 3).cuda(), dim=1)
    print("dim=1", tuple(dpt(torch.ones(2, 8, 5, device="cuda").transpose(0, 1).contiguous()
                              .transpose(0, 1)).shape))

    # scalar outputs are unsqueezed with torch's warning
    class Loss(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 1)
        def forward(self, x):
            return self.lin(x).sum()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = nn.DataParallel(Loss().cuda(), device_ids=[0, 1])(torch.ones(4, 4, device="cuda"))
    print("scalars", tuple(out.shape), [str(x.message)[:40] for x in w])

    # BatchNorm: per-device batch statistics; running stats come from replica 0 (torch's behaviour)
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(3).cuda()
    xb = torch.tensor(rng.standard_normal((8, 3)).astype(np.float32)).cuda()
    out = nn.DataParallel(bn, device_ids=[0, 1])(xb)
    first = F.batch_norm(xb[:4].cpu(), None, None, training=True)
    assert np.allclose(out[:4].detach().cpu().numpy(), first.numpy(), atol=1e-5)
    expect_rm = 0.1 * xb[:4].mean(0).cpu()
    assert np.allclose(bn.running_mean.cpu().numpy(), expect_rm.numpy(), atol=1e-6), bn.running_mean
    print("batchnorm ok", int(bn.num_batches_tracked))

    # under no_grad the replicas are detached copies
    with torch.no_grad():
        o = nn.DataParallel(make())(torch.tensor(X[:16]).cuda())
    print("no_grad", o.requires_grad, o.device)

    # the module must live on device_ids[0]
    try:
        nn.DataParallel(Net())(torch.ones(2, 2, 6, 6))
    except RuntimeError as e:
        print("error", e)
    # the functional form
    o = nn.parallel.data_parallel(make(), torch.tensor(X[:8]).cuda(), device_ids=[0, 1, 2])
    print("functional", tuple(o.shape), o.device)
    print(repr(nn.DataParallel(nn.Linear(2, 2).cuda())))
""")

_EXPECTED = """device_ids [0, 1, 2, 3, 4, 5, 6, 7] 0 0
train ok
out cuda:0 torch.Size([13, 3]) GatherBackward
grads ok
input grad ok cpu
nested cuda:4 (6, 2) [1, 1, 3, 3, 5, 5] None
dim=1 (2, 8, 3)
scalars (2,) ['Was asked to gather along dimension 0, b']
batchnorm ok 1
no_grad False cuda:0
error module must have its parameters and buffers on device cuda:0 (device_ids[0]) but found one of them on device: cpu
functional (8, 3) cuda:0
DataParallel(
  (module): Linear(in_features=2, out_features=2, bias=True)
)
"""


def test_data_parallel_on_8_simulated_devices():
    assert run(_SCRIPT, n_devices=8, timeout=600) == _EXPECTED


@pytest.mark.gpu
def test_data_parallel_on_real_gpus():
    import jax
    if len(jax.devices("gpu")) < 8:
        pytest.skip("the script expects 8 GPUs")
    assert run(_SCRIPT, simulated=False, timeout=600) == _EXPECTED


def test_cpu_only_data_parallel_matches_torch():
    if torch.cuda.is_available():
        pytest.skip("CPU-only behaviour")
    res = {}
    for xp in (torch, torchjax):
        xp.manual_seed(0)
        m = xp.nn.DataParallel(xp.nn.Linear(4, 2))
        x = xp.tensor(np.ones((3, 4), np.float32))
        out = m(x)
        out.sum().backward()
        res[xp.__name__] = (out, m.module.weight.grad, repr(m), m.device_ids, hasattr(m, "output_device"),
                            list(m.state_dict()))
    assert_same(res["torch"], res["torchjax"])
    for xp in (torch, torchjax):
        with pytest.raises(RuntimeError, match="device type could not be determined"):
            xp.nn.parallel.data_parallel(xp.nn.Linear(2, 2), xp.ones(1, 2))
