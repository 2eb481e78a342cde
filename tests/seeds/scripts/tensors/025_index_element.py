# Seed 002, 索引和切片 / 使用索引选择单个元素
import torch

torch.manual_seed(0)

# 创建一个张量
tensor = torch.tensor([[1, 2, 3], [4, 5, 6]])
# 使用索引选取单个元素
element = tensor[0, 1]
print(element) # 输出 tensor(2)
