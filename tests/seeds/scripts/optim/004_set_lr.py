# Seed 000, 优化器 / 4. 设置学习率
# Needs `model` (nn.Linear(3, 1)); added prints of the learning rate.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(3, 1)

optimizer = optim.SGD(model.parameters(), lr=0.01)

print(optimizer.param_groups[0]['lr'])
print(optimizer.defaults)
print(len(optimizer.param_groups), len(optimizer.param_groups[0]['params']))
