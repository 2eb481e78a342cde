# Seed 000, 优化器 / 7. 动态调整学习率 (lr_scheduler.StepLR)
# Completion: model nn.Linear(3, 1) + SGD lr=0.01 from 1., num_epochs = 12;
# the `...` placeholder is kept; added a print of the lr each epoch.
# (Without an optimizer.step() torch warns on stderr; not compared.)
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)
num_epochs = 12

from torch.optim import lr_scheduler

# 创建学习率衰减策略
scheduler = lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.1)

# 在训练循环中使用
for epoch in range(num_epochs):
    # 训练模型
    ...

    # 更新学习率
    scheduler.step()
    print(epoch, scheduler.get_last_lr())
