# Seed 002, scalar.item与tensor[idx]
# The snippet prints `scalar_value` before assigning it; in the tutorial that
# name comes from the previous snippet (`scalar_value = 5`), which is included.
# Added print(tensor_value) and type prints so the 0-dim tensor is observable.
import torch

torch.manual_seed(0)

scalar_value = 5  # from the previous snippet

scalar_tensor = torch.tensor([5])
print(scalar_tensor) # 输出 tensor([5])
print(scalar_tensor.shape) #输出 torch.Size([1])
tensor_value = scalar_tensor[0]
print(scalar_value) # 输出 tensor(5)
scalar_value = scalar_tensor.item()
print(scalar_value) # 输出 5

print(tensor_value, tensor_value.shape)
print(type(scalar_value))
