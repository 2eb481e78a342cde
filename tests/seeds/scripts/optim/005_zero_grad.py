# Seed 000, 优化器 / 5. 梯度清零
# Completion: model nn.Linear(3, 1), SGD optimizer, one backward so there is
# something to clear; prints the grads before and after.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)
model(torch.randn(2, 3)).sum().backward()
print(model.weight.grad, model.bias.grad)

optimizer.zero_grad()

print(model.weight.grad, model.bias.grad)
