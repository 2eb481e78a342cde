# Seed 001 (60 Minute Blitz), Tensors / Tensor Initialization / From a NumPy array
# Needs `data` from "Directly from data"; added prints (and a write through
# the shared memory to show from_numpy shares it).
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

data = [[1, 2], [3, 4]]

np_array = np.array(data) # 从 NumPy 数组创建张量
x_np = torch.from_numpy(np_array)

print(x_np)
np_array[0, 0] = 10
print(x_np)
