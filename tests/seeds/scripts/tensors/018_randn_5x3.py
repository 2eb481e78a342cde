# Seed 002, 张量(Tensor)操作 / 创建张量 (torch.randn)
# Added print.
import torch

torch.manual_seed(0)

random_tensor = torch.randn(5, 3)

print(random_tensor)
