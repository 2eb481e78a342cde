# Seed 000, 学习率调整 / 7. 使用学习率调整器 (scheduler.step(validation_loss))
# Completion: model nn.Linear(3, 1) + SGD lr=0.01, the scheduler of 6. without
# the removed `verbose=True`, num_epochs = 20, and validation_loss taken from a
# fixed list that stops improving; the `...` placeholder is kept; added a
# print of the lr each epoch.
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)
scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=5)
num_epochs = 20
val_losses = [1.0, 0.9, 0.8, 0.85, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85,
              0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79]

for epoch in range(num_epochs):
    # 训练模型
    ...
    validation_loss = val_losses[epoch]

    # 更新学习率
    scheduler.step(validation_loss)  # 如果使用 ReduceLROnPlateau
    print(epoch, optimizer.param_groups[0]['lr'], scheduler.get_last_lr())
