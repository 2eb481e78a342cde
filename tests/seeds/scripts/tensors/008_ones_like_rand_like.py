# Seed 001, Tensors / Tensor Initialization / From another tensor
# Needs x_data from "Directly from data".
import torch
import numpy as np

torch.manual_seed(0)

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)

x_ones = torch.ones_like(x_data) # 保留了 x_data 的属性
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float) # 覆盖 x_data 的数据类型
print(f"Random Tensor: \n {x_rand} \n")
