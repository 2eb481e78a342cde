# Seed 000, 优化器 / 6. 梯度更新 (loss.backward(); optimizer.step())
# Completion: model nn.Linear(3, 1), MSE loss on random data, SGD lr=0.01;
# prints the parameters before and after the step.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(3, 1)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
loss = criterion(model(torch.randn(4, 3)), torch.randn(4, 1))
print(model.weight, model.bias)

loss.backward()  # 计算梯度
optimizer.step()  # 更新参数

print(model.weight.grad)
print(model.weight, model.bias)
