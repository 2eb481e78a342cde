# Seed 000, 张量创建和基本操作 / 2. 张量的基本操作 (张量的形状操作)
# Reconstructed view(13) -> view(1, 3); added prints.
import torch

torch.manual_seed(0)

tensor_from_list = torch.tensor([1, 2, 3])

# 获取张量的形状
shape = tensor_from_list.shape

# 改变张量的形状
reshaped_tensor = tensor_from_list.view(1, 3)

# 转置张量
transposed_tensor = tensor_from_list.t()

print(shape)
print(reshaped_tensor)
print(transposed_tensor)
