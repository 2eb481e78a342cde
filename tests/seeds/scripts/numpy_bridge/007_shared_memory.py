# Seed 002, Tensor和numpy对象共享内存
# Needs `array` and `tensor` from the previous snippet (round trip).
import torch
import numpy as np

torch.manual_seed(0)
np.random.seed(0)

tensor = torch.tensor([1, 2, 3, 4, 5])
array = tensor.numpy()
array = np.square(array)
tensor = torch.from_numpy(array)

# 改变NumPy数组的值
array[0] = 100
print(array) # 输出 [100 4 9 16 25]
# 查看PyTorch张量的值
print(tensor) # 输出 tensor([100, 4, 9, 16, 25])
