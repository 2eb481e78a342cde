"""torch.cuda and devices.

On this CPU-only machine every torch.cuda call must answer, or raise, exactly as torch's CPU build does. The GPU
code paths (copies with gradients across devices, the mixed-device error, modules and optimizers on 'cuda', device
contexts, streams and events) run in a subprocess where host CPU devices stand in for GPUs
(TORCHJAX_CUDA_ON_CPU=1), and on real GPUs in the tests marked `gpu`."""
import textwrap

import pytest

from tests._compare import torch, torchjax
from tests.gpu._subproc import run

cpu_only = pytest.mark.skipif(torch.cuda.is_available(), reason="CPU-only behaviour")

CALLS = {
    "is_available": lambda xp: xp.cuda.is_available(),
    "device_count": lambda xp: xp.cuda.device_count(),
    "current_device": lambda xp: xp.cuda.current_device(),
    "get_device_name": lambda xp: xp.cuda.get_device_name(),
    "get_device_name_0": lambda xp: xp.cuda.get_device_name(0),
    "get_device_capability": lambda xp: xp.cuda.get_device_capability(),
    "get_device_properties": lambda xp: xp.cuda.get_device_properties(0),
    "set_device_0": lambda xp: xp.cuda.set_device(0),
    "set_device_cuda0": lambda xp: xp.cuda.set_device("cuda:0"),
    "set_device_cpu": lambda xp: xp.cuda.set_device("cpu"),
    "set_device_neg": lambda xp: xp.cuda.set_device(-1),
    "synchronize": lambda xp: xp.cuda.synchronize(),
    "empty_cache": lambda xp: xp.cuda.empty_cache(),
    "memory_allocated": lambda xp: xp.cuda.memory_allocated(),
    "max_memory_allocated": lambda xp: xp.cuda.max_memory_allocated(),
    "memory_reserved": lambda xp: xp.cuda.memory_reserved(),
    "max_memory_reserved": lambda xp: xp.cuda.max_memory_reserved(),
    "memory_allocated_1": lambda xp: xp.cuda.memory_allocated("cuda:1"),
    "memory_stats": lambda xp: xp.cuda.memory_stats(),
    "memory_summary": lambda xp: xp.cuda.memory_summary(),
    "reset_peak_memory_stats": lambda xp: xp.cuda.reset_peak_memory_stats(),
    "mem_get_info": lambda xp: xp.cuda.mem_get_info(),
    "manual_seed": lambda xp: xp.cuda.manual_seed(1),
    "manual_seed_all": lambda xp: xp.cuda.manual_seed_all(1),
    "seed": lambda xp: xp.cuda.seed(),
    "seed_all": lambda xp: xp.cuda.seed_all(),
    "initial_seed": lambda xp: xp.cuda.initial_seed(),
    "get_rng_state": lambda xp: xp.cuda.get_rng_state(),
    "get_rng_state_all": lambda xp: xp.cuda.get_rng_state_all(),
    "set_rng_state_all": lambda xp: xp.cuda.set_rng_state_all([]),
    "Stream": lambda xp: xp.cuda.Stream(),
    "Event": lambda xp: xp.cuda.Event(),
    "Event_timing": lambda xp: xp.cuda.Event(enable_timing=True),
    "current_stream": lambda xp: xp.cuda.current_stream(),
    "default_stream": lambda xp: xp.cuda.default_stream(),
    "stream_none": lambda xp: xp.cuda.stream(None).__enter__(),
    "is_initialized": lambda xp: xp.cuda.is_initialized(),
    "init": lambda xp: xp.cuda.init(),
    "_lazy_init": lambda xp: xp.cuda._lazy_init(),
    "is_bf16_supported": lambda xp: xp.cuda.is_bf16_supported(),
    "is_tf32_supported": lambda xp: xp.cuda.is_tf32_supported(),
    "ipc_collect": lambda xp: xp.cuda.ipc_collect(),
    "get_arch_list": lambda xp: xp.cuda.get_arch_list(),
    "get_gencode_flags": lambda xp: xp.cuda.get_gencode_flags(),
    "device_ctx_0": lambda xp: xp.cuda.device(1).__enter__(),
    "device_ctx_neg": lambda xp: xp.cuda.device(-1).__enter__(),
    "device_of_cpu": lambda xp: xp.cuda.device_of(xp.ones(1)).__enter__(),
    "set_per_process_memory_fraction": lambda xp: xp.cuda.set_per_process_memory_fraction(0.5),
    "CUDAGraph": lambda xp: xp.cuda.CUDAGraph(),
    "nvtx_range_push": lambda xp: xp.cuda.nvtx.range_push("a"),
    "is_current_stream_capturing": lambda xp: xp.cuda.is_current_stream_capturing(),
    "FloatTensor": lambda xp: xp.cuda.FloatTensor(2),
    "LongTensor": lambda xp: xp.cuda.LongTensor([1, 2]),
    "amp_not_available": lambda xp: xp.cuda.amp.common.amp_definitely_not_available(),
    "tensor_cuda": lambda xp: xp.ones(2).cuda(),
    "tensor_cuda_nb": lambda xp: xp.ones(2).cuda(non_blocking=True),
    "tensor_to_cuda": lambda xp: xp.ones(2).to("cuda"),
    "tensor_to_cuda1": lambda xp: xp.zeros(2).to("cuda:1"),
    "tensor_to_device_cuda": lambda xp: xp.ones(2).to(xp.device("cuda", 0)),
    "ones_cuda": lambda xp: xp.ones(2, device="cuda"),
    "tensor_cuda_kw": lambda xp: xp.tensor([1.0], device="cuda:0"),
    "randn_cuda": lambda xp: xp.randn(2, device="cuda"),
    "module_cuda": lambda xp: xp.nn.Linear(2, 2).cuda(),
    "module_to_cuda": lambda xp: xp.nn.Linear(2, 2).to("cuda"),
    "to_cpu_non_blocking": lambda xp: xp.ones(2).to("cpu", non_blocking=True),
    "cpu_method": lambda xp: xp.ones(2).cpu(),
    "is_pinned": lambda xp: xp.ones(2).is_pinned(),
    "is_cuda": lambda xp: xp.ones(2).is_cuda,
    "get_device": lambda xp: xp.ones(2).get_device(),
    "device_cuda0": lambda xp: xp.device("cuda:0"),
    "cudnn_available": lambda xp: xp.backends.cudnn.is_available(),
    "version_suffix": lambda xp: xp.__version__.split("+")[-1],
}


def _outcome(xp, f):
    try:
        r = f(xp)
    except BaseException as e:  # noqa: BLE001 - compare whatever happens
        return ("raise", type(e).__name__, str(e))
    if isinstance(r, (xp.Tensor, xp.nn.Module)) or r is None or isinstance(r, (bool, int, str, list, tuple)):
        return ("value", type(r).__name__, str(r) if not isinstance(r, xp.nn.Module) else repr(r))
    return ("value", type(r).__name__, "")


@cpu_only
@pytest.mark.parametrize("name", list(CALLS))
def test_cpu_only_behaviour_matches_torch(name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _outcome(torch, CALLS[name])
        actual = _outcome(torchjax, CALLS[name])
    assert actual == expected


@cpu_only
def test_mixed_device_check_is_off_without_gpus():
    from torchjax._ops import kernel
    assert kernel.device_check is None


_GPU_SCRIPT = textwrap.dedent("""
    import numpy as np
    import torchjax as torch
    F = torch.nn.functional
    n = torch.cuda.device_count()
    assert torch.cuda.is_available() and n >= 2, n
    print("count", n, torch.cuda.current_device(), isinstance(torch.cuda.get_device_name(0), str))

    # copies in both directions, with gradients flowing back across devices
    x = torch.randn(3, 4, requires_grad=True)
    y = x.cuda()
    print("y", y.device, y.is_cuda, y.get_device(), y.grad_fn.name())
    z = y.to("cuda:1", non_blocking=True)
    w = (z * 3).cpu()
    w.sum().backward()
    print("x.grad", x.grad.device, bool((x.grad == 3).all()))
    print("to same device is identity", y.to("cuda:0") is y, y.cuda() is y, y.cuda(0) is y)

    # a leaf created on the GPU
    p = torch.ones(2, 3, device="cuda:1", requires_grad=True)
    (p * p).sum().backward()
    print("p.grad", p.grad.device, p.grad.tolist())

    # mixing devices raises torch's error; 0-dim CPU tensors are accepted
    a = torch.ones(2, device="cuda")
    for f in (lambda: a + torch.ones(2), lambda: torch.ones(2) + a, lambda: a + a.to("cuda:1"),
              lambda: torch.mm(torch.ones(2, 2), torch.ones(2, 2, device="cuda"))):
        try:
            f()
            print("no error")
        except RuntimeError as e:
            print("error", str(e).split(",")[0])
    s = a + torch.tensor(2.0)
    print("scalar", s.device, s.tolist(), (torch.tensor(2.0) * a).device)

    # modules, losses and optimizers on the GPU
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).cuda()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    xb = torch.randn(5, 4).cuda(); yb = torch.tensor([0, 1, 1, 0, 1]).to("cuda")
    loss = F.cross_entropy(m(xb), yb)
    loss.backward(); opt.step()
    print("module", next(m.parameters()).device, loss.device, m[0].weight.grad.device)
    torch.manual_seed(0)
    mc = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    optc = torch.optim.SGD(mc.parameters(), lr=0.1)
    lc = F.cross_entropy(mc(xb.cpu()), yb.cpu()); lc.backward(); optc.step()
    print("same as cpu", bool(torch.allclose(m[0].weight.cpu(), mc[0].weight, atol=1e-6)),
          abs(loss.item() - lc.item()) < 1e-6)
    print("to cpu", m.cpu()[0].weight.device)

    # current device, contexts, streams, events, memory counters
    torch.cuda.set_device(1)
    print("current", torch.cuda.current_device(), torch.ones(1, device="cuda").device)
    with torch.cuda.device(0):
        print("ctx", torch.cuda.current_device(), torch.zeros(1, device="cuda").device)
    print("after ctx", torch.cuda.current_device())
    torch.cuda.set_device(0)
    with torch.cuda.device_of(torch.ones(1, device="cuda:1")):
        print("device_of", torch.cuda.current_device())
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        e0 = torch.cuda.Event(enable_timing=True); e1 = torch.cuda.Event(enable_timing=True)
        e0.record(); _ = torch.ones(100, 100, device="cuda") @ torch.ones(100, 100, device="cuda"); e1.record()
        torch.cuda.synchronize()
    print("event", e0.elapsed_time(e1) >= 0, s.query(), torch.cuda.current_stream() == torch.cuda.default_stream())
    print("memory", type(torch.cuda.memory_allocated()).__name__, type(torch.cuda.max_memory_allocated()).__name__)
    print("legacy", torch.cuda.FloatTensor(2).device, isinstance(torch.ones(1, device="cuda"), torch.cuda.FloatTensor))
    print("invalid ordinal", end=" ")
    try:
        torch.ones(1, device=f"cuda:{n}")
    except RuntimeError as e:
        print(e)
    print("print", torch.ones(2, device="cuda:1"))
""")

_EXPECTED = """count {n} 0 True
y cuda:0 True 0 ToCopyBackward0
x.grad cpu True
to same device is identity True True True
p.grad cuda:1 [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
error Expected all tensors to be on the same device
error Expected all tensors to be on the same device
error Expected all tensors to be on the same device
error Expected all tensors to be on the same device
scalar cuda:0 [3.0, 3.0] cuda:0
module cuda:0 cuda:0 cuda:0
same as cpu True True
to cpu cpu
current 1 cuda:1
ctx 0 cuda:0
after ctx 1
device_of 1
event True True True
memory int int
legacy cuda:0 True
invalid ordinal CUDA error: invalid device ordinal
print tensor([1., 1.], device='cuda:1')
"""


def test_gpu_paths_on_simulated_devices():
    out = run(_GPU_SCRIPT, n_devices=3)
    assert out == _EXPECTED.format(n=3)


@pytest.mark.gpu
def test_gpu_paths_on_real_gpus():
    import jax
    n = len(jax.devices("gpu"))
    if n < 2:
        pytest.skip("needs two GPUs")
    out = run(_GPU_SCRIPT, simulated=False)
    assert out == _EXPECTED.format(n=n)
