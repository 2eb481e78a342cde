# Seed 002, 损失函数 / 交叉熵损失(CrossEntropyLoss)
# Completion: output = random logits (4, 3), target = class labels; added print.
import torch
import torch.nn as nn

torch.manual_seed(0)

output = torch.randn(4, 3)
target = torch.tensor([2, 0, 1, 2])

criterion = nn.CrossEntropyLoss()
loss = criterion(output, target)

print(loss)
