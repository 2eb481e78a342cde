# Seed 002 (CSDN "pytorch快速入门"), 损失函数 / 均方误差损失(MSELoss)
# Completion: output/target are small random tensors; added print.
import torch
import torch.nn as nn

torch.manual_seed(0)

output = torch.randn(4, 1)
target = torch.randn(4, 1)

criterion = nn.MSELoss()
loss = criterion(output, target)

print(loss)
