# Seed 000, 张量创建和基本操作 / 1. 张量的创建 (使用特定值创建张量)
# Reconstructed (34)->(3, 4), (22)->(2, 2), (0102)->(0, 10, 2), (33)->(3, 3); added prints.
import torch

torch.manual_seed(0)

# 创建全零张量
zeros_tensor = torch.zeros((3, 4))

# 创建全一张量
ones_tensor = torch.ones((2, 2))

# 创建指定范围的张量
range_tensor = torch.arange(0, 10, 2)

# 创建均匀分布的张量
uniform_tensor = torch.rand((3, 3))

# 创建正态分布的张量
normal_tensor = torch.randn((2, 2))

print(zeros_tensor)
print(ones_tensor)
print(range_tensor)
print(uniform_tensor)
print(normal_tensor)
