# Seed 000, 损失函数 / 8. 使用损失函数进行训练
# Completion: model = nn.Linear(4, 3), criterion = nn.CrossEntropyLoss(),
# optimizer = SGD(lr=0.1), small random inputs/labels; added prints.
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Linear(4, 3)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
inputs = torch.randn(5, 4)
labels = torch.tensor([0, 2, 1, 1, 0])

output = model(inputs)
loss = criterion(output, labels)

optimizer.zero_grad()
loss.backward()
optimizer.step()

print(loss)
print(model.weight)
print(model.bias)
