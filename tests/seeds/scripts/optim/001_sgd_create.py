# Seed 000, 优化器 / 1. SGD 优化器
# Completion: `model = ...` -> nn.Linear(3, 1), `criterion = ...` -> nn.MSELoss();
# added print of the optimizer (its repr lists all param-group defaults).
import torch
import torch.nn as nn

torch.manual_seed(0)

import torch
import torch.optim as optim

# 定义模型和损失函数
model = nn.Linear(3, 1)
criterion = nn.MSELoss()

# 定义 SGD 优化器
optimizer = optim.SGD(model.parameters(), lr=0.01)

print(optimizer)
