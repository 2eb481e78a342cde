# Seed 000 (python88 "十大 pytorch 核心操作"), 张量创建和基本操作 / 1. 张量的创建 (from list / NumPy)
# Reconstructed [123] -> [1, 2, 3], [456] -> [4, 5, 6]; added prints.
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

# 从列表创建张量
tensor_from_list = torch.tensor([1, 2, 3])

# 从 NumPy 数组创建张量
numpy_array = np.array([4, 5, 6])
tensor_from_numpy = torch.tensor(numpy_array)

print(tensor_from_list, tensor_from_list.dtype)
print(tensor_from_numpy, tensor_from_numpy.dtype)
