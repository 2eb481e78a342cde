# Seed 004, 4. 模型优化与加速 / 分布式训练 (init_process_group + DDP)
# Completion: `model` is a small nn.Linear(4, 2). backend='nccl' needs CUDA;
# without it the CPU path uses 'gloo'. The rendezvous is a single process
# (rank 0, world_size 1, file:// in the working directory), since the snippet
# relies on launcher-provided env vars. Added prints; the group is destroyed
# at the end.
import os
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Linear(4, 2)

import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group(backend='nccl' if torch.cuda.is_available() else 'gloo',
                        init_method='file://' + os.path.abspath('ddp_rendezvous'), rank=0, world_size=1)
model = DDP(model)

print(model)
print(dist.is_initialized(), dist.get_backend(), dist.get_world_size())
out = model(torch.randn(3, 4))
out.sum().backward()
print(out)
print(model.module.weight.grad)
dist.destroy_process_group()
