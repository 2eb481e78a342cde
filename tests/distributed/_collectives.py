"""Every collective on a 2+ process group; expected values are computed from the definitions (rank-dependent
inputs). Run by test_distributed.py through the launcher (XLA collectives) and with plain env:// variables (store
collectives). Prints 'rank R ok <transport>' at the end."""
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

if len(sys.argv) > 1 and sys.argv[1] == "manual":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
torch.manual_seed(0)
_ = torch.ones(3) * 2  # JAX is running before init_process_group (the store transport's case)
dist.init_process_group("gloo")
r, n = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "gloo" and n >= 2
base = np.arange(6, dtype=np.float32).reshape(2, 3)
mine = lambda k=r: torch.tensor(base + k)  # noqa: E731
every = [base + k for k in range(n)]

t = mine(); dist.all_reduce(t); assert np.allclose(t.numpy(), sum(every))
t = mine(); dist.all_reduce(t, op=dist.ReduceOp.AVG); assert np.allclose(t.numpy(), sum(every) / n)
t = mine(); dist.all_reduce(t, op=dist.ReduceOp.MAX); assert np.allclose(t.numpy(), np.max(every, 0))
t = mine(); dist.all_reduce(t, op=dist.ReduceOp.MIN); assert np.allclose(t.numpy(), np.min(every, 0))
t = mine(); dist.all_reduce(t, op=dist.ReduceOp.PRODUCT); assert np.allclose(t.numpy(), np.prod(every, 0))
ti = torch.tensor([1 << r, 3], dtype=torch.int64); dist.all_reduce(ti, op=dist.ReduceOp.BOR)
assert ti.tolist() == [(1 << n) - 1, 3]
w = dist.all_reduce(mine(), async_op=True); assert w.wait() and w.is_completed()
tb = torch.ones(2, dtype=torch.bfloat16) * (r + 1); dist.all_reduce(tb)
assert tb.dtype == torch.bfloat16 and tb.float().tolist() == [n * (n + 1) / 2] * 2

t = mine() if r == 1 else torch.zeros(2, 3); dist.broadcast(t, src=1); assert np.allclose(t.numpy(), base + 1)
outs = [torch.zeros(2, 3) for _ in range(n)]; dist.all_gather(outs, mine())
assert all(np.allclose(o.numpy(), e) for o, e in zip(outs, every))
big = torch.zeros(2 * n, 3); dist.all_gather_into_tensor(big, mine()); assert np.allclose(big.numpy(), np.concatenate(every))
try:  # gloo concatenates only
    dist.all_gather_into_tensor(torch.zeros(n, 2, 3), mine())
    raise AssertionError("no error")
except RuntimeError as e:
    assert "invalid tensor size" in str(e)
t = mine(); dist.reduce(t, dst=0)
assert np.allclose(t.numpy(), sum(every) if r == 0 else base + r)
out = torch.zeros(3); dist.reduce_scatter(out, [torch.full((3,), float(k + 10 * r)) for k in range(n)])
assert np.allclose(out.numpy(), sum(r + 10 * k for k in range(n)))
out = torch.zeros(2); dist.reduce_scatter_tensor(out, torch.arange(2 * n, dtype=torch.float32) * (r + 1))
assert np.allclose(out.numpy(), np.arange(2 * r, 2 * r + 2) * n * (n + 1) / 2)
gl = [torch.zeros(2, 3) for _ in range(n)] if r == 0 else None; dist.gather(mine(), gl, dst=0)
assert r != 0 or all(np.allclose(g.numpy(), e) for g, e in zip(gl, every))
t = torch.zeros(2, 3); dist.scatter(t, [torch.tensor(e * 10) for e in every] if r == 1 else None, src=1)
assert np.allclose(t.numpy(), (base + r) * 10)
o = torch.zeros(n, dtype=torch.int64); dist.all_to_all_single(o, torch.arange(n) + 100 * r)
assert o.tolist() == [100 * k + r for k in range(n)]

objs = [None] * n; dist.all_gather_object(objs, {"rank": r}); assert objs == [{"rank": k} for k in range(n)]
lst = [r, "x"] if r == 0 else [None, None]; dist.broadcast_object_list(lst, src=0); assert lst == [0, "x"]
if r == 0:
    dist.send(torch.tensor([7.0, 8.0]), dst=1)
elif r == 1:
    buf = torch.zeros(2); dist.recv(buf, src=0); assert buf.tolist() == [7.0, 8.0]
dist.barrier()

sub = dist.new_group([0, 1])
assert dist.get_rank(sub) == r if r < 2 else dist.get_rank(sub) == -1
if r < 2:
    t = mine(); dist.all_reduce(t, group=sub); assert np.allclose(t.numpy(), every[0] + every[1])
    assert dist.get_process_group_ranks(sub) == [0, 1]

# DDP: no_sync accumulates locally; find_unused_parameters handles branches unused on some ranks
class Two(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 2)
        self.b = torch.nn.Linear(3, 2)

    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)

torch.manual_seed(0)
ddp = torch.nn.parallel.DistributedDataParallel(Two(), find_unused_parameters=True)
x = torch.tensor(base + r)
ddp(x, use_b=(r == 0)).sum().backward()
ga = sum(np.ones((2, 2)).T @ (base + k) for k in range(n)) / n
assert np.allclose(ddp.module.a.weight.grad.numpy(), ga, atol=1e-5)
assert np.allclose(ddp.module.b.weight.grad.numpy(), (np.ones((2, 2)).T @ base) / n, atol=1e-5)
torch.manual_seed(0)
ddp = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 2))
with ddp.no_sync():
    ddp(torch.tensor(base + r)).sum().backward()
local = ddp.module.weight.grad.clone()
assert np.allclose(local.numpy(), np.ones((2, 2)).T @ (base + r))
ddp(torch.tensor(base + r)).sum().backward()
assert np.allclose(ddp.module.weight.grad.numpy(), sum(2 * np.ones((2, 2)).T @ (base + k) for k in range(n)) / n,
                   atol=1e-4)
transport = dist.group.WORLD._transport.kind
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {r} ok {transport}", flush=True)
