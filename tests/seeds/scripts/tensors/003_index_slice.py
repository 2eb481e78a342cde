# Seed 000, 张量创建和基本操作 / 2. 张量的基本操作 (索引和切片)
# Needs tensor_from_list ([1, 2, 3]) from snippet 1; added prints.
import torch

torch.manual_seed(0)

tensor_from_list = torch.tensor([1, 2, 3])

# 获取张量中的特定元素
element = tensor_from_list[1]

# 切片操作
sliced_tensor = tensor_from_list[1:3]

print(element)
print(sliced_tensor)
