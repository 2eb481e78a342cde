"""Trains a small model: with DDP when launched by torchjax.distributed.run (each rank takes its half of every batch
through DistributedSampler), on the full batch otherwise. Writes the final parameters to argv[1] (rank 0)."""
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

out_path = sys.argv[1]
distributed = "RANK" in os.environ
if distributed:
    dist.init_process_group("gloo")

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((32, 6)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 3, 32))
data = TensorDataset(X, Y)
if distributed:
    if dist.get_rank() == 1:  # different initial weights on rank 1: DDP must broadcast rank 0's
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    model = nn.parallel.DistributedDataParallel(model)
    sampler = DistributedSampler(data, shuffle=False)
    loader = DataLoader(data, batch_size=4, sampler=sampler)  # 4 per rank = 8 per step
else:
    # DistributedSampler gives rank r rows r, r+2, ...: step s of both ranks together is rows 8s..8s+7
    loader = DataLoader(data, batch_size=8, shuffle=False)
opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

params = [p.detach().numpy() for p in (model.module if distributed else model).parameters()]
if not distributed or dist.get_rank() == 0:
    np.savez(out_path, *params)
if distributed:
    # every rank ends with the same parameters
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, flat)
    assert all(torch.equal(g, gathered[0]) for g in gathered), "ranks diverged"
    print(f"rank {dist.get_rank()} ok", flush=True)
    dist.destroy_process_group()
