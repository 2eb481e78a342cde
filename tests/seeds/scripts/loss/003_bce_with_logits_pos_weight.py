# Seed 000, 损失函数 / 4. 二元交叉熵损失(带权重) (nn.BCEWithLogitsLoss(pos_weight=...))
# Completion: weight_class_0 / weight_class_1 are undefined in the snippet:
# set to 1.0 and 3.0; the loss is applied to (4, 2) logits so pos_weight
# broadcasts over the last dimension.
import torch
import torch.nn as nn

torch.manual_seed(0)

weight_class_0, weight_class_1 = 1.0, 3.0

weights = torch.tensor([weight_class_0, weight_class_1])
criterion = nn.BCEWithLogitsLoss(pos_weight=weights)

print(criterion)
print(criterion.pos_weight)
output = torch.randn(4, 2)
target = torch.tensor([[0., 1.], [1., 1.], [0., 0.], [1., 0.]])
print(criterion(output, target))
