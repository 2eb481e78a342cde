# Seed 000, 损失函数 / 3. 二元交叉熵损失 (nn.BCELoss)
# Completion: print the criterion and apply it to sigmoid outputs / 0-1 targets.
import torch
import torch.nn as nn

torch.manual_seed(0)

criterion = nn.BCELoss()

print(criterion)
logits = torch.randn(6, requires_grad=True)
output = torch.sigmoid(logits)
target = torch.tensor([0., 1., 1., 0., 1., 0.])
loss = criterion(output, target)
print(loss)
loss.backward()
print(logits.grad)
