# Seed 000, 张量创建和基本操作 / 2. 张量的基本操作 (数学运算)
# Needs tensors from snippet 1. As written, torch.matmul of a (3, 4) and a
# (2, 2) tensor raises; the line is kept and the error is caught and printed.
import torch
import numpy as np

torch.manual_seed(0)

tensor_from_list = torch.tensor([1, 2, 3])
numpy_array = np.array([4, 5, 6])
tensor_from_numpy = torch.tensor(numpy_array)
zeros_tensor = torch.zeros((3, 4))
ones_tensor = torch.ones((2, 2))

# 加法
sum_tensor = tensor_from_list + tensor_from_numpy

# 乘法
try:
    product_tensor = torch.matmul(zeros_tensor, ones_tensor)
except RuntimeError as e:
    print("RuntimeError:", e)

# 广播操作
broadcasted_tensor = tensor_from_list * 2

print(sum_tensor)
print(broadcasted_tensor)
