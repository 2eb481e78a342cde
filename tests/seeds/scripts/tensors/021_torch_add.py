# Seed 002, 张量加法 / 使用 torch.add() 函数
import torch

torch.manual_seed(0)

# 创建两个张量
tensor1 = torch.tensor([[1, 2], [3, 4]])
tensor2 = torch.tensor([[5, 6], [7, 8]])
# 使用 torch.add() 进行张量加法
result = torch.add(tensor1, tensor2)
print(result)
