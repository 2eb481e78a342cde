# Seed 000, 模型评估 / 2. 使用验证集或测试集进行推理
# Completion: `model` is a small MLP with Dropout, `dataloader` a DataLoader
# over a small TensorDataset; the "后续处理" prints each batch's outputs.
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
dataloader = DataLoader(TensorDataset(torch.randn(10, 8), torch.randint(0, 3, (10,))), batch_size=4)

model.eval()

with torch.no_grad():
    for inputs, labels in dataloader:
        outputs = model(inputs)
        # 进行后续处理...
        print(outputs)
        print(outputs.requires_grad, labels)
