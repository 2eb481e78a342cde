# Seed 001, Tensors / Tensor Operations / Multiplying tensors (element-wise)
# Needs `tensor` from the indexing snippet.
import torch

torch.manual_seed(0)

tensor = torch.ones(4, 4)
tensor[:,1] = 0

# 这样就可以计算出元素与元素之间的乘积
print(f"tensor.mul(tensor) \n {tensor.mul(tensor)} \n")
# 替代语法
print(f"tensor * tensor \n {tensor * tensor}")
