# Seed 000, 学习率调整 / 2. MultiStepLR 学习率调整
# Reconstructed milestones=[102030] -> [10, 20, 30]. Completion: model nn.Linear(3, 1) + SGD lr=0.01 (from 1.); steps the
# scheduler 35 times (optimizer.step() first) and prints the lr after each.
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)

scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[10, 20, 30], gamma=0.1)

print(scheduler.get_last_lr())
for epoch in range(35):
    optimizer.step()
    scheduler.step()
    print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]['lr'])
