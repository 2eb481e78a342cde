# Seed 000, 学习率调整 / 3. ExponentialLR 学习率调整
# Completion: model nn.Linear(3, 1) + SGD lr=0.01 (from 1.); steps the
# scheduler 8 times (optimizer.step() first) and prints the lr after each.
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)

scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)

print(scheduler.get_last_lr())
for epoch in range(8):
    optimizer.step()
    scheduler.step()
    print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]['lr'])
