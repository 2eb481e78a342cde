# Seed 000, 损失函数 / 1. 均方误差损失 (nn.MSELoss)
# Completion: print the criterion and apply it to small random tensors.
import torch

torch.manual_seed(0)

import torch.nn as nn

criterion = nn.MSELoss()

print(criterion)
output = torch.randn(4, 3, requires_grad=True)
target = torch.randn(4, 3)
loss = criterion(output, target)
print(loss)
loss.backward()
print(output.grad)
