# Seed 002, 索引和切片 / 切片操作选择子集
import torch

torch.manual_seed(0)

# 创建一个张量
tensor = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
# 使用切片操作选择子集
# 选取张量 tensor 中第 2 行到第 3 行(不包括第 3 行),以及第 1 列到第 2 列(不包括第 2 列)的所有元素。
subset = tensor[1:3, 0:2]
print(subset)
