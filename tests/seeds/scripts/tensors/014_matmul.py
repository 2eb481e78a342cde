# Seed 001, Tensors / Tensor Operations / matrix multiplication
# Needs `tensor` from the indexing snippet.
import torch

torch.manual_seed(0)

tensor = torch.ones(4, 4)
tensor[:,1] = 0

print(f"tensor.matmul(tensor.T) \n {tensor.matmul(tensor.T)} \n")
# 替代语法
print(f"tensor @ tensor.T \n {tensor @ tensor.T}")
