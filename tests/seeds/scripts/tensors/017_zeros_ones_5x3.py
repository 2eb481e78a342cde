# Seed 002, 张量(Tensor)操作 / 创建张量 (torch.zeros / torch.ones)
# Added prints.
import torch

torch.manual_seed(0)

zeros_tensor = torch.zeros(5, 3)
ones_tensor = torch.ones(5, 3)

print(zeros_tensor)
print(ones_tensor)
