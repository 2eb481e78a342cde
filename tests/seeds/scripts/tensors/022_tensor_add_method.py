# Seed 002, 张量加法 / 使用张量的 add() 方法
import torch

torch.manual_seed(0)

# 创建两个张量
tensor1 = torch.tensor([[1, 2], [3, 4]])
tensor2 = torch.tensor([[5, 6], [7, 8]])
# 使用张量的 add() 方法进行张量加法
result = tensor1.add(tensor2)
print(result)
