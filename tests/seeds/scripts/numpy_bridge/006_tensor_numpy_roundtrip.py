# Seed 002, Tensor和Numpy的数组之间的转换
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

# 创建一个PyTorch张量
tensor = torch.tensor([1, 2, 3, 4, 5])
# 将PyTorch张量转换为NumPy数组
array = tensor.numpy()
print(array) # 输出 [1, 2, 3, 4, 5]
# 使用NumPy数组进行操作
array = np.square(array)
print(array) # 输出 [1, 4, 9, 16, 25]
# 将NumPy数组转换回PyTorch张量
tensor = torch.from_numpy(array)
print(tensor) # 输出 tensor([1, 4, 9, 16, 25])
