# Seed 000, 优化器 / 3. RMSprop 优化器
# Needs `model` (nn.Linear(3, 1) as completed in 1.); added print of the
# optimizer and one step on an MSE loss.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(3, 1)
criterion = nn.MSELoss()

# 定义 RMSprop 优化器
optimizer = optim.RMSprop(model.parameters(), lr=0.001)

print(optimizer)
loss = criterion(model(torch.randn(4, 3)), torch.randn(4, 1))
loss.backward()
optimizer.step()
print(model.weight, model.bias)
