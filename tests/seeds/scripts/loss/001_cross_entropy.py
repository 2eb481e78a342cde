# Seed 000, 损失函数 / 2. 交叉熵损失 (nn.CrossEntropyLoss)
# Completion: print the criterion and apply it to random logits/class labels.
import torch
import torch.nn as nn

torch.manual_seed(0)

criterion = nn.CrossEntropyLoss()

print(criterion)
output = torch.randn(4, 5, requires_grad=True)
target = torch.tensor([1, 0, 4, 2])
loss = criterion(output, target)
print(loss)
loss.backward()
print(output.grad)
