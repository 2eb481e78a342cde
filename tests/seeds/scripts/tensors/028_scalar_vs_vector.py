# Seed 002, 张量(tensor)与标量(scalar)
import torch

torch.manual_seed(0)

# 创建一个零维张量
scalar_tensor = torch.tensor(5)
print(scalar_tensor) # 输出 tensor(5)
print(scalar_tensor.shape) # 输出 torch.Size([])
# 创建一个一维张量
vector_tensor = torch.tensor([5])
print(vector_tensor) # 输出 tensor([5])
print(vector_tensor.shape) # 输出 torch.Size([1])
# 直接使用Python的标量数据类型
scalar_value = 5
print(scalar_value) # 输出 5
print(type(scalar_value)) # 输出 <class 'int'>
