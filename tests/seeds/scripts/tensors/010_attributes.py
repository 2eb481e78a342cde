# Seed 001, Tensors / Tensor Attributes
import torch

torch.manual_seed(0)

tensor = torch.rand(3, 4)

print(f"Shape of tensor: {tensor.shape}") # 形状
print(f"Datatype of tensor: {tensor.dtype}") # 类型
print(f"Device tensor is stored on: {tensor.device}") # 存储张量的设备
