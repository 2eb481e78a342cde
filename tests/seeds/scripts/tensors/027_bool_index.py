# Seed 002, 索引和切片 / 使用布尔索引选择满足条件的元素
import torch

torch.manual_seed(0)

# 创建一个张量
tensor = torch.tensor([1, 2, 3, 4, 5, 6])
# 使用布尔索引选择满足条件的元素
selected_elements = tensor[tensor > 3]
print(selected_elements)
