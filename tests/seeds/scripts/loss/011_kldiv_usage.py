# Seed 002, 损失函数 / KL 散度损失(KLDivLoss)
# Completion: output and target are probability distributions (softmax of
# random tensors) so output.log() is finite; added print. The default
# reduction='mean' emits a UserWarning on stderr (not compared).
import torch
import torch.nn as nn

torch.manual_seed(0)

output = torch.softmax(torch.randn(2, 4), dim=1)
target = torch.softmax(torch.randn(2, 4), dim=1)

criterion = nn.KLDivLoss()
loss = criterion(output.log(), target)

print(loss)
