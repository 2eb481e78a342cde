# Seed 001 (60 Minute Blitz), Tensors / Tensor Initialization / Directly from data
# Added print.
import torch
import numpy as np

torch.manual_seed(0)

data = [[1, 2], [3, 4]] # 直接从数据中创建张量
x_data = torch.tensor(data)

print(x_data)
