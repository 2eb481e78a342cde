# Seed 000, 模型评估 / 3. 计算性能指标 (准确率)
# Completion: predicted/labels are small made-up integer tensors.
import torch

torch.manual_seed(0)

labels = torch.tensor([0, 1, 2, 1, 0, 2, 2, 1])
predicted = torch.tensor([0, 2, 2, 1, 0, 1, 2, 1])

correct = (predicted == labels).sum().item()
total = labels.size(0)
accuracy = correct / total

print(correct, total, accuracy)
print(type(correct), type(total))
