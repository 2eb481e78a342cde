# Seed 000, 学习率调整 / 1. StepLR 学习率调整
# Completion: model nn.Linear(3, 1), num_epochs = 12; the `...` placeholder
# is kept; added a print of the optimizer's lr each epoch.
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Linear(3, 1)
num_epochs = 12

import torch.optim as optim
from torch.optim import lr_scheduler

# 定义优化器
optimizer = optim.SGD(model.parameters(), lr=0.01)

# 定义学习率调整策略
scheduler = lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.1)

# 在训练循环中使用
for epoch in range(num_epochs):
    # 训练模型
    ...

    # 更新学习率
    scheduler.step()
    print(epoch, optimizer.param_groups[0]['lr'])
