# Seed 000, 损失函数 / 6. 三元组损失 (torch.nn.functional.triplet_margin_loss)
# Completion: print the function and apply it to random anchor/positive/negative.
import torch

torch.manual_seed(0)

from torch.nn.functional import triplet_margin_loss

criterion = triplet_margin_loss

print(criterion)
anchor = torch.randn(4, 8, requires_grad=True)
positive = torch.randn(4, 8)
negative = torch.randn(4, 8)
loss = criterion(anchor, positive, negative)
print(loss)
print(criterion(anchor, positive, negative, margin=0.1, reduction='none'))
