# Seed 000, 模型评估 / 6. 完整的评估过程示例
# Completion: `model` is a small MLP with Dropout, `dataloader` a DataLoader
# over a small TensorDataset.
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
dataloader = DataLoader(TensorDataset(torch.randn(30, 8), torch.randint(0, 3, (30,))), batch_size=8)

model.eval()

total_correct = 0
total_samples = 0

with torch.no_grad():
    for inputs, labels in dataloader:
        outputs = model(inputs)
        _, predicted = torch.max(outputs, 1)
        
        total_correct += (predicted == labels).sum().item()
        total_samples += labels.size(0)

accuracy = total_correct / total_samples
print(f'Accuracy: {accuracy}')
