# Seed 002, 张量(Tensor)操作 / 创建张量 (使用 torch.Tensor() 创建张量)
# The snippet uses `np` without importing it: added `import numpy as np`.
# torch.tensor(x) on a tensor emits a UserWarning on stderr (not compared).
import torch
import numpy as np

torch.manual_seed(0)

# 从 Python 标量创建张量
scalar_tensor = torch.tensor(3.14)
print(scalar_tensor) # 输出 tensor(3.1400)
# 从 Python 列表创建张量
list_tensor = torch.tensor([1, 2, 3])
print(list_tensor) # 输出 tensor([1, 2, 3])
# 从 NumPy 数组创建张量
numpy_array = np.array([4, 5, 6])
numpy_tensor = torch.tensor(numpy_array)
print(numpy_tensor) # 输出 tensor([4, 5, 6], dtype=torch.int32)
# 创建一个指定大小的空张量
empty_tensor = torch.tensor([])
print(empty_tensor) # 输出 tensor([])
# 从其他张量创建张量
x = torch.tensor([1, 2, 3])
y = torch.tensor(x)
print(y) # 输出 tensor([1, 2, 3])
# x 和 y是两个完全独立的张量对象,它们在内存中占据不同的位置。
x[0] = 100
print(x) # tensor([100, 2, 3])
print(y) # tensor([1, 2, 3])
