# Seed 000, GPU加速 / 7. GPU 上的数据并行 (nn.parallel.DistributedDataParallel)
# Completion: DDP needs an initialized process group, which the snippet does
# not create: a single-process gloo group (world_size=1, file:// rendezvous
# in the working directory) is set up first and destroyed at the end. Added
# prints of the wrapped model and a forward/backward.
import os
import torch.distributed as dist
import torch
import torch.nn as nn

torch.manual_seed(0)

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


class MyModel(nn.Module):  # 自定义模型 (completion: a small MLP)
    def __init__(self):
        super(MyModel, self).__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

dist.init_process_group(backend='gloo', init_method='file://' + os.path.abspath('ddp_rendezvous'), rank=0, world_size=1)

model = MyModel()
model = nn.parallel.DistributedDataParallel(model)
model.to(device)

print(model)
out = model(torch.randn(2, 4))
print(out)
out.sum().backward()
print(model.module.fc2.bias.grad)
print(dist.get_rank(), dist.get_world_size())
dist.destroy_process_group()
