# Seed 000, 张量创建和基本操作 / 1. 张量的创建 (使用特定形状的张量)
# Needs zeros_tensor from the previous snippet. torch.empty values are
# uninitialized, so only its shape/dtype are printed.
import torch

torch.manual_seed(0)

zeros_tensor = torch.zeros((3, 4))

# 创建未初始化的张量
uninitialized_tensor = torch.empty((2, 2))

# 创建与现有张量相同形状的张量
like_tensor = torch.ones_like(zeros_tensor)

print(uninitialized_tensor.shape, uninitialized_tensor.dtype)
print(like_tensor)
