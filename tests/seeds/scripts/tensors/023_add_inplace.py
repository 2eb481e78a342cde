# Seed 002, 张量加法 / add_ 就地修改
import torch

torch.manual_seed(0)

# 创建一个张量
tensor = torch.tensor([[1, 2], [3, 4]])
# 就地修改
tensor.add_(2)
print(tensor)
