# Seed 002 (CSDN "pytorch快速入门"), 优化器 / 4.RMSprop(均方根传播)
# Completion: `model` -> nn.Linear(10, 1), learning_rate = 0.01;
# added print of the optimizer and 3 training steps on an MSE loss (losses rounded to 5 decimals: float32
# sums in another order differ in the last digit).
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(10, 1)
learning_rate = 0.01

optimizer = optim.RMSprop(model.parameters(), lr=learning_rate)

print(optimizer)
inputs = torch.randn(8, 10)
labels = torch.randn(8, 1)
criterion = nn.MSELoss()
for step in range(3):
    optimizer.zero_grad()
    loss = criterion(model(inputs), labels)
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 5))
print(model.weight)
print(model.bias)
