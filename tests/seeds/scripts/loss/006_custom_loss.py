# Seed 000, 损失函数 / 7. 自定义损失函数 (CustomLoss(nn.Module))
# Completion: instantiate CustomLoss(0.5), print it, compute and backprop.
import torch.nn as nn

import torch

torch.manual_seed(0)

class CustomLoss(nn.Module):
    def __init__(self, weight):
        super(CustomLoss, self).__init__()
        self.weight = weight

    def forward(self, output, target):
        loss = torch.mean((output - target) ** 2)
        return self.weight * loss

criterion = CustomLoss(0.5)
print(criterion)
output = torch.randn(3, 2, requires_grad=True)
target = torch.randn(3, 2)
loss = criterion(output, target)
print(loss)
loss.backward()
print(output.grad)
