# Seed 000, 损失函数 / 5. K-L 散度损失 (nn.KLDivLoss)
# Completion: apply it to log-probabilities vs probabilities (the default
# reduction='mean' also emits a UserWarning on stderr, not compared).
import torch
import torch.nn as nn

torch.manual_seed(0)

criterion = nn.KLDivLoss()

print(criterion)
log_probs = torch.log_softmax(torch.randn(3, 5), dim=1)
target = torch.softmax(torch.randn(3, 5), dim=1)
print(criterion(log_probs, target))
